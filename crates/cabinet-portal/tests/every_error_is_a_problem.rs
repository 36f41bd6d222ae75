//! Every error answer is problem+json with a stable code, the framework's
//! own refusals too: a method the path does not take (405, `Allow` kept),
//! a path segment that is not UTF-8 (400), a JSON body past the limit
//! (413, not 400), an unknown path (404).

mod support;

use cabinet_api::Problem;

async fn problem(resp: reqwest::Response, status: u16, code: &str) {
    assert_eq!(resp.status().as_u16(), status);
    assert_eq!(
        resp.headers()["content-type"],
        "application/problem+json",
        "{code}"
    );
    let p: Problem = resp.json().await.unwrap();
    assert_eq!((p.status, p.code.as_str()), (status, code));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_frameworks_refusals_are_problems_too() {
    let dir = tempfile::tempdir().unwrap();
    let portal = support::demo_portal(dir.path()).await;
    let org = support::romashka(&portal).await;
    let token = support::member_token(
        &portal,
        &org,
        "p@example.ru",
        "Проблемов Пётр",
        "Наблюдатель",
    )
    .await;
    let http = reqwest::Client::new();
    let base = format!("{}/v1", portal.url());

    let resp = http
        .put(format!("{base}/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert!(resp.headers().contains_key("allow"), "Allow is kept");
    problem(resp, 405, "request.method_not_allowed").await;

    let resp = http
        .get(format!("{base}/orgs/%FF%FE/profile"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    problem(resp, 400, "request.invalid").await;

    let resp = http
        .get(format!("{base}/no/such/path"))
        .send()
        .await
        .unwrap();
    problem(resp, 404, "not_found").await;

    // A body past the limit (axum's 2 MiB for JSON): the portal stops
    // reading once it has seen too much. The test declares 3 MiB and sends
    // just past the limit, so it never races the portal's closing of the
    // connection.
    let mut start = b"{\"login\": \"a@example.ru\", \"password\": \"".to_vec();
    start.resize(2 * 1024 * 1024 + 16, b'x');
    let answer = support::declared_only(
        &portal.url(),
        "POST /v1/auth/password",
        &[("Content-Type", "application/json")],
        3 * 1024 * 1024,
        &start,
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(
        answer
            .to_ascii_lowercase()
            .contains("content-type: application/problem+json"),
        "{answer}"
    );
    assert!(
        answer.contains("\"code\":\"request.too_large\""),
        "{answer}"
    );
}
