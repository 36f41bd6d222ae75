//! Reference portal server: the API the client syncs with.
//!
//! It is a real server, not a mock: passwords are argon2id hashes, tokens are
//! opaque and stored hashed, every organization-scoped call checks membership,
//! and everything lives in SQLite. The desktop app embeds it for demo mode;
//! tests run it on loopback; `cabinet-portal serve` runs it standalone.

mod access;
mod actions;
mod admin;
mod applications;
mod auth;
mod catalog;
mod certlogin;
mod changes;
pub mod clock;
mod codes;
mod db;
mod demo;
mod documents;
mod error;
mod feed;
pub mod gov;
mod http;
mod legal;
mod lifecycle;
pub mod limits;
mod orgs;
mod prefs;
mod records;
mod recovery;
mod registration;
mod registry;
pub mod retention;
mod security;
pub mod sms;
mod staff;
mod support;
mod totp;
mod trust;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub use admin::{Admin, SentMessage};
pub use clock::Clock;
pub use demo::pki::{ACCOUNTANT_PFX_PASSWORD, DIRECTOR_PFX_PASSWORD};
pub use demo::{
    ACCOUNTANT_LOGIN, ACCOUNTANT_PASSWORD, ADMIN_LOGIN, ADMIN_PASSWORD, DIRECTOR_LOGIN,
    DIRECTOR_PASSWORD,
};
pub use error::PortalError;
pub use registry::RegistryEntry;
pub use totp::totp_code;

/// How the portal behaves. Defaults are production-like.
#[derive(Debug, Clone)]
pub struct PortalConfig {
    pub db_path: PathBuf,
    /// Seed demo data when the database is empty and expose `/v1/demo*`.
    pub demo: bool,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
    pub otp_ttl: Duration,
    /// How long a used refresh token may come back in a retry of the same
    /// request (the same `Idempotency-Key`), as long as the pair issued for
    /// it was never used: the client lost the reply. Another request, a
    /// later one, or one after the new pair was used is reuse and ends the
    /// session.
    pub refresh_reuse_grace: Duration,
    /// Wrong passwords in a row that lock a login.
    pub lockout_threshold: u32,
    pub lockout_duration: Duration,
    /// Wrong codes that burn a second-factor ticket.
    pub otp_max_attempts: u32,
    pub clock: Clock,
    /// Roots a login certificate must chain to (DER or PEM certificates).
    pub trusted_roots: Vec<Vec<u8>>,
    /// Revocation lists checked at certificate login (DER or PEM).
    pub crls: Vec<Vec<u8>>,
    /// The Ministry's list of accredited CAs (XML) to publish and judge by,
    /// outside demo mode (the demo makes its own). Its CRLs are fetched
    /// from the addresses it names.
    pub tsl: Option<Vec<u8>>,
    /// How long a certificate-login nonce may be signed.
    pub challenge_ttl: Duration,
    /// Demo mode: where the demo PKI's .pfx files are written (besides
    /// `GET /v1/demo/certificates/…`). `None`: not written to disk.
    pub demo_pki_dir: Option<PathBuf>,
    /// Demo mode: the key algorithm of the demo CA and certificates: GOST
    /// R 34.10-2012 256 by default, as Russian qualified certificates are.
    pub demo_key_kind: cabinet_sign::pki::KeyKind,
    /// Limits on what an unauthenticated caller may repeat.
    pub limits: limits::Limits,
    /// Where one-time codes go (in memory here: see `sms`).
    pub sms: sms::SmsGateway,
    /// How long short-lived records are kept (see `retention`).
    pub retention: retention::Retention,
    /// The demo government body moves one application of each organization
    /// a step further this often. `None` (the default, and in tests): never.
    pub gov_interval: Option<Duration>,
}

