//! ekran's server: the hall page, display and tablet pages, media, and the live
//! WebSocket channel. Domain logic lives in `ekran-live` and `ekran-model`; this crate
//! only speaks HTTP. Switching to a newly published hall goes through [`AppState::hub`]
//! ([`Hub::switch`]); connections stay open across switches.
//!
//! [`launch_with_tcp_listener`] runs the accept loop of `listen.rs`: connection caps per
//! address and in total, header and idle timeouts ([`Limits`]), and a graceful shutdown
//! that tells live pages to reconnect; HTTPS with [`AppState::tls`] ([`Tls`]).
//! `/healthz` and `/metrics` ([`Metrics`]) are for the technician.

#![warn(missing_docs)]

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;

use axum::http::{header, HeaderValue};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use ekran_model::Hall;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

pub mod alerts;
pub mod api;
pub mod devices;
mod error;
mod gate;
pub mod health;
pub mod key;
mod listen;
mod log_budget;
mod maps;
mod media;
mod memory;
pub mod metrics;
mod origin;
pub mod pages;
pub mod preview;
mod push;
mod rate;
mod reports;
pub mod tls;
mod wire;
mod ws;

pub use ekran_live::{Hub, SavedPosition};
pub use error::AppError;
pub use listen::Limits;
pub use metrics::{Metrics, MetricsAccess};
pub use tls::{Tls, TlsError};
pub use wire::Audiences;
pub use ws::{Connections, Liveness};

/// Everything handlers share.
#[derive(Clone)]
pub struct AppState {
    /// The screen sessions. The binary calls [`Hub::switch`] when a new version is
    /// published and saves [`Hub::positions`] after [`Hub::changes`].
    pub hub: Arc<Hub>,
    /// The hall's control key (tablets present it).
    pub key: Arc<str>,
    /// The media library folder, served under `/media/`.
    pub media_dir: Arc<PathBuf>,
    /// Ping interval and dead-client timeout of live connections.
    pub liveness: Liveness,
    /// The use cases behind the JSON API (`/api/…`), on their own connections to the
    /// data directory; `None`: the API answers 503. Called only on blocking threads.
    pub core: Option<Arc<api::CorePool>>,
    /// Failed sign-ins, per name and address.
    pub throttle: Arc<api::throttle::Throttle>,
    /// One password check at a time (argon2 takes a core for tens of milliseconds):
    /// a burst of sign-ins never takes both cores from the live screens.
    pub hashing: Arc<tokio::sync::Semaphore>,
    /// Pages connected to each screen.
    pub connections: Arc<Connections>,
    /// The pages of each live or preview session, and the task writing its states to
    /// them; [`Audiences::largest_queue`] tells what they hold unsent.
    pub audiences: Arc<Audiences>,
    /// The working copy's preview sessions (`/preview/…`).
    pub previews: Arc<preview::Previews>,
    /// Whether any browser may show a screen without pairing (trusted networks; on
    /// with `serve --demo`). Tablets always need pairing or a screen's key.
    pub open_displays: bool,
    /// Device pages waiting for an admin to pair them.
    pub pairings: Arc<devices::Pairings>,
    /// Open connections of paired devices.
    pub device_links: Arc<devices::DeviceLinks>,
    /// When a device offline for long is alerted, and where to ([`alerts::spawn`]).
    pub alerts: Arc<alerts::Alerts>,
    /// The addresses (`http://host:port`) devices reach this server at, best first:
    /// `serve --public-url`, else the machine's non-loopback addresses. Links and QR
    /// codes are built from them, never from a request's `Host`. Empty: no QR codes.
    pub public_urls: Arc<Vec<String>>,
    /// Connection caps and timeouts of [`launch_with_tcp_listener`].
    pub limits: Limits,
    /// The registry behind `/metrics`, updated by the handlers.
    pub metrics: Arc<Metrics>,
    /// Who may read `/metrics`.
    pub metrics_access: MetricsAccess,
    /// The budgets of the log lines clients cause (connections, media reports).
    pub(crate) log_budgets: Arc<log_budget::LogBudgets>,
    /// Serve HTTPS (and WSS) with this certificate instead of plain HTTP; cookies then
    /// get `Secure`. `None`: plain HTTP (`Secure` only behind a TLS proxy that sends
    /// `X-Forwarded-Proto: https`).
    pub tls: Option<Tls>,
    /// What the media library accepts (`serve --max-picture-mb`, `--max-video-mb`).
    pub media_limits: ekran_core::media::MediaLimits,
    /// Turns true when the server shuts down: live connections close.
    pub stopping: Arc<tokio::sync::watch::Sender<bool>>,
}

impl AppState {
    /// Sessions for every screen of `hall` (published as `version`), put back where
    /// `restored` says they were (see [`Hub::new`]), with idle timers running on the
    /// current tokio runtime.
    ///
    /// # Panics
    /// Outside a tokio runtime.
    pub fn new(
        hall: Arc<Hall>,
        version: i64,
        restored: Vec<SavedPosition>,
        key: String,
        media_dir: PathBuf,
    ) -> AppState {
        let hub = Hub::new(hall, version, restored);
        hub.spawn_idle_timers();
        AppState {
            hub,
            key: key.into(),
            media_dir: Arc::new(media_dir),
            liveness: Liveness::default(),
            core: None,
            throttle: Arc::default(),
            hashing: Arc::new(tokio::sync::Semaphore::new(1)),
            connections: Arc::default(),
            audiences: Arc::default(),
            previews: Arc::default(),
            open_displays: false,
            pairings: Arc::default(),
            device_links: Arc::default(),
            alerts: Arc::default(),
            public_urls: Arc::default(),
            limits: Limits::default(),
            metrics: Arc::default(),
            metrics_access: MetricsAccess::default(),
            log_budgets: Arc::default(),
            tls: None,
            media_limits: ekran_core::media::MediaLimits::default(),
            stopping: Arc::new(tokio::sync::watch::channel(false).0),
        }
    }

