//! Signatures in BER, as CryptoPro, ViPNet and `openssl cms -sign -stream`
//! write them (indefinite lengths, the content as a constructed OCTET STRING
//! of chunks), verify here: attached and detached, with the content taken
//! out, co-signed (and the co-signed file verified by OpenSSL), for RSA,
//! ECDSA and GOST 2012 256/512. Hand-built variants of the same encoding
//! (every element indefinite, strings in odd, empty and nested chunks)
//! verify too; truncated and flipped files are refused with a code, never
//! a panic.

mod support;

use std::path::Path;

use cabinet_sign::cades::{cosign_detached, sign_detached};
use cabinet_sign::gost::ParamSet;
use cabinet_sign::verify::{
    is_attached, verify_attached, verify_detached, verify_detached_with, ChainStatus, Trust,
};
use cabinet_sign::{CertificateInfo, PfxIdentity};
use support::engine::{digest, engine, engine_ok, self_signed};

fn document() -> Vec<u8> {
    // Long enough that OpenSSL streams it in several chunks.
    "Акт сверки взаимных расчётов № 42 за ноябрь 2026 г.\n"
        .repeat(400)
        .into_bytes()
}

/// A signer: its certificate (`name.pem`), the root to trust, and the
/// same key opened by us for co-signing.
struct Signer {
    name: &'static str,
    root: CertificateInfo,
    /// The file OpenSSL trusts.
    root_file: &'static str,
    ours: PfxIdentity,
    /// `-md` for `openssl cms -sign`, and whether the GOST engine is needed.
    md: Option<&'static str>,
}

fn rsa_or_ec(d: &Path, newkey: &'static str) -> Signer {
    support::ca(d, "Демо УЦ");
    support::issue(d, "user", newkey, "/CN=Петрова Анна Викторовна");
    Signer {
        name: "user",
        root: support::cert(d, "ca.pem"),
        root_file: "ca.pem",
        ours: support::identity(d, "user"),
        md: None,
    }
}

fn gost(d: &Path, p: ParamSet) -> Signer {
    self_signed(d, "user", p, "/CN=Иванов Сергей Петрович/INNLE=7707083893");
    let pem = std::fs::read(d.join("user.pem")).unwrap();
    Signer {
        name: "user",
        root: CertificateInfo::parse(&pem).unwrap(),
        root_file: "user.pem",
        ours: PfxIdentity::from_key_and_certificate(
            &std::fs::read(d.join("user.key")).unwrap(),
            &pem,
        )
        .unwrap(),
        md: Some(digest(p)),
    }
}

/// `openssl cms -sign -stream`: an attached BER signature of `doc.bin`.
fn openssl_stream_sign(d: &Path, s: &Signer) -> Vec<u8> {
    let (pem, key) = (format!("{}.pem", s.name), format!("{}.key", s.name));
    let mut args = vec![
        "cms",
        "-sign",
        "-stream",
        "-binary",
        "-nodetach",
        "-outform",
        "DER",
        "-in",
        "doc.bin",
        "-signer",
        &pem,
        "-inkey",
        &key,
        "-out",
        "stream.sig",
    ];
    if let Some(md) = s.md {
        args.extend(["-md", md]);
    }
    engine_ok(d, &args);
    std::fs::read(d.join("stream.sig")).unwrap()
}

/// The end of the element that starts at `pos` (definite or indefinite).
fn element_end(b: &[u8], pos: usize) -> usize {
    let mut p = pos + 1;
    let first_len = b[p];
    p += 1;
    if first_len == 0x80 {
        while b[p..p + 2] != [0, 0] {
            p = element_end(b, p);
        }
        return p + 2;
    }
    let len = if first_len < 0x80 {
        usize::from(first_len)
    } else {
        let n = usize::from(first_len & 0x7f);
        let len = b[p..p + n]
            .iter()
            .fold(0usize, |a, x| (a << 8) | usize::from(*x));
        p += n;
        len
    };
    p + len
}

/// The same BER signature without its content: a detached signature in
/// the encoding the CSP wrote. (OpenSSL streams only attached ones; the
/// outer levels are indefinite, so no length needs changing.)
fn detach(ber: &[u8]) -> Vec<u8> {
    let id_data_then_content = [
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01, 0xa0,
    ];
    let at = ber
        .windows(id_data_then_content.len())
        .position(|w| w == id_data_then_content)
        .expect("an id-data eContent")
        + id_data_then_content.len()
        - 1;
    let mut out = ber[..at].to_vec();
    out.extend_from_slice(&ber[element_end(ber, at)..]);
    out
}

