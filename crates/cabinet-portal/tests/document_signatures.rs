//! Document content by SHA-256 (ETag, If-None-Match, Range) and detached
//! signatures the portal verifies before accepting: the director's demo
//! certificate is accepted once (a replay does not add a second), a
//! signature over other content and one by an untrusted key are refused.

use base64::Engine;
use cabinet_api::{ChangePage, Document, Problem, TokenPair};
use cabinet_portal::{Portal, PortalConfig};
use cabinet_sign::cades::sign_detached;
use cabinet_sign::pki::{IssuedKey, KeyKind, Profile, Request, Subject};
use cabinet_sign::PfxIdentity;
use chrono::Utc;
use serde_json::json;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

#[tokio::test]
async fn content_by_hash_and_verified_signatures() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::open(PortalConfig::quick_demo(dir.path().join("portal.sqlite3")))
        .unwrap()
        .spawn("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let base = format!("{}/v1", portal.url());

    // The director logs in with his demo certificate (no SMS step).
    let pfx = http
        .get(format!("{base}/demo/certificates/director.pfx"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let director = PfxIdentity::open(&pfx, cabinet_portal::DIRECTOR_PFX_PASSWORD).unwrap();
    let c: cabinet_api::CertChallenge = http
        .post(format!("{base}/auth/challenge"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let sig = sign_detached(&director, &B64.decode(&c.nonce).unwrap()[..], Utc::now()).unwrap();
    let tokens: TokenPair = http
        .post(format!("{base}/auth/certificate"))
        .json(&json!({"challenge_id": c.challenge_id, "signature": B64.encode(sig)}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = tokens.access_token;
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

    let resp = http
        .get(format!("{url}/content"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["etag"], format!("\"{}\"", doc.sha256));
    let content = resp.bytes().await.unwrap().to_vec();
    assert_eq!(content.len() as i64, doc.size);
    let cached = http
        .get(format!("{url}/content"))
        .bearer_auth(&token)
        .header("If-None-Match", format!("\"{}\"", doc.sha256))
        .send()
        .await
        .unwrap();
    assert_eq!(cached.status(), 304);
    let part = http
        .get(format!("{url}/content"))
        .bearer_auth(&token)
        .header("Range", "bytes=0-9")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status(), 206);
    assert_eq!(part.bytes().await.unwrap().to_vec(), content[..10].to_vec());

    let post = |key: &'static str, sig: Vec<u8>| {
        http.post(format!("{url}/signatures"))
            .bearer_auth(&token)
            .header("Idempotency-Key", key)
            .json(&json!({"signature": B64.encode(sig)}))
            .send()
    };
    // Over other content: refused with the verifier's code.
    let wrong = sign_detached(&director, &b"other"[..], Utc::now()).unwrap();
    let resp = post("w-1", wrong).await.unwrap();
    assert_eq!(resp.status(), 422);
    assert_eq!(
        resp.json::<Problem>().await.unwrap().code,
        "sig.content_changed"
    );
    // By a key from an unknown CA: refused.
    let stranger = IssuedKey::new_root(&Request {
        kind: KeyKind::EcdsaP256,
        subject: Subject {
            common_name: "Самозванец".into(),
            ..Subject::default()
        },
        not_before: Utc::now() - chrono::Duration::days(1),
        not_after: Utc::now() + chrono::Duration::days(1),
        profile: Profile::Root,
    })
    .unwrap();
    let resp = post(
        "w-2",
        sign_detached(&stranger, &content[..], Utc::now()).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(resp.json::<Problem>().await.unwrap().code, "sig.untrusted");

    // The director's signature: accepted, and a replay adds nothing.
    let good = sign_detached(&director, &content[..], Utc::now()).unwrap();
    let first: Document = post("g-1", good.clone())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(first.signatures.len(), 1);
    assert_eq!(first.signatures[0].signer, "Иванов Сергей Петрович");
    let again: Document = post("g-1", good).await.unwrap().json().await.unwrap();
    assert_eq!(again, first);
    let page: ChangePage = http
        .get(format!(
            "{base}/orgs/{org}/changes?after={}",
            page.next_cursor
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let kinds: Vec<&str> = page.changes.iter().map(|c| c.entity.as_str()).collect();
    assert_eq!(
        kinds,
        ["document", "audit"],
        "one accepted signature: the document's change and its audit line"
    );
}
