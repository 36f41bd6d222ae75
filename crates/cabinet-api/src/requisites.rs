//! Checksums and formats of Russian requisites: INN, OGRN, OGRNIP, KPP, BIK
//! with settlement and correspondent accounts, SNILS, phone, e-mail.
//!
//! Shared by the client (form validation) and the portal (it validates the
//! same way and generates checksum-valid demo data).

use thiserror::Error;

use crate::ErrorCode;

/// What a requisite check looked at; the name is the form field's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequisiteKind {
    Inn,
    Ogrn,
    Ogrnip,
    Kpp,
    Uin,
    Bik,
    Account,
    CorrAccount,
    Snils,
    Phone,
    LegalAddress,
    Email,
    BankName,
    HeadName,
    HeadPosition,
    /// A profile change as a whole (nothing in it).
    Profile,
}

impl RequisiteKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            RequisiteKind::Inn => "inn",
            RequisiteKind::Ogrn => "ogrn",
            RequisiteKind::Ogrnip => "ogrnip",
            RequisiteKind::Kpp => "kpp",
            RequisiteKind::Uin => "uin",
            RequisiteKind::Bik => "bik",
            RequisiteKind::Account => "account",
            RequisiteKind::CorrAccount => "corr_account",
            RequisiteKind::Snils => "snils",
            RequisiteKind::Phone => "phone",
            RequisiteKind::LegalAddress => "legal_address",
            RequisiteKind::Email => "email",
            RequisiteKind::BankName => "bank_name",
            RequisiteKind::HeadName => "head_name",
            RequisiteKind::HeadPosition => "head_position",
            RequisiteKind::Profile => "profile",
        }
    }
}

impl std::fmt::Display for RequisiteKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A requisite that fails its format or checksum. `code()` is stable.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RequisiteError {
    #[error("{kind}: must contain only digits")]
    NotDigits { kind: RequisiteKind },
    #[error("{kind}: wrong length {got}, expected {expected}")]
    Length {
        kind: RequisiteKind,
        got: usize,
        expected: String,
    },
    #[error("{kind}: checksum does not match")]
    Checksum { kind: RequisiteKind },
    #[error("{kind}: wrong format")]
    Format { kind: RequisiteKind },
}

impl RequisiteError {
    /// What was checked: `inn`, `phone`, `legal_address`, …
    pub fn kind(&self) -> &'static str {
        match self {
            RequisiteError::NotDigits { kind }
            | RequisiteError::Length { kind, .. }
            | RequisiteError::Checksum { kind }
            | RequisiteError::Format { kind } => kind.as_str(),
        }
    }

    /// The stable code, `{kind}.{problem}`. Every pair a check of this
    /// module can produce has its own code; a pair no check produces falls
    /// back to `request.invalid_field` (a test runs every check over bad
    /// input and finds no fallback).
    pub fn code(&self) -> ErrorCode {
        use ErrorCode as C;
        use RequisiteKind as K;
        match self {
            RequisiteError::NotDigits { kind } => match kind {
                K::Inn => C::InnDigits,
                K::Ogrn => C::OgrnDigits,
                K::Ogrnip => C::OgrnipDigits,
                K::Uin => C::UinDigits,
                K::Bik => C::BikDigits,
                K::Account => C::AccountDigits,
                K::CorrAccount => C::CorrAccountDigits,
                K::Snils => C::SnilsDigits,
                _ => C::RequestInvalidField,
            },
            RequisiteError::Length { kind, .. } => match kind {
                K::Inn => C::InnLength,
                K::Ogrn => C::OgrnLength,
                K::Ogrnip => C::OgrnipLength,
                K::Kpp => C::KppLength,
                K::Uin => C::UinLength,
                K::Bik => C::BikLength,
                K::Account => C::AccountLength,
                K::CorrAccount => C::CorrAccountLength,
                K::Snils => C::SnilsLength,
                K::Phone => C::PhoneLength,
                K::LegalAddress => C::LegalAddressLength,
                _ => C::RequestInvalidField,
            },
            RequisiteError::Checksum { kind } => match kind {
                K::Inn => C::InnChecksum,
                K::Ogrn => C::OgrnChecksum,
                K::Ogrnip => C::OgrnipChecksum,
                K::Uin => C::UinChecksum,
                K::Account => C::AccountChecksum,
                K::CorrAccount => C::CorrAccountChecksum,
                K::Snils => C::SnilsChecksum,
                _ => C::RequestInvalidField,
            },
            RequisiteError::Format { kind } => match kind {
                K::Kpp => C::KppFormat,
                K::Bik => C::BikFormat,
                K::Phone => C::PhoneFormat,
                K::Email => C::EmailFormat,
                K::BankName => C::BankNameFormat,
                K::HeadName => C::HeadNameFormat,
                K::HeadPosition => C::HeadPositionFormat,
                K::Profile => C::ProfileFormat,
                _ => C::RequestInvalidField,
            },
        }
    }
}

