//! A desktop for the tests on a private D-Bus session bus (`dbus-daemon`):
//! a server of `org.freedesktop.Notifications` that records what it is
//! asked to show, and a tray host (`org.kde.StatusNotifierWatcher`) that
//! tray icons register with, so their label can be read back. The app,
//! given the bus's address, talks to them as to any desktop's.

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

/// Tray icons registered: (the registering connection, what it gave).
type Items = Arc<Mutex<Vec<(String, String)>>>;

struct Watcher {
    items: Items,
}

#[zbus::interface(name = "org.kde.StatusNotifierWatcher")]
impl Watcher {
    async fn register_status_notifier_item(
        &self,
        service: String,
        #[zbus(header)] header: zbus::message::Header<'_>,
    ) {
        let sender = header.sender().map(|s| s.to_string()).unwrap_or_default();
        self.items.lock().unwrap().push((sender, service));
    }

    async fn register_status_notifier_host(&self, _service: String) {}

    #[zbus(property)]
    async fn registered_status_notifier_items(&self) -> Vec<String> {
        self.items
            .lock()
            .unwrap()
            .iter()
            .map(|(_, s)| s.clone())
            .collect()
    }

    #[zbus(property)]
    async fn is_status_notifier_host_registered(&self) -> bool {
        true
    }

    #[zbus(property)]
    async fn protocol_version(&self) -> i32 {
        0
    }
}

/// The bus and the servers; the bus stops when this is dropped.
pub struct NotificationService {
    daemon: Child,
    /// `DBUS_SESSION_BUS_ADDRESS` for the app.
    pub address: String,
    shown: Arc<Mutex<Vec<Shown>>>,
    items: Items,
    conn: zbus::Connection,
    _watcher: zbus::Connection,
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
        let items = Items::default();
        let watcher = zbus::connection::Builder::address(address.as_str())?
            .name("org.kde.StatusNotifierWatcher")?
            .serve_at(
                "/StatusNotifierWatcher",
                Watcher {
                    items: items.clone(),
                },
            )?
            .build()
            .await
            .context("serving org.kde.StatusNotifierWatcher")?;
        Ok(Self {
            daemon,
            address,
            shown,
            items,
            conn,
            _watcher: watcher,
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

impl NotificationService {
    /// The label of the first tray icon registered (what the panel shows
    /// next to it), once one has registered.
    pub async fn tray_label(&self) -> Result<Option<String>> {
        let Some((sender, service)) = self.items.lock().unwrap().first().cloned() else {
            return Ok(None);
        };
        // An item registers by object path (on its own connection) or by
        // bus name (at the standard path).
        let (dest, path) = if service.starts_with('/') {
            (sender, service)
        } else {
            (service, "/StatusNotifierItem".to_owned())
        };
        let proxy = zbus::Proxy::new(
            &self.conn,
            dest.as_str(),
            path.as_str(),
            "org.kde.StatusNotifierItem",
        )
        .await?;
        let label: String = proxy
            .get_property("XAyatanaLabel")
            .await
            .context("the tray icon's label")?;
        Ok(Some(label))
    }

    /// Waits until the tray icon's label is `want`.
    pub async fn wait_for_tray_label(&self, want: &str, timeout: Duration) -> Result<()> {
        let deadline = Instant::now() + timeout;
        loop {
            let last = match self.tray_label().await {
                Ok(Some(l)) if l == want => return Ok(()),
                other => format!("{other:?}"),
            };
            if Instant::now() > deadline {
                bail!("the tray label never became {want:?}; last {last}");
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
