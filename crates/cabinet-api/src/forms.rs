//! A service's application form: what the authority needs to know besides
//! the documents (where the cash register stands, the land plot's cadastral
//! number, the employee's СНИЛС…). The client checks a form offline before
//! an application is queued, and the portal checks it again, with this
//! same code; an error names the field by its key.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::requisites;
use crate::ErrorCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// One line, at most 300 characters.
    Text,
    /// Several lines, at most 2000 characters.
    Multiline,
    /// ИНН of an organization (10 digits) or a person (12), checksum.
    Inn,
    /// ОГРН (13) or ОГРНИП (15), checksum.
    Ogrn,
    Snils,
    /// ISO `YYYY-MM-DD` on the wire; the UI shows DD.MM.YYYY.
    Date,
    /// A whole number from 1 to 999 999 999.
    Number,
    /// One of `options`.
    Choice,
    /// A land plot's cadastral number, `NN:NN:NNNNNNN:N…`.
    Cadastral,
}

/// One field of a service's form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct FormField {
    /// Stable key of the value in an application's `fields`.
    pub key: String,
    /// The field's name for people.
    pub label: String,
    pub kind: FieldKind,
    pub required: bool,
    /// The choices of a [`FieldKind::Choice`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[ts(optional, as = "Option<Vec<String>>")]
    pub options: Vec<String>,
    /// A line of help under the field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub hint: Option<String>,
}

/// Why a form was not accepted, and which field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key}: {code} ({detail})")]
pub struct FormError {
    pub key: String,
    /// `form.required`, `form.unknown_field`, `form.too_long`,
    /// `form.not_a_number`, `form.not_a_date`, `form.not_an_option`,
    /// `form.cadastral`, or a requisite's own code (`inn.checksum`).
    pub code: ErrorCode,
    pub detail: String,
}

impl FormError {
    fn new(key: &str, code: ErrorCode, detail: impl Into<String>) -> Self {
        Self {
            key: key.to_owned(),
            code,
            detail: detail.into(),
        }
    }

    /// The problem's `field`: `fields.{key}`.
    pub fn field(&self) -> String {
        format!("fields.{}", self.key)
    }
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|p| p.parse::<u32>().ok());
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1900..=2199).contains(&y) && (1..=days).contains(&d)
}

fn is_cadastral(s: &str) -> bool {
    let parts: Vec<&str> = s.split(':').collect();
    parts.len() == 4
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        && parts[0].len() == 2
        && parts[1].len() == 2
        && (6..=7).contains(&parts[2].len())
        && parts[3].len() <= 6
}

/// One value checked by its field's kind, as it is stored.
fn checked(f: &FormField, value: &str) -> Result<String, FormError> {
    let key = f.key.as_str();
    let requisite = |r: Result<(), requisites::RequisiteError>| {
        r.map_err(|e| FormError::new(key, e.code(), e.to_string()))
    };
    let chars = value.chars().count();
    match f.kind {
        FieldKind::Text if chars > 300 => {
            Err(FormError::new(key, ErrorCode::FormTooLong, "300 at most"))
        }
        FieldKind::Multiline if chars > 2000 => {
            Err(FormError::new(key, ErrorCode::FormTooLong, "2000 at most"))
        }
        FieldKind::Text | FieldKind::Multiline => Ok(value.to_owned()),
        FieldKind::Inn => requisite(requisites::validate_inn(value)).map(|()| value.to_owned()),
        FieldKind::Ogrn => requisite(if value.len() == 15 {
            requisites::validate_ogrnip(value)
        } else {
            requisites::validate_ogrn(value)
        })
        .map(|()| value.to_owned()),
        FieldKind::Snils => requisite(requisites::validate_snils(value)).map(|()| value.to_owned()),
        FieldKind::Date if is_date(value) => Ok(value.to_owned()),
        FieldKind::Date => Err(FormError::new(key, ErrorCode::FormNotADate, "YYYY-MM-DD")),
        FieldKind::Number => {
            let digits = value.replace([' ', '\u{a0}', '\u{2009}'], "");
            match digits.parse::<u64>() {
                Ok(n)
                    if (1..=999_999_999).contains(&n)
                        && digits.bytes().all(|b| b.is_ascii_digit()) =>
                {
                    Ok(n.to_string())
                }
                _ => Err(FormError::new(
                    key,
                    ErrorCode::FormNotANumber,
                    "1 to 999999999",
                )),
            }
        }
        FieldKind::Choice if f.options.iter().any(|o| o == value) => Ok(value.to_owned()),
        FieldKind::Choice => Err(FormError::new(
            key,
            ErrorCode::FormNotAnOption,
            format!("one of: {}", f.options.join("; ")),
        )),
        FieldKind::Cadastral if is_cadastral(value) => Ok(value.to_owned()),
        FieldKind::Cadastral => Err(FormError::new(
            key,
            ErrorCode::FormCadastral,
            "NN:NN:NNNNNNN:N",
        )),
    }
}