fn digits(kind: RequisiteKind, s: &str) -> Result<Vec<u32>, RequisiteError> {
    s.chars()
        .map(|c| c.to_digit(10).ok_or(RequisiteError::NotDigits { kind }))
        .collect()
}

/// Exactly `len` digits, or the error that says which rule failed.
fn exact_digits(kind: RequisiteKind, s: &str, len: usize) -> Result<Vec<u32>, RequisiteError> {
    let d = digits(kind, s)?;
    if d.len() != len {
        return Err(RequisiteError::Length {
            kind,
            got: d.len(),
            expected: len.to_string(),
        });
    }
    Ok(d)
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
    let d = digits(RequisiteKind::Inn, s)?;
    match d.len() {
        10 if weighted(&d[..9], &INN10_W) == d[9] => Ok(()),
        12 if weighted(&d[..10], &INN12_W1) == d[10] && weighted(&d[..11], &INN12_W2) == d[11] => {
            Ok(())
        }
        10 | 12 => Err(RequisiteError::Checksum {
            kind: RequisiteKind::Inn,
        }),
        n => Err(RequisiteError::Length {
            kind: RequisiteKind::Inn,
            got: n,
            expected: "10 or 12".into(),
        }),
    }
}

fn mod_check(d: &[u32], modulus: u64) -> u32 {
    let n = d.iter().fold(0u64, |acc, &x| acc * 10 + u64::from(x));
    (n % modulus % 10) as u32
}

/// OGRN (13 digits) of a legal entity.
pub fn validate_ogrn(s: &str) -> Result<(), RequisiteError> {
    let d = exact_digits(RequisiteKind::Ogrn, s, 13)?;
    if mod_check(&d[..12], 11) != d[12] {
        return Err(RequisiteError::Checksum {
            kind: RequisiteKind::Ogrn,
        });
    }
    Ok(())
}

/// OGRNIP (15 digits) of an entrepreneur.
pub fn validate_ogrnip(s: &str) -> Result<(), RequisiteError> {
    let d = exact_digits(RequisiteKind::Ogrnip, s, 15)?;
    if mod_check(&d[..14], 13) != d[14] {
        return Err(RequisiteError::Checksum {
            kind: RequisiteKind::Ogrnip,
        });
    }
    Ok(())
}

/// KPP: 4 digits (tax office), 2 digits or capital Latin letters (reason), 3 digits.
pub fn validate_kpp(s: &str) -> Result<(), RequisiteError> {
    let got = s.chars().count();
    if got != 9 {
        return Err(RequisiteError::Length {
            kind: RequisiteKind::Kpp,
            got,
            expected: "9".into(),
        });
    }
    // Nine characters but not nine bytes: full-width or other non-ASCII
    // digits, which look right and are not (the length was counted in
    // bytes before, and said «wrong length 9, expected 9»).
    if !s.is_ascii() {
        return Err(RequisiteError::Format {
            kind: RequisiteKind::Kpp,
        });
    }
    let b = s.as_bytes();
    let ok = b[..4].iter().all(u8::is_ascii_digit)
        && b[4..6]
            .iter()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
        && b[6..].iter().all(u8::is_ascii_digit);
    if ok {
        Ok(())
    } else {
        Err(RequisiteError::Format {
            kind: RequisiteKind::Kpp,
        })
    }
}

/// Completes 9 digits into a checksum-valid 10-digit INN.
pub fn complete_inn10(first9: &str) -> Option<String> {
    let d = digits(RequisiteKind::Inn, first9)
        .ok()
        .filter(|d| d.len() == 9)?;
    Some(format!("{first9}{}", weighted(&d, &INN10_W)))
}

/// Completes 10 digits into a checksum-valid 12-digit INN.
pub fn complete_inn12(first10: &str) -> Option<String> {
    let mut d = digits(RequisiteKind::Inn, first10)
        .ok()
        .filter(|d| d.len() == 10)?;
    let c1 = weighted(&d, &INN12_W1);
    d.push(c1);
    let c2 = weighted(&d, &INN12_W2);
    Some(format!("{first10}{c1}{c2}"))
}

