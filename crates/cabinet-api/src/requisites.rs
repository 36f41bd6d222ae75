//! Checksums of Russian organization requisites: INN, OGRN, OGRNIP, KPP.
//!
//! Shared by the client (form validation) and the portal (it validates the
//! same way and generates checksum-valid demo data).

use thiserror::Error;

/// A requisite that fails its format or checksum. `code()` is stable.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RequisiteError {
    #[error("{kind}: must contain only digits")]
    NotDigits { kind: &'static str },
    #[error("{kind}: wrong length {got}, expected {expected}")]
    Length {
        kind: &'static str,
        got: usize,
        expected: &'static str,
    },
    #[error("{kind}: checksum does not match")]
    Checksum { kind: &'static str },
    #[error("{kind}: wrong format")]
    Format { kind: &'static str },
}

impl RequisiteError {
    pub fn code(&self) -> String {
        let (kind, what) = match self {
            RequisiteError::NotDigits { kind } => (kind, "digits"),
            RequisiteError::Length { kind, .. } => (kind, "length"),
            RequisiteError::Checksum { kind } => (kind, "checksum"),
            RequisiteError::Format { kind } => (kind, "format"),
        };
        format!("{kind}.{what}")
    }
}

fn digits(kind: &'static str, s: &str) -> Result<Vec<u32>, RequisiteError> {
    s.chars()
        .map(|c| c.to_digit(10).ok_or(RequisiteError::NotDigits { kind }))
        .collect()
}

fn weighted(d: &[u32], weights: &[u32]) -> u32 {
    let sum: u32 = d.iter().zip(weights).map(|(a, b)| a * b).sum();
    sum % 11 % 10
}

const INN10_W: [u32; 9] = [2, 4, 10, 3, 5, 9, 4, 6, 8];
const INN12_W1: [u32; 10] = [7, 2, 4, 10, 3, 5, 9, 4, 6, 8];
const INN12_W2: [u32; 11] = [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8];

/// INN of a legal entity (10 digits) or of a person/entrepreneur (12 digits).
pub fn validate_inn(s: &str) -> Result<(), RequisiteError> {
    let d = digits("inn", s)?;
    match d.len() {
        10 if weighted(&d[..9], &INN10_W) == d[9] => Ok(()),
        12 if weighted(&d[..10], &INN12_W1) == d[10] && weighted(&d[..11], &INN12_W2) == d[11] => {
            Ok(())
        }
        10 | 12 => Err(RequisiteError::Checksum { kind: "inn" }),
        n => Err(RequisiteError::Length {
            kind: "inn",
            got: n,
            expected: "10 or 12",
        }),
    }
}

fn mod_check(d: &[u32], modulus: u64) -> u32 {
    let n = d.iter().fold(0u64, |acc, &x| acc * 10 + u64::from(x));
    (n % modulus % 10) as u32
}

/// OGRN (13 digits) of a legal entity.
pub fn validate_ogrn(s: &str) -> Result<(), RequisiteError> {
    let d = digits("ogrn", s)?;
    if d.len() != 13 {
        return Err(RequisiteError::Length {
            kind: "ogrn",
            got: d.len(),
            expected: "13",
        });
    }
    if mod_check(&d[..12], 11) != d[12] {
        return Err(RequisiteError::Checksum { kind: "ogrn" });
    }
    Ok(())
}

/// OGRNIP (15 digits) of an entrepreneur.
pub fn validate_ogrnip(s: &str) -> Result<(), RequisiteError> {
    let d = digits("ogrnip", s)?;
    if d.len() != 15 {
        return Err(RequisiteError::Length {
            kind: "ogrnip",
            got: d.len(),
            expected: "15",
        });
    }
    if mod_check(&d[..14], 13) != d[14] {
        return Err(RequisiteError::Checksum { kind: "ogrnip" });
    }
    Ok(())
}

/// KPP: 4 digits (tax office), 2 digits or capital Latin letters (reason), 3 digits.
pub fn validate_kpp(s: &str) -> Result<(), RequisiteError> {
    let b = s.as_bytes();
    if b.len() != 9 {
        return Err(RequisiteError::Length {
            kind: "kpp",
            got: s.chars().count(),
            expected: "9",
        });
    }
    let ok = b[..4].iter().all(u8::is_ascii_digit)
        && b[4..6]
            .iter()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
        && b[6..].iter().all(u8::is_ascii_digit);
    if ok {
        Ok(())
    } else {
        Err(RequisiteError::Format { kind: "kpp" })
    }
}

/// Completes 9 digits into a checksum-valid 10-digit INN.
pub fn complete_inn10(first9: &str) -> Option<String> {
    let d = digits("inn", first9).ok().filter(|d| d.len() == 9)?;
    Some(format!("{first9}{}", weighted(&d, &INN10_W)))
}

/// Completes 10 digits into a checksum-valid 12-digit INN.
pub fn complete_inn12(first10: &str) -> Option<String> {
    let mut d = digits("inn", first10).ok().filter(|d| d.len() == 10)?;
    let c1 = weighted(&d, &INN12_W1);
    d.push(c1);
    let c2 = weighted(&d, &INN12_W2);
    Some(format!("{first10}{c1}{c2}"))
}

/// Completes 12 digits into a checksum-valid OGRN.
pub fn complete_ogrn(first12: &str) -> Option<String> {
    let d = digits("ogrn", first12).ok().filter(|d| d.len() == 12)?;
    Some(format!("{first12}{}", mod_check(&d, 11)))
}

/// Completes 14 digits into a checksum-valid OGRNIP.
pub fn complete_ogrnip(first14: &str) -> Option<String> {
    let d = digits("ogrnip", first14).ok().filter(|d| d.len() == 14)?;
    Some(format!("{first14}{}", mod_check(&d, 13)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_real_requisites_pass() {
        // Published requisites of well-known organizations.
        validate_inn("7707083893").unwrap(); // Сбербанк
        validate_ogrn("1027700132195").unwrap(); // Сбербанк
        validate_kpp("773601001").unwrap();
        validate_inn("500100732259").unwrap(); // a commonly cited valid personal INN
        validate_ogrnip("304500116000157").unwrap();
    }

    #[test]
    fn wrong_checksums_are_refused_with_codes() {
        assert_eq!(
            validate_inn("7707083894").unwrap_err().code(),
            "inn.checksum"
        );
        assert_eq!(
            validate_inn("500100732258").unwrap_err().code(),
            "inn.checksum"
        );
        assert_eq!(validate_inn("77070838").unwrap_err().code(), "inn.length");
        assert_eq!(validate_inn("77070838a3").unwrap_err().code(), "inn.digits");
        assert_eq!(
            validate_ogrn("1027700132194").unwrap_err().code(),
            "ogrn.checksum"
        );
        assert_eq!(
            validate_ogrnip("304500116000158").unwrap_err().code(),
            "ogrnip.checksum"
        );
        assert_eq!(validate_kpp("7736010").unwrap_err().code(), "kpp.length");
        assert_eq!(validate_kpp("77360a001").unwrap_err().code(), "kpp.format");
    }

    #[test]
    fn completion_produces_valid_values() {
        for base in ["770708389", "123456789", "000000001"] {
            validate_inn(&complete_inn10(base).unwrap()).unwrap();
        }
        validate_inn(&complete_inn12("5001007322").unwrap()).unwrap();
        assert_eq!(complete_inn12("5001007322").unwrap(), "500100732259");
        assert_eq!(complete_ogrn("102770013219").unwrap(), "1027700132195");
        validate_ogrnip(&complete_ogrnip("30450011600015").unwrap()).unwrap();
    }
}
