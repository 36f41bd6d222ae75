//! The demo PKI: at every demo start the portal makes a fresh demo CA and
//! issues the director's and the accountant's certificates (and an expired
//! one, to show how it is refused) as password-protected .pfx files.
//!
//! The CA's private key lives only in memory while issuing; the database
//! keeps the CA's public certificate, so files from earlier starts stay
//! trusted. The .pfx passwords are public by design, like the demo users'
//! passwords: they are shown on the app's demo login screen.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;
use cabinet_api::requisites::complete_snils;
use cabinet_api::DemoCertificate;
use cabinet_sign::pki::{IssuedKey, Profile, Request, Subject};
use cabinet_sign::{CertificateInfo, SigningKey};
use chrono::{Duration, Utc};
use rusqlite::{params, Connection};

use crate::demo::{ACCOUNTANT_LOGIN, DIRECTOR_LOGIN, ENTREPRENEUR_LOGIN};
use crate::{AppState, PortalConfig, PortalError};

/// Password of the director's demo .pfx files.
pub const DIRECTOR_PFX_PASSWORD: &str = "Director-KEP";
/// Password of the accountant's demo .pfx.
pub const ACCOUNTANT_PFX_PASSWORD: &str = "Buh-KEP";

/// One demo certificate with its container.
#[derive(Clone)]
pub struct DemoPfx {
    pub info: DemoCertificate,
    pub pfx: Vec<u8>,
}

/// СНИЛС of the demo people (first nine digits; the check is computed).
const SNILS: &[(&str, &str)] = &[
    (DIRECTOR_LOGIN, "112233445"),
    (ACCOUNTANT_LOGIN, "156789012"),
    (ENTREPRENEUR_LOGIN, "167890123"),
];

fn internal(what: &str) -> impl Fn(cabinet_sign::SignError) -> PortalError + '_ {
    move |e| PortalError::Internal(format!("demo PKI, {what}: {e}"))
}

struct Person {
    full_name: String,
    inn: Option<String>,
    snils: Option<String>,
}

fn person(conn: &Connection, login: &str) -> Result<Person, PortalError> {
    Ok(conn.query_row(
        "SELECT full_name, inn, snils FROM users WHERE email = ?1",
        [login],
        |r| {
            Ok(Person {
                full_name: r.get(0)?,
                inn: r.get(1)?,
                snils: r.get(2)?,
            })
        },
    )?)
}

fn subject(p: &Person, title: &str, org: &crate::demo::DemoOrg) -> Subject {
    Subject {
        title: Some(title.into()),
        organization: Some(org.short_name.clone()),
        locality: Some("г. Москва".into()),
        inn: p.inn.clone(),
        inn_le: Some(org.inn.clone()),
        ogrn: Some(org.ogrn.clone()),
        snils: p.snils.clone(),
        ..Subject::person(&p.full_name)
    }
}