/// `der` re-encoded as a CSP might: every constructed element with an
/// indefinite length, and every OCTET STRING longer than `chunk` as a
/// constructed string of `chunk`-sized pieces, led by an empty piece, the
/// second piece nested one level deeper.
fn berify(der: &[u8], chunk: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < der.len() {
        let end = element_end(der, pos);
        let tag = der[pos];
        let header = if der[pos + 1] < 0x80 {
            2
        } else {
            2 + usize::from(der[pos + 1] & 0x7f)
        };
        let content = &der[pos + header..end];
        if is_certificate(tag, content) || is_signed_attributes(tag, content) {
            // CSPs embed certificates as the CA issued them and write the
            // signed attributes as they signed them, in DER; OpenSSL checks
            // both over the bytes they came in.
            out.extend_from_slice(&der[pos..end]);
        } else if tag & 0x20 != 0 {
            out.extend([tag, 0x80]);
            out.extend(berify(content, chunk));
            out.extend([0, 0]);
        } else if tag == 0x04 && content.len() > chunk {
            out.extend([0x24, 0x80, 0x04, 0x00]);
            for (i, piece) in content.chunks(chunk).enumerate() {
                let mut prim = vec![0x04];
                prim.extend(length(piece.len()));
                prim.extend_from_slice(piece);
                if i == 1 {
                    out.extend([0x24, 0x80]);
                    out.extend(prim);
                    out.extend([0, 0]);
                } else {
                    out.extend(prim);
                }
            }
            out.extend([0, 0]);
        } else {
            out.extend_from_slice(&der[pos..end]);
        }
        pos = end;
    }
    out
}

/// A certificate: SEQUENCE { SEQUENCE { [0] { INTEGER 2 } … } … }.
fn is_certificate(tag: u8, content: &[u8]) -> bool {
    if tag != 0x30 || content.first() != Some(&0x30) || content.len() < 4 {
        return false;
    }
    let header = if content[1] < 0x80 {
        2
    } else {
        2 + usize::from(content[1] & 0x7f)
    };
    content.get(header..header + 4) == Some(&[0xa0, 0x03, 0x02, 0x01][..])
}

/// SignerInfo's [0] signedAttrs: attributes named by PKCS#9 OIDs.
fn is_signed_attributes(tag: u8, content: &[u8]) -> bool {
    let pkcs9 = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09];
    tag == 0xa0 && content.first() == Some(&0x30) && content.get(2..12) == Some(&pkcs9[..])
}

fn length(n: usize) -> Vec<u8> {
    if n < 0x80 {
        vec![n as u8]
    } else {
        let b = n.to_be_bytes();
        let skip = b.iter().take_while(|x| **x == 0).count();
        let mut v = vec![0x80 | (b.len() - skip) as u8];
        v.extend_from_slice(&b[skip..]);
        v
    }
}

fn openssl_verifies_detached(d: &Path, sig: &[u8], root: &str) -> bool {
    std::fs::write(d.join("check.sig"), sig).unwrap();
    engine(
        d,
        &support::cms_verify("check.sig", "doc.bin", root, &["-purpose", "any"]),
    )
    .status
    .success()
}

fn stream_signature_reads_everywhere(d: &Path, s: Signer) {
    let doc = document();
    std::fs::write(d.join("doc.bin"), &doc).unwrap();
    let attached = openssl_stream_sign(d, &s);
    assert_eq!(attached[..2], [0x30, 0x80], "OpenSSL wrote indefinite BER");
    let trust = Trust {
        roots: vec![s.root.clone()],
        crls: Vec::new(),
    };

    // Attached: the content comes out, the signer is checked.
    assert!(is_attached(&attached).unwrap());
    let got = verify_attached(&attached, &trust).unwrap();
    assert_eq!(got.content, doc);
    assert_eq!(got.signers.len(), 1);
    assert_eq!(got.signers[0].chain, ChainStatus::Trusted);
    // With a file beside it: the file must be the content it holds.
    verify_detached_with(&attached, &doc[..], &trust).unwrap();
    let mut other = doc.clone();
    other[100] ^= 1;
    let err = verify_detached_with(&attached, &other[..], &trust).unwrap_err();
    assert_eq!(err.code(), "sig.content_mismatch");
    let err = verify_detached_with(&attached, &doc[..doc.len() - 1], &trust).unwrap_err();
    assert_eq!(err.code(), "sig.content_mismatch");

    // Detached, still BER.
    let detached = detach(&attached);
    assert_eq!(detached[..2], [0x30, 0x80]);
    assert!(!is_attached(&detached).unwrap());
    assert!(openssl_verifies_detached(d, &detached, s.root_file));
    verify_detached(&detached, &doc[..], std::slice::from_ref(&s.root)).unwrap();
    let err = verify_detached(&detached, &other[..], &[]).unwrap_err();
    assert_eq!(err.code(), "sig.content_changed");
    assert_eq!(
        verify_attached(&detached, &trust).unwrap_err().code(),
        "sig.detached"
    );

    // Co-signed by us onto the BER file: written as DER, both signers
    // verify here and in OpenSSL.
    let both = cosign_detached(&detached, &s.ours, &doc[..], chrono::Utc::now()).unwrap();
    assert_eq!(both[1] & 0x80, 0x80, "our output has a definite length");
    let signers = verify_detached(&both, &doc[..], std::slice::from_ref(&s.root)).unwrap();
    assert_eq!(signers.len(), 2);
    assert!(openssl_verifies_detached(d, &both, s.root_file));
}

