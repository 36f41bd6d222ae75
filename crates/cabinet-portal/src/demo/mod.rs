//! Demo data and the demo-only endpoints (`/v1/demo`, `/v1/demo/sms`).
//!
//! The demo organizations carry checksum-valid requisites; the demo users'
//! passwords are public by design and shown on the app's login screen.

use axum::extract::{Query, State};
use axum::routing::get;
use axum::Router;
use cabinet_api::requisites::{complete_inn10, complete_inn12, complete_ogrn, complete_ogrnip};
use cabinet_api::{
    DemoCertificate, DemoInfo, DemoSms, DemoUser, OrgKind, OrgStatus, OrganizationProfile,
};
use rusqlite::Connection;
use serde::Deserialize;

use crate::codes::hash_token;
use crate::error::{ApiJson, PortalError};
use crate::staff;
use crate::{db, AppState, MfaMode, NewUser, PortalConfig};

pub const DIRECTOR_LOGIN: &str = "director@romashka.demo";
pub const DIRECTOR_PASSWORD: &str = "Director-2026";
pub const ACCOUNTANT_LOGIN: &str = "buh@romashka.demo";
pub const ACCOUNTANT_PASSWORD: &str = "Buh-2026";
pub const ADMIN_LOGIN: &str = "admin@romashka.demo";
pub const ADMIN_PASSWORD: &str = "Admin-2026";
pub const ENTREPRENEUR_LOGIN: &str = "smirnov@ip.demo";
pub const ENTREPRENEUR_PASSWORD: &str = "Smirnov-2026";

pub mod pki;

pub use pki::{ca_certificates, issue_pki, trust_service, DemoPfx};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/demo", get(info))
        .route("/demo/sms", get(sms))
        .route("/demo/certificates/{file}", get(pki::download))
}

/// The demo organization the demo certificates are issued for.
pub struct DemoOrg {
    pub short_name: String,
    pub inn: String,
    pub ogrn: String,
}

/// ООО «Ромашка», the first demo organization.
pub fn romashka() -> Result<DemoOrg, PortalError> {
    let seed = &ORGS[0];
    let (inn, ogrn) = requisites(seed)?;
    Ok(DemoOrg {
        short_name: seed.short.into(),
        inn,
        ogrn,
    })
}

fn info_value(certificates: Vec<DemoCertificate>) -> DemoInfo {
    DemoInfo {
        certificates,
        users: vec![
            DemoUser {
                login: ACCOUNTANT_LOGIN.into(),
                password: ACCOUNTANT_PASSWORD.into(),
                full_name: "Петрова Анна Викторовна".into(),
                role: "Бухгалтер".into(),
            },
            DemoUser {
                login: DIRECTOR_LOGIN.into(),
                password: DIRECTOR_PASSWORD.into(),
                full_name: "Иванов Сергей Петрович".into(),
                role: "Руководитель".into(),
            },
            DemoUser {
                login: ADMIN_LOGIN.into(),
                password: ADMIN_PASSWORD.into(),
                full_name: "Орлова Мария Сергеевна".into(),
                role: "Администратор".into(),
            },
            DemoUser {
                login: ENTREPRENEUR_LOGIN.into(),
                password: ENTREPRENEUR_PASSWORD.into(),
                full_name: "Смирнов Алексей Викторович".into(),
                role: "Индивидуальный предприниматель".into(),
            },
        ],
    }
}

async fn info(State(st): State<AppState>) -> ApiJson<DemoInfo> {
    ApiJson(info_value(
        st.demo_pki.iter().map(|p| p.info.clone()).collect(),
    ))
}

#[derive(Deserialize)]
struct SmsQuery {
    ticket: String,
}