impl PortalConfig {
    pub fn new(db_path: impl Into<PathBuf>) -> Self {
        Self {
            db_path: db_path.into(),
            demo: false,
            access_ttl: Duration::from_secs(5 * 60),
            refresh_ttl: Duration::from_secs(30 * 24 * 3600),
            otp_ttl: Duration::from_secs(5 * 60),
            refresh_reuse_grace: Duration::from_secs(60),
            lockout_threshold: 5,
            lockout_duration: Duration::from_secs(15 * 60),
            otp_max_attempts: 5,
            clock: Clock::System,
            trusted_roots: Vec::new(),
            crls: Vec::new(),
            tsl: None,
            challenge_ttl: Duration::from_secs(2 * 60),
            demo_pki_dir: None,
            demo_key_kind: cabinet_sign::pki::KeyKind::GOST_256,
            limits: limits::Limits::default(),
            sms: sms::SmsGateway::default(),
            retention: retention::Retention::default(),
            gov_interval: None,
        }
    }

    /// Demo data with ECDSA demo keys: for tests and benchmarks that do not
    /// need the default GOST certificates.
    pub fn quick_demo(db_path: impl Into<PathBuf>) -> Self {
        Self {
            demo: true,
            demo_key_kind: cabinet_sign::pki::KeyKind::EcdsaP256,
            ..Self::new(db_path)
        }
    }
}

/// Shared state of the running server.
#[derive(Clone)]
pub(crate) struct AppState {
    /// The one writer.
    pub db: Arc<Mutex<rusqlite::Connection>>,
    /// Readers, in parallel with it and with each other.
    pub readers: Arc<db::Readers>,
    pub config: Arc<PortalConfig>,
    /// Parsed roots and CRLs for certificate login.
    pub trust: Arc<cabinet_sign::verify::Trust>,
    /// Demo mode: the demo PKI's certificates with their .pfx bytes.
    pub demo_pki: Arc<Vec<demo::DemoPfx>>,
    /// The trust list the portal publishes and the CRLs it holds.
    pub trust_list: Arc<trust::TrustService>,
    /// The time-stamping service (`POST /v1/tsp`); demo mode only.
    pub tsa: Option<Arc<trust::Tsa>>,
    /// The OCSP responder of the demo CA (`POST /v1/trust/ocsp`).
    pub ocsp: Option<Arc<trust::Ocsp>>,
    /// Places for password hashing (argon2 is slow on purpose): a flood of
    /// logins waits here, never on the database.
    pub hashing: Arc<tokio::sync::Semaphore>,
    pub limiter: Arc<limits::Limiter>,
}

/// Password hashes computed at once: the rest of a flood waits its turn
/// without holding anything that other requests need.
const HASHING_PLACES: usize = 2;

impl AppState {
    /// A token from the abuse limits of `kind`, before any work is done.
    pub fn limit(
        &self,
        kind: limits::Kind,
        login: Option<&str>,
        address: Option<&str>,
    ) -> Result<(), PortalError> {
        self.limiter
            .take(kind, login, address, self.config.clock.now())
    }

