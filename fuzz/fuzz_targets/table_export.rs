//! The CSV and XLSX writers, round-trip: any text in any cell comes back
//! as it went in (a formula-looking text with its leading `'` in CSV; in a
//! workbook, line breaks as `\n` and no other control character), read
//! by a reader written here from RFC 4180 and the OOXML shared strings.
#![no_main]

use std::io::Read;

use cabinet_core::export::{csv_table, xlsx_table, Cell};

/// Rows split at 0x01, cells at 0x00.
fn table(data: &[u8]) -> Vec<Vec<String>> {
    String::from_utf8_lossy(data)
        .split('\u{1}')
        .map(|row| row.split('\u{0}').map(str::to_owned).collect())
        .collect()
}

/// RFC 4180 with `;`: quoted cells may hold `;`, quotes (doubled) and line
/// breaks; records end with CRLF.
fn read_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut cell = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    cell.push('"');
                } else {
                    quoted = false;
                }
            } else {
                cell.push(c);
            }
        } else if c == '"' && cell.is_empty() {
            quoted = true;
        } else if c == ';' {
            row.push(std::mem::take(&mut cell));
        } else if c == '\r' && chars.peek() == Some(&'\n') {
            chars.next();
            row.push(std::mem::take(&mut cell));
            rows.push(std::mem::take(&mut row));
        } else {
            cell.push(c);
        }
    }
    assert!(!quoted && cell.is_empty() && row.is_empty(), "CSV ends mid-record");
    rows
}

/// The text of `<si>` items of sharedStrings.xml: entities and the `_xHHHH_`
/// escapes of OOXML undone.
fn shared_strings(xml: &str) -> Vec<String> {
    let mut out = Vec::new();
    for item in xml.split("<si>").skip(1) {
        let item = &item[..item.find("</si>").expect("closed item")];
        let mut text = String::new();
        for run in item.split("<t").skip(1) {
            let body = &run[run.find('>').expect("a t tag") + 1..];
            let body = &body[..body.find("</t>").unwrap_or(0)];
            text.push_str(body);
        }
        let text = text
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'");
        let mut plain = String::new();
        let mut rest = text.as_str();
        while let Some(i) = rest.find("_x") {
            plain.push_str(&rest[..i]);
            let tail = &rest[i..];
            let code = tail.get(2..6).filter(|h| h.chars().all(|c| c.is_ascii_hexdigit()));
            match (code, tail.get(6..7)) {
                (Some(h), Some("_")) => {
                    plain.push(char::from_u32(u32::from_str_radix(h, 16).unwrap()).unwrap());
                    rest = &tail[7..];
                }
                _ => {
                    plain.push_str("_x");
                    rest = &tail[2..];
                }
            }
        }
        plain.push_str(rest);
        out.push(plain.replace("&amp;", "&"));
    }
    out
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let cells = table(data);
    let rows: Vec<Vec<Cell>> = cells
        .iter()
        .map(|r| r.iter().map(|c| Cell::Text(c.clone())).collect())
        .collect();

    let csv = csv_table(&["A"], &rows);
    let read = read_csv(csv.trim_start_matches('\u{feff}'));
    assert_eq!(read.len(), cells.len() + 1);
    for (got, want) in read[1..].iter().zip(&cells) {
        let want: Vec<String> = want
            .iter()
            .map(|c| {
                if c.starts_with(['=', '+', '-', '@', '\t', '\r']) {
                    format!("'{c}")
                } else {
                    c.clone()
                }
            })
            .collect();
        assert_eq!(got, &want);
    }

    // A workbook refuses what Excel cannot hold (a cell over 32 767
    // characters); what it writes reads back exactly.
    let Ok(xlsx) = xlsx_table("Лист", &["A"], &rows) else {
        return;
    };
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).expect("a zip");
    let mut xml = String::new();
    if let Ok(mut part) = zip.by_name("xl/sharedStrings.xml") {
        part.read_to_string(&mut xml).expect("UTF-8");
    }
    let strings = shared_strings(&xml);
    for c in cells.iter().flatten() {
        // A workbook keeps line breaks as \n and no other control
        // character (see `export::sheet_text`).
        let kept: String = c
            .replace("\r\n", "\n")
            .replace('\r', "\n")
            .chars()
            .filter(|&ch| !ch.is_control() || ch == '\t' || ch == '\n')
            .collect();
        if !kept.is_empty() {
            assert!(strings.contains(&kept), "{kept:?} not in {strings:?}");
        }
    }
});
