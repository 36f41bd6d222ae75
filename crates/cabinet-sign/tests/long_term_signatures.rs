//! CAdES-X Long Type 1 (`cabinet_sign::long_term`): a signature whose
//! certificate expired long ago verifies with nothing but the trust list —
//! no CRL kept, no network — because it carries its chain, the CRL or OCSP
//! answer of its time and a time stamp over their references; and a
//! signature whose long-term data was changed afterwards says so.

mod support;

use cabinet_sign::assess::{
    assess_detached, CertState, Evidence, Level, RevocationSource, SignerCheck, Verdict,
};
use cabinet_sign::cades::sign_detached;
use cabinet_sign::long_term;
use cabinet_sign::pki::KeyKind;
use cabinet_sign::SigningKey;
use chrono::{DateTime, Duration, Utc};
use cms::content_info::ContentInfo;
use cms::signed_data::SignedData;
use der::{Decode, Encode};
use support::world::World;

const DOC: &[u8] = "Устав ООО «Ромашка», редакция 3".as_bytes();

/// Judged with the trust list alone: no CRLs, no OCSP, nothing fetched.
fn judge_offline(w: &World, sig: &[u8]) -> SignerCheck {
    let evidence = Evidence {
        tsl: Some(&w.tsl),
        own_roots: &[],
        crls: &[],
        certificates: &[],
        ocsp: &[],
        now: Utc::now(),
    };
    let mut all = assess_detached(sig, DOC, &evidence).unwrap();
    assert_eq!(all.len(), 1);
    all.remove(0)
}

/// A director's certificate that expired 35 days ago; the document was
/// signed and stamped 100 days ago; the CA's CRL of the next day.
fn expired_director(w: &World) -> (Vec<u8>, Vec<u8>, DateTime<Utc>) {
    let key = w.person(
        Utc::now() - Duration::days(400),
        Utc::now() - Duration::days(35),
    );
    let signed_at = Utc::now() - Duration::days(100);
    let bes = sign_detached(&key, DOC, signed_at).unwrap();
    let t = w.stamp(&bes, signed_at + Duration::minutes(1));
    let crl = w.crl(&[], signed_at + Duration::days(1));
    (t, crl, signed_at)
}

fn xl1_verifies_offline_after_expiry(kind: KeyKind) {
    let w = World::accredited(kind);
    let (t, crl, signed_at) = expired_director(&w);

    // CAdES-T alone, offline: the time is proven, but nothing says whether
    // the certificate was revoked then.
    let c = judge_offline(&w, &t);
    assert_eq!(c.level, Level::T);
    assert_eq!(c.certificate_at_signing, CertState::Unknown);
    assert_eq!(c.verdict, Verdict::Indeterminate);
    assert_eq!(c.problems[0].as_str(), "revocation.unknown");

    let xl1 = w.xl1(&t, &[crl], &[], signed_at + Duration::days(1));
    let c = judge_offline(&w, &xl1);
    assert_eq!(c.level, Level::XLongType1);
    assert_eq!(c.certificate_at_signing, CertState::Valid);
    assert_eq!(c.certificate_now, CertState::Expired);
    let r = c.revocation.as_ref().expect("the CRL it carries");
    assert_eq!(r.source, RevocationSource::Crl);
    assert_eq!(r.issuer, "Аккредитованный УЦ");
    assert_eq!(c.verdict, Verdict::Valid, "{:?}", c.problems);
    assert!(c.problems.is_empty(), "{:?}", c.problems);
    // The signed parts are untouched: a plain CMS reader still verifies it.
    cabinet_sign::verify::verify_detached_at(
        &xl1,
        DOC,
        &cabinet_sign::verify::Trust::default(),
        signed_at,
    )
    .unwrap();
}

#[test]
fn xl1_verifies_offline_after_the_certificate_expired_gost() {
    xl1_verifies_offline_after_expiry(KeyKind::GOST_256);
}

