//! The live channel: one WebSocket per page. Each connection runs one task that reads
//! commands (tablets only), answers them, and pings; the screen's states are written to
//! every page by the screen's writer (`wire.rs`: framed once, latest only for a page
//! that lags). When the server shuts down, every page is sent a close frame (1001,
//! going away) and reconnects.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::Response;
use ekran_live::{command, view, Applied, Session};
use serde::Deserialize;
use tokio::sync::{mpsc, watch};
use tokio::time::{interval, timeout, Instant, MissedTickBehavior};

use crate::wire::{self, Incoming, ReadError, Socket};

use crate::devices::{Bucket, DeviceLinks, Signal};

use crate::error::AppError;
use crate::log_budget::LogBudgets;
use crate::metrics::Metrics;
use crate::push::{PageTally, PushClock};
use crate::reports::{DisplayReport, PageReports};
use crate::AppState;

/// How often the server pings, and how long a silent client may stay connected.
#[derive(Debug, Clone, Copy)]
pub struct Liveness {
    /// Interval between pings.
    pub ping_every: Duration,
    /// A client silent (no pong, no message) for longer is closed.
    pub dead_after: Duration,
}

impl Default for Liveness {
    /// A dead tablet or display is noticed within 15-20 seconds.
    fn default() -> Self {
        Liveness {
            ping_every: Duration::from_secs(5),
            dead_after: Duration::from_secs(15),
        }
    }
}
/// A page whose socket takes no byte for longer is stuck: it is dropped (checked at
/// each ping, so within this plus [`Liveness::ping_every`]; a page that reads nothing
/// cannot answer pings either, so [`Liveness`] drops it within `dead_after` plus
/// `ping_every` in any case).
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the close frame of a shutdown may take to send.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(1);
/// RFC 6455 "going away": the server is shutting down; pages reconnect.
const GOING_AWAY: u16 = 1001;

/// Pages connected per screen, counted by each connection's task (one increment when
/// it starts, one decrement when it ends, however it ends).
#[derive(Debug, Default)]
pub struct Connections {
    screens: Mutex<HashMap<String, Arc<Counts>>>,
}

#[derive(Debug, Default)]
struct Counts {
    displays: AtomicUsize,
    tablets: AtomicUsize,
    /// Times the screen's pushes (`ekran_push_seconds`).
    clock: Arc<PushClock>,
}

impl Counts {
    fn of(&self, role: Role) -> &AtomicUsize {
        match role {
            Role::Display => &self.displays,
            Role::Tablet => &self.tablets,
        }
    }
}

/// One counted page of a live screen; uncounted when dropped. Feeds the screen's
/// metrics: commands, refusals, push latency.
pub(crate) struct Page {
    counts: Arc<Counts>,
    role: Role,
    metrics: Arc<Metrics>,
}

impl Page {
    /// Counts each state fully written to this page in the screen's push latency, from
    /// now until the page's outbox is gone.
    fn tally(&self) -> Box<dyn wire::Tally> {
        let clock = self.counts.clock.clone();
        Box::new(PageTally::join(clock, self.metrics.push_seconds.clone()))
    }
}

impl Drop for Page {
    fn drop(&mut self) {
        self.counts.of(self.role).fetch_sub(1, Ordering::Relaxed);
    }
}

impl Connections {
    /// (displays, tablets) connected to `screen` now.
    pub fn count(&self, screen: &str) -> (usize, usize) {
        let screens = self.screens.lock().unwrap_or_else(|e| e.into_inner());
        screens.get(screen).map_or((0, 0), |c| {
            (
                c.displays.load(Ordering::Relaxed),
                c.tablets.load(Ordering::Relaxed),
            )
        })
    }

    fn enter(&self, screen: &str, role: Role, metrics: Arc<Metrics>) -> Page {
        let mut screens = self.screens.lock().unwrap_or_else(|e| e.into_inner());
        let counts = screens.entry(screen.to_owned()).or_default().clone();
        drop(screens);
        counts.of(role).fetch_add(1, Ordering::Relaxed);
        Page {
            counts,
            role,
            metrics,
        }
    }
}

/// Who connects: displays only read; tablets (with the key) send commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// A big screen.
    Display,
    /// A tablet beside it.
    Tablet,
}

impl Role {
    fn name(self) -> &'static str {
        match self {
            Role::Display => "display",
            Role::Tablet => "tablet",
        }
    }
}

/// The query of `/ws/{screen}`: `role=display` or `role=tablet`, and `key=KEY` (the
/// screen's key, [`crate::key::screen_key`]) for scripts.
#[derive(Deserialize)]
pub struct Params {
    role: Role,
    #[serde(default)]
    key: Option<String>,
}

/// The device-token cookie of a paired display or tablet.
pub const DEVICE_COOKIE: &str = "ekran_device";

