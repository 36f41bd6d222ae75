//! Signing with keys on a PKCS#11 token (SoftHSM2, initialised here): the
//! token lists its certificates without a PIN, signs RSA and ECDSA after
//! one PIN entry (a batch of files), and OpenSSL verifies the result. A
//! wrong PIN, an absent token and a missing module each have their code.
//!
//! One test function: SoftHSM reads its configuration once per process.

mod support;

use std::path::Path;

use cabinet_sign::cades::sign_detached;
use cabinet_sign::pkcs11::Module;
use cabinet_sign::pki::{IssuedKey, KeyKind, Profile, Request, Subject};
use cabinet_sign::verify::verify_detached;
use cabinet_sign::SigningKey;
use chrono::{Duration, Utc};
use support::ok;
use support::softhsm::{SoftHsm, MODULE};

const PIN: &str = "123456";

fn request(kind: KeyKind, profile: Profile, name: &str) -> Request {
    Request {
        kind,
        subject: Subject {
            common_name: name.into(),
            snils: Some("11223344595".into()),
            ..Subject::default()
        },
        not_before: Utc::now() - Duration::days(1),
        not_after: Utc::now() + Duration::days(30),
        profile,
    }
}

#[test]
fn token_keys_sign_for_openssl_and_errors_have_codes() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let hsm = SoftHsm::new(d);
    let ca = IssuedKey::new_root(&request(KeyKind::EcdsaP256, Profile::Root, "УЦ Токен")).unwrap();
    let rsa = ca
        .issue(&request(KeyKind::Rsa2048, Profile::Signer, "Иванов RSA"))
        .unwrap();
    let ec = ca
        .issue(&request(
            KeyKind::EcdsaP256,
            Profile::Signer,
            "Иванов ECDSA",
        ))
        .unwrap();
    hsm.init_token("Рутокен ЭЦП", PIN);
    hsm.import_key("Рутокен ЭЦП", PIN, "a1", &rsa);
    hsm.import_key("Рутокен ЭЦП", PIN, "b2", &ec);

    let module = Module::load(Path::new(MODULE)).unwrap();
    let slot = module.first_token_slot().unwrap();
    let slots = module.slots().unwrap();
    let token = slots
        .iter()
        .find(|s| s.id == slot)
        .and_then(|s| s.token.clone())
        .unwrap();
    assert_eq!(token.label, "Рутокен ЭЦП");
    assert_eq!(token.model, "SoftHSM v2");
    module
        .store_certificate(slot, PIN, "a1", "Иванов RSA", rsa.certificate())
        .unwrap();
    module
        .store_certificate(slot, PIN, "b2", "Иванов ECDSA", ec.certificate())
        .unwrap();

    // Certificates are public: listed without a PIN.
    let mut certs = module.certificates(slot).unwrap();
    certs.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(
        certs.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
        ["a1", "b2"]
    );
    assert_eq!(certs[0].certificate.der, rsa.certificate().der);

    std::fs::write(d.join("ca.der"), &ca.certificate().der).unwrap();
    ok(
        d,
        &["x509", "-inform", "DER", "-in", "ca.der", "-out", "ca.pem"],
    );
    for (id, name) in [("a1", "rsa"), ("b2", "ec")] {
        // One PIN entry, then a batch of three files.
        let key = module.login(slot, id, PIN).unwrap();
        for i in 0..3 {
            let file = format!("{name}-{i}.txt");
            let content = format!("Документ {i} для подписи на токене");
            std::fs::write(d.join(&file), &content).unwrap();
            let sig = sign_detached(&key, content.as_bytes(), Utc::now()).unwrap();
            std::fs::write(d.join(format!("{file}.sig")), &sig).unwrap();
            let sig_file = format!("{file}.sig");
            ok(d, &support::cms_verify(&sig_file, &file, "ca.pem", &[]));
            let reports =
                verify_detached(&sig, content.as_bytes(), &[ca.certificate().clone()]).unwrap();
            assert_eq!(reports[0].certificate.der, key.certificate().der);
        }
    }

    let wrong = module.login(slot, "a1", "000000").unwrap_err();
    assert_eq!(wrong.code(), "token.wrong_pin");
    assert_eq!(
        module.login(slot, "ff", PIN).unwrap_err().code(),
        "token.no_key"
    );
    assert_eq!(
        module.certificates(slot + 1000).unwrap_err().code(),
        "token.absent"
    );
    assert_eq!(
        Module::load(Path::new("/usr/lib/no-such-pkcs11.so"))
            .unwrap_err()
            .code(),
        "token.module"
    );
}