#[test]
fn xl1_verifies_offline_after_the_certificate_expired_gost_512() {
    xl1_verifies_offline_after_expiry(KeyKind::GOST_512);
}

#[test]
fn xl1_verifies_offline_after_the_certificate_expired_ecdsa() {
    xl1_verifies_offline_after_expiry(KeyKind::EcdsaP256);
}

#[test]
fn xl1_with_an_ocsp_answer_instead_of_a_crl() {
    let w = World::accredited(KeyKind::GOST_256);
    let key = w.person(
        Utc::now() - Duration::days(400),
        Utc::now() - Duration::days(35),
    );
    let signed_at = Utc::now() - Duration::days(100);
    let t = w.stamp(
        &sign_detached(&key, DOC, signed_at).unwrap(),
        signed_at + Duration::minutes(1),
    );
    let answer = w.ocsp(&key, &[], signed_at + Duration::minutes(5));
    let xl1 = w.xl1(&t, &[], &[answer], signed_at + Duration::minutes(10));
    let c = judge_offline(&w, &xl1);
    let r = c.revocation.as_ref().expect("the OCSP answer it carries");
    assert_eq!(r.source, RevocationSource::Ocsp);
    assert_eq!(r.issuer, "OCSP-служба УЦ");
    assert_eq!(c.level, Level::XLongType1);
    assert_eq!(c.verdict, Verdict::Valid, "{:?}", c.problems);

    // Revoked before the signing time, by the responder's word: invalid.
    let serial = SigningKey::certificate(&key).serial.clone();
    let answer = w.ocsp(
        &key,
        &[(serial, signed_at - Duration::days(1))],
        signed_at + Duration::minutes(5),
    );
    let xl1 = w.xl1(&t, &[], &[answer], signed_at + Duration::minutes(10));
    let c = judge_offline(&w, &xl1);
    assert_eq!(c.certificate_at_signing, CertState::Revoked);
    assert_eq!(c.verdict, Verdict::Invalid);
}

#[test]
fn no_long_term_form_without_revocation_data_or_trust() {
    let w = World::accredited(KeyKind::GOST_256);
    let (t, _, _) = expired_director(&w);
    let evidence = Evidence {
        tsl: Some(&w.tsl),
        own_roots: &[],
        crls: &[],
        certificates: &[],
        ocsp: &[],
        now: Utc::now(),
    };
    let e = cabinet_sign::assess::validation_data(&t, &evidence).unwrap_err();
    assert_eq!(e.code().as_str(), "revocation.unknown");
    let stranger = World::accredited(KeyKind::GOST_256);
    let (t, crl, _) = expired_director(&stranger);
    let crls = [crl];
    let evidence = Evidence {
        crls: &crls,
        ..evidence
    };
    let e = cabinet_sign::assess::validation_data(&t, &evidence).unwrap_err();
    assert_eq!(e.code().as_str(), "sig.untrusted");
    // And no references before a signature time stamp.
    let key = w.person(
        Utc::now() - Duration::days(1),
        Utc::now() + Duration::days(9),
    );
    let bes = sign_detached(&key, DOC, Utc::now()).unwrap();
    let e = long_term::add_validation_data(&bes, &[Default::default()]).unwrap_err();
    assert_eq!(e.code().as_str(), "sig.malformed");
}

