//! `ekran user add|list|passwd|remove`: the staff accounts of a data directory. Changes
//! are recorded in the audit log as made from the command line (`cli`).

use std::io::BufRead;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use ekran_core::accounts::{generate_password, Role};
use ekran_core::{Core, CoreError, CLI};

use crate::cmd::versions::{one_line, open};
use crate::inputs::{self, Tally};
use crate::DataDir;

#[derive(Subcommand)]
pub enum UserCommand {
    /// Add an account. Without --password-stdin a strong password is made and printed
    /// once.
    Add(AddArgs),
    /// List the accounts: name, role, created, active sessions.
    List(ListArgs),
    /// Set an account's password (ends its sessions). Without --password-stdin a
    /// strong password is made and printed once.
    Passwd(PasswdArgs),
    /// Remove an account (ends its sessions). The last admin cannot be removed.
    Remove(RemoveArgs),
}

#[derive(Args)]
pub struct AddArgs {
    #[command(flatten)]
    data: DataDir,
    /// Latin letters, digits, `.`, `-`, `_`; at most 64; unique in any case.
    #[arg(value_name = "NAME")]
    name: String,
    /// `admin` (users, screens, everything) or `editor` (content, publishing).
    #[arg(long, value_name = "ROLE")]
    role: Role,
    /// Read the password from the first line of standard input (at least 10
    /// characters).
    #[arg(long)]
    password_stdin: bool,
}

#[derive(Args)]
pub struct ListArgs {
    #[command(flatten)]
    data: DataDir,
}

#[derive(Args)]
pub struct PasswdArgs {
    #[command(flatten)]
    data: DataDir,
    #[arg(value_name = "NAME")]
    name: String,
    /// Read the password from the first line of standard input.
    #[arg(long)]
    password_stdin: bool,
}

#[derive(Args)]
pub struct RemoveArgs {
    #[command(flatten)]
    data: DataDir,
    #[arg(value_name = "NAME")]
    name: String,
}

pub fn run(c: UserCommand) -> Result<ExitCode, String> {
    match c {
        UserCommand::Add(a) => add(a),
        UserCommand::List(a) => list(a),
        UserCommand::Passwd(a) => passwd(a),
        UserCommand::Remove(a) => remove(a),
    }
}

/// The password from standard input (its first line, without the line break), or a
/// new one to print.
fn password(from_stdin: bool) -> Result<(String, bool), String> {
    if !from_stdin {
        return Ok((generate_password(), true));
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| format!("standard input: {e}"))?;
    let line = line.strip_suffix('\n').unwrap_or(&line);
    let line = line.strip_suffix('\r').unwrap_or(line);
    Ok((line.to_owned(), false))
}

/// Prints a refusal; exit 1.
fn refused(e: CoreError) -> Result<ExitCode, String> {
    match e {
        CoreError::Invalid(d) => inputs::print(&d, &mut Tally::default()),
        e => eprintln!("error: {e}"),
    }
    eprintln!("nothing changed");
    Ok(ExitCode::from(1))
}

fn show_generated(name: &str, password: &str) {
    println!("password: {password}");
    eprintln!("note: the password of {name} is shown only now; hand it over safely");
}

fn add(a: AddArgs) -> Result<ExitCode, String> {
    // The first admin is usually made before anything else: the data directory is
    // created when missing.
    let mut core = Core::open(&a.data.dir).map_err(|e| e.to_string())?;
    let (pw, generated) = password(a.password_stdin)?;
    match core.add_user(&a.name, a.role, &pw, CLI) {
        Ok(u) => {
            println!("added {} ({})", u.name, u.role);
            if generated {
                show_generated(&u.name, &pw);
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => refused(e),
    }
}

fn list(a: ListArgs) -> Result<ExitCode, String> {
    let mut core = open(&a.data)?;
    let users = core.users().map_err(|e| e.to_string())?;
    let mut out = String::new();
    for u in &users {
        out.push_str(&format!(
            "{}\t{}\t{}\t{} session(s)\n",
            one_line(&u.name),
            u.role,
            u.created_at,
            u.sessions
        ));
    }
    if users.is_empty() {
        out.push_str("no users yet (add one: ekran user add NAME --role admin)\n");
    }
    inputs::write_stdout(out.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

fn passwd(a: PasswdArgs) -> Result<ExitCode, String> {
    let mut core = open(&a.data)?;
    let (pw, generated) = password(a.password_stdin)?;
    match core.set_password(&a.name, &pw, CLI) {
        Ok(ended) => {
            println!(
                "changed the password of {}; {ended} session(s) ended",
                a.name
            );
            if generated {
                show_generated(&a.name, &pw);
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => refused(e),
    }
}

fn remove(a: RemoveArgs) -> Result<ExitCode, String> {
    let mut core = open(&a.data)?;
    match core.remove_user(&a.name, CLI) {
        Ok(()) => {
            println!("removed {}", a.name);
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => refused(e),
    }
}
