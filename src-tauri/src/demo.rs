//! The built-in demo portal: the reference server, in-process, on loopback.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;

use cabinet_portal::{Portal, PortalConfig, RunningPortal};

/// How often the demo government body moves applications along:
/// `CABINET_DEMO_GOV_SECONDS` (0 turns it off; end-to-end tests do), else
/// every two minutes.
fn gov_interval() -> Option<std::time::Duration> {
    let secs = std::env::var("CABINET_DEMO_GOV_SECONDS")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(120);
    (secs > 0).then(|| std::time::Duration::from_secs(secs))
}

/// Starts the demo portal with its database in the app's data dir. It keeps
/// the port it had last time when it can, so a saved session (tied to the
/// portal URL) survives a restart.
pub async fn start(data_dir: &Path) -> Result<RunningPortal, String> {
    let dir = data_dir.join("demo-portal");
    let mut config = PortalConfig::new(dir.join("portal.sqlite3"));
    config.demo = true;
    config.gov_interval = gov_interval();
    let port_file = dir.join("port");
    let preferred: u16 = std::fs::read_to_string(&port_file)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0);
    let portal = Portal::open(config.clone()).map_err(|e| format!("demo portal: {e}"))?;
    let running = match portal
        .spawn(SocketAddr::from((Ipv4Addr::LOCALHOST, preferred)))
        .await
    {
        Ok(p) => p,
        Err(e) if preferred != 0 => {
            tracing::info!(port = preferred, error = %e, "demo portal port taken; picking another");
            let portal = Portal::open(config).map_err(|e| format!("demo portal: {e}"))?;
            portal
                .spawn(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
                .await
                .map_err(|e| format!("demo portal: {e}"))?
        }
        Err(e) => return Err(format!("demo portal: {e}")),
    };
    if let Err(e) = std::fs::write(&port_file, running.addr().port().to_string()) {
        tracing::warn!(error = %e, "demo portal port not remembered");
    }
    tracing::info!(url = %running.url(), "built-in demo portal started");
    Ok(running)
}
