//! The trust list of accredited certification authorities, in the XML the
//! Ministry publishes (`АккредитованныеУдостоверяющиеЦентры`): each
//! `УдостоверяющийЦентр` with its name, ИНН/ОГРН, registry number, the
//! current accreditation status and its history, and, under
//! `ПрограммноАппаратныеКомплексы/…/КлючиУполномоченныхЛиц/Ключ`, the CA's
//! certificates (`ДанныеСертификата/Данные`, base64 DER) and CRL addresses.
//!
//! The reader streams the XML (the published list is tens of megabytes),
//! resolves only the predefined and character references (a DOCTYPE is
//! refused, so no entity can expand), and keeps what a verification needs.
//! A certificate that does not parse is skipped and counted: one damaged
//! entry must not make the whole list unusable. [`TrustList::to_xml`]
//! writes the same form (the reference portal's demo list).

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};
use quick_xml::events::Event;

use crate::{CertificateInfo, SignError};

/// The largest list read (the published one is far smaller).
pub const MAX_TSL: usize = 128 << 20;
const MAX_DEPTH: usize = 32;

/// The status text of an accreditation in force.
pub const IN_FORCE: &str = "Действует";

/// One entry of a CA's accreditation: a status from a moment, until
/// another (or `until`, when the list says).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusEntry {
    /// `Действует`, `Прекращена`, `Приостановлена`, `Аннулирована`…
    pub status: String,
    pub reason: Option<String>,
    pub from: DateTime<Utc>,
    pub until: Option<DateTime<Utc>>,
}

/// One accredited (or formerly accredited) certification authority.
#[derive(Debug, Clone, Default)]
pub struct Authority {
    pub name: String,
    pub short_name: String,
    pub inn: String,
    pub ogrn: String,
    pub registry_number: String,
    /// The current status.
    pub status: Option<StatusEntry>,
    pub history: Vec<StatusEntry>,
    /// The CA's keys (`КлючиУполномоченныхЛиц/Ключ`), each with its
    /// certificates and where its CRLs are published.
    pub keys: Vec<CaKey>,
}

/// One key of a CA: its certificates and CRL addresses.
#[derive(Debug, Clone, Default)]
pub struct CaKey {
    /// `ИдентификаторКлюча` (the key identifier, hex) as the list gives it.
    pub key_id: String,
    pub certificates: Vec<CertificateInfo>,
    pub crl_urls: Vec<String>,
}

impl Authority {
    /// Every certificate of every key.
    pub fn certificates(&self) -> impl Iterator<Item = &CertificateInfo> {
        self.keys.iter().flat_map(|k| k.certificates.iter())
    }

    /// Every CRL address of every key, each once.
    pub fn crl_urls(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for url in self.keys.iter().flat_map(|k| k.crl_urls.iter()) {
            if !out.contains(&url.as_str()) {
                out.push(url);
            }
        }
        out
    }

    /// The CA's statuses over time, oldest first (the current one with the
    /// history, each once).
    fn timeline(&self) -> Vec<&StatusEntry> {
        let mut all: Vec<&StatusEntry> = self.history.iter().collect();
        if let Some(current) = &self.status {
            if !all.contains(&current) {
                all.push(current);
            }
        }
        all.sort_by_key(|e| e.from);
        all
    }

    /// Whether the CA's accreditation was in force at `at`: a `Действует`
    /// entry began at or before it and neither its own end nor the next
    /// status had come.
    pub fn accredited_at(&self, at: DateTime<Utc>) -> bool {
        let timeline = self.timeline();
        timeline.iter().enumerate().any(|(i, e)| {
            let next = timeline[i + 1..]
                .iter()
                .find(|n| n.from > e.from)
                .map(|n| n.from);
            let end = match (e.until, next) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            e.status.trim() == IN_FORCE && e.from <= at && end.is_none_or(|end| at < end)
        })
    }

