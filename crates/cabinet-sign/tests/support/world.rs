//! A small accredited world for long-term signature tests: a CA on the
//! trust list (accredited since 2020), its time-stamping authority and
//! OCSP responder, people it certifies, and the steps from CAdES-BES to
//! CAdES-X Long Type 1 — each message going through its real encoding.

use cabinet_sign::assess::{validation_data, Evidence};
use cabinet_sign::pki::{IssuedKey, KeyKind, Profile, Request, Subject};
use cabinet_sign::tsl::{parse_time, Authority, CaKey, StatusEntry, TrustList};
use cabinet_sign::{long_term, tsp, DigestAlgorithm, SigningKey};
use chrono::{DateTime, Duration, Utc};

pub struct World {
    pub kind: KeyKind,
    pub uc: IssuedKey,
    pub tsa: IssuedKey,
    pub responder: IssuedKey,
    pub tsl: TrustList,
}

fn key(ca: &IssuedKey, kind: KeyKind, name: &str, profile: Profile, years: i64) -> IssuedKey {
    ca.issue(&Request {
        kind,
        subject: Subject {
            common_name: name.into(),
            organization: Some("Аккредитованный УЦ".into()),
            ..Subject::default()
        },
        not_before: Utc::now() - Duration::days(years * 365),
        not_after: Utc::now() + Duration::days(years * 365),
        profile,
    })
    .unwrap()
}

impl World {
    pub fn accredited(kind: KeyKind) -> World {
        let uc = IssuedKey::new_root(&Request {
            kind,
            subject: Subject {
                common_name: "Аккредитованный УЦ".into(),
                organization: Some("Аккредитованный УЦ".into()),
                ..Subject::default()
            },
            not_before: Utc::now() - Duration::days(3 * 365),
            not_after: Utc::now() + Duration::days(10 * 365),
            profile: Profile::Root,
        })
        .unwrap();
        let status = StatusEntry {
            status: "Действует".into(),
            reason: None,
            from: parse_time("2020-01-01").unwrap(),
            until: None,
        };
        let list = TrustList {
            version: 1,
            date: Some(Utc::now()),
            authorities: vec![Authority {
                name: "Аккредитованный УЦ".into(),
                short_name: "АУЦ".into(),
                inn: "7701234567".into(),
                ogrn: "1027700000001".into(),
                registry_number: "1234".into(),
                status: Some(status.clone()),
                history: vec![status],
                keys: vec![CaKey {
                    key_id: "01".into(),
                    certificates: vec![uc.certificate().clone()],
                    crl_urls: vec!["http://uc.example.ru/cdp/uc.crl".into()],
                }],
            }],
            skipped_certificates: 0,
        };
        let tsl = TrustList::parse(list.to_xml().as_bytes()).unwrap();
        World {
            kind,
            tsa: key(
                &uc,
                kind,
                "Служба штампов времени",
                Profile::TimeStamping,
                3,
            ),
            responder: key(&uc, kind, "OCSP-служба УЦ", Profile::OcspSigning, 3),
            uc,
            tsl,
        }
    }

    /// A person's signing certificate valid from `from` to `to`.
    pub fn person(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> IssuedKey {
        self.uc
            .issue(&Request {
                kind: self.kind,
                subject: Subject::person("Иванова Мария Петровна"),
                not_before: from,
                not_after: to,
                profile: Profile::Signer,
            })
            .unwrap()
    }

    /// The CA's CRL issued at `at`, current for a week.
    pub fn crl(&self, revoked: &[(&str, DateTime<Utc>)], at: DateTime<Utc>) -> Vec<u8> {
        self.uc
            .crl_dated(revoked, at, at + Duration::days(7))
            .unwrap()
    }

    /// The responder's answer about `who` at `at`, through a real request.
    pub fn ocsp(
        &self,
        who: &IssuedKey,
        revoked: &[(String, DateTime<Utc>)],
        at: DateTime<Utc>,
    ) -> Vec<u8> {
        let (req, nonce) =
            cabinet_sign::ocsp::request_for(who.certificate(), self.uc.certificate()).unwrap();
        let reply = cabinet_sign::ocsp::respond(
            &req,
            self.uc.certificate(),
            &self.responder,
            revoked,
            at,
            at + Duration::days(1),
        )
        .unwrap();
        cabinet_sign::ocsp::status_from_reply(
            &reply,
            who.certificate(),
            self.uc.certificate(),
            &nonce,
            at,
        )
        .expect("the reply reads");
        reply
    }

    fn token(&self, algorithm: DigestAlgorithm, digest: &[u8], at: DateTime<Utc>) -> Vec<u8> {
        let (req, nonce) = tsp::request(algorithm, digest).unwrap();
        let reply = tsp::reply(&req, &self.tsa, at.timestamp() as u64, at).unwrap();
        tsp::token_from_reply(&reply, algorithm, digest, &nonce)
            .unwrap()
            .token
    }

    /// CAdES-T: each signer's signature value stamped at `at`.
    pub fn stamp(&self, sig: &[u8], at: DateTime<Utc>) -> Vec<u8> {
        let tokens: Vec<Vec<u8>> = tsp::imprints(sig)
            .unwrap()
            .into_iter()
            .map(|(a, d)| self.token(a, &d, at))
            .collect();
        tsp::add_signature_timestamps(sig, &tokens).unwrap()
    }

    /// CAdES-X Long Type 1 of a CAdES-T signature: the chain and the
    /// revocation data chosen from `crls` and `ocsp`, then the
    /// escTimeStamp at `at`.
    pub fn xl1(&self, t: &[u8], crls: &[Vec<u8>], ocsp: &[Vec<u8>], at: DateTime<Utc>) -> Vec<u8> {
        let evidence = Evidence {
            tsl: Some(&self.tsl),
            own_roots: &[],
            crls,
            certificates: &[],
            ocsp,
            now: at,
        };
        let data = validation_data(t, &evidence).unwrap();
        let c = long_term::add_validation_data(t, &data).unwrap();
        let tokens: Vec<Vec<u8>> = long_term::esc_imprints(&c)
            .unwrap()
            .into_iter()
            .map(|(a, d)| self.token(a, &d, at))
            .collect();
        long_term::add_esc_timestamps(&c, &tokens).unwrap()
    }
}