    /// The same state with the JSON API served by `core` and more connections like it
    /// ([`api::PoolSettings::default`]; see [`AppState::core`]).
    pub fn with_core(self, core: ekran_core::Core) -> AppState {
        self.with_core_pool(api::CorePool::new(core, api::PoolSettings::default()))
    }

    /// The same state with the JSON API served by `pool`.
    pub fn with_core_pool(mut self, pool: api::CorePool) -> AppState {
        self.core = Some(Arc::new(pool));
        self
    }
}

/// Pages are same-origin only: no script, style, font or media from anywhere else, which
/// also keeps a hall from depending on the internet.
const CSP: &str =
    "default-src 'self'; img-src 'self' data:; media-src 'self'; connect-src 'self'; \
    style-src 'self'; script-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
    frame-ancestors 'none'; form-action 'self'";

/// [`CSP`] for a page this origin's own pages may frame (the editor's slide preview,
/// `/preview/slide`); the handler sets it, and the router's layer keeps it.
pub(crate) const CSP_FRAMED: &str =
    "default-src 'self'; img-src 'self' data:; media-src 'self'; connect-src 'self'; \
    style-src 'self'; script-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
    frame-ancestors 'self'; form-action 'self'";

/// All routes: `/` (hall page), `/display/{screen}` (and its `/offline` document and
/// service worker `/sw.js`), `/tablet/{screen}`, `/ws/{screen}`,
/// `/admin` (the admin shell), `/preview/{display,tablet}/{screen}`, `/preview/slide` and
/// `/ws/preview/{screen}` (the working copy, for staff), `/static/…`, `/media/…`,
/// `/maps/{id}` (region maps), `/healthz`, `/metrics`. Every answer is counted in the metrics (refusals, errors).
pub fn router(state: AppState) -> Router {
    // ServeDir decodes the path and refuses `..`, so a request cannot leave the library;
    // the guard refuses hidden files (any segment starting with a dot).
    let media = ServeDir::new(state.media_dir.as_ref())
        .append_index_html_on_directories(false)
        .not_found_service(axum::handler::HandlerWithoutStateExt::into_service(
            pages::not_found,
        ));
    Router::new()
        .route("/", get(pages::index))
        .route("/display/{screen}", get(pages::display))
        .route("/display/{screen}/offline", get(pages::offline))
        .route("/sw.js", get(pages::service_worker))
        .route("/favicon.ico", get(pages::favicon))
        .route("/tablet/{screen}", get(pages::tablet))
        .route("/ws/{screen}", get(ws::upgrade))
        .route("/static/{*path}", get(pages::static_file))
        .route("/admin", get(pages::admin))
        .route("/admin/", get(pages::admin))
        .route("/admin/{*rest}", get(pages::not_found))
        .route("/preview/display/{screen}", get(preview::display))
        .route("/preview/tablet/{screen}", get(preview::tablet))
        .route("/preview/slide", get(preview::slide))
        .route("/ws/preview/{screen}", get(preview::upgrade))
        .route("/maps/{id}", get(maps::serve))
        .route("/healthz", get(health::health))
        .route("/metrics", get(metrics::metrics))
        .nest("/api", api::router())
        .nest_service(
            "/media",
            tower::ServiceBuilder::new()
                .layer(SetResponseHeaderLayer::if_not_present(
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=300"),
                ))
                // Every media answer: an uploaded file (an SVG too) never runs as this
                // site's code.
                .layer(SetResponseHeaderLayer::overriding(
                    header::CONTENT_SECURITY_POLICY,
                    HeaderValue::from_static(media::CSP),
                ))
                .layer(axum::middleware::from_fn(media::guard))
                .layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    media::etag,
                ))
                .service(media),
        )
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.metrics.clone(),
            metrics::count_answers,
        ))
        // Every answer gets the policy unless it has its own: media answers a sandboxing
        // one, the editor's slide preview one its own pages may frame.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        // A bug in a handler answers 500 (logged, counted) instead of dropping the
        // connection without a word.
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            |_: Box<dyn std::any::Any + Send>| {
                tracing::error!("a request handler panicked; answered 500");
                (
                    axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                    "internal error; see the server's log\n",
                )
                    .into_response()
            },
        ))
        .with_state(state)
}

/// Serves on an already bound listener until `shutdown` completes, under
/// [`AppState::limits`]; then stops accepting, sends live pages a close frame, and
/// waits up to [`Limits::shutdown_grace`] for open connections to finish. Tests bind
/// 127.0.0.1:0 and pass the listener in, so they know the port before the server runs.
pub async fn launch_with_tcp_listener(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    if state.core.is_some() {
        alerts::spawn(state.clone());
    }
    listen::serve(listener, state, shutdown).await
}
