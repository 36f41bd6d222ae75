//! Two data directories of the same person on the same portal are two
//! profiles: forgetting one's cache leaves the other's cache, its key and
//! its unsent actions alone; forgetting a cache with unsent actions is
//! refused unless they are discarded on purpose; the data directory and
//! the cache files are the user's alone (0700 / 0600), also when an older
//! version left them open.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use cabinet_core::secrets::{Keychain, KeychainBackend};
use cabinet_core::view::LoginStep;
use cabinet_core::Cabinet;
use cabinet_portal::{Portal, PortalConfig};

fn cabinet(url: &str, data: &Path) -> Cabinet {
    Cabinet::new(
        url.parse().unwrap(),
        data,
        Keychain::new(KeychainBackend::Keyutils),
    )
    .unwrap()
}

async fn login_accountant(cab: &Cabinet) {
    let info = cab.demo_info().await.expect("demo portal");
    let buh = info.users.iter().find(|u| u.role == "Бухгалтер").unwrap();
    let LoginStep::NeedCode { ticket, .. } =
        cab.login_password(&buh.login, &buh.password).await.unwrap()
    else {
        panic!("code expected")
    };
    let sms = cab.demo_sms(&ticket).await.unwrap();
    cab.submit_code(&ticket, &sms.code).await.unwrap();
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Every file under `dir` named `name`.
fn find(dir: &Path, name: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(find(&p, name));
        } else if p.file_name().is_some_and(|n| n == name) {
            out.push(p);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn forgetting_one_profile_leaves_the_other_and_never_loses_unsent_work() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::open(PortalConfig::quick_demo(dir.path().join("portal.sqlite3")))
        .unwrap()
        .spawn("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let url = portal.url();
    let (a_dir, b_dir) = (dir.path().join("a"), dir.path().join("b"));

    let a = cabinet(&url, &a_dir);
    login_accountant(&a).await;
    let org = a.organizations().await.unwrap().items[0].id.clone();
    a.request_extract(&org).await.unwrap();
    assert_eq!(a.outbox(&org).await.unwrap().len(), 1);

    let b = cabinet(&url, &b_dir);
    login_accountant(&b).await;
    b.logout(true, false).await.unwrap();
    assert!(
        find(&b_dir, "cache.sqlite3").is_empty(),
        "B's cache is gone"
    );

    // A, restarted: its session, its cache and its unsent action are there.
    drop(a);
    let a = cabinet(&url, &a_dir);
    assert!(a.resume().await.unwrap().is_some());
    assert_eq!(a.outbox(&org).await.unwrap().len(), 1);

    // Forgetting A's cache would lose the action: refused, still logged in.
    let e = a.logout(true, false).await.unwrap_err();
    assert_eq!(e.code(), "cache.unsent_actions");
    assert_eq!(a.outbox(&org).await.unwrap().len(), 1);

    // Its files are the user's alone.
    assert_eq!(mode(&a_dir), 0o700);
    let caches = find(&a_dir, "cache.sqlite3");
    assert_eq!(caches.len(), 1);
    assert_eq!(mode(&caches[0]), 0o600);
    assert_eq!(mode(caches[0].parent().unwrap()), 0o700);
    for side in ["cache.sqlite3-wal", "cache.sqlite3-shm"] {
        for f in find(&a_dir, side) {
            assert_eq!(mode(&f), 0o600, "{}", f.display());
        }
    }

    // Told to discard them, it goes.
    a.logout(true, true).await.unwrap();
    assert!(find(&a_dir, "cache.sqlite3").is_empty());
}

#[test]
fn an_open_data_directory_and_cache_are_closed_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("old");
    std::fs::create_dir(&data).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    let _ = cabinet("http://127.0.0.1:9/", &data);
    assert_eq!(mode(&data), 0o700);

    let cache = data.join("profile").join("cache.sqlite3");
    std::fs::create_dir(cache.parent().unwrap()).unwrap();
    std::fs::write(&cache, b"").unwrap();
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o644)).unwrap();
    cabinet_core::store::Store::open(&cache, None).unwrap();
    assert_eq!(mode(&cache), 0o600);
    assert_eq!(mode(cache.parent().unwrap()), 0o700);
}
