//! `cabinet sync | applications | export | outbox` against the real portal:
//! the cache fills, a draft made from the terminal reaches the portal, and
//! with the portal gone a new draft waits in the outbox.

mod support;

use support::text;

#[tokio::test(flavor = "multi_thread")]
async fn sync_list_new_export_and_offline_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let portal = support::demo_portal(dir.path()).await;
    let url = portal.url();
    let data = dir.path().join("cli");
    let romashka = support::romashka_inn();
    let org_id = support::romashka(&portal).await;
    let run =
        |args: Vec<String>, stdin: &'static str| support::spawn_cabinet(&url, &data, args, stdin);
    let v = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();

    let out = run(
        v(&[
            "login",
            "--login",
            "buh@romashka.demo",
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
    assert!(
        text(&out.stdout).contains("ждут отправки 0"),
        "{}",
        text(&out.stdout)
    );

    let out = run(
        v(&["applications", "list", "--org", &romashka, "--json"]),
        "",
    )
    .await
    .unwrap();
    let list: Vec<cabinet_api::Application> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list.len(), 7);
    // Dates by the deadline instead of the creation day.
    let day = list
        .iter()
        .find_map(|a| a.deadline.clone())
        .expect("a demo application with a deadline");
    let mut want: Vec<&str> = list
        .iter()
        .filter(|a| a.deadline.as_deref() == Some(day.as_str()))
        .map(|a| a.id.as_str())
        .collect();
    let out = run(
        v(&[
            "applications",
            "list",
            "--org",
            &romashka,
            "--date-by",
            "deadline",
            "--from",
            &day,
            "--to",
            &day,
            "--json",
        ]),
        "",
    )
    .await
    .unwrap();
    let by_deadline: Vec<cabinet_api::Application> = serde_json::from_slice(&out.stdout).unwrap();
    let mut got: Vec<&str> = by_deadline.iter().map(|a| a.id.as_str()).collect();
    got.sort();
    want.sort();
    assert_eq!(got, want);
    let out = run(
        v(&[
            "applications",
            "list",
            "--org",
            &romashka,
            "--date-by",
            "срок",
        ]),
        "",
    )
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("created, updated или deadline"));
    let out = run(
        v(&[
            "applications",
            "list",
            "--org",
            &romashka,
            "--status",
            "in_progress",
        ]),
        "",
    )
    .await
    .unwrap();
    assert_eq!(
        text(&out.stdout).lines().count(),
        2,
        "{}",
        text(&out.stdout)
    );
    assert!(text(&out.stdout).contains("В работе"));

    // The service's form: a field's value checked as the portal would.
    let new = |subject: &'static str| {
        run(
            v(&[
                "applications",
                "new",
                "--org",
                &romashka,
                "--service",
                "egrul-extract",
                "--title",
                "Выписка для банка «Ёлка»",
                "--field",
                subject,
                "--field",
                "purpose=Для банка",
            ]),
            "",
        )
    };
    let out = new("subject_inn=7707083894").await.unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("[inn.checksum]"),
        "{}",
        text(&out.stderr)
    );
    let out = new("subject_inn=7707083893").await.unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = run(v(&["sync", "--org", &romashka]), "").await.unwrap();
    assert!(
        text(&out.stdout).contains("отправлено 1"),
        "{}",
        text(&out.stdout)
    );
    let held = portal.admin().applications(&org_id).await.unwrap();
    let sent = held
        .iter()
        .find(|a| a.title == "Выписка для банка «Ёлка»")
        .unwrap();
    assert_eq!(sent.fields["subject_inn"], "7707083893");
    assert_eq!(sent.fields["purpose"], "Для банка");
    // Search folds case and ё.
    let out = run(
        v(&["applications", "list", "--org", &romashka, "--q", "елка"]),
        "",
    )
    .await
    .unwrap();
    assert_eq!(
        text(&out.stdout).lines().count(),
        1,
        "{}",
        text(&out.stdout)
    );

    let out = run(
        v(&[
            "export",
            "applications",
            "--org",
            &romashka,
            "--format",
            "csv",
        ]),
        "",
    )
    .await
    .unwrap();
    let csv = text(&out.stdout);
    assert!(csv.starts_with("\u{feff}Номер;Статус;"), "{csv}");
    assert_eq!(csv.lines().count(), 9);

    // The same as a workbook, written whole to a file.
    let xlsx_path = dir.path().join("заявления.xlsx");
    let xlsx_arg = xlsx_path.to_str().unwrap().to_owned();
    let out = run(
        v(&[
            "export",
            "applications",
            "--org",
            &romashka,
            "--format",
            "xlsx",
            "--out",
            &xlsx_arg,
        ]),
        "",
    )
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("Выгружено заявлений: 8"),
        "{}",
        text(&out.stderr)
    );
    let mut book = zip::ZipArchive::new(std::fs::File::open(&xlsx_path).unwrap()).unwrap();
    let mut strings = String::new();
    std::io::Read::read_to_string(
        &mut book.by_name("xl/sharedStrings.xml").unwrap(),
        &mut strings,
    )
    .unwrap();
    for a in csv.lines().skip(1) {
        let title = a.split(';').nth(3).unwrap().trim_matches('"');
        assert!(
            strings.contains(&title.replace('&', "&amp;")),
            "{title} in the workbook"
        );
    }
    assert!(!dir.path().join("заявления.part").exists());

    // The portal goes away: a new draft waits in the outbox.
    portal.stop().await;
    let out = run(
        v(&[
            "applications",
            "new",
            "--org",
            &romashka,
            "--service",
            "x",
            "--title",
            "Офлайн-черновик",
        ]),
        "",
    )
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = run(v(&["sync", "--org", &romashka]), "").await.unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("[network.offline]"),
        "{}",
        text(&out.stderr)
    );
    let out = run(v(&["outbox", "--org", &romashka]), "").await.unwrap();
    let outbox = text(&out.stdout);
    assert!(
        outbox.contains("ждёт") && outbox.contains("Офлайн-черновик"),
        "{outbox}"
    );
}
