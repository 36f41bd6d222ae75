//! A change of the bank account asked for offline: checked here first,
//! queued, one at a time; delivered at the next sync (once, even when the
//! reply is lost); in the profile only after the operator approves.

mod support;

use cabinet_api::{BankDetails, NewProfileChange, ProfileChange, ProfileChangeStatus};
use cabinet_core::records::RecordQuery;
use support::proxy::{FaultProxy, DOWN, LOSE_NEXT_WRITE_REPLY, PASS};

fn sber(account_tail: &str) -> BankDetails {
    let bik = "044525225";
    let account = (0..10)
        .map(|k| format!("40702810{k}{account_tail}"))
        .find(|a| cabinet_api::requisites::validate_settlement_account(a, bik).is_ok())
        .unwrap();
    BankDetails {
        bank_name: "ПАО Сбербанк".into(),
        bik: bik.into(),
        account,
        corr_account: "30101810400000000225".into(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bank_change_asked_offline_reaches_the_operator_once() {
    let dir = tempfile::tempdir().unwrap();
    let portal = support::demo_portal(dir.path()).await;
    let proxy = FaultProxy::start(portal.addr(), 3).await;
    let cab = support::accountant(
        &proxy.url,
        &dir.path().join("app"),
        support::quick_retries(2, 20),
    )
    .await;
    let org = support::romashka(&cab).await;
    cab.sync(&org).await.unwrap();
    let before = cab.open_organization(&org).await.unwrap().profile;
    assert!(before.bank.is_some(), "the demo has an account at Сбербанк");

    proxy.set(DOWN);
    let mut bad = sber("38000077777");
    bad.account
        .replace_range(19..20, if bad.account.ends_with('0') { "1" } else { "0" });
    let e = cab
        .request_profile_change(
            &org,
            NewProfileChange {
                bank: Some(bad),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), "account.checksum");
    let good = sber("38000077777");
    cab.request_profile_change(
        &org,
        NewProfileChange {
            bank: Some(good.clone()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let e = cab
        .request_profile_change(
            &org,
            NewProfileChange {
                head_name: Some("Сидоров Пётр Ильич".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), "profile.change_pending");
    assert_eq!(cab.outbox(&org).await.unwrap().len(), 1);

    // Back online, and the portal's reply to it is lost.
    proxy.set(LOSE_NEXT_WRITE_REPLY);
    let _ = cab.sync(&org).await;
    assert_eq!(proxy.mode(), PASS, "the reply was lost");
    let r = cab.sync(&org).await.unwrap();
    assert_eq!((r.pending, r.failed), (0, 0));
    let held: Vec<ProfileChange> = portal.admin().records(&org).await.unwrap();
    assert_eq!(held.len(), 1);
    let cached = cab
        .records::<ProfileChange>(&org, &RecordQuery::default())
        .await
        .unwrap();
    assert_eq!(cached.items[0].record.status, ProfileChangeStatus::Pending);
    // Still one at a time while the operator decides.
    assert_eq!(
        cab.request_profile_change(
            &org,
            NewProfileChange {
                head_position: Some("Директор".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err()
        .code(),
        "profile.change_pending"
    );
    assert_eq!(
        cab.open_organization(&org).await.unwrap().profile.bank,
        before.bank
    );

    portal
        .admin()
        .decide_profile_change(&org, true, None)
        .await
        .unwrap();
    cab.sync(&org).await.unwrap();
    let after = cab.open_organization(&org).await.unwrap().profile;
    assert_eq!(after.bank, Some(good));
    assert_eq!(after.version, before.version + 1);
    let cached = cab
        .records::<ProfileChange>(&org, &RecordQuery::default())
        .await
        .unwrap();
    assert_eq!(cached.items[0].record.status, ProfileChangeStatus::Approved);
}
