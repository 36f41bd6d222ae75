//! The services catalog (`GET /v1/services`): what an organization can
//! apply for, with the documents each needs, its deadline and cost. The
//! reference portal serves [`catalog`]; clients keep the last copy for
//! offline use (the answer has an `ETag`).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ServiceKind {
    Registration,
    License,
    Permit,
    Extract,
    Reporting,
}

/// A document a service asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RequiredDocument {
    /// Stable code, e.g. `charter`.
    pub code: String,
    pub title: String,
    /// `false`: only when it applies.
    pub mandatory: bool,
}

/// A service of the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Service {
    /// The `service_code` of applications for it.
    pub code: String,
    pub title: String,
    pub description: String,
    pub kind: ServiceKind,
    /// A theme for people: «Налоги», «Торговля», …
    pub category: String,
    pub authority: String,
    /// Can be applied for through the cabinet.
    pub online: bool,
    /// Can be applied for in person (МФЦ or the authority's office).
    pub in_person: bool,
    /// Calendar days the authority has.
    pub deadline_days: u32,
    /// State duty in kopecks; 0 is free.
    #[ts(type = "number")]
    pub cost: i64,
    pub required_documents: Vec<RequiredDocument>,
    /// What the authority needs to know besides the documents, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[ts(optional, as = "Option<Vec<crate::FormField>>")]
    pub form: Vec<crate::FormField>,
}

/// `GET /v1/services` query: every filter optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServiceQuery {
    /// Words of the title or description, as prefixes (any case, ё = е).
    pub q: Option<String>,
    pub kind: Option<ServiceKind>,
    pub category: Option<String>,
    /// `true`: online only; `false`: in person only.
    pub online: Option<bool>,
}

