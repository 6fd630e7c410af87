//! Helpers of the nodes API tests (`nodes.rs`, `nodes_content.rs`), included by path.

#![allow(dead_code)]

use serde_json::{json, Value};

use crate::common::api_client::Client;

/// Key of screen `id`'s root node.
pub async fn root_of(c: &Client, id: &str) -> String {
    let r = c.get(&format!("/api/screens/{id}")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()["root_node"]["key"].as_str().unwrap().to_owned()
}

/// `GET /api/nodes/{key}`, which must exist.
pub async fn detail(c: &Client, key: &str) -> Value {
    let r = c.get(&format!("/api/nodes/{key}")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()
}

pub async fn rev(c: &Client, key: &str) -> i64 {
    detail(c, key).await["node"]["rev"].as_i64().unwrap()
}

/// Keys of `parent`'s children, in order.
pub async fn kids(c: &Client, parent: &str) -> Vec<String> {
    let r = c.get(&format!("/api/nodes?parent={parent}")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["key"].as_str().unwrap().to_owned())
        .collect()
}

/// Creates a node under `parent`; its key.
pub async fn create(c: &Client, parent: &str, kk: &str, ru: &str) -> String {
    let r = c
        .send(
            "POST",
            "/api/nodes",
            Some(json!({"parent": parent, "title": {"kk": kk, "ru": ru}})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["created"], 1);
    r.json()["key"].as_str().unwrap().to_owned()
}

/// The working copy's export, parsed.
pub async fn export(c: &Client, version: &str) -> Value {
    let r = c.get(&format!("/api/export{version}")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()
}

pub fn exported_node<'a>(doc: &'a Value, key: &str) -> Option<&'a Value> {
    doc["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["key"] == key)
}
