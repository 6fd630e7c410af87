//! Paired devices: the browsers of the hall's displays and tablets. An admin pairs a
//! device with a screen and a role; the device gets a long random token (kept in the
//! browser, never in a URL) that lets it show (display) or drive (tablet) that screen
//! only, until it is revoked. Only the token's SHA-256 is stored. Every pairing, change
//! and revocation is in the audit log.

use std::time::SystemTime;

use ekran_model::Diagnostic;
use ekran_store::NewDevice;
pub use ekran_store::{Device, DeviceRole};

use crate::accounts::{hex, millis, random_bytes, token_hash};
use crate::audit::{record, Action, Actor};
use crate::{Core, CoreError, Result};

/// Characters of a device name at most.
pub const MAX_DEVICE_NAME: usize = 64;

/// A device just paired, with its token: shown to the device once, never stored.
#[derive(Debug, Clone)]
pub struct Paired {
    pub device: Device,
    /// 64 hex digits (256 random bits).
    pub token: String,
}

/// A change of a device; `None` keeps a field.
#[derive(Debug, Clone, Default)]
pub struct DevicePatch {
    pub name: Option<String>,
    pub role: Option<DeviceRole>,
    pub screen: Option<String>,
}

/// A device name: trimmed, 1 to 64 characters, no control characters.
fn check_name(name: &str) -> Result<String> {
    let name = name.trim();
    let n = name.chars().count();
    if n == 0 || n > MAX_DEVICE_NAME {
        return Err(CoreError::invalid(Diagnostic::error(
            "device_name",
            format!("a device name has 1 to {MAX_DEVICE_NAME} characters"),
        )));
    }
    if name.chars().any(char::is_control) {
        return Err(CoreError::invalid(Diagnostic::error(
            "device_name",
            "a device name cannot contain control characters (line breaks, tabs)",
        )));
    }
    Ok(name.to_owned())
}

impl Core {
    /// Pairs a new device with `screen` (a screen of the working copy) as `role`, named
    /// `name`. Recorded as `device_pair`.
    pub fn pair_device<'by>(
        &mut self,
        name: &str,
        role: DeviceRole,
        screen: &str,
        by: impl Into<Actor<'by>>,
    ) -> Result<Paired> {
        let by: Actor<'by> = by.into();
        let name = check_name(name)?;
        let token = hex(&random_bytes::<32>());
        let hash = token_hash(&token);
        let cache = &self.cache;
        self.store.write(|w| {
            cache.with(|cache| check_screen(Core::fresh(cache, w)?, screen))?;
            let id = w.add_device(&NewDevice {
                name: &name,
                role,
                screen,
                token_hash: &hash,
                now_ms: millis(SystemTime::now()),
                created_by: by.name,
            })?;
            record(
                w,
                by.name,
                Action::DevicePair,
                &format!("device {id}"),
                &format!("paired {name:?} as a {role} of screen {screen}"),
                by.address,
            )?;
            let device = w
                .device(id)?
                .ok_or_else(|| CoreError::NotFound(format!("device {id}")))?;
            Ok(Paired { device, token })
        })
    }

    /// Every paired device, by screen, then name.
    pub fn devices(&mut self) -> Result<Vec<Device>> {
        Ok(self.store.read(|r| r.devices())?)
    }

    /// The device holding `token`, if it is paired (not revoked).
    pub fn device_for_token(&mut self, token: &str) -> Result<Option<Device>> {
        let hash = token_hash(token);
        Ok(self.store.read(|r| r.device_by_token(&hash))?)
    }

    /// Renames, reassigns or changes the role of device `id`. Recorded as
    /// `device_update` (nothing is recorded when nothing changes).
    pub fn update_device<'by>(
        &mut self,
        id: i64,
        patch: DevicePatch,
        by: impl Into<Actor<'by>>,
    ) -> Result<Device> {
        let by: Actor<'by> = by.into();
        let name = patch.name.as_deref().map(check_name).transpose()?;
        let cache = &self.cache;
        self.store.write(|w| {
            let before = w
                .device(id)?
                .ok_or_else(|| CoreError::NotFound(format!("device {id}")))?;
            let name = name.unwrap_or_else(|| before.name.clone());
            let role = patch.role.unwrap_or(before.role);
            let screen = patch
                .screen
                .clone()
                .unwrap_or_else(|| before.screen.clone());
            if screen != before.screen {
                cache.with(|cache| check_screen(Core::fresh(cache, w)?, &screen))?;
            }
            let mut changes = Vec::new();
            if name != before.name {
                changes.push(format!("renamed {:?} to {name:?}", before.name));
            }
            if role != before.role {
                changes.push(format!("role {} to {role}", before.role));
            }
            if screen != before.screen {
                changes.push(format!("screen {} to {screen}", before.screen));
            }
            if changes.is_empty() {
                return Ok(before);
            }
            w.update_device(id, &name, role, &screen)?;
            record(
                w,
                by.name,
                Action::DeviceUpdate,
                &format!("device {id}"),
                &changes.join("; "),
                by.address,
            )?;
            w.device(id)?
                .ok_or_else(|| CoreError::NotFound(format!("device {id}")))
        })
    }

    /// Revokes device `id`: its token stops working. Recorded as `device_revoke`.
    /// Returns the device as it was.
    pub fn revoke_device<'by>(&mut self, id: i64, by: impl Into<Actor<'by>>) -> Result<Device> {
        let by: Actor<'by> = by.into();
        self.store.write(|w| {
            let d = w
                .device(id)?
                .ok_or_else(|| CoreError::NotFound(format!("device {id}")))?;
            w.remove_device(id)?;
            record(
                w,
                by.name,
                Action::DeviceRevoke,
                &format!("device {id}"),
                &format!("revoked {:?} ({} of screen {})", d.name, d.role, d.screen),
                by.address,
            )?;
            Ok(d)
        })
    }

    /// Records that device `id` connected now from `address` with `user_agent` (cut to
    /// 300 characters). Never waits for another change's lock: skipped when busy.
    pub fn touch_device(
        &mut self,
        id: i64,
        address: Option<&str>,
        user_agent: Option<&str>,
    ) -> Result<()> {
        let ua: Option<String> = user_agent.map(|u| u.chars().take(300).collect());
        let now = millis(SystemTime::now());
        match self
            .store
            .write_now(|w| w.touch_device(id, now, address, ua.as_deref()))
        {
            Err(ekran_store::StoreError::Busy { .. }) => Ok(()),
            other => Ok(other?),
        }
    }
}

