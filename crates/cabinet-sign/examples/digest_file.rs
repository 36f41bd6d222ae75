//! `digest_file ALGORITHM FILE`: our digest of a file in hex (sha256,
//! streebog256, streebog512), read as `cabinet sign` reads it. The signing
//! benchmark times it next to `openssl dgst`, and next to RustCrypto's
//! `streebog` crate (`streebog256-rustcrypto`, `streebog512-rustcrypto`,
//! same reads), the crate our own Streebog replaced for speed.

use std::io::Read;

use cabinet_sign::DigestAlgorithm;
use streebog::Digest;

/// The file through RustCrypto's hasher, in the 64 KiB reads ours uses.
fn rustcrypto<D: Digest>(mut file: std::fs::File) -> std::io::Result<Vec<u8>> {
    let mut hasher = D::new();
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            return Ok(hasher.finalize().to_vec());
        }
        hasher.update(&buffer[..n]);
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(algorithm), Some(file)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: digest_file sha256|streebog256|streebog512|streebog256-rustcrypto|streebog512-rustcrypto FILE");
        std::process::exit(2);
    };
    let file = std::fs::File::open(file).unwrap_or_else(|e| {
        eprintln!("{file}: {e}");
        std::process::exit(1);
    });
    let ours = |algorithm: DigestAlgorithm, file| {
        algorithm
            .digest_stream(file)
            .map_err(|e| std::io::Error::other(e.to_string()))
    };
    let digest = match algorithm.as_str() {
        "sha256" => ours(DigestAlgorithm::Sha256, file),
        "streebog256" => ours(DigestAlgorithm::Streebog256, file),
        "streebog512" => ours(DigestAlgorithm::Streebog512, file),
        "streebog256-rustcrypto" => rustcrypto::<streebog::Streebog256>(file),
        "streebog512-rustcrypto" => rustcrypto::<streebog::Streebog512>(file),
        other => {
            eprintln!("unknown digest {other}");
            std::process::exit(2);
        }
    }
    .unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(1);
    });
    println!(
        "{}",
        digest
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
}