    /// When the accreditation last stopped being in force, if it has.
    pub fn accreditation_ended(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if self.accredited_at(now) {
            return None;
        }
        let timeline = self.timeline();
        timeline
            .iter()
            .enumerate()
            .filter(|(_, e)| e.status.trim() == IN_FORCE)
            .filter_map(|(i, e)| {
                let next = timeline[i + 1..]
                    .iter()
                    .find(|n| n.from > e.from)
                    .map(|n| n.from);
                match (e.until, next) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                }
            })
            .max()
    }
}

/// The list as read.
#[derive(Debug, Clone, Default)]
pub struct TrustList {
    pub version: u64,
    pub date: Option<DateTime<Utc>>,
    pub authorities: Vec<Authority>,
    /// Certificates in the list that did not parse, skipped.
    pub skipped_certificates: usize,
}

fn malformed(detail: impl std::fmt::Display) -> SignError {
    SignError::MalformedTrustList(detail.to_string())
}

/// A moment as the list writes it: RFC 3339, or without an offset (Moscow
/// time, +03:00), or a date alone (its midnight in Moscow).
pub fn parse_time(text: &str) -> Result<DateTime<Utc>, SignError> {
    use chrono::Datelike;
    let t = parse_any_time(text)?;
    // Years the list can mean; outside them, a date would not even write
    // back in RFC 3339.
    if !(1900..=9999).contains(&t.year()) {
        return Err(malformed(format!("not a date: {text:?}")));
    }
    Ok(t)
}

fn parse_any_time(text: &str) -> Result<DateTime<Utc>, SignError> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    let moscow = FixedOffset::east_opt(3 * 3600).expect("valid offset");
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| {
            NaiveDate::parse_from_str(text, "%Y-%m-%d").map(|d| d.and_time(Default::default()))
        })
        .map_err(|_| malformed(format!("not a date: {text:?}")))?;
    moscow
        .from_local_datetime(&naive)
        .single()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| malformed(format!("not a date: {text:?}")))
}

/// A status entry being read.
#[derive(Default)]
struct PartialStatus {
    status: Option<String>,
    reason: Option<String>,
    from: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
}

impl PartialStatus {
    fn finish(self) -> Result<StatusEntry, SignError> {
        Ok(StatusEntry {
            status: self
                .status
                .ok_or_else(|| malformed("an accreditation status without Статус"))?,
            reason: self.reason,
            from: self
                .from
                .ok_or_else(|| malformed("an accreditation status without ДействуетС"))?,
            until: self.until,
        })
    }
}

