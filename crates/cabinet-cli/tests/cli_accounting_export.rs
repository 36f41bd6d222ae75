//! `cabinet export charges | payments | accounting` from the offline cache
//! of a real portal's data: CSV with Russian dates and decimal commas, an
//! XLSX workbook, and the JSON document for 1C-style import whose totals
//! are the portal's to the kopeck, and a PDF report read back by poppler's
//! `pdftotext`; a bad period is refused with its code.

mod support;

use cabinet_api::{Charge, Payment};
use cabinet_pdf::poppler;
use support::text;

#[tokio::test(flavor = "multi_thread")]
async fn charges_and_payments_export_for_accounting() {
    let dir = tempfile::tempdir().unwrap();
    let portal = support::demo_portal(dir.path()).await;
    let url = portal.url();
    let data = dir.path().join("cli");
    let romashka = support::romashka_inn();
    let org = support::romashka(&portal).await;
    let run =
        |args: Vec<String>, stdin: &'static str| support::spawn_cabinet(&url, &data, args, stdin);
    let v = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let out = run(
        v(&[
            "login",
            "--login",
            cabinet_portal::ACCOUNTANT_LOGIN,
            "--password-stdin",
            "--demo-code",
        ]),
        "Buh-2026\n",
    )
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = run(v(&["sync", "--org", &romashka]), "").await.unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let charges: Vec<Charge> = portal.admin().records(&org).await.unwrap();
    let payments: Vec<Payment> = portal.admin().records(&org).await.unwrap();
    assert!(charges.len() >= 3 && !payments.is_empty());

    // Charges as CSV: every UIN, amounts with a decimal comma, DD.MM.YYYY.
    let out = run(v(&["export", "charges", "--org", &romashka]), "")
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let csv = text(&out.stdout);
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert!(lines[0].starts_with("\u{feff}УИН;Вид;Начисление"), "{csv}");
    assert_eq!(lines.len(), charges.len() + 1, "{csv}");
    for c in &charges {
        let line = lines
            .iter()
            .find(|l| l.starts_with(&c.uin))
            .unwrap_or_else(|| panic!("{} in {csv}", c.uin));
        let rubles = format!("{},{:02}", c.amount / 100, c.amount % 100);
        assert!(line.contains(&format!(";{rubles};")), "{line}");
        let (y, m, d) = (&c.due_date[..4], &c.due_date[5..7], &c.due_date[8..10]);
        assert!(line.contains(&format!("{d}.{m}.{y}")), "{line}");
    }

    // Payments as a workbook.
    let xlsx = dir.path().join("payments.xlsx");
    let out = run(
        v(&[
            "export",
            "payments",
            "--format",
            "xlsx",
            "--org",
            &romashka,
            "--out",
            xlsx.to_str().unwrap(),
        ]),
        "",
    )
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let bytes = std::fs::read(&xlsx).unwrap();
    assert_eq!(&bytes[..2], b"PK");
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut book = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("xl/workbook.xml").unwrap(), &mut book).unwrap();
    assert!(book.contains("name=\"Платежи\""), "{book}");

    // Both for 1C: totals to the kopeck, requisites of the organization.
    let out = run(v(&["export", "accounting", "--org", &romashka]), "")
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["format"], "orgcabinet.accounting/1");
    assert_eq!(doc["organization"]["inn"], romashka);
    let rubles = |k: i64| format!("{}.{:02}", k / 100, k % 100);
    assert_eq!(
        doc["totals"]["charged"],
        rubles(charges.iter().map(|c| c.amount).sum())
    );
    assert_eq!(
        doc["totals"]["paid"],
        rubles(payments.iter().map(|p| p.amount).sum())
    );
    let paid = &doc["payments"][0];
    let charge = charges
        .iter()
        .find(|c| Some(&c.id) == payments[0].charge_id.as_ref())
        .unwrap();
    assert_eq!(paid["uin"], charge.uin.as_str());
    assert_eq!(paid["amount"], rubles(payments[0].amount));

    // Charges as a printable report, read back by an independent reader.
    let pdf = dir.path().join("charges.pdf");
    let out = run(
        v(&[
            "export",
            "charges",
            "--format",
            "pdf",
            "--org",
            &romashka,
            "--from",
            "2000-01-01",
            "--out",
            pdf.to_str().unwrap(),
        ]),
        "",
    )
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let pdf = std::fs::read(&pdf).unwrap();
    assert_eq!(poppler::pages(&pdf), 1);
    let info = poppler::info(&pdf);
    assert!(info.contains("Начисления с 01.01.2000"), "{info}");
    // Words as read, spaces of any kind and width as one.
    let words = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
    let page = poppler::words(&pdf);
    let full_name = doc["organization"]["name"].as_str().unwrap();
    for wanted in [full_name, "Начисления с 01.01.2000", "Страница 1 из 1"] {
        assert!(page.contains(wanted), "{wanted} in {page}");
    }
    assert!(page.contains(&format!("ИНН {romashka}")), "{page}");
    for c in &charges {
        let amount = words(&cabinet_api::format_rubles(c.amount).replace('₽', ""));
        assert!(page.contains(&format!("{} ", c.uin)), "{} in {page}", c.uin);
        assert!(page.contains(&format!(" {amount} ")), "{amount} in {page}");
    }
    let total = words(&cabinet_api::format_rubles(
        charges.iter().map(|c| c.amount).sum(),
    ));
    assert!(
        page.contains(&format!("Начислено: {total}")),
        "{total} in {page}"
    );
    // Not to a terminal, and not for applications.
    let out = run(
        v(&[
            "export",
            "applications",
            "--format",
            "pdf",
            "--org",
            &romashka,
        ]),
        "",
    )
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));

    // A period with nothing in it; a period that is not a date.
    let out = run(
        v(&[
            "export",
            "charges",
            "--org",
            &romashka,
            "--from",
            "2999-01-01",
        ]),
        "",
    )
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout)
            .split("\r\n")
            .filter(|l| !l.is_empty())
            .count(),
        1
    );
    let out = run(
        v(&[
            "export",
            "charges",
            "--org",
            &romashka,
            "--to",
            "2026-13-01",
        ]),
        "",
    )
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("input.period"),
        "{}",
        text(&out.stderr)
    );
    let out = run(
        v(&[
            "export",
            "accounting",
            "--format",
            "csv",
            "--org",
            &romashka,
        ]),
        "",
    )
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    portal.stop().await;
}
