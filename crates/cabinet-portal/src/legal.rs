//! The organization's legal status (registration, licences, restrictions,
//! court cases) as a record in the change feed, and an extract from the
//! register on request (`POST /v1/orgs/{org}/legal-status/extract`: a
//! document of the organization). The reference portal has no real
//! registers: the status is made from the profile, the same every time.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use cabinet_api::{
    CourtCase, LegalStatus, Licence, OrgKind, OrgStatus, OrganizationProfile, Restriction,
};
use rusqlite::Connection;

use crate::actions::{body, write};
use crate::clock::ts;
use crate::error::PortalError;
use crate::gov::dmy;
use crate::http::AuthUser;
use crate::{db, records, AppState};

pub fn routes() -> Router<AppState> {
    Router::new().route("/orgs/{org}/legal-status/extract", post(extract))
}

/// The legal status the registers would show for `p`.
pub fn status_for(p: &OrganizationProfile, now: chrono::DateTime<chrono::Utc>) -> LegalStatus {
    let digits: u32 = p.inn.chars().filter_map(|c| c.to_digit(10)).sum();
    let registration = match p.status {
        OrgStatus::Active => "Действующее",
        OrgStatus::Reorganizing => "В процессе реорганизации",
        OrgStatus::Liquidating => "В процессе ликвидации",
        OrgStatus::Liquidated => "Прекратило деятельность",
    };
    let licence = |number: &str, activity: &str, by: &str, on: &str, until: Option<&str>| Licence {
        number: number.to_owned(),
        activity: activity.to_owned(),
        issued_by: by.to_owned(),
        issued_on: on.to_owned(),
        valid_until: until.map(str::to_owned),
        status: "Действующая".to_owned(),
    };
    let licences = match p.okved.get(..2) {
        Some("62") => vec![licence(
            &format!("Л024-00107-77/{:05}", digits * 37 % 100_000),
            "Деятельность по технической защите конфиденциальной информации",
            "ФСТЭК России",
            "2021-06-15",
            None,
        )],
        Some("56" | "47") => vec![licence(
            &format!("77РПА{:07}", digits * 7919 % 10_000_000),
            "Розничная продажа алкогольной продукции при оказании услуг общественного питания",
            "Департамент торговли и услуг г. Москвы",
            "2024-02-01",
            Some("2029-02-01"),
        )],
        Some("35") => vec![licence(
            &format!("ЭЭ-{:04}", digits * 13 % 10_000),
            "Деятельность по продаже электрической энергии",
            "Минэнерго России",
            "2019-09-10",
            None,
        )],
        _ => Vec::new(),
    };
    let mut restrictions = Vec::new();
    if matches!(p.status, OrgStatus::Liquidating | OrgStatus::Liquidated) {
        restrictions.push(Restriction {
            kind: "Решение о ликвидации".to_owned(),
            imposed_by: "Общее собрание участников".to_owned(),
            since: "2026-09-01".to_owned(),
            detail: "Принято решение о ликвидации юридического лица; назначен ликвидатор."
                .to_owned(),
        });
    }
    let cases = match p.kind {
        OrgKind::LegalEntity => 1 + digits % 2,
        OrgKind::Entrepreneur => digits % 2,
    };
    let court_cases = (0..cases)
        .map(|i| CourtCase {
            number: format!("А40-{:06}/2026", (digits * 7717 + i * 104_729) % 1_000_000),
            court: "Арбитражный суд города Москвы".to_owned(),
            role: if i == 0 {
                "Истец"
            } else {
                "Ответчик"
            }
            .to_owned(),
            subject: if i == 0 {
                "О взыскании задолженности по договору поставки"
            } else {
                "О взыскании неустойки за просрочку оплаты"
            }
            .to_owned(),
            status: if i == 0 {
                "Рассматривается"
            } else {
                "Завершено"
            }
            .to_owned(),
            filed_on: format!("2026-0{}-1{}", 3 + i, i),
        })
        .collect();
    LegalStatus {
        id: p.id.clone(),
        registration: registration.to_owned(),
        register: match p.kind {
            OrgKind::LegalEntity => "ЕГРЮЛ",
            OrgKind::Entrepreneur => "ЕГРИП",
        }
        .to_owned(),
        registered_on: p.registered_on.clone(),
        registered_by: "Межрайонная ИФНС России № 46 по г. Москве".to_owned(),
        licences,
        restrictions,
        court_cases,
        checked_at: ts(now),
    }
}

