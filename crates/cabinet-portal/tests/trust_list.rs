//! The demo portal publishes its trust list in the Ministry's form
//! (`GET /v1/trust/tsl`, with an ETag) and the CRLs its addresses name
//! (`GET /v1/trust/crl?url=…`), to anyone, but only for addresses on the
//! list (no open proxy). The five signed demo documents, judged with what
//! the portal published, show every verdict; the portal files a new
//! signature only when that same judgement says valid.

mod support;

use base64::Engine;
use cabinet_api::{ChangePage, Document, Problem};
use cabinet_sign::assess::{assess_detached, Evidence, TrustLevel, Verdict};
use cabinet_sign::tsl::TrustList;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

#[tokio::test]
async fn the_list_the_crls_and_the_verdicts_of_the_demo_documents() {
    let dir = tempfile::tempdir().unwrap();
    let portal = support::demo_portal(dir.path()).await;
    let base = portal.url();
    let http = reqwest::Client::new();

    // The list, without logging in; again with its ETag: 304.
    let resp = http
        .get(format!("{base}/v1/trust/tsl"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/xml"));
    let etag = resp.headers()["etag"].to_str().unwrap().to_string();
    let xml = resp.bytes().await.unwrap();
    let again = http
        .get(format!("{base}/v1/trust/tsl"))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    let list = TrustList::parse(&xml).unwrap();
    assert!(
        list.version >= 3,
        "three listed CAs made at the first start"
    );
    let names: Vec<&str> = list
        .authorities
        .iter()
        .map(|a| a.short_name.as_str())
        .collect();
    assert_eq!(
        names,
        ["АО «Демо УЦ»", "ООО «Второй УЦ»", "АО «Прежний УЦ»"]
    );
    let now = chrono::Utc::now();
    assert!(list.authorities[0].accredited_at(now));
    assert!(list.authorities[1].accredited_at(now));
    assert!(!list.authorities[2].accredited_at(now));

    // Every address on the list answers with a CRL; nothing else does.
    let mut crls = Vec::new();
    for a in &list.authorities {
        for url in a.crl_urls() {
            let resp = http
                .get(format!("{base}/v1/trust/crl"))
                .query(&[("url", url)])
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 200, "{url}");
            crls.push(resp.bytes().await.unwrap().to_vec());
        }
    }
    assert_eq!(crls.len(), 3);
    for url in [
        "http://169.254.169.254/latest/meta-data/",
        "http://127.0.0.1:22/",
        "file:///etc/passwd",
    ] {
        let resp = http
            .get(format!("{base}/v1/trust/crl"))
            .query(&[("url", url)])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 404, "{url}");
        let p: Problem = resp.json().await.unwrap();
        assert_eq!(p.code.as_str(), "trust.crl_unknown");
    }

    // The signed demo documents, judged with what was published.
    let org = support::romashka(&portal).await;
    let head = support::member_token(
        &portal,
        &org,
        "head@example.ru",
        "Главный Пётр",
        "Руководитель",
    )
    .await;
    let page: ChangePage = http
        .get(format!("{base}/v1/orgs/{org}/changes?limit=1000"))
        .bearer_auth(&head)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut docs = std::collections::BTreeMap::new();
    for c in page.changes.iter().filter(|c| c.entity == "document") {
        let d: Document = c.data_as().unwrap().unwrap();
        docs.insert(d.name.clone(), d);
    }
    let content = |d: &Document| {
        let (http, base, org, head, id) = (&http, &base, &org, &head, d.id.clone());
        async move {
            http.get(format!("{base}/v1/orgs/{org}/documents/{id}/content"))
                .bearer_auth(head)
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap()
                .to_vec()
        }
    };
    let evidence = Evidence {
        tsl: Some(&list),
        own_roots: &[],
        crls: &crls,
        certificates: &[],
        ocsp: &[],
        now,
    };
    let expected = [
        (
            "Подписанный договор № 17.txt",
            Verdict::Valid,
            TrustLevel::Qualified,
            None,
        ),
        (
            "Протокол согласования цены.txt",
            Verdict::Valid,
            TrustLevel::Qualified,
            None,
        ),
        (
            "Счёт старого поставщика.txt",
            Verdict::Indeterminate,
            TrustLevel::Untrusted,
            Some("trust.not_accredited"),
        ),
        (
            "Письмо неизвестной компании.txt",
            Verdict::Indeterminate,
            TrustLevel::Untrusted,
            Some("sig.untrusted"),
        ),
        (
            "Акт сверки за прошлый год.txt",
            Verdict::Indeterminate,
            TrustLevel::Qualified,
            Some("sig.cert_expired_no_proof"),
        ),
    ];
    for (name, verdict, trust, problem) in expected {
        let d = &docs[name];
        assert_eq!(d.signatures.len(), 1, "{name}");
        let sig = B64.decode(&d.signatures[0].signature).unwrap();
        let body = content(d).await;
        let checks = assess_detached(&sig, &body[..], &evidence).unwrap();
        let c = &checks[0];
        assert!(c.intact, "{name}");
        assert_eq!(
            (c.verdict, c.trust),
            (verdict, trust),
            "{name}: {:?}",
            c.problems
        );
        assert_eq!(c.problems.first().map(|p| p.as_str()), problem, "{name}");
    }

    // The portal files a signature only when it is valid: the untrusted
    // one, handed in again for the director's contract, is refused.
    let untrusted = &docs["Письмо неизвестной компании.txt"].signatures[0].signature;
    let target = &docs["Письмо неизвестной компании.txt"];
    let resp = http
        .post(format!(
            "{base}/v1/orgs/{org}/documents/{}/signatures",
            target.id
        ))
        .bearer_auth(&head)
        .header("Idempotency-Key", "again-untrusted")
        .json(&serde_json::json!({ "signature": untrusted }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    let p: Problem = resp.json().await.unwrap();
    assert_eq!(p.code.as_str(), "sig.untrusted");
    let expired = &docs["Акт сверки за прошлый год.txt"];
    let resp = http
        .post(format!(
            "{base}/v1/orgs/{org}/documents/{}/signatures",
            expired.id
        ))
        .bearer_auth(&head)
        .header("Idempotency-Key", "again-expired")
        .json(&serde_json::json!({ "signature": expired.signatures[0].signature }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    let p: Problem = resp.json().await.unwrap();
    assert_eq!(p.code.as_str(), "sig.cert_expired_no_proof");

    // The time-stamping service: OpenSSL's query, our reply, OpenSSL's
    // check against the demo CA of the published list.
    let d = dir.path();
    let openssl = |args: &[&str]| {
        let out = std::process::Command::new("openssl")
            .args(args)
            .current_dir(d)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "openssl {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    std::fs::write(d.join("doc.txt"), "Договор № 17").unwrap();
    openssl(&[
        "ts", "-query", "-data", "doc.txt", "-sha256", "-cert", "-out", "req.tsq",
    ]);
    let resp = http
        .post(format!("{base}/v1/tsp"))
        .header("Content-Type", "application/timestamp-query")
        .body(std::fs::read(d.join("req.tsq")).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers()["content-type"],
        "application/timestamp-reply"
    );
    std::fs::write(d.join("reply.tsr"), resp.bytes().await.unwrap()).unwrap();
    let demo_ca = list.authorities[0].keys.last().unwrap().certificates[0]
        .der
        .clone();
    std::fs::write(d.join("ca.der"), demo_ca).unwrap();
    openssl(&["x509", "-inform", "DER", "-in", "ca.der", "-out", "ca.pem"]);
    let said = openssl(&[
        "ts",
        "-verify",
        "-in",
        "reply.tsr",
        "-queryfile",
        "req.tsq",
        "-CAfile",
        "ca.pem",
    ]);
    assert!(said.contains("Verification: OK"), "{said}");
    // The OCSP responder answers `openssl ocsp` over HTTP about the
    // director's demo certificate.
    let pfx = http
        .get(format!("{base}/v1/demo/certificates/director.pfx"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    std::fs::write(d.join("director.pfx"), pfx).unwrap();
    let pass = format!("pass:{}", cabinet_portal::DIRECTOR_PFX_PASSWORD);
    openssl(&[
        "pkcs12",
        "-in",
        "director.pfx",
        "-clcerts",
        "-nokeys",
        "-passin",
        &pass,
        "-out",
        "director.pem",
    ]);
    let url = format!("{base}/v1/trust/ocsp");
    // On a blocking thread: the portal answers on this test's runtime.
    let dir_path = d.to_path_buf();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("openssl")
            .args([
                "ocsp",
                "-issuer",
                "ca.pem",
                "-cert",
                "director.pem",
                "-url",
                &url,
                "-CAfile",
                "ca.pem",
                "-timeout",
                "20",
            ])
            .current_dir(dir_path)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && said.contains("director.pem: good"),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Not a request: an RFC 3161 rejection, not an HTTP error.
    let resp = http
        .post(format!("{base}/v1/tsp"))
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let e = cabinet_sign::tsp::token_from_reply(
        &resp.bytes().await.unwrap(),
        cabinet_sign::DigestAlgorithm::Sha256,
        &[0; 32],
        &[1],
    )
    .unwrap_err();
    assert_eq!(e.code().as_str(), "tsp.refused");
}
