//! Displays without the server, in real headless Chromium: a display reloaded while the
//! server is down still shows its slide (from the service worker's caches), its idle
//! loop goes on, the tablet says it is offline and sends nothing, and once the server is
//! back on the same port the pages resync and a tap reaches the display (the test
//! prints how long each took; the aim is a second or two).
//! Also the pure offline rules (`static/js/offline.js`) and the reconnect backoff.
//! Needs Debian's `chromium`, like `tests/browser.rs`.

mod support;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ekran_model::{Hall, Lang, Layout, NodeId, NodeKey};
use ekran_server::{AppState, Hub};
use futures_util::SinkExt;
use serde_json::Value;
use support::cdp::Browser;

const KEY: &str = "feedfacefeedfacefeedfacefeedface";

/// How long the test waits, after the server returns, for the display to resync and
/// for a tap to reach it. The product aims at a second or two (the test prints how long
/// it took); the bound is loose so that a loaded CI machine tests the behaviour, not
/// its speed.
const RESYNC: Duration = Duration::from_secs(10);

/// ekran on a tokio runtime of its own, so that stopping it ends everything it ran, open
/// WebSockets included, the way a crash or a power cut would (a graceful shutdown is not
/// what a display must survive).
struct Server {
    addr: SocketAddr,
    hub: Arc<Hub>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    /// Serves `hall` as `version` on `addr` (port 0: any free one), with fresh screen
    /// sessions (every screen at home, `seq` from 1).
    fn start(addr: SocketAddr, hall: &Hall, version: i64, media: PathBuf) -> Server {
        let hall = Arc::new(hall.clone());
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                // Tokio sets SO_REUSEADDR: the port is free again at once after a stop.
                let listener = match tokio::net::TcpListener::bind(addr).await {
                    Ok(l) => l,
                    Err(e) => return ready_tx.send(Err(e)).unwrap(),
                };
                let mut state = AppState::new(hall, version, Vec::new(), KEY.into(), media);
                state.open_displays = true;
                let ready = (listener.local_addr().unwrap(), state.hub.clone());
                ready_tx.send(Ok(ready)).unwrap();
                tokio::select! {
                    r = ekran_server::launch_with_tcp_listener(listener, state, std::future::pending()) => r.unwrap(),
                    _ = stopped => {}
                }
            });
            rt.shutdown_timeout(Duration::from_secs(10));
        });
        let (addr, hub) = ready_rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the server thread answered")
            .unwrap_or_else(|e| panic!("bind {addr}: {e}"));
        Server {
            addr,
            hub,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// Stops it: the listener and every connection are gone when this returns.
    async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        let thread = self.thread.take().unwrap();
        tokio::task::spawn_blocking(move || thread.join().unwrap())
            .await
            .unwrap();
    }
}

/// The demo hall, screen 1 idle only after 10 minutes (no step idles by accident) and
/// without an attract loop, and its media folder.
fn demo() -> (Hall, tempfile::TempDir) {
    let mut hall = ekran_demo::hall().unwrap();
    hall.screens[0].idle.seconds = 600;
    hall.screens[0].idle.attract.clear();
    let data = tempfile::tempdir().unwrap();
    ekran_demo::write_media(&data.path().join("media")).unwrap();
    (hall, data)
}

fn node_key(hall: &Hall, label: &str) -> NodeKey {
    hall.nodes
        .find_label(&NodeId::parse(label).unwrap())
        .unwrap_or_else(|| panic!("the demo has no node labelled {label}"))
        .clone()
}

/// The key of the node labelled `label`, as pages carry it in `data-node`.
fn key(hall: &Hall, label: &str) -> String {
    node_key(hall, label).to_string()
}

/// A JS condition: the display shows node `label` (by key), slide `slide`, in `lang`,
/// from hall version `version`.
fn shows(hall: &Hall, label: &str, slide: usize, lang: &str, version: i64) -> String {
    format!(
        "(() => {{ const d = document.getElementById('display'); return d.dataset.node === '{}' && d.dataset.label === '{label}' && d.dataset.slide === '{slide}' && d.dataset.lang === '{lang}' && d.dataset.version === '{version}'; }})()",
        key(hall, label)
    )
}

