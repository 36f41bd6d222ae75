//! The audit log as a file for a period: who did what, when (Moscow time,
//! as the cabinet shows it) and from where, as CSV or XLSX. Column titles
//! and action names are Russian: they are the file's content, read by the
//! people who check the log.

use cabinet_api::{AuditEntry, Permission};

use crate::export::{csv_table, xlsx_table, AccountingFormat, Cell};
use crate::records::{RecordQuery, RecordSort};
use crate::store::Store;
use crate::CoreError;
use cabinet_api::ErrorCode;

const COLUMNS: [&str; 5] = [
    "Время (МСК)",
    "Сотрудник",
    "Действие",
    "Подробности",
    "IP-адрес",
];

/// The Russian name of an action code; an unknown code as it is.
pub fn action_ru(code: &str) -> &str {
    match code {
        "auth.login" => "Вход в кабинет",
        "application.create" => "Создание заявления",
        "application.attach" => "Файл к заявлению",
        "application.detach" => "Удаление файла из заявления",
        "application.submit" => "Подача заявления",
        "application.comment" => "Комментарий к заявлению",
        "document.sign" => "Подпись документа",
        "requirement.accept" => "Требование принято к исполнению",
        "requirement.answer" => "Ответ на требование",
        "charge.pay" => "Оплата начисления",
        "profile.edit" => "Изменение данных организации",
        "legal.extract" => "Заказ выписки из реестра",
        "organization.registered" => "Регистрация кабинета организации",
        "employee.invite" => "Приглашение сотрудника",
        "employee.role" => "Смена роли сотрудника",
        "employee.remove" => "Отзыв доступа",
        "role.create" => "Новая роль",
        "role.edit" => "Изменение прав роли",
        other => other,
    }
}

/// How a login was made, in words (`detail` of `auth.login`).
fn login_how(detail: &str) -> &str {
    match detail {
        "password" => "по паролю",
        "password+code" => "по паролю и коду из СМС",
        "certificate" => "по электронной подписи",
        other => other,
    }
}

/// An RFC 3339 time as `DD.MM.YYYY HH:MM:SS` in Moscow (UTC+3, no DST).
fn moscow(at: &str) -> String {
    let msk = chrono::FixedOffset::east_opt(3 * 3600).expect("UTC+3");
    chrono::DateTime::parse_from_rfc3339(at)
        .map(|t| {
            t.with_timezone(&msk)
                .format("%d.%m.%Y %H:%M:%S")
                .to_string()
        })
        .unwrap_or_else(|_| at.to_owned())
}

impl Store {
    /// The audit log of `org` from `from` to `to` (ISO days, both included;
    /// `None` is open), oldest first, as a CSV or XLSX file. Only for a
    /// role that may see the log.
    pub fn audit_file(
        &self,
        org: &str,
        from: Option<&str>,
        to: Option<&str>,
        format: AccountingFormat,
    ) -> Result<Vec<u8>, CoreError> {
        self.allowed(org, Permission::AuditView)?;
        for day in [from, to].into_iter().flatten() {
            if chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").is_err() {
                return Err(CoreError::Invalid(ErrorCode::InputPeriod));
            }
        }
        let query = RecordQuery {
            from: from.map(str::to_owned),
            to: to.map(str::to_owned),
            sort: RecordSort::Oldest,
            ..RecordQuery::default()
        };
        let rows: Vec<Vec<Cell>> = self
            .record_page::<AuditEntry>(org, &query)?
            .items
            .into_iter()
            .map(|v| {
                let e = v.record;
                let detail = if e.action == "auth.login" {
                    login_how(&e.detail).to_owned()
                } else {
                    e.detail
                };
                vec![
                    Cell::Text(moscow(&e.created_at)),
                    Cell::Text(e.user_name),
                    Cell::Text(action_ru(&e.action).to_owned()),
                    Cell::Text(detail),
                    e.ip.map_or(Cell::Empty, Cell::Text),
                ]
            })
            .collect();
        match format {
            AccountingFormat::Csv => Ok(csv_table(&COLUMNS, &rows).into_bytes()),
            AccountingFormat::Xlsx => xlsx_table("Журнал", &COLUMNS, &rows),
            AccountingFormat::Json | AccountingFormat::Pdf => {
                Err(CoreError::Invalid(ErrorCode::InputFormat))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_moscow_and_actions_russian() {
        assert_eq!(moscow("2026-11-23T21:30:05Z"), "24.11.2026 00:30:05");
        assert_eq!(moscow("не время"), "не время");
        assert_eq!(action_ru("application.submit"), "Подача заявления");
        assert_eq!(action_ru("something.new"), "something.new");
    }
}
