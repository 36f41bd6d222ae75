//! PKCS#11 tokens (Rutoken, JaCarta, SoftHSM, …): slots, the certificates on
//! a token, and signing with the matching private key, which never leaves
//! the device.
//!
//! A module is loaded and initialised once per process and shared: PKCS#11
//! allows one `C_Initialize` per module per process. The PIN is handed to the
//! token and not kept.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::vendor_defined::VendorDefinedMechanism;
use cryptoki::mechanism::{Mechanism, MechanismType};
use cryptoki::object::{Attribute, AttributeType, CertificateType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;

use crate::gost::KeySize;
use crate::{Algorithm, CertificateInfo, SignError, SigningKey};

/// Well-known module paths, for a "which token?" picker.
pub const KNOWN_MODULES: &[(&str, &str)] = &[
    ("Рутокен", "/usr/lib/librtpkcs11ecp.so"),
    ("Рутокен", "/opt/aktivco/rutokenecp/amd64/librtpkcs11ecp.so"),
    ("JaCarta", "/usr/lib/libjcPKCS11-2.so"),
    ("JaCarta", "/opt/jacartauc/lib/libjcPKCS11-2.so"),
    ("SoftHSM 2", "/usr/lib/softhsm/libsofthsm2.so"),
    ("OpenSC", "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"),
];

// GOST R 34.10-2012 on tokens, after TC26's PKCS#11 extensions («Расширение
// PKCS#11 для использования российских криптографических алгоритмов», as
// OpenSC's pkcs11.h and Rutoken's rtpkcs11t.h define them): the vendor base
// is CKM_VENDOR_DEFINED | 0x54321000. CKM_GOSTR3410 (0x1201, PKCS#11 v2.30)
// and CKM_GOSTR3410_512 sign a digest computed here; the _WITH_GOSTR3411_12
// mechanisms hash on the token. Either returns s ‖ r, each big-endian
// (PKCS#11 v2.30 on GOST R 34.10, RFC 4490 §3.2, RFC 4491 §2.2.2): the bytes
// CMS carries, so nothing is reordered.
const VENDOR_TC26: std::os::raw::c_ulong = 0x8000_0000 | 0x5432_1000;
const CKM_GOSTR3410: std::os::raw::c_ulong = 0x1201;
const CKM_GOSTR3410_512: std::os::raw::c_ulong = VENDOR_TC26 | 0x006;
const CKM_GOSTR3410_WITH_GOSTR3411_12_256: std::os::raw::c_ulong = VENDOR_TC26 | 0x008;
const CKM_GOSTR3410_WITH_GOSTR3411_12_512: std::os::raw::c_ulong = VENDOR_TC26 | 0x009;

/// A mechanism by its number. cryptoki 0.12 lists no GOST mechanism and
/// makes a type below CKM_VENDOR_DEFINED only from the values it lists, so
/// the standard CKM_GOSTR3410 is built from its number: `MechanismType` is
/// `#[repr(transparent)]` over `CK_MECHANISM_TYPE` (its source says so, for
/// the very purpose of sharing the layout).
#[allow(unsafe_code)]
fn mechanism(number: std::os::raw::c_ulong) -> Mechanism<'static> {
    let kind = MechanismType::new_vendor_defined(number).unwrap_or_else(|_| {
        // SAFETY: same size and layout; any value is a valid mechanism
        // number, the token refuses the ones it lacks.
        unsafe { std::mem::transmute::<std::os::raw::c_ulong, MechanismType>(number) }
    });
    Mechanism::VendorDefined(VendorDefinedMechanism::new::<()>(kind, None))
}

/// The GOST mechanisms for a key size: (hashing on the token, over a digest).
fn gost_mechanisms(size: KeySize) -> (std::os::raw::c_ulong, std::os::raw::c_ulong) {
    match size {
        KeySize::Bits256 => (CKM_GOSTR3410_WITH_GOSTR3411_12_256, CKM_GOSTR3410),
        KeySize::Bits512 => (CKM_GOSTR3410_WITH_GOSTR3411_12_512, CKM_GOSTR3410_512),
    }
}

