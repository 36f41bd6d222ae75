//! A whole session from the terminal — password login with a code, sync,
//! a draft, a login with the director's .pfx, signing a file, logout — and
//! then every byte it left behind is searched: the data directory (cache,
//! WAL, blobs, pointer), the temp dir and the debug log. No password, .pfx
//! password or token (the portal's `oca_`/`ocr_` prefixes) may be there.
//! With the cache encrypted (the default) not even an application title is
//! readable in the database files; with encryption turned off the same
//! search finds the titles, which shows the search itself works.

mod support;

use std::path::{Path, PathBuf};

use cabinet_portal::{Portal, PortalConfig, DIRECTOR_PFX_PASSWORD};
use support::text;

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn contains(hay: &[u8], needle: &str) -> bool {
    let n = needle.as_bytes();
    hay.windows(n.len()).any(|w| w == n)
}

/// Runs the session; returns (data dir, temp dir, log).
fn session(
    url: &str,
    root: &Path,
    pfx: &Path,
    encrypt: bool,
    org: &str,
) -> (PathBuf, PathBuf, Vec<u8>) {
    let data = root.join("data");
    let tmp = root.join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let config = root.join("config.toml");
    std::fs::write(&config, format!("encrypt_cache = {encrypt}\n")).unwrap();
    let mut log = Vec::new();
    let mut run = |args: &[&str], env: &[(&str, &str)], stdin: &str| {
        let data_s = data.display().to_string();
        let mut all = vec!["--portal", url, "--data-dir", &data_s];
        all.extend_from_slice(args);
        let config_s = config.display().to_string();
        let tmp_s = tmp.display().to_string();
        let mut env = env.to_vec();
        env.extend([
            ("CABINET_CONFIG", config_s.as_str()),
            ("TMPDIR", tmp_s.as_str()),
            ("CABINET_LOG", "debug"),
        ]);
        let out = support::cabinet_in(None, &all, &env, stdin);
        assert_eq!(
            out.status.code(),
            Some(0),
            "cabinet {args:?}: {}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
        log.extend_from_slice(&out.stdout);
        log.extend_from_slice(&out.stderr);
    };
    let pfx_s = pfx.display().to_string();
    run(
        &[
            "login",
            "--login",
            "buh@romashka.demo",
            "--password-stdin",
            "--demo-code",
        ],
        &[],
        "Buh-2026\n",
    );
    run(&["sync", "--org", org], &[], "");
    run(
        &[
            "applications",
            "new",
            "--org",
            org,
            "--service",
            "egrul-extract",
            "--title",
            "Черновик для проверки тайн",
        ],
        &[],
        "",
    );
    run(&["sync", "--org", org], &[], "");
    run(&["logout"], &[], "");
    run(
        &["login", "--pfx", &pfx_s],
        &[("CABINET_PFX_PASSWORD", DIRECTOR_PFX_PASSWORD)],
        "",
    );
    run(&["sync", "--org", org], &[], "");
    let doc = root.join("Приказ.txt");
    std::fs::write(&doc, "Приказ о назначении ответственного").unwrap();
    run(
        &["sign", "--pfx", &pfx_s, &doc.display().to_string()],
        &[("CABINET_PFX_PASSWORD", DIRECTOR_PFX_PASSWORD)],
        "",
    );
    run(&["logout"], &[], "");
    (data, tmp, log)
}

#[tokio::test(flavor = "multi_thread")]
async fn no_secret_is_left_on_disk_or_in_logs_and_the_cache_is_ciphertext() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = PortalConfig::quick_demo(dir.path().join("portal.sqlite3"));
    config.demo_pki_dir = Some(dir.path().join("pki"));
    let portal = Portal::open(config)
        .unwrap()
        .spawn("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let url = portal.url();
    let pfx = dir.path().join("pki").join("director.pfx");
    assert!(pfx.is_file(), "the demo PKI wrote {}", pfx.display());
    let org = support::romashka(&portal).await;

    let secrets = ["Buh-2026", DIRECTOR_PFX_PASSWORD, "oca_", "ocr_"];
    let titles = ["Черновик для проверки тайн", "Выписка из ЕГРЮЛ", "Ромашка"];

    for encrypt in [true, false] {
        let root = dir.path().join(if encrypt { "encrypted" } else { "plain" });
        let (u, r, p, o) = (url.clone(), root.clone(), pfx.clone(), org.clone());
        let (data, tmp, log) =
            tokio::task::spawn_blocking(move || session(&u, &r, &p, encrypt, &o))
                .await
                .unwrap();

        let mut everything = files(&data);
        everything.extend(files(&tmp));
        assert!(
            everything.iter().any(|f| f.ends_with("cache.sqlite3")),
            "the session left a cache"
        );
        for secret in secrets {
            assert!(!contains(&log, secret), "{secret:?} is in the log");
            for f in &everything {
                let bytes = std::fs::read(f).unwrap();
                assert!(
                    !contains(&bytes, secret),
                    "{secret:?} is in {}",
                    f.display()
                );
            }
        }

        let db_files: Vec<_> = everything
            .iter()
            .filter(|f| f.to_string_lossy().contains("cache.sqlite3"))
            .collect();
        let readable = titles.iter().any(|t| {
            db_files
                .iter()
                .any(|f| contains(&std::fs::read(f).unwrap(), t))
        });
        if encrypt {
            assert!(
                !readable,
                "an application title is readable in the encrypted cache"
            );
        } else {
            assert!(readable, "the search would find a title in a plain cache");
        }
    }
}