/// The node of screen 1 with a video slide, and that slide.
fn video_slide(hall: &Hall) -> (NodeKey, usize) {
    let root = &hall.screen("1").unwrap().root;
    hall.nodes
        .subtree(root)
        .into_iter()
        .find_map(|node| {
            let i = node.slides.iter().position(|s| s.layout == Layout::Video)?;
            node.label.as_ref()?;
            Some((node.key().clone(), i))
        })
        .expect("the demo has a video slide on screen 1")
}

/// A JS condition: the slide on screen is an idle one (the attract loop).
const IDLE_FRAME: &str =
    "(() => { const f = [...document.querySelectorAll('#display .frame.shown')].pop(); return !!f && f.classList.contains('idle'); })()";

async fn send(
    ws: &mut (impl SinkExt<tokio_tungstenite::tungstenite::Message> + Unpin),
    cmd: Value,
) {
    let _ = ws
        .send(tokio_tungstenite::tungstenite::Message::Text(
            cmd.to_string().into(),
        ))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_display_outlives_the_server_and_resyncs_when_it_returns() {
    let (hall, data) = demo();
    let media = data.path().join("media");
    let server = Server::start("127.0.0.1:0".parse().unwrap(), &hall, 1, media.clone());
    let addr = server.addr;
    let browser = Browser::launch().await;
    let display = browser
        .open(&format!("http://{addr}/display/1"), 1920, 1080)
        .await;
    // Each in a window of its own, as on their own devices: neither is a background tab
    // whose timers the browser slows down.
    let tablet = browser
        .open_window(
            &format!(
                "http://{addr}/tablet/1?key={}",
                ekran_server::key::screen_key(KEY, "1")
            ),
            1280,
            800,
        )
        .await;
    display
        .wait_for(&shows(&hall, "1", 0, "kk", 1), 10, "the display at home")
        .await;

    // A guide goes to the video slide (a script tablet, for speed): offline, the video
    // comes from the cache in the byte ranges the player asks for.
    let (video_node, n) = video_slide(&hall);
    let (mut ws, _) = tokio_tungstenite::connect_async(format!(
        "ws://{addr}/ws/1?role=tablet&key={}",
        ekran_server::key::screen_key(KEY, "1")
    ))
    .await
    .unwrap();
    let go = serde_json::json!({"type": "go", "node": video_node.to_string()});
    send(&mut ws, go).await;
    send(&mut ws, serde_json::json!({"type": "slide", "n": n})).await;
    // Version 2 idles after 8 s (counted from that command, on the server and offline
    // alike) into an attract loop of two nodes, 2 s each.
    let mut quick = hall.clone();
    quick.screens[0].idle.seconds = 8;
    quick.screens[0].idle.attract = vec![node_key(&hall, "1.5"), node_key(&hall, "1.5.1")];
    quick.screens[0].idle.attract_seconds = 2;
    server.hub.switch(Arc::new(quick), 2);
    let label = hall.nodes.get(&video_node).unwrap().label.clone().unwrap();
    let slide = shows(&hall, label.as_str(), n, "kk", 2);
    display
        .wait_for(&slide, 10, "the display on the video slide")
        .await;
    // Kept: the worker controls the page (so its code is cached), the last state is
    // saved, and so is version 2's offline document with its media.
    display
        .wait_for(
            "(() => { const d = document.getElementById('display'); return !!navigator.serviceWorker.controller && d.dataset.saved === d.dataset.seq && d.dataset.offline === '2'; })()",
            10,
            "the display's offline copy",
        )
        .await;
    let title = hall.nodes.get(&video_node).unwrap().slides[n]
        .title
        .resolve(Lang::Kk, &hall.fallback)
        .unwrap()
        .to_owned();
    let text_on_screen = format!(
        "document.getElementById('display').innerText.replaceAll('\\u00ad', '').includes({})",
        serde_json::to_string(&title).unwrap()
    );
    assert_eq!(display.eval(&text_on_screen).await, Value::Bool(true));
    drop(ws);

    // The server goes away.
    server.stop().await;
    assert_eq!(
        display.eval(&slide).await,
        Value::Bool(true),
        "the server idled before it stopped (8 s after the last command): a very slow machine"
    );
    let kk = serde_json::to_string("Сервермен байланыс жоқ").unwrap();
    let ru = serde_json::to_string("Нет связи с сервером").unwrap();
    tablet
        .wait_for(
            &format!(
                "(() => {{ const n = document.getElementById('offline'); return !n.hidden && n.innerText.includes({kk}) && n.innerText.includes({ru}) && [...document.querySelectorAll('#app button')].every(b => b.disabled); }})()"
            ),
            10,
            "the tablet to say it is offline, in Kazakh and Russian, with every control disabled",
        )
        .await;
    std::fs::write(
        artifacts().join("tablet-offline.png"),
        tablet.screenshot().await,
    )
    .unwrap();

    // Reloaded with no server, the display shows the same slide, drawn with its font and
    // its pictures, all from the caches.
    // Nothing from the HTTP cache (its entries are fresh for 5 minutes): everything
    // must come from the worker's caches, as after a longer outage.
    display
        .call("Network.clearBrowserCache", serde_json::json!({}))
        .await
        .unwrap();
    display.reload().await;
    display
        .wait_for(
            &format!("{slide} && {text_on_screen}"),
            10,
            "the reloaded display on its slide",
        )
        .await;
    display
        .wait_for(
            "(() => { const v = document.querySelector('#display video'); return document.fonts.status === 'loaded' && [...document.fonts].some(f => f.family.includes('Ekran Sans') && f.status === 'loaded') && [...document.querySelectorAll('#display img')].every(i => i.complete && i.naturalWidth > 0) && !!v && v.readyState >= 2 && !v.error && document.getAnimations().every(a => a.playState !== 'running' || a.effect?.getTiming?.().iterations === Infinity); })()",
            10,
            "the font, pictures and video from the cache, faded in",
        )
        .await;
    std::fs::write(
        artifacts().join("display-offline.png"),
        display.screenshot().await,
    )
    .unwrap();

    // The idle loop runs on: 8 s after the last command, the attract nodes by turns.
    for label in ["1.5", "1.5.1", "1.5"] {
        display
            .wait_for(
                &format!("{} && {IDLE_FRAME}", shows(&hall, label, 0, "kk", 2)),
                15,
                &format!("the offline attract loop at {label}"),
            )
            .await;
    }

    // The server comes back on the same port (version 3, every screen at home): the
    // display has the server's state, and a tap on the tablet reaches it.
    for page in [&display, &tablet] {
        assert_eq!(
            page.eval("document.visibilityState").await,
            "visible",
            "a hidden page's timers are slowed down: not what a hall's devices see"
        );
    }
    let back = Server::start(addr, &hall, 3, media);
    let t0 = Instant::now();
    display
        .wait_within(
            &format!(
                "{} && document.getElementById('conn-dot').dataset.state === 'open'",
                shows(&hall, "1", 0, "kk", 3)
            ),
            RESYNC,
            "the display to resync after the server's return",
        )
        .await;
    let resync = t0.elapsed();
    let tile = format!(".tile[data-node=\"{}\"]", key(&hall, "1.5"));
    tablet.click(&tile).await;
    let tapped = t0.elapsed();
    display
        .wait_within(
            &shows(&hall, "1.5", 0, "kk", 3),
            RESYNC.saturating_sub(t0.elapsed()),
            "the tap to reach the display after the server's return",
        )
        .await;
    let reached = t0.elapsed();
    println!(
        "server back: display resynced after {} ms, tablet tapped at {} ms, display showed the tap at {} ms",
        resync.as_millis(),
        tapped.as_millis(),
        reached.as_millis()
    );

    // The worker keeps the display's code and content only: never the tablet (whose
    // link carries the key), the admin or the API, and it controls no tablet.
    let kept = display
        .eval("(async () => { const out = []; for (const n of await caches.keys()) for (const r of await (await caches.open(n)).keys()) out.push(n + ' ' + new URL(r.url).pathname + new URL(r.url).search); return out; })()")
        .await;
    let kept: Vec<&str> = kept
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(kept.contains(&"ekran-content /display/1/state"), "{kept:?}");
    assert!(
        kept.contains(&"ekran-content /display/1/offline"),
        "{kept:?}"
    );
    assert!(
        kept.iter()
            .any(|k| k.starts_with("ekran-code-") && k.ends_with(" /display/1")),
        "{kept:?}"
    );
    for k in &kept {
        let (cache, path) = k.split_once(' ').unwrap();
        assert!(
            cache == "ekran-content" || cache.starts_with("ekran-code-"),
            "{k}"
        );
        for secret in ["/tablet", "/admin", "/api", "/ws", "key="] {
            assert!(!path.contains(secret), "{k}");
        }
    }
    assert_eq!(
        tablet
            .eval("navigator.serviceWorker.controller === null")
            .await,
        Value::Bool(true),
        "no worker controls a tablet"
    );
    let errors = browser.console_errors.lock().unwrap().clone();
    assert!(errors.is_empty(), "console errors: {errors:?}");
    back.stop().await;
}

fn artifacts() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The pure rules in `static/js/offline.js` and `live.js`, run in the browser they are
/// written for: what the worker handles, byte ranges, what is kept, the offline idle
/// loop and the reconnect delays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_rules_and_a_code_cache_per_build() {
    let (hall, data) = demo();
    let server = Server::start(
        "127.0.0.1:0".parse().unwrap(),
        &hall,
        1,
        data.path().join("media"),
    );
    let browser = Browser::launch().await;
    let page = browser
        .open(&format!("http://{}/display/1", server.addr), 800, 600)
        .await;
    page.wait_for(
        "document.getElementById('display').dataset.node !== ''",
        10,
        "the display",
    )
    .await;
    let failures = page.eval(RULES).await;
    assert_eq!(failures, serde_json::json!([]), "offline rules");

    // The worker of a new build keeps its code under its build and drops any other
    // build's: a stale cache left, the worker gone, the page loaded again.
    page.wait_for("!!navigator.serviceWorker.controller", 10, "the worker")
        .await;
    page.eval("(async () => { await (await caches.open('ekran-code-0ld')).put('/static/js/display.js', new Response('old')); await (await navigator.serviceWorker.getRegistration('/display/')).unregister(); })()")
        .await;
    page.reload().await;
    page.wait_for("!!navigator.serviceWorker.controller", 10, "the new worker")
        .await;
    let worker = page.eval("fetch('/sw.js').then((r) => r.text())").await;
    let build = worker
        .as_str()
        .unwrap()
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("const BUILD = \""))
        .and_then(|l| l.strip_suffix("\";"))
        .expect("the worker starts with its build");
    assert_eq!(build, ekran_server::pages::build_id());
    // Only there, never cached by the HTTP cache (a new build must be seen at once).
    let served = page
        .eval("Promise.all([fetch('/sw.js').then((r) => r.headers.get('cache-control')), fetch('/static/sw.js').then((r) => r.status)])")
        .await;
    assert_eq!(served, serde_json::json!(["no-cache", 404]));
    let mut names = page.eval("caches.keys()").await;
    names.as_array_mut().unwrap().sort_by_key(|v| v.to_string());
    assert_eq!(
        names,
        serde_json::json!([format!("ekran-code-{build}"), "ekran-content"])
    );
    server.stop().await;
}

