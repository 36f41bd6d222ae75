//! Harness for the end-to-end tests: the real app binary in a real WebKitGTK
//! window, driven over WebDriver through tauri-driver and WebKitWebDriver.
//!
//! Nothing here skips: a missing app binary, display or driver fails the test
//! with a message saying what to do (`cargo xtask test` provides them all).

use std::ffi::OsStr;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};

pub mod notifications;
pub mod procs;

pub const TIMEOUT: Duration = Duration::from_secs(30);

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is in the workspace")
        .to_owned()
}

/// The app binary: `CABINET_APP`, else the workspace's debug build.
pub fn app_path() -> Result<PathBuf> {
    let path = std::env::var_os("CABINET_APP")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target/debug/cabinet-desktop"));
    if !path.exists() {
        bail!(
            "app binary {} not found: build it first (`cargo xtask test` does)",
            path.display()
        );
    }
    Ok(path)
}

pub fn screenshot_dir() -> PathBuf {
    std::env::var_os("CABINET_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target/screenshots"))
}

/// The app's environment in a test: its data and config home under `tmp`,
/// keys in the kernel keyring, the demo government body still (statuses a
/// test checks must not move under it); `extra` adds or overrides.
pub fn app_env(tmp: &Path, extra: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    let mut env = vec![
        ("CABINET_DATA_DIR", tmp.join("data").display().to_string()),
        ("CABINET_KEYCHAIN", "keyutils".to_owned()),
        ("CABINET_DEMO_GOV_SECONDS", "0".to_owned()),
        ("XDG_CONFIG_HOME", tmp.join("config").display().to_string()),
    ];
    for (k, v) in extra {
        env.retain(|(name, _)| name != k);
        env.push((k, (*v).to_owned()));
    }
    env
}

/// Makes a draft application titled `title` with the dashboard's form
/// (the service chosen there).
pub async fn create_draft(c: &Client, title: &str) -> Result<()> {
    find(c, "#new-title").await?.send_keys(title).await?;
    find(c, "[data-testid=applications] form.new button[type=submit]")
        .await?
        .click()
        .await?;
    Ok(())
}

/// The applications list's total as the page shows it, once it stops
/// loading (`None` while it loads).
pub async fn apps_total(c: &Client) -> Result<Option<u64>> {
    let v = c
        .execute(
            "const e = document.querySelector('[data-testid=apps-total]'); \
             return e ? Number(e.dataset.total) : null;",
            vec![],
        )
        .await?;
    Ok(v.as_u64())
}

/// Types `name` into the organization chooser's filter and opens the match.
pub async fn open_org(c: &Client, name: &str) -> Result<()> {
    let filter = find(c, "#org-filter").await?;
    filter.send_keys(name).await?;
    filter
        .send_keys(&fantoccini::key::Key::Enter.to_string())
        .await?;
    Ok(())
}

/// A running tauri-driver; stopped with SIGTERM (SIGKILL leaks WebKitWebDriver).
pub struct Driver {
    child: Child,
    pub port: u16,
}