/// Completes 9 digits into a checksum-valid SNILS (11 digits, no spaces).
pub fn complete_snils(first9: &str) -> Option<String> {
    let d = digits(RequisiteKind::Snils, first9)
        .ok()
        .filter(|d| d.len() == 9)?;
    Some(format!("{first9}{:02}", snils_check(&d)))
}

/// Completes 12 digits into a checksum-valid OGRN.
pub fn complete_ogrn(first12: &str) -> Option<String> {
    let d = digits(RequisiteKind::Ogrn, first12)
        .ok()
        .filter(|d| d.len() == 12)?;
    Some(format!("{first12}{}", mod_check(&d, 11)))
}

/// Completes 14 digits into a checksum-valid OGRNIP.
pub fn complete_ogrnip(first14: &str) -> Option<String> {
    let d = digits(RequisiteKind::Ogrnip, first14)
        .ok()
        .filter(|d| d.len() == 14)?;
    Some(format!("{first14}{}", mod_check(&d, 13)))
}

/// The control digit of a 20-digit UIN (уникальный идентификатор
/// начисления, Приказ Минфина № 107н): weights 1…10 repeated, mod 11; a
/// remainder of 10 is recomputed with the weights shifted by two (3…12),
/// and a second 10 gives 0.
fn uin_check(d: &[u32]) -> u32 {
    let sum = |shift: u32| -> u32 {
        d.iter()
            .enumerate()
            .map(|(i, &x)| x * ((i as u32 + shift) % 10 + 1))
            .sum::<u32>()
            % 11
    };
    match sum(0) {
        10 => match sum(2) {
            10 => 0,
            r => r,
        },
        r => r,
    }
}

/// UIN of a charge: 20 digits with a control digit (the 25-digit form
/// carries no control digit and is checked for format only).
pub fn validate_uin(s: &str) -> Result<(), RequisiteError> {
    let d = digits(RequisiteKind::Uin, s)?;
    match d.len() {
        25 => Ok(()),
        20 if uin_check(&d[..19]) == d[19] => Ok(()),
        20 => Err(RequisiteError::Checksum {
            kind: RequisiteKind::Uin,
        }),
        got => Err(RequisiteError::Length {
            kind: RequisiteKind::Uin,
            got,
            expected: "20 or 25".into(),
        }),
    }
}

/// Completes 19 digits into a checksum-valid 20-digit UIN.
pub fn complete_uin(first19: &str) -> Option<String> {
    let d = digits(RequisiteKind::Uin, first19)
        .ok()
        .filter(|d| d.len() == 19)?;
    Some(format!("{first19}{}", uin_check(&d)))
}

/// BIK of a Russian bank: 9 digits starting with 04.
pub fn validate_bik(s: &str) -> Result<(), RequisiteError> {
    let d = exact_digits(RequisiteKind::Bik, s, 9)?;
    if d[0] != 0 || d[1] != 4 {
        return Err(RequisiteError::Format {
            kind: RequisiteKind::Bik,
        });
    }
    Ok(())
}

fn account_key_ok(prefix: &[u32], account: &[u32]) -> bool {
    const W: [u32; 3] = [7, 1, 3];
    let sum: u32 = prefix
        .iter()
        .chain(account)
        .enumerate()
        .map(|(i, d)| d * W[i % 3])
        .sum();
    sum % 10 == 0
}

/// Settlement account (расчётный счёт), its key checked against the bank's BIK.
pub fn validate_settlement_account(account: &str, bik: &str) -> Result<(), RequisiteError> {
    validate_bik(bik)?;
    let a = exact_digits(RequisiteKind::Account, account, 20)?;
    let b = digits(RequisiteKind::Bik, bik)?;
    if account_key_ok(&b[6..9], &a) {
        Ok(())
    } else {
        Err(RequisiteError::Checksum {
            kind: RequisiteKind::Account,
        })
    }
}

/// Correspondent account (корреспондентский счёт), checked against the BIK.
pub fn validate_correspondent_account(account: &str, bik: &str) -> Result<(), RequisiteError> {
    validate_bik(bik)?;
    let a = exact_digits(RequisiteKind::CorrAccount, account, 20)?;
    let b = digits(RequisiteKind::Bik, bik)?;
    if account_key_ok(&[0, b[4], b[5]], &a) {
        Ok(())
    } else {
        Err(RequisiteError::Checksum {
            kind: RequisiteKind::CorrAccount,
        })
    }
}

