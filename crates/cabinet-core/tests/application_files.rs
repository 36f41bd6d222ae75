//! An application put together offline by the accountant and sent by the
//! director: files are checked by their content before anything is kept
//! (a renamed program, a PNG called .pdf and an 11 MB file are refused and
//! nothing is queued), the service's missing documents are named, files
//! reach the portal exactly once even when a reply is lost, the director
//! signs them all with one key and submits, and the portal gives the
//! control code of exactly the files sent.

mod support;

use cabinet_api::{Application, ApplicationStatus, Document};
use cabinet_core::certificates::open_pfx;
use cabinet_core::secrets::{Keychain, KeychainBackend};
use cabinet_core::Cabinet;
use support::proxy::{FaultProxy, DOWN, LOSE_NEXT_WRITE_REPLY, PASS};

fn pdf(text: &str) -> Vec<u8> {
    format!("%PDF-1.4\n% {text}\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n").into_bytes()
}

const JPEG: &[u8] = &[
    0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0, 0xFF, 0xD9,
];

#[tokio::test(flavor = "multi_thread")]
async fn accountant_prepares_offline_director_signs_and_submits() {
    let dir = tempfile::tempdir().unwrap();
    let portal = support::demo_portal(dir.path()).await;
    let proxy = FaultProxy::start(portal.addr(), 11).await;
    let acc = support::accountant(
        &proxy.url,
        &dir.path().join("accountant"),
        support::quick_retries(2, 20),
    )
    .await;
    let org = support::romashka(&acc).await;
    acc.sync(&org).await.unwrap();
    // The catalog is kept for offline use: it says what the licence needs.
    let services = acc.services().await.unwrap();
    let licence = services
        .items
        .iter()
        .find(|s| s.code == "license-alcohol")
        .unwrap();

    proxy.set(DOWN);
    // The service's form, checked offline against the kept catalog: a
    // missing required field is named before anything is queued.
    let form = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect::<std::collections::BTreeMap<_, _>>()
    };
    let e = acc
        .create_application(
            &org,
            &licence.code,
            "Лицензия на продажу алкоголя",
            form(&[("address", "г. Москва, ул. Тверская, д. 7"), ("area", "86")]),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), "form.required", "{e}");
    assert_eq!(e.field().as_deref(), Some("fields.term"));
    let e = acc
        .create_application(
            &org,
            &licence.code,
            "Лицензия на продажу алкоголя",
            form(&[
                ("address", "Тверская, 7"),
                ("area", "86 м²"),
                ("term", "5 лет"),
            ]),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), "form.not_a_number", "{e}");
    let filled = form(&[
        ("address", " г. Москва, ул. Тверская, д. 7 "),
        ("area", "86"),
        ("term", "5 лет"),
    ]);
    let draft = acc
        .create_application(&org, &licence.code, "Лицензия на продажу алкоголя", filled)
        .await
        .unwrap();
    assert_eq!(draft.fields["address"], "г. Москва, ул. Тверская, д. 7");
    let files = acc.draft_files(&org, &draft.id).await.unwrap();
    assert_eq!(
        files.missing,
        [
            "Устав организации",
            "Договор аренды или выписка на помещение",
            "Документ об уплате госпошлины"
        ]
    );

    // Refused by content, before anything is kept or queued.
    let exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00".to_vec();
    assert_eq!(
        refused(
            acc.attach_file(&org, &draft.id, "charter", "Устав.pdf", &exe)
                .await
        ),
        "file.type_not_allowed"
    );
    assert_eq!(
        refused(
            acc.attach_file(
                &org,
                &draft.id,
                "charter",
                "Устав.pdf",
                b"\x89PNG\r\n\x1a\n"
            )
            .await
        ),
        "file.type_mismatch"
    );
    let mut big = pdf("большой");
    big.resize(11 * 1024 * 1024, b' ');
    assert_eq!(
        refused(
            acc.attach_file(&org, &draft.id, "charter", "Устав.pdf", &big)
                .await
        ),
        "file.too_large"
    );
    assert_eq!(acc.outbox(&org).await.unwrap().len(), 1, "only the draft");

    let charter = pdf("Устав ООО Ромашка");
    let lease = pdf("Договор аренды помещения");
    acc.attach_file(&org, &draft.id, "charter", "Устав.pdf", &charter)
        .await
        .unwrap();
    // A wrong file attached by mistake, then taken off again.
    let wrong = acc
        .attach_file(
            &org,
            &draft.id,
            "premises",
            "Не тот договор.pdf",
            &pdf("не тот"),
        )
        .await
        .unwrap();
    let wrong_id = wrong.files[1].id.clone();
    assert!(wrong.files[1].pending);
    acc.detach_file(&org, &draft.id, &wrong_id).await.unwrap();
    let files = acc
        .attach_file(&org, &draft.id, "premises", "Договор аренды.pdf", &lease)
        .await
        .unwrap();
    assert_eq!(files.missing, ["Документ об уплате госпошлины"]);
    assert_eq!(
        refused(acc.submit_application(&draft.id).await),
        "application.missing_documents"
    );
    assert_eq!(
        refused(
            acc.attach_file(&org, &draft.id, "duty-receipt", "Устав копия.pdf", &charter)
                .await
        ),
        "file.duplicate"
    );
    let files = acc
        .attach_file(&org, &draft.id, "duty-receipt", "Квитанция.jpg", JPEG)
        .await
        .unwrap();
    assert!(files.missing.is_empty());
    assert_eq!(files.files.len(), 3);
    assert!(files.files.iter().all(|f| f.pending));
    // Not signed yet (and the director signs, not the accountant).
    assert_eq!(
        refused(acc.submit_application(&draft.id).await),
        "application.unsigned"
    );
    assert_eq!(acc.outbox(&org).await.unwrap().len(), 4);

    // Back online; the reply to the first upload is lost after the portal
    // stored it.
    proxy.set(LOSE_NEXT_WRITE_REPLY);
    let _ = acc.sync(&org).await;
    proxy.set(PASS);
    let report = acc.sync(&org).await.unwrap();
    assert_eq!((report.pending, report.failed), (0, 0), "{report:?}");
    let held: Vec<Application> = portal.admin().applications(&org).await.unwrap();
    let held: Vec<&Application> = held
        .iter()
        .filter(|a| a.title == "Лицензия на продажу алкоголя")
        .collect();
    assert_eq!(held.len(), 1, "one draft");
    assert_eq!(
        held[0].fields["term"], "5 лет",
        "the form reached the portal"
    );
    assert_eq!(held[0].fields["address"], "г. Москва, ул. Тверская, д. 7");
    let kinds: Vec<&str> = held[0]
        .attachments
        .iter()
        .map(|a| a.kind.as_str())
        .collect();
    assert_eq!(
        kinds,
        ["charter", "premises", "duty-receipt"],
        "each file once"
    );
    let docs: Vec<Document> = portal.admin().documents(&org).await.unwrap();
    for (a, content) in held[0]
        .attachments
        .iter()
        .zip([&charter, &lease, &JPEG.to_vec()])
    {
        let d = docs.iter().find(|d| d.id == a.document_id).unwrap();
        assert_eq!(d.sha256, cabinet_core::blobs::sha256_hex(content));
        assert_eq!(d.size as usize, content.len());
    }
    assert_eq!(
        docs.iter().filter(|d| d.name == "Устав.pdf").count(),
        1,
        "no second document from the replayed upload"
    );
    assert_eq!(
        docs.iter()
            .find(|d| d.name == "Квитанция.jpg")
            .unwrap()
            .mime,
        "image/jpeg"
    );
    let app_id = held[0].id.clone();
    // A window that still holds the local draft's id finds it delivered.
    let files = acc.draft_files(&org, &draft.id).await.unwrap();
    assert_eq!(files.application.id, app_id);
    assert!(files
        .files
        .iter()
        .all(|f| !f.pending && f.signers.is_empty()));
    assert_eq!(
        refused(
            acc.sign_draft(&org, &app_id, &open_director(&acc).await)
                .await
        ),
        "org.permission_denied",
        "a Бухгалтер does not sign"
    );

    // The director: signs the three files with one key, then submits.
    let head = Cabinet::new(
        portal.url().parse().unwrap(),
        &dir.path().join("director"),
        Keychain::new(KeychainBackend::Keyutils),
    )
    .unwrap();
    let key = open_director(&head).await;
    head.login_certificate(&key).await.unwrap();
    assert_eq!(support::romashka(&head).await, org);
    head.sync(&org).await.unwrap();
    assert_eq!(head.sign_draft(&org, &app_id, &key).await.unwrap(), 3);
    assert_eq!(
        head.sign_draft(&org, &app_id, &key).await.unwrap(),
        0,
        "once"
    );
    let files = head.draft_files(&org, &app_id).await.unwrap();
    assert!(files.files.iter().all(|f| f.signers.len() == 1));
    head.submit_application(&app_id).await.unwrap();
    let report = head.sync(&org).await.unwrap();
    assert_eq!((report.pending, report.failed), (0, 0), "{report:?}");

    let sent = portal
        .admin()
        .applications(&org)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.id == app_id)
        .unwrap();
    assert_eq!(sent.status, ApplicationStatus::Accepted);
    let code = sent.control_code.clone().expect("a control code");
    assert!(
        code.len() == 9
            && code.as_bytes()[4] == b'-'
            && code
                .chars()
                .filter(|c| *c != '-')
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_lowercase()),
        "{code}"
    );
    let docs: Vec<Document> = portal.admin().documents(&org).await.unwrap();
    for a in &sent.attachments {
        let d = docs.iter().find(|d| d.id == a.document_id).unwrap();
        assert_eq!(d.signatures.len(), 1, "{}", d.name);
    }
    // The accountant sees the number and the code after her next sync.
    acc.sync(&org).await.unwrap();
    let mine = acc
        .applications(&org)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.id == app_id)
        .unwrap();
    assert_eq!(mine.control_code.as_deref(), Some(code.as_str()));
    assert_eq!(
        refused(
            acc.attach_file(&org, &app_id, "other", "Ещё.pdf", &pdf("поздно"))
                .await
        ),
        "input.application",
        "a submitted application takes no more files"
    );
}

async fn open_director(cab: &Cabinet) -> cabinet_sign::PfxIdentity {
    let files = cab.demo_certificates().await.unwrap().unwrap();
    let director = files
        .iter()
        .find(|f| f.path.ends_with("/director.pfx"))
        .unwrap();
    open_pfx(std::path::Path::new(&director.path), &director.password).unwrap()
}

fn refused<T: std::fmt::Debug>(r: Result<T, cabinet_core::CoreError>) -> String {
    r.unwrap_err().code().to_string()
}
