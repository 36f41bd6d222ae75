//! Spreadsheet exports: a table of text, dates and amounts as an .xlsx
//! workbook or a CSV file that Excel, LibreOffice and 1C open as is.
//! Callers supply the column titles and labels (in the UI's language); in
//! a workbook dates are real Excel dates shown as DD.MM.YYYY, so they sort
//! and filter as dates.

use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, Workbook};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::CoreError;
use cabinet_api::ErrorCode;

/// The file an export writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AccountingFormat {
    /// `;`-separated with a BOM, DD.MM.YYYY dates, decimal commas.
    Csv,
    Xlsx,
    /// Charges and payments together, for 1C-style import.
    Json,
    /// One part as a printable report: the organization, the period, the
    /// table over as many A4 pages as it needs, and the totals.
    Pdf,
}

/// A moment as DD.MM.YYYY HH:MM in Moscow time.
pub(crate) fn moscow_minutes(at: chrono::DateTime<chrono::Utc>) -> String {
    let msk = chrono::FixedOffset::east_opt(3 * 3600).expect("UTC+3");
    at.with_timezone(&msk).format("%d.%m.%Y %H:%M").to_string()
}

/// One cell of an exported table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    /// `YYYY-MM-DD` or an RFC 3339 time (its date is used); anything else
    /// is written as text rather than lost.
    Date(String),
    /// Money in roubles, shown as `# ##0.00`.
    Amount(f64),
    Empty,
}

fn failed(e: rust_xlsxwriter::XlsxError) -> CoreError {
    CoreError::File {
        code: ErrorCode::ExportFailed,
        detail: e.to_string(),
    }
}

fn ymd(s: &str) -> Option<(u16, u8, u8)> {
    let d = chrono::NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok()?;
    use chrono::Datelike;
    Some((
        u16::try_from(d.year()).ok()?,
        u8::try_from(d.month()).ok()?,
        u8::try_from(d.day()).ok()?,
    ))
}

/// `YYYY-MM-DD…` as DD.MM.YYYY.
pub(crate) fn dmy(s: &str) -> Option<String> {
    ymd(s).map(|(y, m, d)| format!("{d:02}.{m:02}.{y}"))
}

impl Cell {
    /// The cell as people read it: dates DD.MM.YYYY, amounts with
    /// thin-space thousands and a decimal comma (`301 662,00`).
    pub fn shown(&self) -> String {
        match self {
            Cell::Text(t) => t.clone(),
            Cell::Date(d) => dmy(d).unwrap_or_else(|| d.clone()),
            Cell::Amount(a) => {
                let rubles = cabinet_api::format_rubles((a * 100.0).round() as i64);
                rubles
                    .trim_end_matches('₽')
                    .trim_end_matches('\u{a0}')
                    .to_owned()
            }
            Cell::Empty => String::new(),
        }
    }
}

/// Writes an export whole or not at all: a temp file beside `path`, then a
/// rename over it (`file.write` with the path when that fails).
pub fn write_whole(path: &std::path::Path, bytes: &[u8]) -> Result<(), CoreError> {
    let tmp = path.with_extension("part");
    std::fs::write(&tmp, bytes)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            CoreError::File {
                code: ErrorCode::FileWrite,
                detail: format!("{}: {e}", path.display()),
            }
        })
}

/// A CSV table the Russian way: a BOM (so Excel reads UTF-8), `;` between
/// cells, CRLF lines (RFC 4180 quoting), dates as DD.MM.YYYY and amounts
/// with a decimal comma and no thousands separators.
///
/// Text that a spreadsheet would take for a formula (starting with `=`,
/// `+`, `-`, `@`, a tab or a carriage return: a title someone typed as
/// `=HYPERLINK(…)`) gets a leading `'` and quotes, so it opens as the text
/// it is. In a workbook text cells are text already.
pub fn csv_table(headers: &[&str], rows: &[Vec<Cell>]) -> String {
    fn cell(s: &str) -> String {
        if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            format!("\"'{}\"", s.replace('"', "\"\""))
        } else if s.contains([';', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_owned()
        }
    }
    let mut out = String::from("\u{feff}");
    let line = |out: &mut String, cells: Vec<String>| {
        out.push_str(&cells.join(";"));
        out.push_str("\r\n");
    };
    line(&mut out, headers.iter().map(|h| cell(h)).collect());
    for row in rows {
        let cells = row
            .iter()
            .map(|c| match c {
                Cell::Text(t) => cell(t),
                Cell::Date(d) => match dmy(d) {
                    Some(d) => d,
                    None => cell(d),
                },
                Cell::Amount(a) => format!("{a:.2}").replace('.', ","),
                Cell::Empty => String::new(),
            })
            .collect();
        line(&mut out, cells);
    }
    out
}

