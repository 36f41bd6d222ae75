//! A profile edit made offline meets an edit another user made online: the
//! sync keeps both versions for the user to choose, and both choices reach
//! the right end state on the portal, once.

mod support;

use std::sync::atomic::Ordering;

use cabinet_api::ProfileEdit;
use cabinet_core::sync::Resolution;
use cabinet_core::Cabinet;
use support::proxy::{FaultProxy, DOWN, PASS};

async fn logged_in(url: &str, data: &std::path::Path) -> Cabinet {
    support::accountant(url, data, support::quick_retries(2, 20)).await
}

fn phone(p: &str) -> ProfileEdit {
    ProfileEdit {
        phone: Some(p.into()),
        ..ProfileEdit::default()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_offline_profile_edit_meeting_an_online_one_keeps_both_for_the_user() {
    let dir = tempfile::tempdir().unwrap();
    let portal = support::demo_portal(dir.path()).await;
    let proxy = FaultProxy::start(portal.addr(), 7).await;
    let mode = proxy.mode.clone();
    let cab = logged_in(&proxy.url, &dir.path().join("app")).await;
    let other = logged_in(&portal.url(), &dir.path().join("other")).await;
    let org = support::romashka(&cab).await;
    cab.sync(&org).await.unwrap();
    other.sync(&org).await.unwrap();
    let base = cab.open_organization(&org).await.unwrap().profile;

    // Bad input is refused here, before it is queued.
    for (edit, code) in [
        (phone("12"), "input.phone"),
        (
            ProfileEdit {
                email: Some("нет".into()),
                ..ProfileEdit::default()
            },
            "input.email",
        ),
        (ProfileEdit::default(), "input.profile"),
    ] {
        assert_eq!(cab.edit_profile(&org, edit).await.unwrap_err().code(), code);
    }
    assert!(cab.outbox(&org).await.unwrap().is_empty());

    // Offline, this user changes the phone and e-mail; it shows at once.
    mode.store(DOWN, Ordering::SeqCst);
    let shown = cab
        .edit_profile(
            &org,
            ProfileEdit {
                phone: Some("8 495 111 22 33".into()),
                email: Some("office@romashka.ru".into()),
                legal_address: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(shown.phone, "+7 495 111-22-33");
    let offline = cab.open_organization(&org).await.unwrap();
    assert!(!offline.online);
    assert_eq!(offline.profile.email, "office@romashka.ru");

    // Meanwhile a colleague changes the phone online.
    other
        .edit_profile(&org, phone("+7 495 999-88-77"))
        .await
        .unwrap();
    assert_eq!(other.sync(&org).await.unwrap().pushed, 1);

    // Back online: the portal refuses the stale edit; both versions stay.
    mode.store(PASS, Ordering::SeqCst);
    let r = cab.sync(&org).await.unwrap();
    assert_eq!((r.conflicts, r.pushed, r.failed), (1, 0, 0), "{r:?}");
    let conflicts = cab.conflicts(&org).await.unwrap();
    assert_eq!(conflicts.len(), 1);
    let c = &conflicts[0];
    assert_eq!(
        (c.entity.as_str(), c.base_version),
        ("profile", base.version)
    );
    assert_eq!(c.mine["phone"], "+7 495 111-22-33");
    assert_eq!(c.mine["email"], "office@romashka.ru");
    assert_eq!(c.theirs["phone"], "+7 495 999-88-77");
    assert_eq!(c.theirs["version"], base.version + 1);
    let outbox = cab.outbox(&org).await.unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(
        (outbox[0].state, outbox[0].error_code.map(|c| c.as_str())),
        (
            cabinet_core::sync::OutboxState::Failed,
            Some("conflict.version")
        )
    );
    // Until the user chooses, their own edit is what they see.
    assert_eq!(
        cab.open_organization(&org).await.unwrap().profile.phone,
        "+7 495 111-22-33"
    );

    // "Оставить мою версию": sent again over the portal's version.
    cab.resolve_conflict(&c.action_id, Resolution::KeepMine)
        .await
        .unwrap();
    let r = cab.sync(&org).await.unwrap();
    assert_eq!((r.pushed, r.conflicts, r.pending), (1, 0, 0), "{r:?}");
    assert!(cab.conflicts(&org).await.unwrap().is_empty());
    let on_portal = other.open_organization(&org).await.unwrap().profile;
    assert_eq!(on_portal.phone, "+7 495 111-22-33");
    assert_eq!(on_portal.email, "office@romashka.ru");
    assert_eq!(on_portal.version, base.version + 2, "applied once");

    // Second round: "Принять версию портала" drops the local edit.
    mode.store(DOWN, Ordering::SeqCst);
    cab.edit_profile(&org, phone("+7 495 000-00-01"))
        .await
        .unwrap();
    other
        .edit_profile(&org, phone("+7 495 000-00-02"))
        .await
        .unwrap();
    other.sync(&org).await.unwrap();
    mode.store(PASS, Ordering::SeqCst);
    assert_eq!(cab.sync(&org).await.unwrap().conflicts, 1);
    let c = cab.conflicts(&org).await.unwrap().remove(0);
    cab.resolve_conflict(&c.action_id, Resolution::TakeTheirs)
        .await
        .unwrap();
    assert!(cab.outbox(&org).await.unwrap().is_empty());
    assert!(cab.conflicts(&org).await.unwrap().is_empty());
    let r = cab.sync(&org).await.unwrap();
    assert_eq!((r.pushed, r.pending), (0, 0));
    let seen = cab.open_organization(&org).await.unwrap().profile;
    assert_eq!(seen.phone, "+7 495 000-00-02");
    assert_eq!(seen.version, base.version + 3);
    assert_eq!(
        other.open_organization(&org).await.unwrap().profile,
        seen,
        "the portal kept its version"
    );
    assert!(cab
        .resolve_conflict(&c.action_id, Resolution::KeepMine)
        .await
        .is_err());
}