/// Organizations without a legal status record get one.
pub fn backfill(conn: &mut Connection) -> Result<(), PortalError> {
    let tx = conn.transaction()?;
    let orgs: Vec<String> = {
        let mut st = tx.prepare(
            "SELECT id FROM organizations o WHERE NOT EXISTS (SELECT 1 FROM records r
                 WHERE r.org_id = o.id AND r.entity = 'legal_status')",
        )?;
        let rows = st.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
        rows
    };
    for org in orgs {
        let p = db::profile(&tx, &org)?;
        records::put(&tx, &org, &status_for(&p, chrono::Utc::now()))?;
    }
    tx.commit()?;
    Ok(())
}

/// The extract's text: the profile and the legal status as of `now`.
fn extract_text(
    p: &OrganizationProfile,
    s: &LegalStatus,
    now: chrono::DateTime<chrono::Utc>,
) -> String {
    let mut out = format!(
        "ВЫПИСКА ИЗ {register}\nпо состоянию на {date}\n\n\
         Полное наименование: {full}\nСокращённое наименование: {short}\n\
         ИНН: {inn}\n{ogrn_label}: {ogrn}\n{kpp}\
         Дата регистрации: {reg_on}\nРегистрирующий орган: {reg_by}\n\
         Состояние: {state}\nАдрес: {address}\nРуководитель: {head}, {position}\n\
         Основной вид деятельности (ОКВЭД): {okved}\n",
        register = s.register,
        date = now.format("%d.%m.%Y"),
        full = p.full_name,
        short = p.short_name,
        inn = p.inn,
        ogrn_label = match p.kind {
            OrgKind::LegalEntity => "ОГРН",
            OrgKind::Entrepreneur => "ОГРНИП",
        },
        ogrn = p.ogrn,
        kpp = p
            .kpp
            .as_deref()
            .map(|k| format!("КПП: {k}\n"))
            .unwrap_or_default(),
        reg_on = dmy(&s.registered_on),
        reg_by = s.registered_by,
        state = s.registration,
        address = p.legal_address,
        head = p.head_name,
        position = p.head_position,
        okved = p.okved,
    );
    out.push_str("\nЛицензии:\n");
    if s.licences.is_empty() {
        out.push_str("  нет сведений\n");
    }
    for l in &s.licences {
        out.push_str(&format!(
            "  № {} — {}; выдана {} ({}), {}\n",
            l.number,
            l.activity,
            dmy(&l.issued_on),
            l.issued_by,
            l.status.to_lowercase()
        ));
    }
    out
}

async fn extract(
    State(st): State<AppState>,
    user: AuthUser,
    Path(org): Path<String>,
    headers: HeaderMap,
) -> Result<Response, PortalError> {
    let request = format!("extract {org}");
    let o = org.clone();
    write(
        &st,
        user,
        org,
        &headers,
        None,
        request,
        move |tx, cfg, who| {
            let now = cfg.clock.now();
            let p = db::profile(tx, &o)?;
            let s: LegalStatus = match records::get(tx, &o, &o) {
                Ok(s) => s,
                Err(PortalError::NotFound) => status_for(&p, now),
                Err(e) => return Err(e),
            };
            let doc = crate::documents::insert(
                tx,
                &o,
                &format!(
                    "Выписка из {} от {}.txt",
                    s.register,
                    now.format("%d.%m.%Y")
                ),
                "text/plain; charset=utf-8",
                extract_text(&p, &s, now).as_bytes(),
                now,
            )?;
            records::audit(tx, &o, who, "legal.extract", &doc.name, now)?;
            body(&doc).map(|(_, v)| (StatusCode::CREATED, v))
        },
    )
    .await
}
