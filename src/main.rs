//! `ekran`: the one binary a museum technician runs. Each subcommand lives in its own
//! file under `cmd/`; the work itself is done by the crates under `components/`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

mod cmd;
mod inputs;

#[derive(Parser)]
#[command(
    name = "ekran",
    version,
    about = "Interactive exhibition halls: big screens driven by touch tablets"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where ekran keeps its database and media library.
#[derive(Args, Clone)]
pub struct DataDir {
    /// Data directory (imports and `serve` create it when missing).
    #[arg(
        long = "data",
        value_name = "DIR",
        env = "EKRAN_DATA",
        default_value = "ekran-data"
    )]
    pub dir: PathBuf,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum LangArg {
    Ru,
    #[value(alias = "kz")]
    Kk,
}

impl From<LangArg> for ekran_model::Lang {
    fn from(l: LangArg) -> Self {
        match l {
            LangArg::Ru => ekran_model::Lang::Ru,
            LangArg::Kk => ekran_model::Lang::Kk,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Check legacy records or an ekran export without storing anything.
    Check(cmd::check::CheckArgs),
    /// Import content into the data directory (all or nothing).
    #[command(subcommand)]
    Import(cmd::import::ImportCommand),
    /// Write the whole hall as canonical JSON.
    Export(cmd::export::ExportArgs),
    /// Run the live hall: displays, tablets and the hall page.
    Serve(cmd::serve::ServeArgs),
    /// List the published versions, newest (live) first.
    Versions(cmd::versions::VersionsArgs),
    /// Publish the working copy as a new version.
    Publish(cmd::versions::PublishArgs),
    /// Bring an old version back as a new version.
    Rollback(cmd::versions::RollbackArgs),
    /// Manage the region maps: add one from GeoJSON, list, show, remove.
    #[command(subcommand)]
    Map(cmd::map::MapCommand),
    /// Manage the staff accounts (admin and editor).
    #[command(subcommand)]
    User(cmd::user::UserCommand),
    /// Show who changed what and when, newest first.
    Audit(cmd::audit::AuditArgs),
    /// Check the data directory, the database, media, disk and network; change nothing.
    Doctor(cmd::doctor::DoctorArgs),
    /// Print the key that lets a script show or drive one screen (browsers are paired
    /// in the admin instead).
    Key(cmd::key::KeyArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(a) => cmd::check::run(a),
        Command::Import(c) => cmd::import::run(c),
        Command::Export(a) => cmd::export::run(a),
        Command::Serve(a) => cmd::serve::run(a),
        Command::Versions(a) => cmd::versions::versions(a),
        Command::Publish(a) => cmd::versions::publish(a),
        Command::Rollback(a) => cmd::versions::rollback(a),
        Command::Map(c) => cmd::map::run(c),
        Command::User(c) => cmd::user::run(c),
        Command::Audit(a) => cmd::audit::run(a),
        Command::Doctor(a) => cmd::doctor::run(a),
        Command::Key(a) => cmd::key::run(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}
