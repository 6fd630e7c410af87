//! The API tests' client: the server on a temporary data directory with the demo hall
//! and the live link, hand-written HTTP/1.1 requests, a browser-like signed-in client.

use std::net::SocketAddr;
use std::sync::Arc;

use ekran_core::accounts::Role;
use ekran_core::live::LiveLink;
use ekran_core::{Core, CLI};
use ekran_server::api::{CorePool, PoolSettings};
use ekran_server::{launch_with_tcp_listener, AppState};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::connect_async;

use super::{Ws, GUARD, KEY};

pub const PW: &str = "correct horse battery";
pub const XSS: &str = "<img src=x onerror=alert(1)>";

pub struct Api {
    pub addr: SocketAddr,
    pub dir: tempfile::TempDir,
    _link: LiveLink,
}

/// The demo hall published as version 1, an admin `root` and an editor `anna`.
pub async fn start() -> Api {
    start_with(PoolSettings::default()).await
}

/// [`start`] with the API's connections set up as `pool` says.
pub async fn start_with(pool: PoolSettings) -> Api {
    start_opts(pool, true).await
}

/// [`start`] where displays need pairing as well as tablets (no open mode).
pub async fn start_closed() -> Api {
    start_opts(PoolSettings::default(), false).await
}

/// [`start_closed`] with the store set up further by `setup` (before the server
/// starts) and the state changed by `tweak` before it serves.
pub async fn start_closed_with(
    setup: impl FnOnce(&mut Core) + Send + 'static,
    tweak: impl FnOnce(&mut AppState),
) -> Api {
    start_full(PoolSettings::default(), false, setup, tweak).await
}

async fn start_opts(pool: PoolSettings, open_displays: bool) -> Api {
    start_full(pool, open_displays, |_| {}, |_| {}).await
}

async fn start_full(
    pool: PoolSettings,
    open_displays: bool,
    setup: impl FnOnce(&mut Core) + Send + 'static,
    tweak: impl FnOnce(&mut AppState),
) -> Api {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_owned();
    let (core, version, hall) = tokio::task::spawn_blocking(move || {
        let mut core = Core::open(&path).unwrap();
        core.seed_demo(CLI).unwrap();
        core.add_user("root", Role::Admin, PW, CLI).unwrap();
        core.add_user("anna", Role::Editor, PW, CLI).unwrap();
        setup(&mut core);
        let (v, hall) = core.live().unwrap().unwrap();
        (core, v, hall)
    })
    .await
    .unwrap();
    let mut state = AppState::new(
        Arc::new(hall),
        version,
        Vec::new(),
        KEY.into(),
        dir.path().join("media"),
    )
    .with_core_pool(CorePool::new(core, pool));
    state.open_displays = open_displays;
    tweak(&mut state);
    let link = LiveLink::start(
        dir.path(),
        state.hub.clone(),
        tokio::runtime::Handle::current(),
    )
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(launch_with_tcp_listener(
        listener,
        state,
        std::future::pending(),
    ));
    Api {
        addr,
        dir,
        _link: link,
    }
}

pub struct Resp {
    pub status: u16,
    /// Lower-cased.
    pub head: String,
    pub body: String,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name}: ")))
    }
}

/// One HTTP/1.1 request with exactly these extra headers.
pub async fn raw(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, String)],
    body: &[u8],
) -> Resp {
    raw_from([127, 0, 0, 1], addr, method, path, headers, body).await
}

/// [`raw`] from another loopback address (`127.x.y.z`: Linux routes all of 127/8 to
/// the loopback interface), as a second machine on the network would be.
pub async fn raw_from(
    from: [u8; 4],
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, String)],
    body: &[u8],
) -> Resp {
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::from((from, 0))).unwrap();
    let mut stream = socket.connect(addr).await.unwrap();
    stream.write_all(req.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut buf = Vec::new();
    tokio::time::timeout(GUARD, stream.read_to_end(&mut buf))
        .await
        .unwrap()
        .unwrap();
    let text = String::from_utf8_lossy(&buf).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let head = head.to_ascii_lowercase();
    let body = if head.contains("transfer-encoding: chunked") {
        dechunk(body)
    } else {
        body.to_owned()
    };
    Resp {
        status: head.split(' ').nth(1).unwrap().parse().unwrap(),
        head,
        body,
    }
}

