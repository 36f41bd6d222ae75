//! The state register the portal checks registrations against (ЕГРЮЛ and
//! ЕГРИП): who an INN belongs to, with its OGRN, KPP, names and head.
//!
//! The reference portal keeps it in its own table. A demo portal fills it
//! with its own organizations and a few hundred generated companies with
//! checksum-valid requisites; elsewhere it is loaded by the operator.

use cabinet_api::requisites::{complete_inn10, complete_inn12, complete_ogrn, complete_ogrnip};
use cabinet_api::OrgKind;
use rusqlite::{params, Connection, OptionalExtension};

use crate::gov::Dice;
use crate::PortalError;

/// One company or entrepreneur of the register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryEntry {
    pub inn: String,
    pub ogrn: String,
    pub kpp: Option<String>,
    pub kind: OrgKind,
    pub full_name: String,
    pub short_name: String,
    pub legal_address: String,
    pub head_name: String,
    pub head_position: String,
    pub registered_on: String,
    pub okved: String,
}

pub fn find(conn: &Connection, inn: &str) -> Result<Option<RegistryEntry>, PortalError> {
    Ok(conn
        .query_row(
            "SELECT inn, ogrn, kpp, kind, full_name, short_name, legal_address, head_name,
                    head_position, registered_on, okved
             FROM registry WHERE inn = ?1",
            [inn],
            |r| {
                Ok(RegistryEntry {
                    inn: r.get(0)?,
                    ogrn: r.get(1)?,
                    kpp: r.get(2)?,
                    kind: OrgKind::parse(&r.get::<_, String>(3)?).unwrap_or(OrgKind::LegalEntity),
                    full_name: r.get(4)?,
                    short_name: r.get(5)?,
                    legal_address: r.get(6)?,
                    head_name: r.get(7)?,
                    head_position: r.get(8)?,
                    registered_on: r.get(9)?,
                    okved: r.get(10)?,
                })
            },
        )
        .optional()?)
}

pub fn insert(conn: &Connection, e: &RegistryEntry) -> Result<(), PortalError> {
    conn.execute(
        "INSERT OR IGNORE INTO registry (inn, ogrn, kpp, kind, full_name, short_name,
             legal_address, head_name, head_position, registered_on, okved)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            e.inn,
            e.ogrn,
            e.kpp,
            e.kind.as_str(),
            e.full_name,
            e.short_name,
            e.legal_address,
            e.head_name,
            e.head_position,
            e.registered_on,
            e.okved,
        ],
    )?;
    Ok(())
}

/// Companies without a cabinet, oldest registered first (for demo tools
/// and tests that need someone to register).
pub fn unregistered(conn: &Connection, limit: usize) -> Result<Vec<RegistryEntry>, PortalError> {
    let inns: Vec<String> = conn
        .prepare(
            "SELECT inn FROM registry r WHERE NOT EXISTS
                 (SELECT 1 FROM organizations o WHERE o.inn = r.inn)
             ORDER BY registered_on, inn LIMIT ?1",
        )?
        .query_map([limit as i64], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    inns.iter()
        .filter_map(|inn| find(conn, inn).transpose())
        .collect()
}

/// How many generated companies a demo register holds besides the demo
/// organizations.
pub const DEMO_COMPANIES: usize = 300;

/// Fills an empty register: the portal's organizations, then
/// [`DEMO_COMPANIES`] generated ones (the same on every demo portal).
pub fn seed_demo_if_empty(conn: &mut Connection) -> Result<(), PortalError> {
    let n: i64 = conn.query_row("SELECT count(*) FROM registry", [], |r| r.get(0))?;
    if n > 0 {
        return Ok(());
    }
    let tx = conn.transaction()?;
    tx.execute(
        "INSERT INTO registry (inn, ogrn, kpp, kind, full_name, short_name, legal_address,
             head_name, head_position, registered_on, okved)
         SELECT inn, ogrn, kpp, kind, full_name, short_name, legal_address, head_name,
                head_position, registered_on, okved FROM organizations",
        [],
    )?;
    let mut dice = Dice::new(0x5eed_2026);
    let mut made = 0;
    while made < DEMO_COMPANIES {
        let e = generated(&mut dice, made);
        if find(&tx, &e.inn)?.is_none() {
            insert(&tx, &e)?;
            made += 1;
        }
    }
    tx.commit()?;
    Ok(())
}

/// Region codes with their cities and a street to put companies on.
const PLACES: &[(&str, &str, &str)] = &[
    ("77", "115093", "г. Москва, ул. Большая Серпуховская"),
    ("78", "191025", "г. Санкт-Петербург, Невский пр."),
    ("50", "141400", "Московская обл., г. Химки, ул. Московская"),
    ("66", "620014", "г. Екатеринбург, ул. Малышева"),
    ("16", "420111", "г. Казань, ул. Баумана"),
    ("52", "603005", "г. Нижний Новгород, ул. Большая Покровская"),
    ("54", "630099", "г. Новосибирск, Красный пр."),
    ("23", "350000", "г. Краснодар, ул. Красная"),
    ("63", "443099", "г. Самара, ул. Куйбышева"),
    ("36", "394036", "г. Воронеж, пр. Революции"),
];

const WORDS: &[&str] = &[
    "Альфа",
    "Берёза",
    "Восход",
    "Гранит",
    "Дельта",
    "Енисей",
    "Заря",
    "Импульс",
    "Кристалл",
    "Ладога",
    "Меридиан",
    "Нева",
    "Орион",
    "Полюс",
    "Радуга",
    "Сфера",
    "Тайга",
    "Урал",
    "Факел",
    "Хорда",
    "Цитадель",
    "Чайка",
    "Янтарь",
    "Вега",
    "Сокол",
    "Ока",
    "Кедр",
    "Парус",
];

