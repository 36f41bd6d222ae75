//! `cabinet trust update | show` against the demo portal, and `cabinet
//! verify` judging by the list and CRLs kept for the configured portal —
//! offline once kept, with the portal stopped.

mod support;

use support::text;

#[tokio::test(flavor = "multi_thread")]
async fn the_kept_list_judges_signatures_offline() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_path_buf();
    let portal = support::demo_portal(&d).await;
    let url = portal.url();
    let data = d.join("cli");
    let run = |args: Vec<String>, env: Vec<(&'static str, String)>| {
        let (url, data, d) = (url.clone(), data.clone(), d.clone());
        tokio::task::spawn_blocking(move || {
            let data = data.display().to_string();
            let mut all: Vec<&str> = vec!["--portal", &url, "--data-dir", &data];
            all.extend(args.iter().map(String::as_str));
            let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
            support::cabinet_in(Some(&d), &all, &env, "")
        })
    };
    let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();

    let out = run(args(&["trust", "show"]), vec![]).await.unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("не получен"),
        "{}",
        text(&out.stdout)
    );

    // Long-term signatures need the list: said before anything is signed.
    let out = run(
        args(&["sign", "act.txt", "--pfx", "director.pfx", "--level", "xl1"]),
        vec![],
    )
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("cabinet trust update --crls"),
        "{}",
        text(&out.stderr)
    );

    let out = run(args(&["trust", "update", "--crls", "--json"]), vec![])
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["present"], true);
    assert_eq!(v["authorities"], 3);
    assert_eq!(v["accredited_now"], 2);
    assert_eq!(v["crls"], 3);

    // The director's demo key signs a file.
    let pfx = reqwest::get(format!("{url}/v1/demo/certificates/director.pfx"))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    std::fs::write(d.join("director.pfx"), &pfx).unwrap();
    std::fs::write(d.join("act.txt"), "Акт приёма-передачи").unwrap();
    let password = vec![(
        "CABINET_PFX_PASSWORD",
        cabinet_portal::DIRECTOR_PFX_PASSWORD.to_string(),
    )];
    let out = run(
        args(&["sign", "act.txt", "--pfx", "director.pfx"]),
        password.clone(),
    )
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // And with a time stamp from the portal's service (CAdES-T).
    std::fs::write(d.join("order.txt"), "Приказ № 5").unwrap();
    let out = run(
        args(&["sign", "order.txt", "--pfx", "director.pfx", "--level", "t"]),
        password,
    )
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("штамп времени"),
        "{}",
        text(&out.stdout)
    );

    // CAdES-X Long Type 1: the chain and CRL kept by `trust update`.
    std::fs::write(d.join("charter.txt"), "Устав, редакция 3").unwrap();
    let out = run(
        args(&[
            "sign",
            "charter.txt",
            "--pfx",
            "director.pfx",
            "--level",
            "xl1",
        ]),
        vec![(
            "CABINET_PFX_PASSWORD",
            cabinet_portal::DIRECTOR_PFX_PASSWORD.to_string(),
        )],
    )
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("CAdES-X Long Type 1"),
        "{}",
        text(&out.stdout)
    );
    let list = reqwest::get(format!("{url}/v1/trust/tsl"))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    std::fs::write(d.join("list.xml"), &list).unwrap();

    // Judged by the kept list, with the portal stopped.
    portal.stop().await;

    // With nothing kept at all — another data folder, no CRL, no portal —
    // only the trust list file: the XL1 signature is valid by what it
    // carries; the CAdES-T one cannot say whether it was revoked.
    let bare = |extra: &[&str]| {
        let d = d.clone();
        let extra: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
        tokio::task::spawn_blocking(move || {
            let empty = d.join("empty-data").display().to_string();
            let mut all: Vec<&str> = vec!["--data-dir", &empty, "verify", "--tsl", "list.xml"];
            all.extend(extra.iter().map(String::as_str));
            support::cabinet_in(Some(&d), &all, &[], "")
        })
    };
    let out = bare(&["charter.txt", "charter.txt.sig"]).await.unwrap();
    let said = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{said}{}", text(&out.stderr));
    assert!(said.contains("Формат: CAdES-X Long Type 1"), "{said}");
    assert!(
        said.contains("Квалифицированная подпись действительна"),
        "{said}"
    );
    let out = bare(&["order.txt", "order.txt.sig"]).await.unwrap();
    let said = text(&out.stdout);
    assert_eq!(out.status.code(), Some(4), "{said}{}", text(&out.stderr));
    assert!(said.contains("нет сведений об отзыве"), "{said}");
    let out = run(args(&["verify", "act.txt", "act.txt.sig"]), vec![])
        .await
        .unwrap();
    let said = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{said}{}", text(&out.stderr));
    assert!(
        said.contains("Проверка по списку аккредитованных УЦ версии"),
        "{said}"
    );
    assert!(
        said.contains("Квалифицированная подпись действительна: сертификат выдан аккредитованным УЦ «АО «Демо УЦ»»"),
        "{said}"
    );
    assert!(said.contains("время подписания не подтверждено"), "{said}");
    let out = run(
        args(&["verify", "order.txt", "order.txt.sig", "--json"]),
        vec![],
    )
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["time"]["kind"], "proven");
    assert!(v[0]["time"]["tsa"]
        .as_str()
        .unwrap()
        .starts_with("Служба штампов времени"));
    assert_eq!(v[0]["verdict"], "valid");

    // «Протокол проверки», read back with pdftotext.
    let out = run(
        args(&[
            "verify",
            "order.txt",
            "order.txt.sig",
            "--protocol",
            "protocol.pdf",
        ]),
        vec![],
    )
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let pdf = std::process::Command::new("pdftotext")
        .args(["-layout", "protocol.pdf", "-"])
        .current_dir(&d)
        .output()
        .expect("pdftotext (poppler-utils)");
    assert!(pdf.status.success());
    let said = text(&pdf.stdout);
    let sha = cabinet_sign::DigestAlgorithm::Sha256
        .digest("Приказ № 5".as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>();
    for expected in [
        "Протокол проверки электронной подписи",
        "order.txt",
        &sha,
        "Подписант 1: Иванов Сергей Петрович",
        "квалифицированный сертификат: выдан аккредитованным УЦ",
        "подтверждено штампом времени",
        "ПОДПИСЬ ДЕЙСТВИТЕЛЬНА",
        "версия",
    ] {
        assert!(said.contains(expected), "{expected:?} in:\n{said}");
    }
    let out = run(args(&["trust", "show", "--json"]), vec![])
        .await
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["present"], true, "shown offline");
}
