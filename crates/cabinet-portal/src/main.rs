//! `cabinet-portal serve --db PATH --listen ADDR [--demo]`

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
        /// Seed demo organizations and users, and expose /v1/demo.
        #[arg(long)]
        demo: bool,
    },
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
        command: Command::Serve { db, listen, demo },
    } = Cli::parse();
    let mut config = PortalConfig::new(db);
    config.demo = demo;
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
