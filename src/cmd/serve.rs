//! `ekran serve`: the live hall. Loads the latest published version of the hall and
//! serves the hall page, displays, tablets and media.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use std::sync::Arc;

use clap::Args;
use ekran_core::live::{LiveLink, ServeLock};
use ekran_core::{Core, CoreError, CLI};

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
    /// Serve the built-in demo hall.
    #[arg(long)]
    demo: bool,
}

pub fn run(args: ServeArgs) -> Result<ExitCode, String> {
    // Warnings and errors on standard error; `EKRAN_LOG=info` or `debug` for more.
    let level = std::env::var("EKRAN_LOG")
        .ok()
        .and_then(|l| l.parse().ok())
        .unwrap_or(tracing::Level::WARN);
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(level)
        .try_init();
    let _tmp;
    let dir = match (&args.data, args.demo) {
        (Some(d), _) => d.clone(),
        (None, true) => {
            _tmp = tempfile::tempdir().map_err(|e| format!("temporary data directory: {e}"))?;
            _tmp.path().to_owned()
        }
        (None, false) => PathBuf::from("ekran-data"),
    };
    let _lock = ServeLock::acquire(&dir).map_err(|e| e.to_string())?;
    let mut core = Core::open(&dir).map_err(|e| e.to_string())?;
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
    let restored = ekran_core::live::restored_positions(core.store());
    let key = ekran_server::key::load_or_create(&dir)
        .map_err(|e| format!("{}: control key: {e}", dir.display()))?;
    let media_dir = dir.join(ekran_store::MEDIA_DIR);

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    let link = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(&args.bind)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", args.bind))?;
        let addr: SocketAddr = listener.local_addr().map_err(|e| e.to_string())?;
        // The JSON API gets this connection; the live link opens its own.
        let state = ekran_server::AppState::new(Arc::new(hall), version, restored, key, media_dir)
            .with_core(core);
        // Newly published versions (from this process or another) go live by themselves.
        let link = LiveLink::start(&dir, state.hub.clone(), tokio::runtime::Handle::current())
            .map_err(|e| e.to_string())?;
        // Scripts wait for this exact line; keep it first and stable.
        println!("listening on http://{addr}");
        let open = if addr.ip().is_unspecified() {
            SocketAddr::from(([127, 0, 0, 1], addr.port()))
        } else {
            addr
        };
        println!("open http://{open}/ in a browser on this machine (published version {version})");
        if let Some(password) = &demo_admin {
            println!("admin: http://{open}/admin  user demo  password {password}");
        }
        use std::io::Write;
        let _ = std::io::stdout().flush();
        ekran_server::launch_with_tcp_listener(listener, state, shutdown())
            .await
            .map_err(|e| format!("server error: {e}"))?;
        Ok::<_, String>(link)
    })?;
    // Saves where every screen is, for the next start.
    link.stop();
    Ok(ExitCode::SUCCESS)
}

/// Completes on Ctrl-C or, on Unix, SIGTERM (how service managers stop a program), so
/// the live positions are saved on the way out.
async fn shutdown() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
