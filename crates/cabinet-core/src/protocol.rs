//! «Протокол проверки»: the paper an accountant files with a signed
//! original — the document's name and hash, each signer's certificate,
//! the checks made and what they rest on (the trust list, the revocation
//! list, the time stamp), the verdict in words and when it was reached.
//! The same words as `cabinet verify` ([`crate::verdict::words_ru`]).

use cabinet_api::ErrorCode;
use cabinet_pdf::{Block, Document};
use chrono::{DateTime, Utc};

use crate::verdict::{words_ru, CertStateView, SignatureCheck, TrustView, VerdictView};
use crate::CoreError;

/// What the protocol says of the trust list the checks used.
#[derive(Debug, Clone, Default)]
pub struct ListUsed {
    pub version: Option<u32>,
    /// RFC 3339.
    pub date: Option<String>,
    pub fetched_at: Option<String>,
}

fn moscow(rfc3339: &str) -> String {
    DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| {
            t.with_timezone(&chrono::FixedOffset::east_opt(3 * 3600).expect("offset"))
                .format("%d.%m.%Y %H:%M:%S МСК")
                .to_string()
        })
        .unwrap_or_else(|_| rfc3339.to_owned())
}

fn state(s: CertStateView) -> &'static str {
    match s {
        CertStateView::Valid => "действовал, не отозван",
        CertStateView::Expired => "срок действия истёк",
        CertStateView::NotYetValid => "срок действия не начался",
        CertStateView::Revoked => "отозван",
        CertStateView::Unknown => "в сроке действия, сведений об отзыве нет или они устарели",
    }
}

fn trust(t: TrustView) -> &'static str {
    match t {
        TrustView::Qualified => "квалифицированный сертификат: выдан аккредитованным УЦ",
        TrustView::TrustedByYou => "выдан удостоверяющим центром, которому доверяет пользователь",
        TrustView::Untrusted => "доверие не установлено",
        TrustView::NotChecked => "не проверялось: нет списка аккредитованных УЦ",
    }
}

/// The protocol of `checks` of the document `name` (its SHA-256 in hex),
/// checked at `at`, as a PDF.
pub fn verification_protocol(
    name: &str,
    sha256: &str,
    checks: &[SignatureCheck],
    list: &ListUsed,
    at: DateTime<Utc>,
) -> Result<Vec<u8>, CoreError> {
    let at_text = moscow(&at.to_rfc3339());
    let mut blocks = vec![Block::Pairs(vec![
        ("Документ".into(), name.to_owned()),
        ("Хеш SHA-256".into(), sha256.to_owned()),
        ("Время проверки".into(), at_text.clone()),
        (
            "Список аккредитованных УЦ".into(),
            match (&list.version, &list.date) {
                (Some(v), Some(d)) => format!(
                    "версия {v} от {}{}",
                    moscow(d),
                    list.fetched_at
                        .as_deref()
                        .map(|f| format!(", получен {}", moscow(f)))
                        .unwrap_or_default()
                ),
                _ => "не получен: квалифицированность не проверялась".into(),
            },
        ),
        ("Подписантов".into(), checks.len().to_string()),
    ])];
    for (i, c) in checks.iter().enumerate() {
        let cert = &c.certificate;
        blocks.push(Block::Heading(format!(
            "Подписант {}: {}",
            i + 1,
            cert.holder
        )));
        blocks.push(Block::Text(vec![words_ru::summary(c)]));
        let mut pairs: Vec<(String, String)> = Vec::new();
        let mut add = |k: &str, v: Option<String>| {
            if let Some(v) = v.filter(|v| !v.is_empty()) {
                pairs.push((k.to_owned(), v));
            }
        };
        add("Должность", cert.title.clone());
        add("Организация", cert.organization.clone());
        add("ИНН ЮЛ", cert.inn_le.clone());
        add("ИНН", cert.inn.clone());
        add("ОГРН", cert.ogrn.clone());
        add("ОГРНИП", cert.ogrnip.clone());
        add("СНИЛС", cert.snils.clone());
        add("Серийный номер сертификата", Some(cert.serial.clone()));
        add("Издатель сертификата", Some(cert.issuer.clone()));
        add(
            "Срок действия сертификата",
            Some(format!(
                "с {} по {}",
                moscow(&cert.not_before),
                moscow(&cert.not_after)
            )),
        );
        add("Отпечаток SHA-256", Some(cert.sha256.clone()));
        add("Алгоритм подписи", Some(c.algorithm.clone()));
        add("Формат подписи", Some(words_ru::level(c).into()));
        add(
            "Целостность",
            Some(
                if c.intact {
                    "подпись математически верна, документ не изменён"
                } else {
                    "нарушена"
                }
                .into(),
            ),
        );
        add("Доверие", Some(trust(c.trust).into()));
        if let Some(a) = &c.authority {
            add(
                "Удостоверяющий центр",
                Some(format!(
                    "{} (ИНН {}, ОГРН {}, реестровый № {}){}",
                    a.name,
                    a.inn,
                    a.ogrn,
                    a.registry_number,
                    a.accreditation_ended
                        .as_deref()
                        .map(|e| format!("; аккредитация прекращена {}", moscow(e)))
                        .unwrap_or_default()
                )),
            );
        }
        add(
            "Время подписания",
            Some(match (c.time.kind.as_str(), &c.time.at) {
                ("proven", Some(t)) => format!(
                    "{} — подтверждено штампом времени «{}»",
                    moscow(t),
                    c.time.tsa.as_deref().unwrap_or_default()
                ),
                (_, Some(t)) => format!(
                    "{} — со слов подписанта, штампом не подтверждено",
                    moscow(t)
                ),
                _ => "не указано".into(),
            }),
        );
        add("Проверено на момент", Some(moscow(&c.judged_at)));
        add(
            "Сертификат на этот момент",
            Some(state(c.certificate_at_signing).into()),
        );
        add("Сертификат сейчас", Some(state(c.certificate_now).into()));
        add(
            "Сведения об отзыве",
            Some(
                words_ru::revocation(c)
                    .map(|r| r.trim_start_matches("Отзыв: ").to_owned())
                    .unwrap_or_else(|| "нет".into()),
            ),
        );
        if !c.problems.is_empty() {
            add(
                "Замечания",
                Some(
                    c.problems
                        .iter()
                        .map(|p: &ErrorCode| words_ru::problem(*p))
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
            );
        }
        add(
            "Итог",
            Some(
                match c.verdict {
                    VerdictView::Valid => "ПОДПИСЬ ДЕЙСТВИТЕЛЬНА",
                    VerdictView::Indeterminate => "ДЕЙСТВИТЕЛЬНОСТЬ НЕ УСТАНОВЛЕНА",
                    VerdictView::Invalid => "ПОДПИСЬ НЕДЕЙСТВИТЕЛЬНА",
                }
                .into(),
            ),
        );
        blocks.push(Block::Pairs(pairs));
    }
    let doc = Document {
        title: "Протокол проверки электронной подписи".into(),
        landscape: false,
        blocks,
        footer: format!("Проверено {at_text} в OrgCabinet"),
        page_label: "Страница {page} из {pages}".into(),
        creator: "OrgCabinet".into(),
    };
    cabinet_pdf::render(&doc).map_err(|e| CoreError::File {
        code: ErrorCode::ExportFailed,
        detail: e.to_string(),
    })
}
