//! `ekran serve`: the live hall. Loads the latest published version of the hall and
//! serves the hall page, displays, tablets and media.
//!
//! Every argument is checked (the address bound, the metrics token and TLS files read)
//! before anything is written, and SIGTERM and SIGINT are caught from then on: a stop
//! during start-up or while serving ends the same way, positions saved and a throwaway
//! demo directory removed.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;
use ekran_core::live::{LiveLink, ServeLock};
use ekran_core::{Core, CoreError, CLI};
use ekran_server::{Limits, MetricsAccess};

#[derive(Args)]
pub struct ServeArgs {
    /// Data directory. Without it, `--demo` runs on a temporary one.
    #[arg(long = "data", value_name = "DIR", env = "EKRAN_DATA")]
    data: Option<PathBuf>,
    /// Address to listen on; port 0 picks a free one.
    #[arg(
        long,
        value_name = "ADDR",
        env = "EKRAN_BIND",
        default_value = "0.0.0.0:8080"
    )]
    bind: String,
    /// Serve the built-in demo hall (any browser may be a display, as with
    /// `--open-displays`).
    #[arg(long)]
    demo: bool,
    /// The address devices reach this server at, for the hall page's links and QR codes
    /// (`http://HOST:PORT`; `https://…` with --tls-cert or behind a TLS proxy). Without it: this
    /// machine's LAN addresses for the port listened on.
    #[arg(long, value_name = "URL", env = "EKRAN_PUBLIC_URL")]
    public_url: Option<String>,
    /// Serve HTTPS (and WSS) with this PEM certificate chain (the server's certificate
    /// first); needs --tls-key. Service workers, and so displays that keep playing
    /// while the server is down, need HTTPS on any address but localhost.
    #[arg(long, value_name = "FILE", env = "EKRAN_TLS_CERT")]
    tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert (unencrypted).
    #[arg(long, value_name = "FILE", env = "EKRAN_TLS_KEY")]
    tls_key: Option<PathBuf>,
    /// Let any browser show a screen without pairing (a trusted network). Tablets
    /// still need pairing.
    #[arg(long)]
    open_displays: bool,
    /// Seconds a paired device may be offline before it is alerted (log, admin, webhook).
    #[arg(long, value_name = "SECS", default_value_t = 120, value_parser = clap::value_parser!(u64).range(1..))]
    offline_alert: u64,
    /// POST a JSON alert here when a device goes offline for long and when it is back
    /// (`http://HOST:PORT/PATH` on the hall's network).
    #[arg(long, value_name = "URL", env = "EKRAN_ALERT_WEBHOOK")]
    alert_webhook: Option<String>,
    /// Connections open at once from one client address.
    /// Behind a reverse proxy every client has the proxy's address: raise it.
    #[arg(
        long,
        value_name = "N",
        default_value_t = Limits::default().per_address as u32,
        value_parser = clap::value_parser!(u32).range(1..)
    )]
    max_connections_per_address: u32,
    /// Connections open at once in all (lowered to what the open-file limit allows).
    #[arg(
        long,
        value_name = "N",
        default_value_t = Limits::default().total as u32,
        value_parser = clap::value_parser!(u32).range(1..)
    )]
    max_connections: u32,
    /// Largest picture the media library accepts, in MB (2^20 bytes).
    #[arg(
        long = "max-picture-mb",
        value_name = "MB",
        env = "EKRAN_MAX_PICTURE_MB",
        default_value_t = 20,
        value_parser = clap::value_parser!(u64).range(1..=1_048_576)
    )]
    max_picture_mb: u64,
    /// Largest video the media library accepts, in MB (2^20 bytes).
    #[arg(
        long = "max-video-mb",
        value_name = "MB",
        env = "EKRAN_MAX_VIDEO_MB",
        default_value_t = 1024,
        value_parser = clap::value_parser!(u64).range(1..=1_048_576)
    )]
    max_video_mb: u64,
    /// Threads running the server's asynchronous work (connections, the live channel).
    /// Database work, password hashing, uploads and media files run on a separate
    /// blocking pool. Default: half the machine's cores, at least one.
    #[arg(
        long,
        value_name = "N",
        env = "EKRAN_WORKERS",
        value_parser = clap::value_parser!(u16).range(1..=256)
    )]
    workers: Option<u16>,
    /// Answer `/metrics` with 404.
    #[arg(long, conflicts_with = "metrics_token_file")]
    no_metrics: bool,
    /// Serve `/metrics` only to clients sending `Authorization: Bearer TOKEN`, TOKEN
    /// being this file's content (at least 16 characters). Without it, `/metrics` is
    /// served to this machine only.
    #[arg(long, value_name = "FILE", env = "EKRAN_METRICS_TOKEN_FILE")]
    metrics_token_file: Option<PathBuf>,
}

