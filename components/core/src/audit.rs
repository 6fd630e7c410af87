//! The audit log: who changed what, when. Every use case that changes something writes
//! its entry in the same store transaction as the change, so a change and
//! its entry are stored together or not at all; a refused change leaves no entry
//! (except a refused sign-in, which is itself the event recorded).

use ekran_store::{AuditEntry, AuditFilter, NewAudit, Writer};

use crate::{Core, Result};

/// What an audit entry records. The codes ([`Action::code`]) are stable: scripts and
/// the HTTP API filter by them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Publish,
    Rollback,
    ImportLegacy,
    ImportEkran,
    /// The built-in demo hall stored into a new data directory.
    SeedDemo,
    /// One working-copy edit (see [`crate::edit::Edit`]).
    Edit,
    UserAdd,
    UserPasswd,
    UserRemove,
    /// A user's role changed.
    UserRole,
    /// A screen's settings changed (see [`crate::screens::ScreenPatch`]).
    ScreenUpdate,
    SignIn,
    SignInFailed,
    SignOut,
    /// An admin lifted the sign-in lock of a name (the lock itself lives in the server).
    UserUnlock,
    /// Failed sign-ins locked a name (from an address, or from all) or an address;
    /// recorded once per lock, by the server that keeps the lock.
    SignInLocked,
    /// A device (display or tablet) paired with a screen.
    DevicePair,
    /// A device renamed, reassigned or given another role.
    DeviceUpdate,
    /// A device's token revoked.
    DeviceRevoke,
    /// Several fields of one node changed at once by the content editor (see
    /// [`crate::edit::Edit::Update`]).
    NodeUpdate,
    /// A node copied with its subtree ([`crate::edit::Edit::Duplicate`]).
    NodeDuplicate,
    /// A file added to the media library (see [`crate::media`]).
    MediaUploaded,
    /// A media item's label changed.
    MediaRenamed,
    /// A media item deleted from the library.
    MediaDeleted,
    /// A region map added from GeoJSON (see [`crate::maps`]).
    MapAdd,
    /// A region map removed.
    MapRemove,
}

impl Action {
    pub const ALL: [Action; 26] = [
        Action::Publish,
        Action::Rollback,
        Action::ImportLegacy,
        Action::ImportEkran,
        Action::SeedDemo,
        Action::Edit,
        Action::UserAdd,
        Action::UserPasswd,
        Action::UserRemove,
        Action::UserRole,
        Action::ScreenUpdate,
        Action::SignIn,
        Action::SignInFailed,
        Action::SignOut,
        Action::UserUnlock,
        Action::SignInLocked,
        Action::DevicePair,
        Action::DeviceUpdate,
        Action::DeviceRevoke,
        Action::NodeUpdate,
        Action::NodeDuplicate,
        Action::MediaUploaded,
        Action::MediaRenamed,
        Action::MediaDeleted,
        Action::MapAdd,
        Action::MapRemove,
    ];

    /// `publish`, `import_legacy`, `sign_in_failed`, `map_add`…
    pub fn code(self) -> &'static str {
        match self {
            Action::Publish => "publish",
            Action::Rollback => "rollback",
            Action::ImportLegacy => "import_legacy",
            Action::ImportEkran => "import_ekran",
            Action::SeedDemo => "seed_demo",
            Action::Edit => "edit",
            Action::UserAdd => "user_add",
            Action::UserPasswd => "user_passwd",
            Action::UserRemove => "user_remove",
            Action::UserRole => "user_role",
            Action::ScreenUpdate => "screen_update",
            Action::SignIn => "sign_in",
            Action::SignInFailed => "sign_in_failed",
            Action::SignOut => "sign_out",
            Action::UserUnlock => "user_unlock",
            Action::SignInLocked => "sign_in_locked",
            Action::DevicePair => "device_pair",
            Action::DeviceUpdate => "device_update",
            Action::DeviceRevoke => "device_revoke",
            Action::NodeUpdate => "node_update",
            Action::NodeDuplicate => "node_duplicate",
            Action::MediaUploaded => "media_uploaded",
            Action::MediaRenamed => "media_renamed",
            Action::MediaDeleted => "media_deleted",
            Action::MapAdd => "map_add",
            Action::MapRemove => "map_remove",
        }
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

impl std::str::FromStr for Action {
    type Err = String;
    fn from_str(s: &str) -> Result<Action, String> {
        Action::ALL
            .into_iter()
            .find(|a| a.code() == s)
            .ok_or_else(|| {
                let codes: Vec<&str> = Action::ALL.iter().map(|a| a.code()).collect();
                format!("{s:?} is not an audit action: {}", codes.join(", "))
            })
    }
}

/// Who makes a change, and from where, as recorded in the audit log and with versions.
/// A name alone (`CLI`, or a user's name) converts into one without an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor<'a> {
    /// [`crate::CLI`] for the command line, else the signed-in user's name.
    pub name: &'a str,
    /// The client's network address (an IP address as text) for changes made over
    /// HTTP; `None` from the command line.
    pub address: Option<&'a str>,
    /// The signed-in user's role; `None` from the command line (which may do
    /// everything). Use cases refuse what the role may not do ([`Actor::check_screens`]).
    pub role: Option<ekran_store::Role>,
}