/// `NotFound` unless the working copy has screen `id`.
fn check_screen(wc: &ekran_store::WorkingCopy, id: &str) -> Result<()> {
    if wc.hall.screens.iter().any(|s| s.id == id) {
        Ok(())
    } else {
        Err(CoreError::NotFound(format!("screen {id}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CLI;

    #[test]
    fn a_paired_device_is_found_by_its_token_until_revoked_and_all_is_audited() {
        let dir = tempfile::tempdir().unwrap();
        let mut core = Core::open(dir.path()).unwrap();
        core.seed_demo(CLI).unwrap();
        let p = core
            .pair_device(" Tablet by the map ", DeviceRole::Tablet, "1", "root")
            .unwrap();
        assert_eq!(p.token.len(), 64);
        assert_eq!(p.device.name, "Tablet by the map");
        let found = core.device_for_token(&p.token).unwrap().unwrap();
        assert_eq!(
            (found.id, found.role, found.screen.as_str()),
            (p.device.id, DeviceRole::Tablet, "1")
        );
        assert!(core.device_for_token(&"0".repeat(64)).unwrap().is_none());

        // Unknown screens and bad names are refused, nothing stored.
        assert!(matches!(
            core.pair_device("x", DeviceRole::Display, "99", "root"),
            Err(CoreError::NotFound(_))
        ));
        assert!(matches!(
            core.pair_device("a\nb", DeviceRole::Display, "1", "root"),
            Err(CoreError::Invalid(_))
        ));
        assert_eq!(core.devices().unwrap().len(), 1);

        let moved = core
            .update_device(
                p.device.id,
                DevicePatch {
                    screen: Some("2".into()),
                    ..Default::default()
                },
                "root",
            )
            .unwrap();
        assert_eq!(moved.screen, "2");
        core.touch_device(p.device.id, Some("10.0.0.5"), Some("Chromium"))
            .unwrap();
        let seen = core.devices().unwrap().remove(0);
        assert_eq!(seen.address.as_deref(), Some("10.0.0.5"));
        assert!(seen.last_seen_at.is_some());

        core.revoke_device(p.device.id, "root").unwrap();
        assert!(core.device_for_token(&p.token).unwrap().is_none());
        assert!(matches!(
            core.revoke_device(p.device.id, "root"),
            Err(CoreError::NotFound(_))
        ));
        let log = core.audit(&Default::default()).unwrap();
        let actions: Vec<&str> = log.iter().take(3).map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["device_revoke", "device_update", "device_pair"]);
    }
}
