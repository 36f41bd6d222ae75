//! End-to-end: certificate login in the real window with the embedded demo
//! portal's PKI. A wrong .pfx password and an expired certificate each get a
//! clear Russian message; the director's valid .pfx shows its certificate
//! and logs in to his organizations. The documents list and «Проверить
//! подпись» show honest verdicts: qualified and valid, untrusted, and an
//! expired certificate without a timestamp — never «верна» for less.

use anyhow::Result;
use cabinet_e2e::{app_env, count_is, find, screenshot, text_contains, Driver, SERIAL};
use fantoccini::key::Key;

/// Clicks «Проверить» on the document row whose text includes `name`.
async fn verify_document(c: &fantoccini::Client, name: &str) -> Result<()> {
    c.execute(
        "const rows = [...document.querySelectorAll('[data-testid=document-row]')]; \
         const row = rows.find(r => r.innerText.includes(arguments[0])); \
         row.querySelector('[data-testid=document-verify]').click(); \
         row.scrollIntoView({block: 'start'});",
        vec![serde_json::json!(name)],
    )
    .await?;
    Ok(())
}

/// «Подставить» of the n-th demo certificate (1: director, 2: accountant,
/// 3: director's expired one).
fn demo_use(n: usize) -> String {
    format!("[data-testid=demo-cert-panel] li:nth-child({n}) [data-testid=demo-cert-use]")
}

