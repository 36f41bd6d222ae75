//! What a signature is worth under 63-ФЗ (`cabinet_sign::assess`): the
//! trust list in the Ministry's form, accreditation over time, revocation
//! at the moment judged, and a verdict that is `valid` only when all of it
//! holds. The CAs and CRLs come from the built-in CA; the list is read
//! from a hand-written file in the published shape.

use base64::Engine;
use cabinet_sign::assess::{
    assess_attached, assess_detached, CertState, Evidence, SignerCheck, SigningTime, TrustLevel,
    Verdict,
};
use cabinet_sign::cades::{sign_attached, sign_detached};
use cabinet_sign::pki::{IssuedKey, KeyKind, Profile, Request, Subject};
use cabinet_sign::tsl::{parse_time, Authority, CaKey, StatusEntry, TrustList};
use cabinet_sign::{CertificateInfo, SigningKey};
use chrono::{DateTime, Duration, Utc};

const KIND: KeyKind = KeyKind::GOST_256;

fn ca(name: &str) -> IssuedKey {
    IssuedKey::new_root(&Request {
        kind: KIND,
        subject: Subject {
            common_name: name.into(),
            organization: Some(name.into()),
            ..Subject::default()
        },
        not_before: Utc::now() - Duration::days(3 * 365),
        not_after: Utc::now() + Duration::days(10 * 365),
        profile: Profile::Root,
    })
    .unwrap()
}

fn person(ca: &IssuedKey, from: DateTime<Utc>, to: DateTime<Utc>) -> IssuedKey {
    ca.issue(&Request {
        kind: KIND,
        subject: Subject::person("Иванова Мария Петровна"),
        not_before: from,
        not_after: to,
        profile: Profile::Signer,
    })
    .unwrap()
}

fn current(ca: &IssuedKey) -> IssuedKey {
    person(
        ca,
        Utc::now() - Duration::days(30),
        Utc::now() + Duration::days(300),
    )
}

fn in_force(from: &str, until: Option<&str>) -> StatusEntry {
    StatusEntry {
        status: "Действует".into(),
        reason: None,
        from: parse_time(from).unwrap(),
        until: until.map(|u| parse_time(u).unwrap()),
    }
}

fn authority(name: &str, ca: &IssuedKey, status: StatusEntry) -> Authority {
    Authority {
        name: name.into(),
        short_name: name.into(),
        inn: "7701234567".into(),
        ogrn: "1027700000001".into(),
        registry_number: "1234".into(),
        status: Some(status.clone()),
        history: vec![status],
        keys: vec![CaKey {
            key_id: "01".into(),
            certificates: vec![ca.certificate().clone()],
            crl_urls: vec!["http://uc.example.ru/cdp/uc.crl".into()],
        }],
    }
}

/// The list as the portal would publish it, written and read back.
fn list(authorities: Vec<Authority>) -> TrustList {
    let list = TrustList {
        version: 7,
        date: Some(Utc::now()),
        authorities,
        skipped_certificates: 0,
    };
    TrustList::parse(list.to_xml().as_bytes()).unwrap()
}

/// A CA accredited since 2020 and the list that names it.
fn accredited(name: &str) -> (IssuedKey, TrustList) {
    let uc = ca(name);
    let tsl = list(vec![authority(name, &uc, in_force("2020-01-01", None))]);
    (uc, tsl)
}

fn fresh_crl(ca: &IssuedKey, revoked: &[(&str, DateTime<Utc>)]) -> Vec<u8> {
    ca.crl_dated(
        revoked,
        Utc::now() - Duration::hours(1),
        Utc::now() + Duration::days(7),
    )
    .unwrap()
}

fn judge(sig: &[u8], content: &[u8], tsl: Option<&TrustList>, crls: &[Vec<u8>]) -> SignerCheck {
    judge_with(sig, content, tsl, &[], crls)
}

