//! A desktop notification service for the tests: a private D-Bus session
//! bus (`dbus-daemon`) with a server of `org.freedesktop.Notifications` on
//! it that records what it is asked to show. The app, given the bus's
//! address, talks to it as to any desktop's notification daemon.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

/// One notification as the app sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    pub summary: String,
    pub body: String,
}

struct Server {
    shown: Arc<Mutex<Vec<Shown>>>,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl Server {
    #[allow(clippy::too_many_arguments)]
    async fn notify(
        &self,
        _app_name: String,
        _replaces_id: u32,
        _app_icon: String,
        summary: String,
        body: String,
        _actions: Vec<String>,
        _hints: std::collections::HashMap<String, zbus::zvariant::OwnedValue>,
        _expire_timeout: i32,
    ) -> u32 {
        let mut shown = self.shown.lock().unwrap();
        shown.push(Shown { summary, body });
        shown.len() as u32
    }

    async fn get_capabilities(&self) -> Vec<String> {
        vec!["body".into()]
    }

    async fn get_server_information(&self) -> (String, String, String, String) {
        (
            "cabinet-e2e".into(),
            "OrgCabinet".into(),
            "1".into(),
            "1.2".into(),
        )
    }

    async fn close_notification(&self, _id: u32) {}
}

/// The bus and the server; the bus stops when this is dropped.
pub struct NotificationService {
    daemon: Child,
    /// `DBUS_SESSION_BUS_ADDRESS` for the app.
    pub address: String,
    shown: Arc<Mutex<Vec<Shown>>>,
    _conn: zbus::Connection,
}

impl NotificationService {
    pub async fn start() -> Result<Self> {
        let mut daemon = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .context("dbus-daemon not found: `cargo xtask setup` installs it")?;
        let mut line = String::new();
        BufReader::new(daemon.stdout.take().context("dbus-daemon's stdout")?)
            .read_line(&mut line)?;
        let address = line.trim().to_owned();
        if address.is_empty() {
            let _ = daemon.kill();
            bail!("dbus-daemon printed no address");
        }
        let shown = Arc::new(Mutex::new(Vec::new()));
        let conn = zbus::connection::Builder::address(address.as_str())?
            .name("org.freedesktop.Notifications")?
            .serve_at(
                "/org/freedesktop/Notifications",
                Server {
                    shown: shown.clone(),
                },
            )?
            .build()
            .await
            .context("serving org.freedesktop.Notifications")?;
        Ok(Self {
            daemon,
            address,
            shown,
            _conn: conn,
        })
    }

    /// Everything shown so far.
    pub fn shown(&self) -> Vec<Shown> {
        self.shown.lock().unwrap().clone()
    }

    /// Waits until a notification whose summary starts with `prefix` is
    /// shown.
    pub async fn wait_for(&self, prefix: &str, timeout: Duration) -> Result<Shown> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(s) = self
                .shown()
                .into_iter()
                .find(|s| s.summary.starts_with(prefix))
            {
                return Ok(s);
            }
            if Instant::now() > deadline {
                bail!(
                    "no desktop notification «{prefix}…»; shown: {:?}",
                    self.shown()
                );
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

impl Drop for NotificationService {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}
