//! `cabinet sign | verify | certs`: signatures from a terminal.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

use cabinet_sign::cades::{cosign_detached, sign_detached};
use cabinet_sign::verify::{verify_detached_with, ChainStatus, Trust};
use cabinet_sign::{CertificateInfo, PfxIdentity};
use zeroize::Zeroizing;

use crate::Failure;

pub const PASSWORD_ENV: &str = "CABINET_PFX_PASSWORD";

fn read_file(path: &Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| Failure::Usage(format!("{}: {e}", path.display())))
}

/// The .pfx password: the environment, else one line from standard input
/// (prompted on a terminal). Never from the command line, where `ps` sees it.
fn password() -> Result<Zeroizing<String>, Failure> {
    if let Ok(p) = std::env::var(PASSWORD_ENV) {
        return Ok(Zeroizing::new(p));
    }
    if std::io::stdin().is_terminal() {
        eprint!("Пароль контейнера .pfx: ");
        let _ = std::io::stderr().flush();
    }
    let mut line = Zeroizing::new(String::new());
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure::Usage(format!("stdin: {e}")))?;
    Ok(Zeroizing::new(
        line.trim_end_matches(['\r', '\n']).to_owned(),
    ))
}

fn open_pfx(path: &Path) -> Result<PfxIdentity, Failure> {
    let bytes = read_file(path)?;
    Ok(PfxIdentity::open(&bytes, &password()?)?)
}

fn sig_path(file: &Path, out: Option<&Path>) -> PathBuf {
    let name = format!(
        "{}.sig",
        file.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default()
    );
    match out {
        Some(dir) => dir.join(name),
        None => file.with_file_name(name),
    }
}

/// Writes through a temporary file and a rename: a crash never leaves half a
/// signature where a good one was.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    let tmp = path.with_extension("sig.tmp");
    let io = |e: std::io::Error| Failure::Usage(format!("{}: {e}", path.display()));
    let mut f = std::fs::File::create(&tmp).map_err(io)?;
    f.write_all(bytes).map_err(io)?;
    f.sync_all().map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}

pub fn sign(
    files: &[PathBuf],
    pfx: &Path,
    out: Option<&Path>,
    cosign: bool,
) -> Result<(), Failure> {
    let identity = open_pfx(pfx)?;
    if let Some(dir) = out {
        std::fs::create_dir_all(dir)
            .map_err(|e| Failure::Usage(format!("{}: {e}", dir.display())))?;
    }
    let total = files.len();
    for (i, file) in files.iter().enumerate() {
        let content = std::fs::File::open(file)
            .map_err(|e| Failure::Usage(format!("{}: {e}", file.display())))?;
        let target = sig_path(file, out);
        let now = chrono::Utc::now();
        let sig = if cosign {
            cosign_detached(&read_file(&target)?, &identity, content, now)?
        } else {
            sign_detached(&identity, content, now)?
        };
        write_atomically(&target, &sig)?;
        println!(
            "[{}/{total}] {} → {}",
            i + 1,
            file.display(),
            target.display()
        );
    }
    Ok(())
}

fn chain_text(c: ChainStatus) -> &'static str {
    match c {
        ChainStatus::Trusted => "доверенная цепочка",
        ChainStatus::NotChecked => "цепочка не проверялась (нет --trust)",
    }
}

fn cert_json(c: &CertificateInfo) -> serde_json::Value {
    serde_json::json!({
        "subject": c.subject_common_name,
        "organization": c.organization,
        "inn": c.inn,
        "inn_le": c.inn_le,
        "ogrn": c.ogrn,
        "ogrnip": c.ogrnip,
        "snils": c.snils,
        "issuer": c.issuer_common_name,
        "serial": c.serial,
        "not_before": c.not_before.to_rfc3339(),
        "not_after": c.not_after.to_rfc3339(),
        "algorithm": c.algorithm.display_name(),
        "sha256": c.sha256,
    })
}

pub fn verify(
    file: &Path,
    sig: &Path,
    trust: &[PathBuf],
    crl: &[PathBuf],
    json: bool,
) -> Result<(), Failure> {
    let roots = trust
        .iter()
        .map(|p| read_file(p).and_then(|b| CertificateInfo::parse(&b).map_err(Failure::from)))
        .collect::<Result<Vec<_>, _>>()?;
    let crls = crl
        .iter()
        .map(|p| read_file(p))
        .collect::<Result<Vec<_>, _>>()?;
    let content = std::fs::File::open(file)
        .map_err(|e| Failure::Usage(format!("{}: {e}", file.display())))?;
    let reports = verify_detached_with(&read_file(sig)?, content, &Trust { roots, crls })?;
    if json {
        let list: Vec<_> = reports
            .iter()
            .map(|r| {
                let mut v = cert_json(&r.certificate);
                v["signing_time"] = serde_json::json!(r.signing_time.map(|t| t.to_rfc3339()));
                v["chain"] = serde_json::json!(match r.chain {
                    ChainStatus::Trusted => "trusted",
                    ChainStatus::NotChecked => "not_checked",
                });
                v
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&list).map_err(|e| Failure::Usage(e.to_string()))?
        );
        return Ok(());
    }
    println!("Подпись верна: подписантов {}", reports.len());
    for r in &reports {
        let c = &r.certificate;
        println!(
            "  {} · {} · {} · {}{}",
            c.subject_common_name.as_deref().unwrap_or("—"),
            c.organization.as_deref().unwrap_or("—"),
            r.algorithm,
            chain_text(r.chain),
            r.signing_time
                .map(|t| format!(" · подписано {}", t.format("%d.%m.%Y %H:%M UTC")))
                .unwrap_or_default()
        );
    }
    Ok(())
}

pub fn certs(pfx: &Path, json: bool) -> Result<(), Failure> {
    let identity = open_pfx(pfx)?;
    let all: Vec<&CertificateInfo> = std::iter::once(identity.certificate())
        .chain(identity.chain())
        .collect();
    if json {
        let list: Vec<_> = all.iter().map(|c| cert_json(c)).collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&list).map_err(|e| Failure::Usage(e.to_string()))?
        );
        return Ok(());
    }
    let now = chrono::Utc::now();
    for c in all {
        let status = match c.expiry_status(now) {
            cabinet_sign::ExpiryStatus::Valid => "действует".to_owned(),
            cabinet_sign::ExpiryStatus::ExpiresSoon { days_left } => {
                format!("истекает через {days_left} дн.")
            }
            cabinet_sign::ExpiryStatus::Expired => "истёк".to_owned(),
            cabinet_sign::ExpiryStatus::NotYetValid => "ещё не действует".to_owned(),
        };
        println!(
            "{} · {} · до {} · {} · {}",
            c.subject_common_name.as_deref().unwrap_or("—"),
            c.issuer_common_name.as_deref().unwrap_or("—"),
            c.not_after.format("%d.%m.%Y"),
            status,
            c.algorithm.display_name()
        );
    }
    Ok(())
}