fn judge_with(
    sig: &[u8],
    content: &[u8],
    tsl: Option<&TrustList>,
    own: &[CertificateInfo],
    crls: &[Vec<u8>],
) -> SignerCheck {
    let evidence = Evidence {
        tsl,
        own_roots: own,
        crls,
        certificates: &[],
        ocsp: &[],
        now: Utc::now(),
    };
    let mut all = assess_detached(sig, content, &evidence).unwrap();
    assert_eq!(all.len(), 1);
    all.remove(0)
}

const DOC: &[u8] = "Договор поставки № 17".as_bytes();

#[test]
fn the_published_shape_reads() {
    let ca = ca("Тестовый УЦ");
    let b64 = base64::engine::general_purpose::STANDARD.encode(&ca.certificate().der);
    // Base64 split over lines, as the published list has it.
    let wrapped: String = b64
        .as_bytes()
        .chunks(64)
        .map(|c| format!("{}\n                  ", std::str::from_utf8(c).unwrap()))
        .collect();
    let xml = include_str!("vectors/tsl-template.xml").replace("{CERT}", &wrapped);
    let list = TrustList::parse(xml.as_bytes()).unwrap();
    assert_eq!(list.version, 16326);
    assert_eq!(
        list.date,
        Some(parse_time("2024-08-26T14:05:12.383Z").unwrap())
    );
    assert_eq!(list.authorities.len(), 2);
    let a = &list.authorities[0];
    assert_eq!(
        a.name,
        "Общество с ограниченной ответственностью «Тестовый & Образцовый УЦ»"
    );
    assert_eq!(
        (a.inn.as_str(), a.ogrn.as_str()),
        ("7701234567", "1027700000001")
    );
    assert_eq!(a.registry_number, "1234");
    assert_eq!(a.keys.len(), 1);
    assert_eq!(a.keys[0].key_id, "9B855EFB81DC4D59075163CFBEDFDA2C7FC9443C");
    assert_eq!(a.keys[0].certificates.len(), 1);
    assert_eq!(a.keys[0].certificates[0].der, ca.certificate().der);
    assert_eq!(list.skipped_certificates, 1, "the damaged certificate");
    assert_eq!(
        a.keys[0].crl_urls,
        [
            "http://uc.example.ru/cdp/touc.crl",
            "http://cdp2.example.ru/touc.crl"
        ]
    );
    // In force 2018–2021, a pause, again from 1 July 2021 (Moscow time).
    assert!(a.accredited_at(parse_time("2019-06-01").unwrap()));
    assert!(!a.accredited_at(parse_time("2021-03-01").unwrap()));
    assert!(a.accredited_at(parse_time("2021-07-01T00:00:00+03:00").unwrap()));
    assert!(a.accredited_at(Utc::now()));
    let former = &list.authorities[1];
    assert!(former.accredited_at(parse_time("2020-01-01").unwrap()));
    assert!(!former.accredited_at(Utc::now()));
    assert_eq!(
        former.accreditation_ended(Utc::now()),
        Some(parse_time("2022-01-01").unwrap())
    );
    assert!(list.authority_of(&ca.certificate().der).is_some());
    // What our writer makes of it reads back the same.
    let again = TrustList::parse(list.to_xml().as_bytes()).unwrap();
    assert_eq!(again.authorities.len(), 2);
    assert_eq!(again.authorities[0].history, a.history);
    assert_eq!(
        again.authorities[0].keys[0].certificates[0].der,
        ca.certificate().der
    );
    assert_eq!(again.authorities[0].keys[0].key_id, a.keys[0].key_id);
    assert_eq!(again.authorities[0].crl_urls(), a.crl_urls());
}