impl TrustList {
    /// Reads the list. `tsl.malformed` when it is not the Ministry's XML.
    pub fn parse(xml: &[u8]) -> Result<Self, SignError> {
        if xml.len() > MAX_TSL {
            return Err(malformed(format!("{} bytes, at most {MAX_TSL}", xml.len())));
        }
        let text = std::str::from_utf8(xml.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(xml))
            .map_err(|e| malformed(format!("not UTF-8: {e}")))?;
        let mut reader = quick_xml::Reader::from_str(text);
        reader.config_mut().check_end_names = true;
        let mut path: Vec<String> = Vec::new();
        let mut value = String::new();
        let mut list = TrustList::default();
        let mut version = None;
        let mut ca: Option<Authority> = None;
        let mut status: Option<PartialStatus> = None;
        let mut seen_root = false;
        loop {
            let event = reader
                .read_event()
                .map_err(|e| malformed(format!("at byte {}: {e}", reader.buffer_position())))?;
            match event {
                Event::Start(e) => {
                    let name = e.local_name();
                    let name = name.as_ref().to_string();
                    if path.is_empty() {
                        if seen_root || name != "АккредитованныеУдостоверяющиеЦентры"
                        {
                            return Err(malformed(format!("root element {name:?}")));
                        }
                        seen_root = true;
                    }
                    if path.len() >= MAX_DEPTH {
                        return Err(malformed("elements nested too deep"));
                    }
                    match (path.len(), name.as_str()) {
                        (1, "УдостоверяющийЦентр") => {
                            ca = Some(Authority::default())
                        }
                        (_, "Ключ")
                            if path.last().is_some_and(|p| p == "КлючиУполномоченныхЛиц") =>
                        {
                            if let Some(ca) = ca.as_mut() {
                                ca.keys.push(CaKey::default());
                            }
                        }
                        (_, "СтатусАккредитации") if ca.is_some() => {
                            status = Some(PartialStatus::default())
                        }
                        _ => {}
                    }
                    path.push(name);
                    value.clear();
                }
                Event::Empty(e) => {
                    if path.is_empty() {
                        return Err(malformed("an empty document"));
                    }
                    let _ = e;
                }
                Event::Text(t) => value.push_str(&t.xml10_content()),
                Event::CData(t) => value.push_str(&t.into_inner()),
                Event::GeneralRef(r) => {
                    if let Some(c) = r
                        .resolve_char_ref()
                        .map_err(|e| malformed(format!("a character reference: {e}")))?
                    {
                        value.push(c);
                    } else {
                        let name = r.xml10_content();
                        let resolved = quick_xml::escape::resolve_predefined_entity(&name)
                            .ok_or_else(|| malformed(format!("unknown entity &{name};")))?;
                        value.push_str(resolved);
                    }
                }
                Event::DocType(_) => return Err(malformed("a DOCTYPE is not allowed")),
                Event::End(_) => {
                    let name = path.pop().unwrap_or_default();
                    let parent = path.last().map(String::as_str).unwrap_or("");
                    let text = value.trim().to_string();
                    value.clear();
                    match (path.len(), name.as_str()) {
                        (1, "Версия") => {
                            version = Some(
                                text.parse::<u64>()
                                    .map_err(|_| malformed(format!("Версия {text:?}")))?,
                            )
                        }
                        (1, "Дата") => list.date = Some(parse_time(&text)?),
                        (1, "УдостоверяющийЦентр") => {
                            list.authorities.extend(ca.take());
                        }
                        (2, field) => {
                            if let Some(ca) = ca.as_mut() {
                                match field {
                                    "Название" => ca.name = text,
                                    "КраткоеНазвание" => ca.short_name = text,
                                    "ИНН" => ca.inn = text,
                                    "ОГРН" => ca.ogrn = text,
                                    "РеестровыйНомер" => ca.registry_number = text,
                                    "СтатусАккредитации" => {
                                        if let Some(s) = status.take() {
                                            ca.status = Some(s.finish()?);
                                        }
                                    }
                                    _ => {}
                                }
                            }
                        }
                        (3, "СтатусАккредитации") if parent == "ИсторияСтатусовАккредитации" => {
                            if let (Some(ca), Some(s)) = (ca.as_mut(), status.take()) {
                                ca.history.push(s.finish()?);
                            }
                        }
                        (_, field) if parent == "СтатусАккредитации" => {
                            if let Some(s) = status.as_mut() {
                                match field {
                                    "Статус" => s.status = Some(text),
                                    "Причина" => s.reason = Some(text),
                                    "ДействуетС" => s.from = Some(parse_time(&text)?),
                                    "ДействуетДо" if !text.is_empty() => {
                                        s.until = Some(parse_time(&text)?)
                                    }
                                    _ => {}
                                }
                            }
                        }
                        (_, "ИдентификаторКлюча") if parent == "Ключ" => {
                            if let Some(key) = ca.as_mut().and_then(|c| c.keys.last_mut()) {
                                key.key_id = text;
                            }
                        }
                        (_, "Адрес") if parent == "АдресаСписковОтзыва" => {
                            if let Some(key) = ca.as_mut().and_then(|c| c.keys.last_mut()) {
                                if !text.is_empty() && !key.crl_urls.contains(&text) {
                                    key.crl_urls.push(text);
                                }
                            }
                        }
                        (_, "Данные") if parent == "ДанныеСертификата" => {
                            if let Some(key) = ca.as_mut().and_then(|c| c.keys.last_mut()) {
                                let b64: String =
                                    text.chars().filter(|c| !c.is_whitespace()).collect();
                                use base64::Engine;
                                match base64::engine::general_purpose::STANDARD
                                    .decode(b64)
                                    .ok()
                                    .and_then(|der| CertificateInfo::parse(&der).ok())
                                {
                                    Some(cert) => key.certificates.push(cert),
                                    None => list.skipped_certificates += 1,
                                }
                            }
                        }
                        _ => {}
                    }
                }
                Event::Eof => break,
                Event::Comment(_) | Event::Decl(_) | Event::PI(_) => {}
            }
        }
        if !seen_root || !path.is_empty() {
            return Err(malformed("the document ends early"));
        }
        list.version = version.ok_or_else(|| malformed("no Версия"))?;
        Ok(list)
    }

