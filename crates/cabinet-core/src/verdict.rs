//! What the window and `cabinet verify --json` show of a signature's
//! judgement ([`cabinet_sign::assess`]): the same structure for both, with
//! stable snake_case words a script can test and the window translates.

use cabinet_api::ErrorCode;
use cabinet_sign::assess::{
    self, CertState, Level, RevocationSource, SignerCheck, SigningTime, TrustLevel, Verdict,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::certificates::CertificateView;

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum TrustView {
    Qualified,
    TrustedByYou,
    Untrusted,
    NotChecked,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CertStateView {
    Valid,
    Expired,
    NotYetValid,
    Revoked,
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum VerdictView {
    Valid,
    Indeterminate,
    Invalid,
}

/// The accredited CA a chain ended at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AuthorityView {
    pub name: String,
    pub short_name: String,
    pub inn: String,
    pub ogrn: String,
    pub registry_number: String,
    /// RFC 3339, when its accreditation ended (if it has).
    pub accreditation_ended: Option<String>,
}

/// The revocation data a certificate state rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RevocationView {
    /// `crl` | `ocsp`.
    pub source: String,
    pub issuer: String,
    /// RFC 3339.
    pub this_update: String,
    pub next_update: Option<String>,
    pub revoked_at: Option<String>,
    /// Whole hours between the data's issue and the check.
    pub age_hours: i32,
}

/// When the signature was made: `proven` by a timestamp (with its TSA),
/// or only `claimed` by the signer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TimeView {
    /// `proven` | `claimed`.
    pub kind: String,
    pub at: Option<String>,
    pub tsa: Option<String>,
}

/// One signer, judged.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct SignatureCheck {
    pub certificate: CertificateView,
    pub algorithm: String,
    /// The CAdES form: `bes` | `t` | `c` | `x_long` | `x_long_type1`.
    pub level: String,
    pub intact: bool,
    pub trust: TrustView,
    pub authority: Option<AuthorityView>,
    /// RFC 3339: the moment judged (the proven signing time, else the
    /// check's time).
    pub judged_at: String,
    /// RFC 3339: when the check was made.
    pub checked_at: String,
    pub certificate_at_signing: CertStateView,
    pub certificate_now: CertStateView,
    pub revocation: Option<RevocationView>,
    pub time: TimeView,
    pub verdict: VerdictView,
    /// Why it is not `valid`, most serious first.
    pub problems: Vec<ErrorCode>,
}

fn state(s: CertState) -> CertStateView {
    match s {
        CertState::Valid => CertStateView::Valid,
        CertState::Expired => CertStateView::Expired,
        CertState::NotYetValid => CertStateView::NotYetValid,
        CertState::Revoked => CertStateView::Revoked,
        CertState::Unknown => CertStateView::Unknown,
    }
}

impl SignatureCheck {
    pub fn of(c: &SignerCheck, now: DateTime<Utc>) -> Self {
        SignatureCheck {
            certificate: CertificateView::of(&c.certificate, now),
            algorithm: c.algorithm.clone(),
            level: match c.level {
                Level::Bes => "bes",
                Level::T => "t",
                Level::C => "c",
                Level::XLong => "x_long",
                Level::XLongType1 => "x_long_type1",
            }
            .into(),
            intact: c.intact,
            trust: match c.trust {
                TrustLevel::Qualified => TrustView::Qualified,
                TrustLevel::TrustedByYou => TrustView::TrustedByYou,
                TrustLevel::Untrusted => TrustView::Untrusted,
                TrustLevel::NotChecked => TrustView::NotChecked,
            },
            authority: c.authority.as_ref().map(|a| AuthorityView {
                name: a.name.clone(),
                short_name: a.short_name.clone(),
                inn: a.inn.clone(),
                ogrn: a.ogrn.clone(),
                registry_number: a.registry_number.clone(),
                accreditation_ended: a.accreditation_ended.map(rfc3339),
            }),
            judged_at: rfc3339(c.judged_at),
            checked_at: rfc3339(now),
            certificate_at_signing: state(c.certificate_at_signing),
            certificate_now: state(c.certificate_now),
            revocation: c.revocation.as_ref().map(|r| RevocationView {
                source: match r.source {
                    RevocationSource::Crl => "crl",
                    RevocationSource::Ocsp => "ocsp",
                }
                .into(),
                issuer: r.issuer.clone(),
                this_update: rfc3339(r.this_update),
                next_update: r.next_update.map(rfc3339),
                revoked_at: r.revoked_at.map(rfc3339),
                age_hours: i32::try_from((now - r.this_update).num_hours()).unwrap_or(i32::MAX),
            }),
            time: match &c.time {
                SigningTime::Proven { at, tsa } => TimeView {
                    kind: "proven".into(),
                    at: Some(rfc3339(*at)),
                    tsa: Some(tsa.clone()),
                },
                SigningTime::Claimed(at) => TimeView {
                    kind: "claimed".into(),
                    at: at.map(rfc3339),
                    tsa: None,
                },
            },
            verdict: match c.verdict {
                Verdict::Valid => VerdictView::Valid,
                Verdict::Indeterminate => VerdictView::Indeterminate,
                Verdict::Invalid => VerdictView::Invalid,
            },
            problems: c.problems.clone(),
        }
    }
}

/// Judges a signature (detached over `content`, or attached holding
/// exactly it) with `evidence`, signer by signer.
pub fn judge(
    signature: &[u8],
    content: impl std::io::Read,
    evidence: &assess::Evidence<'_>,
) -> Result<Vec<SignatureCheck>, crate::CoreError> {
    Ok(assess::assess_detached(signature, content, evidence)?
        .iter()
        .map(|c| SignatureCheck::of(c, evidence.now))
        .collect())
}

