//! Rendered documents read back by poppler (`pdfinfo`, `pdftotext`), an
//! independent reader: a long table runs over several numbered pages with
//! its header on each, every row's Cyrillic text comes back exactly once,
//! and a receipt-like page of label–value rows reads in order.

use cabinet_pdf::{poppler, render, Block, Column, Document};

fn document(blocks: Vec<Block>, landscape: bool) -> Document {
    Document {
        title: "Начисления за период 01.01.2026 – 31.12.2026".into(),
        landscape,
        blocks,
        footer: "Сформировано в OrgCabinet".into(),
        page_label: "Страница {page} из {pages}".into(),
        creator: "OrgCabinet".into(),
    }
}

#[test]
fn a_long_table_runs_over_numbered_pages_and_every_row_reads_back_once() {
    let rows: Vec<Vec<String>> = (1..=150)
        .map(|i| {
            vec![
                format!("1882000000000000{i:04}"),
                format!(
                    "Государственная пошлина № {i}: выписка из ЕГРЮЛ «Ёлка» \
                     для объёмной проверки переноса строк"
                ),
                format!("{i}\u{2009}000,00"),
            ]
        })
        .collect();
    let doc = document(
        vec![
            Block::Text(vec![
                "Общество с ограниченной ответственностью «Ромашка»".into()
            ]),
            Block::Table {
                columns: vec![
                    Column::left("УИН"),
                    Column::left("Начисление"),
                    Column::right("Сумма, ₽"),
                ],
                rows,
            },
            Block::Totals(vec![(
                "Начислено:".into(),
                "11\u{2009}325\u{2009}000,00\u{a0}₽".into(),
            )]),
        ],
        true,
    );
    let pdf = render(&doc).unwrap();

    let pages = poppler::pages(&pdf);
    assert!(pages >= 3, "{pages}");
    let info = poppler::info(&pdf);
    assert!(info.contains("Начисления за период"), "{info}");

    let text = poppler::text(&pdf);
    let page_texts: Vec<&str> = text
        .split('\u{c}')
        .filter(|p| !p.trim().is_empty())
        .collect();
    assert_eq!(page_texts.len(), pages);
    for (n, page) in page_texts.iter().enumerate() {
        assert!(
            page.contains("УИН") && page.contains("Сумма, ₽"),
            "header on page {}",
            n + 1
        );
        assert!(
            page.contains(&format!("Страница {} из {pages}", n + 1)),
            "page label on page {}: {page}",
            n + 1
        );
    }
    let words = poppler::words(&pdf);
    for i in 1..=150 {
        let uin = format!("1882000000000000{i:04}");
        assert_eq!(words.matches(&uin).count(), 1, "{uin}");
        assert!(words.contains(&format!("№ {i}:")), "row {i}");
    }
    assert!(words.contains("«Ёлка»"), "Cyrillic with ё reads back");
    assert!(words.contains("Начислено: 11 325 000,00 ₽"), "totals");
}

#[test]
fn label_and_value_rows_read_in_order_on_an_upright_page() {
    let doc = document(
        vec![Block::Pairs(vec![
            ("Плательщик".into(), "ООО «Ромашка», ИНН 7704123450".into()),
            ("Сумма".into(), "3\u{2009}500,00\u{a0}₽".into()),
            ("Способ оплаты".into(), "СБП".into()),
        ])],
        false,
    );
    let pdf = render(&doc).unwrap();
    let info = poppler::info(&pdf);
    assert!(info.contains("595 x 842 pts (A4)"), "{info}");
    let words = poppler::words(&pdf);
    let at = |s: &str| words.find(s).unwrap_or_else(|| panic!("{s} in {words}"));
    assert!(at("Плательщик ООО «Ромашка», ИНН 7704123450") < at("Сумма 3 500,00 ₽"));
    assert!(at("Сумма 3 500,00 ₽") < at("Способ оплаты СБП"));
}
