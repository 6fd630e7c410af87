//! Region maps on the real server over TCP (the demo hall in a temporary data
//! directory): the public `/maps/{id}` with ETags and caching, and the admin API's
//! uploads, refusals naming the feature, list, document and removal.

mod common;

use std::path::Path;

use common::api_client::{start, with_core, Api, Client};
use common::media_client::{audit, encode, get, request, session, Answer};
use ekran_core::edit::{Edit, NodePatch};
use ekran_core::CLI;
use ekran_model::{MapId, NodeKind, NodeMap};
use serde_json::Value;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/maps")
            .join(name),
    )
    .unwrap()
}

/// `POST /api/maps?QUERY` with `bytes` as the body.
async fn upload(c: &Client, query: &str, bytes: &[u8]) -> Answer {
    let mut h = session(c);
    h.push(("Content-Type", "application/geo+json".into()));
    request(c.addr, "POST", &format!("/api/maps?{query}"), &h, bytes).await
}

/// `GET path` without any session, with `extra` headers.
async fn public(api: &Api, path: &str, extra: &[(&str, String)]) -> Answer {
    request(api.addr, "GET", path, extra, b"").await
}

async fn map_ids(c: &Client) -> Vec<String> {
    let r = get(c, "/api/maps", &[]).await;
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_built_in_map_is_public_revalidated_and_answers_304() {
    let api = start().await;
    let r = public(&api, "/maps/kz", &[]).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("cache-control"), Some("no-cache"));
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    let doc = r.json();
    assert_eq!(doc["format"], "ekran-map/1");
    assert_eq!(doc["features"].as_array().unwrap().len(), 20);
    let tag = r.header("etag").unwrap().to_owned();
    assert!(
        tag.starts_with('"') && tag.ends_with('"') && tag.len() > 10,
        "{tag}"
    );

    let again = public(&api, "/maps/kz", &[("If-None-Match", tag.clone())]).await;
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    assert_eq!(again.header("etag"), Some(tag.as_str()));
    let other = public(&api, "/maps/kz", &[("If-None-Match", "\"old\"".into())]).await;
    assert_eq!(other.status, 200);
    // Displays revalidate what they keep offline with HEAD.
    let head = request(api.addr, "HEAD", "/maps/kz", &[], b"").await;
    assert_eq!(
        (head.status, head.header("etag")),
        (200, Some(tag.as_str()))
    );
    assert!(head.body.is_empty());

    // Only map ids are looked up: no path, no other spelling.
    for bad in [
        "/maps/..%2f..%2fekran.db",
        "/maps/..%2fekran.db",
        "/maps/%2e%2e",
        "/maps/KZ",
        "/maps/nowhere",
        "/maps/kz%00",
        "/maps/a/b",
    ] {
        let r = public(&api, bad, &[]).await;
        assert_eq!(r.status, 404, "{bad}");
        assert!(!r.text().contains("ekran-map/1"), "{bad}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_maps_api_needs_a_session_and_csrf() {
    let api = start().await;
    let geo = fixture("districts.geojson");
    assert_eq!(public(&api, "/api/maps", &[]).await.status, 401);
    let r = request(
        api.addr,
        "POST",
        "/api/maps?name=A",
        &[("Origin", format!("http://{}", api.addr))],
        &geo,
    )
    .await;
    assert_eq!(
        (r.status, r.json()["error"].as_str()),
        (401, Some("unauthorized"))
    );
    let anna = Client::sign_in(&api, "anna").await;
    // Without the CSRF token: 403, nothing stored.
    let r = request(
        api.addr,
        "POST",
        "/api/maps?name=A",
        &[
            ("Cookie", anna.cookie.clone()),
            ("Origin", format!("http://{}", api.addr)),
        ],
        &geo,
    )
    .await;
    assert_eq!((r.status, r.json()["error"].as_str()), (403, Some("csrf")));
    let r = request(
        api.addr,
        "DELETE",
        "/api/maps/kz",
        &[("Cookie", anna.cookie.clone())],
        b"",
    )
    .await;
    assert_eq!(r.status, 403);
    assert_eq!(map_ids(&anna).await, ["kz"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_uploaded_map_is_stored_served_for_good_and_removed_when_unused() {
    let api = start().await;
    let anna = Client::sign_in(&api, "anna").await;
    let r = upload(
        &anna,
        &format!(
            "name={}&name_ru={}",
            encode("Almaty districts"),
            encode("Районы Алматы")
        ),
        &fixture("districts.geojson"),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let m = r.json();
    assert_eq!(m["id"], "almaty-districts");
    assert_eq!(
        (m["features"].as_u64(), m["builtin"].as_bool()),
        (Some(4), Some(false))
    );
    assert_eq!(m["name"]["ru"], "Районы Алматы");
    assert_eq!(m["name"]["kk"], "Almaty districts");
    assert_eq!(m["created_by"], "anna");
    assert_eq!(map_ids(&anna).await, ["kz", "almaty-districts"]);

    // Served to anyone, cached for good (a map never changes under its id).
    let served = public(&api, "/maps/almaty-districts", &[]).await;
    assert_eq!(served.status, 200);
    assert_eq!(
        served.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(served.body.len() as u64, m["bytes"].as_u64().unwrap());
    let doc = served.json();
    assert_eq!(doc["features"][1]["id"], "ALM-2");
    let tag = served.header("etag").unwrap().to_owned();
    let again = public(&api, "/maps/almaty-districts", &[("If-None-Match", tag)]).await;
    assert_eq!(again.status, 304);
    let api_doc = get(&anna, "/api/maps/almaty-districts", &[]).await;
    assert_eq!(api_doc.json(), doc);
    let entry = &audit(&api, "map_add").await[0];
    assert_eq!(
        (&entry["actor"], &entry["subject"]),
        (&Value::from("anna"), &Value::from("map almaty-districts"))
    );

    // Shown by a node: removal refused, the map stays.
    let node = with_core(&api, |c| {
        let wc = c.working_copy().unwrap();
        let key = wc.hall.nodes.walk().nth(1).unwrap().key().clone();
        c.edit(
            Edit::Update {
                key: key.clone(),
                base: wc.revs[&key],
                patch: Box::new(NodePatch {
                    kind: Some(NodeKind::Map),
                    map: Some(Some(NodeMap {
                        map: MapId::new("almaty-districts").unwrap(),
                        links: vec![],
                    })),
                    ..NodePatch::default()
                }),
            },
            CLI,
        )
        .unwrap();
        key
    })
    .await;
    let del = request(
        api.addr,
        "DELETE",
        "/api/maps/almaty-districts",
        &session(&anna),
        b"",
    )
    .await;
    assert_eq!(del.status, 409, "{}", del.text());
    assert_eq!(del.json()["reason"], "in_use");
    assert!(
        del.json()["message"].as_str().unwrap().contains("node"),
        "{}",
        del.text()
    );
    let listed = get(&anna, "/api/maps", &[]).await.json();
    assert_eq!(listed[1]["used_by"], 1);
    let del = request(api.addr, "DELETE", "/api/maps/kz", &session(&anna), b"").await;
    assert_eq!(
        (del.status, del.json()["reason"].as_str()),
        (409, Some("builtin"))
    );

    // No longer shown (never published): removed, and gone from /maps too.
    with_core(&api, move |c| {
        let base = c.working_copy().unwrap().revs[&node];
        let patch = NodePatch {
            map: Some(None),
            ..NodePatch::default()
        };
        c.edit(
            Edit::Update {
                key: node,
                base,
                patch: Box::new(patch),
            },
            CLI,
        )
        .unwrap();
    })
    .await;
    let del = request(
        api.addr,
        "DELETE",
        "/api/maps/almaty-districts",
        &session(&anna),
        b"",
    )
    .await;
    assert_eq!(del.status, 204, "{}", del.text());
    assert_eq!(
        public(&api, "/maps/almaty-districts", &[]).await.status,
        404
    );
    assert_eq!(map_ids(&anna).await, ["kz"]);
    assert_eq!(audit(&api, "map_remove").await.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_file_is_refused_naming_the_feature_and_nothing_is_stored() {
    let api = start().await;
    let anna = Client::sign_in(&api, "anna").await;
    for (file, code, feature) in [
        (
            "unclosed.geojson",
            "unclosed_ring",
            "feature 2 (id \"BROKEN-2\")",
        ),
        ("point.geojson", "wrong_geometry", "feature 1 (id \"PT-1\")"),
        ("no-id.geojson", "missing_id", "feature 1"),
    ] {
        let r = upload(&anna, &format!("name=Bad&file={file}"), &fixture(file)).await;
        assert_eq!(r.status, 422, "{file}: {}", r.text());
        let body = r.json();
        let d = &body["diagnostics"][0];
        assert_eq!(d["code"], code, "{body}");
        assert!(d["message"].as_str().unwrap().contains(feature), "{body}");
        assert_eq!(d["file"], file, "{body}");
    }
    // A form upload (how a browser form sends a file): told to send the file itself.
    let mut h = session(&anna);
    h.push(("Content-Type", "multipart/form-data; boundary=x".into()));
    let r = request(anna.addr, "POST", "/api/maps?name=Form", &h, b"--x\r\n").await;
    assert_eq!(r.status, 415, "{}", r.text());
    assert!(r.text().contains("not a form (multipart)"), "{}", r.text());
    // No name: 422 too.
    let r = upload(&anna, "", &fixture("districts.geojson")).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["diagnostics"][0]["code"], "map_name_missing");
    // Too large, declared: refused before reading.
    let mut h = session(&anna);
    h.push(("Content-Length", (65 * 1024 * 1024).to_string()));
    let r = request_head_only(&api, "/api/maps?name=Big", &h).await;
    assert!(r.starts_with("HTTP/1.1 413"), "{r}");
    assert_eq!(map_ids(&anna).await, ["kz"]);
    assert!(audit(&api, "map_add").await.is_empty());
}

/// The head of the answer to a POST whose head alone is sent (its declared body never
/// comes).
async fn request_head_only(api: &Api, path: &str, headers: &[(&str, String)]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut req = format!(
        "POST {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
        api.addr
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    let mut s = tokio::net::TcpStream::connect(api.addr).await.unwrap();
    s.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    tokio::time::timeout(common::GUARD, s.read_to_end(&mut buf))
        .await
        .expect("an answer in time")
        .unwrap();
    String::from_utf8_lossy(&buf).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn node_edits_check_links_against_the_map_and_a_deleted_node_loses_its_links() {
    let api = start().await;
    let anna = Client::sign_in(&api, "anna").await;
    let r = upload(&anna, "name=Almaty", &fixture("districts.geojson")).await;
    assert_eq!(r.status, 201, "{}", r.text());
    // Two leaves of the demo hall: one becomes a map node linking to the other.
    let (a, b) = with_core(&api, |c| {
        c.read_hall(|h| {
            let leaves: Vec<String> = h
                .nodes
                .walk()
                .filter(|n| h.nodes.children(n.key()).is_empty())
                .map(|n| n.key().to_string())
                .collect();
            (leaves[0].clone(), leaves[leaves.len() - 1].clone())
        })
        .unwrap()
    })
    .await;
    let rev = |key: String| {
        let anna = anna.clone();
        async move {
            let r = anna.get(&format!("/api/nodes/{key}")).await;
            assert_eq!(r.status, 200, "{}", r.body);
            r.json()["node"]["rev"].as_i64().unwrap()
        }
    };
    let patch = |region: &str, base: i64| {
        serde_json::json!({
            "base": base, "kind": "map",
            "map": {"map": "almaty", "links": [{"region": region, "node": b}]}
        })
    };
    let r = anna
        .send(
            "PATCH",
            &format!("/api/nodes/{a}"),
            Some(patch("KZ-75", rev(a.clone()).await)),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.json()["diagnostics"][0]["code"], "unknown_region");
    let r = anna
        .send(
            "PATCH",
            &format!("/api/nodes/{a}"),
            Some(patch("ALM-2", rev(a.clone()).await)),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    let base = rev(b.clone()).await;
    let r = anna
        .send("DELETE", &format!("/api/nodes/{b}?base={base}"), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let notes = r.json()["notes"].clone();
    assert!(
        notes
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["code"] == "map_links_dropped"),
        "{notes}"
    );
    let node = anna.get(&format!("/api/nodes/{a}")).await.json();
    assert_eq!(
        node["node"]["map"]["links"],
        serde_json::json!([]),
        "{node}"
    );
    let r = anna
        .send("POST", "/api/publish", Some(serde_json::json!({})))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let listed = get(&anna, "/api/maps", &[]).await.json();
    assert_eq!(
        (
            listed[1]["used_by"].as_u64(),
            listed[1]["published"].as_bool()
        ),
        (Some(1), Some(true))
    );
}