/// `target` with its signer's unsigned attribute `oid` taken from `from`.
fn splice(target: &[u8], from: &[u8], oid: &str) -> Vec<u8> {
    let parse = |b: &[u8]| {
        ContentInfo::from_der(b)
            .unwrap()
            .content
            .decode_as::<SignedData>()
            .unwrap()
    };
    let mut sd = parse(target);
    let donor = parse(from);
    let wanted = der::asn1::ObjectIdentifier::new_unwrap(oid);
    let attr = donor.signer_infos.0.as_slice()[0]
        .unsigned_attrs
        .as_ref()
        .unwrap()
        .iter()
        .find(|a| a.oid == wanted)
        .unwrap()
        .clone();
    let mut signers = sd.signer_infos.0.into_vec();
    let mut attrs = signers[0].unsigned_attrs.take().unwrap().into_vec();
    attrs.retain(|a| a.oid != wanted);
    attrs.push(attr);
    signers[0].unsigned_attrs = Some(der::asn1::SetOfVec::try_from(attrs).unwrap());
    sd.signer_infos =
        cms::signed_data::SignerInfos(der::asn1::SetOfVec::try_from(signers).unwrap());
    ContentInfo {
        content_type: der::asn1::ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2"),
        content: der::Any::encode_from(&sd).unwrap(),
    }
    .to_der()
    .unwrap()
}

#[test]
fn long_term_data_changed_after_it_was_stamped_is_found() {
    let w = World::accredited(KeyKind::GOST_256);
    let (t, crl, signed_at) = expired_director(&w);
    let good = w.xl1(&t, &[crl], &[], signed_at + Duration::days(1));
    // The same signature carrying another CRL: the values no longer match
    // the stamped references.
    let other_crl = w.crl(&[], signed_at + Duration::days(2));
    let other = w.xl1(&t, &[other_crl], &[], signed_at + Duration::days(2));
    let swapped = splice(&good, &other, "1.2.840.113549.1.9.16.2.24");
    let c = judge_offline(&w, &swapped);
    assert!(
        c.problems
            .iter()
            .any(|p| p.as_str() == "sig.long_term_broken"),
        "{:?}",
        c.problems
    );
    assert_eq!(c.verdict, Verdict::Indeterminate);
    // References and values swapped together: the escTimeStamp is over
    // other references.
    let both = splice(&swapped, &other, "1.2.840.113549.1.9.16.2.22");
    let c = judge_offline(&w, &both);
    assert!(
        c.problems.iter().any(|p| p.as_str() == "tsp.mismatch"),
        "{:?}",
        c.problems
    );
    assert_eq!(c.verdict, Verdict::Indeterminate);
    // An escTimeStamp is refused when it is over anything else.
    let sd = ContentInfo::from_der(&other)
        .unwrap()
        .content
        .decode_as::<SignedData>()
        .unwrap();
    let esc = sd.signer_infos.0.as_slice()[0]
        .unsigned_attrs
        .as_ref()
        .unwrap()
        .iter()
        .find(|a| a.oid.to_string() == "1.2.840.113549.1.9.16.2.25")
        .unwrap()
        .values
        .iter()
        .next()
        .unwrap()
        .to_der()
        .unwrap();
    let tokens = vec![esc];
    let e = long_term::add_esc_timestamps(&good, &tokens).unwrap_err();
    assert_eq!(e.code().as_str(), "tsp.mismatch");
}

#[test]
fn upgrading_again_replaces_the_long_term_data() {
    let w = World::accredited(KeyKind::GOST_256);
    let (t, crl, signed_at) = expired_director(&w);
    let once = w.xl1(
        &t,
        std::slice::from_ref(&crl),
        &[],
        signed_at + Duration::days(1),
    );
    let twice = w.xl1(&once, &[crl], &[], signed_at + Duration::days(3));
    let si = ContentInfo::from_der(&twice)
        .unwrap()
        .content
        .decode_as::<SignedData>()
        .unwrap()
        .signer_infos
        .0
        .as_slice()[0]
        .clone();
    let count = |oid: &str| {
        si.unsigned_attrs
            .as_ref()
            .unwrap()
            .iter()
            .filter(|a| a.oid.to_string() == oid)
            .count()
    };
    for oid in 21..=25 {
        assert_eq!(count(&format!("1.2.840.113549.1.9.16.2.{oid}")), 1);
    }
    assert_eq!(count("1.2.840.113549.1.9.16.2.14"), 1);
    assert_eq!(judge_offline(&w, &twice).verdict, Verdict::Valid);
}
