//! Object identifiers of Russian qualified certificates and of the
//! algorithms the cabinet knows.

/// ОГРН.
pub const OGRN: &str = "1.2.643.100.1";
/// СНИЛС.
pub const SNILS: &str = "1.2.643.100.3";
/// ИНН (of a person, or of a legal entity in older certificates).
pub const INN: &str = "1.2.643.3.131.1.1";
/// ИНН ЮЛ (of a legal entity).
pub const INN_LE: &str = "1.2.643.100.4";
/// ОГРНИП.
pub const OGRNIP: &str = "1.2.643.100.5";

pub const COMMON_NAME: &str = "2.5.4.3";
pub const SURNAME: &str = "2.5.4.4";
pub const GIVEN_NAME: &str = "2.5.4.42";
pub const TITLE: &str = "2.5.4.12";
pub const ORGANIZATION: &str = "2.5.4.10";
pub const ORGANIZATIONAL_UNIT: &str = "2.5.4.11";
pub const LOCALITY: &str = "2.5.4.7";
pub const STATE: &str = "2.5.4.8";
pub const STREET: &str = "2.5.4.9";
pub const COUNTRY: &str = "2.5.4.6";
pub const EMAIL: &str = "1.2.840.113549.1.9.1";

pub const KEY_USAGE: &str = "2.5.29.15";

pub const RSA: &str = "1.2.840.113549.1.1.1";
pub const EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
pub const GOST_2012_256: &str = "1.2.643.7.1.1.1.1";
pub const GOST_2012_512: &str = "1.2.643.7.1.1.1.2";
