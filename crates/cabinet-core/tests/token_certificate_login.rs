//! Certificate login with a key on a PKCS#11 token (SoftHSM2): the portal
//! trusts the test CA, maps the certificate's СНИЛС to a user, and the
//! token signs the nonce. A wrong PIN never reaches the portal.

#[path = "../../cabinet-sign/tests/support/softhsm.rs"]
mod softhsm;

use std::path::Path;

use cabinet_core::secrets::{Keychain, KeychainBackend};
use cabinet_core::Cabinet;
use cabinet_portal::{MfaMode, NewUser, Portal, PortalConfig};
use cabinet_sign::pkcs11::Module;
use cabinet_sign::pki::{IssuedKey, KeyKind, Profile, Request, Subject};
use cabinet_sign::SigningKey;
use chrono::{Duration, Utc};

const PIN: &str = "246810";
const SNILS: &str = "15678901279";

fn request(kind: KeyKind, profile: Profile, name: &str) -> Request {
    Request {
        kind,
        subject: Subject {
            common_name: name.into(),
            snils: Some(SNILS.into()),
            ..Subject::default()
        },
        not_before: Utc::now() - Duration::days(1),
        not_after: Utc::now() + Duration::days(90),
        profile,
    }
}

#[tokio::test]
async fn director_logs_in_with_a_token_key() {
    let tmp = tempfile::tempdir().unwrap();
    let hsm = softhsm::SoftHsm::new(tmp.path());
    let ca = IssuedKey::new_root(&request(KeyKind::EcdsaP256, Profile::Root, "УЦ")).unwrap();
    let user = ca
        .issue(&request(
            KeyKind::EcdsaP256,
            Profile::Signer,
            "Орлова В. И.",
        ))
        .unwrap();
    hsm.init_token("JaCarta", PIN);
    hsm.import_key("JaCarta", PIN, "0c", &user);
    let module = Module::load(Path::new(softhsm::MODULE)).unwrap();
    let slot = module.first_token_slot().unwrap();
    module
        .store_certificate(slot, PIN, "0c", "Орлова", user.certificate())
        .unwrap();

    let mut config = PortalConfig::new(tmp.path().join("portal.sqlite3"));
    config.trusted_roots = vec![ca.certificate().der.clone()];
    // Its CRL: a login needs current revocation data.
    let now = chrono::Utc::now();
    config.crls = vec![ca
        .crl(
            &[],
            now - chrono::Duration::hours(1),
            now + chrono::Duration::days(7),
        )
        .unwrap()];
    let portal = Portal::open(config)
        .unwrap()
        .spawn("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    portal
        .admin()
        .create_user(NewUser {
            email: "orlova@example.ru".into(),
            full_name: "Орлова Вера Ильинична".into(),
            password: "Orlova-pass-1".into(),
            inn: None,
            snils: Some(SNILS.into()),
            ogrnip: None,
            phone: "+79990000001".into(),
            mfa: MfaMode::Sms,
        })
        .await
        .unwrap();
    let cab = Cabinet::new(
        portal.url().parse().unwrap(),
        &tmp.path().join("app"),
        Keychain::new(KeychainBackend::Keyutils),
    )
    .unwrap();

    assert_eq!(
        module.login(slot, "0c", "999999").unwrap_err().code(),
        "token.wrong_pin"
    );
    let key = module.login(slot, "0c", PIN).unwrap();
    let session = cab.login_certificate(&key).await.unwrap();
    assert_eq!(session.user.email, "orlova@example.ru");
}