fn gost_size(algorithm: &Algorithm) -> Option<KeySize> {
    match algorithm {
        Algorithm::Gost2012_256 => Some(KeySize::Bits256),
        Algorithm::Gost2012_512 => Some(KeySize::Bits512),
        _ => None,
    }
}

/// Which of [`KNOWN_MODULES`] are installed here.
pub fn installed_modules() -> Vec<(&'static str, &'static str)> {
    KNOWN_MODULES
        .iter()
        .copied()
        .filter(|(_, p)| Path::new(p).is_file())
        .collect()
}

fn ck(e: CkError) -> SignError {
    match e {
        CkError::Pkcs11(rv, _) => match rv {
            RvError::PinIncorrect => SignError::WrongPin,
            RvError::PinLocked => SignError::PinLocked,
            RvError::PinLenRange => SignError::WrongPin,
            RvError::TokenNotPresent
            | RvError::TokenNotRecognized
            | RvError::SlotIdInvalid
            | RvError::DeviceRemoved => SignError::TokenAbsent,
            other => SignError::Token(other.to_string()),
        },
        CkError::LibraryLoading(e) => SignError::TokenModule(e.to_string()),
        other => SignError::Token(other.to_string()),
    }
}

/// A loaded PKCS#11 module.
#[derive(Clone)]
pub struct Module {
    path: PathBuf,
    ctx: Pkcs11,
}

impl std::fmt::Debug for Module {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Module").field("path", &self.path).finish()
    }
}

/// A slot, with its token when one is inserted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenSlot {
    pub id: u64,
    pub description: String,
    pub token: Option<TokenInfo>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    pub label: String,
    pub manufacturer: String,
    pub model: String,
    pub serial: String,
    /// One wrong PIN more locks it.
    pub pin_final_try: bool,
    pub pin_locked: bool,
}

/// A certificate on a token, with the `CKA_ID` that names its key.
#[derive(Debug, Clone)]
pub struct TokenCertificate {
    /// `CKA_ID`, lower-case hex.
    pub id: String,
    pub label: String,
    pub certificate: CertificateInfo,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Result<Vec<u8>, SignError> {
    if s.len() % 2 != 0 {
        return Err(SignError::Token(format!("bad key id {s}")));
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16))
        .collect::<Result<_, _>>()
        .map_err(|_| SignError::Token(format!("bad key id {s}")))
}

