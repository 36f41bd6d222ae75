//! Text others will read cannot hide or disguise itself: a title with a
//! right-to-left override, a name with NUL, a role name with an isolate, a
//! comment with a terminal escape are refused, each naming its field; the
//! same text without them is taken.

mod support;

use cabinet_api::{Application, Problem};
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread")]
async fn control_and_bidi_characters_are_refused_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let portal = support::demo_portal(dir.path()).await;
    let org = support::romashka(&portal).await;
    let token = support::member_token(
        &portal,
        &org,
        "writer@example.ru",
        "Писателев Иван",
        "Руководитель",
    )
    .await;
    let http = reqwest::Client::new();
    let post = |path: &str, body: Value| {
        http.post(format!("{}/v1/orgs/{org}/{path}", portal.url()))
            .bearer_auth(&token)
            .header("Idempotency-Key", uuid::Uuid::new_v4().to_string())
            .json(&body)
            .send()
    };
    let refused = |field: &'static str| {
        move |p: Problem| {
            assert_eq!(p.status, 422);
            assert_eq!(p.code, "request.invalid_field");
            assert_eq!(p.field.as_deref(), Some(field), "{p:?}");
        }
    };

    let app = |title: &str| json!({"service_code": "egrul-extract", "title": title, "fields": {}});
    let r = post("applications", app("invoice\u{202e}gpj.exe"))
        .await
        .unwrap();
    refused("title")(r.json().await.unwrap());
    let r = post("applications", app("Выписка\u{0}")).await.unwrap();
    refused("title")(r.json().await.unwrap());
    let r = post("applications", app("Выписка из ЕГРЮЛ")).await.unwrap();
    assert_eq!(r.status(), 201);
    let created: Application = r.json().await.unwrap();

    let r = post(
        "employees",
        json!({"email": "n@example.ru", "full_name": "Нулев\u{0}Иван", "role": "Оператор"}),
    )
    .await
    .unwrap();
    refused("full_name")(r.json().await.unwrap());
    let r = post(
        "roles",
        json!({"name": "Касс\u{2066}ир", "permissions": ["applications.edit"]}),
    )
    .await
    .unwrap();
    refused("name")(r.json().await.unwrap());
    let r = post(
        &format!("applications/{}/comments", created.id),
        json!({"text": "смотрите \u{1b}[31mсюда"}),
    )
    .await
    .unwrap();
    refused("text")(r.json().await.unwrap());
    let r = post(
        &format!("applications/{}/comments", created.id),
        json!({"text": "смотрите\nсюда"}),
    )
    .await
    .unwrap();
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
}
