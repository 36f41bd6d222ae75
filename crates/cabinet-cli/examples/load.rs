//! `cargo xtask load`: the reference portal on loopback and N simulated
//! clients (the real client, `cabinet_core::Cabinet`, each with its own
//! cache) that log in, sync, list, submit drafts and sign documents for a
//! while; in the second half a flood of bad password logins runs beside
//! them. Prints requests per second and p50/p99 per operation, the errors,
//! and the authenticated p99 with the flood against without it; then a
//! fresh client syncs everything and every action the clients saw
//! acknowledged must be there exactly once. Exits non-zero on an error or
//! a lost or duplicated action.
//!
//! `LOAD_CLIENTS` (50) and `LOAD_SECONDS` (300) set the size.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use cabinet_core::lists::ApplicationQuery;
use cabinet_core::secrets::{Keychain, KeychainBackend};
use cabinet_core::view::LoginStep;
use cabinet_core::Cabinet;
use cabinet_portal::{MfaMode, NewUser, Portal, PortalConfig};
use cabinet_sign::pki::{IssuedKey, KeyKind, Profile, Request, Subject};
use cabinet_sign::SigningKey;
use chrono::Utc;

const PASSWORD: &str = "Load-test-1";
const SIGNER_ROLE: &str = "Подписант";

/// Latencies per operation, and errors, of one phase.
#[derive(Default)]
struct Stats {
    times: HashMap<&'static str, Vec<Duration>>,
    errors: Vec<String>,
}

#[derive(Default)]
struct Shared {
    calm: Stats,
    flood: Stats,
    /// Titles of drafts whose push the client saw acknowledged.
    drafts: Vec<String>,
    /// (document id, signer) of signatures the portal acknowledged.
    signatures: Vec<(String, String)>,
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

async fn logged_in(
    url: &str,
    data: &std::path::Path,
    login: &str,
    password: &str,
) -> Result<Cabinet> {
    let cab = Cabinet::new(url.parse()?, data, Keychain::new(KeychainBackend::Keyutils))?
        .with_prefetch(cabinet_core::sync::PrefetchPolicy {
            scope: cabinet_core::sync::PrefetchScope::None,
            cap_bytes: 0,
        });
    match cab.login_password(login, password).await? {
        LoginStep::Done { .. } => {}
        LoginStep::NeedCode { ticket, .. } => {
            let code = cab.demo_sms(&ticket).await?.code;
            cab.submit_code(&ticket, &code).await?;
        }
    }
    Ok(cab)
}

/// One simulated person working until `end`; the second half of the run
/// counts as the flood phase.
async fn client(
    n: usize,
    cab: Cabinet,
    org: String,
    key: IssuedKey,
    half: Instant,
    end: Instant,
    shared: Arc<Mutex<Shared>>,
) {
    let mut i = 0u64;
    let record = |op: &'static str, took: Duration, result: Result<(), String>| {
        let mut s = shared.lock().unwrap();
        let phase = if Instant::now() < half {
            &mut s.calm
        } else {
            &mut s.flood
        };
        phase.times.entry(op).or_default().push(took);
        if let Err(e) = result {
            phase.errors.push(format!("client {n}, {op}: {e}"));
        }
    };
    while Instant::now() < end {
        i += 1;
        let t = Instant::now();
        let r = cab.sync(&org).await.map(|_| ()).map_err(|e| e.to_string());
        record("sync", t.elapsed(), r);

        let t = Instant::now();
        let query = ApplicationQuery {
            limit: 50,
            ..Default::default()
        };
        let r = cab
            .application_page(&org, &query)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string());
        record("list (cache)", t.elapsed(), r);

        // A draft: made here, pushed by the sync.
        let title = format!("Нагрузка {n}-{i}");
        let t = Instant::now();
        let r = async {
            let mut fields = BTreeMap::new();
            fields.insert("purpose".to_owned(), "Для банка".to_owned());
            cab.create_application(&org, "egrul-extract", &title, fields)
                .await?;
            let report = cab.sync(&org).await?;
            if report.pending + report.failed + report.conflicts > 0 {
                return Err(cabinet_core::CoreError::Config(format!(
                    "{} queued, {} refused, {} in conflict",
                    report.pending, report.failed, report.conflicts
                )));
            }
            Ok::<_, cabinet_core::CoreError>(())
        }
        .await;
        if r.is_ok() {
            shared.lock().unwrap().drafts.push(title.clone());
        }
        record("submit draft", t.elapsed(), r.map_err(|e| e.to_string()));