/// Who a live connection is, once let in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// A paired device (by id).
    Device(i64),
    /// A script with the screen's key.
    Key,
    /// A display in open mode (no pairing needed to show).
    Open,
}

/// `GET /ws/{screen}`: upgrades to the live channel. 404 for a screen never known (a
/// removed one connects and gets the `removed` message); 403 for a foreign `Origin`,
/// and for a page that may not show (display) or drive (tablet) this screen: a paired
/// device of this screen and role (its `ekran_device` cookie), the screen's key, or,
/// for displays in open mode, anyone; 400 for a bad role.
pub async fn upgrade(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(screen): Path<String>,
    Query(p): Query<Params>,
    headers: HeaderMap,
    ws: wire::Upgrade,
) -> Result<Response, AppError> {
    crate::origin::check_ws(&headers)?;
    // A removed screen still has its session: its pages connect and are told so.
    let session = state
        .hub
        .session(&screen)
        .ok_or_else(|| AppError::NotFound(format!("screen {screen}")))?;
    let access = authorize(&state, &screen, p.role, p.key.as_deref(), &headers).await?;
    if let Access::Device(id) = access {
        // Where and when it connected, before the first state goes out (a busy store
        // skips it; a failure only loses the note).
        let ua = headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let address = peer.ip().to_canonical().to_string();
        if let Err(e) = crate::api::core(&state, move |c| {
            c.touch_device(id, Some(&address), ua.as_deref())
        })
        .await
        {
            tracing::warn!("device {id}: could not record its connection: {e}");
        }
    }
    let role = p.role;
    let wiring = Wiring::of(&state);
    let connections = state.connections.clone();
    let links = state.device_links.clone();
    let metrics = state.metrics.clone();
    let budgets = state.log_budgets.clone();
    Ok(ws.on_upgrade(move |socket| async move {
        let mut page = connections.enter(session.id(), role, metrics.clone());
        let mut registration = match access {
            Access::Device(id) => Some(links.register(id)),
            _ => None,
        };
        let control = Control {
            signals: registration.as_mut().map(|r| &mut r.signals),
            limit: match access {
                Access::Device(id) => Limit::Device(&links, id),
                _ => Limit::Connection(Bucket::default()),
            },
        };
        let since = Instant::now();
        // The connection's two lines, both or neither: a client connecting in a loop
        // cannot fill the log (the minute's summary counts what was left out).
        let page_name = format!("{} of screen {}", role.name(), session.id());
        let connected = format!("{page_name} connected from {peer}");
        let logged =
            budgets
                .pages
                .admit(&page_name, || connected.clone(), std::time::Instant::now());
        if logged {
            tracing::info!("{connected}");
        }
        let ended = serve(socket, &session, role, wiring, Some(&mut page), control).await;
        let after = humane(since.elapsed());
        if ended.is_err() {
            metrics.errors.with_label_values(&["websocket"]).inc();
        }
        match ended {
            _ if !logged => {}
            Ok(()) => tracing::info!("{page_name} at {peer} disconnected after {after}"),
            Err(e) => tracing::info!("{page_name} at {peer} dropped after {after}: {e}"),
        }
    }))
}

/// Whether this page may show (display) or drive (tablet) `screen`.
pub(crate) async fn authorize(
    state: &AppState,
    screen: &str,
    role: Role,
    key: Option<&str>,
    headers: &HeaderMap,
) -> Result<Access, AppError> {
    if let Some(token) =
        crate::api::auth::cookie(headers, DEVICE_COOKIE).filter(|t| crate::api::auth::plausible(t))
    {
        if state.core.is_some() {
            let device = crate::api::core(state, move |c| c.device_for_token(&token))
                .await
                .map_err(|e| AppError::Unavailable(e.to_string()))?;
            if let Some(d) = device {
                if d.screen != screen {
                    return Err(AppError::Forbidden(format!(
                        "this device is paired with screen {}, not {screen}",
                        d.screen
                    )));
                }
                if d.role.as_str() != role.name() {
                    return Err(AppError::Forbidden(format!(
                        "this device is paired as a {}, not a {}",
                        d.role,
                        role.name()
                    )));
                }
                return Ok(Access::Device(d.id));
            }
        }
    }
    if let Some(k) = key.filter(|k| !k.is_empty()) {
        if crate::key::matches(&crate::key::screen_key(&state.key, screen), k) {
            return Ok(Access::Key);
        }
        return Err(AppError::Forbidden(format!(
            "wrong key for screen {screen}"
        )));
    }
    if role == Role::Display && state.open_displays {
        return Ok(Access::Open);
    }
    Err(AppError::Forbidden(match role {
        Role::Display => format!("this display is not paired: open /display/{screen} in its browser to get a pairing code"),
        Role::Tablet => format!("this tablet is not paired: open /tablet/{screen} in its browser to get a pairing code"),
    }))
}

