//! Accounting exports from the offline cache: the charges issued and the
//! payments made in a period, as CSV or XLSX tables (one per kind) and as
//! one JSON document for 1C-style import. Amounts in JSON are decimal
//! strings of rubles (`"301662.00"`), never floats; dates are ISO.
//!
//! Column titles are Russian: they are the files' content, read by
//! Russian accountants and by import rules written for them.

use cabinet_api::{Charge, ChargeKind, ChargeStatus, Payment, PaymentMethod};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use crate::export::AccountingFormat;
use crate::export::{csv_table, moscow_minutes, xlsx_table, Cell};
use crate::records::{RecordQuery, RecordSort};
use crate::store::Store;
use crate::CoreError;
use cabinet_api::ErrorCode;

/// What an accounting export holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AccountingPart {
    Charges,
    Payments,
}

/// The charges issued and payments made in a period (ISO days, both
/// included; `None` is open), oldest first.
#[derive(Debug, Clone)]
pub struct Accounting {
    pub from: Option<String>,
    pub to: Option<String>,
    pub charges: Vec<Charge>,
    pub payments: Vec<Payment>,
    /// Every cached charge by id, to name what a payment paid.
    all_charges: Vec<Charge>,
}

impl Store {
    /// What an accounting export of `org` for the period holds.
    pub fn accounting(
        &self,
        org: &str,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<Accounting, CoreError> {
        for day in [from, to].into_iter().flatten() {
            if chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").is_err() {
                return Err(CoreError::Invalid(ErrorCode::InputPeriod));
            }
        }
        let query = |from: Option<&str>, to: Option<&str>| RecordQuery {
            from: from.map(str::to_owned),
            to: to.map(str::to_owned),
            sort: RecordSort::Oldest,
            ..RecordQuery::default()
        };
        let rows = |p: crate::records::RecordPage<Charge>| -> Vec<Charge> {
            p.items.into_iter().map(|v| v.record).collect()
        };
        let charges = rows(self.record_page::<Charge>(org, &query(from, to))?);
        let all_charges = rows(self.record_page::<Charge>(org, &query(None, None))?);
        let payments = self
            .record_page::<Payment>(org, &query(from, to))?
            .items
            .into_iter()
            .map(|v| v.record)
            .collect();
        Ok(Accounting {
            from: from.map(str::to_owned),
            to: to.map(str::to_owned),
            charges,
            payments,
            all_charges,
        })
    }
}

fn kind_ru(k: ChargeKind) -> &'static str {
    match k {
        ChargeKind::Duty => "Госпошлина",
        ChargeKind::Tax => "Налог",
        ChargeKind::Fine => "Штраф",
        ChargeKind::Fee => "Сбор",
    }
}

fn status_ru(s: ChargeStatus) -> &'static str {
    match s {
        ChargeStatus::Unpaid => "К оплате",
        ChargeStatus::Paid => "Оплачено",
    }
}

fn method_ru(m: PaymentMethod) -> &'static str {
    match m {
        PaymentMethod::Card => "Банковская карта",
        PaymentMethod::Sbp => "СБП",
    }
}