impl Driver {
    /// Starts tauri-driver; the app it launches inherits `env`.
    pub fn start<K: AsRef<OsStr>, V: AsRef<OsStr>>(env: &[(K, V)]) -> Result<Self> {
        if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
            bail!("no display: run under Xvfb (`cargo xtask test` starts one)");
        }
        // Both chosen while both are held: two separate picks can return
        // the same port, and WebKitWebDriver then cannot start.
        let (port, native) = {
            let a = TcpListener::bind("127.0.0.1:0").context("a free port")?;
            let b = TcpListener::bind("127.0.0.1:0").context("a free port")?;
            (a.local_addr()?.port(), b.local_addr()?.port())
        };
        let mut cmd = Command::new("tauri-driver");
        cmd.args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native.to_string(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
        for (k, v) in env {
            cmd.env(k.as_ref(), v.as_ref());
        }
        let child = cmd
            .spawn()
            .context("tauri-driver not found: `cargo xtask setup` installs it")?;
        let driver = Driver { child, port };
        let deadline = Instant::now() + TIMEOUT;
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                bail!("tauri-driver did not listen on {port}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(driver)
    }

    /// Opens the app with `args` and returns the WebDriver session.
    pub async fn launch(&self, args: &[&str]) -> Result<Client> {
        let app = app_path()?;
        let caps = serde_json::json!({
            "tauri:options": { "application": app, "args": args }
        });
        let serde_json::Value::Object(caps) = caps else {
            unreachable!()
        };
        // tauri-driver accepts before WebKitWebDriver behind it is ready; on
        // a loaded machine the first session request can be dropped. A
        // dropped connection is retried; a refused session is not.
        let mut attempt = 0;
        loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(caps.clone())
                .connect(&format!("http://127.0.0.1:{}", self.port))
                .await
            {
                Ok(client) => return Ok(client),
                Err(
                    e @ (fantoccini::error::NewSessionError::Lost(_)
                    | fantoccini::error::NewSessionError::Failed(_)
                    | fantoccini::error::NewSessionError::FailedC(_)),
                ) if attempt < 2 => {
                    eprintln!("WebDriver session request lost ({e}); trying again");
                    attempt += 1;
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
                Err(e) => return Err(anyhow::Error::new(e).context("WebDriver session")),
            }
        }
    }
}

impl Driver {
    /// The tauri-driver process: the app runs below it.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits for an element that is expected to appear.
pub async fn find(c: &Client, css: &str) -> Result<Element> {
    text_contains(c, css, "")
        .await
        .with_context(|| format!("waiting for {css}"))?;
    c.wait()
        .at_most(TIMEOUT)
        .for_element(Locator::Css(css))
        .await
        .with_context(|| format!("waiting for {css}"))
}

// Polling goes through JavaScript: WebKitWebDriver's element lookups wait
// for an element that does not exist yet instead of answering "none".

/// The text of the first element matching `css`, or `None`.
pub async fn text_of(c: &Client, css: &str) -> Result<Option<String>> {
    let v = c
        .execute(
            "const e = document.querySelector(arguments[0]); return e ? e.innerText : null;",
            vec![css.into()],
        )
        .await?;
    Ok(v.as_str().map(str::to_owned))
}

/// How many elements match `css` right now.
pub async fn count(c: &Client, css: &str) -> Result<usize> {
    let v = c
        .execute(
            "return document.querySelectorAll(arguments[0]).length;",
            vec![css.into()],
        )
        .await?;
    Ok(v.as_u64().unwrap_or(0) as usize)
}

/// Whether any element matches `css` right now.
pub async fn has(c: &Client, css: &str) -> Result<bool> {
    Ok(count(c, css).await? > 0)
}

/// Waits until `css` has text containing `needle`; returns that text.
pub async fn text_contains(c: &Client, css: &str, needle: &str) -> Result<String> {
    let deadline = Instant::now() + TIMEOUT;
    let mut last = None;
    while Instant::now() < deadline {
        last = text_of(c, css).await?;
        if let Some(t) = &last {
            if t.contains(needle) {
                return Ok(t.trim().to_owned());
            }
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    bail!("{css} never contained {needle:?}; last text: {last:?}")
}

/// Waits until exactly `n` elements match `css`.
pub async fn count_is(c: &Client, css: &str, n: usize) -> Result<()> {
    let deadline = Instant::now() + TIMEOUT;
    let mut last = 0;
    while Instant::now() < deadline {
        last = count(c, css).await?;
        if last == n {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    bail!("{css}: {last} elements, expected {n}")
}

/// Saves a PNG of the window under target/screenshots/.
/// Waits until the document preview's canvas has drawn PDF page `n` with
/// some colour (not a blank page).
pub async fn wait_drawn(c: &Client, n: u32) -> Result<()> {
    let deadline = std::time::Instant::now() + TIMEOUT;
    loop {
        let drawn = c
            .execute(
                "const cv = document.querySelector('[data-testid=preview-canvas]'); \
                 if (!cv || cv.dataset.drawn !== String(arguments[0])) return false; \
                 const d = cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data; \
                 for (let i = 0; i < d.length; i += 4) { \
                   if (d[i + 3] > 0 && (d[i] < 200 || d[i + 1] < 200 || d[i + 2] < 200)) return true; \
                 } \
                 return false;",
                vec![serde_json::json!(n)],
            )
            .await?;
        if drawn.as_bool() == Some(true) {
            return Ok(());
        }
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "PDF page {n} was never drawn"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

pub async fn screenshot(c: &Client, name: &str) -> Result<PathBuf> {
    // Let fonts and transitions settle.
    tokio::time::sleep(Duration::from_millis(400)).await;
    // WebKitWebDriver's screenshot waits for the next presentation update,
    // and under Xvfb a page with nothing changing (no caret, no spinner)
    // never produces one: the command hangs. A 1×1 pixel in the corner that
    // flips between two near-invisible colours keeps frames coming while the
    // screenshot is taken.
    c.execute(
        "const d = document.createElement('div'); d.id = '__e2e_repaint'; \
         d.style.cssText = 'position:fixed;left:0;bottom:0;width:1px;height:1px;pointer-events:none;z-index:2147483647'; \
         document.body.appendChild(d); let on = false; \
         window.__e2eRepaint = setInterval(() => { on = !on; \
           d.style.background = on ? 'rgba(0,0,0,0.01)' : 'rgba(0,0,0,0.02)'; }, 30);",
        vec![],
    )
    .await?;
    let png = tokio::time::timeout(TIMEOUT, c.screenshot())
        .await
        .context("screenshot timed out")?;
    c.execute(
        "clearInterval(window.__e2eRepaint); document.getElementById('__e2e_repaint')?.remove();",
        vec![],
    )
    .await?;
    let png = png.context("screenshot")?;
    let dir = screenshot_dir();
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(format!("{name}.png"));
    std::fs::write(&path, png)?;
    Ok(path)
}

/// One window at a time: two WebKit windows on two cores only slow each other.
pub static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Logs in as the demo accountant through the login screen: password,
/// then the SMS code the demo portal shows in the window. `shots`: a prefix
/// for screenshots of both steps.
pub async fn log_in_as_accountant(c: &Client, shots: Option<&str>) -> Result<()> {
    log_in_as(
        c,
        cabinet_portal::ACCOUNTANT_LOGIN,
        cabinet_portal::ACCOUNTANT_PASSWORD,
        shots,
    )
    .await
}

/// Logs in as a demo user the login screen lists, as
/// [`log_in_as_accountant`] does.
pub async fn log_in_as(c: &Client, user: &str, password: &str, shots: Option<&str>) -> Result<()> {
    let login = find(c, "#login").await?;
    text_contains(c, "[data-testid=demo-panel]", user).await?;
    login.send_keys(user).await?;
    find(c, "#password").await?.send_keys(password).await?;
    if let Some(prefix) = shots {
        screenshot(c, &format!("{prefix}login")).await?;
    }
    find(c, "button[type=submit]").await?.click().await?;

    let code_input = find(c, "#code").await?;
    // The demo portal's "phone" shows the SMS code in the window.
    let deadline = std::time::Instant::now() + TIMEOUT;
    let code = loop {
        let t = text_of(c, "[data-testid=demo-code]")
            .await?
            .unwrap_or_default();
        if t.len() == 6 && t.chars().all(|ch| ch.is_ascii_digit()) {
            break t;
        }
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "no demo SMS code, last text {t:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    code_input.send_keys(&code).await?;
    if let Some(prefix) = shots {
        screenshot(c, &format!("{prefix}code")).await?;
    }
    find(c, "button[type=submit]").await?.click().await?;
    Ok(())
}

/// An access token of a demo user straight from the portal's API
/// (password, then the demo SMS code): for checking what the portal itself
/// answers, past the app's UI.
pub async fn api_token(portal_url: &str, login: &str, password: &str) -> Result<String> {
    use cabinet_api::{PasswordLoginResponse, TokenPair};
    let http = reqwest::Client::new();
    let step: PasswordLoginResponse = http
        .post(format!("{portal_url}/v1/auth/password"))
        .json(&serde_json::json!({"login": login, "password": password}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let ticket = match step {
        PasswordLoginResponse::Tokens(t) => return Ok(t.access_token),
        PasswordLoginResponse::Mfa(m) => m.ticket,
    };
    let sms: cabinet_api::DemoSms = http
        .get(format!("{portal_url}/v1/demo/sms"))
        .query(&[("ticket", &ticket)])
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let tokens: TokenPair = http
        .post(format!("{portal_url}/v1/auth/otp"))
        .json(&serde_json::json!({"ticket": ticket, "code": sms.code}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    Ok(tokens.access_token)
}
