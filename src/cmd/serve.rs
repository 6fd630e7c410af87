//! `ekran serve`: the live hall. Loads the latest published version of the hall and
//! serves the hall page, displays, tablets and media.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use ekran_store::{MediaSource, Store};

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
    let mut store = Store::open(&dir).map_err(|e| e.to_string())?;
    if store.is_empty().map_err(|e| e.to_string())? {
        seed_demo(&mut store)?;
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
    let publication = store
        .latest_publication()
        .map_err(|e| e.to_string())?
        .ok_or_else(|| {
            format!(
                "{}: nothing published yet (run `ekran import`)",
                dir.display()
            )
        })?;
    let key = ekran_server::key::load_or_create(&dir)
        .map_err(|e| format!("{}: control key: {e}", dir.display()))?;
    let media_dir = dir.join(ekran_store::MEDIA_DIR);
    drop(store);

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&args.bind)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", args.bind))?;
        let addr: SocketAddr = listener.local_addr().map_err(|e| e.to_string())?;
        let state = ekran_server::AppState::new(publication.hall, key, media_dir);
        // Scripts wait for this exact line; keep it first and stable.
        println!("listening on http://{addr}");
        let open = if addr.ip().is_unspecified() {
            SocketAddr::from(([127, 0, 0, 1], addr.port()))
        } else {
            addr
        };
        println!(
            "open http://{open}/ in a browser on this machine (published version {})",
            publication.version
        );
        use std::io::Write;
        let _ = std::io::stdout().flush();
        ekran_server::launch_with_tcp_listener(listener, state, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| format!("server error: {e}"))
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Stores the demo hall and its media as the first published version.
fn seed_demo(store: &mut Store) -> Result<(), String> {
    let hall = ekran_demo::hall()?;
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut media = Vec::new();
    ekran_demo::write_media(tmp.path()).map_err(|e| format!("demo media: {e}"))?;
    for (path, _) in ekran_demo::media() {
        let reference = ekran_model::MediaRef::parse(path).map_err(|e| e.to_string())?;
        let file = tmp.path().join(path);
        media.push(MediaSource { reference, file });
    }
    store
        .commit(&hall, &media, "built-in demo")
        .map_err(|e| e.to_string())?;
    Ok(())
}
