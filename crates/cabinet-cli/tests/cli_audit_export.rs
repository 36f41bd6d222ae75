//! `cabinet export audit`: the administrator's audit log as CSV (Moscow
//! time, Russian action names, the address the portal saw) and XLSX, one
//! row per entry the portal holds; the accountant, whose role does not see
//! the log, gets `org.permission_denied`.

mod support;

use cabinet_api::AuditEntry;
use support::text;

#[tokio::test(flavor = "multi_thread")]
async fn the_audit_log_exports_for_those_who_may_see_it() {
    let dir = tempfile::tempdir().unwrap();
    let portal = support::demo_portal(dir.path()).await;
    let url = portal.url();
    let romashka = support::romashka_inn();
    let org = support::romashka(&portal).await;
    let run = |who: &'static str, args: Vec<String>, stdin: &'static str| {
        support::spawn_cabinet(&url, &dir.path().join(who), args, stdin)
    };
    let v = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    for (who, login, password) in [
        ("admin", cabinet_portal::ADMIN_LOGIN, "Admin-2026\n"),
        ("buh", cabinet_portal::ACCOUNTANT_LOGIN, "Buh-2026\n"),
    ] {
        let args = v(&["login", "--login", login, "--password-stdin", "--demo-code"]);
        let out = run(who, args, password).await.unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let out = run(who, v(&["sync", "--org", &romashka]), "")
            .await
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    }
    let held: Vec<AuditEntry> = portal.admin().records(&org).await.unwrap();
    let logins = held.iter().filter(|e| e.action == "auth.login").count();
    assert!(logins >= 2, "{held:?}");

    let out = run("admin", v(&["export", "audit", "--org", &romashka]), "")
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let csv = text(&out.stdout);
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(
        lines[0],
        "\u{feff}Время (МСК);Сотрудник;Действие;Подробности;IP-адрес"
    );
    // The admin's role sees the whole log up to her sync.
    assert!(lines.len() > 1 && lines.len() <= held.len() + 1, "{csv}");
    let mine = lines
        .iter()
        .find(|l| l.contains("Орлова Мария Сергеевна;Вход в кабинет"))
        .unwrap_or_else(|| panic!("her login in {csv}"));
    assert!(mine.ends_with(";127.0.0.1"), "{mine}");
    // DD.MM.YYYY HH:MM:SS, three hours ahead of the portal's UTC.
    let entry = held
        .iter()
        .find(|e| e.action == "auth.login" && e.user_name == "Орлова Мария Сергеевна")
        .unwrap();
    let utc = chrono::DateTime::parse_from_rfc3339(&entry.created_at).unwrap();
    let msk = (utc + chrono::Duration::hours(3))
        .format("%d.%m.%Y %H:%M:%S")
        .to_string();
    assert!(mine.starts_with(&msk), "{mine} vs {msk}");

    let xlsx = dir.path().join("журнал.xlsx");
    let out = run(
        "admin",
        v(&[
            "export",
            "audit",
            "--org",
            &romashka,
            "--format",
            "xlsx",
            "--out",
            xlsx.to_str().unwrap(),
        ]),
        "",
    )
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let bytes = std::fs::read(&xlsx).unwrap();
    assert!(bytes.starts_with(b"PK\x03\x04"));

    let out = run("buh", v(&["export", "audit", "--org", &romashka]), "")
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("org.permission_denied"),
        "{}",
        text(&out.stderr)
    );
}
