//! The demo "government body": it works through submitted applications the
//! way an agency would, one step at a time — accepted → in progress → done
//! (most), needs information, or refused — each step a versioned write that
//! lands in the change feed like any other. In demo mode it runs in the
//! background every `PortalConfig::gov_interval`; tests drive it through
//! [`crate::Admin::gov_step`] or leave it off.
//!
//! Also the bulk seeding of large organizations for the sync benchmark and
//! the crash tests.

use cabinet_api::{
    Application, ApplicationStatus as S, Charge, ChargeKind, ChargeStatus, Notification,
    NotificationKind, Record, Requirement, RequirementStatus,
};
use rusqlite::{params, Connection};

use crate::clock::ts;
use crate::error::PortalError;
use crate::records;

/// A small deterministic generator (splitmix64): the demo does not need
/// cryptographic randomness, and seeded runs repeat.
pub struct Dice(u64);

impl Dice {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn from_entropy() -> Self {
        Self(u64::from_le_bytes(
            uuid::Uuid::new_v4().as_bytes()[..8]
                .try_into()
                .expect("8 bytes"),
        ))
    }

    pub fn roll(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.roll() % n.max(1)
    }
}

/// Moves up to `n` applications of `org` one status further, oldest update
/// first, telling the organization of each step; a request for information
/// comes as a requirement, and an accepted application may bring a duty to
/// pay. Answered requirements are closed, and their applications go back
/// to work. Returns the applications changed.
pub fn step(
    conn: &mut Connection,
    org: &str,
    n: usize,
    now: chrono::DateTime<chrono::Utc>,
    dice: &mut Dice,
) -> Result<Vec<Application>, PortalError> {
    let tx = conn.transaction()?;
    let ids: Vec<String> = {
        let mut st = tx.prepare(
            "SELECT id FROM applications WHERE org_id = ?1 AND status IN ('accepted', 'in_progress')
             ORDER BY updated_at, id LIMIT ?2",
        )?;
        let rows = st
            .query_map(params![org, n as i64], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        rows
    };
    let mut changed = Vec::with_capacity(ids.len());
    for id in ids {
        let mut app = crate::applications::load(&tx, org, &id)?;
        let accepted = app.status == S::Accepted;
        app.status = match app.status {
            S::Accepted => S::InProgress,
            _ => match dice.below(10) {
                0 => S::NeedsInfo,
                1 => S::Rejected,
                _ => S::Completed,
            },
        };
        move_on(&tx, &mut app, now)?;
        if app.status == S::NeedsInfo {
            issue_requirement(&tx, org, Some(&app), now, dice)?;
        }
        if accepted && dice.below(3) == 0 {
            issue_charge(&tx, org, Some(&app), now, dice)?;
        }
        changed.push(app);
    }
    remind(&tx, org, now)?;
    for mut r in records::list::<Requirement>(&tx, org, None)? {
        if r.status != RequirementStatus::Answered {
            continue;
        }
        r.status = RequirementStatus::Closed;
        r.version += 1;
        records::put(&tx, org, &r)?;
        if let Some(id) = &r.application_id {
            let mut app = crate::applications::load(&tx, org, id)?;
            if app.status == S::NeedsInfo {
                app.status = S::InProgress;
                move_on(&tx, &mut app, now)?;
                changed.push(app);
            }
        }
    }
    tx.commit()?;
    Ok(changed)
}

/// Stores the application's new status as the government body's step and
/// notifies the organization.
fn move_on(
    tx: &Connection,
    app: &mut Application,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), PortalError> {
    app.updated_at = ts(now);
    app.version += 1;
    crate::applications::store(tx, app, crate::applications::GOV)?;
    records::notify(
        tx,
        &app.org_id,
        NotificationKind::Status,
        format!(
            "Заявление № {}: {}",
            app.number.as_deref().unwrap_or("—"),
            app.status.name_ru()
        ),
        app.title.clone(),
        "application",
        &app.id,
        now,
    )?;
    Ok(())
}

/// The authority that handles a service.
fn authority(service_code: Option<&str>) -> &'static str {
    match service_code {
        Some("egrul-extract" | "cash-register") => "УФНС России по г. Москве",
        Some("license-alcohol") => "Департамент торговли и услуг г. Москвы",
        Some("land-lease") => "Департамент городского имущества г. Москвы",
        Some("ad-permit") => "Департамент СМИ и рекламы г. Москвы",
        Some("fire-safety") => "ГУ МЧС России по г. Москве",
        Some("employer-reg") => "Отделение СФР по г. Москве и Московской области",
        Some("waste-license") => "Росприроднадзор",
        _ => "УФНС России по г. Москве",
    }
}

