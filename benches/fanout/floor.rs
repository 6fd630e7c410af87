//! The floor of `benches/fanout/compare.sh`: the least a server can do per delivered state
//! over loopback TCP, measured with the same client and the same bytes as ekran and the
//! socket.io relay, so that their CPU per delivered state can be read against it.
//!
//! It speaks just enough of ekran's live channel for `fanout_client ekran`: a WebSocket
//! handshake on any path, a page with `role=tablet` in its query is a tablet, every page
//! first gets the start node's state, and a tablet's `{"type": "go", "node": ID}` makes it
//! write that node's state to every page with one blocking `write` per page. Each state's
//! frame is encoded once at start. There is no queue, no liveness, no rate limit, no
//! authentication and no async runtime: a thread per page, blocked in `read` until the
//! page closes. Not a server to run a hall on.
//!
//! ```text
//! fanout_floor PORT STATES_FILE
//! ```
//! STATES_FILE is the output of `fanout_client states` (`{"targets": [ids], "texts":
//! {id: ekran's display state there, as a string}}`); the first target is the start node. Listens on 127.0.0.1:PORT and
//! prints `listening on 127.0.0.1:PORT`. Exits 2 on bad arguments or an unreadable file.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::{accept_hdr, Message};

fn fail(what: &str) -> ! {
    eprintln!("fanout_floor: {what}");
    std::process::exit(2)
}

/// An unmasked, unfragmented text frame (RFC 6455, section 5.2) holding `text`.
fn text_frame(text: &str) -> Vec<u8> {
    let len = text.len();
    let mut f = Vec::with_capacity(len + 10);
    f.push(0x81);
    match len {
        0..=125 => f.push(len as u8),
        126..=0xFFFF => {
            f.push(126);
            f.extend_from_slice(&(len as u16).to_be_bytes());
        }
        _ => {
            f.push(127);
            f.extend_from_slice(&(len as u64).to_be_bytes());
        }
    }
    f.extend_from_slice(text.as_bytes());
    f
}

/// Every open page's socket, by a number of its own.
#[derive(Default)]
struct Pages {
    next: u64,
    open: HashMap<u64, TcpStream>,
}

struct Floor {
    /// Each node's state frame, by node id.
    frames: HashMap<String, Vec<u8>>,
    start: Vec<u8>,
    pages: Mutex<Pages>,
}

impl Floor {
    /// Writes `frame` to every page; a page whose write fails is forgotten (its own
    /// thread sees the close too).
    fn broadcast(&self, frame: &[u8]) {
        let mut pages = self.pages.lock().unwrap_or_else(|e| e.into_inner());
        pages.open.retain(|_, s| s.write_all(frame).is_ok());
    }

    fn serve(&self, stream: TcpStream) {
        let _ = stream.set_nodelay(true);
        let mut tablet = false;
        // The error type is tungstenite's own (`ErrorResponse`), as its `Callback` asks.
        #[allow(clippy::result_large_err)]
        let check = |req: &Request, resp: Response| {
            tablet = req.uri().query().unwrap_or("").contains("role=tablet");
            Ok(resp)
        };
        let Ok(mut ws) = accept_hdr(stream, check) else {
            return;
        };
        let Ok(mut writer) = ws.get_ref().try_clone() else {
            return;
        };
        if writer.write_all(&self.start).is_err() {
            return;
        }
        let id = {
            let mut pages = self.pages.lock().unwrap_or_else(|e| e.into_inner());
            pages.next += 1;
            let id = pages.next;
            pages.open.insert(id, writer);
            id
        };
        if tablet {
            while let Ok(msg) = ws.read() {
                let Message::Text(t) = msg else { continue };
                let v: serde_json::Value = serde_json::from_str(t.as_str()).unwrap_or_default();
                if let Some(frame) = v["node"].as_str().and_then(|n| self.frames.get(n)) {
                    self.broadcast(frame);
                }
            }
        } else {
            // A display sends nothing: wait for its close.
            let mut buf = [0u8; 512];
            let mut raw = ws.get_ref();
            while matches!(raw.read(&mut buf), Ok(n) if n > 0) {}
        }
        let mut pages = self.pages.lock().unwrap_or_else(|e| e.into_inner());
        pages.open.remove(&id);
    }
}

fn main() {
    let a: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let (Some(port), Some(file)) = (a.first(), a.get(1)) else {
        // `cargo bench` runs every bench without arguments: say what this one is for.
        println!(
            "fanout_floor: the floor of benches/fanout/compare.sh (run that)\n\
             usage: fanout_floor PORT STATES_FILE"
        );
        std::process::exit(0)
    };
    let text = std::fs::read_to_string(file).unwrap_or_else(|e| fail(&format!("{file}: {e}")));
    let v: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| fail(&format!("{file}: {e}")));
    let frames: HashMap<String, Vec<u8>> = v["texts"]
        .as_object()
        .unwrap_or_else(|| fail(&format!("{file}: no \"texts\" object")))
        .iter()
        .filter_map(|(id, s)| Some((id.clone(), text_frame(s.as_str()?))))
        .collect();
    let start = v["targets"][0]
        .as_str()
        .and_then(|id| frames.get(id))
        .cloned()
        .unwrap_or_else(|| fail(&format!("{file}: no state for the first target")));
    let floor = Arc::new(Floor {
        frames,
        start,
        pages: Mutex::new(Pages::default()),
    });
    let addr = format!("127.0.0.1:{port}");
    let listener = TcpListener::bind(&addr).unwrap_or_else(|e| fail(&format!("{addr}: {e}")));
    println!("listening on {addr}");
    for stream in listener.incoming().flatten() {
        let floor = floor.clone();
        let spawned = std::thread::Builder::new()
            .stack_size(128 * 1024)
            .spawn(move || floor.serve(stream));
        if let Err(e) = spawned {
            eprintln!("fanout_floor: a thread for a page: {e}");
        }
    }
}