#[test]
fn rsa_stream_signature_verifies_extracts_and_cosigns() {
    let dir = tempfile::tempdir().unwrap();
    stream_signature_reads_everywhere(dir.path(), rsa_or_ec(dir.path(), "rsa:2048"));
}

#[test]
fn ecdsa_stream_signature_verifies_extracts_and_cosigns() {
    let dir = tempfile::tempdir().unwrap();
    stream_signature_reads_everywhere(dir.path(), rsa_or_ec(dir.path(), "ec"));
}

#[test]
fn gost_256_stream_signature_verifies_extracts_and_cosigns() {
    let dir = tempfile::tempdir().unwrap();
    stream_signature_reads_everywhere(dir.path(), gost(dir.path(), ParamSet::CryptoProA));
}

#[test]
fn gost_512_stream_signature_verifies_extracts_and_cosigns() {
    let dir = tempfile::tempdir().unwrap();
    stream_signature_reads_everywhere(dir.path(), gost(dir.path(), ParamSet::Tc26_512A));
}

#[test]
fn hand_built_ber_variants_verify_here_and_in_openssl() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let s = gost(d, ParamSet::Tc26_256B);
    let doc = document();
    std::fs::write(d.join("doc.bin"), &doc).unwrap();
    let der = sign_detached(&s.ours, &doc[..], chrono::Utc::now()).unwrap();
    // 1: every byte its own chunk; 3 and 7: odd sizes that split the
    // signature value unevenly; 1000: only the long strings.
    for chunk in [1, 3, 7, 1000] {
        let ber = berify(&der, chunk);
        assert_ne!(ber, der);
        assert!(
            openssl_verifies_detached(d, &ber, "user.pem"),
            "chunk {chunk}"
        );
        verify_detached(&ber, &doc[..], std::slice::from_ref(&s.root))
            .unwrap_or_else(|e| panic!("chunk {chunk}: {e}"));
        assert_eq!(
            cabinet_sign::ber::to_der(&ber).unwrap(),
            der,
            "chunk {chunk}"
        );
    }
    // The same as base64, as some systems send it.
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(berify(&der, 5));
    verify_detached(b64.as_bytes(), &doc[..], &[]).unwrap();
}

#[test]
fn truncated_and_flipped_ber_signatures_are_refused_with_a_code() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let s = rsa_or_ec(d, "rsa:2048");
    let doc = document();
    std::fs::write(d.join("doc.bin"), &doc[..3000]).unwrap();
    let attached = openssl_stream_sign(d, &s);
    let trust = Trust {
        roots: vec![s.root.clone()],
        crls: Vec::new(),
    };
    verify_attached(&attached, &trust).unwrap();

    for cut in 0..attached.len() {
        let err =
            verify_attached(&attached[..cut], &trust).expect_err("a truncated signature verified");
        assert_eq!(err.code(), "sig.malformed", "cut at {cut}: {err}");
    }

    // Every byte flipped in turn: some flips leave a valid signature (the
    // CMS version, the SignedData's own list of digests), none may panic,
    // and every refusal is one of the signature codes.
    let codes = [
        "sig.malformed",
        "sig.broken",
        "sig.content_changed",
        "sig.no_certificate",
        "sig.untrusted",
        "sig.detached",
        "sig.cert_expired",
        "sig.cert_not_yet_valid",
        "sign.unsupported_algorithm",
        "cert.malformed",
    ];
    let mut refused = 0;
    for i in 0..attached.len() {
        let mut bad = attached.clone();
        bad[i] ^= 0x5a;
        if let Err(e) = verify_attached(&bad, &trust) {
            assert!(
                codes.contains(&e.code().as_str()),
                "byte {i}: {} {e}",
                e.code()
            );
            refused += 1;
        }
    }
    assert!(
        refused > attached.len() * 9 / 10,
        "{refused} of {}",
        attached.len()
    );

    // The RSA signature value closes the DER form; a flip inside it is a
    // broken signature.
    let der = cabinet_sign::ber::to_der(&attached).unwrap();
    let value = &der[der.len() - 256..];
    let value_at = attached
        .windows(256)
        .position(|w| w == value)
        .expect("the signature value")
        + 100;
    let mut bad = attached.clone();
    bad[value_at] ^= 1;
    assert_eq!(
        verify_attached(&bad, &trust).unwrap_err().code(),
        "sig.broken"
    );
}