/// `values` checked against `form`: trimmed, empty ones dropped, each by
/// its kind, no key the form does not have, and — when `complete` — every
/// required field there. Returns the values as they are stored; the
/// error names the first field at fault in the form's order.
pub fn check_form(
    form: &[FormField],
    values: &BTreeMap<String, String>,
    complete: bool,
) -> Result<BTreeMap<String, String>, FormError> {
    if let Some(k) = values.keys().find(|k| !form.iter().any(|f| &f.key == *k)) {
        return Err(FormError::new(
            k,
            ErrorCode::FormUnknownField,
            "not a field of this service",
        ));
    }
    let mut out = BTreeMap::new();
    for f in form {
        let value = values.get(&f.key).map(|v| v.trim()).unwrap_or("");
        if value.is_empty() {
            if complete && f.required {
                return Err(FormError::new(
                    &f.key,
                    ErrorCode::FormRequired,
                    f.label.clone(),
                ));
            }
            continue;
        }
        out.insert(f.key.clone(), checked(f, value)?);
    }
    Ok(out)
}

/// A field of a form, for the catalog.
pub(crate) fn field(key: &str, label: &str, kind: FieldKind, required: bool) -> FormField {
    FormField {
        key: key.to_owned(),
        label: label.to_owned(),
        kind,
        required,
        options: Vec::new(),
        hint: None,
    }
}

/// A [`FieldKind::Choice`] field.
pub(crate) fn choice(key: &str, label: &str, required: bool, options: &[&str]) -> FormField {
    FormField {
        options: options.iter().map(|o| (*o).to_owned()).collect(),
        ..field(key, label, FieldKind::Choice, required)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> Vec<FormField> {
        vec![
            field("address", "Адрес объекта", FieldKind::Text, true),
            field("inn", "ИНН", FieldKind::Inn, false),
            field("start", "Дата начала", FieldKind::Date, true),
            field("area", "Площадь, м²", FieldKind::Number, false),
            choice("term", "Срок", false, &["1 год", "5 лет"]),
            field("plot", "Кадастровый номер", FieldKind::Cadastral, false),
        ]
    }

    fn values(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn a_complete_form_is_stored_trimmed_without_empty_values() {
        let v = values(&[
            ("address", "  г. Москва, ул. Тверская, д. 1 "),
            ("inn", "7707083893"),
            ("start", "2028-02-29"),
            ("area", "1 250"),
            ("term", "5 лет"),
            ("plot", "77:01:0001001:1024"),
        ]);
        let out = check_form(&form(), &v, true).unwrap();
        assert_eq!(out["address"], "г. Москва, ул. Тверская, д. 1");
        assert_eq!(out["area"], "1250");
        let partial =
            check_form(&form(), &values(&[("inn", " "), ("address", "x")]), false).unwrap();
        assert_eq!(partial.len(), 1, "empty values are dropped");
    }

    #[test]
    fn each_fault_names_its_field_and_code() {
        let base = [("address", "Москва"), ("start", "2026-12-01")];
        let with = |k: &str, v: &str| {
            let mut m = values(&base);
            m.insert(k.to_owned(), v.to_owned());
            check_form(&form(), &m, true).unwrap_err()
        };
        let e = check_form(&form(), &values(&[("address", "Москва")]), true).unwrap_err();
        assert_eq!(
            (e.key.as_str(), e.code.as_str()),
            ("start", "form.required")
        );
        assert_eq!(e.field(), "fields.start");
        assert_eq!(with("inn", "7707083894").code, "inn.checksum");
        assert_eq!(with("start", "2026-02-29").code, "form.not_a_date");
        assert_eq!(with("start", "01.12.2026").code, "form.not_a_date");
        assert_eq!(with("area", "0").code, "form.not_a_number");
        assert_eq!(with("area", "12,5").code, "form.not_a_number");
        assert_eq!(with("term", "10 лет").code, "form.not_an_option");
        assert_eq!(with("plot", "77:01:1:1").code, "form.cadastral");
        assert_eq!(with("address", &"я".repeat(301)).code, "form.too_long");
        let e = with("color", "red");
        assert_eq!(
            (e.key.as_str(), e.code.as_str()),
            ("color", "form.unknown_field")
        );
    }
}
