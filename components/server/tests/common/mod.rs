//! The real server on 127.0.0.1:0, a small hall, and WebSocket and HTTP clients.

#![allow(dead_code)]

pub mod api_client;
pub mod media_client;
pub mod tls;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use ekran_model::{
    Hall, Idle, Lang, Layout, Localized, MediaRef, Node, NodeId, NodeKey, Screen, Slide,
};
use ekran_server::{launch_with_tcp_listener, AppState, Hub, Liveness, SavedPosition};
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{connect_async, MaybeTlsStream, WebSocketStream};

/// The address the test server says devices reach it at.
pub const PUBLIC_URL: &str = "http://hall.example:8080";
pub const KEY: &str = "0123456789abcdef0123456789abcdef";
/// Guards every wait: a failing test ends instead of hanging. Never reached when it passes.
pub const GUARD: Duration = Duration::from_secs(20);

pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The key of the node labelled `label`.
pub fn k(label: &str) -> NodeKey {
    NodeKey::derive(&NodeId::parse(label).unwrap(), 0)
}

pub fn both(kk: &str, ru: &str) -> Localized {
    let mut l = Localized::one(Lang::Kk, kk);
    l.set(Lang::Ru, ru.into());
    l
}

/// A hall with one screen per id in `screens` (rooted at the node labelled the same),
/// nodes `labels` (parents first), two image slides each.
pub fn hall_with(screens: &[&str], labels: &[&str]) -> Hall {
    hall_with_text(screens, labels, &both("Қазақша мәтін", "Русский текст"))
}

/// [`hall_with`], every slide's text being `text`.
pub fn hall_with_text(screens: &[&str], labels: &[&str], text: &Localized) -> Hall {
    let mut h = Hall {
        title: both("Сынақ залы <script>alert(1)</script>", "Тестовый зал"),
        ..Hall::default()
    };
    for sid in screens {
        h.screens.push(Screen {
            id: (*sid).into(),
            name: both(&format!("Экран {sid}"), &format!("Экран {sid}")),
            theme: "azure".into(),
            root: k(sid),
            languages: vec![Lang::Kk, Lang::Ru],
            idle: Idle::default(),
        });
    }
    for n in labels {
        let label = NodeId::parse(n).unwrap();
        let mut node = Node::new(k(n), both(&format!("Түйін {n}"), &format!("Узел {n}")));
        node.label = Some(label.clone());
        for i in 0..2 {
            let mut s = Slide::new(Layout::ImageText);
            s.title = both(&format!("Слайд {i}"), &format!("Слайд {i}"));
            s.text = text.clone();
            s.image = Some(MediaRef::parse("img/a.svg").unwrap());
            node.slides.push(s);
        }
        let parent = label.parent().map(|p| k(p.as_str()));
        h.nodes.insert(node, parent.as_ref(), None).unwrap();
    }
    h
}

/// Screens 1 and 2.
pub fn hall() -> Hall {
    hall_with(&["1", "2"], &["1", "1.1", "1.2", "2", "2.1"])
}

pub struct Server {
    pub addr: SocketAddr,
    pub hub: Arc<Hub>,
    /// The pages of each session (what they hold unsent).
    pub audiences: Arc<ekran_server::Audiences>,
    /// Sent: the server shuts down (dropped unsent: it keeps running).
    pub stop: Option<tokio::sync::oneshot::Sender<()>>,
    /// The server's task: ends after a shutdown.
    pub task: tokio::task::JoinHandle<std::io::Result<()>>,
    _media: tempfile::TempDir,
}

/// Serves `hall` as version 1, restored to `restored`.
pub async fn start_full(live: Liveness, hall: Hall, restored: Vec<SavedPosition>) -> Server {
    start_tweaked(hall, restored, |state| state.liveness = live).await
}

/// Serves `hall` as version 1, restored to `restored`, with `tweak` applied to the
/// state (limits, liveness, metrics access).
pub async fn start_tweaked(
    hall: Hall,
    restored: Vec<SavedPosition>,
    tweak: impl FnOnce(&mut AppState),
) -> Server {
    let media = tempfile::tempdir().unwrap();
    // The library is <tmp>/lib; a file beside it must never be served, nor hidden ones.
    std::fs::create_dir_all(media.path().join("lib/img")).unwrap();
    std::fs::write(
        media.path().join("lib/img/a.svg"),
        "<svg xmlns='http://www.w3.org/2000/svg'/>",
    )
    .unwrap();
    std::fs::write(media.path().join("secret.txt"), "top").unwrap();
    std::fs::write(media.path().join("lib/.x.png.123.part"), "top").unwrap();
    std::fs::write(media.path().join("lib/img/.hidden"), "top").unwrap();
    std::fs::create_dir_all(media.path().join("lib/.git")).unwrap();
    std::fs::write(media.path().join("lib/.git/config"), "top").unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut state = AppState::new(
        Arc::new(hall),
        1,
        restored,
        KEY.into(),
        media.path().join("lib"),
    );
    state.open_displays = true;
    state.public_urls = Arc::new(vec![PUBLIC_URL.to_owned()]);
    tweak(&mut state);
    let hub = state.hub.clone();
    let audiences = state.audiences.clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let shutdown = async move {
        if stopped.await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let task = tokio::spawn(launch_with_tcp_listener(listener, state, shutdown));
    Server {
        addr,
        hub,
        audiences,
        stop: Some(stop),
        task,
        _media: media,
    }
}

pub async fn start_with(live: Liveness) -> Server {
    start_full(live, hall(), Vec::new()).await
}

pub async fn start() -> Server {
    start_with(Liveness::default()).await
}

pub async fn connect(s: &Server, screen: &str, role: &str) -> Ws {
    let key = if role == "tablet" {
        format!("&key={}", ekran_server::key::screen_key(KEY, screen))
    } else {
        String::new()
    };
    let url = format!("ws://{}/ws/{screen}?role={role}{key}", s.addr);
    connect_async(url).await.expect("connect").0
}

/// The next text message as JSON (pings are answered by the client library).
pub async fn next<S: AsyncRead + AsyncWrite + Unpin>(ws: &mut WebSocketStream<S>) -> Value {
    serde_json::from_str(&next_text(ws).await).unwrap()
}

/// The next text message as it came.
pub async fn next_text<S: AsyncRead + AsyncWrite + Unpin>(ws: &mut WebSocketStream<S>) -> String {
    tokio::time::timeout(GUARD, async {
        loop {
            match ws.next().await.expect("stream open").expect("frame") {
                Message::Text(t) => return t.as_str().to_owned(),
                Message::Close(_) => panic!("closed"),
                _ => {}
            }
        }
    })
    .await
    .expect("a message in time")
}

pub async fn send(ws: &mut Ws, v: Value) {
    ws.send(Message::Text(v.to_string().into())).await.unwrap();
}

/// The `node.label` of a state message.
pub fn label(st: &Value) -> &str {
    st["node"]["label"].as_str().unwrap_or("")
}

/// A plain HTTP/1.1 GET: (status, lower-cased head, body).
pub async fn get(s: &Server, path: &str) -> (u16, String, String) {
    get_host(s, path, &s.addr.to_string()).await
}

/// [`get`] with this `Host` header.
pub async fn get_host(s: &Server, path: &str, host: &str) -> (u16, String, String) {
    let mut stream = TcpStream::connect(s.addr).await.unwrap();
    let req = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    stream.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    tokio::time::timeout(GUARD, stream.read_to_end(&mut buf))
        .await
        .unwrap()
        .unwrap();
    let text = String::from_utf8_lossy(&buf).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, head.to_ascii_lowercase(), body.to_owned())
}