    /// Runs `f` (an argon2 hash or verification) on a blocking thread once a
    /// hashing place is free, holding no database connection.
    pub async fn hash_work<T, F>(&self, f: F) -> Result<T, PortalError>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let _place = self
            .hashing
            .acquire()
            .await
            .map_err(|e| PortalError::Internal(format!("hashing: {e}")))?;
        tokio::task::spawn_blocking(f)
            .await
            .map_err(|e| PortalError::Internal(format!("hashing task: {e}")))
    }

    /// Runs `f` on a read-only connection off the async workers: reads
    /// that do not wait for the writer, nor make it wait.
    pub async fn with_read<T, F>(&self, f: F) -> Result<T, PortalError>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Connection, &PortalConfig) -> Result<T, PortalError> + Send + 'static,
    {
        let _place = self
            .readers
            .places
            .acquire()
            .await
            .map_err(|e| PortalError::Internal(format!("readers: {e}")))?;
        let readers = self.readers.clone();
        let config = self.config.clone();
        tokio::task::spawn_blocking(move || {
            let conn = readers.take()?;
            let _marked = db::HoldingDb::mark();
            let result = f(&conn, &config);
            readers.give_back(conn);
            result
        })
        .await
        .map_err(|e| PortalError::Internal(format!("db task: {e}")))?
    }

    /// Runs `f` on the database off the async workers (SQLite blocks).
    pub async fn with_db<T, F>(&self, f: F) -> Result<T, PortalError>
    where
        T: Send + 'static,
        F: FnOnce(&mut rusqlite::Connection, &PortalConfig) -> Result<T, PortalError>
            + Send
            + 'static,
    {
        let db = self.db.clone();
        let config = self.config.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = db
                .lock()
                .map_err(|_| PortalError::Internal("db lock poisoned".into()))?;
            let _marked = db::HoldingDb::mark();
            f(&mut conn, &config)
        })
        .await
        .map_err(|e| PortalError::Internal(format!("db task: {e}")))?
    }
}

/// An opened portal: database migrated (and seeded in demo mode).
pub struct Portal {
    state: AppState,
}

impl Portal {
    pub fn open(config: PortalConfig) -> Result<Self, PortalError> {
        if let Some(dir) = config.db_path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| PortalError::Internal(format!("create {}: {e}", dir.display())))?;
        }
        let mut conn = db::open(&config.db_path)?;
        let mut trust = certlogin::configured_trust(&config)?;
        let mut demo_pki = Vec::new();
        let mut trust_list = trust::TrustService::empty();
        let mut tsa = None;
        let mut ocsp = None;
        if config.demo {
            demo::seed_if_empty(&mut conn, &config)?;
        }
        match (&config.tsl, config.demo) {
            (Some(_), true) => {
                return Err(PortalError::Internal(
                    "a trust list is configured for a real portal; the demo makes its own".into(),
                ))
            }
            (Some(xml), false) => {
                let list = cabinet_sign::tsl::TrustList::parse(xml)
                    .map_err(|e| PortalError::Internal(format!("trust list: {e}")))?;
                tracing::info!(
                    version = list.version,
                    authorities = list.authorities.len(),
                    "trust list configured"
                );
                trust_list = trust::TrustService::new(list, Default::default());
            }
            (None, _) => {}
        }
        feed::backfill(&mut conn)?;
        records::backfill(&mut conn)?;
        legal::backfill(&mut conn)?;
        if config.demo {
            registry::seed_demo_if_empty(&mut conn)?;
            demo::seed_applications_if_empty(&mut conn, &config)?;
            let pki = demo::issue_pki(&mut conn, &config)?;
            demo_pki = pki.files;
            tsa = Some(pki.tsa);
            ocsp = Some(trust::Ocsp {
                ca: pki.ca,
                responder: pki.ocsp,
                url: pki.ocsp_url,
            });
            // Every demo CA this database has seen stays trusted, so .pfx
            // files from an earlier start keep working.
            trust.roots.extend(demo::ca_certificates(&conn)?);
            trust_list = demo::trust_service(&conn)?;
        }
        let limiter = Arc::new(limits::Limiter::new(config.limits.clone()));
        Ok(Self {
            state: AppState {
                db: Arc::new(Mutex::new(conn)),
                readers: Arc::new(db::Readers::new(&config.db_path)),
                config: Arc::new(config),
                trust: Arc::new(trust),
                demo_pki: Arc::new(demo_pki),
                trust_list: Arc::new(trust_list),
                tsa: tsa.map(|key| Arc::new(trust::Tsa::new(key))),
                ocsp: ocsp.map(Arc::new),
                hashing: Arc::new(tokio::sync::Semaphore::new(HASHING_PLACES)),
                limiter,
            },
        })
    }

    pub fn router(&self) -> Router {
        let mut api = Router::new()
            .route(
                "/health",
                axum::routing::get(|| async { axum::Json(serde_json::json!({"status": "ok"})) }),
            )
            .merge(auth::routes())
            .merge(certlogin::routes())
            .merge(trust::routes())
            .merge(recovery::routes())
            .merge(prefs::routes())
            .merge(security::routes())
            .merge(orgs::routes())
            .merge(changes::routes())
            .merge(applications::routes())
            .merge(actions::routes())
            .merge(staff::routes())
            .merge(catalog::routes())
            .merge(legal::routes())
            .merge(registration::routes())
            .merge(support::routes())
            .merge(lifecycle::routes())
            .merge(documents::routes());
        if self.state.config.demo {
            api = api.merge(demo::routes());
        }
        Router::new()
            .nest(cabinet_api::API_PREFIX, api)
            .fallback(error::not_found)
            .layer(axum::middleware::map_response(error::problem_everywhere))
            .layer(compression())
            .layer(tower_http::trace::TraceLayer::new_for_http())
            .with_state(self.state.clone())
    }

    /// Direct access for tests and tools that set up data (e.g. a TOTP user).
    pub fn admin(&self) -> Admin {
        Admin {
            state: self.state.clone(),
        }
    }

    /// Serves on `listener` until `shutdown` resolves.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let gov = self
            .state
            .config
            .gov_interval
            .map(|every| tokio::spawn(government_body(self.state.clone(), every)));
        let purge = tokio::spawn(purge_now_and_then(self.state.clone()));
        let served = axum::serve(
            listener,
            self.router()
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await;
        if let Some(task) = gov {
            task.abort();
        }
        purge.abort();
        served
    }

    /// Binds `addr` (port 0 picks a free port) and serves in the background.
    pub async fn spawn(self, addr: SocketAddr) -> std::io::Result<RunningPortal> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (tx, rx) = oneshot::channel::<()>();
        let admin = self.admin();
        let task = tokio::spawn(async move {
            let shutdown = async move {
                let _ = rx.await;
            };
            if let Err(e) = self.serve(listener, shutdown).await {
                tracing::error!(error = %e, "portal server stopped");
            }
        });
        tracing::info!(%addr, "portal listening");
        Ok(RunningPortal {
            addr,
            shutdown: Some(tx),
            task: Some(task),
            admin,
        })
    }
}

