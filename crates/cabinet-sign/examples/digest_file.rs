//! `digest_file ALGORITHM FILE`: our digest of a file in hex (sha256,
//! streebog256, streebog512), read as `cabinet sign` reads it. The signing
//! benchmark times it next to `openssl dgst`.

use cabinet_sign::DigestAlgorithm;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(algorithm), Some(file)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: digest_file sha256|streebog256|streebog512 FILE");
        std::process::exit(2);
    };
    let algorithm = match algorithm.as_str() {
        "sha256" => DigestAlgorithm::Sha256,
        "streebog256" => DigestAlgorithm::Streebog256,
        "streebog512" => DigestAlgorithm::Streebog512,
        other => {
            eprintln!("unknown digest {other}");
            std::process::exit(2);
        }
    };
    let file = std::fs::File::open(file).unwrap_or_else(|e| {
        eprintln!("{file}: {e}");
        std::process::exit(1);
    });
    let digest = algorithm.digest_stream(file).unwrap_or_else(|e| {
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
