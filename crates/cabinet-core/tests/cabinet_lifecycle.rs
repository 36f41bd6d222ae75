//! A cabinet's access through the core, against the demo portal: the
//! suspended demo cabinet is listed with its reason, syncs, and keeps a
//! draft made in it as a failed action with that reason (not lost); the
//! director links a cabinet by INN and the code from the organization's
//! phone, asks to unblock a blocked one with a document, and deactivates
//! another with the password and a code.

mod support;

use cabinet_api::{AccessState, UnblockStatus};
use cabinet_core::Cabinet;
use cabinet_portal::{DIRECTOR_LOGIN, DIRECTOR_PASSWORD};

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";

async fn org_named(cab: &Cabinet, name: &str) -> Option<cabinet_api::OrganizationSummary> {
    cab.organizations()
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|o| o.short_name.contains(name))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_suspended_cabinet_reads_and_keeps_what_it_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let portal = support::demo_portal(dir.path()).await;
    let cab = support::accountant(
        &portal.url(),
        &dir.path().join("app"),
        support::quick_retries(2, 20),
    )
    .await;
    let meridian = org_named(&cab, "Меридиан").await.unwrap();
    let access = meridian.access.clone().expect("the demo suspends it");
    assert_eq!(access.state, AccessState::Suspended);
    assert!(access.reason.contains("руководителе"), "{}", access.reason);
    // The kept list says so offline too.
    portal.stop().await;
    let kept = org_named(&cab, "Меридиан").await.unwrap();
    assert_eq!(kept.access, meridian.access);

    let portal = support::demo_portal(dir.path()).await;
    let cab = support::accountant(
        &portal.url(),
        &dir.path().join("app2"),
        support::quick_retries(2, 20),
    )
    .await;
    let meridian = org_named(&cab, "Меридиан").await.unwrap();
    let report = cab.sync(&meridian.id).await.unwrap();
    assert!(report.online, "a suspended cabinet reads");
    cab.create_application(&meridian.id, "egrul-extract", "Выписка", Default::default())
        .await
        .unwrap();
    let report = cab.sync(&meridian.id).await.unwrap();
    assert_eq!((report.failed, report.pending), (1, 0));
    let outbox = cab.outbox(&meridian.id).await.unwrap();
    assert_eq!(outbox.len(), 1, "kept for the user to retry or discard");
    assert_eq!(
        outbox[0].error_code.map(|c| c.as_str()),
        Some("org.suspended")
    );
    assert!(outbox[0]
        .error
        .as_deref()
        .is_some_and(|e| e.contains("руководителе")));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_director_links_unblocks_and_deactivates() {
    let dir = tempfile::tempdir().unwrap();
    let portal = support::demo_portal(dir.path()).await;
    let cab = support::accountant(
        &portal.url(),
        &dir.path().join("app"),
        support::quick_retries(2, 20),
    )
    .await;
    cab.logout(false, false).await.unwrap();
    support::log_in(&cab, DIRECTOR_LOGIN, DIRECTOR_PASSWORD).await;
    assert!(org_named(&cab, "Кузнецова").await.is_none());

    // Linking: the INN of ИП Кузнецова, the code from its phone.
    let kuznetsova: cabinet_api::OrganizationSummary = {
        let id = portal
            .admin()
            .org_id_by_inn(&cabinet_api::requisites::complete_inn12("3662123456").unwrap())
            .await
            .unwrap();
        let inn = cabinet_api::requisites::complete_inn12("3662123456").unwrap();
        assert_eq!(
            cab.link_organization("3662123457")
                .await
                .unwrap_err()
                .code(),
            "inn.checksum"
        );
        let sent = cab.link_organization(&inn).await.unwrap();
        let sms = cab.demo_sms(&sent.ticket).await.unwrap();
        assert!(sent.phone.ends_with(&sms.phone[sms.phone.len() - 2..]));
        let e = cab.confirm_link(&sent.ticket, "12345").await.unwrap_err();
        assert_eq!(e.code(), "input.code");
        let joined = cab.confirm_link(&sent.ticket, &sms.code).await.unwrap();
        assert_eq!(
            (joined.id.as_str(), joined.role.as_str()),
            (id.as_str(), "Наблюдатель")
        );
        joined
    };
    assert_eq!(org_named(&cab, "Кузнецова").await, Some(kuznetsova));

    // A blocked cabinet: sync is refused with the reason; an unblock
    // request with the decision goes; approved, it opens.
    let romashka = support::romashka(&cab).await;
    portal
        .admin()
        .set_access(
            &romashka,
            Some((AccessState::Blocked, "Подозрительные входы.")),
        )
        .await
        .unwrap();
    let e = cab.sync(&romashka).await.unwrap_err();
    assert_eq!(e.code(), "org.blocked");
    let e = cab
        .request_unblock(
            &romashka,
            "Входы наши.",
            vec![("скан.pdf".into(), b"MZ\x90\x00".to_vec())],
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), "file.type_not_allowed");
    let asked = cab
        .request_unblock(
            &romashka,
            "Входы были наши: новый офис.",
            vec![("Решение.pdf".into(), PDF.to_vec())],
        )
        .await
        .unwrap();
    assert_eq!(asked.status, UnblockStatus::Pending);
    let listed = org_named(&cab, "Ромашка").await.unwrap().access.unwrap();
    assert_eq!(listed.unblock, Some(asked));
    portal
        .admin()
        .decide_unblock(&romashka, true, None)
        .await
        .unwrap();
    assert!(org_named(&cab, "Ромашка").await.unwrap().access.is_none());
    assert!(cab.sync(&romashka).await.unwrap().online);

    // Deactivation of ООО «Вектор»: the password, then the code.
    let vector = org_named(&cab, "Вектор").await.unwrap();
    let e = cab
        .start_deactivation(&vector.id, "не тот")
        .await
        .unwrap_err();
    assert_eq!(e.code(), "auth.wrong_password");
    let sent = cab
        .start_deactivation(&vector.id, DIRECTOR_PASSWORD)
        .await
        .unwrap();
    let code = cab.demo_sms(&sent.ticket).await.unwrap().code;
    cab.confirm_deactivation(&vector.id, &sent.ticket, &code)
        .await
        .unwrap();
    assert!(org_named(&cab, "Вектор").await.is_none());
    assert_eq!(
        cab.sync(&vector.id).await.unwrap_err().code(),
        "org.forbidden"
    );
}