const RULES: &str = r#"(async () => {
  const o = await import('/static/js/offline.js');
  const { retryDelay } = await import('/static/js/live.js');
  const bad = [];
  const eq = (what, got, want) => {
    const s = (v) => JSON.stringify(v, (k, x) => (x === Infinity ? 'Infinity' : x));
    if (s(got) !== s(want)) bad.push(`${what}: got ${s(got)}, want ${s(want)}`);
  };

  // Only a display's page, code and media; never tablets, the admin, the API, previews.
  for (const [path, kind] of [
    ['/display/1', 'page'], ['/display/%D0%90', 'page'], ['/static/js/display.js', 'code'],
    ['/static/fonts/ekran-sans-bold.woff2', 'code'], ['/media/demo/a.svg', 'media'], ['/maps/kz', 'media'],
    ['/display/1/offline', null], ['/display/1/state', null], ['/tablet/1', null],
    ['/admin', null], ['/admin/', null], ['/api/screens', null], ['/ws/1', null],
    ['/preview/display/1', null], ['/healthz', null], ['/sw.js', null], ['/', null],
  ]) eq(`kindOf ${path}`, o.kindOf(path), kind);
  eq('code cache', [o.isCodeCache('ekran-code-0123'), o.isCodeCache(o.CONTENT)], [true, false]);

  // Byte ranges of a cached 1000-byte video.
  for (const [h, want] of [
    ['bytes=0-99', { start: 0, end: 99 }], ['bytes=500-', { start: 500, end: 999 }],
    ['bytes=-100', { start: 900, end: 999 }], ['bytes=0-5000', { start: 0, end: 999 }],
    ['bytes=1000-', null], ['bytes=5-4', null], ['bytes=0-1,5-6', null], ['items=0-1', null],
    ['bytes=-', null],
  ]) eq(`range ${h}`, o.parseRange(h, 1000), want);

  // Media of a state, and what is kept: those of offline documents and last states.
  const st = (id, extra = {}) => ({ type: 'state', idle: false, node: { id, logo: '/media/logo.svg' }, slide: null, children: [], ...extra });
  eq('mediaOf', o.mediaOf(st('a', { slide: { image: '/media/a.png', video: '/media/v.webm' }, children: [{ image: '/media/t.png' }, { image: null }, { image: 'http://x/media/y.png' }] })),
    ['/media/logo.svg', '/media/a.png', '/media/v.webm', '/media/t.png']);
  eq('mediaOf nothing', o.mediaOf(null), []);
  eq('mediaOf a map', o.mediaOf(st('m', { map: { src: '/maps/kz', active: 'KZ-75', links: [] } })), ['/media/logo.svg', '/maps/kz']);
  const H = st('home', { idle: true });
  const A = st('a', { idle: true, slide: { image: '/media/a.png' } });
  const B = st('b', { idle: true, slide: { video: '/media/b.webm' } });
  const doc = { type: 'offline', version: 2, idle: { seconds: 10, attract_seconds: 5 }, home: H, attract: [A, B] };
  eq('kept', [...o.keptMedia([doc, { state: st('c', { children: [{ image: '/media/c.png' }] }), at: 0 }, null])].sort(),
    ['/media/a.png', '/media/b.webm', '/media/c.png', '/media/logo.svg']);

  // The idle loop offline, by the server's rules.
  const at = (last, now) => { const r = o.idleAt(doc, last, 0, now); return [r.state && r.state.node.id, r.until]; };
  const C = st('c');
  eq('busy', at(C, 9999), [null, 10000]);
  eq('goes idle', at(C, 10000), ['a', 15000]);
  eq('next', at(C, 15000), ['b', 20000]);
  eq('loops', at(C, 20001), ['a', 25000]);
  eq('a day later', at(C, 10000 + 86400000 + 5000), ['b', 10000 + 86400000 + 10000]);
  eq('idle at a: not yet', at(A, 4999), [null, 5000]);
  eq('idle at a: then b', at(A, 5000), ['b', 10000]);
  eq('idle at b: then a', at(B, 5000), ['a', 10000]);
  eq('idle at home: the loop', at(H, 5000), ['a', 10000]);
  const noLoop = { ...doc, attract: [] };
  const plain = (last, now) => { const r = o.idleAt(noLoop, last, 0, now); return [r.state && r.state.node.id, r.until]; };
  eq('home after idle', plain(C, 10000), ['home', Infinity]);
  eq('idle at home stays', plain(H, 99999), [null, Infinity]);

  // Same file, by length and modification.
  const hd = (o2) => new Headers(o2);
  eq('same file', [
    o.sameFile(hd({ 'content-length': '5', 'last-modified': 'x' }), hd({ 'content-length': '5', 'last-modified': 'x' })),
    o.sameFile(hd({ 'content-length': '5', 'last-modified': 'x' }), hd({ 'content-length': '6', 'last-modified': 'x' })),
    o.sameFile(hd({ 'content-length': '5', 'last-modified': 'x' }), hd({ 'content-length': '5', 'last-modified': 'y' })),
  ], [true, false, false]);

  // Reconnect delays: 125-250 ms at first, never over 1 s.
  eq('first retry', [retryDelay(0, () => 0), retryDelay(0, () => 1)], [125, 250]);
  eq('second retry', [retryDelay(1, () => 0), retryDelay(1, () => 1)], [250, 500]);
  eq('capped', [retryDelay(3, () => 0), retryDelay(3, () => 1), retryDelay(50, () => 1)], [500, 1000, 1000]);
  let worst = 0;
  for (let i = 0; i < 100; i++) worst = Math.max(worst, retryDelay(i));
  eq('never over 1 s', worst <= 1000, true);
  return bad;
})()"#;
