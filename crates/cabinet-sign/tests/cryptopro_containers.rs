//! CryptoPro key containers: the one CryptoPro CSP 5 made
//! (`tests/vectors/cryptopro-csp5-srv.000`) opens and signs what OpenSSL
//! verifies; containers our writer makes from keys OpenSSL's GOST engine
//! generated (256 and 512 bits, with a PIN) open, sign, and refuse a wrong
//! PIN, a truncated or mixed-up file, and a certificate that is not theirs,
//! each with its code. The container MAC is checked against the engine's
//! `gost-mac-12`.

mod support;

use std::path::{Path, PathBuf};

use cabinet_sign::cades::sign_detached;
use cabinet_sign::container::{self, NewContainer};
use cabinet_sign::gost::{GostPrivateKey, KeySize, ParamSet};
use cabinet_sign::verify::{verify_detached_at, Trust};
use cabinet_sign::{Algorithm, CertificateInfo, SigningKey};
use support::engine::{engine_ok, openssl_verifies_detached, self_signed};

const PIN: &str = "12345678";

fn csp_container() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/cryptopro-csp5-srv.000")
}

/// A copy of a container folder, to damage.
fn copy(from: &Path, to: &Path) -> PathBuf {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_name().to_string_lossy().ends_with(".key") {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
    to.to_path_buf()
}

/// Signs a document with `key` at a time its certificate is valid; our
/// verifier and `openssl cms -verify` (with the engine) both accept it.
fn sign_and_verify_in_openssl(key: &dyn SigningKey, dir: &Path) {
    let doc = "Счёт № 17 от 1 декабря".as_bytes();
    let at = key.certificate().not_before + chrono::Duration::days(1);
    let sig = sign_detached(key, doc, at).unwrap_or_else(|e| panic!("{}: {e}", e.code()));
    verify_detached_at(&sig, doc, &Trust::default(), at).unwrap();
    openssl_verifies_detached(dir, doc, &sig);
}

fn code(r: Result<container::ContainerKey, cabinet_sign::SignError>) -> &'static str {
    r.map(|_| ()).unwrap_err().code().as_str()
}

#[test]
fn a_container_cryptopro_csp_made_opens_and_signs_what_openssl_verifies() {
    let path = csp_container();
    let summary = container::summary(&path).unwrap();
    assert_eq!(summary.name, "srv");
    assert!(!summary.pin_set);
    assert_eq!(summary.params, ParamSet::CryptoProXchA);
    let cert = summary.certificate.expect("CSP kept the certificate");
    assert_eq!(cert.algorithm, Algorithm::Gost2012_256);

    // No PIN is set: whatever is typed, the key opens (as in CSP).
    let key = container::open(&path, "", None).unwrap_or_else(|e| panic!("{}: {e}", e.code()));
    assert_eq!(key.certificate().sha256, cert.sha256);
    assert_eq!(key.name(), "srv");
    container::open(&path, "anything", None).unwrap();

    let dir = tempfile::tempdir().unwrap();
    sign_and_verify_in_openssl(&key, dir.path());
}

#[test]
fn a_damaged_or_mixed_up_csp_container_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    // A byte of the header changed: its MAC fails.
    let c = copy(&csp_container(), &d.join("header.000"));
    let mut header = std::fs::read(c.join("header.key")).unwrap();
    let at = header.len() - 20;
    header[at] ^= 1;
    std::fs::write(c.join("header.key"), header).unwrap();
    assert_eq!(code(container::open(&c, "", None)), "container.damaged");

    // masks.key swapped for the reserve copy's masks2.key: each file is
    // whole, but together they give another key than the header names.
    let c = copy(&csp_container(), &d.join("swapped.000"));
    std::fs::copy(c.join("masks2.key"), c.join("masks.key")).unwrap();
    let e = container::open(&c, "", None).unwrap_err();
    assert_eq!(e.code(), "container.damaged", "{e}");

    // primary.key cut short.
    let c = copy(&csp_container(), &d.join("short.000"));
    let primary = std::fs::read(c.join("primary.key")).unwrap();
    std::fs::write(c.join("primary.key"), &primary[..primary.len() - 3]).unwrap();
    assert_eq!(code(container::open(&c, "", None)), "container.damaged");

    // A bit of the mask flipped: its MAC fails.
    let c = copy(&csp_container(), &d.join("mask.000"));
    let mut masks = std::fs::read(c.join("masks.key")).unwrap();
    masks[10] ^= 0x40;
    std::fs::write(c.join("masks.key"), masks).unwrap();
    assert_eq!(code(container::open(&c, "", None)), "container.damaged");

    // No primary.key at all, no folder at all.
    let c = copy(&csp_container(), &d.join("gone.000"));
    std::fs::remove_file(c.join("primary.key")).unwrap();
    assert_eq!(code(container::open(&c, "", None)), "container.not_found");
    assert_eq!(
        code(container::open(&d.join("nowhere.000"), "", None)),
        "container.not_found"
    );
}

/// A key OpenSSL's engine generated, with its self-signed certificate.
fn engine_key(d: &Path, name: &str, set: ParamSet) -> (GostPrivateKey, Vec<u8>) {
    self_signed(d, name, set, &format!("/CN={name}/O=ООО Вектор"));
    let der = format!("{name}.der");
    engine_ok(
        d,
        &[
            "pkey",
            "-in",
            &format!("{name}.key"),
            "-outform",
            "DER",
            "-out",
            &der,
        ],
    );
    let key = GostPrivateKey::from_pkcs8_der(&std::fs::read(d.join(&der)).unwrap()).unwrap();
    let cert = CertificateInfo::parse(&std::fs::read(d.join(format!("{name}.pem"))).unwrap())
        .unwrap()
        .der;
    (key, cert)
}