#[test]
fn a_ca_not_on_the_list_is_untrusted() {
    let listed = ca("Аккредитованный УЦ");
    let stranger = ca("Самодельный УЦ");
    let tsl = list(vec![authority(
        "Аккредитованный УЦ",
        &listed,
        in_force("2020-01-01", None),
    )]);
    let key = current(&stranger);
    let sig = sign_detached(&key, DOC, Utc::now()).unwrap();
    let c = judge(&sig, DOC, Some(&tsl), &[fresh_crl(&stranger, &[])]);
    assert!(c.intact);
    assert_eq!(c.trust, TrustLevel::Untrusted);
    assert_eq!(c.verdict, Verdict::Indeterminate);
    assert_eq!(c.problems[0].as_str(), "sig.untrusted");
    assert!(c.authority.is_none());
}

#[test]
fn a_listed_accredited_ca_makes_it_qualified_and_valid_with_revocation_data() {
    let (uc, tsl) = accredited("Аккредитованный УЦ");
    let key = current(&uc);
    let sig = sign_detached(&key, DOC, Utc::now()).unwrap();

    let c = judge(&sig, DOC, Some(&tsl), &[fresh_crl(&uc, &[])]);
    assert_eq!(c.trust, TrustLevel::Qualified);
    assert_eq!(c.certificate_at_signing, CertState::Valid);
    assert_eq!(c.certificate_now, CertState::Valid);
    assert_eq!(c.verdict, Verdict::Valid, "{:?}", c.problems);
    assert!(c.problems.is_empty());
    assert_eq!(c.authority.as_ref().unwrap().name, "Аккредитованный УЦ");
    assert!(matches!(c.time, SigningTime::Claimed(Some(_))));
    let r = c.revocation.unwrap();
    assert_eq!(r.issuer, "Аккредитованный УЦ");
    assert!(r.revoked_at.is_none());

    // Without revocation data it is qualified, but not established.
    let c = judge(&sig, DOC, Some(&tsl), &[]);
    assert_eq!(c.trust, TrustLevel::Qualified);
    assert_eq!(c.certificate_at_signing, CertState::Unknown);
    assert_eq!(c.verdict, Verdict::Indeterminate);
    assert_eq!(c.problems[0].as_str(), "revocation.unknown");

    // A CRL past its next update says how old it is and is not enough.
    let stale = uc
        .crl_dated(
            &[],
            Utc::now() - Duration::days(40),
            Utc::now() - Duration::days(10),
        )
        .unwrap();
    let c = judge(&sig, DOC, Some(&tsl), &[stale]);
    assert_eq!(c.certificate_at_signing, CertState::Unknown);
    assert_eq!(c.problems[0].as_str(), "revocation.stale");
    assert!(c.revocation.is_some());

    // A CRL signed by another key under the same name says nothing.
    let impostor = ca("Аккредитованный УЦ");
    let c = judge(&sig, DOC, Some(&tsl), &[fresh_crl(&impostor, &[])]);
    assert_eq!(c.certificate_at_signing, CertState::Unknown);
    assert!(c.revocation.is_none());

    // The changed document: not intact, invalid whatever the trust.
    let c = judge(&sig, "Договор поставки № 18".as_bytes(), Some(&tsl), &[]);
    assert!(!c.intact);
    assert_eq!(c.verdict, Verdict::Invalid);
    assert_eq!(c.problems[0].as_str(), "sig.content_changed");
}

#[test]
fn accreditation_ended_before_the_moment_judged_is_not_qualified() {
    let uc = ca("Бывший УЦ");
    let ended = (Utc::now() - Duration::days(60)).to_rfc3339();
    let tsl = list(vec![authority(
        "Бывший УЦ",
        &uc,
        in_force("2020-01-01", Some(&ended)),
    )]);
    let key = current(&uc);
    // Signed (the signer says) while it was accredited: only a proven time
    // could show that, so the check is as of now.
    let sig = sign_detached(&key, DOC, Utc::now() - Duration::days(90)).unwrap();
    let c = judge(&sig, DOC, Some(&tsl), &[fresh_crl(&uc, &[])]);
    assert_eq!(c.trust, TrustLevel::Untrusted);
    assert_eq!(c.verdict, Verdict::Indeterminate);
    assert_eq!(c.problems[0].as_str(), "trust.not_accredited");
    let a = c.authority.unwrap();
    assert_eq!(a.name, "Бывший УЦ");
    assert!(a.accreditation_ended.is_some());
}

