//! The services catalog over HTTP: open without a token, filtered by text
//! (Russian prefixes), kind and channel, and answered `304` for the ETag
//! the client already has.

mod support;

use cabinet_api::Service;

#[tokio::test]
async fn catalog_search_filters_and_etag() {
    let dir = tempfile::tempdir().unwrap();
    let portal = support::demo_portal(dir.path()).await;
    let http = reqwest::Client::new();
    let url = format!("{}/v1/services", portal.url());

    let resp = http.get(&url).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let etag = resp.headers()["etag"].to_str().unwrap().to_owned();
    let all: Vec<Service> = resp.json().await.unwrap();
    assert_eq!(all, cabinet_api::services::catalog());
    assert!(all.iter().any(|s| s.code == "egrul-extract"));

    let resp = http
        .get(&url)
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 304);

    let found: Vec<Service> = http
        .get(&url)
        .query(&[("q", "лиценз"), ("online", "false")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let codes: Vec<&str> = found.iter().map(|s| s.code.as_str()).collect();
    assert_eq!(
        codes,
        ["license-alcohol"],
        "licences one can apply for in person"
    );
    let extracts: Vec<Service> = http
        .get(&url)
        .query(&[("kind", "extract")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(extracts.len() >= 2 && extracts.iter().all(|s| s.cost == 0));

    let bad = http
        .get(&url)
        .query(&[("kind", "nonsense")])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    portal.stop().await;
}