/// Text as a workbook cell holds it: line breaks as `\n`, no other control
/// characters. The writer spells those as `_xHHHH_` after it has protected
/// the user's own `_xHHHH_`, so text ending in `_x0040` before a carriage
/// return read back as «@» and the rest garbled (found by the fuzzer).
fn sheet_text(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(|c| c.is_control() && c != '\t' && c != '\n') {
        return std::borrow::Cow::Borrowed(s);
    }
    let unified = s.replace("\r\n", "\n").replace('\r', "\n");
    std::borrow::Cow::Owned(
        unified
            .chars()
            .filter(|&c| !c.is_control() || c == '\t' || c == '\n')
            .collect(),
    )
}

/// A workbook with one sheet: bold, frozen header row with filters, then
/// `rows`; column widths fit the content (within limits).
pub fn xlsx_table(sheet: &str, headers: &[&str], rows: &[Vec<Cell>]) -> Result<Vec<u8>, CoreError> {
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name(sheet).map_err(failed)?;
    let head = Format::new().set_bold().set_align(FormatAlign::Center);
    let date = Format::new().set_num_format("dd.mm.yyyy");
    let money = Format::new().set_num_format("# ##0.00");
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count() + 2).collect();
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, sheet_text(h), &head)
            .map_err(failed)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let r = u32::try_from(r + 1).map_err(|_| CoreError::Invalid(ErrorCode::InputRows))?;
        for (c, cell) in row.iter().enumerate() {
            let col = c as u16;
            let shown = match cell {
                Cell::Text(t) => {
                    ws.write_string(r, col, sheet_text(t)).map_err(failed)?;
                    t.chars().count()
                }
                Cell::Date(d) => match ymd(d) {
                    Some((y, m, day)) => {
                        let at = ExcelDateTime::from_ymd(y, m, day).map_err(failed)?;
                        ws.write_datetime_with_format(r, col, &at, &date)
                            .map_err(failed)?;
                        10
                    }
                    None => {
                        ws.write_string(r, col, sheet_text(d)).map_err(failed)?;
                        d.chars().count()
                    }
                },
                Cell::Amount(a) => {
                    ws.write_number_with_format(r, col, *a, &money)
                        .map_err(failed)?;
                    14
                }
                Cell::Empty => 0,
            };
            if let Some(w) = widths.get_mut(c) {
                *w = (*w).max(shown + 2);
            }
        }
    }
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, (*w).min(80) as f64)
            .map_err(failed)?;
    }
    ws.set_freeze_panes(1, 0).map_err(failed)?;
    if !headers.is_empty() {
        let last_row = u32::try_from(rows.len()).unwrap_or(u32::MAX);
        ws.autofilter(0, 0, last_row, headers.len() as u16 - 1)
            .map_err(failed)?;
    }
    book.save_to_buffer().map_err(failed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn part(xlsx: &[u8], name: &str) -> String {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
        let mut text = String::new();
        zip.by_name(name)
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        text
    }

    #[test]
    fn a_csv_table_quotes_what_needs_it_and_writes_russian_dates_and_amounts() {
        let rows = vec![
            vec![
                Cell::Text("Пошлина; «Ёлка» \"А\"".into()),
                Cell::Date("2026-11-01T10:00:00Z".into()),
                Cell::Amount(301662.0),
                Cell::Empty,
            ],
            vec![
                Cell::Text("две\nстроки".into()),
                Cell::Date("не дата".into()),
                Cell::Amount(0.05),
                Cell::Text("x".into()),
            ],
        ];
        let csv = csv_table(&["Начисление", "Дата", "Сумма, ₽", "Прим."], &rows);
        assert_eq!(
            csv,
            "\u{feff}Начисление;Дата;Сумма, ₽;Прим.\r\n\
             \"Пошлина; «Ёлка» \"\"А\"\"\";01.11.2026;301662,00;\r\n\
             \"две\nстроки\";не дата;0,05;x\r\n"
        );
    }

    #[test]
    fn text_that_looks_like_a_formula_stays_text() {
        let hostile = [
            "=HYPERLINK(\"http://x\";\"Открыть\")",
            "+7 495 100-10-20",
            "-2+3",
            "@SUM(A1)",
            "\tтаб",
            "\rвозврат",
        ];
        let rows: Vec<Vec<Cell>> = hostile
            .iter()
            .map(|t| vec![Cell::Text((*t).into()), Cell::Amount(-5.0)])
            .collect();
        let csv = csv_table(&["Название", "Сумма"], &rows);
        let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').split("\r\n").collect();
        assert_eq!(
            lines[1],
            "\"'=HYPERLINK(\"\"http://x\"\";\"\"Открыть\"\")\";-5,00"
        );
        assert_eq!(lines[2], "\"'+7 495 100-10-20\";-5,00");
        assert_eq!(lines[3], "\"'-2+3\";-5,00");
        assert_eq!(lines[4], "\"'@SUM(A1)\";-5,00");
        assert_eq!(lines[5], "\"'\tтаб\";-5,00");
        // A negative amount stays a number.
        let xlsx = xlsx_table("Лист", &["Название", "Сумма"], &rows).unwrap();
        let sheet = part(&xlsx, "xl/worksheets/sheet1.xml");
        assert!(!sheet.contains("<f>"), "no formula cells: {sheet}");
        assert_eq!(
            sheet.matches("t=\"s\"").count(),
            2 + hostile.len(),
            "{sheet}"
        );
    }

    #[test]
    fn control_characters_cannot_turn_a_users_text_into_an_escape() {
        // The fuzzer's find: `_x0040` then a carriage return came back as
        // «@x000D_»; a vertical tab is not XML at all.
        let rows = vec![vec![Cell::Text("_x0040\r\u{b}& t>".into())]];
        let xlsx = xlsx_table("Лист", &["A"], &rows).unwrap();
        let strings = part(&xlsx, "xl/sharedStrings.xml");
        assert!(strings.contains("<t>_x0040\n&amp; t&gt;</t>"), "{strings}");
        assert!(!strings.contains("_x000D_"), "{strings}");
        assert!(!strings.contains('\u{b}'), "{strings}");
        assert_eq!(sheet_text("a\r\nb\rc\u{7}d\te"), "a\nb\ncd\te");
        assert!(matches!(sheet_text("plain"), std::borrow::Cow::Borrowed(_)));
    }

    #[test]
    fn a_table_becomes_a_workbook_with_real_dates_and_amounts() {
        let rows = vec![
            vec![
                Cell::Text("2026-0000101".into()),
                Cell::Text("Выписка из ЕГРЮЛ «Ёлка» & Co <1>".into()),
                Cell::Date("2026-11-01T10:00:00Z".into()),
                Cell::Amount(1234.5),
            ],
            vec![
                Cell::Empty,
                Cell::Text("Черновик".into()),
                Cell::Date("не дата".into()),
                Cell::Empty,
            ],
        ];
        let xlsx = xlsx_table(
            "Заявления",
            &["Номер", "Название", "Создано", "Сумма"],
            &rows,
        )
        .unwrap();
        assert_eq!(&xlsx[..2], b"PK", "a zip container");
        let strings = part(&xlsx, "xl/sharedStrings.xml");
        for s in [
            "Номер",
            "Выписка из ЕГРЮЛ «Ёлка» &amp; Co &lt;1&gt;",
            "Черновик",
            "не дата",
        ] {
            assert!(strings.contains(s), "{s} in {strings}");
        }
        let sheet = part(&xlsx, "xl/worksheets/sheet1.xml");
        // 2026-11-01 is Excel serial 46327; the amount is a number, not text.
        assert!(sheet.contains("<v>46327</v>"), "{sheet}");
        assert!(sheet.contains("<v>1234.5</v>"), "{sheet}");
        assert!(sheet.contains("<autoFilter ref=\"A1:D3\"/>"), "{sheet}");
        assert!(sheet.contains("state=\"frozen\""), "{sheet}");
        let book = part(&xlsx, "xl/workbook.xml");
        assert!(book.contains("name=\"Заявления\""), "{book}");
        let styles = part(&xlsx, "xl/styles.xml");
        assert!(styles.contains("dd.mm.yyyy"), "{styles}");
    }
}