/// Issues a requirement to `org` (about `app`, if given), due in 10 days,
/// and notifies the organization.
pub fn issue_requirement(
    tx: &Connection,
    org: &str,
    app: Option<&Application>,
    now: chrono::DateTime<chrono::Utc>,
    dice: &mut Dice,
) -> Result<Requirement, PortalError> {
    let (title, text) = match app {
        Some(a) => (
            format!(
                "Требование о представлении документов по заявлению № {}",
                a.number.as_deref().unwrap_or("—")
            ),
            format!(
                "Для рассмотрения заявления «{}» представьте недостающие сведения и \
                 документы в течение 10 дней.",
                a.title
            ),
        ),
        None => (
            "Требование о представлении пояснений".to_owned(),
            "В ходе камеральной проверки выявлены расхождения. Представьте пояснения \
             или внесите исправления в течение 10 дней."
                .to_owned(),
        ),
    };
    let r = Requirement {
        id: uuid::Uuid::new_v4().to_string(),
        number: format!("{}/{:06}", now.format("%Y"), dice.below(1_000_000)),
        title,
        text,
        authority: authority(app.map(|a| a.service_code.as_str())).to_owned(),
        application_id: app.map(|a| a.id.clone()),
        created_at: ts(now),
        due_date: (now + chrono::Duration::days(10))
            .format("%Y-%m-%d")
            .to_string(),
        status: RequirementStatus::New,
        answer: None,
        version: 1,
    };
    records::put(tx, org, &r)?;
    records::notify(
        tx,
        org,
        NotificationKind::Requirement,
        format!("Новое требование № {}", r.number),
        format!("{}. Срок ответа — {}", r.title, dmy(&r.due_date)),
        Requirement::ENTITY,
        &r.id,
        now,
    )?;
    Ok(r)
}

/// Days before the due date when an open requirement is reminded of.
pub const REMIND_DAYS: i64 = 3;