impl Module {
    /// Loads and initialises `path`, or returns the already loaded module.
    pub fn load(path: &Path) -> Result<Module, SignError> {
        static MODULES: OnceLock<Mutex<HashMap<PathBuf, Pkcs11>>> = OnceLock::new();
        let mut modules = MODULES
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(ctx) = modules.get(path) {
            return Ok(Module {
                path: path.to_owned(),
                ctx: ctx.clone(),
            });
        }
        if !path.is_file() {
            return Err(SignError::TokenModule(format!(
                "{}: no such file",
                path.display()
            )));
        }
        let ctx = Pkcs11::new(path).map_err(ck)?;
        match ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
            Ok(()) | Err(CkError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
            Err(e) => return Err(ck(e)),
        }
        modules.insert(path.to_owned(), ctx.clone());
        Ok(Module {
            path: path.to_owned(),
            ctx,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every slot, with or without a token.
    pub fn slots(&self) -> Result<Vec<TokenSlot>, SignError> {
        self.ctx
            .get_all_slots()
            .map_err(ck)?
            .into_iter()
            .map(|slot| {
                let info = self.ctx.get_slot_info(slot).map_err(ck)?;
                let token = if info.token_present() {
                    let t = self.ctx.get_token_info(slot).map_err(ck)?;
                    Some(TokenInfo {
                        label: t.label().trim().to_owned(),
                        manufacturer: t.manufacturer_id().trim().to_owned(),
                        model: t.model().trim().to_owned(),
                        serial: t.serial_number().trim().to_owned(),
                        pin_final_try: t.user_pin_final_try(),
                        pin_locked: t.user_pin_locked(),
                    })
                } else {
                    None
                };
                Ok(TokenSlot {
                    id: slot.id(),
                    description: info.slot_description().trim().to_owned(),
                    token,
                })
            })
            .collect()
    }

    /// The first slot holding a token.
    pub fn first_token_slot(&self) -> Result<u64, SignError> {
        self.ctx
            .get_slots_with_token()
            .map_err(ck)?
            .first()
            .map(|s| s.id())
            .ok_or(SignError::TokenAbsent)
    }

    fn slot(&self, id: u64) -> Result<Slot, SignError> {
        let slot = self
            .ctx
            .get_slots_with_token()
            .map_err(ck)?
            .into_iter()
            .find(|s| s.id() == id)
            .ok_or(SignError::TokenAbsent)?;
        Ok(slot)
    }

    /// The X.509 certificates on the token in `slot` (public objects: no
    /// PIN needed).
    pub fn certificates(&self, slot: u64) -> Result<Vec<TokenCertificate>, SignError> {
        let session = self.ctx.open_ro_session(self.slot(slot)?).map_err(ck)?;
        certificates_in(&session)
    }

    /// Writes a certificate to the token (as after a CA issued it for a key
    /// generated or imported there), under `CKA_ID` `id` (hex).
    pub fn store_certificate(
        &self,
        slot: u64,
        pin: &str,
        id: &str,
        label: &str,
        certificate: &CertificateInfo,
    ) -> Result<(), SignError> {
        use x509_cert::der::{Decode, Encode};
        let cert = x509_cert::Certificate::from_der(&certificate.der)
            .map_err(|e| SignError::MalformedCertificate(e.to_string()))?;
        let subject = cert
            .tbs_certificate
            .subject
            .to_der()
            .map_err(|e| SignError::MalformedCertificate(e.to_string()))?;
        let session = self.ctx.open_rw_session(self.slot(slot)?).map_err(ck)?;
        let pin = AuthPin::new(pin.into());
        match session.login(UserType::User, Some(&pin)) {
            Ok(()) | Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => {}
            Err(e) => return Err(ck(e)),
        }
        session
            .create_object(&[
                Attribute::Class(ObjectClass::CERTIFICATE),
                Attribute::CertificateType(CertificateType::X_509),
                Attribute::Token(true),
                Attribute::Private(false),
                Attribute::Id(unhex(id)?),
                Attribute::Label(label.as_bytes().to_vec()),
                Attribute::Subject(subject),
                Attribute::Value(certificate.der.clone()),
            ])
            .map_err(ck)?;
        let _ = session.logout();
        Ok(())
    }

    /// Logs in to the token with `pin` and returns the key of the
    /// certificate with `CKA_ID` `id` (hex), ready to sign many times.
    pub fn login(&self, slot: u64, id: &str, pin: &str) -> Result<TokenKey, SignError> {
        let slot_handle = self.slot(slot)?;
        let session = self.ctx.open_ro_session(slot_handle).map_err(ck)?;
        let certificate = certificates_in(&session)?
            .into_iter()
            .find(|c| c.id == id)
            .ok_or(SignError::TokenNoKey)?
            .certificate;
        let pin = AuthPin::new(pin.into());
        match session.login(UserType::User, Some(&pin)) {
            Ok(()) | Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => {}
            Err(e) => return Err(ck(e)),
        }
        let key = session
            .find_objects(&[
                Attribute::Class(ObjectClass::PRIVATE_KEY),
                Attribute::Id(unhex(id)?),
            ])
            .map_err(ck)?
            .into_iter()
            .next()
            .ok_or(SignError::TokenNoKey)?;
        // A token that hashes GOST itself is asked to; one that only signs
        // digests gets the Streebog digest computed here.
        let token_hashes = gost_size(&certificate.algorithm).is_some_and(|size| {
            MechanismType::new_vendor_defined(gost_mechanisms(size).0)
                .is_ok_and(|kind| self.ctx.get_mechanism_info(slot_handle, kind).is_ok())
        });
        Ok(TokenKey {
            session: Mutex::new(session),
            key,
            certificate,
            chain: Vec::new(),
            token_hashes,
        })
    }
}

fn certificates_in(session: &Session) -> Result<Vec<TokenCertificate>, SignError> {
    let handles = session
        .find_objects(&[
            Attribute::Class(ObjectClass::CERTIFICATE),
            Attribute::CertificateType(CertificateType::X_509),
        ])
        .map_err(ck)?;
    let mut out = Vec::new();
    for h in handles {
        let attrs = session
            .get_attributes(
                h,
                &[
                    AttributeType::Id,
                    AttributeType::Label,
                    AttributeType::Value,
                ],
            )
            .map_err(ck)?;
        let (mut id, mut label, mut value) = (Vec::new(), String::new(), Vec::new());
        for a in attrs {
            match a {
                Attribute::Id(v) => id = v,
                Attribute::Label(v) => label = String::from_utf8_lossy(&v).into_owned(),
                Attribute::Value(v) => value = v,
                _ => {}
            }
        }
        // A token may hold certificates we cannot read: leave them out
        // rather than hide the readable ones.
        if let Ok(certificate) = CertificateInfo::parse(&value) {
            out.push(TokenCertificate {
                id: hex(&id),
                label,
                certificate,
            });
        }
    }
    Ok(out)
}

/// A private key on a token, logged in. Signing happens on the device.
pub struct TokenKey {
    session: Mutex<Session>,
    key: ObjectHandle,
    certificate: CertificateInfo,
    chain: Vec<CertificateInfo>,
    /// For a GOST key: the token offers the mechanism that hashes too.
    token_hashes: bool,
}

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKey")
            .field("certificate", &self.certificate.subject_common_name)
            .finish_non_exhaustive()
    }
}

impl SigningKey for TokenKey {
    fn certificate(&self) -> &CertificateInfo {
        &self.certificate
    }