fn words(s: &str) -> Vec<String> {
    s.to_lowercase()
        .replace('ё', "е")
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

impl ServiceQuery {
    /// Whether `s` passes every filter; each word of `q` must begin a
    /// word of the title or description.
    pub fn matches(&self, s: &Service) -> bool {
        if self.kind.is_some_and(|k| k != s.kind) {
            return false;
        }
        if self
            .category
            .as_deref()
            .is_some_and(|c| !c.eq_ignore_ascii_case(&s.category) && c != s.category)
        {
            return false;
        }
        match self.online {
            Some(true) if !s.online => return false,
            Some(false) if !s.in_person => return false,
            _ => {}
        }
        let Some(q) = self.q.as_deref() else {
            return true;
        };
        let text = words(&format!("{} {}", s.title, s.description));
        words(q)
            .iter()
            .all(|w| text.iter().any(|t| t.starts_with(w.as_str())))
    }
}

fn doc(code: &str, title: &str, mandatory: bool) -> RequiredDocument {
    RequiredDocument {
        code: code.to_owned(),
        title: title.to_owned(),
        mandatory,
    }
}

#[allow(clippy::too_many_arguments)]
fn service(
    code: &str,
    title: &str,
    description: &str,
    kind: ServiceKind,
    category: &str,
    authority: &str,
    (online, in_person): (bool, bool),
    deadline_days: u32,
    cost_rubles: i64,
    required_documents: Vec<RequiredDocument>,
) -> Service {
    Service {
        code: code.to_owned(),
        title: title.to_owned(),
        description: description.to_owned(),
        kind,
        category: category.to_owned(),
        authority: authority.to_owned(),
        online,
        in_person,
        deadline_days,
        cost: cost_rubles * 100,
        required_documents,
        form: form(code),
    }
}

/// The form of the service `code`.
fn form(code: &str) -> Vec<crate::FormField> {
    use crate::forms::{choice, field};
    use crate::FieldKind as F;
    let address = |label: &str| field("address", label, F::Text, true);
    match code {
        "egrul-extract" | "egrip-extract" => vec![
            crate::FormField {
                hint: Some("Пусто — выписка о своей организации.".into()),
                ..field(
                    "subject_inn",
                    "ИНН организации, о которой нужна выписка",
                    F::Inn,
                    false,
                )
            },
            choice(
                "purpose",
                "Для чего нужна выписка",
                false,
                &[
                    "Для банка",
                    "Для участия в торгах",
                    "Для нотариуса",
                    "Для суда",
                    "Другое",
                ],
            ),
        ],
        "cash-register" => vec![
            crate::FormField {
                hint: Some("Пусто — по юридическому адресу организации.".into()),
                ..field("address", "Адрес установки ККТ", F::Text, false)
            },
            field("serial", "Заводской номер ККТ", F::Text, false),
        ],
        "license-alcohol" => vec![
            address("Адрес торгового объекта"),
            field("area", "Площадь торгового зала, м²", F::Number, true),
            choice(
                "term",
                "Срок действия лицензии",
                true,
                &["1 год", "3 года", "5 лет"],
            ),
        ],
        "land-lease" => vec![
            field("plot", "Кадастровый номер участка", F::Cadastral, true),
            field("use", "Цель использования участка", F::Text, true),
            field("years", "Срок аренды, лет", F::Number, true),
        ],
        "ad-permit" => vec![
            address("Адрес установки конструкции"),
            choice(
                "construction",
                "Вид конструкции",
                true,
                &[
                    "Настенное панно",
                    "Крышная установка",
                    "Отдельно стоящая",
                    "Вывеска с подсветкой",
                ],
            ),
        ],
        "fire-safety" => vec![
            address("Адрес здания или помещения"),
            choice(
                "class",
                "Класс функциональной пожарной опасности",
                true,
                &[
                    "Ф3.1 — торговля",
                    "Ф3.2 — общественное питание",
                    "Ф4.3 — офисы",
                    "Ф5.1 — производство",
                    "Ф5.2 — склады",
                ],
            ),
        ],
        "employer-reg" => vec![
            field("employee", "ФИО работника", F::Text, true),
            field("snils", "СНИЛС работника", F::Snils, true),
            field("start", "Дата начала работы", F::Date, true),
        ],
        "waste-license" => vec![
            address("Адрес объекта обращения с отходами"),
            field(
                "kinds",
                "Виды работ и классы опасности отходов",
                F::Multiline,
                true,
            ),
        ],
        "no-debt-certificate" => vec![field("on_date", "На какую дату", F::Date, false)],
        _ => Vec::new(),
    }
}

/// The mandatory documents of `service` that `kinds` (codes of the
/// attached documents) do not cover, in the catalog's order.
pub fn missing_documents<'a, S: AsRef<str>>(
    service: &'a Service,
    kinds: &[S],
) -> Vec<&'a RequiredDocument> {
    service
        .required_documents
        .iter()
        .filter(|d| d.mandatory && !kinds.iter().any(|k| k.as_ref() == d.code))
        .collect()
}

/// The catalog's service with this code.
pub fn find(code: &str) -> Option<Service> {
    catalog().into_iter().find(|s| s.code == code)
}

