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

/// A service's form travels with the catalog and is enforced on every new
/// application: a required field missing, a value of the wrong kind and a
/// key the form does not have are each refused with `fields.{key}`; a
/// filled form is kept with the draft and reaches the change feed.
#[tokio::test(flavor = "multi_thread")]
async fn an_application_carries_its_services_form_checked_by_the_portal() {
    let dir = tempfile::tempdir().unwrap();
    let portal = support::demo_portal(dir.path()).await;
    let org = support::romashka(&portal).await;
    let token =
        support::member_token(&portal, &org, "f@example.ru", "Формова Фаина", "Бухгалтер").await;
    let http = reqwest::Client::new();
    let base = portal.url().to_string().trim_end_matches('/').to_owned();
    let all: Vec<Service> = http
        .get(format!("{base}/v1/services"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let licence = all.iter().find(|s| s.code == "license-alcohol").unwrap();
    let keys: Vec<&str> = licence.form.iter().map(|f| f.key.as_str()).collect();
    assert_eq!(keys, ["address", "area", "term"]);
    assert!(licence.form.iter().all(|f| f.required));

    let create = |body: serde_json::Value, key: &str| {
        http.post(format!("{base}/v1/orgs/{org}/applications"))
            .bearer_auth(&token)
            .header("Idempotency-Key", key)
            .json(&body)
            .send()
    };
    use serde_json::json;
    let licence = |fields: serde_json::Value| json!({"service_code": "license-alcohol", "title": "Лицензия", "fields": fields});
    let extract = |fields: serde_json::Value| json!({"service_code": "egrul-extract", "title": "Выписка", "fields": fields});
    let refusals = [
        (
            licence(json!({"address": "Тверская, 7", "area": "86"})),
            "form.required",
            "fields.term",
        ),
        (
            licence(json!({"address": "Тверская, 7", "area": "много", "term": "5 лет"})),
            "form.not_a_number",
            "fields.area",
        ),
        (
            licence(json!({"address": "Тверская, 7", "area": "86", "term": "7 лет"})),
            "form.not_an_option",
            "fields.term",
        ),
        (
            extract(json!({"subject_inn": "7707083894"})),
            "inn.checksum",
            "fields.subject_inn",
        ),
        (
            extract(json!({"colour": "red"})),
            "form.unknown_field",
            "fields.colour",
        ),
    ];
    for (i, (body, code, field)) in refusals.into_iter().enumerate() {
        let r = create(body, &format!("refused-{i}")).await.unwrap();
        assert_eq!(r.status(), 422, "{code}");
        let p: cabinet_api::Problem = r.json().await.unwrap();
        assert_eq!((p.code.as_str(), p.field.as_deref()), (code, Some(field)));
    }
    let before = portal.admin().applications(&org).await.unwrap().len();

    let r = create(
        licence(serde_json::json!({"address": " Тверская, 7 ", "area": "1 200", "term": "5 лет"})),
        "k6",
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 201);
    let app: cabinet_api::Application = r.json().await.unwrap();
    assert_eq!(app.fields["address"], "Тверская, 7");
    assert_eq!(app.fields["area"], "1200");
    let held = portal.admin().applications(&org).await.unwrap();
    assert_eq!(held.len(), before + 1, "only the filled form was kept");
    let page: cabinet_api::ChangePage = http
        .get(format!("{base}/v1/orgs/{org}/changes?limit=1000"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let fed = page
        .changes
        .iter()
        .rev()
        .find(|c| c.entity == "application" && c.id == app.id)
        .unwrap()
        .data_as::<cabinet_api::Application>()
        .unwrap()
        .unwrap();
    assert_eq!(fed.fields, app.fields);
    portal.stop().await;
}
