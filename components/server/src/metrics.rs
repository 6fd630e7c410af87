//! Prometheus metrics (`GET /metrics`) on a registry owned by the server's state, and
//! who may read them. Documented in `docs/api.md`.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus::{
    Encoder, Gauge, Histogram, HistogramOpts, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
    TextEncoder,
};

use crate::AppState;

/// Who may read `/metrics` ([`AppState::metrics_access`]).
#[derive(Debug, Clone, Default)]
pub enum MetricsAccess {
    /// `/metrics` answers 404.
    Off,
    /// Clients on the server itself (loopback) only. The default.
    #[default]
    Local,
    /// Clients presenting `Authorization: Bearer TOKEN`, wherever they are (behind a
    /// reverse proxy every client looks local, so the loopback rule would not hold).
    Token(Arc<str>),
}

/// `reason` values of `ekran_refusals_total`.
const REFUSALS: [&str; 6] = [
    "connections_per_address",
    "connections_total",
    "tls_handshake",
    "auth",
    "rate_limit",
    "too_large",
];
/// `kind` values of `ekran_errors_total`.
const ERRORS: [&str; 3] = ["http", "accept", "websocket"];

/// Every metric the server exports. The instruments are cheap to update (atomics).
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    started: Instant,
    /// `ekran_devices_online{screen, role}`: pages connected now (set when scraped).
    devices: IntGaugeVec,
    /// `ekran_commands_total{screen}`: tablet commands received.
    pub(crate) commands: IntCounterVec,
    /// `ekran_command_refusals_total{screen, code}`: commands refused (malformed, not
    /// allowed, unknown node…), by the error code the tablet was sent.
    pub(crate) command_refusals: IntCounterVec,
    /// `ekran_push_seconds`: from a command's arrival until every page of its screen
    /// has been sent the new state.
    pub(crate) push_seconds: Histogram,
    /// `ekran_refusals_total{reason}`: connections and requests refused.
    pub(crate) refusals: IntCounterVec,
    /// `ekran_errors_total{kind}`: server errors (5xx answers, failed accepts, live
    /// connections ended by an error).
    pub(crate) errors: IntCounterVec,
    /// `ekran_connections_open`: TCP connections open now (HTTP and WebSocket).
    pub(crate) connections_open: IntGauge,
    /// `ekran_media_failures_total{screen, kind}`: pictures and videos displays could
    /// not show, as they reported them.
    pub(crate) media_failures: IntCounterVec,
    live_version: IntGauge,
    uptime: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        // Fixed, valid and distinct names and labels (checked by a unit test).
        Metrics::try_new().expect("the metric definitions are valid")
    }
}

impl Metrics {
    fn try_new() -> Result<Metrics, prometheus::Error> {
        let registry = Registry::new();
        let devices = IntGaugeVec::new(
            Opts::new(
                "ekran_devices_online",
                "Pages connected now, by screen and role",
            ),
            &["screen", "role"],
        )?;
        let commands = IntCounterVec::new(
            Opts::new("ekran_commands_total", "Tablet commands received"),
            &["screen"],
        )?;
        let command_refusals = IntCounterVec::new(
            Opts::new(
                "ekran_command_refusals_total",
                "Tablet commands refused, by the error code sent back",
            ),
            &["screen", "code"],
        )?;
        let push_seconds = Histogram::with_opts(
            HistogramOpts::new(
                "ekran_push_seconds",
                "Seconds from a command's arrival until every page of its screen was sent the new state",
            )
            .buckets(vec![
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
            ]),
        )?;
        let refusals = IntCounterVec::new(
            Opts::new(
                "ekran_refusals_total",
                "Connections and requests refused: connection caps, failed TLS handshakes, failed authorisation, rate limits, bodies too large",
            ),
            &["reason"],
        )?;
        let errors = IntCounterVec::new(
            Opts::new(
                "ekran_errors_total",
                "Server errors: 5xx answers, failed accepts, live connections ended by an error",
            ),
            &["kind"],
        )?;
        let connections_open = IntGauge::new(
            "ekran_connections_open",
            "TCP connections open now (HTTP and WebSocket)",
        )?;
        let media_failures = IntCounterVec::new(
            Opts::new(
                "ekran_media_failures_total",
                "Pictures and videos displays reported they could not show",
            ),
            &["screen", "kind"],
        )?;
        let live_version = IntGauge::new("ekran_live_version", "The live version's number")?;
        let uptime = Gauge::new("ekran_uptime_seconds", "Seconds since the server started")?;
        registry.register(Box::new(devices.clone()))?;
        registry.register(Box::new(commands.clone()))?;
        registry.register(Box::new(command_refusals.clone()))?;
        registry.register(Box::new(push_seconds.clone()))?;
        registry.register(Box::new(refusals.clone()))?;
        registry.register(Box::new(errors.clone()))?;
        registry.register(Box::new(connections_open.clone()))?;
        registry.register(Box::new(media_failures.clone()))?;
        registry.register(Box::new(live_version.clone()))?;
        registry.register(Box::new(uptime.clone()))?;
        // Present from the start at 0, so alerts on them need no special case.
        for r in REFUSALS {
            refusals.with_label_values(&[r]);
        }
        for e in ERRORS {
            errors.with_label_values(&[e]);
        }
        Ok(Metrics {
            registry,
            started: Instant::now(),
            devices,
            commands,
            command_refusals,
            push_seconds,
            refusals,
            errors,
            connections_open,
            media_failures,
            live_version,
            uptime,
        })
    }

