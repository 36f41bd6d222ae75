//! Batch signing of local files with one key: a `.sig` beside each, progress
//! after each file, co-signing, and verification with each failure's code.

use std::path::PathBuf;

use cabinet_core::signing::{
    save_signed_content, sign_files, signature_path, verify_attached_file, verify_chosen,
    verify_file, SignAs,
};
use cabinet_sign::pki::{IssuedKey, KeyKind, Profile, Request, Subject};
use cabinet_sign::SigningKey;
use chrono::{Duration, Utc};

fn key(ca: &IssuedKey, name: &str, days: i64) -> IssuedKey {
    ca.issue(&Request {
        kind: KeyKind::EcdsaP256,
        subject: Subject {
            common_name: name.into(),
            organization: Some("ООО «Ромашка»".into()),
            ..Subject::default()
        },
        not_before: Utc::now() - Duration::days(400),
        not_after: Utc::now() + Duration::days(days),
        profile: Profile::Signer,
    })
    .unwrap()
}

fn root() -> IssuedKey {
    IssuedKey::new_root(&Request {
        kind: KeyKind::EcdsaP256,
        subject: Subject {
            common_name: "УЦ".into(),
            ..Subject::default()
        },
        not_before: Utc::now() - Duration::days(500),
        not_after: Utc::now() + Duration::days(500),
        profile: Profile::Root,
    })
    .unwrap()
}

#[test]
fn batch_sign_cosign_and_verify() {
    let tmp = tempfile::tempdir().unwrap();
    let ca = root();
    let director = key(&ca, "Иванов С. П.", 100);
    let accountant = key(&ca, "Петрова А. В.", 100);
    let files: Vec<PathBuf> = (1..=3)
        .map(|i| {
            let p = tmp.path().join(format!("Счёт №{i}.pdf"));
            std::fs::write(&p, format!("%PDF-1.7 счёт {i}")).unwrap();
            p
        })
        .collect();

    let mut seen = Vec::new();
    let signed = sign_files(&director, &files, SignAs::Detached, None, |p| {
        seen.push((p.done, p.total))
    })
    .unwrap();
    assert_eq!(seen, [(1, 3), (2, 3), (3, 3)]);
    assert_eq!(signed.len(), 3);
    assert!(signature_path(&files[0]).ends_with("Счёт №1.pdf.sig"));

    sign_files(&accountant, &files[..1], SignAs::Cosign, None, |_| {}).unwrap();
    let roots = [ca.certificate().clone()];
    let signers = verify_file(&files[0], &signature_path(&files[0]), &roots).unwrap();
    let names: Vec<_> = signers
        .iter()
        .map(|s| s.certificate.holder.as_str())
        .collect();
    assert_eq!(names.len(), 2);
    assert!(names.contains(&"Иванов С. П.") && names.contains(&"Петрова А. В."));
    assert!(signers.iter().all(|s| s.chain_trusted));
    let unchecked = verify_file(&files[1], &signature_path(&files[1]), &[]).unwrap();
    assert!(!unchecked[0].chain_trusted);

    // Changed content, a missing file, an expired key: each its code.
    std::fs::write(&files[2], "%PDF-1.7 подменённый счёт").unwrap();
    let err = verify_file(&files[2], &signature_path(&files[2]), &roots).unwrap_err();
    assert_eq!(err.code(), "sig.content_changed");
    let gone = tmp.path().join("нет такого.pdf");
    assert_eq!(
        sign_files(&director, &[gone], SignAs::Detached, None, |_| {})
            .unwrap_err()
            .code(),
        "file.read"
    );
    let expired = key(&ca, "Старый ключ", -1);
    assert_eq!(
        sign_files(&expired, &files, SignAs::Attached, None, |_| {})
            .unwrap_err()
            .code(),
        "cert.expired"
    );
    // Nothing half-written is left behind.
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".part"))
        .collect();
    assert!(leftovers.is_empty());
    assert_eq!(
        director.certificate().organization.as_deref(),
        Some("ООО «Ромашка»")
    );
}

#[test]
fn attached_signatures_hold_their_file_and_are_checked_alone_or_beside_it() {
    let tmp = tempfile::tempdir().unwrap();
    let ca = root();
    let director = key(&ca, "Иванов С. П.", 100);
    let file = tmp.path().join("Акт.txt");
    std::fs::write(&file, "Акт приёмки работ").unwrap();
    let out = tmp.path().join("подписи");
    std::fs::create_dir(&out).unwrap();
    let signed = sign_files(
        &director,
        std::slice::from_ref(&file),
        SignAs::Attached,
        Some(&out),
        |_| {},
    )
    .unwrap();
    let sig = out.join("Акт.txt.sig");
    assert_eq!(signed[0].signature, sig.display().to_string());

    let roots = [ca.certificate().clone()];
    let alone = verify_attached_file(&sig, &roots).unwrap();
    assert_eq!(alone.content, "Акт приёмки работ".as_bytes());
    assert!(alone.signers[0].chain_trusted);
    // Chosen alone in the window, and its document saved.
    assert_eq!(verify_chosen(&sig, None, &roots).unwrap().len(), 1);
    let saved = tmp.path().join("Акт (из подписи).txt");
    assert_eq!(
        save_signed_content(&sig, &saved, &roots).unwrap(),
        "Акт приёмки работ".len() as u64
    );
    assert_eq!(
        std::fs::read_to_string(&saved).unwrap(),
        "Акт приёмки работ"
    );
    // Beside the file it holds: fine; beside another: its own code.
    verify_file(&file, &sig, &roots).unwrap();
    assert_eq!(verify_chosen(&file, Some(&sig), &roots).unwrap().len(), 1);
    std::fs::write(&file, "Акт приёмки работ (изменён)").unwrap();
    assert_eq!(
        verify_file(&file, &sig, &roots).unwrap_err().code(),
        "sig.content_mismatch"
    );
    // A detached signature cannot be checked alone.
    sign_files(
        &director,
        std::slice::from_ref(&file),
        SignAs::Detached,
        None,
        |_| {},
    )
    .unwrap();
    assert_eq!(
        verify_attached_file(&signature_path(&file), &roots)
            .unwrap_err()
            .code(),
        "sig.detached"
    );
    assert_eq!(
        verify_chosen(&signature_path(&file), None, &roots)
            .unwrap_err()
            .code(),
        "sig.detached"
    );
    // A document chosen alone: its FILE.sig beside it.
    assert_eq!(verify_chosen(&file, None, &roots).unwrap().len(), 1);
}
