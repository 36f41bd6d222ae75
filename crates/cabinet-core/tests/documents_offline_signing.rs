//! The director reads and signs a document offline: the content fetched
//! once is kept (hash-checked) for offline review, the signature waits in
//! the outbox and verifies locally, and after reconnecting the portal
//! accepts it (verifying it against the content itself) exactly once.

use cabinet_core::certificates::open_pfx;
use cabinet_core::secrets::{Keychain, KeychainBackend};
use cabinet_core::verdict::{TrustView, VerdictView};
use cabinet_core::Cabinet;
use cabinet_portal::{Portal, PortalConfig};

#[tokio::test(flavor = "multi_thread")]
async fn sign_offline_deliver_on_reconnect() {
    let dir = tempfile::tempdir().unwrap();
    let config = || PortalConfig::quick_demo(dir.path().join("portal.sqlite3"));
    let portal = Portal::open(config())
        .unwrap()
        .spawn("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let addr = portal.addr();
    let cab = Cabinet::new(
        portal.url().parse().unwrap(),
        &dir.path().join("app"),
        Keychain::new(KeychainBackend::Keyutils),
    )
    .unwrap()
    // Contents come on demand here; prefetching has its own test.
    .with_prefetch(cabinet_core::sync::PrefetchPolicy {
        scope: cabinet_core::sync::PrefetchScope::None,
        cap_bytes: 0,
    });
    let files = cab.demo_certificates().await.unwrap().unwrap();
    let director = files
        .iter()
        .find(|f| f.path.ends_with("/director.pfx"))
        .unwrap();
    let key = open_pfx(std::path::Path::new(&director.path), &director.password).unwrap();
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
    assert_eq!(
        docs.len(),
        8,
        "two demo documents, a payment receipt and five signed ones"
    );
    // A page of the newest: the first of the whole list, and the count.
    let newest = cab.documents(&org, 1).await.unwrap();
    assert_eq!(newest.total, 8);
    assert_eq!(newest.items.len(), 1);
    assert_eq!(newest.items[0].document.id, docs[0].document.id);
    assert!(docs.iter().all(|d| !d.cached));
    assert_eq!(
        docs.iter()
            .filter(|d| d.document.signatures.is_empty())
            .count(),
        3
    );
    // The sync brought the portal's trust list.
    let status = cab.trust_status().unwrap();
    assert!(status.present);
    assert_eq!((status.authorities, status.accredited_now), (3, 2));
    let contract = docs
        .iter()
        .find(|d| d.document.name.starts_with("Договор"))
        .unwrap()
        .document
        .clone();
    let other = docs
        .iter()
        .find(|d| d.document.id != contract.id)
        .unwrap()
        .document
        .id
        .clone();
    let text = cab.document_content(&org, &contract.id).await.unwrap();
    assert!(String::from_utf8(text)
        .unwrap()
        .contains("ДОГОВОР ПОСТАВКИ"));

    // Offline: the cached contract is signed; the other document was never
    // fetched, so it cannot be read.
    portal.stop().await;
    cab.sign_document(&org, &contract.id, &key).await.unwrap();
    assert_eq!(
        cab.document_content(&org, &other).await.unwrap_err().code(),
        "cache.not_found"
    );
    let view = cab.documents(&org, 10_000).await.unwrap().items;
    let c = view.iter().find(|d| d.document.id == contract.id).unwrap();
    assert!(c.cached);
    assert_eq!(c.pending_signers, ["Иванов Сергей Петрович"]);
    // Offline and never fetched: the CA's CRL is missing, so the pending
    // signature is qualified but not established.
    let signers = cab.verify_document(&org, &contract.id).await.unwrap();
    assert_eq!(signers.len(), 1);
    assert!(signers[0].intact);
    assert_eq!(signers[0].trust, TrustView::Qualified);
    assert_eq!(signers[0].verdict, VerdictView::Indeterminate);
    assert_eq!(signers[0].problems[0].as_str(), "revocation.unknown");
    let r = cab.sync(&org).await.unwrap();
    assert!(!r.online);
    assert_eq!(r.pending, 1);

    // The portal is back on the same address: the signature is delivered.
    let _portal = Portal::open(config()).unwrap().spawn(addr).await.unwrap();
    let r = cab.sync(&org).await.unwrap();
    assert!(r.online, "{r:?}");
    assert_eq!((r.pushed, r.pending, r.failed), (1, 0, 0));
    let view = cab.documents(&org, 10_000).await.unwrap().items;
    let c = view.iter().find(|d| d.document.id == contract.id).unwrap();
    assert!(c.pending_signers.is_empty());
    assert_eq!(c.document.signatures.len(), 1);
    assert_eq!(c.document.signatures[0].signer, "Иванов Сергей Петрович");
    // Online, the revocation data is fetched: valid. (The portal's restart
    // made a new demo CA, whose OCSP responder does not answer for the
    // first start's certificates: the CRL of their CA's key speaks.
    // `revocation_by_ocsp.rs` has the responder's side.)
    let checks = cab.verify_document(&org, &contract.id).await.unwrap();
    assert_eq!(checks.len(), 1);
    assert_eq!(
        checks[0].verdict,
        VerdictView::Valid,
        "{:?}",
        checks[0].problems
    );
    assert_eq!(checks[0].trust, TrustView::Qualified);
    assert_eq!(checks[0].revocation.as_ref().unwrap().source, "crl");
    assert_eq!(checks[0].level, "bes", "signed offline: no time stamp");

    // Signed online, a document gets CAdES-X Long Type 1: the portal's
    // time stamps and the CA's chain and CRL inside the signature.
    let unsigned = docs
        .iter()
        .find(|d| d.document.id != contract.id && d.document.signatures.is_empty())
        .unwrap()
        .document
        .id
        .clone();
    cab.document_content(&org, &unsigned).await.unwrap();
    cab.sign_document(&org, &unsigned, &key).await.unwrap();
    let checks = cab.verify_document(&org, &unsigned).await.unwrap();
    assert_eq!(checks.len(), 1);
    assert_eq!(checks[0].level, "x_long_type1");
    assert_eq!(checks[0].time.kind, "proven");
    assert_eq!(
        checks[0].verdict,
        VerdictView::Valid,
        "{:?}",
        checks[0].problems
    );
    let r = cab.sync(&org).await.unwrap();
    assert_eq!(
        (r.pushed, r.pending, r.failed),
        (1, 0, 0),
        "the portal accepts it"
    );
    // (This test keeps no contents across syncs: a cap of 0 bytes.)
    cab.document_content(&org, &contract.id).await.unwrap();
    cab.document_content(&org, &unsigned).await.unwrap();

    // And offline again it stays so, from what was kept.
    _portal.stop().await;
    let checks = cab.verify_document(&org, &contract.id).await.unwrap();
    assert_eq!(checks[0].verdict, VerdictView::Valid);
    assert!(checks[0].revocation.as_ref().unwrap().age_hours >= 0);

    // Without the kept revocation data (CRLs and OCSP answers), only the
    // long-term signature stays valid.
    let trust = dir.path().join("app/trust");
    for portal_dir in std::fs::read_dir(&trust).unwrap() {
        for kept in ["crl", "ocsp"] {
            let kept = portal_dir.as_ref().unwrap().path().join(kept);
            if kept.exists() {
                std::fs::remove_dir_all(kept).unwrap();
            }
        }
    }
    let checks = cab.verify_document(&org, &contract.id).await.unwrap();
    assert_eq!(checks[0].verdict, VerdictView::Indeterminate);
    assert_eq!(checks[0].problems[0].as_str(), "revocation.unknown");
    let checks = cab.verify_document(&org, &unsigned).await.unwrap();
    assert_eq!(
        checks[0].verdict,
        VerdictView::Valid,
        "{:?}",
        checks[0].problems
    );
    assert_eq!(checks[0].level, "x_long_type1");
}