    fn chain(&self) -> &[CertificateInfo] {
        &self.chain
    }

    fn sign_message(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        let session = self.session.lock().unwrap_or_else(|e| e.into_inner());
        match &self.certificate.algorithm {
            Algorithm::Rsa { .. } => session
                .sign(&Mechanism::Sha256RsaPkcs, self.key, message)
                .map_err(ck),
            Algorithm::Ecdsa { curve } if curve == "P-256" => {
                use sha2::Digest;
                let digest = sha2::Sha256::digest(message);
                let raw = session
                    .sign(&Mechanism::Ecdsa, self.key, &digest)
                    .map_err(ck)?;
                // Tokens return r‖s; CMS wants the DER Ecdsa-Sig-Value.
                let sig = p256::ecdsa::Signature::from_slice(&raw)
                    .map_err(|e| SignError::Token(format!("ECDSA value: {e}")))?;
                Ok(sig.to_der().as_bytes().to_vec())
            }
            Algorithm::Gost2012_256 | Algorithm::Gost2012_512 => {
                let size = gost_size(&self.certificate.algorithm).expect("a GOST key");
                let (hashing, raw) = gost_mechanisms(size);
                let value = if self.token_hashes {
                    session.sign(&mechanism(hashing), self.key, message)
                } else {
                    let digest = match size {
                        KeySize::Bits256 => crate::gost::streebog256(message).to_vec(),
                        KeySize::Bits512 => crate::gost::streebog512(message).to_vec(),
                    };
                    session.sign(&mechanism(raw), self.key, &digest)
                }
                .map_err(ck)?;
                if value.len() != 2 * size.bytes() {
                    return Err(SignError::Token(format!(
                        "a GOST signature of {} bytes from the token",
                        value.len()
                    )));
                }
                Ok(value)
            }
            other => Err(SignError::UnsupportedAlgorithm(other.display_name())),
        }
    }
}

impl Drop for TokenKey {
    fn drop(&mut self) {
        if let Ok(s) = self.session.get_mut() {
            let _ = s.logout();
        }
    }
}
