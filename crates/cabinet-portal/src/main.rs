//! `cabinet-portal serve --db PATH --listen ADDR [--demo [--gov-every SECS]] [--trust CA.pem]... [--crl F]... [--tsl LIST.xml]`

use std::net::SocketAddr;
use std::path::PathBuf;

use cabinet_portal::{Portal, PortalConfig};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "cabinet-portal",
    version,
    about = "OrgCabinet reference portal server"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the portal API v1.
    Serve {
        /// SQLite database file (created if missing).
        #[arg(long)]
        db: PathBuf,
        /// Address to listen on; port 0 picks a free port.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Seed demo organizations and users, issue the demo PKI (its .pfx
        /// files go to `demo-pki/` beside the database), expose /v1/demo.
        #[arg(long)]
        demo: bool,
        /// A root certificate (PEM or DER) that login certificates must chain
        /// to. Repeatable.
        #[arg(long = "trust", value_name = "CA")]
        trusted_roots: Vec<PathBuf>,
        /// A CRL (PEM or DER) checked at certificate login. Repeatable.
        #[arg(long = "crl", value_name = "FILE")]
        crls: Vec<PathBuf>,
        /// The Ministry's list of accredited CAs (XML) to publish at
        /// /v1/trust/tsl and judge signatures by; the CRLs it names are
        /// fetched from their addresses. Not with --demo (it makes its own).
        #[arg(long, value_name = "FILE.xml", conflicts_with = "demo")]
        tsl: Option<PathBuf>,
        /// With --demo: every this many seconds the demo government body
        /// moves one application of each organization a status further;
        /// 0 turns it off.
        #[arg(long, value_name = "SECONDS", default_value_t = 120)]
        gov_every: u64,
    },
}

fn read_all(paths: &[PathBuf]) -> anyhow::Result<Vec<Vec<u8>>> {
    paths
        .iter()
        .map(|p| std::fs::read(p).map_err(|e| anyhow::anyhow!("{}: {e}", p.display())))
        .collect()
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_http=warn".into()),
        )
        .init();
    let Cli {
        command:
            Command::Serve {
                db,
                listen,
                demo,
                trusted_roots,
                crls,
                tsl,
                gov_every,
            },
    } = Cli::parse();
    let mut config = PortalConfig::new(&db);
    config.demo = demo;
    if demo && gov_every > 0 {
        config.gov_interval = Some(std::time::Duration::from_secs(gov_every));
    }
    if demo {
        config.demo_pki_dir = Some(
            db.parent()
                .unwrap_or(std::path::Path::new("."))
                .join("demo-pki"),
        );
    }
    config.trusted_roots = read_all(&trusted_roots)?;
    config.crls = read_all(&crls)?;
    config.tsl = tsl
        .map(|p| std::fs::read(&p).map_err(|e| anyhow::anyhow!("{}: {e}", p.display())))
        .transpose()?;
    let portal = Portal::open(config)?;
    let listener = tokio::net::TcpListener::bind(listen).await?;
    tracing::info!(addr = %listener.local_addr()?, demo, "cabinet-portal serving");
    portal.serve(listener, shutdown_signal()).await?;
    tracing::info!("cabinet-portal stopped");
    Ok(())
}

/// Ctrl-C, or SIGTERM from a service manager.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!(error = %e, "no SIGTERM handler; Ctrl-C still stops the server");
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                }
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}