/// Judges an attached signature alone; gives the document it holds too.
pub fn judge_attached(
    signature: &[u8],
    evidence: &assess::Evidence<'_>,
) -> Result<(Vec<SignatureCheck>, Vec<u8>), crate::CoreError> {
    let (checks, content) = assess::assess_attached(signature, evidence)?;
    Ok((
        checks
            .iter()
            .map(|c| SignatureCheck::of(c, evidence.now))
            .collect(),
        content,
    ))
}

/// The words of a judgement in Russian, for the terminal and the printed
/// verification protocol (the window has its own language tables).
pub mod words_ru {
    use super::*;

    fn date(rfc3339: &str) -> String {
        DateTime::parse_from_rfc3339(rfc3339)
            .map(|t| {
                format!(
                    "{} МСК",
                    crate::export::moscow_minutes(t.with_timezone(&Utc))
                )
            })
            .unwrap_or_else(|_| rfc3339.to_owned())
    }

    /// Why a judgement is not `valid`, one finding.
    pub fn problem(code: ErrorCode) -> &'static str {
        match code {
            ErrorCode::SigContentChanged => "документ изменён после подписания",
            ErrorCode::SigBroken => "значение подписи не совпадает",
            ErrorCode::SigUntrusted => {
                "сертификат выдан удостоверяющим центром, которого нет в списке аккредитованных и которому вы не доверяете"
            }
            ErrorCode::TrustNotChecked => {
                "доверие не проверялось: нет списка аккредитованных удостоверяющих центров"
            }
            ErrorCode::TrustNotAccredited => {
                "удостоверяющий центр не был аккредитован на момент проверки"
            }
            ErrorCode::TrustChainExpired => {
                "сертификат удостоверяющего центра в цепочке не действовал на момент проверки"
            }
            ErrorCode::SigCertExpired => "сертификат не действовал на момент подписания",
            ErrorCode::SigCertExpiredNoProof => {
                "срок действия сертификата истёк, а время подписания не подтверждено штампом времени"
            }
            ErrorCode::SigCertNotYetValid => "срок действия сертификата ещё не начался",
            ErrorCode::SigRevoked => "сертификат отозван",
            ErrorCode::RevocationUnknown => "нет сведений об отзыве сертификата",
            ErrorCode::RevocationStale => "сведения об отзыве сертификата устарели",
            ErrorCode::SigLongTermBroken => {
                "данные для долгосрочной проверки повреждены или изменены после штампа времени"
            }
            ErrorCode::TspMismatch => "штамп времени относится к другим данным",
            ErrorCode::TspUntrusted => {
                "штамп времени выдан службой, которой нет доверия, и ничего не подтверждает"
            }
            _ => "проверка не пройдена",
        }
    }

    /// The verdict in one sentence.
    pub fn summary(c: &SignatureCheck) -> String {
        let moment = if c.time.kind == "proven" {
            format!(
                "на момент подписания {} (время подтверждено штампом времени «{}»)",
                date(c.time.at.as_deref().unwrap_or_default()),
                c.time.tsa.as_deref().unwrap_or_default()
            )
        } else {
            format!(
                "на момент проверки {} (время подписания не подтверждено штампом времени)",
                date(&c.judged_at)
            )
        };
        let problems = || {
            c.problems
                .iter()
                .map(|p| problem(*p))
                .collect::<Vec<_>>()
                .join("; ")
        };
        match (c.verdict, c.trust) {
            (VerdictView::Valid, TrustView::Qualified) => format!(
                "Квалифицированная подпись действительна: сертификат выдан аккредитованным УЦ «{}», действовал и не был отозван {moment}.",
                c.authority.as_ref().map(|a| a.short_name.as_str()).unwrap_or_default()
            ),
            (VerdictView::Valid, _) if c.revocation.is_none() => format!(
                "Подпись действительна: вы доверяете самому этому сертификату; он действовал {moment}."
            ),
            (VerdictView::Valid, _) => format!(
                "Подпись действительна: сертификат выдан удостоверяющим центром, которому вы доверяете, действовал и не был отозван {moment}."
            ),
            (VerdictView::Indeterminate, _) => format!(
                "Подпись не изменена, но её действительность не установлена: {}.",
                problems()
            ),
            (VerdictView::Invalid, _) => format!("Подпись недействительна: {}.", problems()),
        }
    }

    /// The CAdES form, as the standard names it.
    pub fn level(c: &SignatureCheck) -> &'static str {
        match c.level.as_str() {
            "t" => "CAdES-T (со штампом времени)",
            "c" => "CAdES-C (со ссылками на данные проверки)",
            "x_long" => "CAdES-X Long (с данными для проверки)",
            "x_long_type1" => "CAdES-X Long Type 1 (для долгосрочной проверки без сети)",
            _ => "CAdES-BES",
        }
    }

    /// Where the revocation data came from and how old it is.
    pub fn revocation(c: &SignatureCheck) -> Option<String> {
        c.revocation.as_ref().map(|r| {
            format!(
                "Отзыв: {} «{}» от {}{}, возраст {} ч{}.",
                if r.source == "ocsp" {
                    "ответ OCSP-службы"
                } else {
                    "список отзыва УЦ"
                },
                r.issuer,
                date(&r.this_update),
                r.next_update
                    .as_deref()
                    .map(|n| format!(", следующий до {}", date(n)))
                    .unwrap_or_default(),
                r.age_hours,
                r.revoked_at
                    .as_deref()
                    .map(|t| format!("; сертификат отозван {}", date(t)))
                    .unwrap_or_default()
            )
        })
    }
}