const ACTIVITIES: &[(&str, &str)] = &[
    ("Строй", "41.20 Строительство жилых и нежилых зданий"),
    ("Торг", "46.90 Торговля оптовая неспециализированная"),
    (
        "Софт",
        "62.01 Разработка компьютерного программного обеспечения",
    ),
    (
        "Транс",
        "49.41 Деятельность автомобильного грузового транспорта",
    ),
    ("Агро", "01.11 Выращивание зерновых культур"),
    ("Мед", "86.23 Стоматологическая практика"),
    (
        "Консалт",
        "70.22 Консультирование по вопросам коммерческой деятельности",
    ),
];

const SURNAMES: &[(&str, &str)] = &[
    ("Алексеев", "Алексеева"),
    ("Борисов", "Борисова"),
    ("Васильев", "Васильева"),
    ("Григорьев", "Григорьева"),
    ("Дмитриев", "Дмитриева"),
    ("Егоров", "Егорова"),
    ("Жуков", "Жукова"),
    ("Зайцев", "Зайцева"),
    ("Ильин", "Ильина"),
    ("Ковалёв", "Ковалёва"),
    ("Лебедев", "Лебедева"),
    ("Морозов", "Морозова"),
];

const FIRST_NAMES: &[(&str, &str, bool)] = &[
    ("Андрей", "Андреевич", true),
    ("Павел", "Павлович", true),
    ("Игорь", "Игоревич", true),
    ("Ольга", "Николаевна", false),
    ("Татьяна", "Сергеевна", false),
    ("Михаил", "Юрьевич", true),
];

fn pick<'a, T>(dice: &mut Dice, from: &'a [T]) -> &'a T {
    &from[dice.below(from.len() as u64) as usize]
}

fn digits(dice: &mut Dice, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b'0' + dice.below(10) as u8))
        .collect()
}

/// The `i`-th generated company: a legal entity, or every seventh an
/// entrepreneur, with requisites whose region and tax office agree.
fn generated(dice: &mut Dice, i: usize) -> RegistryEntry {
    let (region, postcode, street) = *pick(dice, PLACES);
    let office = format!("{:02}", 1 + dice.below(30));
    let year = 2003 + dice.below(21);
    let (surname_m, surname_f) = *pick(dice, SURNAMES);
    let (first, patronymic, male) = *pick(dice, FIRST_NAMES);
    let surname = if male { surname_m } else { surname_f };
    let head = format!("{surname} {first} {patronymic}");
    let address = format!("{postcode}, {street}, д. {}", 1 + dice.below(120));
    let registered_on = format!("{year}-{:02}-{:02}", 1 + dice.below(12), 1 + dice.below(28));
    let (_, okved) = *pick(dice, ACTIVITIES);
    if i % 7 == 6 {
        let inn = complete_inn12(&format!("{region}{office}{}", digits(dice, 6)))
            .expect("10 digits complete an INN");
        let ogrnip = complete_ogrnip(&format!("3{:02}{region}{}", year % 100, digits(dice, 9)))
            .expect("14 digits complete an OGRNIP");
        let initials = format!(
            "{}. {}.",
            first.chars().next().unwrap_or('А'),
            patronymic.chars().next().unwrap_or('А')
        );
        return RegistryEntry {
            inn,
            ogrn: ogrnip,
            kpp: None,
            kind: OrgKind::Entrepreneur,
            full_name: format!("Индивидуальный предприниматель {head}"),
            short_name: format!("ИП {surname} {initials}"),
            legal_address: address,
            head_name: head,
            head_position: "Индивидуальный предприниматель".into(),
            registered_on,
            okved: okved.into(),
        };
    }
    let (suffix, okved) = *pick(dice, ACTIVITIES);
    let name = format!("{}-{suffix}", pick(dice, WORDS));
    let inn = complete_inn10(&format!("{region}{office}{}", digits(dice, 5)))
        .expect("9 digits complete an INN");
    let ogrn = complete_ogrn(&format!(
        "1{:02}{region}{office}{}",
        year % 100,
        digits(dice, 5)
    ))
    .expect("12 digits complete an OGRN");
    RegistryEntry {
        kpp: Some(format!("{}01001", &inn[..4])),
        inn,
        ogrn,
        kind: OrgKind::LegalEntity,
        full_name: format!("Общество с ограниченной ответственностью «{name}»"),
        short_name: format!("ООО «{name}»"),
        legal_address: address,
        head_name: head,
        head_position: "Генеральный директор".into(),
        registered_on,
        okved: okved.into(),
    }
}

/// «Фамилия Имя Отчество» compared the way people write it: any case,
/// ё as е, spaces collapsed.
pub fn same_person(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
            .replace('ё', "е")
    };
    norm(a) == norm(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cabinet_api::requisites::{validate_inn, validate_kpp, validate_ogrn, validate_ogrnip};

    #[test]
    fn generated_companies_have_valid_requisites_from_one_region() {
        let mut dice = Dice::new(7);
        for i in 0..200 {
            let e = generated(&mut dice, i);
            validate_inn(&e.inn).unwrap();
            match e.kind {
                OrgKind::LegalEntity => {
                    validate_ogrn(&e.ogrn).unwrap();
                    validate_kpp(e.kpp.as_deref().unwrap()).unwrap();
                }
                OrgKind::Entrepreneur => validate_ogrnip(&e.ogrn).unwrap(),
            }
            // OGRN digits 4–5 and INN digits 1–2 are the region.
            assert_eq!(&e.ogrn[3..5], &e.inn[..2], "{e:?}");
        }
    }
}