    /// Seconds since the server started.
    pub fn uptime_s(&self) -> u64 {
        self.started.elapsed().as_secs()
    }

    /// The text exposition of every metric, with the gauges read from `state` now.
    pub fn render(&self, state: &AppState) -> Result<String, prometheus::Error> {
        self.devices.reset();
        for session in state.hub.sessions() {
            let (displays, tablets) = state.connections.count(session.id());
            let id = session.id();
            self.devices
                .with_label_values(&[id, "display"])
                .set(displays as i64);
            self.devices
                .with_label_values(&[id, "tablet"])
                .set(tablets as i64);
        }
        self.live_version.set(state.hub.version());
        self.uptime.set(self.started.elapsed().as_secs_f64());
        let mut out = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut out)?;
        String::from_utf8(out).map_err(|e| prometheus::Error::Msg(e.to_string()))
    }
}

/// Whether `ip` is this machine (also as an IPv4-mapped IPv6 address).
pub(crate) fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => a.is_loopback(),
        IpAddr::V6(a) => a.is_loopback() || a.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()),
    }
}

/// `GET /metrics`: the Prometheus text format. 404 when turned off; 401 for a client
/// [`MetricsAccess`] does not let in.
pub async fn metrics(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let allowed = match &state.metrics_access {
        MetricsAccess::Off => return crate::pages::not_found().await.into_response(),
        MetricsAccess::Local => is_loopback(peer.ip()),
        MetricsAccess::Token(token) => headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|given| crate::key::matches(token, given.trim())),
    };
    if !allowed {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "metrics: only from the server itself, or with the metrics token (see docs/api.md)\n",
        )
            .into_response();
    }
    match state.metrics.render(&state) {
        Ok(text) => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
                ),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            ],
            text,
        )
            .into_response(),
        Err(e) => {
            tracing::error!("metrics: {e}");
            (StatusCode::INTERNAL_SERVER_ERROR, "metrics failed\n").into_response()
        }
    }
}

/// Counts refusals and server errors by the status of every answer.
pub(crate) async fn count_answers(
    State(metrics): State<Arc<Metrics>>,
    req: Request,
    next: Next,
) -> Response {
    let response = next.run(req).await;
    let status = response.status();
    let refusal = match status.as_u16() {
        401 | 403 => Some("auth"),
        413 => Some("too_large"),
        429 => Some("rate_limit"),
        _ => None,
    };
    if let Some(r) = refusal {
        metrics.refusals.with_label_values(&[r]).inc();
    } else if status.is_server_error() {
        metrics.errors.with_label_values(&["http"]).inc();
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_definitions_are_valid() {
        Metrics::try_new().unwrap();
    }

    #[test]
    fn mapped_loopback_is_loopback() {
        assert!(is_loopback("::ffff:127.0.0.1".parse().unwrap()));
        assert!(is_loopback("::1".parse().unwrap()));
        assert!(!is_loopback("10.0.0.1".parse().unwrap()));
    }
}