/// Async worker threads: `asked`, else half the cores (at least one). The asynchronous
/// side only moves bytes; each screen's states are written to all its pages by one task
/// (docs/benchmarks.md, "Fan-out"), and a second worker on a two-core machine mostly
/// adds wake-ups across cores: one worker delivered a state to 500 displays with 20 to
/// 30 % less CPU, and sooner, than two. The other cores run the blocking pool and, in a
/// hall, often the display's browser.
fn workers(asked: Option<u16>) -> usize {
    asked.map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1)),
        usize::from,
    )
}

/// Fewer connections than this (from a low open-file limit) is refused at start.
const MIN_CONNECTIONS: usize = 16;

/// How long the end waits for blocking work (a request's database work) to finish.
const SHUTDOWN_BLOCKING: std::time::Duration = std::time::Duration::from_secs(2);

/// File descriptors kept for the database, media files being served and the like.
#[cfg(unix)]
const RESERVED_FILES: u64 = 128;

pub fn run(args: ServeArgs) -> Result<ExitCode, String> {
    // One line per notable event on standard error (listening, devices, refusals,
    // shutdown); `EKRAN_LOG=warn` for less, `debug` for more.
    let level = std::env::var("EKRAN_LOG")
        .ok()
        .and_then(|l| l.parse().ok())
        .unwrap_or(tracing::Level::INFO);
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(level)
        .with_target(false)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
    // Nothing on disk yet: first everything the arguments say.
    let metrics_access = metrics_access(&args)?;
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(
            ekran_server::Tls::from_pem_files(cert, key)
                .map_err(|e| format!("--tls-cert/--tls-key: {e}"))?,
        ),
        (None, None) => None,
        (Some(_), None) | (None, Some(_)) => {
            return Err(
                "--tls-cert and --tls-key go together (the certificate and its private key, PEM files): give both, or neither for plain HTTP".into(),
            )
        }
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let public_url = args.public_url.as_deref().map(public_url).transpose()?;
    let alerts = ekran_server::alerts::Alerts {
        after: std::time::Duration::from_secs(args.offline_alert),
        webhook: args
            .alert_webhook
            .as_deref()
            .map(ekran_server::alerts::Webhook::parse)
            .transpose()
            .map_err(|e| format!("--alert-webhook {e}"))?,
    };
    if let Some(u) = public_url
        .as_deref()
        .filter(|u| tls.is_some() && u.starts_with("http://"))
    {
        return Err(format!(
            "--public-url {u:?}: this server speaks HTTPS (--tls-cert); give https://…"
        ));
    }
    if let Some(d) = &args.data {
        if d.exists() && !d.is_dir() {
            return Err(format!("--data {}: not a directory", d.display()));
        }
    }
    let workers = workers(args.workers);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    let (listener, stop) = runtime.block_on(async {
        let stop = Stop::catch()?;
        let listener = tokio::net::TcpListener::bind(&args.bind)
            .await
            .map_err(|e| bind_error(&args.bind, e))?;
        Ok::<_, String>((listener, stop))
    })?;
    let limits = limits(&args)?;

    let tmp;
    let dir = match (&args.data, args.demo) {
        (Some(d), _) => d.clone(),
        (None, true) => {
            tmp = tempfile::tempdir().map_err(|e| format!("temporary data directory: {e}"))?;
            tmp.path().to_owned()
        }
        (None, false) => PathBuf::from("ekran-data"),
    };
    let lock = ServeLock::acquire(&dir).map_err(|e| e.to_string())?;
    let (mut core, version, hall, demo_admin) = open(&dir, &args)?;
    let restored = ekran_core::live::restored_positions(core.store());
    // The throwaway demo keeps its control key where the next demo finds it, so the
    // screen keys scripts were given survive a restart.
    let key_dir = match (&args.data, args.demo) {
        (None, true) => demo_key_dir().unwrap_or_else(|| dir.clone()),
        _ => dir.clone(),
    };
    let key = ekran_server::key::load_or_create(&key_dir)
        .map_err(|e| format!("{}: control key: {e}", key_dir.display()))?;
    let media_dir = dir.join(ekran_store::MEDIA_DIR);

    let link = runtime.block_on(async {
        let addr: SocketAddr = listener.local_addr().map_err(|e| e.to_string())?;
        // The JSON API gets this connection; the live link opens its own.
        let mut state =
            ekran_server::AppState::new(Arc::new(hall), version, restored, key, media_dir)
                .with_core(core);
        state.limits = limits;
        state.metrics_access = metrics_access;
        state.open_displays = args.open_displays || args.demo;
        state.alerts = Arc::new(alerts);
        state.tls = tls;
        state.media_limits = ekran_core::media::MediaLimits {
            picture_bytes: args.max_picture_mb * ekran_core::media::MB,
            video_bytes: args.max_video_mb * ekran_core::media::MB,
            ..Default::default()
        };
        let urls = match &public_url {
            Some(u) => vec![u.clone()],
            None => ekran_core::doctor::public_urls(addr)
                .into_iter()
                .map(|u| match u.strip_prefix("http://") {
                    Some(rest) => format!("{scheme}://{rest}"),
                    None => u,
                })
                .collect(),
        };
        state.public_urls = Arc::new(urls.clone());
        // Newly published versions (from this process or another) go live by themselves.
        let link = LiveLink::start(&dir, state.hub.clone(), tokio::runtime::Handle::current())
            .map_err(|e| e.to_string())?;
        // Scripts wait for this exact line; keep it first and stable.
        println!("listening on {scheme}://{addr}");
        let open = if addr.ip().is_unspecified() {
            SocketAddr::from(([127, 0, 0, 1], addr.port()))
        } else {
            addr
        };
        println!("open {scheme}://{open}/ in a browser on this machine (published version {version})");
        if let Some(password) = &demo_admin {
            println!("admin: {scheme}://{open}/admin  user demo  password {password}");
        }
        if args.data.is_none() && args.demo && key_dir != dir {
            println!(
                "screen keys for scripts: ekran key --data {} --screen ID",
                key_dir.display()
            );
        }
        match urls.first() {
            Some(u) => println!(
                "devices reach this hall at {u}/ (pair them in the admin: {u}/admin#/devices){}",
                if args.open_displays || args.demo { "; any browser may be a display" } else { "" }
            ),
            None => println!(
                "no LAN address found for the hall page's QR codes: give --public-url {scheme}://ADDRESS:{}",
                addr.port()
            ),
        }
        use std::io::Write;
        let _ = std::io::stdout().flush();
        tracing::info!(
            "serving {} on {scheme}://{addr} (at most {} connections, {} per address; {} async worker{})",
            dir.display(),
            limits.total,
            limits.per_address,
            workers,
            if workers == 1 { "" } else { "s" }
        );
        ekran_server::launch_with_tcp_listener(listener, state, stop.wait())
            .await
            .map_err(|e| format!("server error: {e}"))?;
        Ok::<_, String>(link)
    })?;
    // Saves where every screen is, for the next start.
    link.stop();
    // Work still running on blocking threads (a long import a client started) is not
    // waited for: its transaction is rolled back when the process ends, and what it
    // staged is removed at the next start.
    runtime.shutdown_timeout(SHUTDOWN_BLOCKING);
    drop(lock);
    tracing::info!("stopped; screen positions saved");
    // A throwaway demo directory (`tmp`) is removed here, on the way out.
    Ok(ExitCode::SUCCESS)
}

