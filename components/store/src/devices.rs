//! Paired devices (displays and tablets): reads on [`Reader`], changes on [`Writer`].

use rusqlite::{params, OptionalExtension};

use crate::{Reader, Result, StoreError, Writer};

/// What a paired device may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DeviceRole {
    /// Shows a screen.
    Display,
    /// Drives a screen.
    Tablet,
}

impl DeviceRole {
    /// `display` or `tablet`.
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceRole::Display => "display",
            DeviceRole::Tablet => "tablet",
        }
    }

    /// The role named `s` (`display`, `tablet`).
    pub fn parse(s: &str) -> Option<DeviceRole> {
        match s {
            "display" => Some(DeviceRole::Display),
            "tablet" => Some(DeviceRole::Tablet),
            _ => None,
        }
    }
}

impl std::fmt::Display for DeviceRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A paired device as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Device {
    pub id: i64,
    pub name: String,
    pub role: DeviceRole,
    pub screen: String,
    /// Unix milliseconds.
    pub created_at: i64,
    pub created_by: String,
    /// Unix milliseconds of the last connection, if any.
    pub last_seen_at: Option<i64>,
    pub address: Option<String>,
    pub user_agent: Option<String>,
}

/// A device to add.
#[derive(Debug, Clone)]
pub struct NewDevice<'a> {
    pub name: &'a str,
    pub role: DeviceRole,
    pub screen: &'a str,
    /// SHA-256 (hex) of the device's token.
    pub token_hash: &'a str,
    /// Unix milliseconds.
    pub now_ms: i64,
    pub created_by: &'a str,
}

const COLS: &str =
    "id, name, role, screen, created_at, created_by, last_seen_at, address, user_agent";

type Row = (
    i64,
    String,
    String,
    String,
    i64,
    String,
    Option<i64>,
    Option<String>,
    Option<String>,
);

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
    ))
}

fn device_of(r: Row) -> Result<Device> {
    let (id, name, role, screen, created_at, created_by, last_seen_at, address, user_agent) = r;
    let role = DeviceRole::parse(&role).ok_or_else(|| StoreError::Corrupt {
        what: format!("device {id}"),
        message: format!("unknown role {role:?}"),
    })?;
    Ok(Device {
        id,
        name,
        role,
        screen,
        created_at,
        created_by,
        last_seen_at,
        address,
        user_agent,
    })
}

impl Reader<'_> {
    /// Every paired device, by screen, then name.
    pub fn devices(&self) -> Result<Vec<Device>> {
        let mut st = self
            .tx
            .prepare_cached(&format!(
                "SELECT {COLS} FROM device ORDER BY screen, name COLLATE NOCASE, id"
            ))
            .map_err(self.db())?;
        let rows = st
            .query_map([], row)
            .map_err(self.db())?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(self.db())?;
        rows.into_iter().map(device_of).collect()
    }

    /// The device with id `id`.
    pub fn device(&self, id: i64) -> Result<Option<Device>> {
        self.tx
            .prepare_cached(&format!("SELECT {COLS} FROM device WHERE id = ?1"))
            .map_err(self.db())?
            .query_row([id], row)
            .optional()
            .map_err(self.db())?
            .map(device_of)
            .transpose()
    }

    /// The device whose token hashes to `token_hash`.
    pub fn device_by_token(&self, token_hash: &str) -> Result<Option<Device>> {
        self.tx
            .prepare_cached(&format!("SELECT {COLS} FROM device WHERE token_hash = ?1"))
            .map_err(self.db())?
            .query_row([token_hash], row)
            .optional()
            .map_err(self.db())?
            .map(device_of)
            .transpose()
    }
}

impl Writer<'_> {
    /// Adds a device; its id.
    pub fn add_device(&mut self, d: &NewDevice<'_>) -> Result<i64> {
        self.r
            .tx
            .execute(
                "INSERT INTO device (name, role, screen, token_hash, created_at, created_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    d.name,
                    d.role.as_str(),
                    d.screen,
                    d.token_hash,
                    d.now_ms,
                    d.created_by
                ],
            )
            .map_err(self.r.db())?;
        Ok(self.r.tx.last_insert_rowid())
    }

    /// Sets a device's name, role and screen; whether it exists.
    pub fn update_device(
        &mut self,
        id: i64,
        name: &str,
        role: DeviceRole,
        screen: &str,
    ) -> Result<bool> {
        let n = self
            .r
            .tx
            .execute(
                "UPDATE device SET name = ?2, role = ?3, screen = ?4 WHERE id = ?1",
                params![id, name, role.as_str(), screen],
            )
            .map_err(self.r.db())?;
        Ok(n > 0)
    }

    /// Records a device's connection: when (Unix milliseconds), from where, which browser.
    pub fn touch_device(
        &mut self,
        id: i64,
        now_ms: i64,
        address: Option<&str>,
        user_agent: Option<&str>,
    ) -> Result<()> {
        self.r
            .tx
            .prepare_cached(
                "UPDATE device SET last_seen_at = ?2, address = ?3, user_agent = ?4 WHERE id = ?1",
            )
            .map_err(self.r.db())?
            .execute(params![id, now_ms, address, user_agent])
            .map_err(self.r.db())?;
        Ok(())
    }

    /// Removes a device (its token stops working); whether it existed.
    pub fn remove_device(&mut self, id: i64) -> Result<bool> {
        let n = self
            .r
            .tx
            .execute("DELETE FROM device WHERE id = ?1", [id])
            .map_err(self.r.db())?;
        Ok(n > 0)
    }
}
