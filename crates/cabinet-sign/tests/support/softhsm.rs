//! A SoftHSM2 token store for tests: a private token directory, tokens made
//! with `softhsm2-util`, keys imported from PKCS#8. `SOFTHSM2_CONF` is set
//! for the whole test process, once, before the module is first loaded.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use cabinet_sign::pki::IssuedKey;
use cabinet_sign::SigningKey;

/// Debian's module path.
pub const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
pub const SO_PIN: &str = "87654321";

pub struct SoftHsm {
    pub dir: PathBuf,
}

fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{cmd:?}: {e} (is softhsm2 installed? cargo xtask setup)"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

impl SoftHsm {
    /// A fresh token store under `dir`; sets `SOFTHSM2_CONF`.
    pub fn new(dir: &Path) -> Self {
        assert!(
            Path::new(MODULE).is_file(),
            "{MODULE} missing: the test set-up installs softhsm2"
        );
        let tokens = dir.join("tokens");
        std::fs::create_dir_all(&tokens).unwrap();
        let conf = dir.join("softhsm2.conf");
        std::fs::write(
            &conf,
            format!(
                "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
                tokens.display()
            ),
        )
        .unwrap();
        std::env::set_var("SOFTHSM2_CONF", &conf);
        Self {
            dir: dir.to_owned(),
        }
    }

    fn util(&self) -> Command {
        let mut c = Command::new("softhsm2-util");
        c.env("SOFTHSM2_CONF", self.dir.join("softhsm2.conf"));
        c
    }

    /// Initialises a token in the next free slot.
    pub fn init_token(&self, label: &str, pin: &str) {
        run(self.util().args([
            "--init-token",
            "--free",
            "--label",
            label,
            "--so-pin",
            SO_PIN,
            "--pin",
            pin,
        ]));
    }

    /// Imports `key`'s private key under `CKA_ID` `id` (hex).
    pub fn import_key(&self, token: &str, pin: &str, id: &str, key: &IssuedKey) {
        let pem = key.private_key_pem().unwrap();
        let label = key
            .certificate()
            .subject_common_name
            .clone()
            .unwrap_or_default();
        // Through a pipe: the key never touches the disk outside the token.
        let mut child = self
            .util()
            .args([
                "--import",
                "/dev/stdin",
                "--token",
                token,
                "--label",
                &label,
                "--id",
                id,
                "--pin",
                pin,
            ])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("softhsm2-util");
        {
            use std::io::Write;
            let mut stdin = child.stdin.take().unwrap();
            stdin.write_all(pem.as_bytes()).unwrap();
        }
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "softhsm2-util --import: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
