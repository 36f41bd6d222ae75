//! The portal takes signatures as Russian CSPs write them: BER with
//! indefinite lengths and the content in chunks, here made by `openssl cms
//! -sign -stream` with the director's demo key. A certificate login signed
//! that way succeeds, and so does a document signature; one that holds
//! other content than the document is refused with its code.

use base64::Engine;
use cabinet_api::{ChangePage, Document, Problem, TokenPair};
use cabinet_portal::{Portal, PortalConfig};
use serde_json::json;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

fn openssl(dir: &std::path::Path, args: &[&str]) {
    let out = std::process::Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl is installed");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// An attached BER signature of `content` by the key and certificate in
/// `dir/director.pem`.
fn stream_sign(dir: &std::path::Path, content: &[u8]) -> Vec<u8> {
    std::fs::write(dir.join("content.bin"), content).unwrap();
    openssl(
        dir,
        &[
            "cms",
            "-sign",
            "-stream",
            "-binary",
            "-nodetach",
            "-outform",
            "DER",
            "-in",
            "content.bin",
            "-signer",
            "director.pem",
            "-out",
            "stream.sig",
        ],
    );
    let sig = std::fs::read(dir.join("stream.sig")).unwrap();
    assert_eq!(sig[..2], [0x30, 0x80], "indefinite-length BER");
    sig
}

#[tokio::test]
async fn certificate_login_and_document_signature_in_ber() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let portal = Portal::open(PortalConfig::quick_demo(d.join("portal.sqlite3")))
        .unwrap()
        .spawn("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let base = format!("{}/v1", portal.url());
    let pfx = http
        .get(format!("{base}/demo/certificates/director.pfx"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    std::fs::write(d.join("director.pfx"), &pfx).unwrap();
    let pass = format!("pass:{}", cabinet_portal::DIRECTOR_PFX_PASSWORD);
    openssl(
        d,
        &[
            "pkcs12",
            "-in",
            "director.pfx",
            "-passin",
            &pass,
            "-nodes",
            "-out",
            "director.pem",
        ],
    );

    let c: cabinet_api::CertChallenge = http
        .post(format!("{base}/auth/challenge"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let sig = stream_sign(d, &B64.decode(&c.nonce).unwrap());
    let resp = http
        .post(format!("{base}/auth/certificate"))
        .json(&json!({"challenge_id": c.challenge_id, "signature": B64.encode(sig)}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let token = resp.json::<TokenPair>().await.unwrap().access_token;

    let romashka = cabinet_api::requisites::complete_inn10("770412345").unwrap();
    let org = portal.admin().org_id_by_inn(&romashka).await.unwrap();
    let page: ChangePage = http
        .get(format!("{base}/orgs/{org}/changes?limit=100"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let doc: Document = page
        .changes
        .iter()
        .filter(|c| c.entity == "document")
        .map(|c| c.data_as().unwrap().unwrap())
        .find(|d: &Document| d.name.starts_with("Договор"))
        .unwrap();
    let url = format!("{base}/orgs/{org}/documents/{}", doc.id);
    let content = http
        .get(format!("{url}/content"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let post = |key: &'static str, sig: Vec<u8>| {
        http.post(format!("{url}/signatures"))
            .bearer_auth(&token)
            .header("Idempotency-Key", key)
            .json(&json!({"signature": B64.encode(sig)}))
            .send()
    };

    let other = post("ber-1", stream_sign(d, b"another document"))
        .await
        .unwrap();
    assert_eq!(other.status(), 422);
    assert_eq!(
        other.json::<Problem>().await.unwrap().code,
        "sig.content_mismatch"
    );
    let resp = post("ber-2", stream_sign(d, &content)).await.unwrap();
    assert_eq!(resp.status(), 201);
    let signed: Document = resp.json().await.unwrap();
    assert_eq!(signed.signatures.len(), 1);
    assert_eq!(signed.signatures[0].signer, "Иванов Сергей Петрович");
}
