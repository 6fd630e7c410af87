//! The media tests' client: uploads (with a length or chunked), requests with binary
//! answers, generated pictures, and looks at the data directory.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::api_client::{dechunk, multipart, Api, Client};
use super::GUARD;

/// An answer with its body as bytes.
pub struct Answer {
    pub status: u16,
    /// Lower-cased.
    pub head: String,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name}: ")))
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One HTTP/1.1 request; the answer read to the end (`Connection: close`).
pub async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, String)],
    body: &[u8],
) -> Answer {
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(req.as_bytes()).await.unwrap();
    // A refused upload may be answered before all of it is sent.
    let _ = s.write_all(body).await;
    let mut buf = Vec::new();
    tokio::time::timeout(GUARD, s.read_to_end(&mut buf))
        .await
        .expect("an answer in time")
        .unwrap();
    let split = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a head");
    let head = String::from_utf8_lossy(&buf[..split]).to_ascii_lowercase();
    let mut body = buf[split + 4..].to_vec();
    if head.contains("transfer-encoding: chunked") {
        body = dechunk(&String::from_utf8_lossy(&body)).into_bytes();
    }
    Answer {
        status: head.split(' ').nth(1).unwrap().parse().unwrap(),
        head,
        body,
    }
}

pub fn session(c: &Client) -> Vec<(&'static str, String)> {
    vec![
        ("Cookie", c.cookie.clone()),
        ("Origin", format!("http://{}", c.addr)),
        ("X-CSRF-Token", c.csrf.clone()),
    ]
}

/// `POST /api/media?name=…` with `bytes` as the body.
pub async fn upload(c: &Client, name: &str, bytes: &[u8]) -> Answer {
    let mut h = session(c);
    h.push(("Content-Type", "application/octet-stream".into()));
    let path = format!("/api/media?name={}", encode(name));
    request(c.addr, "POST", &path, &h, bytes).await
}

/// [`upload`] with `Transfer-Encoding: chunked` (no length declared), 64 KiB a chunk.
pub async fn upload_chunked(c: &Client, name: &str, bytes: &[u8]) -> Answer {
    let mut req = format!(
        "POST /api/media?name={} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n",
        encode(name),
        c.addr
    );
    for (k, v) in session(c) {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    let mut s = tokio::net::TcpStream::connect(c.addr).await.unwrap();
    s.write_all(req.as_bytes()).await.unwrap();
    for chunk in bytes.chunks(64 * 1024) {
        let mut framed = format!("{:x}\r\n", chunk.len()).into_bytes();
        framed.extend_from_slice(chunk);
        framed.extend_from_slice(b"\r\n");
        if s.write_all(&framed).await.is_err() {
            break; // answered and closed before the end
        }
    }
    let _ = s.write_all(b"0\r\n\r\n").await;
    let mut buf = Vec::new();
    tokio::time::timeout(GUARD, s.read_to_end(&mut buf))
        .await
        .expect("an answer in time")
        .unwrap();
    let split = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a head");
    let head = String::from_utf8_lossy(&buf[..split]).to_ascii_lowercase();
    let body = if head.contains("transfer-encoding: chunked") {
        dechunk(&String::from_utf8_lossy(&buf[split + 4..])).into_bytes()
    } else {
        buf[split + 4..].to_vec()
    };
    Answer {
        status: head.split(' ').nth(1).unwrap().parse().unwrap(),
        head,
        body,
    }
}

pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

pub async fn get(c: &Client, path: &str, extra: &[(&str, String)]) -> Answer {
    let mut h = vec![("Cookie", c.cookie.clone())];
    h.extend(extra.iter().cloned());
    request(c.addr, "GET", path, &h, b"").await
}

/// A picture `w` × `h` pixels in `format`, with a gradient (and, for PNG, transparency
/// when `alpha`).
pub fn picture(w: u32, h: u32, format: image::ImageFormat, alpha: bool) -> Vec<u8> {
    let img = image::RgbaImage::from_fn(w, h, |x, y| {
        let a = if alpha && x < w / 4 { 0 } else { 255 };
        image::Rgba([(x % 256) as u8, (y % 256) as u8, 128, a])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    if format == image::ImageFormat::Jpeg {
        image::DynamicImage::ImageRgba8(img)
            .to_rgb8()
            .write_to(&mut out, format)
            .unwrap();
    } else {
        img.write_to(&mut out, format).unwrap();
    }
    out.into_inner()
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Every file under `dir`, relative, sorted.
pub fn files_under(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                out.push(p.strip_prefix(root).unwrap().display().to_string());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

pub fn media_dir(api: &Api) -> PathBuf {
    api.dir.path().join("media")
}

/// The library's refs, newest first.
pub async fn library(c: &Client) -> Vec<String> {
    let r = get(c, "/api/media?limit=500", &[]).await;
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["ref"].as_str().unwrap().to_owned())
        .collect()
}

/// Audit entries of `action` (read by the admin `root`).
pub async fn audit(api: &Api, action: &str) -> Vec<Value> {
    let root = Client::sign_in(api, "root").await;
    let r = get(&root, &format!("/api/audit?action={action}"), &[]).await;
    r.json()
        .as_array()
        .unwrap_or_else(|| panic!("{}", r.text()))
        .clone()
}

/// A PNG that declares `w` × `h` pixels and holds almost nothing.
pub fn png_declaring(w: u32, h: u32) -> Vec<u8> {
    fn crc32(data: &[u8]) -> u32 {
        let mut c = !0u32;
        for &b in data {
            c ^= u32::from(b);
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
        }
        !c
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]); // 8-bit RGBA
    chunk(&mut out, b"IHDR", &ihdr);
    // A zlib stream of a few zero bytes: it would inflate to 10 GB of pixels.
    chunk(
        &mut out,
        b"IDAT",
        &[0x78, 0x9c, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01],
    );
    chunk(&mut out, b"IEND", &[]);
    out
}

/// Replaces the working copy's first node's tile with `tile` through the import API
/// (as an admin), optionally publishing.
pub async fn set_first_tile(root: &Client, tile: Option<&str>, publish: bool) -> String {
    let mut doc: Value = serde_json::from_slice(&get(root, "/api/export", &[]).await.body).unwrap();
    let node = &mut doc["nodes"][0];
    match tile {
        Some(t) => node["tile"] = json!(t),
        None => {
            node.as_object_mut().unwrap().remove("tile");
        }
    }
    let key = node["key"].as_str().unwrap().to_owned();
    let (ct, body) = multipart(&[("hall.json", &doc.to_string())]);
    let mut h = session(root);
    h.push(("Content-Type", ct));
    let path = if publish {
        "/api/import?publish=1"
    } else {
        "/api/import"
    };
    let r = request(root.addr, "POST", path, &h, &body).await;
    assert_eq!(r.status, 200, "{}", r.text());
    key
}
