//! Certificate login through the core against the real demo portal: the
//! demo .pfx files are fetched, opened with their password and used; a wrong
//! password, a non-container and an expired certificate are refused with
//! their codes before anything is sent.

use cabinet_core::cabinet::KeyLocation;
use cabinet_core::certificates::{open_pfx, CertificateStatus, CertificateView};
use cabinet_core::secrets::{Keychain, KeychainBackend};
use cabinet_core::Cabinet;
use cabinet_portal::{Portal, PortalConfig};

#[tokio::test]
async fn director_logs_in_with_the_demo_pfx_and_bad_inputs_get_their_codes() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = PortalConfig::new(dir.path().join("portal.sqlite3"));
    config.demo = true;
    let portal = Portal::open(config)
        .unwrap()
        .spawn("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let cab = Cabinet::new(
        portal.url().parse().unwrap(),
        &dir.path().join("app"),
        Keychain::new(KeychainBackend::Keyutils),
    )
    .unwrap();

    let files = cab.demo_certificates().await.unwrap().expect("demo portal");
    let file = |name: &str| {
        files
            .iter()
            .find(|f| f.path.ends_with(name))
            .unwrap_or_else(|| panic!("{name} missing"))
    };
    let director = file("/director.pfx");
    let path = std::path::Path::new(&director.path);

    let err = open_pfx(path, "wrong").unwrap_err();
    assert_eq!(err.code(), "pfx.wrong_password");
    let not_pfx = dir.path().join("letter.pfx");
    std::fs::write(&not_pfx, "Уважаемые коллеги!").unwrap();
    assert_eq!(
        open_pfx(&not_pfx, "x").unwrap_err().code(),
        "pfx.not_pkcs12"
    );
    assert_eq!(
        open_pfx(&dir.path().join("missing.pfx"), "x")
            .unwrap_err()
            .code(),
        "file.read"
    );

    // The accountant's certificate is near its end: the view says so.
    let accountant = file("/accountant.pfx");
    let key = open_pfx(std::path::Path::new(&accountant.path), &accountant.password).unwrap();
    let view = CertificateView::of(key.certificate(), chrono::Utc::now());
    assert_eq!(view.status, CertificateStatus::ExpiresSoon);
    assert!((19..=20).contains(&view.days_left), "{}", view.days_left);
    assert_eq!(view.organization.as_deref(), Some("ООО «Ромашка»"));

    // Expired: refused locally with the portal's code.
    let expired = file("/director-expired.pfx");
    let key = open_pfx(std::path::Path::new(&expired.path), &expired.password).unwrap();
    let err = cab.login_certificate(&key).await.unwrap_err();
    assert_eq!(err.code(), "cert.expired");

    let key = open_pfx(path, &director.password).unwrap();
    let session = cab.login_certificate(&key).await.unwrap();
    assert!(session.online);
    assert_eq!(session.user.full_name, "Иванов Сергей Петрович");
    let orgs = cab.organizations().await.unwrap();
    assert!(orgs.items.iter().any(|o| o.short_name == "ООО «Ромашка»"));

    // The certificate is remembered with where its key is; nothing secret.
    let mine = cab
        .remember_certificate(key.certificate(), KeyLocation::Pfx(director.path.clone()))
        .await
        .unwrap();
    assert_eq!(mine.certificate.holder, "Иванов Сергей Петрович");
    let list = cab.my_certificates().await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].location, director.path);
    let cache = std::fs::read(
        walk(&dir.path().join("app"))
            .into_iter()
            .find(|p| p.ends_with("cache.sqlite3"))
            .unwrap(),
    )
    .unwrap();
    let needle = cabinet_portal::DIRECTOR_PFX_PASSWORD.as_bytes();
    assert!(!cache.windows(needle.len()).any(|w| w == needle));
    cab.forget_certificate(&mine.certificate.sha256)
        .await
        .unwrap();
    assert!(cab.my_certificates().await.unwrap().is_empty());
    assert_eq!(
        cab.forget_certificate(&mine.certificate.sha256)
            .await
            .unwrap_err()
            .code(),
        "input.certificate"
    );
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