/// What a connection is told by the server besides states, and how fast it may send.
pub(crate) struct Control<'a> {
    /// Signals for a paired device's connection.
    pub signals: Option<&'a mut mpsc::UnboundedReceiver<Signal>>,
    /// The rate limit of its commands.
    pub limit: Limit<'a>,
}

impl Control<'_> {
    /// No signals; a bucket of its own (preview pages).
    pub fn none() -> Control<'static> {
        Control {
            signals: None,
            limit: Limit::Connection(Bucket::default()),
        }
    }
}

/// Whose bucket a command is counted in.
pub(crate) enum Limit<'a> {
    /// The device's, shared by all its connections.
    Device(&'a DeviceLinks, i64),
    /// This connection's own.
    Connection(Bucket),
}

impl Limit<'_> {
    fn allow(&mut self) -> bool {
        match self {
            Limit::Device(links, id) => links.allow_command(*id),
            Limit::Connection(b) => b.allow(),
        }
    }
}

/// Waits for the next signal, or forever when there are none.
async fn next_signal(signals: &mut Option<&mut mpsc::UnboundedReceiver<Signal>>) -> Signal {
    match signals {
        Some(rx) => match rx.recv().await {
            Some(s) => s,
            // Unregistered (the device was forgotten): as good as revoked.
            None => Signal::Close,
        },
        None => std::future::pending().await,
    }
}

/// The close code telling a device page it was revoked (or moved): pair again.
pub const CLOSE_REVOKED: u16 = 4001;

/// "3 s", "12 min", "5 h": how long a page was connected, for the log.
fn humane(d: Duration) -> String {
    match d.as_secs() {
        s if s < 120 => format!("{s} s"),
        s if s < 2 * 3600 => format!("{} min", s / 60),
        s => format!("{} h", s / 3600),
    }
}

/// What a live connection takes from the server's state.
pub(crate) struct Wiring {
    live: Liveness,
    /// Turns true when the server stops.
    stopping: watch::Receiver<bool>,
    audiences: Arc<wire::Audiences>,
    /// The server's budgets of log lines.
    budgets: Arc<LogBudgets>,
}

impl Wiring {
    pub(crate) fn of(state: &AppState) -> Wiring {
        Wiring {
            live: state.liveness,
            stopping: state.stopping.subscribe(),
            audiences: state.audiences.clone(),
            budgets: state.log_budgets.clone(),
        }
    }
}