/// The SNILS check number of its first nine digits.
fn snils_check(d: &[u32]) -> u32 {
    let sum: u32 = d[..9]
        .iter()
        .enumerate()
        .map(|(i, x)| x * (9 - i as u32))
        .sum();
    match sum {
        s if s < 100 => s,
        100 | 101 => 0,
        s => match s % 101 {
            100 => 0,
            r => r,
        },
    }
}

/// SNILS, as 11 digits or `XXX-XXX-XXX YY`.
pub fn validate_snils(s: &str) -> Result<(), RequisiteError> {
    let compact: String = s.chars().filter(|c| !matches!(c, '-' | ' ')).collect();
    let d = exact_digits(RequisiteKind::Snils, &compact, 11)?;
    let number = d[..9].iter().fold(0u32, |acc, x| acc * 10 + x);
    let check = d[9] * 10 + d[10];
    // Numbers up to 001-001-998 were issued before checksums existed.
    if number <= 1_001_998 {
        return Ok(());
    }
    if snils_check(&d) == check {
        Ok(())
    } else {
        Err(RequisiteError::Checksum {
            kind: RequisiteKind::Snils,
        })
    }
}

/// A Russian phone number (`+7…`, `8…` or 10 digits), normalised to
/// `+7 XXX XXX-XX-XX`.
pub fn normalize_phone(s: &str) -> Result<String, RequisiteError> {
    let trimmed = s.trim();
    if trimmed.is_empty()
        || !trimmed
            .chars()
            .all(|c| c.is_ascii_digit() || " +-()".contains(c))
    {
        return Err(RequisiteError::Format {
            kind: RequisiteKind::Phone,
        });
    }
    let d: String = trimmed.chars().filter(char::is_ascii_digit).collect();
    let international = trimmed.starts_with('+');
    let national = match d.len() {
        11 if d.starts_with('7') || (!international && d.starts_with('8')) => &d[1..],
        10 if !international => &d[..],
        n => {
            return Err(RequisiteError::Length {
                kind: RequisiteKind::Phone,
                got: n,
                expected: "10 or 11".into(),
            })
        }
    };
    Ok(format!(
        "+7 {} {}-{}-{}",
        &national[..3],
        &national[3..6],
        &national[6..8],
        &national[8..]
    ))
}

/// A postal address: 10 to 500 characters after trimming.
pub fn validate_address(s: &str) -> Result<(), RequisiteError> {
    let n = s.trim().chars().count();
    if (10..=500).contains(&n) {
        Ok(())
    } else {
        Err(RequisiteError::Length {
            kind: RequisiteKind::LegalAddress,
            got: n,
            expected: "10 to 500".into(),
        })
    }
}