/// Kopecks as a decimal string of rubles with a point: `30166200` →
/// `301662.00`.
pub fn decimal_rubles(kopecks: i64) -> String {
    let sign = if kopecks < 0 { "-" } else { "" };
    let abs = kopecks.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

fn amount(kopecks: i64) -> Cell {
    Cell::Amount(kopecks as f64 / 100.0)
}

const CHARGE_COLUMNS: [&str; 8] = [
    "УИН",
    "Вид",
    "Начисление",
    "Получатель",
    "Сумма, ₽",
    "Дата начисления",
    "Оплатить до",
    "Статус",
];

const PAYMENT_COLUMNS: [&str; 7] = [
    "Дата оплаты",
    "УИН",
    "Начисление",
    "Сумма, ₽",
    "Способ оплаты",
    "Плательщик",
    "Квитанция (документ)",
];

impl Accounting {
    fn charge(&self, id: Option<&str>) -> Option<&Charge> {
        id.and_then(|id| self.all_charges.iter().find(|c| c.id == id))
    }

    fn table(&self, part: AccountingPart) -> (&'static str, Vec<&'static str>, Vec<Vec<Cell>>) {
        let text = |s: &str| Cell::Text(s.to_owned());
        match part {
            AccountingPart::Charges => (
                "Начисления",
                CHARGE_COLUMNS.to_vec(),
                self.charges
                    .iter()
                    .map(|c| {
                        vec![
                            text(&c.uin),
                            text(kind_ru(c.kind)),
                            text(&c.title),
                            text(&c.authority),
                            amount(c.amount),
                            Cell::Date(c.created_at.clone()),
                            Cell::Date(c.due_date.clone()),
                            text(status_ru(c.status)),
                        ]
                    })
                    .collect(),
            ),
            AccountingPart::Payments => (
                "Платежи",
                PAYMENT_COLUMNS.to_vec(),
                self.payments
                    .iter()
                    .map(|p| {
                        let c = self.charge(p.charge_id.as_deref());
                        vec![
                            Cell::Date(p.created_at.clone()),
                            c.map_or(Cell::Empty, |c| text(&c.uin)),
                            c.map_or(Cell::Empty, |c| text(&c.title)),
                            amount(p.amount),
                            text(method_ru(p.method)),
                            text(&p.paid_by),
                            text(&p.receipt_document_id),
                        ]
                    })
                    .collect(),
            ),
        }
    }

    /// One part as a table file.
    pub fn table_file(
        &self,
        part: AccountingPart,
        format: AccountingFormat,
    ) -> Result<Vec<u8>, CoreError> {
        let (sheet, headers, rows) = self.table(part);
        match format {
            AccountingFormat::Csv => Ok(csv_table(&headers, &rows).into_bytes()),
            AccountingFormat::Xlsx => xlsx_table(sheet, &headers, &rows),
            AccountingFormat::Json | AccountingFormat::Pdf => {
                Err(CoreError::Invalid(ErrorCode::InputFormat))
            }
        }
    }

    /// The period in words: «01.10.2026 – 31.12.2026», «с 01.10.2026»,
    /// «по 31.12.2026» or «за всё время».
    fn period_ru(&self) -> String {
        let dmy = |d: &str| crate::export::dmy(d).unwrap_or_else(|| d.to_owned());
        match (self.from.as_deref(), self.to.as_deref()) {
            (Some(f), Some(t)) => format!("за период {} – {}", dmy(f), dmy(t)),
            (Some(f), None) => format!("с {}", dmy(f)),
            (None, Some(t)) => format!("по {}", dmy(t)),
            (None, None) => "за всё время".to_owned(),
        }
    }

    /// One part as a printable PDF report of `org` (A4 across, Noto Sans):
    /// the same rows as the tables, amounts with thin-space thousands, the
    /// totals, and when it was made (Moscow time, like the portal).
    pub fn pdf(
        &self,
        part: AccountingPart,
        org: &cabinet_api::OrganizationProfile,
        made_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<u8>, CoreError> {
        use cabinet_pdf::{Block, Column, Document};
        let (sheet, headers, rows) = self.table(part);
        // The receipt's document id means nothing on paper.
        let shown = match part {
            AccountingPart::Charges => headers.len(),
            AccountingPart::Payments => headers.len() - 1,
        };
        let columns = headers[..shown]
            .iter()
            .map(|h| {
                if h.starts_with("Сумма") {
                    Column::right(h)
                } else {
                    Column::left(h)
                }
            })
            .collect();
        let cells = rows
            .iter()
            .map(|row| row[..shown].iter().map(Cell::shown).collect())
            .collect();
        let rubles = |k: i64| cabinet_api::format_rubles(k);
        let totals = match part {
            AccountingPart::Charges => {
                let unpaid: i64 = self
                    .charges
                    .iter()
                    .filter(|c| c.status == ChargeStatus::Unpaid)
                    .map(|c| c.amount)
                    .sum();
                vec![
                    (
                        "Начислено:".to_owned(),
                        rubles(self.charges.iter().map(|c| c.amount).sum()),
                    ),
                    ("Из них к оплате:".to_owned(), rubles(unpaid)),
                ]
            }
            AccountingPart::Payments => vec![(
                "Оплачено:".to_owned(),
                rubles(self.payments.iter().map(|p| p.amount).sum()),
            )],
        };
        let mut requisites = format!("ИНН {}", org.inn);
        if let Some(kpp) = org.kpp.as_deref().filter(|k| !k.is_empty()) {
            requisites.push_str(&format!(", КПП {kpp}"));
        }
        requisites.push_str(&format!(", ОГРН {}", org.ogrn));
        let mut blocks = vec![Block::Text(vec![org.full_name.clone(), requisites])];
        if rows.is_empty() {
            blocks.push(Block::Text(vec![format!(
                "{} {} нет.",
                sheet,
                self.period_ru()
            )]));
        } else {
            blocks.push(Block::Table {
                columns,
                rows: cells,
            });
            blocks.push(Block::Totals(
                std::iter::once(("Записей:".to_owned(), rows.len().to_string()))
                    .chain(totals)
                    .collect(),
            ));
        }
        let doc = Document {
            title: format!("{} {}", sheet, self.period_ru()),
            landscape: true,
            blocks,
            footer: format!(
                "Сформировано {} МСК в OrgCabinet по данным кабинета на этом компьютере",
                moscow_minutes(made_at)
            ),
            page_label: "Страница {page} из {pages}".to_owned(),
            creator: "OrgCabinet".to_owned(),
        };
        cabinet_pdf::render(&doc).map_err(|e| CoreError::File {
            code: ErrorCode::ExportFailed,
            detail: e.to_string(),
        })
    }

    /// Both parts as one JSON document for 1C-style import, with the
    /// organization's requisites.
    pub fn json(
        &self,
        org: &cabinet_api::OrganizationProfile,
        exported_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<u8>, CoreError> {
        let charges: Vec<serde_json::Value> = self
            .charges
            .iter()
            .map(|c| {
                serde_json::json!({
                    "id": c.id,
                    "uin": c.uin,
                    "kind": c.kind,
                    "title": c.title,
                    "recipient": c.authority,
                    "amount": decimal_rubles(c.amount),
                    "issued_on": c.created_at.get(..10),
                    "due_on": c.due_date,
                    "status": c.status,
                    "application_id": c.application_id,
                })
            })
            .collect();
        let payments: Vec<serde_json::Value> = self
            .payments
            .iter()
            .map(|p| {
                let c = self.charge(p.charge_id.as_deref());
                serde_json::json!({
                    "id": p.id,
                    "charge_id": p.charge_id,
                    "uin": c.map(|c| c.uin.as_str()),
                    "purpose": c.map(|c| c.title.as_str()),
                    "recipient": c.map(|c| c.authority.as_str()),
                    "amount": decimal_rubles(p.amount),
                    "paid_at": p.created_at,
                    "method": p.method,
                    "payer": p.paid_by,
                    "receipt_document_id": p.receipt_document_id,
                })
            })
            .collect();
        let total = |k: &[i64]| decimal_rubles(k.iter().sum());
        let doc = serde_json::json!({
            "format": "orgcabinet.accounting/1",
            "exported_at": exported_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "organization": {
                "name": org.full_name,
                "inn": org.inn,
                "kpp": org.kpp,
                "ogrn": org.ogrn,
            },
            "period": { "from": self.from, "to": self.to },
            "totals": {
                "charged": total(&self.charges.iter().map(|c| c.amount).collect::<Vec<_>>()),
                "paid": total(&self.payments.iter().map(|p| p.amount).collect::<Vec<_>>()),
            },
            "charges": charges,
            "payments": payments,
        });
        let mut out =
            serde_json::to_vec_pretty(&doc).map_err(|e| CoreError::Store(e.to_string()))?;
        out.push(b'\n');
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rubles_are_exact_decimals() {
        assert_eq!(decimal_rubles(30166200), "301662.00");
        assert_eq!(decimal_rubles(5), "0.05");
        assert_eq!(decimal_rubles(-150), "-1.50");
    }
}
