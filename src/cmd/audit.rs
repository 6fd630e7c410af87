//! `ekran audit`: who changed what and when, newest first.

use std::process::ExitCode;

use clap::Args;
use ekran_core::audit::Action;
use ekran_core::AuditFilter;

use crate::cmd::versions::{one_line, open};
use crate::DataDir;

#[derive(Args)]
pub struct AuditArgs {
    #[command(flatten)]
    data: DataDir,
    /// Show at most N entries (0: all).
    #[arg(long, value_name = "N", default_value_t = 100)]
    limit: u32,
    /// Only entries by this actor: a user name (any case), `cli`, or `-` (failed
    /// sign-ins).
    #[arg(long, value_name = "NAME")]
    actor: Option<String>,
    /// Only entries with this action code (publish, rollback, import_legacy,
    /// import_ekran, seed_demo, edit, user_add, user_passwd, user_remove, user_role,
    /// screen_update, sign_in, sign_in_failed, sign_in_locked, sign_out, user_unlock,
    /// device_pair, device_update, device_revoke, node_update, node_duplicate,
    /// media_uploaded, media_renamed, media_deleted).
    #[arg(long, value_name = "CODE")]
    action: Option<Action>,
}

/// One line per entry, tab-separated: time (UTC), actor, action, subject, summary,
/// client address (`-` when unknown); control characters written as escapes.
pub fn run(args: AuditArgs) -> Result<ExitCode, String> {
    let mut core = open(&args.data)?;
    let entries = core
        .audit(&AuditFilter {
            actor: args.actor,
            action: args.action.map(|a| a.code().to_owned()),
            limit: (args.limit > 0).then_some(args.limit),
            ..AuditFilter::default()
        })
        .map_err(|e| e.to_string())?;
    let mut out = String::new();
    for e in &entries {
        out.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\t{}\n",
            e.at,
            one_line(&e.actor),
            e.action,
            one_line(&e.subject),
            one_line(&e.summary),
            e.address.as_deref().map_or("-".into(), one_line)
        ));
    }
    crate::inputs::write_stdout(out.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