/// A portal serving in the background; stops when dropped or on `stop()`.
pub struct RunningPortal {
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    admin: Admin,
}

impl RunningPortal {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Base URL without a trailing slash, e.g. `http://127.0.0.1:41234`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn admin(&self) -> &Admin {
        &self.admin
    }

    /// Stops accepting connections and waits for the server task to end.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            // Open keep-alive connections would delay a graceful shutdown.
            task.abort();
            let _ = task.await;
        }
    }
}

impl Drop for RunningPortal {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// A user to create through [`Admin::create_user`].
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub full_name: String,
    pub password: String,
    /// Personal INN (12 digits); also a login, and maps a certificate.
    pub inn: Option<String>,
    /// СНИЛС (11 digits); maps a login certificate to the user.
    pub snils: Option<String>,
    /// OGRNIP of an entrepreneur; also a login.
    pub ogrnip: Option<String>,
    pub phone: String,
    pub mfa: MfaMode,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MfaMode {
    None,
    Sms,
    /// Base32 RFC 6238 secret.
    Totp(String),
}

/// zstd or gzip, as the client accepts, for API answers (JSON) only: document
/// contents are served as stored, so `ETag` and `Range` keep meaning bytes of
/// the document itself.
fn compression(
) -> tower_http::compression::CompressionLayer<impl tower_http::compression::Predicate> {
    use axum::http::{header, HeaderMap, StatusCode};
    use tower_http::compression::predicate::{Predicate, SizeAbove};
    let json_only = |status: StatusCode,
                     _: axum::http::Version,
                     headers: &HeaderMap,
                     _: &axum::http::Extensions| {
        status != StatusCode::PARTIAL_CONTENT
            && headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|t| {
                    t.starts_with("application/json") || t.starts_with("application/problem+json")
                })
    };
    tower_http::compression::CompressionLayer::new()
        .gzip(true)
        .zstd(true)
        .compress_when(SizeAbove::new(512).and(json_only))
}

