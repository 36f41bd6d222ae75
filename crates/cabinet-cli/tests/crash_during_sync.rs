//! `cabinet sync` killed with SIGKILL at random points, again and again,
//! against the real portal while it keeps changing: after every kill the
//! cache passes SQLite's integrity check; at checkpoints and at the end one
//! uninterrupted sync makes the cache equal to the portal, and every draft
//! made offline exists on the portal exactly once.
//!
//! 50 runs here; `cargo xtask soak` runs 500 (`CABINET_CRASH_RUNS`). The
//! seed is printed; `CABINET_CRASH_SEED` repeats a run.

mod support;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cabinet_api::{Application, ApplicationStatus};
use support::text;

struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn upto(&mut self, max: Duration) -> Duration {
        let ms = max.as_millis().max(1) as u64;
        Duration::from_millis(self.next() % ms)
    }
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Cli {
    url: String,
    data: PathBuf,
}

impl Cli {
    fn args<'a>(&'a self, rest: &[&'a str]) -> Vec<&'a str> {
        let data = self.data.to_str().expect("utf-8 temp path");
        let mut all = vec!["--portal", &self.url, "--data-dir", data];
        all.extend_from_slice(rest);
        all
    }

    /// Runs to completion; panics on a non-zero exit.
    fn ok(&self, rest: &[&str], stdin: &str) -> String {
        let out = support::cabinet_in(None, &self.args(rest), &[], stdin);
        assert_eq!(
            out.status.code(),
            Some(0),
            "cabinet {rest:?}: {}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
        text(&out.stdout)
    }

    /// Starts `cabinet sync`, kills it with SIGKILL after `after`; whether
    /// it had finished by then.
    fn sync_killed_after(&self, org: &str, after: Duration) -> bool {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cabinet"))
            .args(self.args(&["sync", "--org", org]))
            .env("CABINET_KEYCHAIN", "keyutils")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("cabinet starts");
        let deadline = Instant::now() + after;
        loop {
            if let Some(_status) = child.try_wait().expect("wait") {
                return true;
            }
            if Instant::now() >= deadline {
                child.kill().expect("SIGKILL");
                child.wait().expect("reaped");
                return false;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    fn applications(&self, org: &str) -> Vec<Application> {
        let out = self.ok(&["applications", "list", "--org", org, "--json"], "");
        let mut list: Vec<Application> = serde_json::from_str(&out).unwrap();
        list.sort_by(|a, b| a.id.cmp(&b.id));
        list
    }
}

fn timed(f: impl FnOnce()) -> Duration {
    let t = Instant::now();
    f();
    t.elapsed()
}

fn assert_same(local: &[Application], portal: &[Application], when: &str) {
    let key = |a: &Application| {
        (
            a.id.clone(),
            a.status,
            a.version,
            a.title.clone(),
            a.number.clone(),
        )
    };
    let l: Vec<_> = local.iter().map(key).collect();
    let p: Vec<_> = portal.iter().map(key).collect();
    if l != p {
        let only_local: Vec<_> = l.iter().filter(|x| !p.contains(x)).collect();
        let only_portal: Vec<_> = p.iter().filter(|x| !l.contains(x)).collect();
        panic!(
            "{when}: the cache differs from the portal\nonly in the cache: {only_local:?}\nonly on the portal: {only_portal:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sigkill_mid_sync_never_corrupts_loses_or_duplicates() {
    let runs: usize = env_or("CABINET_CRASH_RUNS", 50);
    let seed: u64 = env_or(
        "CABINET_CRASH_SEED",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64
            | 1,
    );
    println!("crash test: {runs} runs, CABINET_CRASH_SEED={seed}");
    let mut dice = Dice(seed);

    let dir = tempfile::tempdir().unwrap();
    let portal = support::demo_portal(dir.path()).await;
    let admin = portal.admin().clone();
    let org = support::romashka(&portal).await;
    admin.seed_applications(&org, 2000, seed).await.unwrap();

    let cli = Cli {
        url: portal.url(),
        data: dir.path().join("cli"),
    };
    let cli = std::sync::Arc::new(cli);
    let c = cli.clone();
    tokio::task::spawn_blocking(move || {
        c.ok(
            &[
                "login",
                "--login",
                "buh@romashka.demo",
                "--password-stdin",
                "--demo-code",
            ],
            "Buh-2026\n",
        )
    })
    .await
    .unwrap();

    // How long a full sync and a small delta take here: kills land inside.
    let (c, o) = (cli.clone(), org.clone());
    let full =
        tokio::task::spawn_blocking(move || timed(|| drop(c.ok(&["sync", "--org", &o], ""))))
            .await
            .unwrap();
    admin.gov_step(&org, 20).await.unwrap();
    let (c, o) = (cli.clone(), org.clone());
    let delta =
        tokio::task::spawn_blocking(move || timed(|| drop(c.ok(&["sync", "--org", &o], ""))))
            .await
            .unwrap();
    println!("full sync {full:?}, delta sync {delta:?}");

    let mut titles = Vec::new();
    let mut submitted = Vec::new();
    let mut finished = 0;
    for run in 0..runs {
        // Work queued offline: a draft every run, its submission every third.
        let title = format!("Проверка устойчивости {run}");
        let (c, o, t) = (cli.clone(), org.clone(), title.clone());
        let id = tokio::task::spawn_blocking(move || {
            c.ok(
                &[
                    "applications",
                    "new",
                    "--org",
                    &o,
                    "--service",
                    "egrul-extract",
                    "--title",
                    &t,
                ],
                "",
            )
        })
        .await
        .unwrap()
        .trim()
        .to_owned();
        titles.push(title.clone());
        if run % 3 == 0 {
            let c = cli.clone();
            tokio::task::spawn_blocking(move || drop(c.ok(&["applications", "submit", &id], "")))
                .await
                .unwrap();
            submitted.push(title);
        }
        // Meanwhile the portal moves on; every fourth run it compacts its
        // feed, so the killed sync is a full resync.
        admin
            .gov_step(&org, 1 + (dice.next() % 30) as usize)
            .await
            .unwrap();
        let resync = run % 4 == 1;
        if resync {
            admin.compact_feed(&org).await.unwrap();
        }
        let window = if resync { full } else { delta } * 6 / 5;
        let after = dice.upto(window);

        let (c, o) = (cli.clone(), org.clone());
        let done = tokio::task::spawn_blocking(move || c.sync_killed_after(&o, after))
            .await
            .unwrap();
        finished += usize::from(done);

        let c = cli.clone();
        let check = tokio::task::spawn_blocking(move || c.ok(&["check-cache"], ""))
            .await
            .unwrap();
        assert_eq!(check.trim(), "ok", "run {run}, killed after {after:?}");

        if run % 10 == 9 || run + 1 == runs {
            let (c, o) = (cli.clone(), org.clone());
            let local = tokio::task::spawn_blocking(move || {
                c.ok(&["sync", "--org", &o], "");
                c.applications(&o)
            })
            .await
            .unwrap();
            let on_portal = admin.applications(&org).await.unwrap();
            assert_same(&local, &on_portal, &format!("after run {run}"));
        }
    }
    println!("{runs} runs: {finished} syncs finished before the kill, the rest were killed");

    // Nothing queued is left, nothing failed, and every draft is on the
    // portal exactly once; the submitted ones were submitted.
    let (c, o) = (cli.clone(), org.clone());
    let outbox = tokio::task::spawn_blocking(move || c.ok(&["outbox", "--org", &o], ""))
        .await
        .unwrap();
    assert!(
        outbox.trim().is_empty(),
        "outbox after the final sync: {outbox}"
    );
    let on_portal = admin.applications(&org).await.unwrap();
    for t in &titles {
        let same: Vec<_> = on_portal.iter().filter(|a| &a.title == t).collect();
        assert_eq!(same.len(), 1, "{t:?} is on the portal {} times", same.len());
        if submitted.contains(t) {
            assert_ne!(
                same[0].status,
                ApplicationStatus::Draft,
                "{t:?} was submitted"
            );
        } else {
            assert_eq!(
                same[0].status,
                ApplicationStatus::Draft,
                "{t:?} was not submitted"
            );
        }
    }
}
