//! Support offline: a ticket with files written without network waits in
//! the outbox (checked first, as the portal will), reaches the portal once
//! after reconnect even when the reply is lost, comes back with its number,
//! and support's answer arrives by sync; the FAQ stays readable offline.

mod support;

use cabinet_api::{Ticket, TicketStatus, TicketTopic};
use support::proxy::{FaultProxy, DOWN, LOSE_NEXT_WRITE_REPLY, PASS};

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02";

#[tokio::test(flavor = "multi_thread")]
async fn a_ticket_written_offline_reaches_support_once_and_its_answer_comes_back() {
    let dir = tempfile::tempdir().unwrap();
    let portal = support::demo_portal(dir.path()).await;
    let proxy = FaultProxy::start(portal.addr(), 5).await;
    let cab = support::accountant(
        &proxy.url,
        &dir.path().join("app"),
        support::quick_retries(2, 20),
    )
    .await;
    let org = support::romashka(&cab).await;
    cab.sync(&org).await.unwrap();
    let faq = cab.faq().await.unwrap();
    assert!(faq.online && !faq.items.is_empty());

    proxy.set(DOWN);
    // Refused here, before anything is kept: a program named .png.
    let exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff".to_vec();
    let e = cab
        .file_ticket(
            &org,
            TicketTopic::Other,
            "Вопрос",
            vec![("скрин.png".into(), exe)],
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), "file.type_not_allowed");
    let e = cab
        .file_ticket(&org, TicketTopic::Other, "  ", Vec::new())
        .await
        .unwrap_err();
    assert_eq!(e.code(), "input.message");
    assert!(cab.outbox(&org).await.unwrap().is_empty());

    let message = "Не проходит оплата начисления по СБП, прикладываю квитанцию и снимок экрана.";
    let action = cab
        .file_ticket(
            &org,
            TicketTopic::Payments,
            message,
            vec![
                (" квитанция.pdf ".into(), PDF.to_vec()),
                ("экран.png".into(), PNG.to_vec()),
            ],
        )
        .await
        .unwrap();
    let view = cab.support(&org).await.unwrap();
    assert!(view.tickets.is_empty());
    assert_eq!(view.queued.len(), 1);
    let queued = &view.queued[0];
    assert_eq!(
        (queued.id.as_str(), queued.message.as_str()),
        (action.as_str(), message)
    );
    let names: Vec<_> = queued.files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["квитанция.pdf", "экран.png"]);
    let outbox = cab.outbox(&org).await.unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(
        outbox[0].kind,
        cabinet_core::sync::OutboxKind::SupportTicket
    );
    // Offline, the FAQ is the copy kept.
    let kept = cab.faq().await.unwrap();
    assert!(!kept.online);
    assert_eq!(kept.items, faq.items);

    // Back online; the portal registers the ticket but the reply is lost.
    proxy.set(LOSE_NEXT_WRITE_REPLY);
    let _ = cab.sync(&org).await;
    assert_eq!(proxy.mode(), PASS, "the portal's reply was lost");
    proxy.set(PASS);
    let report = cab.sync(&org).await.unwrap();
    assert_eq!((report.pending, report.failed), (0, 0));

    let held: Vec<Ticket> = portal.admin().records(&org).await.unwrap();
    assert_eq!(held.len(), 1, "registered exactly once");
    let t = &held[0];
    assert_eq!(
        (t.topic, t.message.as_str()),
        (TicketTopic::Payments, message)
    );
    assert_eq!(
        portal.admin().content(&t.files[0].sha256).await.unwrap(),
        PDF
    );
    let view = cab.support(&org).await.unwrap();
    assert!(view.queued.is_empty());
    assert_eq!(view.tickets, held, "the number is here too");
    assert!(view.tickets[0].number.starts_with("ТП-"));

    portal
        .admin()
        .answer_ticket(&org, &t.id, "Платёж зачтён, квитанция в документах.")
        .await
        .unwrap();
    cab.sync(&org).await.unwrap();
    let answered = cab.support(&org).await.unwrap().tickets.remove(0);
    assert_eq!(answered.status, TicketStatus::Answered);
    assert_eq!(
        answered.answer.as_deref(),
        Some("Платёж зачтён, квитанция в документах.")
    );
}
