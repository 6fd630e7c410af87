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
    let id = &args.screen;
    if !ekran_model::validate::is_screen_id(id) {
        return Err(format!(
            "--screen {id:?}: a screen ID is 1-32 letters, digits, '-' or '_'"
        ));
    }
    // A data directory with a hall: the screen must be one of its screens (the demo's
    // kept key has no hall beside it).
    if args.data.dir.join(ekran_store::DB_FILE).exists() {
        let mut store =
            ekran_store::Store::open_read_only(&args.data.dir).map_err(|e| e.to_string())?;
        let screens = store.read(|r| r.screens()).map_err(|e| e.to_string())?;
        if !screens.iter().any(|s| &s.id == id) {
            let ids: Vec<&str> = screens.iter().map(|s| s.id.as_str()).collect();
            return Err(format!(
                "{}: there is no screen {id} (screens: {})",
                args.data.dir.display(),
                ids.join(", ")
            ));
        }
    }
    let path = args.data.dir.join(ekran_server::key::KEY_FILE);
    let control = match std::fs::read_to_string(&path) {
        Ok(k) if k.trim().len() >= 16 => k,
        Ok(_) => {
            return Err(format!(
                "{}: the control key is too short; delete the file and start `ekran serve` to make a new one (screen keys change with it)",
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