    /// The authority and key whose certificate this is (by its DER).
    pub fn authority_of(&self, der: &[u8]) -> Option<(&Authority, &CaKey)> {
        self.authorities.iter().find_map(|a| {
            a.keys
                .iter()
                .find(|k| k.certificates.iter().any(|c| c.der == der))
                .map(|k| (a, k))
        })
    }

    /// Every CA certificate with its authority.
    pub fn certificates(&self) -> impl Iterator<Item = (&Authority, &CertificateInfo)> {
        self.authorities
            .iter()
            .flat_map(|a| a.certificates().map(move |c| (a, c)))
    }

    /// The list in the Ministry's form.
    pub fn to_xml(&self) -> String {
        let mut w = XmlText::default();
        w.raw("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
        w.open("АккредитованныеУдостоверяющиеЦентры");
        w.leaf("Версия", &self.version.to_string());
        if let Some(date) = self.date {
            w.leaf("Дата", &time_text(date));
        }
        for ca in &self.authorities {
            w.open("УдостоверяющийЦентр");
            w.leaf("Название", &ca.name);
            w.leaf("КраткоеНазвание", &ca.short_name);
            w.open("ПрограммноАппаратныеКомплексы");
            w.open("ПрограммноАппаратныйКомплекс");
            w.leaf("Псевдоним", &ca.short_name);
            w.open("КлючиУполномоченныхЛиц");
            for key in &ca.keys {
                w.open("Ключ");
                w.leaf("ИдентификаторКлюча", &key.key_id);
                w.open("АдресаСписковОтзыва");
                for url in &key.crl_urls {
                    w.leaf("Адрес", url);
                }
                w.close("АдресаСписковОтзыва");
                w.open("Сертификаты");
                for cert in &key.certificates {
                    w.open("ДанныеСертификата");
                    w.leaf("Отпечаток", &sha1_hex(&cert.der));
                    w.leaf(
                        "КемВыдан",
                        cert.issuer_common_name.as_deref().unwrap_or_default(),
                    );
                    w.leaf(
                        "КомуВыдан",
                        cert.subject_common_name.as_deref().unwrap_or_default(),
                    );
                    w.leaf("СерийныйНомер", &cert.serial);
                    w.leaf("ПериодДействияС", &time_text(cert.not_before));
                    w.leaf("ПериодДействияДо", &time_text(cert.not_after));
                    use base64::Engine;
                    w.leaf(
                        "Данные",
                        &base64::engine::general_purpose::STANDARD.encode(&cert.der),
                    );
                    w.close("ДанныеСертификата");
                }
                w.close("Сертификаты");
                w.close("Ключ");
            }
            w.close("КлючиУполномоченныхЛиц");
            w.close("ПрограммноАппаратныйКомплекс");
            w.close("ПрограммноАппаратныеКомплексы");
            w.leaf("ИНН", &ca.inn);
            w.leaf("ОГРН", &ca.ogrn);
            w.leaf("РеестровыйНомер", &ca.registry_number);
            if let Some(s) = &ca.status {
                w.status(s);
            }
            w.open("ИсторияСтатусовАккредитации");
            for s in &ca.history {
                w.status(s);
            }
            w.close("ИсторияСтатусовАккредитации");
            w.close("УдостоверяющийЦентр");
        }
        w.close("АккредитованныеУдостоверяющиеЦентры");
        w.out
    }
}

fn time_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The thumbprint the list names a certificate by (SHA-1, upper-case hex).
fn sha1_hex(der: &[u8]) -> String {
    use sha1::Digest;
    sha1::Sha1::digest(der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

/// An indented XML writer for the few elements of the list.
#[derive(Default)]
struct XmlText {
    out: String,
    depth: usize,
}

impl XmlText {
    fn raw(&mut self, s: &str) {
        self.out.push_str(s);
    }
    fn indent(&mut self) {
        self.out.extend(std::iter::repeat_n("  ", self.depth));
    }
    fn open(&mut self, name: &str) {
        self.indent();
        self.out.push_str(&format!("<{name}>\n"));
        self.depth += 1;
    }
    fn close(&mut self, name: &str) {
        self.depth -= 1;
        self.indent();
        self.out.push_str(&format!("</{name}>\n"));
    }
    fn leaf(&mut self, name: &str, value: &str) {
        self.indent();
        let value = quick_xml::escape::escape(value);
        self.out.push_str(&format!("<{name}>{value}</{name}>\n"));
    }
    fn status(&mut self, s: &StatusEntry) {
        self.open("СтатусАккредитации");
        self.leaf("Статус", &s.status);
        if let Some(reason) = &s.reason {
            self.leaf("Причина", reason);
        }
        self.leaf("ДействуетС", &time_text(s.from));
        if let Some(until) = s.until {
            self.leaf("ДействуетДо", &time_text(until));
        }
        self.close("СтатусАккредитации");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        parse_time(s).unwrap()
    }

    fn entry(status: &str, from: &str, until: Option<&str>) -> StatusEntry {
        StatusEntry {
            status: status.into(),
            reason: None,
            from: t(from),
            until: until.map(t),
        }
    }

    #[test]
    fn times_in_the_forms_the_list_uses() {
        assert_eq!(t("2024-03-01T10:00:00+03:00"), t("2024-03-01T07:00:00Z"));
        assert_eq!(t("2024-03-01T10:00:00"), t("2024-03-01T07:00:00Z"));
        assert_eq!(t("2024-03-01"), t("2024-02-29T21:00:00Z"));
        assert_eq!(
            parse_time("вчера").unwrap_err().code().as_str(),
            "tsl.malformed"
        );
        // Found by fuzzing: a year that reads but does not write back.
        assert!(parse_time("-2020-12-31T21:00:00").is_err());
        assert!(parse_time("0000-01-01").is_err());
    }

    #[test]
    fn accreditation_follows_the_history() {
        let ca = Authority {
            status: Some(entry("Прекращена", "2025-01-01", None)),
            history: vec![
                entry("Действует", "2021-07-01", None),
                entry("Приостановлена", "2022-01-01", None),
                entry("Действует", "2022-02-01", None),
                entry("Прекращена", "2025-01-01", None),
            ],
            ..Default::default()
        };
        assert!(!ca.accredited_at(t("2021-06-30")));
        assert!(ca.accredited_at(t("2021-07-01")));
        assert!(!ca.accredited_at(t("2022-01-15")));
        assert!(ca.accredited_at(t("2024-12-31T23:00:00+03:00")));
        assert!(!ca.accredited_at(t("2025-01-01")));
        assert_eq!(
            ca.accreditation_ended(t("2026-01-01")),
            Some(t("2025-01-01"))
        );
        // An explicit end closes an entry even when nothing follows it.
        let ended = Authority {
            status: Some(entry("Действует", "2021-07-01", Some("2023-07-01"))),
            ..Default::default()
        };
        assert!(ended.accredited_at(t("2023-06-30")));
        assert!(!ended.accredited_at(t("2023-07-01")));
    }

    #[test]
    fn refuses_what_is_not_the_list() {
        for bad in [
            &b""[..],
            b"<html></html>",
            b"<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"b\">]><x/>",
            "<АккредитованныеУдостоверяющиеЦентры><Версия>1</Версия>".as_bytes(),
            "<АккредитованныеУдостоверяющиеЦентры><Версия>x</Версия></АккредитованныеУдостоверяющиеЦентры>".as_bytes(),
            "<АккредитованныеУдостоверяющиеЦентры><Версия>1</Версия></Другой>".as_bytes(),
            "<АккредитованныеУдостоверяющиеЦентры><Версия>1&ext;</Версия></АккредитованныеУдостоверяющиеЦентры>".as_bytes(),
        ] {
            let e = TrustList::parse(bad).unwrap_err();
            assert_eq!(e.code().as_str(), "tsl.malformed", "{e}");
        }
    }
}