impl Actor<'_> {
    /// `Forbidden` unless this actor may change screens (admins and the command line)
    /// or `before` equals `after`; `what` names the change for the message.
    pub(crate) fn check_screens(
        &self,
        before: &[ekran_model::Screen],
        after: &[ekran_model::Screen],
        what: &str,
    ) -> crate::Result<()> {
        if self.role != Some(ekran_store::Role::Editor) || before == after {
            return Ok(());
        }
        let ids = |l: &[ekran_model::Screen]| l.iter().map(|s| s.id.clone()).collect::<Vec<_>>();
        let (b, a) = (ids(before), ids(after));
        let detail = if b != a {
            format!("screens {} would become {}", b.join(", "), a.join(", "))
        } else {
            "the screens' settings would change".to_owned()
        };
        Err(crate::CoreError::Forbidden(format!(
            "only an admin may change screens: {what} changes them ({detail}); import content whose screens are as they are now, or ask an admin"
        )))
    }
}

impl<'a> From<&'a str> for Actor<'a> {
    fn from(name: &'a str) -> Self {
        Actor {
            name,
            address: None,
            role: None,
        }
    }
}

impl<'a> From<&'a String> for Actor<'a> {
    fn from(name: &'a String) -> Self {
        Actor::from(name.as_str())
    }
}

/// Writes one audit entry in the change's transaction `w`.
pub(crate) fn record(
    w: &mut Writer<'_>,
    actor: &str,
    action: Action,
    subject: &str,
    summary: &str,
    address: Option<&str>,
) -> Result<()> {
    w.audit(&NewAudit {
        actor,
        action: action.code(),
        subject,
        summary,
        address,
    })?;
    Ok(())
}

impl Core {
    /// Records that `by` lifted the sign-in lock of user `name` (kept by the server,
    /// in memory).
    pub fn record_unlock<'by>(&mut self, name: &str, by: impl Into<Actor<'by>>) -> Result<()> {
        let by: Actor<'by> = by.into();
        let subject = format!("user {}", name.chars().take(64).collect::<String>());
        self.store.write(|w| {
            record(
                w,
                by.name,
                Action::UserUnlock,
                &subject,
                "sign-in lock lifted",
                by.address,
            )
        })
    }

    /// Records that failed sign-ins locked sign-ins with `name` (cut to 64 characters)
    /// or from `address`, as the server's throttle decided; `summary` says which and
    /// for how long.
    pub fn record_sign_in_lock(&mut self, name: &str, address: &str, summary: &str) -> Result<()> {
        let subject = format!("user {}", name.chars().take(64).collect::<String>());
        self.store.write(|w| {
            record(
                w,
                crate::accounts::ANONYMOUS,
                Action::SignInLocked,
                &subject,
                summary,
                Some(address),
            )
        })
    }

    /// Audit entries matching `filter`, newest first.
    pub fn audit(&mut self, filter: &AuditFilter) -> Result<Vec<AuditEntry>> {
        Ok(self.store.read(|r| r.audit_log(filter))?)
    }
}
