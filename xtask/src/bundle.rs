//! The .deb package, assembled with dpkg-deb.
//!
//! The root manifest is a virtual workspace, which the Tauri CLI refuses to
//! bundle from; and the npm registry here lacks platform packages of its
//! newest release. A .deb is a small, well-documented format, so we build it
//! ourselves from the release binary and the root tauri.conf.json.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

const PACKAGE: &str = "orgcabinet";
const BINARY: &str = "cabinet-desktop";

fn arch() -> Result<String> {
    let out = Command::new("dpkg")
        .arg("--print-architecture")
        .output()
        .context("dpkg not found")?;
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

fn dir_bytes(p: &Path) -> Result<u64> {
    let mut total = 0;
    for entry in std::fs::read_dir(p)? {
        let entry = entry?;
        let meta = entry.metadata()?;
        total += if meta.is_dir() {
            dir_bytes(&entry.path())?
        } else {
            meta.len()
        };
    }
    Ok(total)
}

pub fn deb(root: &Path) -> Result<PathBuf> {
    let conf: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("tauri.conf.json"))?)?;
    let version = conf["version"]
        .as_str()
        .context("tauri.conf.json: version")?;
    let short = conf["bundle"]["shortDescription"]
        .as_str()
        .unwrap_or("OrgCabinet");
    let long = conf["bundle"]["longDescription"].as_str().unwrap_or("");
    let depends: Vec<&str> = conf["bundle"]["linux"]["deb"]["depends"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    let arch = arch()?;

    let out_dir = root.join("target/bundle/deb");
    let pkg = out_dir.join(format!("{PACKAGE}_{version}_{arch}"));
    if pkg.exists() {
        std::fs::remove_dir_all(&pkg)?;
    }
    let bin_dir = pkg.join("usr/bin");
    std::fs::create_dir_all(&bin_dir)?;
    std::fs::copy(
        root.join("target/release").join(BINARY),
        bin_dir.join(BINARY),
    )?;

    for (file, size) in [
        ("32x32.png", "32x32"),
        ("64x64.png", "64x64"),
        ("128x128.png", "128x128"),
        ("256x256.png", "256x256"),
        ("512x512.png", "512x512"),
    ] {
        let dir = pkg.join(format!("usr/share/icons/hicolor/{size}/apps"));
        std::fs::create_dir_all(&dir)?;
        std::fs::copy(
            root.join("icons").join(file),
            dir.join(format!("{PACKAGE}.png")),
        )?;
    }

    let apps = pkg.join("usr/share/applications");
    std::fs::create_dir_all(&apps)?;
    std::fs::write(
        apps.join(format!("{PACKAGE}.desktop")),
        format!(
            "[Desktop Entry]\nType=Application\nName=OrgCabinet\nGenericName=Личный кабинет организации\n\
             Comment={short}\nExec={BINARY}\nIcon={PACKAGE}\nTerminal=false\nCategories=Office;Finance;\n\
             Keywords=госуслуги;ЭП;КЭП;организация;кабинет;\nStartupWMClass={BINARY}\n"
        ),
    )?;

    let doc = pkg.join(format!("usr/share/doc/{PACKAGE}"));
    std::fs::create_dir_all(&doc)?;
    std::fs::write(
        doc.join("copyright"),
        "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nUpstream-Name: OrgCabinet\nLicense: MIT or Apache-2.0\n",
    )?;

    let size = dir_bytes(&pkg.join("usr"))?.div_ceil(1024);
    let debian = pkg.join("DEBIAN");
    std::fs::create_dir_all(&debian)?;
    let description = long
        .split_whitespace()
        .collect::<Vec<_>>()
        .chunks(10)
        .map(|w| format!(" {}", w.join(" ")))
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(
        debian.join("control"),
        format!(
            "Package: {PACKAGE}\nVersion: {version}\nArchitecture: {arch}\nMaintainer: OrgCabinet team <team@orgcabinet.invalid>\n\
             Installed-Size: {size}\nDepends: {}\nSection: misc\nPriority: optional\nDescription: {short}\n{description}\n",
            depends.join(", ")
        ),
    )?;

    let deb = out_dir.join(format!("{PACKAGE}_{version}_{arch}.deb"));
    let status = Command::new("dpkg-deb")
        .args(["--root-owner-group", "--build"])
        .arg(&pkg)
        .arg(&deb)
        .status()
        .context("dpkg-deb not found")?;
    if !status.success() {
        bail!("dpkg-deb failed ({status})");
    }
    Ok(deb)
}
