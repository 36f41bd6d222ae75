//! The cabinet's other sections offline: requirements, charges, payments,
//! notifications, history, roles and the audit log sync into the cache and
//! list, filter, search and sort there; a requirement accepted and answered,
//! a charge paid, a comment and a read notification made offline reach
//! the portal exactly once after reconnect, also when a reply is lost; the
//! role's permissions are checked before anything is queued.

mod support;

use cabinet_api::{
    AuditEntry, Charge, ChargeStatus, Comment, Employee, NewComment, Notification, Payment,
    PaymentMethod, Permission, Requirement, RequirementReply, RequirementStatus, Role, StatusEvent,
};
use cabinet_core::records::{RecordQuery, RecordSort};
use cabinet_core::secrets::{Keychain, KeychainBackend};
use cabinet_core::Cabinet;
use support::proxy::{FaultProxy, DOWN, LOSE_NEXT_WRITE_REPLY, PASS};

fn all() -> RecordQuery {
    RecordQuery::default()
}

#[tokio::test(flavor = "multi_thread")]
async fn records_sync_list_and_offline_actions_reach_the_portal_once() {
    let dir = tempfile::tempdir().unwrap();
    let portal = support::demo_portal(dir.path()).await;
    let proxy = FaultProxy::start(portal.addr(), 11).await;
    let cab = support::accountant(
        &proxy.url,
        &dir.path().join("app"),
        support::quick_retries(2, 20),
    )
    .await;
    let org = support::romashka(&cab).await;
    // A requirement and a charge issued before the first sync.
    let extra = portal.admin().issue_requirement(&org, None).await.unwrap();
    let charge = portal.admin().issue_charge(&org).await.unwrap();
    cab.sync(&org).await.unwrap();

    // Everything the portal holds is in the cache, as the portal holds it.
    let reqs = cab.records::<Requirement>(&org, &all()).await.unwrap();
    assert_eq!(reqs.total, 3);
    let mut held: Vec<Requirement> = portal.admin().records(&org).await.unwrap();
    let mut cached: Vec<Requirement> = reqs.items.into_iter().map(|v| v.record).collect();
    held.sort_by(|a, b| a.id.cmp(&b.id));
    cached.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(cached, held);
    assert_eq!(cab.records::<Charge>(&org, &all()).await.unwrap().total, 4);
    assert_eq!(cab.records::<Payment>(&org, &all()).await.unwrap().total, 1);
    assert_eq!(cab.records::<Role>(&org, &all()).await.unwrap().total, 6);
    assert!(cab.records::<Employee>(&org, &all()).await.unwrap().total >= 4);
    // The audit log is not a Бухгалтер's to see: the portal never sends it.
    let audit = cab.records::<AuditEntry>(&org, &all()).await.unwrap();
    assert_eq!(audit.total, 0);
    let perms = cab.permissions(&org).await.unwrap();
    assert!(perms.contains(&Permission::PaymentsPay));
    assert!(!perms.contains(&Permission::EmployeesManage));

    // Lists: filters, sort, search (Russian: case, ё, prefixes), paging.
    let q = |f: fn(&mut RecordQuery)| {
        let mut q = all();
        f(&mut q);
        q
    };
    let unpaid = cab
        .records::<Charge>(&org, &q(|q| q.status = vec!["unpaid".into()]))
        .await
        .unwrap();
    assert_eq!(unpaid.total, 3);
    let by_due = cab
        .records::<Charge>(&org, &q(|q| q.sort = RecordSort::Due))
        .await
        .unwrap();
    let dues: Vec<_> = by_due
        .items
        .iter()
        .map(|c| c.record.due_date.clone())
        .collect();
    assert!(dues.windows(2).all(|w| w[0] <= w[1]), "{dues:?}");
    for text in ["пояснен", "ПОЯСНЕНИЙ", "камеральн провер"] {
        let hits = cab
            .records::<Requirement>(&org, &q(|q| q.text = Some(String::new())))
            .await
            .unwrap();
        assert_eq!(hits.total, 3, "an empty text filters nothing");
        let mut query = all();
        query.text = Some(text.into());
        let hits = cab.records::<Requirement>(&org, &query).await.unwrap();
        assert!(
            hits.items.iter().any(|h| h.record.id == extra.id),
            "{text}: {:?}",
            hits.items
        );
    }
    let mut query = all();
    query.text = Some("штраф".into());
    let fines = cab.records::<Charge>(&org, &query).await.unwrap();
    assert_eq!(
        fines.total as usize,
        portal
            .admin()
            .records::<Charge>(&org)
            .await
            .unwrap()
            .iter()
            .filter(|c| c.title.starts_with("Штраф"))
            .count()
    );
    let page = cab
        .records::<Notification>(
            &org,
            &q(|q| {
                q.limit = 2;
                q.offset = 1;
            }),
        )
        .await
        .unwrap();
    assert_eq!(page.items.len(), 2);
    assert!(page.total > 3);
    let newest = cab.records::<Notification>(&org, &all()).await.unwrap();
    let at: Vec<_> = newest
        .items
        .iter()
        .map(|n| n.record.created_at.clone())
        .collect();
    assert!(at.windows(2).all(|w| w[0] >= w[1]), "newest first");
    let app = cab.applications(&org).await.unwrap()[0].clone();
    let history = cab
        .records::<StatusEvent>(&org, &{
            let mut q = all();
            q.parent = Some(app.id.clone());
            q
        })
        .await
        .unwrap();
    assert_eq!(history.total, 1);
    assert_eq!(history.items[0].record.status, app.status);

    // Offline: accept and answer a requirement, pay a charge, comment,
    // read a notification. Bad input and forbidden actions never queue.
    proxy.set(DOWN);
    let doc = cab.documents(&org, 10_000).await.unwrap().items[0]
        .document
        .id
        .clone();
    cab.accept_requirement(&org, &extra.id).await.unwrap();
    assert_eq!(
        cab.accept_requirement(&org, &extra.id)
            .await
            .unwrap_err()
            .code(),
        "input.requirement",
        "accepted twice"
    );
    let reply = |text: &str, docs: Vec<String>| RequirementReply {
        text: text.into(),
        document_ids: docs,
    };
    assert_eq!(
        cab.answer_requirement(&org, &extra.id, reply("  ", vec![]))
            .await
            .unwrap_err()
            .code(),
        "input.text"
    );
    assert_eq!(
        cab.answer_requirement(&org, &extra.id, reply("Ответ", vec!["nope".into()]))
            .await
            .unwrap_err()
            .code(),
        "input.document_ids"
    );
    cab.answer_requirement(
        &org,
        &extra.id,
        reply("Пояснения прилагаем", vec![doc.clone()]),
    )
    .await
    .unwrap();
    cab.pay_charge(&org, &charge.id, PaymentMethod::Sbp)
        .await
        .unwrap();
    assert_eq!(
        cab.pay_charge(&org, &charge.id, PaymentMethod::Card)
            .await
            .unwrap_err()
            .code(),
        "input.charge",
        "paid twice"
    );
    cab.comment(
        &org,
        &app.id,
        NewComment {
            text: "Уточните срок".into(),
            reply_to: None,
        },
    )
    .await
    .unwrap();
    let unread = newest.items.iter().find(|n| !n.record.read).unwrap();
    cab.mark_read(&org, &unread.record.id).await.unwrap();
    let shown = cab.records::<Requirement>(&org, &all()).await.unwrap();
    let pending = &shown
        .items
        .iter()
        .find(|r| r.record.id == extra.id)
        .unwrap()
        .pending;
    assert_eq!(pending, &["accept_requirement", "answer_requirement"]);
    let outbox = cab.outbox(&org).await.unwrap();
    assert_eq!(outbox.len(), 5);
    assert!(outbox.iter().any(|o| o.summary == "Уточните срок"));
    let report = cab.sync(&org).await.unwrap();
    assert_eq!((report.online, report.pending), (false, 5));

    // Back online; the reply to the first write is lost after the portal
    // committed it: the retry is answered from the portal's record.
    proxy.set(LOSE_NEXT_WRITE_REPLY);
    let _ = cab.sync(&org).await;
    proxy.set(PASS);
    let report = cab.sync(&org).await.unwrap();
    assert_eq!((report.pending, report.failed), (0, 0));
    assert!(cab.outbox(&org).await.unwrap().is_empty());

    let held: Vec<Requirement> = portal.admin().records(&org).await.unwrap();
    let r = held.iter().find(|r| r.id == extra.id).unwrap();
    assert_eq!((r.status, r.version), (RequirementStatus::Answered, 3));
    let answer = r.answer.as_ref().unwrap();
    assert_eq!(answer.document_ids, [doc]);
    assert_eq!(answer.answered_by, "Петрова Анна Викторовна");
    let payments: Vec<Payment> = portal.admin().records(&org).await.unwrap();
    let paid: Vec<_> = payments
        .iter()
        .filter(|p| p.charge_id.as_deref() == Some(charge.id.as_str()))
        .collect();
    assert_eq!(paid.len(), 1, "paid exactly once");
    assert_eq!(paid[0].method, PaymentMethod::Sbp);
    let comments: Vec<Comment> = portal.admin().records(&org).await.unwrap();
    assert_eq!(comments.len(), 1);
    let notes: Vec<Notification> = portal.admin().records(&org).await.unwrap();
    assert!(
        notes
            .iter()
            .find(|n| n.id == unread.record.id)
            .unwrap()
            .read
    );

    // The cache holds the portal's state: the charge paid, its receipt a
    // document, the requirement answered, the comment on the application.
    let c: Vec<_> = cab.records::<Charge>(&org, &all()).await.unwrap().items;
    let c = c.iter().find(|c| c.record.id == charge.id).unwrap();
    assert_eq!(c.record.status, ChargeStatus::Paid);
    assert!(c.pending.is_empty());
    let docs = cab.documents(&org, 10_000).await.unwrap().items;
    assert!(docs
        .iter()
        .any(|d| d.document.id == paid[0].receipt_document_id));
    let mut q = all();
    q.parent = Some(app.id.clone());
    let on_app = cab.records::<Comment>(&org, &q).await.unwrap();
    assert_eq!(on_app.total, 1);
    let mut q = all();
    q.status = vec!["answered".into()];
    assert_eq!(cab.records::<Requirement>(&org, &q).await.unwrap().total, 1);
    let mut q = all();
    q.unread = true;
    let unread_now = cab.records::<Notification>(&org, &q).await.unwrap();
    assert!(unread_now
        .items
        .iter()
        .all(|n| n.record.id != unread.record.id));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_observer_is_refused_before_anything_is_queued() {
    let dir = tempfile::tempdir().unwrap();
    let portal = support::demo_portal(dir.path()).await;
    let admin = portal.admin();
    let user = admin
        .create_user(cabinet_portal::NewUser {
            email: "watch@example.ru".into(),
            full_name: "Смотров Пётр".into(),
            password: "Watch-pass-1".into(),
            inn: None,
            snils: None,
            ogrnip: None,
            phone: "+79990000011".into(),
            mfa: cabinet_portal::MfaMode::None,
        })
        .await
        .unwrap();
    let romashka = cabinet_api::requisites::complete_inn10("770412345").unwrap();
    let org = admin.org_id_by_inn(&romashka).await.unwrap();
    admin.add_member(&org, &user, "Наблюдатель").await.unwrap();
    let cab = Cabinet::new(
        portal.url().parse().unwrap(),
        &dir.path().join("app"),
        Keychain::new(KeychainBackend::Keyutils),
    )
    .unwrap();
    cab.login_password("watch@example.ru", "Watch-pass-1")
        .await
        .unwrap();
    cab.sync(&org).await.unwrap();
    assert!(cab.permissions(&org).await.unwrap().is_empty());
    let req = &cab
        .records::<Requirement>(&org, &all())
        .await
        .unwrap()
        .items[0];
    let charge = &cab.records::<Charge>(&org, &all()).await.unwrap().items[0];
    for err in [
        cab.accept_requirement(&org, &req.record.id).await,
        cab.pay_charge(&org, &charge.record.id, PaymentMethod::Card)
            .await,
    ] {
        assert_eq!(err.unwrap_err().code(), "org.permission_denied");
    }
    assert!(cab.outbox(&org).await.unwrap().is_empty());
}

/// What the desktop announces after a sync: only notifications that came
/// with it, each once; the ones already there at the first sync are not news.
#[tokio::test(flavor = "multi_thread")]
async fn fresh_notifications_are_announced_once() {
    let dir = tempfile::tempdir().unwrap();
    let portal = support::demo_portal(dir.path()).await;
    let cab = support::accountant(
        &portal.url().to_string(),
        &dir.path().join("app"),
        support::quick_retries(2, 20),
    )
    .await;
    let org = support::romashka(&cab).await;
    cab.sync(&org).await.unwrap();
    let before = cab
        .records::<cabinet_api::Notification>(&org, &RecordQuery::default())
        .await
        .unwrap()
        .items
        .len();
    assert!(before > 0, "the demo has notifications");
    assert!(cab.fresh_notifications(&org).await.unwrap().is_empty());

    let mut moved = Vec::new();
    while moved.is_empty() {
        moved = portal.admin().gov_step(&org, 3).await.unwrap();
    }
    cab.sync(&org).await.unwrap();
    let fresh = cab.fresh_notifications(&org).await.unwrap();
    let titles: Vec<&str> = fresh.iter().map(|n| n.title.as_str()).collect();
    for app in &moved {
        let number = app.number.as_deref().unwrap_or("—");
        assert!(
            titles
                .iter()
                .any(|t| t.starts_with(&format!("Заявление № {number}:"))),
            "{number} in {titles:?}"
        );
    }
    assert!(fresh.iter().all(|n| !n.read));
    assert!(
        cab.fresh_notifications(&org).await.unwrap().is_empty(),
        "once"
    );
    cab.sync(&org).await.unwrap();
    assert!(cab.fresh_notifications(&org).await.unwrap().is_empty());

    // Status changes off the desktop (kept, so it holds offline too):
    // the next ones are not announced, a requirement still is.
    let mut settings = cab.notification_settings().await.unwrap();
    for item in &mut settings.items {
        if item.kind == cabinet_api::NotificationKind::Status {
            item.desktop = false;
        }
    }
    let saved = cab.save_notification_settings(&settings).await.unwrap();
    assert_eq!(saved, settings);
    let mut moved = Vec::new();
    while moved.is_empty() {
        moved = portal.admin().gov_step(&org, 3).await.unwrap();
    }
    portal.admin().issue_requirement(&org, None).await.unwrap();
    cab.sync(&org).await.unwrap();
    let kinds: Vec<_> = cab
        .fresh_notifications(&org)
        .await
        .unwrap()
        .iter()
        .map(|n| n.kind)
        .collect();
    // (A step may bring requirements and charges of its own.)
    assert!(
        !kinds.contains(&cabinet_api::NotificationKind::Status),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&cabinet_api::NotificationKind::Requirement),
        "{kinds:?}"
    );
}
