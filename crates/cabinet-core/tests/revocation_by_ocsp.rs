//! Revocation asked of the OCSP responder a certificate names: the demo
//! director's certificate names the portal's responder (Authority
//! Information Access), the client asks it through the portal with a
//! fresh nonce, keeps the answer for offline checks, and a document
//! signature made online carries it (CAdES-X Long Type 1) — valid with no
//! revocation data kept at all. An address the portal does not answer for
//! is refused with `trust.ocsp_unknown`.

use cabinet_core::certificates::open_pfx;
use cabinet_core::secrets::{Keychain, KeychainBackend};
use cabinet_core::verdict::VerdictView;
use cabinet_core::Cabinet;
use cabinet_portal::{Portal, PortalConfig};

#[tokio::test(flavor = "multi_thread")]
async fn the_responder_a_certificate_names_is_asked_and_its_answer_travels() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::open(PortalConfig::quick_demo(dir.path().join("portal.sqlite3")))
        .unwrap()
        .spawn("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let cab = Cabinet::new(
        portal.url().parse().unwrap(),
        &dir.path().join("app"),
        Keychain::new(KeychainBackend::Keyutils),
    )
    .unwrap();
    let files = cab.demo_certificates().await.unwrap().unwrap();
    let director = files
        .iter()
        .find(|f| f.path.ends_with("/director.pfx"))
        .unwrap();
    let key = open_pfx(std::path::Path::new(&director.path), &director.password).unwrap();
    let named = &cabinet_sign::SigningKey::certificate(&key).ocsp_urls;
    assert_eq!(named.len(), 1, "the certificate names one responder");
    assert!(named[0].starts_with("http://ocsp.orgcabinet.demo/"));

    cab.login_certificate(&key).await.unwrap();
    let org = cab
        .organizations()
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|o| o.short_name.contains("Ромашка"))
        .unwrap()
        .id;
    cab.sync(&org).await.unwrap();
    let docs = cab.documents(&org, 10_000).await.unwrap().items;
    let doc = docs
        .iter()
        .find(|d| d.document.signatures.is_empty())
        .unwrap()
        .document
        .id
        .clone();
    cab.document_content(&org, &doc).await.unwrap();
    cab.sign_document(&org, &doc, &key).await.unwrap();
    let checks = cab.verify_document(&org, &doc).await.unwrap();
    assert_eq!(checks.len(), 1);
    let c = &checks[0];
    assert_eq!(c.verdict, VerdictView::Valid, "{:?}", c.problems);
    assert_eq!(c.level, "x_long_type1");
    let r = c.revocation.as_ref().unwrap();
    assert_eq!(r.source, "ocsp", "the responder's answer, not a CRL");
    assert!(r.issuer.starts_with("OCSP-служба ОргКабинета"), "{r:?}");
    let r = cab.sync(&org).await.unwrap();
    assert_eq!((r.pushed, r.failed), (1, 0), "the portal accepts it");
    cab.document_content(&org, &doc).await.unwrap();

    // Nothing kept, portal stopped: the answer the signature carries.
    portal.stop().await;
    let trust = dir.path().join("app/trust");
    for portal_dir in std::fs::read_dir(&trust).unwrap() {
        for kept in ["crl", "ocsp"] {
            let kept = portal_dir.as_ref().unwrap().path().join(kept);
            if kept.exists() {
                std::fs::remove_dir_all(kept).unwrap();
            }
        }
    }
    let checks = cab.verify_document(&org, &doc).await.unwrap();
    assert_eq!(
        checks[0].verdict,
        VerdictView::Valid,
        "{:?}",
        checks[0].problems
    );
    assert_eq!(checks[0].revocation.as_ref().unwrap().source, "ocsp");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_portal_relays_to_no_address_a_caller_chooses() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::open(PortalConfig::quick_demo(dir.path().join("portal.sqlite3")))
        .unwrap()
        .spawn("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let resp = reqwest::Client::new()
        .post(format!(
            "{}/v1/trust/ocsp?url=http%3A%2F%2F169.254.169.254%2Focsp",
            portal.url()
        ))
        .header("content-type", "application/ocsp-request")
        .body(vec![0x30, 0x00])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let problem: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(problem["code"], "trust.ocsp_unknown");
}