/// Reminds `org` of each open requirement due within [`REMIND_DAYS`] (or
/// overdue), once per requirement: the reminder's id is derived from the
/// requirement's, so steps and restarts never repeat it.
pub fn remind(
    tx: &Connection,
    org: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<usize, PortalError> {
    let today = now.date_naive();
    let mut sent = 0;
    for r in records::list::<Requirement>(tx, org, None)? {
        if !matches!(
            r.status,
            RequirementStatus::New | RequirementStatus::Accepted
        ) {
            continue;
        }
        let Ok(due) = chrono::NaiveDate::parse_from_str(&r.due_date, "%Y-%m-%d") else {
            continue;
        };
        let left = (due - today).num_days();
        if left > REMIND_DAYS {
            continue;
        }
        let id = format!("reminder-{}", r.id);
        match records::get::<Notification>(tx, org, &id) {
            Ok(_) => continue,
            Err(PortalError::NotFound) => {}
            Err(e) => return Err(e),
        }
        let when = match left {
            ..=-1 => format!("истёк {}", dmy(&r.due_date)),
            0 => "истекает сегодня".to_owned(),
            n => format!("истекает {} (осталось дней: {n})", dmy(&r.due_date)),
        };
        records::put(
            tx,
            org,
            &Notification {
                id,
                kind: NotificationKind::Requirement,
                title: format!("Напоминание: требование № {}", r.number),
                text: format!("Срок ответа на «{}» {when}.", r.title),
                created_at: ts(now),
                read: false,
                entity: Some(Requirement::ENTITY.to_owned()),
                entity_id: Some(r.id.clone()),
            },
        )?;
        sent += 1;
    }
    Ok(sent)
}

/// An ISO date (or the date of an RFC 3339 time) as DD.MM.YYYY; anything
/// else as it is.
pub(crate) fn dmy(iso_date: &str) -> String {
    chrono::NaiveDate::parse_from_str(iso_date.get(..10).unwrap_or(iso_date), "%Y-%m-%d")
        .map(|d| d.format("%d.%m.%Y").to_string())
        .unwrap_or_else(|_| iso_date.to_owned())
}

/// Issues a charge to `org`: the state duty for `app`, or else a tax or a
/// fine; due in 20 days; notifies the organization.
pub fn issue_charge(
    tx: &Connection,
    org: &str,
    app: Option<&Application>,
    now: chrono::DateTime<chrono::Utc>,
    dice: &mut Dice,
) -> Result<Charge, PortalError> {
    let (kind, title, amount) = match app {
        Some(a) => (
            ChargeKind::Duty,
            format!("Государственная пошлина: {}", a.title),
            [80_000, 350_000, 6_500_000][dice.below(3) as usize],
        ),
        None => match dice.below(2) {
            0 => (
                ChargeKind::Tax,
                "Налог на имущество организаций, авансовый платёж".to_owned(),
                (dice.below(500_000) as i64 + 10_000) * 100,
            ),
            _ => (
                ChargeKind::Fine,
                "Штраф за несвоевременное представление отчётности".to_owned(),
                100_000,
            ),
        },
    };
    let first19 = format!("18820{:014}", dice.below(100_000_000_000_000));
    let c = Charge {
        id: uuid::Uuid::new_v4().to_string(),
        uin: cabinet_api::requisites::complete_uin(&first19)
            .ok_or_else(|| PortalError::Internal("uin".into()))?,
        kind,
        title,
        authority: authority(app.map(|a| a.service_code.as_str())).to_owned(),
        amount,
        created_at: ts(now),
        due_date: (now + chrono::Duration::days(20))
            .format("%Y-%m-%d")
            .to_string(),
        status: ChargeStatus::Unpaid,
        application_id: app.map(|a| a.id.clone()),
        version: 1,
    };
    records::put(tx, org, &c)?;
    records::notify(
        tx,
        org,
        NotificationKind::Charge,
        format!("Новое начисление: {}", cabinet_api::format_rubles(c.amount)),
        format!("{}. Оплатить до {}", c.title, dmy(&c.due_date)),
        Charge::ENTITY,
        &c.id,
        now,
    )?;
    Ok(c)
}

const SERVICES: &[(&str, &str)] = &[
    ("egrul-extract", "Выписка из ЕГРЮЛ"),
    ("license-alcohol", "Лицензия на розничную продажу алкоголя"),
    ("cash-register", "Регистрация контрольно-кассовой техники"),
    ("land-lease", "Аренда земельного участка без торгов"),
    ("ad-permit", "Разрешение на установку рекламной конструкции"),
    ("fire-safety", "Декларация пожарной безопасности"),
    ("employer-reg", "Регистрация в качестве страхователя"),
    ("waste-license", "Лицензия на обращение с отходами"),
];

const STATUSES: &[S] = &[
    S::Draft,
    S::Accepted,
    S::InProgress,
    S::NeedsInfo,
    S::Completed,
    S::Completed,
    S::Rejected,
];

/// Adds `n` applications with varied services, statuses and dates over the
/// last two years, in one transaction.
pub fn seed_applications(
    conn: &mut Connection,
    org: &str,
    n: usize,
    now: chrono::DateTime<chrono::Utc>,
    dice: &mut Dice,
) -> Result<(), PortalError> {
    let tx = conn.transaction()?;
    let base: i64 = tx.query_row(
        "SELECT count(*) FROM applications WHERE org_id = ?1",
        [org],
        |r| r.get(0),
    )?;
    for i in 0..n {
        let (code, title) = SERVICES[dice.below(SERVICES.len() as u64) as usize];
        let status = STATUSES[dice.below(STATUSES.len() as u64) as usize];
        let created = now - chrono::Duration::minutes(dice.below(2 * 365 * 24 * 60) as i64);
        let submitted = status != S::Draft;
        let k = base + i as i64 + 1;
        let app = Application {
            id: uuid::Uuid::new_v4().to_string(),
            org_id: org.to_owned(),
            number: submitted.then(|| format!("{}-{:07}", created.format("%Y"), k)),
            service_code: code.into(),
            title: format!("{title} № {k}"),
            status,
            created_at: ts(created),
            // Changed after it was made, never after now.
            updated_at: ts(now.min(created + chrono::Duration::hours(dice.below(240) as i64))),
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
        crate::applications::store(&tx, &app, crate::applications::SEEDER)?;
    }
    tx.commit()?;
    Ok(())
}

/// `seed_applications` and `seed_documents`: `n` generated rows for `org`.
pub type Seeder = fn(
    &mut Connection,
    &str,
    usize,
    chrono::DateTime<chrono::Utc>,
    &mut Dice,
) -> Result<(), PortalError>;

/// Adds `n` small documents (each with its own content), in one transaction.
pub fn seed_documents(
    conn: &mut Connection,
    org: &str,
    n: usize,
    now: chrono::DateTime<chrono::Utc>,
    dice: &mut Dice,
) -> Result<(), PortalError> {
    const KINDS: &[&str] = &["Акт сверки", "Счёт-фактура", "Уведомление", "Справка"];
    let tx = conn.transaction()?;
    for i in 0..n {
        let kind = KINDS[dice.below(KINDS.len() as u64) as usize];
        let at = now - chrono::Duration::minutes(dice.below(2 * 365 * 24 * 60) as i64);
        let text = format!("{kind} № {i} от {}\n", at.format("%d.%m.%Y"));
        crate::documents::insert(
            &tx,
            org,
            &format!("{kind} № {i}.txt"),
            "text/plain; charset=utf-8",
            text.as_bytes(),
            at,
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// Every application of `org`, by id.
pub fn applications(conn: &Connection, org: &str) -> Result<Vec<Application>, PortalError> {
    let ids: Vec<String> = {
        let mut st = conn.prepare("SELECT id FROM applications WHERE org_id = ?1 ORDER BY id")?;
        let rows = st
            .query_map([org], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        rows
    };
    ids.iter()
        .map(|id| crate::applications::load(conn, org, id))
        .collect()
}

/// Organizations the background government body works for.
pub fn organizations(conn: &Connection) -> Result<Vec<String>, PortalError> {
    let mut st = conn.prepare("SELECT id FROM organizations ORDER BY id")?;
    let rows = st.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
    Ok(rows)
}