/// Serves one connection on `session` (live, counted as `page`, or preview) until it
/// ends or the server stops (`wiring`) (the server shuts down: the page is sent a close frame).
pub(crate) async fn serve(
    mut socket: Socket,
    session: &Session,
    role: Role,
    wiring: Wiring,
    page: Option<&mut Page>,
    mut control: Control<'_>,
) -> Result<(), String> {
    let Wiring {
        live,
        mut stopping,
        audiences,
        budgets,
    } = wiring;
    let mut reports = PageReports::new(budgets);
    if *stopping.borrow_and_update() {
        return close(socket).await;
    }
    let page = page.as_deref();
    if let Some(p) = page {
        socket.outbox.set_tally(p.tally());
    }
    // The full current state (or the `removed` notice) first, always; then the
    // screen's writer offers every newer one (only the latest when the page lags; hall
    // switches come the same way: the connection stays).
    let seat = audiences.join(session, &socket.outbox);
    let mut ping = interval(live.ping_every);
    ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
    ping.tick().await;
    let mut last_heard = Instant::now();
    let mut inflow = wire::Inflow::default();
    loop {
        // A fragmented message must be whole within `dead_after` of its first fragment.
        let unfinished = socket
            .reader
            .unfinished_since()
            .map(|t| t + live.dead_after);
        tokio::select! {
            _ = socket.outbox.ready() => {
                match timeout(SEND_TIMEOUT, socket.flush()).await {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => return Err(e.to_string()),
                    Err(_) => return Err("send timed out".into()),
                }
            }
            signal = next_signal(&mut control.signals) => match signal {
                Signal::Close => return end(socket, CLOSE_REVOKED, "revoked").await,
                Signal::Reload => socket
                    .outbox
                    .push_control(wire::text(br#"{"type":"reload"}"#), false),
            },
            _ = stopping.changed() => return close(socket).await,
            // Not while the page's answers pile up unsent, nor faster than its bucket
            // allows (cancel-safe: a frame half read is kept and resumed).
            _ = tokio::time::sleep_until(inflow.due()), if !inflow.open() => {}
            _ = tokio::time::sleep_until(unfinished.unwrap_or_else(Instant::now)), if unfinished.is_some() => {
                let why = "a fragmented message was not finished in time";
                let _ = end(socket, 1008, why).await;
                return Err(why.into());
            }
            msg = socket.reader.next(), if socket.outbox.takes_input() && inflow.open() => {
                inflow.took();
                let msg = match msg {
                    Ok(Some(m)) => m,
                    Ok(None) => return Ok(()),
                    Err(ReadError::Io(e)) => return Err(e.to_string()),
                    Err(ReadError::Protocol(code, why)) => {
                        end(socket, code, why).await?;
                        return Err(why.into());
                    }
                };
                last_heard = Instant::now();
                let reply = match msg {
                    Incoming::Text(t) => {
                        handle(session, role, &t, page, &mut control.limit, &mut reports)
                    }
                    Incoming::Binary => Some(view::render_error(None, "bad_json", "binary frames are not commands")),
                    Incoming::Close(code) => return end(socket, code.unwrap_or(1000), "").await,
                    Incoming::Ping(p) => {
                        socket.outbox.push_control(wire::pong(&p), false);
                        None
                    }
                    Incoming::Pong | Incoming::Fragment => None,
                };
                if let Some(r) = reply {
                    socket.outbox.push_control(wire::text(r.as_bytes()), false);
                }
                // A command (or a display's page count) that changed the screen goes out
                // from here at once.
                seat.catch_up(session);
            }
            _ = ping.tick() => {
                if last_heard.elapsed() > live.dead_after {
                    let _ = end(socket, 1000, "no answer to pings").await;
                    return Err("no answer to pings".into());
                }
                if socket.outbox.stalled_for() > SEND_TIMEOUT {
                    return Err("send timed out: the page takes nothing".into());
                }
                socket.outbox.push_control(wire::ping(), false);
            }
        }
    }
}

/// Sends a close frame (after what is queued, briefly; not at all to a page whose socket
/// takes nothing) and ends the connection.
async fn end(mut socket: Socket, code: u16, reason: &str) -> Result<(), String> {
    socket.outbox.push_control(wire::close(code, reason), true);
    if socket.outbox.stalled_for().is_zero() {
        let _ = socket.drain(CLOSE_TIMEOUT).await;
    }
    Ok(())
}

/// Tells the page the server is going away, and ends the connection.
async fn close(socket: Socket) -> Result<(), String> {
    end(
        socket,
        GOING_AWAY,
        "the server is shutting down; reconnect shortly",
    )
    .await
}

/// Applies one text frame; returns the error reply, if any. Accepted commands reach this
/// client through the state broadcast like everyone else. A live page (`page`) counts
/// the command, its refusal and the push it causes in the metrics; `limit` drops
/// commands over the device's rate.
fn handle(
    session: &Session,
    role: Role,
    text: &str,
    page: Option<&Page>,
    limit: &mut Limit<'_>,
    reports: &mut PageReports,
) -> Option<String> {
    let arrived = std::time::Instant::now();
    let refuse = |id, code: &str, message: &str| {
        if let Some(p) = page {
            p.metrics
                .command_refusals
                .with_label_values(&[session.id(), code])
                .inc();
        }
        Some(view::render_error(id, code, message))
    };
    if role == Role::Display && text.len() <= command::MAX_COMMAND {
        match DisplayReport::parse(text) {
            Some(Ok(report)) => {
                if limit.allow() {
                    let device = match limit {
                        Limit::Device(links, id) => Some((*links, *id)),
                        Limit::Connection(_) => None,
                    };
                    let failures = page.map(|p| &p.metrics.media_failures);
                    reports.take(session, report, failures, device);
                }
                return None;
            }
            Some(Err(why)) => return refuse(None, "bad_json", &why),
            None => {}
        }
    }
    let (id, cmd) = match command::parse(text) {
        Ok(v) => v,
        Err((id, r)) => return refuse(id, r.code, &r.message),
    };
    if role == Role::Display {
        return refuse(id, "forbidden", "displays cannot send commands");
    }
    if !limit.allow() {
        return refuse(
            id,
            "rate_limited",
            "too many commands; this one was dropped",
        );
    }
    let push = page.map(|p| {
        p.metrics.commands.with_label_values(&[session.id()]).inc();
        p.counts.clock.start(session.current().seq, arrived)
    });
    let applied = session.apply(id, &cmd);
    if let (Some(p), Some(push)) = (page, push) {
        if !matches!(applied, Ok(Applied::Changed(_))) {
            p.counts.clock.cancel(push);
        }
    }
    match applied {
        Ok(Applied::Changed(_)) => None,
        // The sender learns that its command was taken even though no state follows.
        Ok(Applied::Unchanged) => id.map(|id| view::render_ack(id, session.current().seq)),
        Err(r) => refuse(id, r.code, &r.message),
    }
}