/// Opens the data directory (a new one gets the demo hall); the live version, its
/// hall, and the demo admin's password for a throwaway demo.
fn open(
    dir: &Path,
    args: &ServeArgs,
) -> Result<(Core, i64, ekran_model::Hall, Option<String>), String> {
    let mut core = Core::open(dir).map_err(|e| e.to_string())?;
    if core.is_empty().map_err(|e| e.to_string())? {
        core.seed_demo(CLI).map_err(|e| match e {
            CoreError::Invalid(d) => d.iter().map(|d| d.render()).collect::<Vec<_>>().join("\n"),
            e => e.to_string(),
        })?;
        eprintln!(
            "{}: new data directory; loaded the built-in demo hall",
            dir.display()
        );
    } else if args.demo {
        return Err(format!(
            "{} already holds a hall; --demo would hide it. Omit --data to run the demo on a temporary directory.",
            dir.display()
        ));
    }
    let (version, hall) = core.live().map_err(|e| e.to_string())?.ok_or_else(|| {
        format!(
            "{}: nothing published yet (run `ekran publish`)",
            dir.display()
        )
    })?;
    // The throwaway demo gets an admin to try the admin pages with; a real data
    // directory never gets an account it was not given.
    let demo_admin = if args.demo && args.data.is_none() {
        let password = ekran_core::accounts::generate_password();
        core.add_user("demo", ekran_core::accounts::Role::Admin, &password, CLI)
            .map_err(|e| format!("demo admin: {e}"))?;
        Some(password)
    } else {
        None
    };
    Ok((core, version, hall, demo_admin))
}

