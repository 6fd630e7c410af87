//! Converting a database written before stable node keys (schema 1, `ekran/1`
//! snapshots): its rows are read as an `ekran/1` document, upgraded by the model
//! (keys derived from the dotted numbers, so the working copy and every old version
//! agree on them) and written in the new tables; then the old tables go.

use std::collections::HashMap;

use ekran_model::{format, Hall};
use rusqlite::params;

use crate::read::Meta;
use crate::{Result, Store, StoreError};

fn corrupt(what: &str, d: ekran_model::Diagnostic) -> StoreError {
    StoreError::Corrupt {
        what: what.to_owned(),
        message: d.render(),
    }
}

/// Reads an `ekran/1` document made of stored JSON parts.
fn upgrade(
    what: &str,
    title: &str,
    fallback: &str,
    screens: &[String],
    nodes: &[String],
) -> Result<Hall> {
    let doc = format!(
        "{{\"format\": \"ekran/1\", \"hall\": {{\"title\": {title}, \"fallback\": {fallback}}}, \"screens\": [{}], \"nodes\": [{}]}}",
        screens.join(","),
        nodes.join(",")
    );
    let (hall, diags) = format::from_json(what, &doc).map_err(|d| corrupt(what, d))?;
    if let Some(d) = diags.errors().next() {
        return Err(corrupt(what, d.clone()));
    }
    Ok(hall)
}

pub(crate) fn convert_v1(store: &mut Store) -> Result<()> {
    let exists: bool = store
        .conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'node_v1'",
            [],
            |r| r.get::<_, i64>(0),
        )
        .map_err(crate::db_err(&store.db_path))?
        > 0;
    if !exists {
        return Ok(());
    }
    store.write(|w| {
        let db = w.db();
        // Another process opening the store at the same time may have converted it
        // between the check above and this transaction.
        let still: i64 = w
            .tx
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'node_v1'",
                [],
                |r| r.get(0),
            )
            .map_err(&db)?;
        if still == 0 {
            return Ok(());
        }
        let (title, fallback): (String, String) = w
            .tx
            .query_row("SELECT title, fallback FROM hall WHERE id = 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .map_err(&db)?;
        let strings = |sql: &str| -> Result<Vec<String>> {
            let mut st = w.tx.prepare(sql).map_err(&db)?;
            let rows = st.query_map([], |r| r.get(0)).map_err(&db)?;
            rows.collect::<rusqlite::Result<_>>().map_err(&db)
        };
        let screens = strings("SELECT body FROM screen ORDER BY position")?;
        let nodes = strings("SELECT body FROM node_v1")?;
        let hall = upgrade("working copy", &title, &fallback, &screens, &nodes)?;
        let versions: Vec<(i64, String, String, String)> = {
            let mut st = w
                .tx
                .prepare("SELECT version, created_at, note, snapshot FROM publication_v1 ORDER BY version")
                .map_err(&db)?;
            let rows = st
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                .map_err(&db)?;
            rows.collect::<rusqlite::Result<_>>().map_err(&db)?
        };
        drop(db);
        w.put_hall(&hall)?;
        let mut prev: HashMap<String, String> = HashMap::new();
        for (version, created_at, note, snapshot) in versions {
            let what = format!("version {version}");
            let (old, diags) = format::from_json(&what, &snapshot).map_err(|d| corrupt(&what, d))?;
            if let Some(d) = diags.errors().next() {
                return Err(corrupt(&what, d.clone()));
            }
            prev = insert_old_version(w, version, &created_at, &note, &old, &prev)?;
        }
        let db = w.db();
        w.tx.execute_batch("DROP TABLE node_v1; DROP TABLE publication_v1;")
            .map_err(&db)?;
        Ok(())
    })
}

/// Writes one converted version with its original number and time; returns its
/// `key → hash` map for the next one's change counts.
fn insert_old_version(
    w: &mut crate::Writer<'_>,
    version: i64,
    created_at: &str,
    note: &str,
    hall: &Hall,
    prev: &HashMap<String, String>,
) -> Result<HashMap<String, String>> {
    let db = w.db();
    let mut now = HashMap::new();
    let mut rows = Vec::new();
    for (n, pos) in hall.nodes.walk_positioned() {
        let body = serde_json::to_string(n).expect("model types always serialize");
        let hash = crate::write::hash(&body);
        let pos = pos as i64;
        now.insert(n.key().to_string(), hash.clone());
        rows.push((n.key().to_string(), pos, hash, body));
    }
    let added = now.keys().filter(|k| !prev.contains_key(*k)).count() as i64;
    let removed = prev.keys().filter(|k| !now.contains_key(*k)).count() as i64;
    let changed = now
        .iter()
        .filter(|(k, h)| prev.get(*k).is_some_and(|p| p != *h))
        .count() as i64;
    let meta = serde_json::to_string(&Meta::of(hall)).expect("model types always serialize");
    w.tx.execute(
        "INSERT INTO publication (version, created_at, author, note, meta, restores, nodes, added, changed, removed)
         VALUES (?1, ?2, 'cli', ?3, ?4, NULL, ?5, ?6, ?7, ?8)",
        params![version, created_at, note, meta, rows.len() as i64, added, changed, removed],
    )
    .map_err(&db)?;
    for (key, pos, hash, body) in rows {
        w.tx.execute(
            "INSERT OR IGNORE INTO blob (hash, body) VALUES (?1, ?2)",
            params![hash, body],
        )
        .map_err(&db)?;
        w.tx.execute(
            "INSERT INTO publication_node (version, key, position, hash) VALUES (?1, ?2, ?3, ?4)",
            params![version, key, pos, hash],
        )
        .map_err(&db)?;
    }
    Ok(now)
}