/// Makes the demo CA and certificates; remembers the CA certificate.
pub fn issue_pki(conn: &mut Connection, cfg: &PortalConfig) -> Result<Vec<DemoPfx>, PortalError> {
    for (login, base) in SNILS {
        let snils = complete_snils(base)
            .ok_or_else(|| PortalError::Internal(format!("demo СНИЛС {base}")))?;
        // Databases seeded before certificate login had no СНИЛС.
        conn.execute(
            "UPDATE users SET snils = ?2 WHERE email = ?1 AND snils IS NULL",
            params![login, snils],
        )?;
    }
    let now = Utc::now();
    let kind = cfg.demo_key_kind;
    let ca = IssuedKey::new_root(&Request {
        kind,
        subject: Subject {
            common_name: format!("Демо УЦ ОргКабинета {}", now.format("%d.%m.%Y %H:%M")),
            organization: Some("ОргКабинет (демонстрационный)".into()),
            ..Subject::default()
        },
        not_before: now - Duration::days(1),
        not_after: now + Duration::days(5 * 365),
        profile: Profile::Root,
    })
    .map_err(internal("CA"))?;
    conn.execute(
        "INSERT OR IGNORE INTO demo_ca (sha256, der, created_at) VALUES (?1, ?2, ?3)",
        params![
            ca.certificate().sha256,
            ca.certificate().der,
            now.to_rfc3339()
        ],
    )?;
    let org = crate::demo::romashka()?;
    let director = person(conn, DIRECTOR_LOGIN)?;
    let accountant = person(conn, ACCOUNTANT_LOGIN)?;
    let issue = |p: &Person, title: &str, from: Duration, to: Duration| {
        ca.issue(&Request {
            kind,
            subject: subject(p, title, &org),
            not_before: now + from,
            not_after: now + to,
            profile: Profile::Signer,
        })
        .map_err(internal("certificate"))
    };
    let items = [
        (
            issue(
                &director,
                "Генеральный директор",
                -Duration::days(1),
                Duration::days(365),
            )?,
            "director.pfx",
            DIRECTOR_PFX_PASSWORD,
            "Руководитель, действующий",
            false,
        ),
        (
            // Close to its end, so the app shows the expiry warning.
            issue(
                &accountant,
                "Главный бухгалтер",
                -Duration::days(340),
                Duration::days(20),
            )?,
            "accountant.pfx",
            ACCOUNTANT_PFX_PASSWORD,
            "Бухгалтер, истекает через 20 дней",
            false,
        ),
        (
            issue(
                &director,
                "Генеральный директор",
                -Duration::days(400),
                -Duration::days(35),
            )?,
            "director-expired.pfx",
            DIRECTOR_PFX_PASSWORD,
            "Руководитель, срок действия истёк",
            true,
        ),
    ];
    let mut out = Vec::new();
    for (key, file_name, password, description, expired) in items {
        let pfx = key.to_pfx(password).map_err(internal("pfx"))?;
        if let Some(dir) = &cfg.demo_pki_dir {
            write_file(&dir.join(file_name), &pfx)?;
        }
        out.push(DemoPfx {
            info: DemoCertificate {
                file_name: file_name.into(),
                password: password.into(),
                holder: key
                    .certificate()
                    .subject_common_name
                    .clone()
                    .unwrap_or_default(),
                description: description.into(),
                expired,
            },
            pfx,
        });
    }
    if let Some(dir) = &cfg.demo_pki_dir {
        use x509_cert::der::{pem::LineEnding, Decode, EncodePem};
        let pem = x509_cert::Certificate::from_der(&ca.certificate().der)
            .and_then(|c| c.to_pem(LineEnding::LF))
            .map_err(|e| PortalError::Internal(format!("demo CA PEM: {e}")))?;
        write_file(&dir.join("demo-ca.pem"), pem.as_bytes())?;
        tracing::info!(dir = %dir.display(), "demo certificates written");
    }
    Ok(out)
}

/// Writes through a temporary file and a rename, so a reader never sees half
/// a container.
fn write_file(path: &std::path::Path, bytes: &[u8]) -> Result<(), PortalError> {
    let io = |e: std::io::Error| PortalError::Internal(format!("{}: {e}", path.display()));
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let tmp = path.with_extension("part");
    std::fs::write(&tmp, bytes).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}

/// Every demo CA certificate this database has issued with.
pub fn ca_certificates(conn: &Connection) -> Result<Vec<CertificateInfo>, PortalError> {
    let mut stmt = conn.prepare("SELECT der FROM demo_ca ORDER BY created_at")?;
    let ders = stmt
        .query_map([], |r| r.get::<_, Vec<u8>>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    ders.iter()
        .map(|d| CertificateInfo::parse(d).map_err(internal("stored CA")))
        .collect()
}

/// `GET /v1/demo/certificates/{file}`: a demo .pfx.
pub async fn download(
    State(st): State<AppState>,
    Path(file): Path<String>,
) -> Result<impl IntoResponse, PortalError> {
    let item = st
        .demo_pki
        .iter()
        .find(|p| p.info.file_name == file)
        .ok_or(PortalError::NotFound)?;
    Ok((
        [(header::CONTENT_TYPE, "application/x-pkcs12")],
        item.pfx.clone(),
    ))
}