pub fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    loop {
        let (size, rest) = s.split_once("\r\n").unwrap();
        let n = usize::from_str_radix(size.trim(), 16).unwrap();
        if n == 0 {
            return out;
        }
        out.push_str(&rest[..n]);
        s = &rest[n + 2..];
    }
}

/// A browser-like client: the session cookie, its CSRF token and a same-origin
/// `Origin` on every change.
#[derive(Clone)]
pub struct Client {
    pub addr: SocketAddr,
    pub cookie: String,
    pub csrf: String,
}

impl Client {
    pub async fn sign_in(api: &Api, name: &str) -> Client {
        let r = sign_in(api, name, PW).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let set = r.header("set-cookie").unwrap().to_owned();
        for attr in ["httponly", "samesite=strict", "path=/", "max-age=604800"] {
            assert!(set.contains(attr), "{set}");
        }
        assert!(!set.contains("secure"), "plain HTTP: {set}");
        let cookie = set.split(';').next().unwrap().to_owned();
        let body = r.json();
        assert_eq!(body["name"], name);
        Client {
            addr: api.addr,
            cookie,
            csrf: body["csrf"].as_str().unwrap().to_owned(),
        }
    }

    pub async fn send(&self, method: &str, path: &str, body: Option<Value>) -> Resp {
        let mut h = vec![
            ("Cookie", self.cookie.clone()),
            ("Origin", format!("http://{}", self.addr)),
            ("X-CSRF-Token", self.csrf.clone()),
        ];
        let bytes = body.map(|b| b.to_string()).unwrap_or_default();
        if !bytes.is_empty() {
            h.push(("Content-Type", "application/json".into()));
        }
        raw(self.addr, method, path, &h, bytes.as_bytes()).await
    }

    pub async fn get(&self, path: &str) -> Resp {
        raw(
            self.addr,
            "GET",
            path,
            &[("Cookie", self.cookie.clone())],
            b"",
        )
        .await
    }
}

pub async fn sign_in(api: &Api, name: &str, password: &str) -> Resp {
    sign_in_from([127, 0, 0, 1], api, name, password).await
}

/// [`sign_in`] from another address (see [`raw_from`]).
pub async fn sign_in_from(from: [u8; 4], api: &Api, name: &str, password: &str) -> Resp {
    let body = json!({"name": name, "password": password}).to_string();
    let h = [
        ("Origin", format!("http://{}", api.addr)),
        ("Content-Type", "application/json".into()),
    ];
    raw_from(from, api.addr, "POST", "/api/session", &h, body.as_bytes()).await
}

pub async fn display(api: &Api, screen: &str) -> Ws {
    let url = format!("ws://{}/ws/{screen}?role=display", api.addr);
    connect_async(url).await.unwrap().0
}

/// A blocking call on a second connection to the data directory (as another process).
pub async fn with_core<T: Send + 'static>(
    api: &Api,
    f: impl FnOnce(&mut Core) -> T + Send + 'static,
) -> T {
    let dir = api.dir.path().to_owned();
    tokio::task::spawn_blocking(move || f(&mut Core::open(&dir).unwrap()))
        .await
        .unwrap()
}

/// A multipart body with one file per (name, content).
pub fn multipart(files: &[(&str, &str)]) -> (String, Vec<u8>) {
    let b = "ekran-test-boundary";
    let mut body = String::new();
    for (name, content) in files {
        body.push_str(&format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/json\r\n\r\n{content}\r\n"
        ));
    }
    body.push_str(&format!("--{b}--\r\n"));
    (
        format!("multipart/form-data; boundary={b}"),
        body.into_bytes(),
    )
}

/// The answer to `POST path` whose head declares a body of 99 999 999 999 bytes (none
/// is sent).
pub async fn declared_huge(api: &Api, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(api.addr).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {a}\r\nOrigin: http://{a}\r\nContent-Type: application/json\r\nContent-Length: 99999999999\r\nConnection: close\r\n\r\n",
        a = api.addr
    );
    s.write_all(head.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    tokio::time::timeout(GUARD, s.read_to_end(&mut buf))
        .await
        .expect("answered without waiting for the body")
        .unwrap();
    String::from_utf8_lossy(&buf).into_owned()
}