        if i % 3 == 0 {
            let t = Instant::now();
            let r = async {
                let docs = cab.documents(&org, 10_000).await?.items;
                let Some(doc) = docs.get((n + i as usize) % docs.len().max(1)) else {
                    return Ok(None);
                };
                let id = doc.document.id.clone();
                cab.sign_document(&org, &id, &key).await?;
                let report = cab.sync(&org).await?;
                if report.pending > 0 {
                    return Err(cabinet_core::CoreError::Config(format!(
                        "{} actions still queued",
                        report.pending
                    )));
                }
                Ok(Some(id))
            }
            .await;
            if let Ok(Some(id)) = &r {
                let signer = key
                    .certificate()
                    .subject_common_name
                    .clone()
                    .unwrap_or_default();
                shared.lock().unwrap().signatures.push((id.clone(), signer));
            }
            record(
                "sign document",
                t.elapsed(),
                r.map(|_| ()).map_err(|e| e.to_string()),
            );
        }
    }
}

/// Bad password logins, as fast as the portal answers, until `end`.
async fn flood(url: String, end: Instant, sent: Arc<Mutex<HashMap<u16, u64>>>) {
    let http = reqwest::Client::new();
    let mut i = 0u64;
    while Instant::now() < end {
        i += 1;
        let status = http
            .post(format!("{url}/v1/auth/password"))
            .json(
                &serde_json::json!({"login": format!("nobody{i}@flood.test"), "password": "wrong"}),
            )
            .send()
            .await
            .map(|r| r.status().as_u16())
            .unwrap_or(0);
        *sent.lock().unwrap().entry(status).or_default() += 1;
    }
}

fn report(name: &str, stats: &Stats, seconds: f64) {
    let total: usize = stats.times.values().map(Vec::len).sum();
    println!(
        "\n{name}: {total} operations in {seconds:.0} s ({:.1}/s), {} errors",
        total as f64 / seconds,
        stats.errors.len()
    );
    println!(
        "  {:<16} {:>8} {:>10} {:>10}",
        "operation", "count", "p50", "p99"
    );
    let mut ops: Vec<_> = stats.times.iter().collect();
    ops.sort_by_key(|(k, _)| *k);
    for (op, times) in ops {
        let mut t = times.clone();
        t.sort();
        println!(
            "  {:<16} {:>8} {:>10} {:>10}",
            op,
            t.len(),
            ms(percentile(&t, 0.5)),
            ms(percentile(&t, 0.99))
        );
    }
    for e in stats.errors.iter().take(10) {
        println!("  error: {e}");
    }
}

