//! `ekran key --screen ID`: prints the key that lets a script (a kiosk tool, a show
//! controller) show or drive one screen over the live channel (`/ws/ID?role=…&key=…`).
//! Browsers are paired in the admin instead.

use std::process::ExitCode;

use clap::Args;

use crate::DataDir;

#[derive(Args)]
pub struct KeyArgs {
    #[command(flatten)]
    data: DataDir,
    /// The screen whose key to print.
    #[arg(long, value_name = "ID")]
    screen: String,
}

pub fn run(args: KeyArgs) -> Result<ExitCode, String> {
    let path = args.data.dir.join(ekran_server::key::KEY_FILE);
    let control = match std::fs::read_to_string(&path) {
        Ok(k) if k.trim().len() >= 16 => k,
        Ok(_) => {
            return Err(format!(
                "{}: the control key is too short; `ekran serve` makes a new one",
                path.display()
            ))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(format!(
                "{}: no control key yet; `ekran serve --data {}` makes one at its first start",
                path.display(),
                args.data.dir.display()
            ))
        }
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    println!(
        "{}",
        ekran_server::key::screen_key(control.trim(), &args.screen)
    );
    Ok(ExitCode::SUCCESS)
}
