//! The `cabinet` binary against the real portal on loopback: the core works
//! headless, with the real keychain code path (kernel keyring).

mod support;

use cabinet_portal::{Portal, PortalConfig};

fn cabinet(url: &str, data: &std::path::Path, args: &[&str], stdin: &str) -> std::process::Output {
    support::cabinet_at(url, data, args, stdin)
}

use support::text;

#[tokio::test(flavor = "multi_thread")]
async fn login_whoami_orgs_logout() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = PortalConfig::new(dir.path().join("portal.sqlite3"));
    config.demo = true;
    let portal = Portal::open(config)
        .unwrap()
        .spawn("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let url = portal.url();
    let data = dir.path().join("cli");

    let run = |args: &'static [&'static str], stdin: &'static str| {
        let (url, data) = (url.clone(), data.clone());
        tokio::task::spawn_blocking(move || cabinet(&url, &data, args, stdin))
    };

    let out = run(&["whoami"], "").await.unwrap();
    assert_eq!(
        out.status.code(),
        Some(3),
        "not logged in yet: {}",
        text(&out.stderr)
    );

    let out = run(
        &["login", "--login", "buh@romashka.demo", "--password-stdin"],
        "wrong\n",
    )
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("[auth.invalid_credentials]"),
        "{}",
        text(&out.stderr)
    );

    let out = run(
        &[
            "login",
            "--login",
            "buh@romashka.demo",
            "--password-stdin",
            "--demo-code",
        ],
        "Buh-2026\n",
    )
    .await
    .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("Петрова Анна Викторовна"));

    let out = run(&["whoami"], "").await.unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("buh@romashka.demo"));
    assert!(text(&out.stdout).contains("в сети"));

    let out = run(&["orgs", "--json"], "").await.unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let orgs: Vec<cabinet_api::OrganizationSummary> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(orgs.len(), 12);
    for o in &orgs {
        cabinet_api::requisites::validate_inn(&o.inn).unwrap();
    }

    // Portal gone: whoami still answers from the cache, and says so.
    portal.stop().await;
    let out = run(&["orgs"], "").await.unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("нет связи"));
    assert!(text(&out.stdout).contains("ООО «Ромашка»"));

    let out = run(&["logout", "--forget-cache"], "").await.unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = run(&["whoami"], "").await.unwrap();
    assert_eq!(out.status.code(), Some(3));
}