/// The p99 of the operations that talk to the portal.
fn authenticated_p99(stats: &Stats) -> Duration {
    let mut all: Vec<Duration> = stats
        .times
        .iter()
        .filter(|(op, _)| !op.contains("cache"))
        .flat_map(|(_, t)| t.iter().copied())
        .collect();
    all.sort();
    percentile(&all, 0.99)
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> Result<()> {
    let clients = env_number("LOAD_CLIENTS", 50) as usize;
    let seconds = env_number("LOAD_SECONDS", 300);
    let dir = tempfile::tempdir()?;

    // A CA of our own signs the load users' certificates; the portal trusts it.
    let now = Utc::now();
    let ca = IssuedKey::new_root(&Request {
        kind: KeyKind::EcdsaP256,
        subject: Subject::person("УЦ нагрузочного теста"),
        not_before: now - chrono::Duration::days(1),
        not_after: now + chrono::Duration::days(30),
        profile: Profile::Root,
    })?;
    let mut config = PortalConfig::quick_demo(dir.path().join("portal.sqlite3"));
    config.trusted_roots = vec![ca.certificate().der.clone()];
    config.gov_interval = None;
    // The flood reaches the password check (as from many addresses): the
    // limits that would turn it away early are out of its way.
    config.limits = cabinet_portal::limits::Limits::unlimited();
    let portal = Portal::open(config)?
        .spawn("127.0.0.1:0".parse()?)
        .await
        .context("portal")?;
    let url = portal.url();
    let inn = cabinet_api::requisites::complete_inn10("770412345").context("inn")?;
    let org = portal.admin().org_id_by_inn(&inn).await?;
    println!("portal {url}, {clients} clients, {seconds} s (flood in the second half)");

    // The head makes a role that may sign; the load users get it.
    let head = logged_in(
        &url,
        &dir.path().join("head"),
        cabinet_portal::DIRECTOR_LOGIN,
        cabinet_portal::DIRECTOR_PASSWORD,
    )
    .await?;
    head.open_organization(&org).await?;
    head.save_role(
        &org,
        None,
        cabinet_api::SaveRole {
            name: SIGNER_ROLE.into(),
            permissions: vec![
                cabinet_api::Permission::ApplicationsEdit,
                cabinet_api::Permission::DocumentsSign,
            ],
        },
    )
    .await?;
    head.sync(&org).await?;

    let mut people = Vec::new();
    for n in 0..clients {
        let email = format!("load{n}@romashka.test");
        let name = format!("Нагрузкин Тест {n}");
        let user = portal
            .admin()
            .create_user(NewUser {
                email: email.clone(),
                full_name: name.clone(),
                password: PASSWORD.into(),
                inn: None,
                snils: None,
                ogrnip: None,
                phone: "+79990000010".into(),
                mfa: MfaMode::None,
            })
            .await?;
        portal.admin().add_member(&org, &user, SIGNER_ROLE).await?;
        let key = ca.issue(&Request {
            kind: KeyKind::EcdsaP256,
            subject: Subject::person(&name),
            not_before: now - chrono::Duration::days(1),
            not_after: now + chrono::Duration::days(30),
            profile: Profile::Signer,
        })?;
        people.push((email, key));
    }

    let started = Instant::now();
    let mut cabinets = Vec::new();
    for (n, (email, _)) in people.iter().enumerate() {
        let cab = logged_in(&url, &dir.path().join(format!("c{n}")), email, PASSWORD).await?;
        cab.open_organization(&org).await?;
        cabinets.push(cab);
    }
    println!(
        "{clients} logins in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let shared = Arc::new(Mutex::new(Shared::default()));
    let start = Instant::now();
    let half = start + Duration::from_secs(seconds / 2);
    let end = start + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for (n, (cab, (_, key))) in cabinets.into_iter().zip(people).enumerate() {
        tasks.push(tokio::spawn(client(
            n,
            cab,
            org.clone(),
            key,
            half,
            end,
            shared.clone(),
        )));
    }
    let flood_sent = Arc::new(Mutex::new(HashMap::new()));
    let flooders: Vec<_> = (0..16)
        .map(|_| {
            let (url, sent) = (url.clone(), flood_sent.clone());
            tokio::spawn(async move {
                tokio::time::sleep_until(half.into()).await;
                flood(url, end, sent).await;
            })
        })
        .collect();
    for t in tasks.into_iter().chain(flooders) {
        t.await?;
    }

    let s = std::mem::take(&mut *shared.lock().unwrap());
    report("without the flood", &s.calm, seconds as f64 / 2.0);
    report("with a flood of bad logins", &s.flood, seconds as f64 / 2.0);
    let flood_counts = flood_sent.lock().unwrap().clone();
    println!("  the flood's answers: {flood_counts:?}");
    let (calm, flooded) = (authenticated_p99(&s.calm), authenticated_p99(&s.flood));
    let ratio = flooded.as_secs_f64() / calm.as_secs_f64().max(1e-9);
    println!(
        "\nauthenticated p99: {} without the flood, {} with it: {ratio:.2}× (target ≤ 3×)",
        ms(calm),
        ms(flooded)
    );

    // A fresh client's full sync is the portal's truth.
    let check = logged_in(
        &url,
        &dir.path().join("check"),
        "load0@romashka.test",
        PASSWORD,
    )
    .await?;
    check.open_organization(&org).await?;
    check.sync(&org).await?;
    let mut titles: HashMap<String, usize> = HashMap::new();
    let mut offset = 0;
    loop {
        let page = check
            .application_page(
                &org,
                &ApplicationQuery {
                    offset,
                    limit: 500,
                    ..Default::default()
                },
            )
            .await?;
        for a in &page.items {
            *titles.entry(a.title.clone()).or_default() += 1;
        }
        offset += page.items.len() as u32;
        if page.items.is_empty() || offset >= page.total {
            break;
        }
    }
    let lost: Vec<&String> = s
        .drafts
        .iter()
        .filter(|t| !titles.contains_key(*t))
        .collect();
    let doubled: Vec<&String> = s
        .drafts
        .iter()
        .filter(|t| titles.get(*t).copied().unwrap_or(0) > 1)
        .collect();
    let docs = check.documents(&org, 10_000).await?.items;
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    for d in &docs {
        for sig in &d.document.signatures {
            *seen
                .entry((d.document.id.clone(), sig.signer.clone()))
                .or_default() += 1;
        }
    }
    let mut expected: HashMap<(String, String), usize> = HashMap::new();
    for k in &s.signatures {
        *expected.entry(k.clone()).or_default() += 1;
    }
    let wrong_signatures: Vec<_> = expected
        .iter()
        .filter(|(k, n)| seen.get(*k).copied().unwrap_or(0) != **n)
        .collect();
    println!(
        "\nacknowledged: {} drafts, {} signatures; lost drafts {}, duplicated drafts {}, signatures not there exactly as acknowledged {}",
        s.drafts.len(),
        s.signatures.len(),
        lost.len(),
        doubled.len(),
        wrong_signatures.len()
    );
    let errors = s.calm.errors.len() + s.flood.errors.len();
    if errors > 0 || !lost.is_empty() || !doubled.is_empty() || !wrong_signatures.is_empty() {
        bail!(
            "{errors} errors, {} lost, {} duplicated, {} signatures off",
            lost.len(),
            doubled.len(),
            wrong_signatures.len()
        );
    }
    println!("load: 0 errors, nothing lost or duplicated");
    Ok(())
}