#[test]
fn containers_made_from_engine_keys_open_with_their_pin_and_sign() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (set, name) in [
        (ParamSet::CryptoProA, "director256"),
        (ParamSet::Tc26_512A, "director512"),
    ] {
        let (key, cert) = engine_key(d, name, set);
        let path = d.join(format!("{name}.000"));
        container::write(
            &path,
            &NewContainer {
                name: "Иванов И. И. — подпись",
                key: &key,
                certificate: Some(&cert),
                pin: PIN,
            },
        )
        .unwrap();
        let summary = container::summary(&path).unwrap();
        assert!(summary.pin_set);
        assert_eq!(summary.name, "Иванов И. И. — подпись");
        assert_eq!(summary.params.size(), set.size());

        let opened = container::open(&path, PIN, None)
            .unwrap_or_else(|e| panic!("{name}: {}: {e}", e.code()));
        let expected = match set.size() {
            KeySize::Bits256 => Algorithm::Gost2012_256,
            KeySize::Bits512 => Algorithm::Gost2012_512,
        };
        assert_eq!(opened.certificate().algorithm, expected);
        sign_and_verify_in_openssl(&opened, d);

        assert_eq!(
            code(container::open(&path, "12345679", None)),
            "container.wrong_pin"
        );
        assert_eq!(
            code(container::open(&path, "", None)),
            "container.wrong_pin"
        );
    }
}

#[test]
fn each_fault_of_a_container_with_a_pin_gets_its_code() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (key, cert) = engine_key(d, "a", ParamSet::Tc26_256A);
    let (other_key, other_cert) = engine_key(d, "b", ParamSet::Tc26_256A);
    let make = |name: &str, key: &GostPrivateKey, cert: Option<&[u8]>| {
        let path = d.join(name);
        container::write(
            &path,
            &NewContainer {
                name,
                key,
                certificate: cert,
                pin: PIN,
            },
        )
        .unwrap();
        path
    };
    let good = make("good.000", &key, Some(&cert));
    let other = make("other.000", &other_key, Some(&other_cert));

    // masks.key of another container: the PIN is right (its check is
    // made over the header), the key that comes out is not the header's.
    let c = copy(&good, &d.join("swapped.000"));
    std::fs::copy(other.join("masks.key"), c.join("masks.key")).unwrap();
    let e = container::open(&c, PIN, None).unwrap_err();
    assert_eq!(e.code(), "container.damaged", "{e}");

    // primary.key cut short, or padded.
    let c = copy(&good, &d.join("short.000"));
    let primary = std::fs::read(c.join("primary.key")).unwrap();
    for cut in [1, 8, primary.len() - 1] {
        std::fs::write(c.join("primary.key"), &primary[..cut]).unwrap();
        assert_eq!(code(container::open(&c, PIN, None)), "container.damaged");
    }

    // The certificate: none in the header needs one given; a given one
    // must be the key's.
    let bare = make("bare.000", &key, None);
    assert_eq!(
        code(container::open(&bare, PIN, None)),
        "container.no_certificate"
    );
    container::open(&bare, PIN, Some(&cert)).unwrap();
    assert_eq!(
        code(container::open(&bare, PIN, Some(&other_cert))),
        "container.key_mismatch"
    );
    assert_eq!(
        code(container::open(&good, PIN, Some(&other_cert))),
        "container.key_mismatch"
    );

    // A file of the wrong kind where the container should be.
    std::fs::write(d.join("file.000"), b"not a folder").unwrap();
    assert_eq!(
        code(container::open(&d.join("file.000"), PIN, None)),
        "container.not_found"
    );
}

#[test]
fn containers_are_found_in_a_tree_and_other_folders_passed_over() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let media = d.join("media/FLASH");
    copy(&csp_container(), &media.join("srv.000"));
    let key = GostPrivateKey::generate(ParamSet::Tc26_256A).unwrap();
    container::write(
        &media.join("keys/second.000"),
        &NewContainer {
            name: "второй",
            key: &key,
            certificate: None,
            pin: PIN,
        },
    )
    .unwrap();
    std::fs::create_dir_all(media.join("photos/2024")).unwrap();
    std::fs::write(media.join("photos/header.key"), b"a stray file").unwrap();

    let found = container::find(&media, 2);
    let names: Vec<&str> = found.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["второй", "srv"]);
    assert!(container::find(&media, 0).is_empty());
    assert!(container::find(&d.join("nowhere"), 3).is_empty());
}

#[test]
fn the_container_mac_is_the_engines_gost_mac_12() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let key: [u8; 32] = core::array::from_fn(|i| (i as u8).wrapping_mul(37).wrapping_add(11));
    let hexkey = format!(
        "hexkey:{}",
        key.iter().map(|b| format!("{b:02x}")).collect::<String>()
    );
    // Up to 1 KiB: beyond, the engine meshes the key (RFC 4357 §2.3) and
    // CSP's container MAC does not, as the 1428-byte header CSP wrote shows
    // (its MAC is checked when that container opens).
    for len in [16usize, 12, 24, 100, 1024] {
        let data: Vec<u8> = (0..len).map(|i| (i * 13 + 5) as u8).collect();
        std::fs::write(d.join("data"), &data).unwrap();
        let out = engine_ok(
            d,
            &["dgst", "-mac", "gost-mac-12", "-macopt", &hexkey, "data"],
        );
        let text = String::from_utf8_lossy(&out.stdout);
        let theirs = text.trim().rsplit("= ").next().unwrap().to_string();
        let ours: String = cabinet_sign::gost89::mac_z(&key, &data)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(ours, theirs, "{len} bytes");
    }
}