#[tokio::test(flavor = "multi_thread")]
async fn director_logs_in_with_demo_pfx_after_wrong_password_and_expired_certificate() -> Result<()>
{
    let _one_window = SERIAL.lock().await;
    let tmp = tempfile::tempdir()?;
    // No portal configured: the app starts its demo portal.
    let driver = Driver::start(&app_env(tmp.path(), &[("CABINET_PORTAL_URL", "")]))?;
    let c = driver.launch(&[]).await?;

    find(&c, "[data-testid=method-certificate]")
        .await?
        .click()
        .await?;
    text_contains(&c, "[data-testid=demo-cert-panel]", "director-expired.pfx").await?;

    // A wrong password: the right one with a typo at the end.
    find(&c, &demo_use(1)).await?.click().await?;
    find(&c, "#pfx-password").await?.send_keys("x").await?;
    find(&c, "button[type=submit]").await?.click().await?;
    let msg = text_contains(
        &c,
        "[data-testid=cert-error]",
        "Неверный пароль контейнера или файл повреждён.",
    )
    .await?;
    assert!(!msg.contains("pfx."), "no codes on screen: {msg}");
    screenshot(&c, "cert-wrong-password").await?;

    // The expired certificate: shown as expired, refused with a clear message.
    find(&c, &demo_use(3)).await?.click().await?;
    find(&c, "button[type=submit]").await?.click().await?;
    text_contains(
        &c,
        "[data-testid=certificate-status]",
        "Срок действия истёк",
    )
    .await?;
    find(&c, "[data-testid=cert-login]").await?.click().await?;
    text_contains(
        &c,
        "[data-testid=cert-error]",
        "Срок действия сертификата истёк.",
    )
    .await?;
    screenshot(&c, "cert-expired").await?;

    // The director's valid certificate.
    find(&c, &demo_use(1)).await?.click().await?;
    find(&c, "button[type=submit]").await?.click().await?;
    let card = text_contains(
        &c,
        "[data-testid=certificate-card]",
        "Иванов Сергей Петрович",
    )
    .await?;
    assert!(card.contains("ООО «Ромашка»"), "{card}");
    assert!(card.contains("СНИЛС"), "{card}");
    text_contains(&c, "[data-testid=certificate-status]", "Действует").await?;
    screenshot(&c, "cert-card").await?;
    find(&c, "[data-testid=cert-login]").await?.click().await?;

    // The director belongs to two organizations: the chooser lists them.
    let filter = find(&c, "#org-filter").await?;
    count_is(&c, "[data-testid=org-row]", 2).await?;
    text_contains(&c, "body", "Иванов Сергей Петрович").await?;
    filter.send_keys("ромашка").await?;
    count_is(&c, "[data-testid=org-row]", 1).await?;
    filter.send_keys(&Key::Enter.to_string()).await?;

    // A document of the organization: signed with the login certificate;
    // the signature goes through the outbox and the portal accepts it.
    text_contains(&c, "[data-testid=documents]", "Договор поставки").await?;
    find(
        &c,
        "[data-testid=document-row]:first-of-type [data-testid=document-sign]",
    )
    .await?;
    c.execute(
        "const rows = [...document.querySelectorAll('[data-testid=document-row]')]; \
         rows.find(r => r.innerText.includes('Договор')).querySelector('[data-testid=document-sign]').click();",
        vec![],
    )
    .await?;
    find(&c, "#doc-secret")
        .await?
        .send_keys(cabinet_portal::DIRECTOR_PFX_PASSWORD)
        .await?;
    find(&c, "[data-testid=document-sign-form] button[type=submit]")
        .await?
        .click()
        .await?;
    text_contains(&c, "[data-testid=docs-notice]", "Документ подписан").await?;
    text_contains(&c, "[data-testid=documents]", "Подписей: 1").await?;
    verify_document(&c, "Договор поставки").await?;
    let verdict = text_contains(
        &c,
        "[data-testid=document-signers]",
        "Квалифицированная подпись действительна",
    )
    .await?;
    assert!(
        verdict.contains("аккредитованным УЦ «АО «Демо УЦ»»"),
        "{verdict}"
    );
    // The director's certificate names the demo CA's OCSP responder: its
    // answer is the revocation data.
    assert!(
        verdict.contains("Сведения об отзыве: ответ OCSP-службы «OCSP-служба ОргКабинета"),
        "{verdict}"
    );
    // Signed online: the portal's service stamped it, so the moment judged
    // is the proven signing time.
    assert!(
        verdict.contains("время подтверждено штампом времени «Служба штампов времени ОргКабинета"),
        "{verdict}"
    );
    // Signed online: the long-term form, with the chain and CRL inside.
    assert!(verdict.contains("Формат: CAdES-X Long Type 1"), "{verdict}");
    screenshot(&c, "documents").await?;
    // «Протокол проверки»: the button is there; the command it calls (the
    // save dialog cannot be driven) writes the PDF, read back with
    // pdftotext.
    find(&c, "[data-testid=document-protocol]").await?;
    let protocol = tmp.path().join("protocol.pdf");
    let size = c
        .execute_async(
            "const done = arguments[arguments.length - 1]; const path = arguments[0]; \
             const inv = window.__TAURI_INTERNALS__.invoke; \
             (async () => { \
               const orgs = await inv('organizations'); \
               const org = orgs.items.find(o => o.short_name.includes('Ромашка')).id; \
               const docs = await inv('documents', { args: { org_id: org, limit: 100 } }); \
               const doc = docs.items.find(d => d.document.name.startsWith('Договор поставки')).document.id; \
               return await inv('save_verification_protocol', { args: { org_id: org, document_id: doc, path } }); \
             })().then(done, (e) => done('error: ' + JSON.stringify(e)));",
            vec![serde_json::json!(protocol.display().to_string())],
        )
        .await?;
    assert!(size.as_u64().is_some_and(|n| n > 1000), "{size}");
    let text = std::process::Command::new("pdftotext")
        .args(["-layout"])
        .arg(&protocol)
        .arg("-")
        .output()?;
    let text = String::from_utf8_lossy(&text.stdout);
    for expected in [
        "Протокол проверки электронной подписи",
        "Договор поставки № 14-П.txt",
        "Подписант 1: Иванов Сергей Петрович",
        "подтверждено штампом времени",
        "ПОДПИСЬ ДЕЙСТВИТЕЛЬНА",
    ] {
        assert!(text.contains(expected), "{expected:?} in:\n{text}");
    }
    if let Ok(dir) = std::env::var("CABINET_SCREENSHOTS") {
        let _ = std::process::Command::new("pdftoppm")
            .args(["-png", "-r", "70", "-singlefile"])
            .arg(&protocol)
            .arg(std::path::Path::new(&dir).join("verification-protocol"))
            .status();
    }

    // The demo's signed documents: each verdict in words, never «верна»
    // for less than valid.
    verify_document(&c, "Письмо неизвестной компании").await?;
    let verdict = text_contains(
        &c,
        "[data-testid=document-signers]",
        "Подпись не изменена, но доверие не установлено",
    )
    .await?;
    assert!(verdict.contains("Смирнов Олег Игоревич"), "{verdict}");
    assert!(
        verdict.contains("недоверенным удостоверяющим центром"),
        "{verdict}"
    );
    assert!(!verdict.contains("верна"), "{verdict}");
    screenshot(&c, "documents-untrusted").await?;
    verify_document(&c, "Акт сверки за прошлый год").await?;
    let verdict = text_contains(
        &c,
        "[data-testid=document-signers]",
        "Подпись не изменена, но её действительность не установлена",
    )
    .await?;
    assert!(
        verdict.contains("не подтверждено штампом времени"),
        "{verdict}"
    );
    screenshot(&c, "documents-expired").await?;
    verify_document(&c, "Подписанный договор № 17").await?;
    text_contains(
        &c,
        "[data-testid=document-signers]",
        "Квалифицированная подпись действительна",
    )
    .await?;
    let checked = c
        .execute(
            "return [...document.querySelectorAll('[data-testid=verdict]')].map(v => v.dataset.verdict).join(',')",
            vec![],
        )
        .await?;
    assert_eq!(checked.as_str(), Some("valid"));

    // «Электронные подписи»: the login certificate is remembered; sign two
    // files with one password entry, then verify one in the window.
    find(&c, "[data-testid=nav-signatures]")
        .await?
        .click()
        .await?;
    text_contains(&c, "[data-testid=my-certificates]", "director.pfx").await?;
    let docs = tmp.path().join("docs");
    std::fs::create_dir_all(&docs)?;
    let mut paths = Vec::new();
    for name in ["Заявление.txt", "Доверенность.txt"] {
        let p = docs.join(name);
        std::fs::write(&p, format!("{name}: текст документа"))?;
        paths.push(p.display().to_string());
    }
    let files = find(&c, "#sign-files").await?;
    // WebKitWebDriver drops "\n" from typed text; Enter makes the new line.
    files
        .send_keys(&paths.join(&Key::Enter.to_string()))
        .await?;
    find(&c, "#sign-secret")
        .await?
        .send_keys(cabinet_portal::DIRECTOR_PFX_PASSWORD)
        .await?;
    find(&c, "[data-testid=sign-files] button[type=submit]")
        .await?
        .click()
        .await?;
    text_contains(&c, "[data-testid=sign-result]", "подписано файлов — 2").await?;
    text_contains(&c, "[data-testid=sign-progress]", "Подписано 2 из 2").await?;
    for p in &paths {
        let sig = std::fs::read(format!("{p}.sig"))?;
        assert_eq!(sig.first(), Some(&0x30), "DER signature beside {p}");
    }
    find(&c, "#verify-file").await?.send_keys(&paths[0]).await?;
    find(&c, "[data-testid=verify] button[type=submit]")
        .await?
        .click()
        .await?;
    text_contains(&c, "[data-testid=verify-ok]", "Проверено подписантов: 1").await?;
    text_contains(&c, "[data-testid=signer]", "Иванов Сергей Петрович").await?;
    text_contains(
        &c,
        "[data-testid=signer]",
        "Квалифицированная подпись действительна",
    )
    .await?;
    text_contains(
        &c,
        "[data-testid=trust-list]",
        "Проверка по списку аккредитованных УЦ",
    )
    .await?;
    c.execute(
        "document.querySelector('[data-testid=verify-ok]').scrollIntoView({block: 'center'})",
        vec![],
    )
    .await?;
    screenshot(&c, "signatures").await?;

    // A changed file: the window says so in Russian.
    std::fs::write(&paths[0], "подменённый текст")?;
    find(&c, "[data-testid=verify] button[type=submit]")
        .await?
        .click()
        .await?;
    let verdict = text_contains(&c, "[data-testid=signer]", "Подпись недействительна").await?;
    assert!(
        verdict.contains("Файл изменён после подписания"),
        "{verdict}"
    );

    // A signature someone else made, with the document inside, in BER
    // (`openssl cms -sign -stream`, as CryptoPro writes): chosen alone, it
    // verifies, and the document it holds is saved where the user says.
    let original = docs.join("Акт сверки.txt");
    std::fs::write(&original, "Акт сверки взаимных расчётов за ноябрь")?;
    let openssl = |args: &[&str]| -> Result<()> {
        let out = std::process::Command::new("openssl")
            .args(args)
            .current_dir(&docs)
            .output()?;
        anyhow::ensure!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(())
    };
    openssl(&[
        "req",
        "-x509",
        "-new",
        "-nodes",
        "-newkey",
        "rsa:2048",
        "-keyout",
        "k.pem",
        "-out",
        "c.pem",
        "-days",
        "30",
        "-utf8",
        "-subj",
        "/CN=Контрагентов Пётр/O=ООО «Партнёр»",
    ])?;
    openssl(&[
        "cms",
        "-sign",
        "-stream",
        "-binary",
        "-nodetach",
        "-outform",
        "DER",
        "-in",
        "Акт сверки.txt",
        "-signer",
        "c.pem",
        "-inkey",
        "k.pem",
        "-out",
        "Акт сверки.txt.p7s",
    ])?;
    let p7s = docs.join("Акт сверки.txt.p7s");
    assert_eq!(
        std::fs::read(&p7s)?[..2],
        [0x30, 0x80],
        "indefinite-length BER"
    );
    let field = find(&c, "#verify-file").await?;
    field.clear().await?;
    field.send_keys(&p7s.display().to_string()).await?;
    find(&c, "[data-testid=verify] button[type=submit]")
        .await?
        .click()
        .await?;
    text_contains(&c, "[data-testid=signer]", "Контрагентов Пётр").await?;
    text_contains(
        &c,
        "[data-testid=signer]",
        "Подпись не изменена, но доверие не установлено",
    )
    .await?;
    let target = docs.join("Акт из подписи.txt");
    let path = find(&c, "[data-testid=save-content-path]").await?;
    path.clear().await?;
    path.send_keys(&target.display().to_string()).await?;
    find(&c, "[data-testid=save-signed-content]")
        .await?
        .click()
        .await?;
    text_contains(
        &c,
        "[data-testid=saved-content]",
        "Документ из подписи сохранён",
    )
    .await?;
    assert_eq!(
        std::fs::read_to_string(&target)?,
        "Акт сверки взаимных расчётов за ноябрь"
    );
    c.execute(
        "document.querySelector('[data-testid=saved-content]').scrollIntoView({block: 'center'})",
        vec![],
    )
    .await?;
    screenshot(&c, "signatures-attached").await?;

    // The partner's certificate, trusted on purpose: the same signature is
    // now valid as «доверенная вами» — never qualified; and untrusted
    // again once the trust is taken back (after a confirmation).
    let field = find(&c, "#own-path").await?;
    field
        .send_keys(&docs.join("c.pem").display().to_string())
        .await?;
    find(&c, "[data-testid=own-root-add]")
        .await?
        .click()
        .await?;
    text_contains(
        &c,
        "[data-testid=own-root-note]",
        "Теперь вы доверяете «Контрагентов Пётр»",
    )
    .await?;
    text_contains(&c, "[data-testid=own-root]", "Отпечаток SHA-256").await?;
    find(&c, "[data-testid=verify] button[type=submit]")
        .await?
        .click()
        .await?;
    let verdict = text_contains(&c, "[data-testid=signer]", "✓ Подпись действительна").await?;
    assert!(
        verdict.contains("Вы доверяете самому этому сертификату; он действовал"),
        "{verdict}"
    );
    assert!(verdict.contains("Отзыв не проверяется"), "{verdict}");
    assert!(!verdict.contains("Квалифицированная"), "{verdict}");
    let trust = c
        .execute(
            "return document.querySelector('[data-testid=signer] [data-testid=verdict]').dataset.trust",
            vec![],
        )
        .await?;
    assert_eq!(trust.as_str(), Some("trusted_by_you"));
    c.execute(
        "document.querySelector('[data-testid=own-roots]').scrollIntoView({block: 'start'})",
        vec![],
    )
    .await?;
    screenshot(&c, "signatures-own-root").await?;
    find(&c, "[data-testid=own-root-remove]")
        .await?
        .click()
        .await?;
    find(&c, "[data-testid=own-root] .btn.danger")
        .await?
        .click()
        .await?;
    find(&c, "[data-testid=own-roots-empty]").await?;
    find(&c, "[data-testid=verify] button[type=submit]")
        .await?
        .click()
        .await?;
    text_contains(
        &c,
        "[data-testid=signer]",
        "Подпись не изменена, но доверие не установлено",
    )
    .await?;
    c.close().await?;
    Ok(())
}
