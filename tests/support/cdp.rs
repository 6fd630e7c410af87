//! A small Chrome DevTools Protocol client for tests and benchmarks: starts Debian's
//! headless Chromium, opens pages, evaluates scripts, clicks, records every network
//! request and takes screenshots. Written here because the few calls we need do not
//! justify a large browser-automation dependency.

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio::sync::{oneshot, Mutex as AsyncMutex};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Sink = SplitSink<WebSocketStream<MaybeTlsStream<TcpStream>>, Message>;
type Pending = Arc<Mutex<HashMap<u64, oneshot::Sender<Result<Value, String>>>>>;

/// Where Debian installs Chromium; `EKRAN_CHROMIUM` overrides.
fn chromium_path() -> String {
    std::env::var("EKRAN_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into())
}

pub struct Browser {
    child: Child,
    sink: Arc<AsyncMutex<Sink>>,
    pending: Pending,
    next_id: Arc<AtomicU64>,
    /// Every event of every page (`sessionId`, `method`, `params`), for [`Page::reload`].
    events: tokio::sync::broadcast::Sender<Value>,
    /// Every request URL any page made, in order.
    pub requests: Arc<Mutex<Vec<String>>>,
    /// Console errors and uncaught exceptions of every page.
    pub console_errors: Arc<Mutex<Vec<String>>>,
    /// The message of every JavaScript dialog (`alert`, `confirm`, `prompt`) any page
    /// opened; each is dismissed at once, so a page that opens one does not hang.
    pub dialogs: Arc<Mutex<Vec<String>>>,
    _profile: tempfile::TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One page (tab), attached with its own CDP session.
#[derive(Clone)]
pub struct Page {
    session: String,
    target: String,
    sink: Arc<AsyncMutex<Sink>>,
    pending: Pending,
    next_id: Arc<AtomicU64>,
    events: tokio::sync::broadcast::Sender<Value>,
}

async fn call(
    sink: &Arc<AsyncMutex<Sink>>,
    pending: &Pending,
    next_id: &AtomicU64,
    session: Option<&str>,
    method: &str,
    params: Value,
) -> Result<Value, String> {
    let id = next_id.fetch_add(1, Ordering::Relaxed);
    let (tx, rx) = oneshot::channel();
    pending.lock().unwrap().insert(id, tx);
    let mut msg = json!({ "id": id, "method": method, "params": params });
    if let Some(s) = session {
        msg["sessionId"] = json!(s);
    }
    sink.lock()
        .await
        .send(Message::Text(msg.to_string().into()))
        .await
        .map_err(|e| e.to_string())?;
    tokio::time::timeout(Duration::from_secs(30), rx)
        .await
        .map_err(|_| format!("{method}: no answer from the browser in 30 s"))?
        .map_err(|_| format!("{method}: browser went away"))?
}

impl Browser {
    /// Starts headless Chromium. Panics with a clear message when it is not installed:
    /// browser tests are part of the suite, never skipped.
    pub async fn launch() -> Browser {
        let profile = tempfile::tempdir().unwrap();
        let path = chromium_path();
        let mut child = Command::new(&path)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-default-apps",
                "--no-first-run",
                "--mute-audio",
                "--autoplay-policy=no-user-gesture-required",
                "--remote-debugging-port=0",
                "--window-size=1280,800",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start {path} ({e}); install Debian's `chromium` package (CI does)")
            });
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("DevTools listening on ") {
                    let _ = tx.send(url.trim().to_owned());
                }
            }
        });
        let url = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("Chromium printed its DevTools address");
        let (ws, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("connect to DevTools");
        let (sink, mut stream) = ws.split();
        let pending: Pending = Arc::default();
        let requests: Arc<Mutex<Vec<String>>> = Arc::default();
        let console_errors: Arc<Mutex<Vec<String>>> = Arc::default();
        let dialogs: Arc<Mutex<Vec<String>>> = Arc::default();
        let (events, _) = tokio::sync::broadcast::channel(1024);
        let sink = Arc::new(AsyncMutex::new(sink));
        let next_id = Arc::new(AtomicU64::new(1));
        let (p, r, c, ev) = (
            pending.clone(),
            requests.clone(),
            console_errors.clone(),
            events.clone(),
        );
        let (d, dsink, dnext) = (dialogs.clone(), sink.clone(), next_id.clone());
        tokio::spawn(async move {
            while let Some(Ok(msg)) = stream.next().await {
                let Message::Text(t) = msg else { continue };
                let Ok(v) = serde_json::from_str::<Value>(&t) else {
                    continue;
                };
                if let Some(id) = v["id"].as_u64() {
                    if let Some(tx) = p.lock().unwrap().remove(&id) {
                        let res = if v.get("error").is_some() {
                            Err(v["error"].to_string())
                        } else {
                            Ok(v["result"].clone())
                        };
                        let _ = tx.send(res);
                    }
                    continue;
                }
                let _ = ev.send(v.clone());
                match v["method"].as_str() {
                    Some("Network.requestWillBeSent") => r.lock().unwrap().push(
                        v["params"]["request"]["url"]
                            .as_str()
                            .unwrap_or("")
                            .to_owned(),
                    ),
                    Some("Network.webSocketCreated") => r
                        .lock()
                        .unwrap()
                        .push(v["params"]["url"].as_str().unwrap_or("").to_owned()),
                    Some("Runtime.exceptionThrown") => c
                        .lock()
                        .unwrap()
                        .push(v["params"]["exceptionDetails"].to_string()),
                    Some("Runtime.consoleAPICalled") if v["params"]["type"] == "error" => {
                        c.lock().unwrap().push(v["params"]["args"].to_string())
                    }
                    Some("Page.javascriptDialogOpening") => {
                        d.lock()
                            .unwrap()
                            .push(v["params"]["message"].as_str().unwrap_or("").to_owned());
                        let id = dnext.fetch_add(1, Ordering::Relaxed);
                        let msg = json!({ "id": id, "method": "Page.handleJavaScriptDialog",
                            "params": { "accept": false }, "sessionId": v["sessionId"] });
                        let dsink = dsink.clone();
                        tokio::spawn(async move {
                            let _ = dsink
                                .lock()
                                .await
                                .send(Message::Text(msg.to_string().into()))
                                .await;
                        });
                    }
                    _ => {}
                }
            }
        });
        Browser {
            child,
            sink,
            pending,
            next_id,
            events,
            requests,
            console_errors,
            dialogs,
            _profile: profile,
        }
    }

    /// Opens `url` in a new tab of the given size, with network and console recorded
    /// from the first request on.
    pub async fn open(&self, url: &str, width: u32, height: u32) -> Page {
        self.open_page(url, width, height, false).await
    }

    /// [`Browser::open`] in a window of its own, so it stays visible (and its timers run
    /// at full rate) whichever tab is in front elsewhere: a device of its own, as a
    /// display's tablet is.
    pub async fn open_window(&self, url: &str, width: u32, height: u32) -> Page {
        self.open_page(url, width, height, true).await
    }

    /// [`Browser::open_window`] in a browser context of its own (its own cookies,
    /// storage and caches): another device, as a hall's display and tablet are.
    pub async fn open_device(&self, url: &str, width: u32, height: u32) -> Page {
        let context = call(
            &self.sink,
            &self.pending,
            &self.next_id,
            None,
            "Target.createBrowserContext",
            json!({}),
        )
        .await
        .unwrap()["browserContextId"]
            .as_str()
            .unwrap()
            .to_owned();
        self.open_in(url, width, height, true, Some(context)).await
    }

    async fn open_page(&self, url: &str, width: u32, height: u32, window: bool) -> Page {
        self.open_in(url, width, height, window, None).await
    }

    async fn open_in(
        &self,
        url: &str,
        width: u32,
        height: u32,
        window: bool,
        context: Option<String>,
    ) -> Page {
        let c =
            |m: &'static str, p: Value| call(&self.sink, &self.pending, &self.next_id, None, m, p);
        let mut params = json!({ "url": "about:blank", "newWindow": window });
        if let Some(id) = context {
            params["browserContextId"] = json!(id);
        }
        let target = c("Target.createTarget", params).await.unwrap()["targetId"]
            .as_str()
            .unwrap()
            .to_owned();
        let session = c(
            "Target.attachToTarget",
            json!({ "targetId": target, "flatten": true }),
        )
        .await
        .unwrap()["sessionId"]
            .as_str()
            .unwrap()
            .to_owned();
        let page = Page {
            session,
            target,
            sink: self.sink.clone(),
            pending: self.pending.clone(),
            next_id: self.next_id.clone(),
            events: self.events.clone(),
        };
        page.call("Network.enable", json!({})).await.unwrap();
        page.call("Runtime.enable", json!({})).await.unwrap();
        page.call("Page.enable", json!({})).await.unwrap();
        page.resize(width, height).await;
        page.call("Page.navigate", json!({ "url": url }))
            .await
            .unwrap();
        page
    }
}

