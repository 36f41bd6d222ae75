//! The worked examples of GOST R 34.11-2012 and GOST R 34.10-2012
//! (appendix A; RFC 6986 and RFC 7091 repeat them), bit for bit.

use super::*;

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if s.len() % 2 == 1 {
        return hex(&format!("0{s}"));
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Message M1 of the hash standard; M2 is «Се ветри, Стрибожи внуци…» in
/// Windows-1251.
const M1: &[u8] = b"012345678901234567890123456789012345678901234567890123456789012";
const M2: &str = "d1e520e2e5f2f0e82c20d1f2f0e8e1eee6e820e2edf3f6e82c20e2e5fef2fa20f120eceef0ff\
                  20f1f2f0e5ebe0ece820ede020f5f0e0e1f0fbff20efebfaeafb20c8e3eef0e5e2fb";

#[test]
fn streebog_examples_of_the_standard() {
    assert_eq!(
        streebog256(M1).to_vec(),
        hex("9d151eefd8590b89daa6ba6cb74af9275dd051026bb149a452fd84e5e57b5500")
    );
    assert_eq!(
        streebog512(M1).to_vec(),
        hex(
            "1b54d01a4af5b9d5cc3d86d68d285462b19abc2475222f35c085122be4ba1ffa\
             00ad30f8767b3a82384c6574f024c311e2a481332b08ef7f41797891c1646f48"
        )
    );
    let m2 = hex(M2);
    assert_eq!(
        streebog256(&m2).to_vec(),
        hex("9dd2fe4e90409e5da87f53976d7405b0c0cac628fc669a741d50063c557e8f50")
    );
    assert_eq!(
        streebog512(&m2).to_vec(),
        hex(
            "1e88e62226bfca6f9994f1f2d51569e0daf8475a3b0fe61a5300eee46d961376\
             035fe83549ada2b8620fcd7c496ce5b33f0cb9dddc2b6460143b03dabac9fb28"
        )
    );
    // Streaming in odd pieces gives the same digest.
    let mut h = Streebog::new(KeySize::Bits512);
    for piece in m2.chunks(7) {
        h.update(piece);
    }
    assert_eq!(h.finalize(), streebog512(&m2).to_vec());
}

/// Differential test of our word-oriented Streebog against RustCrypto's
/// byte-oriented crate: every length from 0 to 300 bytes (around the block
/// boundaries), and 1 MiB fed in random-sized pieces.
#[test]
fn streebog_agrees_with_the_streebog_crate() {
    use ::streebog::Digest;
    let mut data = vec![0u8; 1 << 20];
    getrandom::getrandom(&mut data).unwrap();
    for len in 0..=300 {
        let m = &data[..len];
        assert_eq!(
            streebog256(m).to_vec(),
            ::streebog::Streebog256::digest(m).to_vec(),
            "256, {len} bytes"
        );
        assert_eq!(
            streebog512(m).to_vec(),
            ::streebog::Streebog512::digest(m).to_vec(),
            "512, {len} bytes"
        );
    }
    let mut ours = Streebog::new(KeySize::Bits256);
    let mut rest = &data[..];
    let mut sizes = data.iter().map(|b| *b as usize * 37 % 5000);
    while !rest.is_empty() {
        let n = sizes.next().unwrap().min(rest.len());
        ours.update(&rest[..n]);
        rest = &rest[n..];
    }
    assert_eq!(
        ours.finalize(),
        ::streebog::Streebog256::digest(&data).to_vec()
    );
}

struct Example {
    params: ParamSet,
    d: &'static str,
    qx: &'static str,
    qy: &'static str,
    /// e as the standard prints it (an integer, big-endian).
    e: &'static str,
    k: &'static str,
    r: &'static str,
    s: &'static str,
}

const EXAMPLE_1: Example = Example {
    params: ParamSet::Test256,
    d: "7A929ADE789BB9BE10ED359DD39A72C11B60961F49397EEE1D19CE9891EC3B28",
    qx: "7F2B49E270DB6D90D8595BEC458B50C58585BA1D4E9B788F6689DBD8E56FD80B",
    qy: "26F1B489D6701DD185C8413A977B3CBBAF64D1C593D26627DFFB101A87FF77DA",
    e: "2DFBC1B372D89A1188C09C52E0EEC61FCE52032AB1022E8E67ECE6672B043EE5",
    k: "77105C9B20BCD3122823C8CF6FCC7B956DE33814E95B7FE64FED924594DCEAB3",
    r: "41AA28D2F1AB148280CD9ED56FEDA41974053554A42767B83AD043FD39DC0493",
    s: "01456C64BA4642A1653C235A98A60249BCD6D3F746B631DF928014F6C5BF9C40",
};

const EXAMPLE_2: Example = Example {
    params: ParamSet::Test512,
    d: "0BA6048AADAE241BA40936D47756D7C93091A0E8514669700EE7508E508B1020\
        72E8123B2200A0563322DAD2827E2714A2636B7BFD18AADFC62967821FA18DD4",
    qx: "115DC5BC96760C7B48598D8AB9E740D4C4A85A65BE33C1815B5C320C854621DD\
         5A515856D13314AF69BC5B924C8B4DDFF75C45415C1D9DD9DD33612CD530EFE1",
    qy: "37C7C90CD40B0F5621DC3AC1B751CFA0E2634FA0503B3D52639F5D7FB72AFD61\
         EA199441D943FFE7F0C70A2759A3CDB84C114E1F9339FDF27F35ECA93677BEEC",
    e: "3754F3CFACC9E0615C4F4A7C4D8DAB531B09B6F9C170C533A71D147035B0C591\
        7184EE536593F4414339976C647C5D5A407ADEDB1D560C4FC6777D2972075B8C",
    k: "0359E7F4B1410FEACC570456C6801496946312120B39D019D455986E364F3658\
        86748ED7A44B3E794434006011842286212273A6D14CF70EA3AF71BB1AE679F1",
    r: "2F86FA60A081091A23DD795E1E3C689EE512A3C82EE0DCC2643C78EEA8FCACD3\
        5492558486B20F1C9EC197C90699850260C93BCBCD9C5C3317E19344E173AE36",
    s: "1081B394696FFE8E6585E7A9362D26B6325F56778AADBC081C0BFBE933D52FF5\
        823CE288E8C4F362526080DF7F70CE406A6EEB1F56919CB92A9853BDE73E5B4A",
};

fn padded(s: &str, n: usize) -> Vec<u8> {
    let b = hex(s);
    [vec![0; n - b.len()], b].concat()
}

fn check(ex: &Example) {
    let n = ex.params.size().bytes();
    let key = GostPrivateKey::from_be_bytes(ex.params, &hex(ex.d)).unwrap();
    // The public key of the example.
    assert_eq!(
        key.public_key().coordinates(),
        (&padded(ex.qx, n)[..], &padded(ex.qy, n)[..])
    );
    // e is the digest read little-endian: the digest bytes are e reversed.
    let digest = reversed(&padded(ex.e, n));
    let sig = key.sign_digest_with_nonce(&digest, &hex(ex.k)).unwrap();
    assert_eq!(sig, [padded(ex.s, n), padded(ex.r, n)].concat());
    let public = GostPublicKey::from_coordinates(ex.params, &hex(ex.qx), &hex(ex.qy)).unwrap();
    assert!(public.verify_digest(&digest, &sig).unwrap());
    // Any changed bit fails.
    for i in [0, n - 1, n, 2 * n - 1] {
        let mut bad = sig.clone();
        bad[i] ^= 1;
        assert!(!public.verify_digest(&digest, &bad).unwrap(), "byte {i}");
    }
    let mut other = digest.clone();
    other[0] ^= 0x80;
    assert!(!public.verify_digest(&other, &sig).unwrap());
    // Random nonces: a different value each time, each one verifies.
    let a = key.sign_digest(&digest).unwrap();
    let b = key.sign_digest(&digest).unwrap();
    assert_ne!(a, b);
    assert!(public.verify_digest(&digest, &a).unwrap());
    assert!(public.verify_digest(&digest, &b).unwrap());
    // The raw form is the value reversed.
    assert_eq!(raw_form(&sig)[..n], reversed(&padded(ex.r, n))[..]);
}

#[test]
fn signature_example_1_of_the_standard_256() {
    check(&EXAMPLE_1);
}

#[test]
fn signature_example_2_of_the_standard_512() {
    check(&EXAMPLE_2);
}

#[test]
fn every_parameter_set_signs_and_verifies_its_own() {
    for params in params::ALL {
        let key = GostPrivateKey::generate(params).unwrap();
        let sig = key.sign(b"message").unwrap();
        assert_eq!(sig.len(), 2 * params.size().bytes());
        assert!(
            key.public_key().verify(b"message", &sig).unwrap(),
            "{params:?}"
        );
        assert!(
            !key.public_key().verify(b"messagf", &sig).unwrap(),
            "{params:?}"
        );
        // The public key round-trips through its X.509 form, checked.
        let again = GostPublicKey::from_le_bytes(params, &key.public_key().to_le_bytes()).unwrap();
        assert_eq!(&again, key.public_key());
        assert_eq!(ParamSet::from_oid(params.oid()), Some(params));
    }
}

#[test]
fn bad_keys_and_values_are_refused() {
    let q = "8000000000000000000000000000000150FE8A1892976154C59CFC193ACCF5B3";
    for d in ["00", q] {
        let err = GostPrivateKey::from_be_bytes(ParamSet::Test256, &hex(d)).unwrap_err();
        assert_eq!(err.code(), "key.malformed");
    }
    // A point off the curve.
    let err =
        GostPublicKey::from_coordinates(ParamSet::Test256, &hex("02"), &hex("03")).unwrap_err();
    assert_eq!(err.code(), "key.malformed");
    // Wrong lengths and out-of-range halves are a failed check, not a panic.
    let key = GostPrivateKey::generate(ParamSet::CryptoProA).unwrap();
    let public = key.public_key();
    let digest = streebog256(b"x");
    assert!(!public.verify_digest(&digest, &[0; 63]).unwrap());
    assert!(!public.verify_digest(&digest, &[0; 64]).unwrap());
    assert!(!public.verify_digest(&digest, &[0xff; 64]).unwrap());
    assert!(public.verify_digest(&[0; 64], &[1; 64]).is_err());
}