/// An e-mail address: one `@`, a non-empty local part, a dotted domain.
pub fn validate_email(s: &str) -> Result<(), RequisiteError> {
    let bad = || RequisiteError::Format {
        kind: RequisiteKind::Email,
    };
    let (local, domain) = s.trim().split_once('@').ok_or_else(bad)?;
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && domain.len() <= 253
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
    if local_ok && domain_ok {
        Ok(())
    } else {
        Err(bad())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every fault a check produces has its own code, never the fallback.
    #[test]
    fn every_fault_of_every_check_has_its_own_code() {
        let long = "1".repeat(600);
        let inputs = [
            "",
            "x",
            "12a",
            "1",
            "000000000",
            "12345678A",
            "ABCD12345",
            "1234567890",
            "1234567891",
            "123456789012",
            "1234567890123",
            "123456789012345",
            "12345678901234567890",
            "123-456-789 00",
            "+7 999",
            "8 (495) 12-34",
            "a@b",
            "a@b.c",
            "улица",
            &long,
            "044525225",
            "40702810900000000001",
        ];
        let mut codes = std::collections::BTreeSet::new();
        for a in inputs {
            let mut results = vec![
                validate_inn(a),
                validate_ogrn(a),
                validate_ogrnip(a),
                validate_kpp(a),
                validate_uin(a),
                validate_bik(a),
                validate_snils(a),
                normalize_phone(a).map(|_| ()),
                validate_address(a),
                validate_email(a),
            ];
            for b in inputs {
                results.push(validate_settlement_account(a, b));
                results.push(validate_correspondent_account(a, b));
            }
            for e in results.into_iter().filter_map(Result::err) {
                assert_ne!(e.code(), ErrorCode::RequestInvalidField, "{e:?}");
                codes.insert(e.code());
            }
        }
        assert!(codes.len() > 20, "{codes:?}");
    }

    #[test]
    fn uin_control_digit_follows_107n() {
        // Nineteen ones: weights 1…10 then 1…9 sum to 100; 100 mod 11 = 1.
        assert_eq!(
            complete_uin("1111111111111111111").unwrap(),
            "11111111111111111111"
        );
        // Sum mod 11 = 10 with the first weights: recomputed with 3…12.
        // "0000000001" + nine zeros: weight 10 → 10; shifted weight 2 → 2.
        assert_eq!(
            complete_uin("0000000001000000000").unwrap(),
            "00000000010000000002"
        );
        let uin = complete_uin("1882010100000123456").unwrap();
        validate_uin(&uin).unwrap();
        let mut bad = uin.clone().into_bytes();
        bad[5] = if bad[5] == b'9' { b'0' } else { bad[5] + 1 };
        assert_eq!(
            validate_uin(std::str::from_utf8(&bad).unwrap())
                .unwrap_err()
                .code(),
            "uin.checksum"
        );
        validate_uin("0123456789012345678901234").unwrap();
        assert_eq!(validate_uin("123").unwrap_err().code(), "uin.length");
    }

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
        // Full-width digits look right and are nine characters, not nine bytes.
        let e = validate_kpp("７７３６０１００１").unwrap_err();
        assert_eq!(e.code(), "kpp.format", "{e}");
        assert_eq!(
            validate_kpp("7736010０１").unwrap_err().code(),
            "kpp.format"
        );
        let e = validate_kpp("７７３６").unwrap_err();
        assert_eq!(e.to_string(), "kpp: wrong length 4, expected 9");
    }

    #[test]
    fn bank_accounts_are_checked_against_the_bik() {
        // Сбербанк, Москва: BIK 044525225, корр. счёт 30101810400000000225.
        validate_bik("044525225").unwrap();
        validate_correspondent_account("30101810400000000225", "044525225").unwrap();
        // The 9th digit of an account is its key: exactly one digit fits.
        let fits: Vec<char> = ('0'..='9')
            .filter(|k| {
                validate_settlement_account(&format!("40702810{k}38000000001"), "044525225").is_ok()
            })
            .collect();
        assert_eq!(fits.len(), 1, "{fits:?}");
        assert_eq!(
            validate_correspondent_account("30101810400000000226", "044525225")
                .unwrap_err()
                .code(),
            "corr_account.checksum"
        );
        assert_eq!(validate_bik("144525225").unwrap_err().code(), "bik.format");
        assert_eq!(
            validate_settlement_account("4070281093800000000", "044525225")
                .unwrap_err()
                .code(),
            "account.length"
        );
    }

    #[test]
    fn snils_checksum() {
        validate_snils("112-233-445 95").unwrap();
        validate_snils("11223344595").unwrap();
        assert_eq!(complete_snils("112233445").as_deref(), Some("11223344595"));
        validate_snils(&complete_snils("987654321").unwrap()).unwrap();
        assert_eq!(
            validate_snils("112-233-445 96").unwrap_err().code(),
            "snils.checksum"
        );
        assert_eq!(
            validate_snils("112-233-445").unwrap_err().code(),
            "snils.length"
        );
        validate_snils("001-001-998 00").unwrap();
    }

    #[test]
    fn phones_are_normalised() {
        assert_eq!(
            normalize_phone("8 (916) 123-45-67").unwrap(),
            "+7 916 123-45-67"
        );
        assert_eq!(normalize_phone("+79161234567").unwrap(), "+7 916 123-45-67");
        assert_eq!(normalize_phone("9161234567").unwrap(), "+7 916 123-45-67");
        assert_eq!(
            normalize_phone("+7916123456").unwrap_err().code(),
            "phone.length"
        );
        assert_eq!(normalize_phone("phone").unwrap_err().code(), "phone.format");
    }

    #[test]
    fn emails() {
        validate_email("buh@romashka.ru").unwrap();
        validate_email("директор@почта.рф").unwrap();
        for bad in [
            "",
            "a",
            "a@",
            "@b.ru",
            "a@b",
            "a..b@c.ru",
            "a@-b.ru",
            "a b@c.ru",
        ] {
            assert_eq!(
                validate_email(bad).unwrap_err().code(),
                "email.format",
                "{bad:?}"
            );
        }
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