/// `--public-url`: an absolute `http(s)://HOST[:PORT]` URL, without a path beyond `/`;
/// returned without the trailing slash.
fn public_url(u: &str) -> Result<String, String> {
    let bad = |why: &str| {
        format!("--public-url {u:?}: {why}; give the address devices open, such as http://192.168.1.10:8080")
    };
    let rest = u
        .strip_prefix("http://")
        .or_else(|| u.strip_prefix("https://"))
        .ok_or_else(|| bad("not an http:// or https:// URL"))?;
    let host = rest.strip_suffix('/').unwrap_or(rest);
    if host.is_empty() {
        return Err(bad("no host"));
    }
    if host.contains(['/', '?', '#', '@'])
        || host.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(bad("only a scheme, a host and a port"));
    }
    Ok(u.trim_end_matches('/').to_owned())
}

/// Where the throwaway demo keeps its control key: `$XDG_STATE_HOME/ekran/demo`, else
/// `~/.local/state/ekran/demo`; `None` when neither can be made.
fn demo_key_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))?;
    let dir = base.join("ekran").join("demo");
    std::fs::create_dir_all(&dir).ok()?;
    Some(dir)
}

fn bind_error(bind: &str, e: std::io::Error) -> String {
    if bind.parse::<SocketAddr>().is_err() && e.kind() == std::io::ErrorKind::InvalidInput {
        format!(
            "--bind {bind:?}: not an address to listen on; give HOST:PORT, such as 0.0.0.0:8080, [::]:8080 or 127.0.0.1:0 ({e})"
        )
    } else {
        format!("cannot listen on {bind}: {e}")
    }
}

/// Who may read `/metrics`, from the arguments.
fn metrics_access(args: &ServeArgs) -> Result<MetricsAccess, String> {
    if args.no_metrics {
        return Ok(MetricsAccess::Off);
    }
    let Some(file) = &args.metrics_token_file else {
        return Ok(MetricsAccess::Local);
    };
    let token = std::fs::read_to_string(file)
        .map_err(|e| format!("--metrics-token-file {}: {e}", file.display()))?;
    let token = token.trim();
    if token.chars().count() < 16 || token.chars().any(char::is_whitespace) {
        return Err(format!(
            "--metrics-token-file {}: the token must be at least 16 characters, without spaces",
            file.display()
        ));
    }
    Ok(MetricsAccess::Token(token.into()))
}

/// The connection limits, the total lowered to what the open-file limit allows (raised
/// to its hard limit first): each connection may hold a socket and a media file.
fn limits(args: &ServeArgs) -> Result<Limits, String> {
    let mut limits = Limits {
        per_address: args.max_connections_per_address as usize,
        total: args.max_connections as usize,
        ..Limits::default()
    };
    #[cfg(unix)]
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(files) => {
            let fit = (files.saturating_sub(RESERVED_FILES) / 2).max(1) as usize;
            if fit < MIN_CONNECTIONS {
                return Err(format!(
                    "this process may open only {files} files (ulimit -n), room for {fit} connection(s): too few for a hall's displays and tablets; raise it (ulimit -n 4096, or LimitNOFILE=4096 in the systemd unit)"
                ));
            }
            if limits.total > fit {
                tracing::warn!(
                    "--max-connections {} lowered to {fit}: this process may open only {files} files (ulimit -n)",
                    limits.total
                );
                limits.total = fit;
                // One address may then not take the whole total: a quarter at most.
                let share = (fit / 4).max(1);
                if limits.per_address > share {
                    tracing::warn!(
                        "--max-connections-per-address {} lowered to {share}: a quarter of the {fit} connections this process may hold",
                        limits.per_address
                    );
                    limits.per_address = share;
                }
            }
        }
        Err(e) => tracing::warn!("cannot read the open-file limit: {e}"),
    }
    Ok(limits)
}

/// SIGTERM (how service managers stop a program) and SIGINT (Ctrl-C), caught from the
/// moment it is made.
struct Stop {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
}

impl Stop {
    /// Catches the signals from now on. Inside the runtime.
    fn catch() -> Result<Stop, String> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let catch = |kind: SignalKind, name: &str| {
                signal(kind).map_err(|e| format!("cannot catch {name}: {e}"))
            };
            Ok(Stop {
                term: catch(SignalKind::terminate(), "SIGTERM")?,
                int: catch(SignalKind::interrupt(), "SIGINT")?,
            })
        }
        #[cfg(not(unix))]
        Ok(Stop {})
    }

    /// Completes on the first signal, naming it in the log.
    async fn wait(mut self) {
        #[cfg(unix)]
        {
            let name = tokio::select! {
                _ = self.term.recv() => "SIGTERM",
                _ = self.int.recv() => "SIGINT",
            };
            tracing::info!("{name} received: shutting down");
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            tracing::info!("Ctrl-C: shutting down");
        }
    }
}
