//! The demo PKI: at every demo start the portal makes a fresh demo CA and
//! issues the director's and the accountant's certificates (and an expired
//! one, to show how it is refused) as password-protected .pfx files.
//!
//! The CA's private key lives only in memory while issuing; the database
//! keeps the CA's public certificate, so files from earlier starts stay
//! trusted. The .pfx passwords are public by design, like the demo users'
//! passwords: they are shown on the app's demo login screen.
//!
//! Beside the demo CA, three more CAs are made at every start, to show
//! what a signature is worth: a second accredited CA, one whose
//! accreditation ended, and a self-made one on no list. Each signs a CRL
//! when it is made (valid a year: there is no key to sign the next one).
//! The demo trust list names every one of these CAs ever made, with its
//! CRL address; the first start of a database also files five documents
//! signed by people of those CAs (see [`seed_signed_documents`]).

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;
use cabinet_api::requisites::complete_snils;
use cabinet_api::DemoCertificate;
use cabinet_sign::pki::{IssuedKey, Profile, Request, Subject};
use cabinet_sign::tsl::{Authority, CaKey, StatusEntry, TrustList};
use cabinet_sign::{CertificateInfo, SigningKey};
use chrono::{DateTime, Duration, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use crate::demo::{ACCOUNTANT_LOGIN, DIRECTOR_LOGIN, ENTREPRENEUR_LOGIN};
use crate::{AppState, PortalConfig, PortalError};

/// Password of the director's demo .pfx files.
pub const DIRECTOR_PFX_PASSWORD: &str = "Director-KEP";
/// Password of the accountant's demo .pfx.
pub const ACCOUNTANT_PFX_PASSWORD: &str = "Buh-KEP";

/// What a demo start made: the users' containers and the demo TSA.
pub struct DemoPki {
    pub files: Vec<DemoPfx>,
    /// The demo time-stamping authority (its key lives as long as the
    /// portal runs, in memory only).
    pub tsa: IssuedKey,
    /// This start's demo CA and the OCSP responder it delegated to.
    pub ca: CertificateInfo,
    pub ocsp: IssuedKey,
    /// The address its signing certificates name for that responder.
    pub ocsp_url: String,
}

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
pub fn issue_pki(conn: &mut Connection, cfg: &PortalConfig) -> Result<DemoPki, PortalError> {
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
    let new_ca = |authority: &str, common_name: String, organization: &str| {
        let ca = IssuedKey::new_root(&Request {
            kind,
            subject: Subject {
                common_name,
                organization: Some(organization.into()),
                ..Subject::default()
            },
            not_before: now - Duration::days(500),
            not_after: now + Duration::days(5 * 365),
            profile: Profile::Root,
        })
        .map_err(internal("CA"))?;
        // The certificates it issues say where its CRL is (the address the
        // trust list names for its key).
        let url = crl_url(authority, &ca.certificate().sha256);
        let ca = ca.with_crl_url(&url);
        let crl = ca
            .crl(&[], now, now + Duration::days(365))
            .map_err(internal("CRL"))?;
        conn.execute(
            "INSERT OR IGNORE INTO demo_ca (sha256, der, created_at, authority, crl)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                ca.certificate().sha256,
                ca.certificate().der,
                now.to_rfc3339(),
                authority,
                crl
            ],
        )?;
        Ok::<_, PortalError>(ca)
    };
    let stamp = now.format("%d.%m.%Y %H:%M");
    let ca = new_ca(
        "demo",
        format!("Демо УЦ ОргКабинета {stamp}"),
        "ОргКабинет (демонстрационный)",
    )?;
    // Its signing certificates name its OCSP responder (the portal answers
    // for that address at `/v1/trust/ocsp?url=…`).
    let ocsp_url = format!(
        "http://ocsp.orgcabinet.demo/{}",
        ca.certificate().sha256[..16].to_ascii_lowercase()
    );
    let ca = ca.with_ocsp_url(&ocsp_url);
    let others = OtherCas {
        second: new_ca(
            "second",
            format!("Второй УЦ {stamp}"),
            "ООО «Второй УЦ» (демонстрационный)",
        )?,
        former: new_ca(
            "former",
            format!("Прежний УЦ {stamp}"),
            "АО «Прежний УЦ» (демонстрационный)",
        )?,
        stranger: new_ca(
            "stranger",
            format!("Самодельный УЦ {stamp}"),
            "Самодельный УЦ",
        )?,
    };
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
    for (key, file_name, password, description, expired) in &items {
        let pfx = key.to_pfx(password).map_err(internal("pfx"))?;
        if let Some(dir) = &cfg.demo_pki_dir {
            write_file(&dir.join(file_name), &pfx)?;
        }
        out.push(DemoPfx {
            info: DemoCertificate {
                file_name: (*file_name).into(),
                password: (*password).into(),
                holder: key
                    .certificate()
                    .subject_common_name
                    .clone()
                    .unwrap_or_default(),
                description: (*description).into(),
                expired: *expired,
            },
            pfx,
        });
    }
    seed_signed_documents(conn, &items[0].0, &items[2].0, &others, kind, now)?;
    if let Some(dir) = &cfg.demo_pki_dir {
        use x509_cert::der::{pem::LineEnding, Decode, EncodePem};
        let pem = x509_cert::Certificate::from_der(&ca.certificate().der)
            .and_then(|c| c.to_pem(LineEnding::LF))
            .map_err(|e| PortalError::Internal(format!("demo CA PEM: {e}")))?;
        write_file(&dir.join("demo-ca.pem"), pem.as_bytes())?;
        tracing::info!(dir = %dir.display(), "demo certificates written");
    }
    let tsa = ca
        .issue(&Request {
            kind,
            subject: Subject {
                common_name: format!("Служба штампов времени ОргКабинета {stamp}"),
                organization: Some("ОргКабинет (демонстрационный)".into()),
                ..Subject::default()
            },
            not_before: now - Duration::days(1),
            not_after: now + Duration::days(5 * 365),
            profile: Profile::TimeStamping,
        })
        .map_err(internal("TSA"))?;
    let ocsp = ca
        .issue(&Request {
            kind,
            subject: Subject {
                common_name: format!("OCSP-служба ОргКабинета {stamp}"),
                organization: Some("ОргКабинет (демонстрационный)".into()),
                ..Subject::default()
            },
            not_before: now - Duration::days(1),
            not_after: now + Duration::days(5 * 365),
            profile: Profile::OcspSigning,
        })
        .map_err(internal("OCSP responder"))?;
    Ok(DemoPki {
        files: out,
        tsa,
        ca: ca.certificate().clone(),
        ocsp,
        ocsp_url,
    })
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

/// The CAs made beside the demo CA at a start.
struct OtherCas {
    second: IssuedKey,
    former: IssuedKey,
    stranger: IssuedKey,
}

/// Where a demo CA's CRL is published (the portal answers for it at
/// `/v1/trust/crl?url=…`).
fn crl_url(authority: &str, sha256: &str) -> String {
    format!(
        "http://crl.orgcabinet.demo/{authority}-{}.crl",
        sha256[..16].to_ascii_lowercase()
    )
}

/// The documents of ООО «Ромашка» that show the verdicts: signed by the
/// director (a qualified signature), by a person of the second accredited
/// CA (qualified too), of the CA whose accreditation ended, of a self-made
/// CA (untrusted), and by the director's expired certificate while it was
/// valid, with no timestamp (not valid now). Filed once per database.
fn seed_signed_documents(
    conn: &mut Connection,
    director: &IssuedKey,
    expired_director: &IssuedKey,
    cas: &OtherCas,
    kind: cabinet_sign::pki::KeyKind,
    now: DateTime<Utc>,
) -> Result<(), PortalError> {
    let org = crate::demo::romashka()?;
    let org_id = crate::db::org_id_by_inn(conn, &org.inn)?;
    let first: Option<String> = conn
        .query_row(
            "SELECT id FROM documents WHERE org_id = ?1 AND name = ?2",
            params![org_id, SIGNED_DOCUMENTS[0].0],
            |r| r.get(0),
        )
        .optional()?;
    if first.is_some() {
        return Ok(());
    }
    let added_by: String = conn.query_row(
        "SELECT id FROM users WHERE email = ?1",
        [DIRECTOR_LOGIN],
        |r| r.get(0),
    )?;
    let person = |ca: &IssuedKey, name: &str, organization: &str| {
        ca.issue(&Request {
            kind,
            subject: Subject {
                organization: Some(organization.into()),
                ..Subject::person(name)
            },
            not_before: now - Duration::days(30),
            not_after: now + Duration::days(330),
            profile: Profile::Signer,
        })
        .map_err(internal("certificate"))
    };
    let second = person(&cas.second, "Петров Павел Андреевич", "ООО «Вектор»")?;
    let former = person(
        &cas.former,
        "Кузнецова Елена Викторовна",
        "ООО «Старый поставщик»",
    )?;
    let stranger = person(
        &cas.stranger,
        "Смирнов Олег Игоревич",
        "ООО «Неизвестная компания»",
    )?;
    let signers: [(&IssuedKey, DateTime<Utc>); 5] = [
        (director, now - Duration::hours(2)),
        (&second, now - Duration::days(1)),
        (&former, now - Duration::days(3)),
        (&stranger, now - Duration::days(2)),
        // While the certificate was valid, the signer says.
        (expired_director, now - Duration::days(100)),
    ];
    let tx = conn.transaction()?;
    for ((name, text), (key, signed_at)) in SIGNED_DOCUMENTS.iter().zip(signers) {
        let text = text.replace("{org}", &org.short_name);
        let doc = crate::documents::insert(
            &tx,
            &org_id,
            name,
            "text/plain; charset=utf-8",
            text.as_bytes(),
            now,
        )?;
        let signature = cabinet_sign::cades::sign_detached(key, text.as_bytes(), signed_at)
            .map_err(internal("signature"))?;
        let c = key.certificate();
        tx.execute(
            "INSERT INTO document_signatures (id, document_id, signer, organization,
                 signature, added_by, added_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                uuid::Uuid::new_v4().to_string(),
                doc.id,
                c.subject_common_name.clone().unwrap_or_default(),
                c.organization,
                signature,
                added_by,
                crate::clock::ts(now)
            ],
        )?;
        let doc = crate::documents::load(&tx, &org_id, &doc.id)?;
        crate::documents::publish(&tx, &doc)?;
    }
    tx.commit()?;
    Ok(())
}