async fn sms(
    State(st): State<AppState>,
    q: Result<Query<SmsQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<ApiJson<DemoSms>, PortalError> {
    let Query(q) = q?;
    let sms = st
        .config
        .sms
        .last(&hash_token(&q.ticket))
        .ok_or(PortalError::NotFound)?;
    Ok(ApiJson(DemoSms {
        phone: sms.phone,
        code: sms.code,
        sent_at: sms.sent_at,
    }))
}

struct OrgSeed {
    kind: OrgKind,
    full: &'static str,
    short: &'static str,
    inn_base: &'static str,
    ogrn_base: &'static str,
    kpp: Option<&'static str>,
    status: OrgStatus,
    registered_on: &'static str,
    address: &'static str,
    head: &'static str,
    head_position: &'static str,
    okved: &'static str,
}

// A row constructor for the table below: positional arguments keep each
// organization on a few readable lines.
#[allow(clippy::too_many_arguments)]
const fn legal(
    full: &'static str,
    short: &'static str,
    inn_base: &'static str,
    ogrn_base: &'static str,
    kpp: &'static str,
    registered_on: &'static str,
    address: &'static str,
    head: &'static str,
    okved: &'static str,
) -> OrgSeed {
    OrgSeed {
        kind: OrgKind::LegalEntity,
        full,
        short,
        inn_base,
        ogrn_base,
        kpp: Some(kpp),
        status: OrgStatus::Active,
        registered_on,
        address,
        head,
        head_position: "Генеральный директор",
        okved,
    }
}

const ORGS: &[OrgSeed] = &[
    legal(
        "Общество с ограниченной ответственностью «Ромашка»",
        "ООО «Ромашка»",
        "770412345",
        "115774612345",
        "770401001",
        "2015-03-17",
        "119034, г. Москва, ул. Остоженка, д. 12, офис 4",
        "Иванов Сергей Петрович",
        "62.01 Разработка компьютерного программного обеспечения",
    ),
    OrgSeed {
        kind: OrgKind::Entrepreneur,
        full: "Индивидуальный предприниматель Смирнов Алексей Викторович",
        short: "ИП Смирнов А. В.",
        inn_base: "5003123456",
        ogrn_base: "31950030012345",
        kpp: None,
        status: OrgStatus::Active,
        registered_on: "2019-06-04",
        address: "142700, Московская обл., г. Видное, ул. Школьная, д. 8, кв. 21",
        head: "Смирнов Алексей Викторович",
        head_position: "Индивидуальный предприниматель",
        okved:
            "47.91 Торговля розничная по почте или по информационно-коммуникационной сети Интернет",
    },
    legal(
        "Общество с ограниченной ответственностью «Вектор»",
        "ООО «Вектор»",
        "781023456",
        "117784701234",
        "781001001",
        "2017-09-12",
        "190000, г. Санкт-Петербург, наб. реки Мойки, д. 58",
        // The demo director heads both companies, as the register says:
        // head-only steps ask for the person the register names.
        "Иванов Сергей Петрович",
        "46.90 Торговля оптовая неспециализированная",
    ),
    legal(
        "Акционерное общество «Северный ветер»",
        "АО «Северный ветер»",
        "290134567",
        "102290012345",
        "290101001",
        "2002-11-20",
        "163000, г. Архангельск, пр. Троицкий, д. 45",
        "Белов Игорь Николаевич",
        "50.20 Деятельность морского грузового транспорта",
    ),
    legal(
        "Общество с ограниченной ответственностью «Технопарк Плюс»",
        "ООО «Технопарк Плюс»",
        "540245678",
        "118547601234",
        "540201001",
        "2018-02-01",
        "630090, г. Новосибирск, ул. Инженерная, д. 20",
        "Захаров Павел Сергеевич",
        "72.19 Научные исследования и разработки",
    ),
    legal(
        "Общество с ограниченной ответственностью «Лесная поляна»",
        "ООО «Лесная поляна»",
        "690356789",
        "120690001234",
        "690301001",
        "2020-07-15",
        "690091, г. Владивосток, ул. Светланская, д. 31",
        "Ким Виктория Олеговна",
        "55.20 Деятельность по предоставлению мест для краткосрочного проживания",
    ),
    legal(
        "Общество с ограниченной ответственностью «Альфа-Строй»",
        "ООО «Альфа-Строй»",
        "166123456",
        "116169001234",
        "166101001",
        "2016-04-28",
        "420111, г. Казань, ул. Баумана, д. 19",
        "Галиев Ринат Ильдарович",
        "41.20 Строительство жилых и нежилых зданий",
    ),
    legal(
        "Общество с ограниченной ответственностью «Берёзка»",
        "ООО «Берёзка»",
        "662234567",
        "114665801234",
        "662201001",
        "2014-10-09",
        "620014, г. Екатеринбург, ул. Вайнера, д. 9",
        "Фёдорова Ольга Михайловна",
        "56.10 Деятельность ресторанов и услуги по доставке продуктов питания",
    ),
    legal(
        "Акционерное общество «Уральские самоцветы»",
        "АО «Уральские самоцветы»",
        "745345678",
        "103745001234",
        "745301001",
        "2003-05-22",
        "454091, г. Челябинск, ул. Кирова, д. 110",
        "Соловьёв Андрей Геннадьевич",
        "32.12 Производство ювелирных изделий",
    ),
    legal(
        "Общество с ограниченной ответственностью «Гелиос»",
        "ООО «Гелиос»",
        "231456789",
        "119237501234",
        "231001001",
        "2019-08-30",
        "350000, г. Краснодар, ул. Красная, д. 122",
        "Морозова Екатерина Павловна",
        "35.11 Производство электроэнергии",
    ),
    OrgSeed {
        status: OrgStatus::Liquidating,
        ..legal(
            "Общество с ограниченной ответственностью «Меридиан»",
            "ООО «Меридиан»",
            "631567890",
            "112631601234",
            "631601001",
            "2012-01-16",
            "443099, г. Самара, ул. Куйбышева, д. 90",
            "Тарасов Виталий Евгеньевич",
            "49.41 Деятельность автомобильного грузового транспорта",
        )
    },
    OrgSeed {
        kind: OrgKind::Entrepreneur,
        full: "Индивидуальный предприниматель Кузнецова Мария Игоревна",
        short: "ИП Кузнецова М. И.",
        inn_base: "3662123456",
        ogrn_base: "32136680012345",
        kpp: None,
        status: OrgStatus::Active,
        registered_on: "2021-03-11",
        address: "394036, г. Воронеж, пр. Революции, д. 33",
        head: "Кузнецова Мария Игоревна",
        head_position: "Индивидуальный предприниматель",
        okved: "74.10 Деятельность специализированная в области дизайна",
    },
];

/// ООО «Ромашка»'s account at ПАО Сбербанк (its public BIK and
/// correspondent account; the account's key digit made to fit).
fn demo_bank() -> cabinet_api::BankDetails {
    let bik = "044525225";
    let account = (0..10)
        .map(|k| format!("40702810{k}38000012345"))
        .find(|a| cabinet_api::requisites::validate_settlement_account(a, bik).is_ok())
        .unwrap_or_default();
    cabinet_api::BankDetails {
        bank_name: "ПАО Сбербанк".into(),
        bik: bik.into(),
        account,
        corr_account: "30101810400000000225".into(),
    }
}

fn requisites(seed: &OrgSeed) -> Result<(String, String), PortalError> {
    let bad = || PortalError::Internal(format!("demo requisites of {}", seed.short));
    match seed.kind {
        OrgKind::LegalEntity => Ok((
            complete_inn10(seed.inn_base).ok_or_else(bad)?,
            complete_ogrn(seed.ogrn_base).ok_or_else(bad)?,
        )),
        OrgKind::Entrepreneur => Ok((
            complete_inn12(seed.inn_base).ok_or_else(bad)?,
            complete_ogrnip(seed.ogrn_base).ok_or_else(bad)?,
        )),
    }
}

/// Fills an empty database with the demo organizations and people.
pub fn seed_if_empty(conn: &mut Connection, cfg: &PortalConfig) -> Result<(), PortalError> {
    let users: i64 = conn.query_row("SELECT count(*) FROM users", [], |r| r.get(0))?;
    if users > 0 {
        return Ok(());
    }
    let tx = conn.transaction()?;
    let mut org_ids = Vec::new();
    for (i, seed) in ORGS.iter().enumerate() {
        let (inn, ogrn) = requisites(seed)?;
        let id = uuid::Uuid::new_v4().to_string();
        db::insert_org(
            &tx,
            &OrganizationProfile {
                id: id.clone(),
                kind: seed.kind,
                full_name: seed.full.into(),
                short_name: seed.short.into(),
                inn,
                ogrn,
                kpp: seed.kpp.map(Into::into),
                status: seed.status,
                registered_on: seed.registered_on.into(),
                legal_address: seed.address.into(),
                head_name: seed.head.into(),
                head_position: seed.head_position.into(),
                email: format!("office{}@demo.orgcabinet.ru", i + 1),
                phone: format!("+7 495 {:03}-{:02}-{:02}", 100 + i * 7, 10 + i, 20 + i),
                okved: seed.okved.into(),
                version: 1,
                bank: (i == 0).then(demo_bank),
            },
        )?;
        // One client company's cabinet is suspended, as the portal does
        // when the register names a new head: read-only until the new head
        // asks for it to be lifted.
        if seed.short == "ООО «Меридиан»" {
            crate::lifecycle::set_access(
                &tx,
                &id,
                Some((
                    cabinet_api::AccessState::Suspended,
                    "В ЕГРЮЛ изменились сведения о руководителе. Подтвердите полномочия нового руководителя: подайте заявку на разблокировку с решением о его назначении.",
                )),
                cfg.clock.now(),
            )?;
        }
        org_ids.push(id);
    }
    let user = |tx: &Connection,
                email: &str,
                name: &str,
                pw: &str,
                inn: &str,
                ogrnip: Option<String>,
                phone: &str| {
        staff::insert_user(
            tx,
            &NewUser {
                email: email.into(),
                full_name: name.into(),
                password: pw.into(),
                inn: complete_inn12(inn),
                snils: None,
                ogrnip,
                phone: phone.into(),
                mfa: MfaMode::Sms,
            },
        )
    };
    let director = user(
        &tx,
        DIRECTOR_LOGIN,
        "Иванов Сергей Петрович",
        DIRECTOR_PASSWORD,
        "7704987654",
        None,
        "+79161234567",
    )?;
    let accountant = user(
        &tx,
        ACCOUNTANT_LOGIN,
        "Петрова Анна Викторовна",
        ACCOUNTANT_PASSWORD,
        "7705876543",
        None,
        "+79167654321",
    )?;
    let entrepreneur = user(
        &tx,
        ENTREPRENEUR_LOGIN,
        "Смирнов Алексей Викторович",
        ENTREPRENEUR_PASSWORD,
        "5003123456",
        complete_ogrnip(ORGS[1].ogrn_base),
        "+79031112233",
    )?;
    let administrator = user(
        &tx,
        ADMIN_LOGIN,
        "Орлова Мария Сергеевна",
        ADMIN_PASSWORD,
        "7708543210",
        None,
        "+79165550011",
    )?;
    let mut random_pw = [0u8; 24];
    getrandom::getrandom(&mut random_pw).map_err(|e| PortalError::Internal(format!("rng: {e}")))?;
    let staff_pw = format!("{random_pw:02x?}");
    let manager = user(
        &tx,
        "kuzmin@romashka.demo",
        "Кузьмин Олег Дмитриевич",
        &staff_pw,
        "7706765432",
        None,
        "+79260001122",
    )?;
    let operator = user(
        &tx,
        "sokolova@romashka.demo",
        "Соколова Елена Андреевна",
        &staff_pw,
        "7707654321",
        None,
        "+79260003344",
    )?;

    let romashka = &org_ids[0];
    staff::insert_membership(&tx, romashka, &director, "Руководитель")?;
    staff::insert_membership(&tx, &org_ids[2], &director, "Руководитель")?;
    staff::insert_membership(&tx, romashka, &administrator, "Администратор")?;
    staff::insert_membership(&tx, romashka, &manager, "Менеджер")?;
    staff::insert_membership(&tx, romashka, &operator, "Оператор")?;
    staff::insert_membership(&tx, &org_ids[1], &entrepreneur, "Руководитель")?;
    // The accountant serves the ООО, the ИП and further client companies.
    for id in &org_ids {
        staff::insert_membership(&tx, id, &accountant, "Бухгалтер")?;
    }
    tx.commit()?;
    tracing::info!(organizations = org_ids.len(), "demo data seeded");
    Ok(())
}

/// Demo applications of ООО «Ромашка», one or more in every status, when the
/// database has none.
pub fn seed_applications_if_empty(
    conn: &mut Connection,
    cfg: &PortalConfig,
) -> Result<(), PortalError> {
    use cabinet_api::{Application, ApplicationStatus as S};
    let count: i64 = conn.query_row("SELECT count(*) FROM applications", [], |r| r.get(0))?;
    if count > 0 {
        return Ok(());
    }
    let org = romashka()?;
    let org_id = db::org_id_by_inn(conn, &org.inn)?;
    let author: String = conn.query_row(
        "SELECT id FROM users WHERE email = ?1",
        [DIRECTOR_LOGIN],
        |r| r.get(0),
    )?;
    let now = cfg.clock.now();
    let items: &[(&str, &str, S, i64)] = &[
        ("egrul-extract", "Выписка из ЕГРЮЛ", S::Completed, 60),
        (
            "license-alcohol",
            "Лицензия на розничную продажу алкоголя",
            S::InProgress,
            20,
        ),
        (
            "cash-register",
            "Регистрация контрольно-кассовой техники",
            S::Accepted,
            3,
        ),
        (
            "land-lease",
            "Аренда земельного участка без торгов",
            S::NeedsInfo,
            40,
        ),
        (
            "ad-permit",
            "Разрешение на установку рекламной конструкции",
            S::Rejected,
            50,
        ),
        (
            "fire-safety",
            "Декларация пожарной безопасности",
            S::InProgress,
            45,
        ),
        (
            "employer-reg",
            "Регистрация в качестве страхователя",
            S::Draft,
            1,
        ),
    ];
    let tx = conn.transaction()?;
    for (i, (code, title, status, days_ago)) in items.iter().enumerate() {
        let created = now - chrono::Duration::days(*days_ago);
        let submitted = *status != S::Draft;
        let app = Application {
            id: uuid::Uuid::new_v4().to_string(),
            org_id: org_id.clone(),
            number: submitted.then(|| format!("{}-{:06}", created.format("%Y"), 100 + i)),
            service_code: (*code).into(),
            title: (*title).into(),
            status: *status,
            created_at: crate::clock::ts(created),
            updated_at: crate::clock::ts(created + chrono::Duration::days(1)),
            // Past deadlines on open applications show as overdue.
            deadline: submitted.then(|| {
                (created + chrono::Duration::days(30))
                    .format("%Y-%m-%d")
                    .to_string()
            }),
            version: 1,
            attachments: Vec::new(),
            control_code: None,
            fields: Default::default(),
        };
        crate::applications::store(&tx, &app, &author)?;
    }
    // Documents to read and sign offline.
    let docs: &[(&str, &str, String)] = &[
        (
            "Договор поставки № 14-П.txt",
            "text/plain; charset=utf-8",
            format!(
                "ДОГОВОР ПОСТАВКИ № 14-П\nг. Москва, {}\n\n{} (Поставщик) и ООО «Вектор» \
                 (Покупатель) заключили настоящий договор о нижеследующем.\n\
                 1. Поставщик передаёт, а Покупатель принимает и оплачивает товар.\n",
                now.format("%d.%m.%Y"),
                org.short_name
            ),
        ),
        (
            "Доверенность на бухгалтера.txt",
            "text/plain; charset=utf-8",
            format!(
                "ДОВЕРЕННОСТЬ\n{} уполномочивает Петрову Анну Викторовну представлять \
                 организацию в личном кабинете на портале госуслуг.\n",
                org.short_name
            ),
        ),
    ];
    for (name, mime, text) in docs {
        crate::documents::insert(&tx, &org_id, name, mime, text.as_bytes(), now)?;
    }
    // Requirements and charges: the one about the application that needs
    // information, one due in two days (a reminder shows), and a duty paid.
    let mut dice = crate::gov::Dice::new(20_261_122);
    let apps = crate::gov::applications(&tx, &org_id)?;
    let needs_info = apps.iter().find(|a| a.status == S::NeedsInfo);
    crate::gov::issue_requirement(
        &tx,
        &org_id,
        needs_info,
        now - chrono::Duration::days(3),
        &mut dice,
    )?;
    crate::gov::issue_requirement(
        &tx,
        &org_id,
        None,
        now - chrono::Duration::days(8),
        &mut dice,
    )?;
    let accepted = apps.iter().find(|a| a.status == S::Accepted);
    crate::gov::issue_charge(
        &tx,
        &org_id,
        accepted,
        now - chrono::Duration::days(2),
        &mut dice,
    )?;
    crate::gov::issue_charge(
        &tx,
        &org_id,
        None,
        now - chrono::Duration::days(12),
        &mut dice,
    )?;
    let completed = apps.iter().find(|a| a.status == S::Completed);
    let paid = crate::gov::issue_charge(
        &tx,
        &org_id,
        completed,
        now - chrono::Duration::days(59),
        &mut dice,
    )?;
    let director = crate::access::require(&tx, &org_id, &author, None, None)?;
    crate::actions::settle(
        &tx,
        &org_id,
        paid,
        cabinet_api::PaymentMethod::Sbp,
        &director,
        now - chrono::Duration::days(58),
    )?;
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use cabinet_api::requisites::{validate_inn, validate_kpp, validate_ogrn, validate_ogrnip};

    #[test]
    fn demo_requisites_are_checksum_valid() {
        for seed in ORGS {
            let (inn, ogrn) = requisites(seed).unwrap();
            validate_inn(&inn).unwrap();
            match seed.kind {
                OrgKind::LegalEntity => {
                    validate_ogrn(&ogrn).unwrap();
                    validate_kpp(seed.kpp.unwrap()).unwrap();
                }
                OrgKind::Entrepreneur => validate_ogrnip(&ogrn).unwrap(),
            }
        }
    }
}
