//! Every application a list's filters match, for an XLSX or CSV export in
//! the list's order (read in one go, written without the cache).

use super::*;
use cabinet_api::ErrorCode;

/// The columns of an applications export.
const EXPORT_COLUMNS: [&str; 7] = [
    "Номер",
    "Статус",
    "Услуга",
    "Название",
    "Создано",
    "Изменено",
    "Срок",
];

impl Store {
    /// Every application the filters of `query` match (its paging aside),
    /// in its order, with the catalog's service names: what
    /// [`ApplicationsExport::file`] writes. One read, so the rows are one
    /// state of the cache.
    pub fn applications_export(
        &self,
        org: &str,
        query: &ApplicationQuery,
    ) -> Result<ApplicationsExport, CoreError> {
        let mut page = ApplicationQuery {
            offset: 0,
            limit: MAX_LIMIT,
            ..query.clone()
        };
        let mut list = Vec::new();
        loop {
            let rows = self.application_rows(org, &page)?;
            let n = rows.len();
            list.extend(rows);
            if n < MAX_LIMIT as usize {
                break;
            }
            page.offset += MAX_LIMIT;
        }
        let services = self
            .cached_services()?
            .into_iter()
            .map(|s| (s.code, s.title))
            .collect();
        Ok(ApplicationsExport { list, services })
    }

    /// [`Self::applications_export`] written as [`ApplicationsExport::file`].
    pub fn applications_file(
        &self,
        org: &str,
        query: &ApplicationQuery,
        format: crate::accounting::AccountingFormat,
    ) -> Result<(Vec<u8>, u32), CoreError> {
        self.applications_export(org, query)?.file(format)
    }
}

/// The applications an export holds, read from the cache; the file is made
/// from them without the cache, so the app goes on reading it meanwhile.
pub struct ApplicationsExport {
    list: Vec<Application>,
    /// Service titles by code, from the cached catalog.
    services: std::collections::HashMap<String, String>,
}

impl ApplicationsExport {
    /// The file: CSV (`;`, a BOM, DD.MM.YYYY), XLSX (real dates, a frozen
    /// header with filters) or JSON (the records as the portal sends them);
    /// services named from the catalog when it was cached. Returns the file
    /// and how many applications it holds.
    pub fn file(
        &self,
        format: crate::accounting::AccountingFormat,
    ) -> Result<(Vec<u8>, u32), CoreError> {
        use crate::accounting::AccountingFormat;
        use crate::export::{csv_table, xlsx_table, Cell};
        if format == AccountingFormat::Pdf {
            return Err(CoreError::Invalid(ErrorCode::InputFormat));
        }
        let list = &self.list;
        let count = u32::try_from(list.len()).unwrap_or(u32::MAX);
        if format == AccountingFormat::Json {
            let mut json =
                serde_json::to_vec_pretty(list).map_err(|e| CoreError::Store(e.to_string()))?;
            json.push(b'\n');
            return Ok((json, count));
        }
        let text = |s: &str| Cell::Text(s.to_owned());
        let rows: Vec<Vec<Cell>> = list
            .iter()
            .map(|a| {
                vec![
                    a.number.as_deref().map_or(Cell::Empty, text),
                    text(a.status.name_ru()),
                    text(
                        self.services
                            .get(&a.service_code)
                            .unwrap_or(&a.service_code),
                    ),
                    text(&a.title),
                    Cell::Date(a.created_at.clone()),
                    Cell::Date(a.updated_at.clone()),
                    a.deadline.clone().map_or(Cell::Empty, Cell::Date),
                ]
            })
            .collect();
        let bytes = match format {
            AccountingFormat::Csv => csv_table(&EXPORT_COLUMNS, &rows).into_bytes(),
            _ => xlsx_table("Заявления", &EXPORT_COLUMNS, &rows)?,
        };
        Ok((bytes, count))
    }
}