#[test]
fn a_certificate_revoked_before_the_moment_judged_is_invalid() {
    let (uc, tsl) = accredited("Аккредитованный УЦ");
    let key = current(&uc);
    let sig = sign_detached(&key, DOC, Utc::now() - Duration::days(5)).unwrap();
    let revoked_at = Utc::now() - Duration::days(2);
    let crl = fresh_crl(&uc, &[(&key.certificate().serial, revoked_at)]);
    let c = judge(&sig, DOC, Some(&tsl), &[crl]);
    assert_eq!(c.trust, TrustLevel::Qualified);
    assert_eq!(c.certificate_at_signing, CertState::Revoked);
    assert_eq!(c.certificate_now, CertState::Revoked);
    assert_eq!(c.verdict, Verdict::Invalid);
    assert_eq!(c.problems[0].as_str(), "sig.revoked");
    assert_eq!(
        c.revocation.unwrap().revoked_at.unwrap().timestamp(),
        revoked_at.timestamp()
    );
}

#[test]
fn an_expired_certificate_without_a_proven_time_is_not_valid_now() {
    let (uc, tsl) = accredited("Аккредитованный УЦ");
    let key = person(
        &uc,
        Utc::now() - Duration::days(400),
        Utc::now() - Duration::days(35),
    );
    // Signed while the certificate was valid, the signer says.
    let sig = sign_detached(&key, DOC, Utc::now() - Duration::days(100)).unwrap();
    let c = judge(&sig, DOC, Some(&tsl), &[fresh_crl(&uc, &[])]);
    assert!(c.intact);
    assert_eq!(c.certificate_at_signing, CertState::Expired);
    assert_eq!(c.certificate_now, CertState::Expired);
    assert_eq!(c.verdict, Verdict::Indeterminate);
    assert_eq!(c.problems[0].as_str(), "sig.cert_expired_no_proof");
}

#[test]
fn own_roots_are_trusted_by_you_and_nothing_is_not_checked() {
    let own = ca("УЦ нашей компании");
    let key = current(&own);
    let sig = sign_attached(&key, DOC, Utc::now()).unwrap();
    let crl = fresh_crl(&own, &[]);

    let c = judge_with(
        &sig,
        DOC,
        None,
        &[own.certificate().clone()],
        std::slice::from_ref(&crl),
    );
    assert_eq!(c.trust, TrustLevel::TrustedByYou);
    assert_eq!(c.verdict, Verdict::Valid);

    let c = judge(&sig, DOC, None, &[crl]);
    assert_eq!(c.trust, TrustLevel::NotChecked);
    assert_eq!(c.verdict, Verdict::Indeterminate);
    assert_eq!(c.problems[0].as_str(), "trust.not_checked");

    // An attached signature gives its document back with the judgement.
    let evidence = Evidence {
        tsl: None,
        own_roots: &[],
        crls: &[],
        certificates: &[],
        ocsp: &[],
        now: Utc::now(),
    };
    let (checks, content) = assess_attached(&sig, &evidence).unwrap();
    assert_eq!(content, DOC);
    assert_eq!(checks[0].verdict, Verdict::Indeterminate);
}

/// A time-stamping authority of `ca`.
fn tsa(ca: &IssuedKey) -> IssuedKey {
    ca.issue(&Request {
        kind: KIND,
        subject: Subject {
            common_name: "Служба штампов времени".into(),
            organization: Some("Аккредитованный УЦ".into()),
            ..Subject::default()
        },
        not_before: Utc::now() - Duration::days(3 * 365),
        not_after: Utc::now() + Duration::days(3 * 365),
        profile: Profile::TimeStamping,
    })
    .unwrap()
}