/// The reference portal's catalog.
pub fn catalog() -> Vec<Service> {
    use ServiceKind as K;
    let fns = "УФНС России по г. Москве";
    vec![
        service(
            "egrul-extract",
            "Выписка из ЕГРЮЛ",
            "Сведения о юридическом лице из Единого государственного реестра: \
             реквизиты, руководитель, учредители, виды деятельности.",
            K::Extract,
            "Налоги",
            fns,
            (true, true),
            5,
            0,
            vec![],
        ),
        service(
            "cash-register",
            "Регистрация контрольно-кассовой техники",
            "Постановка ККТ на учёт в налоговом органе перед началом расчётов с покупателями.",
            K::Registration,
            "Налоги",
            fns,
            (true, true),
            10,
            0,
            vec![
                doc("kkt-passport", "Паспорт ККТ", true),
                doc(
                    "fn-contract",
                    "Договор с оператором фискальных данных",
                    true,
                ),
            ],
        ),
        service(
            "license-alcohol",
            "Лицензия на розничную продажу алкогольной продукции",
            "Выдача лицензии на розничную продажу алкогольной продукции в магазине или \
             при оказании услуг общественного питания.",
            K::License,
            "Торговля",
            "Департамент торговли и услуг г. Москвы",
            (true, true),
            30,
            65_000,
            vec![
                doc("charter", "Устав организации", true),
                doc("premises", "Договор аренды или выписка на помещение", true),
                doc("duty-receipt", "Документ об уплате госпошлины", true),
                doc("cash-registers", "Сведения о кассовой технике", false),
            ],
        ),
        service(
            "land-lease",
            "Предоставление земельного участка в аренду",
            "Аренда земельного участка, находящегося в государственной собственности, \
             без проведения торгов.",
            K::Permit,
            "Имущество",
            "Департамент городского имущества г. Москвы",
            (true, true),
            30,
            0,
            vec![
                doc("scheme", "Схема расположения участка", true),
                doc("charter", "Устав организации", true),
                doc("poa", "Доверенность представителя", false),
            ],
        ),
        service(
            "ad-permit",
            "Разрешение на установку рекламной конструкции",
            "Разрешение на установку и эксплуатацию рекламной конструкции на фасаде \
             или отдельно стоящей.",
            K::Permit,
            "Реклама",
            "Департамент СМИ и рекламы г. Москвы",
            (true, false),
            60,
            5_000,
            vec![
                doc("design", "Проект рекламной конструкции", true),
                doc("owner-consent", "Согласие собственника недвижимости", true),
                doc("duty-receipt", "Документ об уплате госпошлины", false),
            ],
        ),
        service(
            "fire-safety",
            "Регистрация декларации пожарной безопасности",
            "Декларация пожарной безопасности для зданий и помещений организации.",
            K::Reporting,
            "Безопасность",
            "ГУ МЧС России по г. Москве",
            (true, true),
            5,
            0,
            vec![doc("declaration", "Декларация пожарной безопасности", true)],
        ),
        service(
            "employer-reg",
            "Регистрация в качестве страхователя",
            "Регистрация работодателя в Социальном фонде России при найме первого работника.",
            K::Registration,
            "Кадры",
            "Отделение СФР по г. Москве и Московской области",
            (true, true),
            3,
            0,
            vec![doc(
                "employment-contract",
                "Трудовой договор с работником",
                true,
            )],
        ),
        service(
            "waste-license",
            "Лицензия на обращение с отходами I–IV классов опасности",
            "Лицензирование деятельности по сбору, транспортированию, обработке и \
             размещению отходов.",
            K::License,
            "Экология",
            "Росприроднадзор",
            (true, false),
            45,
            7_500,
            vec![
                doc("charter", "Устав организации", true),
                doc("staff-certs", "Документы о квалификации работников", true),
                doc("vehicles", "Документы на транспортные средства", true),
            ],
        ),
        service(
            "egrip-extract",
            "Выписка из ЕГРИП",
            "Сведения об индивидуальном предпринимателе из Единого государственного реестра.",
            K::Extract,
            "Налоги",
            fns,
            (true, true),
            5,
            0,
            vec![],
        ),
        service(
            "no-debt-certificate",
            "Справка об исполнении обязанности по уплате налогов",
            "Справка об отсутствии задолженности по налогам, сборам, страховым взносам, \
             пеням и штрафам — для тендеров и банков.",
            K::Extract,
            "Налоги",
            fns,
            (true, true),
            10,
            0,
            vec![],
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalog_has_unique_codes_and_searches_the_russian_way() {
        let all = catalog();
        let mut codes: Vec<&str> = all.iter().map(|s| s.code.as_str()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), all.len());
        let find = |q: ServiceQuery| -> Vec<String> {
            all.iter()
                .filter(|s| q.matches(s))
                .map(|s| s.code.clone())
                .collect()
        };
        let q = |text: &str| ServiceQuery {
            q: Some(text.into()),
            ..ServiceQuery::default()
        };
        assert_eq!(
            find(q("ВЫПИСК")),
            ["egrul-extract", "egrip-extract"],
            "any case, prefixes"
        );
        assert_eq!(find(q("учет ккт")), ["cash-register"], "ё = е");
        assert!(find(q("выписка лицензия")).is_empty(), "every word");
        let in_person_licenses = find(ServiceQuery {
            kind: Some(ServiceKind::License),
            online: Some(false),
            ..ServiceQuery::default()
        });
        assert_eq!(in_person_licenses, ["license-alcohol"]);
    }
}