impl Page {
    pub async fn call(&self, method: &str, params: Value) -> Result<Value, String> {
        call(
            &self.sink,
            &self.pending,
            &self.next_id,
            Some(&self.session),
            method,
            params,
        )
        .await
    }

    pub async fn resize(&self, width: u32, height: u32) {
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": false }),
        )
        .await
        .unwrap();
    }

    /// Evaluates an expression (awaiting a promise) and returns its JSON value.
    pub async fn eval(&self, expr: &str) -> Value {
        let r = self
            .call(
                "Runtime.evaluate",
                json!({ "expression": expr, "returnByValue": true, "awaitPromise": true }),
            )
            .await
            .unwrap_or_else(|e| panic!("evaluate {expr}: {e}"));
        if let Some(ex) = r.get("exceptionDetails") {
            panic!("evaluate {expr}: {ex}");
        }
        r["result"]["value"].clone()
    }

    /// Waits until `cond` (a JS expression) is truthy in the page, checking on every
    /// frame and DOM change; panics after `secs` with `what` and the page's state.
    pub async fn wait_for(&self, cond: &str, secs: u32, what: &str) {
        self.wait_within(cond, Duration::from_secs(secs.into()), what)
            .await
    }

    /// [`Page::wait_for`] with a bound finer than seconds.
    pub async fn wait_within(&self, cond: &str, within: Duration, what: &str) {
        let expr = wait_expr(cond, within);
        if self.eval(&expr).await != Value::Bool(true) {
            let state = self
                .eval("document.body ? document.body.innerText.slice(0, 400) : ''")
                .await;
            panic!("timed out waiting for {what} ({cond}); page text: {state}");
        }
    }

    /// [`Page::wait_for`] across page loads: a wait cut short by the page navigating
    /// (a reload the page does by itself) starts again in the new document, within the
    /// same overall bound.
    pub async fn wait_across_loads(&self, cond: &str, secs: u32, what: &str) {
        let deadline = std::time::Instant::now() + Duration::from_secs(secs.into());
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let expr = wait_expr(cond, left);
            let r = self
                .call(
                    "Runtime.evaluate",
                    json!({ "expression": expr, "returnByValue": true, "awaitPromise": true }),
                )
                .await;
            match r {
                Ok(v) if v["result"]["value"] == Value::Bool(true) => return,
                Ok(v) if v.get("exceptionDetails").is_none() => {
                    panic!("timed out waiting for {what} ({cond})")
                }
                // Navigated or destroyed context (a reload): try again in the new page.
                _ if std::time::Instant::now() < deadline => continue,
                _ => panic!("timed out waiting for {what} ({cond}) across page loads"),
            }
        }
    }

    /// Clicks the centre of the first element matching `selector` with real mouse
    /// events (so pointerdown, pointerup and click all fire).
    pub async fn click(&self, selector: &str) {
        let sel = serde_json::to_string(selector).unwrap();
        // A disabled control ignores the click, as it would a finger: wait until the
        // page has enabled it (e.g. the tablet after the state for its node arrived).
        self.wait_for(
            &format!("(() => {{ const e = document.querySelector({sel}); return !!e && !e.disabled; }})()"),
            10,
            &format!("{selector} to be there and enabled to click"),
        )
        .await;
        // Where a finger would land: the element's centre once it has stopped moving (the
        // same place 40 ms apart) and nothing else is on top of it there,
        // so a page still redrawing does not get the tap on another control.
        let at = format!(
            "(async () => {{ const e = document.querySelector({sel}); if (!e) return null; e.scrollIntoView({{block: 'center'}}); const c = () => {{ const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; }}; const a = c(); await new Promise(f => setTimeout(f, 40)); const b = c(); const hit = document.elementFromPoint(b[0], b[1]); return a[0] === b[0] && a[1] === b[1] && hit && (hit === e || e.contains(hit)) ? b : false; }})()"
        );
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let rect = loop {
            let r = self.eval(&at).await;
            if r != Value::Bool(false) || std::time::Instant::now() > deadline {
                break r;
            }
        };
        let (x, y) = match rect.as_array() {
            Some(a) => (a[0].as_f64().unwrap(), a[1].as_f64().unwrap()),
            None => panic!("no element {selector} to click, or it kept moving or stayed covered"),
        };
        for kind in ["mousePressed", "mouseReleased"] {
            self.call(
                "Input.dispatchMouseEvent",
                json!({ "type": kind, "x": x, "y": y, "button": "left", "clickCount": 1 }),
            )
            .await
            .unwrap();
        }
    }

    /// Presses the mouse button on the centre of `selector` without releasing it.
    pub async fn press(&self, selector: &str) -> (f64, f64) {
        let sel = serde_json::to_string(selector).unwrap();
        self.wait_for(&format!("document.querySelector({sel})"), 10, selector)
            .await;
        let r = self
            .eval(&format!("(() => {{ const r = document.querySelector({sel}).getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; }})()"))
            .await;
        let (x, y) = (r[0].as_f64().unwrap(), r[1].as_f64().unwrap());
        self.call(
            "Input.dispatchMouseEvent",
            json!({ "type": "mousePressed", "x": x, "y": y, "button": "left", "clickCount": 1 }),
        )
        .await
        .unwrap();
        (x, y)
    }

    pub async fn release(&self, at: (f64, f64)) {
        self.call("Input.dispatchMouseEvent", json!({ "type": "mouseReleased", "x": at.0, "y": at.1, "button": "left", "clickCount": 1 }))
            .await
            .unwrap();
    }

    /// Drags the element `from` (a selector) with the mouse and drops it at `to`
    /// (page coordinates), through the browser's own drag and drop: the page gets
    /// `dragstart` from real mouse input, then `dragenter`, `dragover` and `drop` from
    /// `Input.dispatchDragEvent` with the data the drag carries (headless Chromium has
    /// no OS drag loop, so the browser hands the drag to DevTools: `setInterceptDrags`).
    pub async fn drag_to(&self, from: &str, to: (f64, f64)) {
        let mut events = self.events.subscribe();
        self.call("Input.setInterceptDrags", json!({ "enabled": true }))
            .await
            .unwrap();
        let start = self.press(from).await;
        // A few steps, past the drag threshold, towards the target.
        for i in 1..=4 {
            let f = f64::from(i) / 4.0;
            let (x, y) = (
                start.0 + (to.0 - start.0) * f,
                start.1 + (to.1 - start.1) * f,
            );
            self.call(
                "Input.dispatchMouseEvent",
                json!({ "type": "mouseMoved", "x": x, "y": y, "button": "left", "buttons": 1 }),
            )
            .await
            .unwrap();
        }
        let data = tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                match events.recv().await {
                    Ok(v)
                        if v["sessionId"] == self.session.as_str()
                            && v["method"] == "Input.dragIntercepted" =>
                    {
                        return v["params"]["data"].clone()
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => {
                        panic!("the browser went away during a drag")
                    }
                    _ => {}
                }
            }
        })
        .await
        .unwrap_or_else(|_| panic!("dragging {from} started no drag within 10 s"));
        for kind in ["dragEnter", "dragOver", "drop"] {
            self.call(
                "Input.dispatchDragEvent",
                json!({ "type": kind, "x": to.0, "y": to.1, "data": data }),
            )
            .await
            .unwrap();
        }
        self.release(to).await;
        self.call("Input.setInterceptDrags", json!({ "enabled": false }))
            .await
            .unwrap();
    }

    /// Reloads the page and waits for its `load` event (30 s at most).
    pub async fn reload(&self) {
        let mut events = self.events.subscribe();
        self.call("Page.reload", json!({})).await.unwrap();
        tokio::time::timeout(Duration::from_secs(30), async {
            loop {
                match events.recv().await {
                    Ok(v)
                        if v["sessionId"] == self.session.as_str()
                            && v["method"] == "Page.loadEventFired" =>
                    {
                        return
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => {
                        panic!("the browser went away during a reload")
                    }
                    _ => {}
                }
            }
        })
        .await
        .expect("the page loaded again within 30 s");
    }

    /// Makes this tab the visible one, so it renders and animates at full rate.
    pub async fn front(&self) {
        self.call("Page.bringToFront", json!({})).await.unwrap();
    }

    pub async fn screenshot(&self) -> Vec<u8> {
        self.front().await;
        let r = self
            .call("Page.captureScreenshot", json!({ "format": "png" }))
            .await
            .unwrap();
        use base64::Engine;
        base64::engine::general_purpose::STANDARD
            .decode(r["data"].as_str().unwrap())
            .unwrap()
    }
}

/// A page expression that resolves `true` as soon as `cond` (a JS expression) holds,
/// or `false` after `within`; `cond` is checked every 10 ms, its exceptions as false.
fn wait_expr(cond: &str, within: Duration) -> String {
    format!(
        "new Promise((resolve) => {{ const t0 = performance.now(); const ok = () => {{ try {{ return !!({cond}); }} catch (e) {{ return false; }} }}; \
         const tick = () => {{ if (ok()) return resolve(true); if (performance.now() - t0 > {ms}) return resolve(false); setTimeout(tick, 10); }}; tick(); }})",
        ms = within.as_millis()
    )
}
