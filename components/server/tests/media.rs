//! The media library on the real server over TCP (the demo hall in a temporary data
//! directory, as `ekran serve` runs it): uploads checked by content, stored by hash,
//! refused with clear messages and nothing left behind; served with their type, Range,
//! strong ETags and a sandbox; uses, rename, delete.

mod common;

use std::path::Path;

use common::api_client::{start, start_closed_with, Client};
use common::media_client::*;
use common::GUARD;
use ekran_core::media::MediaLimits;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test(flavor = "multi_thread")]
async fn real_pictures_and_a_video_are_stored_by_hash_and_served_with_their_type() {
    let api = start().await;
    let anna = Client::sign_in(&api, "anna").await; // an editor may upload
    let png = picture(2400, 1200, image::ImageFormat::Png, true);
    let jpeg = picture(800, 600, image::ImageFormat::Jpeg, false);
    let webm = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../demo/media/demo.webm"))
        .unwrap();
    let mut refs = Vec::new();
    for (name, bytes, ext, kind, mime) in [
        ("Бәйтерек.png", &png, "png", "image", "image/png"),
        ("photo.jpeg", &jpeg, "jpg", "image", "image/jpeg"),
        ("clip.webm", &webm, "webm", "video", "video/webm"),
    ] {
        let r = upload(&anna, name, bytes).await;
        assert_eq!(r.status, 201, "{name}: {}", r.text());
        let item = r.json();
        let sha = sha256_hex(bytes);
        assert_eq!(item["ref"], format!("lib/{sha}.{ext}"), "{item}");
        assert_eq!(
            (&item["label"], &item["kind"], &item["mime"]),
            (&json!(name), &json!(kind), &json!(mime)),
            "{item}"
        );
        assert_eq!(item["size"], bytes.len());
        assert_eq!(item["added_by"], "anna");
        assert_eq!(item["uses"], 0);
        // Served with its type, its hash as a strong ETag, sandboxed.
        let served = get(
            &anna,
            &format!("/media/{}", item["ref"].as_str().unwrap()),
            &[],
        )
        .await;
        assert_eq!(served.status, 200);
        assert_eq!(&served.body, bytes, "{name}");
        assert_eq!(served.header("content-type"), Some(mime));
        assert_eq!(served.header("etag"), Some(format!("\"{sha}\"").as_str()));
        assert_eq!(served.header("x-content-type-options"), Some("nosniff"));
        let csp = served.header("content-security-policy").unwrap();
        assert!(
            csp.starts_with("sandbox;") && csp.contains("default-src 'none'"),
            "{csp}"
        );
        refs.push(item);
    }
    // The large picture (with transparency) got PNG versions fitting both boxes; the
    // 800 × 600 JPEG only a tile-size one (JPEG: opaque); the video none.
    let (p, j, v) = (&refs[0], &refs[1], &refs[2]);
    assert_eq!(
        (p["width"].as_u64(), p["height"].as_u64()),
        (Some(2400), Some(1200))
    );
    for (field, limit) in [("display", 1920), ("tile", 480)] {
        let r = p[field].as_str().unwrap_or_else(|| panic!("{field}: {p}"));
        assert!(
            r.starts_with("lib/") && r.ends_with(&format!(".{field}.png")),
            "{r}"
        );
        let served = get(&anna, &format!("/media/{r}"), &[]).await;
        assert_eq!(served.header("content-type"), Some("image/png"));
        let img = image::load_from_memory(&served.body).unwrap();
        assert_eq!(img.width(), limit, "{field}");
        assert_eq!(img.height(), limit / 2, "{field}");
    }
    assert!(j["display"].is_null(), "already small enough: {j}");
    let tile = get(
        &anna,
        &format!("/media/{}", j["tile"].as_str().unwrap()),
        &[],
    )
    .await;
    assert_eq!(tile.header("content-type"), Some("image/jpeg"));
    assert_eq!(image::load_from_memory(&tile.body).unwrap().width(), 480);
    assert!(
        v["display"].is_null() && v["tile"].is_null() && v["width"].is_null(),
        "{v}"
    );
    // Smaller versions are not items of their own; the newest comes first.
    let lib = library(&anna).await;
    assert_eq!(
        &lib[..3],
        [
            v["ref"].as_str().unwrap(),
            j["ref"].as_str().unwrap(),
            p["ref"].as_str().unwrap()
        ]
    );
    assert!(
        lib.iter()
            .all(|r| !r.contains(".display.") && !r.contains(".tile.")),
        "{lib:?}"
    );
    // Files the demo import brought are in the library under their file name.
    assert!(lib.iter().any(|r| r == "demo.webm"), "{lib:?}");
    let demo = get(&anna, "/api/media/demo.webm", &[]).await.json();
    assert_eq!(
        (&demo["label"], &demo["kind"]),
        (&json!("demo.webm"), &json!("video")),
        "{demo}"
    );
    // The same content again: the existing item, nothing added.
    let again = upload(&anna, "copy.jpg", &jpeg).await;
    assert_eq!(again.status, 200, "{}", again.text());
    assert_eq!(again.json()["ref"], j["ref"]);
    assert_eq!(again.json()["label"], "photo.jpeg");
    assert_eq!(library(&anna).await.len(), lib.len());
    let uploads = audit(&api, "media_uploaded").await;
    assert_eq!(uploads.len(), 3, "{uploads:?}");
    assert_eq!(uploads[0]["actor"], "anna");
    // Search by label, in any case.
    let found = get(&anna, "/api/media?q=%D0%91%D3%98%D0%99", &[])
        .await
        .json();
    let found: Vec<&Value> = found["items"].as_array().unwrap().iter().collect();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["ref"], p["ref"]);
    // Paging: one at a time, each page after the last.
    let first = get(&anna, "/api/media?limit=1", &[]).await.json();
    assert_eq!(
        (first["items"][0]["ref"].clone(), first["more"].clone()),
        (v["ref"].clone(), json!(true))
    );
    let next = get(
        &anna,
        &format!("/api/media?limit=1&before={}", v["ref"].as_str().unwrap()),
        &[],
    )
    .await
    .json();
    assert_eq!(next["items"][0]["ref"], j["ref"]);
    // Rename: the label only, audited.
    let mut h = session(&anna);
    h.push(("Content-Type", "application/json".into()));
    let path = format!("/api/media/{}", j["ref"].as_str().unwrap());
    let r = request(
        api.addr,
        "PATCH",
        &path,
        &h,
        json!({"label": "Астана, 2024"}).to_string().as_bytes(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["label"], "Астана, 2024");
    assert_eq!(r.json()["ref"], j["ref"]);
    let renamed = audit(&api, "media_renamed").await;
    assert_eq!(renamed.len(), 1);
    assert!(
        renamed[0]["summary"]
            .as_str()
            .unwrap()
            .contains("photo.jpeg -> Астана, 2024"),
        "{renamed:?}"
    );
    // Nothing was left in staging.
    assert_eq!(
        files_under(&api.dir.path().join("staging")),
        Vec::<String>::new()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn files_that_are_not_pictures_or_videos_are_refused_naming_what_they_look_like() {
    let api = start().await;
    let anna = Client::sign_in(&api, "anna").await;
    let before = files_under(&media_dir(&api));
    let lib = library(&anna).await;
    let broken =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/broken.mp4"))
            .unwrap();
    for (name, bytes, looks) in [
        (
            "holiday.jpg",
            &b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>"[..],
            "HTML text",
        ),
        // The legacy hall's "video" that is not one.
        ("broken.mp4", &broken[..], "plain text"),
        ("x.png", &[0u8; 300][..], "unknown binary"),
        ("empty.webm", &b""[..], "an empty file"),
    ] {
        let r = upload(&anna, name, bytes).await;
        assert_eq!(r.status, 415, "{name}: {}", r.text());
        let e = r.json();
        assert_eq!(e["error"], "unsupported_media");
        let m = e["message"].as_str().unwrap();
        assert!(
            m.contains(looks) && m.contains("not a picture"),
            "{name}: {m}"
        );
    }
    assert_eq!(files_under(&media_dir(&api)), before);
    assert_eq!(library(&anna).await, lib);
    assert_eq!(
        files_under(&api.dir.path().join("staging")),
        Vec::<String>::new()
    );
    assert!(audit(&api, "media_uploaded").await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_named_like_a_path_is_stored_under_its_hash_with_the_name_as_a_label() {
    let api = start().await;
    let anna = Client::sign_in(&api, "anna").await;
    let png = picture(40, 30, image::ImageFormat::Png, false);
    let before = files_under(&media_dir(&api));
    let r = upload(&anna, "../../etc/passwd", &png).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let item = r.json();
    let reference = format!("lib/{}.png", sha256_hex(&png));
    assert_eq!(
        (&item["ref"], &item["label"]),
        (&json!(reference), &json!("../../etc/passwd"))
    );
    // Exactly one new file, inside media/, named by its hash; nothing else anywhere.
    let after = files_under(&media_dir(&api));
    let new: Vec<&String> = after.iter().filter(|f| !before.contains(f)).collect();
    assert_eq!(new, [&reference], "small: no smaller versions");
    let all = files_under(api.dir.path());
    assert!(all.iter().all(|f| !f.contains("passwd")), "{all:?}");
    let got = get(&anna, &format!("/media/{reference}"), &[]).await;
    assert_eq!(got.body, png);
    // Control characters in a name are kept out of the label too.
    let r = upload(
        &anna,
        "a\nb\u{0}.png",
        &picture(41, 30, image::ImageFormat::Png, false),
    )
    .await;
    assert_eq!(r.json()["label"], "a b .png", "{}", r.text());
}

#[tokio::test(flavor = "multi_thread")]
async fn oversized_uploads_are_refused_with_the_limit_and_leave_nothing_behind() {
    let api = start_closed_with(
        |_| {},
        |state| {
            state.media_limits = MediaLimits {
                picture_bytes: 1024 * 1024,
                video_bytes: 3 * 1024 * 1024,
                ..MediaLimits::default()
            };
        },
    )
    .await;
    let anna = Client::sign_in(&api, "anna").await;
    let before = files_under(&media_dir(&api));
    let lib = library(&anna).await;
    // A PNG signature followed by 2 MB: refused while it streams, as a picture.
    let mut big = b"\x89PNG\r\n\x1a\n".to_vec();
    big.resize(2 * 1024 * 1024, 7);
    let r = upload(&anna, "huge.png", &big).await;
    assert_eq!(r.status, 413, "{}", r.text());
    assert_eq!(r.json()["error"], "too_large");
    assert_eq!(
        r.json()["message"],
        "pictures may be at most 1 MB; this one is 2 MB"
    );
    // Sent without a length (chunked), so only counting tells: a video of 2 MB is within
    // its own limit's reach, but not 4 MB of one.
    let mut video =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../demo/media/demo.webm"))
            .unwrap();
    video.resize(4 * 1024 * 1024, 0);
    let r = upload_chunked(&anna, "long.webm", &video).await;
    assert_eq!(r.status, 413, "{}", r.text());
    assert_eq!(r.json()["message"], "videos may be at most 3 MB");
    let r = upload_chunked(&anna, "huge.png", &big).await;
    assert_eq!(r.json()["message"], "pictures may be at most 1 MB");
    // A declared length over the largest limit: refused before any of the body is sent.
    let mut s = tokio::net::TcpStream::connect(api.addr).await.unwrap();
    let mut head = format!("POST /api/media?name=x.webm HTTP/1.1\r\nHost: {}\r\nContent-Length: 99999999999\r\nConnection: close\r\n", api.addr);
    for (k, v) in session(&anna) {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    s.write_all(format!("{head}\r\n").as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    tokio::time::timeout(GUARD, s.read_to_end(&mut buf))
        .await
        .expect("answered without the body")
        .unwrap();
    let text = String::from_utf8_lossy(&buf);
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    assert!(
        text.contains("pictures may be at most 1 MB and videos at most 3 MB"),
        "{text}"
    );
    // Nothing of them anywhere: no row, no file in media/ or staging/.
    assert_eq!(files_under(&media_dir(&api)), before);
    assert_eq!(library(&anna).await, lib);
    assert_eq!(
        files_under(&api.dir.path().join("staging")),
        Vec::<String>::new()
    );
    // A picture within the limit still goes in.
    let ok = upload(
        &anna,
        "ok.png",
        &picture(64, 64, image::ImageFormat::Png, false),
    )
    .await;
    assert_eq!(ok.status, 201, "{}", ok.text());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_decompression_bomb_is_refused_before_decoding() {
    let api = start().await;
    let anna = Client::sign_in(&api, "anna").await;
    let before = files_under(&media_dir(&api));
    let bomb = png_declaring(50_000, 50_000);
    assert!(bomb.len() < 100);
    let r = upload(&anna, "bomb.png", &bomb).await;
    assert_eq!(r.status, 422, "{}", r.text());
    let e = r.json();
    assert_eq!(e["diagnostics"][0]["code"], "picture_too_big", "{e}");
    let m = e["message"].as_str().unwrap();
    assert!(
        m.contains("50000 × 50000") && m.contains("16384 pixels a side"),
        "{m}"
    );
    // Within a side but too many pixels in all.
    let r = upload(&anna, "wide.png", &png_declaring(16_000, 16_000)).await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r.json()["message"]
        .as_str()
        .unwrap()
        .contains("40 megapixels"));
    // Plausible size, broken content: 422 as well.
    let r = upload(&anna, "cut.png", &png_declaring(100, 100)).await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(r.json()["diagnostics"][0]["code"], "picture_undecodable");
    assert_eq!(files_under(&media_dir(&api)), before);
    assert_eq!(
        files_under(&api.dir.path().join("staging")),
        Vec::<String>::new()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn media_answers_ranges_and_strong_etags() {
    let api = start().await;
    let anna = Client::sign_in(&api, "anna").await;
    let webm = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../demo/media/demo.webm"))
        .unwrap();
    let item = upload(&anna, "clip.webm", &webm).await.json();
    let url = format!("/media/{}", item["ref"].as_str().unwrap());
    let r = get(&anna, &url, &[("Range", "bytes=100-1099".into())]).await;
    assert_eq!(r.status, 206, "{}", r.head);
    assert_eq!(r.body, &webm[100..1100]);
    assert_eq!(
        r.header("content-range"),
        Some(format!("bytes 100-1099/{}", webm.len()).as_str())
    );
    assert_eq!(r.header("content-type"), Some("video/webm"));
    assert!(r
        .header("content-security-policy")
        .unwrap()
        .starts_with("sandbox"));
    // The end of the file (a player seeking to the last seconds).
    let r = get(&anna, &url, &[("Range", "bytes=-500".into())]).await;
    assert_eq!(
        (r.status, r.body.as_slice()),
        (206, &webm[webm.len() - 500..])
    );
    // Strong ETag; a cache that has it gets 304 and no body.
    let etag = format!("\"{}\"", sha256_hex(&webm));
    let r = get(&anna, &url, &[]).await;
    assert_eq!(r.header("etag"), Some(etag.as_str()));
    assert!(r.header("cache-control").unwrap().contains("immutable"));
    let r = get(&anna, &url, &[("If-None-Match", etag.clone())]).await;
    assert_eq!((r.status, r.body.len()), (304, 0));
    assert_eq!(r.header("etag"), Some(etag.as_str()));
    assert!(r
        .header("content-security-policy")
        .unwrap()
        .starts_with("sandbox"));
    assert_eq!(
        get(&anna, &url, &[("If-None-Match", "\"other\"".into())])
            .await
            .status,
        200
    );
    // A file brought by the import: its ETag is the library's hash of it.
    let demo = get(&anna, "/media/demo.webm", &[]).await;
    assert_eq!(demo.header("etag"), Some(etag.as_str()));
    // Not-found answers are sandboxed too.
    let missing = get(&anna, "/media/lib/nothing.png", &[]).await;
    assert_eq!(missing.status, 404);
    assert!(missing
        .header("content-security-policy")
        .unwrap()
        .starts_with("sandbox"));
    // Pages keep their own policy.
    let page = get(&anna, "/admin", &[]).await;
    assert!(page
        .header("content-security-policy")
        .unwrap()
        .starts_with("default-src 'self'"));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_svg_with_a_script_is_served_only_in_a_sandbox() {
    let api = start().await;
    let anna = Client::sign_in(&api, "anna").await;
    let svg = b"<?xml version=\"1.0\"?>\n<!-- drawn -->\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"><script>alert(document.domain)</script><rect width=\"10\" height=\"10\"/></svg>";
    let r = upload(&anna, "map.svg", svg).await;
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["mime"], "image/svg+xml");
    let served = get(
        &anna,
        &format!("/media/{}", r.json()["ref"].as_str().unwrap()),
        &[],
    )
    .await;
    assert_eq!(served.header("content-type"), Some("image/svg+xml"));
    assert_eq!(
        served.header("content-security-policy"),
        Some("sandbox; default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn used_media_cannot_be_deleted_and_unused_media_can() {
    let api = start().await;
    let root = Client::sign_in(&api, "root").await;
    let anna = Client::sign_in(&api, "anna").await;
    let png = picture(1000, 800, image::ImageFormat::Png, false);
    let item = upload(&anna, "tile.png", &png).await.json();
    let reference = item["ref"].as_str().unwrap().to_owned();
    let key = set_first_tile(&root, Some(&reference), false).await;
    // Where it is used, and the unused report without it.
    let one = get(&anna, &format!("/api/media/{reference}"), &[])
        .await
        .json();
    assert_eq!(one["uses"], 1, "{one}");
    assert_eq!(one["used_by"][0]["key"], key.as_str());
    assert_eq!(one["used_by"][0]["field"], "tile");
    assert!(one["used_by"][0]["title"]["ru"].is_string(), "{one}");
    let unused = get(&anna, "/api/media?unused=1&limit=500", &[])
        .await
        .json();
    assert!(
        unused["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["ref"] != reference.as_str() && i["uses"] == 0),
        "{unused}"
    );
    // Deleting it is refused with the uses; nothing changes.
    let del = request(
        api.addr,
        "DELETE",
        &format!("/api/media/{reference}"),
        &session(&anna),
        b"",
    )
    .await;
    assert_eq!(del.status, 409, "{}", del.text());
    let e = del.json();
    assert_eq!(
        (&e["error"], &e["reason"]),
        (&json!("conflict"), &json!("in_use"))
    );
    assert_eq!(e["used_by"][0]["field"], "tile", "{e}");
    assert!(e["message"].as_str().unwrap().contains("(tile)"), "{e}");
    assert!(media_dir(&api).join(&reference).is_file());
    assert!(audit(&api, "media_deleted").await.is_empty());
    // Published, then no longer used: deleted from the library, but the file stays for
    // the published version (a rollback shows it again); its smaller version too.
    set_first_tile(&root, Some(&reference), true).await;
    set_first_tile(&root, None, false).await;
    let tile = item["tile"].as_str().unwrap().to_owned();
    let del = request(
        api.addr,
        "DELETE",
        &format!("/api/media/{reference}"),
        &session(&anna),
        b"",
    )
    .await;
    assert_eq!(del.status, 204, "{}", del.text());
    assert_eq!(
        get(&anna, &format!("/api/media/{reference}"), &[])
            .await
            .status,
        404
    );
    assert!(!library(&anna).await.contains(&reference));
    assert!(
        media_dir(&api).join(&reference).is_file(),
        "kept for version 2"
    );
    assert_eq!(
        get(&anna, &format!("/media/{reference}"), &[]).await.body,
        png
    );
    let deleted = audit(&api, "media_deleted").await;
    assert_eq!(deleted.len(), 1);
    assert!(
        deleted[0]["summary"]
            .as_str()
            .unwrap()
            .contains("stays for published versions"),
        "{deleted:?}"
    );
    // Uploaded again: listed again.
    assert_eq!(upload(&anna, "again.png", &png).await.status, 201);
    assert!(library(&anna).await.contains(&reference));
    // Never used nor published: deleted with its files.
    let other = upload(
        &anna,
        "other.png",
        &picture(900, 900, image::ImageFormat::Png, false),
    )
    .await
    .json();
    let other_ref = other["ref"].as_str().unwrap().to_owned();
    let other_tile = other["tile"].as_str().unwrap().to_owned();
    assert!(media_dir(&api).join(&other_tile).is_file());
    let del = request(
        api.addr,
        "DELETE",
        &format!("/api/media/{other_ref}"),
        &session(&anna),
        b"",
    )
    .await;
    assert_eq!(del.status, 204, "{}", del.text());
    assert!(!media_dir(&api).join(&other_ref).exists());
    assert!(!media_dir(&api).join(&other_tile).exists());
    assert_eq!(
        get(&anna, &format!("/media/{other_ref}"), &[]).await.status,
        404
    );
    assert!(
        media_dir(&api).join(&tile).is_file(),
        "the first one's tile stays"
    );
    let del = request(
        api.addr,
        "DELETE",
        &format!("/api/media/{other_ref}"),
        &session(&anna),
        b"",
    )
    .await;
    assert_eq!(del.status, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_library_needs_a_session_and_csrf() {
    let api = start().await;
    let png = picture(10, 10, image::ImageFormat::Png, false);
    let r = request(
        api.addr,
        "POST",
        "/api/media?name=a.png",
        &[("Origin", format!("http://{}", api.addr))],
        &png,
    )
    .await;
    assert_eq!(
        (r.status, r.json()["error"].as_str()),
        (401, Some("unauthorized"))
    );
    assert_eq!(
        request(api.addr, "GET", "/api/media", &[], b"")
            .await
            .status,
        401
    );
    let anna = Client::sign_in(&api, "anna").await;
    // Without the CSRF token: 403, nothing stored.
    let r = request(
        api.addr,
        "POST",
        "/api/media?name=a.png",
        &[
            ("Cookie", anna.cookie.clone()),
            ("Origin", format!("http://{}", api.addr)),
        ],
        &png,
    )
    .await;
    assert_eq!((r.status, r.json()["error"].as_str()), (403, Some("csrf")));
    assert!(!library(&anna).await.iter().any(|r| r.starts_with("lib/")));
    assert_eq!(
        files_under(&api.dir.path().join("staging")),
        Vec::<String>::new()
    );
}