/// The background government body: every `every`, one application of each
/// organization moves one status further.
/// Every ten minutes, what `retention` no longer keeps goes.
async fn purge_now_and_then(state: AppState) {
    let mut tick = tokio::time::interval(Duration::from_secs(10 * 60));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let purged = state
            .with_db(|conn, cfg| retention::purge(conn, &cfg.retention, cfg.clock.now()))
            .await;
        match purged {
            Ok(p) => tracing::debug!(?p, "purged"),
            Err(e) => tracing::warn!(error = %e, "purge failed"),
        }
    }
}

async fn government_body(state: AppState, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    let mut dice = gov::Dice::from_entropy();
    loop {
        tick.tick().await;
        let seed = dice.roll();
        let moved = state
            .with_db(move |conn, cfg| {
                let mut dice = gov::Dice::new(seed);
                let mut moved = 0;
                let now = cfg.clock.now();
                for org in gov::organizations(conn)? {
                    moved += gov::step(conn, &org, 1, now, &mut dice)?.len();
                    // Now and then, something not about an application.
                    let tx = conn.transaction()?;
                    match dice.below(40) {
                        0 => {
                            gov::issue_requirement(&tx, &org, None, now, &mut dice)?;
                        }
                        1 => {
                            gov::issue_charge(&tx, &org, None, now, &mut dice)?;
                        }
                        _ => {}
                    }
                    tx.commit()?;
                }
                moved += registration::review(conn, now)?.len();
                moved += support::answer_open(conn, now)?;
                moved += orgs::approve_pending_changes(conn, now)?;
                Ok(moved)
            })
            .await;
        match moved {
            Ok(n) => tracing::debug!(moved = n, "government body step"),
            Err(e) => tracing::warn!(error = %e, "government body step failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread")]
    async fn reads_go_on_while_the_writer_is_held() {
        let dir = tempfile::tempdir().unwrap();
        let portal = Portal::open(PortalConfig::quick_demo(dir.path().join("p.sqlite3"))).unwrap();
        let st = portal.state.clone();
        // The writer, held by a long transaction elsewhere.
        let (held_tx, held_rx) = std::sync::mpsc::channel();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        let db = st.db.clone();
        let holder = std::thread::spawn(move || {
            let mut conn = db.lock().unwrap();
            let tx = conn.transaction().unwrap();
            tx.execute("UPDATE users SET full_name = full_name", [])
                .unwrap();
            held_tx.send(()).unwrap();
            release_rx.recv().unwrap();
            tx.commit().unwrap();
        });
        held_rx.recv().unwrap();
        // Several reads at once, all answered while the writer is busy (the
        // timeout only turns a deadlock into a failure).
        let reads: Vec<_> = (0..8)
            .map(|_| {
                let st = st.clone();
                tokio::spawn(async move {
                    st.with_read(|conn, _| {
                        Ok(conn
                            .query_row("SELECT count(*) FROM users", [], |r| r.get::<_, i64>(0))?)
                    })
                    .await
                })
            })
            .collect();
        for read in reads {
            let count = tokio::time::timeout(std::time::Duration::from_secs(30), read)
                .await
                .expect("reads wait for no writer")
                .unwrap()
                .unwrap();
            assert!(count > 0);
        }
        // A reader cannot write.
        let refused = st
            .with_read(|conn, _| Ok(conn.execute("DELETE FROM users", [])?))
            .await;
        assert!(refused.is_err());
        release_tx.send(()).unwrap();
        holder.join().unwrap();
    }
}