/// CAdES-T: each signer's signature value stamped by `tsa` at `at`, the
/// request and reply going through the RFC 3161 messages.
fn stamp(sig: &[u8], tsa: &IssuedKey, at: DateTime<Utc>) -> Vec<u8> {
    use cabinet_sign::tsp;
    let tokens: Vec<Vec<u8>> = tsp::imprints(sig)
        .unwrap()
        .into_iter()
        .enumerate()
        .map(|(i, (algorithm, digest))| {
            let (req, nonce) = tsp::request(algorithm, &digest).unwrap();
            let reply = tsp::reply(&req, tsa, 1000 + i as u64, at).unwrap();
            tsp::token_from_reply(&reply, algorithm, &digest, &nonce)
                .unwrap()
                .token
        })
        .collect();
    tsp::add_signature_timestamps(sig, &tokens).unwrap()
}

#[test]
fn revoked_after_a_proven_signing_time_is_valid_and_before_it_invalid() {
    let (uc, tsl) = accredited("Аккредитованный УЦ");
    let key = current(&uc);
    let signed_at = Utc::now() - Duration::days(5);
    let bes = sign_detached(&key, DOC, signed_at).unwrap();
    let t = stamp(&bes, &tsa(&uc), signed_at);
    let serial = key.certificate().serial.clone();

    // Revoked two days ago, after the proven time: valid, and revoked now.
    let crl = fresh_crl(&uc, &[(&serial, Utc::now() - Duration::days(2))]);
    let c = judge(&t, DOC, Some(&tsl), std::slice::from_ref(&crl));
    assert_eq!(
        c.time,
        SigningTime::Proven {
            at: DateTime::from_timestamp(signed_at.timestamp(), 0).unwrap(),
            tsa: "Служба штампов времени".into()
        }
    );
    assert_eq!(c.certificate_at_signing, CertState::Valid);
    assert_eq!(c.certificate_now, CertState::Revoked);
    assert_eq!(c.verdict, Verdict::Valid, "{:?}", c.problems);
    // The same signature without its stamp is judged now: invalid.
    let c = judge(&bes, DOC, Some(&tsl), &[crl]);
    assert_eq!(c.verdict, Verdict::Invalid);

    // Revoked ten days ago, before the proven time: invalid.
    let crl = fresh_crl(&uc, &[(&serial, Utc::now() - Duration::days(10))]);
    let c = judge(&t, DOC, Some(&tsl), &[crl]);
    assert_eq!(c.certificate_at_signing, CertState::Revoked);
    assert_eq!(c.verdict, Verdict::Invalid);
    assert_eq!(c.problems[0].as_str(), "sig.revoked");
}

#[test]
fn an_expired_certificate_stamped_before_its_expiry_is_valid() {
    let (uc, tsl) = accredited("Аккредитованный УЦ");
    let key = person(
        &uc,
        Utc::now() - Duration::days(400),
        Utc::now() - Duration::days(35),
    );
    let signed_at = Utc::now() - Duration::days(100);
    let bes = sign_detached(&key, DOC, signed_at).unwrap();
    let crls = [fresh_crl(&uc, &[])];
    assert_eq!(
        judge(&bes, DOC, Some(&tsl), &crls).verdict,
        Verdict::Indeterminate
    );
    let t = stamp(&bes, &tsa(&uc), signed_at + Duration::minutes(1));
    let c = judge(&t, DOC, Some(&tsl), &crls);
    assert!(matches!(c.time, SigningTime::Proven { .. }));
    assert_eq!(c.certificate_at_signing, CertState::Valid);
    assert_eq!(c.certificate_now, CertState::Expired);
    assert_eq!(c.trust, TrustLevel::Qualified);
    assert_eq!(c.verdict, Verdict::Valid, "{:?}", c.problems);
    // A stamp after the expiry proves the signature was made too late.
    let late = stamp(&bes, &tsa(&uc), Utc::now() - Duration::days(10));
    let c = judge(&late, DOC, Some(&tsl), &crls);
    assert_eq!(c.certificate_at_signing, CertState::Expired);
    assert_eq!(c.verdict, Verdict::Invalid);
    assert_eq!(c.problems[0].as_str(), "sig.cert_expired");
}