/// Names and texts of the signed demo documents, in the order of their
/// signers in [`seed_signed_documents`].
const SIGNED_DOCUMENTS: [(&str, &str); 5] = [
    (
        "Подписанный договор № 17.txt",
        "ДОГОВОР № 17\n{org} и ООО «Вектор» заключили договор оказания услуг.\n",
    ),
    (
        "Протокол согласования цены.txt",
        "ПРОТОКОЛ СОГЛАСОВАНИЯ ЦЕНЫ\nООО «Вектор» согласует цену по договору № 17.\n",
    ),
    (
        "Счёт старого поставщика.txt",
        "СЧЁТ № 318\nООО «Старый поставщик» выставляет {org} счёт за поставку.\n",
    ),
    (
        "Письмо неизвестной компании.txt",
        "ПИСЬМО\nООО «Неизвестная компания» просит {org} изменить реквизиты оплаты.\n",
    ),
    (
        "Акт сверки за прошлый год.txt",
        "АКТ СВЕРКИ ВЗАИМНЫХ РАСЧЁТОВ\n{org} и ООО «Вектор» подтверждают расчёты за прошлый год.\n",
    ),
];

/// The demo trust list: the demo CA and the second CA accredited, the
/// former one no longer, each key with its CRL address; and the CRLs.
pub fn trust_service(conn: &Connection) -> Result<crate::trust::TrustService, PortalError> {
    let mut stmt = conn.prepare(
        "SELECT authority, der, crl, created_at FROM demo_ca
         WHERE authority != 'stranger' ORDER BY created_at, sha256",
    )?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Vec<u8>>(1)?,
                r.get::<_, Option<Vec<u8>>>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let at = |s: &str| {
        cabinet_sign::tsl::parse_time(s)
            .map_err(|e| PortalError::Internal(format!("demo TSL: {e}")))
    };
    let in_force = |from: &str| -> Result<StatusEntry, PortalError> {
        Ok(StatusEntry {
            status: cabinet_sign::tsl::IN_FORCE.into(),
            reason: Some("Аккредитация".into()),
            from: at(from)?,
            until: None,
        })
    };
    let authority = |name: &str, short: &str, inn: &str, ogrn: &str, number: &str| Authority {
        name: name.into(),
        short_name: short.into(),
        inn: inn.into(),
        ogrn: ogrn.into(),
        registry_number: number.into(),
        ..Authority::default()
    };
    let mut demo = authority(
        "Акционерное общество «Демо УЦ ОргКабинета» (демонстрационный)",
        "АО «Демо УЦ»",
        "7701000014",
        "1207700000010",
        "0001",
    );
    demo.status = Some(in_force("2020-01-01")?);
    demo.history = vec![in_force("2020-01-01")?];
    let mut second = authority(
        "Общество с ограниченной ответственностью «Второй удостоверяющий центр» (демонстрационный)",
        "ООО «Второй УЦ»",
        "7702000029",
        "1217700000021",
        "0002",
    );
    second.status = Some(in_force("2021-07-01")?);
    second.history = vec![in_force("2021-07-01")?];
    let mut former = authority(
        "Акционерное общество «Прежний УЦ» (демонстрационный)",
        "АО «Прежний УЦ»",
        "7703000034",
        "1197700000032",
        "0003",
    );
    let ended = StatusEntry {
        status: "Прекращена".into(),
        reason: Some("Решение о прекращении аккредитации".into()),
        from: at("2025-06-30")?,
        until: None,
    };
    former.status = Some(ended.clone());
    former.history = vec![in_force("2019-01-01")?, ended];
    let mut crls = std::collections::HashMap::new();
    let mut newest = None;
    for (who, der, crl, created) in &rows {
        let cert = CertificateInfo::parse(der).map_err(internal("stored CA"))?;
        let url = crl_url(who, &cert.sha256);
        if let Some(crl) = crl {
            crls.insert(url.clone(), crl.clone());
        }
        let key = CaKey {
            key_id: cert.sha256[..40].to_string(),
            certificates: vec![cert],
            crl_urls: vec![url],
        };
        match who.as_str() {
            "second" => second.keys.push(key),
            "former" => former.keys.push(key),
            _ => demo.keys.push(key),
        }
        newest = Some(created.clone());
    }
    let list = TrustList {
        // One more CA, one more version: the list only grows.
        version: rows.len() as u64,
        date: newest.as_deref().map(at).transpose()?,
        authorities: vec![demo, second, former],
        skipped_certificates: 0,
    };
    Ok(crate::trust::TrustService::new(list, crls))
}

/// Every demo CA certificate this database has issued the demo users'
/// certificates with (not the other CAs of the demo trust list).
pub fn ca_certificates(conn: &Connection) -> Result<Vec<CertificateInfo>, PortalError> {
    let mut stmt =
        conn.prepare("SELECT der FROM demo_ca WHERE authority = 'demo' ORDER BY created_at")?;
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