#[test]
fn a_stamp_proves_nothing_from_an_untrusted_tsa_or_for_another_signature() {
    let (uc, tsl) = accredited("Аккредитованный УЦ");
    let key = current(&uc);
    let bes = sign_detached(&key, DOC, Utc::now()).unwrap();
    let stranger = ca("Самодельный УЦ");
    let t = stamp(&bes, &tsa(&stranger), Utc::now() - Duration::days(400));
    let c = judge(&t, DOC, Some(&tsl), &[fresh_crl(&uc, &[])]);
    assert!(matches!(c.time, SigningTime::Claimed(Some(_))));
    assert!(c.problems.iter().any(|p| p.as_str() == "tsp.untrusted"));
    // Judged now, as a BES: still valid.
    assert_eq!(c.verdict, Verdict::Valid);

    // A token over another signature cannot be attached.
    let other = sign_detached(&key, "другой".as_bytes(), Utc::now()).unwrap();
    let stamped_other = stamp(&other, &tsa(&uc), Utc::now());
    let (algorithm, digest) = cabinet_sign::tsp::imprints(&other).unwrap().remove(0);
    let (req, nonce) = cabinet_sign::tsp::request(algorithm, &digest).unwrap();
    let reply = cabinet_sign::tsp::reply(&req, &tsa(&uc), 7, Utc::now()).unwrap();
    let token = cabinet_sign::tsp::token_from_reply(&reply, algorithm, &digest, &nonce)
        .unwrap()
        .token;
    let e = cabinet_sign::tsp::add_signature_timestamps(&bes, &[token]).unwrap_err();
    assert_eq!(e.code().as_str(), "tsp.mismatch");
    // A reply to another request (another nonce) is refused.
    let (_, other_nonce) = cabinet_sign::tsp::request(algorithm, &digest).unwrap();
    let e =
        cabinet_sign::tsp::token_from_reply(&reply, algorithm, &digest, &other_nonce).unwrap_err();
    assert_eq!(e.code().as_str(), "tsp.mismatch");
    assert!(!stamped_other.is_empty());
    // A person's certificate cannot issue time stamps.
    let reply = cabinet_sign::tsp::reply(&req, &key, 8, Utc::now()).unwrap();
    let e = cabinet_sign::tsp::token_from_reply(&reply, algorithm, &digest, &nonce).unwrap_err();
    assert_eq!(e.code().as_str(), "tsp.not_tsa");
}

#[test]
fn a_certificate_trusted_itself_needs_no_revocation_data() {
    // A partner's self-signed certificate, trusted on purpose: nothing
    // above it could revoke it, so its period is all that is judged.
    let partner = ca("Контрагентов Пётр");
    let sig = sign_detached(&partner, DOC, Utc::now()).unwrap();
    let c = judge_with(&sig, DOC, None, &[partner.certificate().clone()], &[]);
    assert_eq!(c.trust, TrustLevel::TrustedByYou);
    assert_eq!(c.certificate_at_signing, CertState::Valid);
    assert_eq!(c.verdict, Verdict::Valid, "{:?}", c.problems);
    // Trusting another certificate does not make it trusted.
    let other = ca("Другой");
    let c = judge_with(&sig, DOC, None, &[other.certificate().clone()], &[]);
    assert_eq!(c.trust, TrustLevel::Untrusted);
    assert_eq!(c.verdict, Verdict::Indeterminate);
}
