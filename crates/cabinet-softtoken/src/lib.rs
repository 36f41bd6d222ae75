//! A software PKCS#11 token for tests: GOST R 34.10-2012 keys that sign
//! through the mechanisms Rutoken ЭЦП and JaCarta ГОСТ offer, so the
//! client's token path is tested against the conventions of real tokens
//! where SoftHSM2 (no GOST 2012) cannot serve. Never shipped.
//!
//! The conventions, from public sources:
//!
//! - Key types and attributes: `CKK_GOSTR3410` (0x30) for 256-bit keys and
//!   the TC26 vendor type `CKK_GOSTR3410_512` (`CK_VENDOR_PKCS11_RU_TEAM_TC26
//!   | 0x003`, the vendor base being `CKK_VENDOR_DEFINED | 0x54321000`);
//!   `CKA_GOSTR3410_PARAMS` (0x250) and `CKA_GOSTR3411_PARAMS` (0x251) hold
//!   the DER OIDs of the curve and the digest. The public key's `CKA_VALUE`
//!   is x ‖ y, each little-endian (as in the X.509 key). TC26's «Расширение
//!   PKCS#11 для использования российских криптографических алгоритмов»,
//!   as OpenSC's `pkcs11.h` and Rutoken's `rtpkcs11t.h` define it.
//! - Mechanisms: `CKM_GOSTR3410` (0x1201) and `CKM_GOSTR3410_512`
//!   (TC26 | 0x006) sign a digest computed by the caller;
//!   `CKM_GOSTR3410_WITH_GOSTR3411_12_256` / `_512` (TC26 | 0x008 / 0x009)
//!   hash on the token. A signature is s ‖ r, each big-endian (PKCS#11 v2.30
//!   §12.x on GOST R 34.10, after RFC 4490 §3.2 and RFC 4491 §2.2.2): the
//!   bytes CMS carries.
//!
//! The token is a folder named by `CABINET_SOFTTOKEN_DIR`: `pin` (the user
//! PIN), `label`, `hashing` (`no` leaves out the hashing mechanisms, as on
//! tokens that only sign digests), and for each key `ID.key` (its PKCS#8,
//! as the OpenSSL engine writes it in DER) with `ID.crt` (its certificate,
//! DER), ID being the `CKA_ID` in hex. Five wrong PINs lock it. Each
//! signing mechanism asked for is appended to `mechanisms.log` there, in
//! hex, so a test can tell which path the client took.

#![allow(unsafe_code)]
#![allow(non_snake_case)]
#![allow(clippy::missing_safety_doc)]

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use cabinet_sign::gost::{GostPrivateKey, KeySize};
use cryptoki_sys::*;

const VENDOR_TC26: CK_ULONG = 0x8000_0000 | 0x5432_1000;
pub const CKK_GOSTR3410_512: CK_KEY_TYPE = VENDOR_TC26 | 0x003;
pub const CKM_GOSTR3410_512: CK_MECHANISM_TYPE = VENDOR_TC26 | 0x006;
pub const CKM_GOSTR3410_WITH_GOSTR3411_12_256: CK_MECHANISM_TYPE = VENDOR_TC26 | 0x008;
pub const CKM_GOSTR3410_WITH_GOSTR3411_12_512: CK_MECHANISM_TYPE = VENDOR_TC26 | 0x009;

const SLOT: CK_SLOT_ID = 1;
const MAX_PIN_TRIES: u32 = 5;

struct Object {
    private: bool,
    attributes: Vec<(CK_ATTRIBUTE_TYPE, Vec<u8>)>,
    key: Option<GostPrivateKey>,
}

impl Object {
    fn get(&self, t: CK_ATTRIBUTE_TYPE) -> Option<&[u8]> {
        self.attributes
            .iter()
            .find(|(a, _)| *a == t)
            .map(|(_, v)| v.as_slice())
    }
}

struct Token {
    dir: std::path::PathBuf,
    label: String,
    pin: String,
    hashing: bool,
    wrong_pins: u32,
    logged_in: bool,
    objects: Vec<Object>,
    sessions: HashMap<CK_SESSION_HANDLE, Session>,
    next_session: CK_SESSION_HANDLE,
}

#[derive(Default)]
struct Session {
    found: Option<Vec<CK_OBJECT_HANDLE>>,
    signing: Option<(CK_MECHANISM_TYPE, CK_OBJECT_HANDLE)>,
}

static TOKEN: Mutex<Option<Token>> = Mutex::new(None);

fn token() -> MutexGuard<'static, Option<Token>> {
    TOKEN.lock().unwrap_or_else(|e| e.into_inner())
}

fn ulong(v: CK_ULONG) -> Vec<u8> {
    v.to_ne_bytes().to_vec()
}

fn der_oid(oid: &str) -> Vec<u8> {
    // Arcs of the GOST OIDs are small: one or two base-128 bytes each.
    let arcs: Vec<u64> = oid.split('.').map(|a| a.parse().expect("an OID")).collect();
    let mut body = vec![(arcs[0] * 40 + arcs[1]) as u8];
    for &arc in &arcs[2..] {
        let mut bytes = vec![(arc & 0x7f) as u8];
        let mut rest = arc >> 7;
        while rest > 0 {
            bytes.push(0x80 | (rest & 0x7f) as u8);
            rest >>= 7;
        }
        bytes.reverse();
        body.extend(bytes);
    }
    [vec![0x06, body.len() as u8], body].concat()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    (s.len() % 2 == 0)
        .then(|| {
            (0..s.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
                .collect()
        })
        .flatten()
}

fn load(dir: &Path) -> Result<Token, String> {
    let text = |name: &str| {
        std::fs::read_to_string(dir.join(name))
            .map(|s| s.trim().to_owned())
            .map_err(|e| format!("{name}: {e}"))
    };
    let mut objects = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| e.to_string())?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "key"))
        .collect();
    entries.sort();
    for path in entries {
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let id = unhex(&stem).ok_or(format!("{stem}: not a hex CKA_ID"))?;
        let pkcs8 = std::fs::read(&path).map_err(|e| e.to_string())?;
        let key = GostPrivateKey::from_pkcs8_der(&pkcs8).map_err(|e| e.to_string())?;
        let cert = std::fs::read(path.with_extension("crt")).map_err(|e| e.to_string())?;
        let params = key.params();
        let (key_type, digest) = match params.size() {
            KeySize::Bits256 => (CKK_GOSTR3410, "1.2.643.7.1.1.2.2"),
            KeySize::Bits512 => (CKK_GOSTR3410_512, "1.2.643.7.1.1.2.3"),
        };
        let common = |class: CK_OBJECT_CLASS| {
            vec![
                (CKA_CLASS, ulong(class)),
                (CKA_TOKEN, vec![CK_TRUE]),
                (CKA_ID, id.clone()),
                (CKA_LABEL, stem.as_bytes().to_vec()),
            ]
        };
        let mut certificate = common(CKO_CERTIFICATE);
        certificate.push((CKA_CERTIFICATE_TYPE, ulong(CKC_X_509)));
        certificate.push((CKA_PRIVATE, vec![CK_FALSE]));
        certificate.push((CKA_VALUE, cert));
        let gost = |mut attrs: Vec<(CK_ATTRIBUTE_TYPE, Vec<u8>)>| {
            attrs.push((CKA_KEY_TYPE, ulong(key_type)));
            attrs.push((CKA_GOSTR3410_PARAMS, der_oid(params.oid())));
            attrs.push((CKA_GOSTR3411_PARAMS, der_oid(digest)));
            attrs
        };
        let mut public = gost(common(CKO_PUBLIC_KEY));
        public.push((CKA_PRIVATE, vec![CK_FALSE]));
        public.push((CKA_VALUE, key.public_key().to_le_bytes()));
        let mut private = gost(common(CKO_PRIVATE_KEY));
        private.push((CKA_PRIVATE, vec![CK_TRUE]));
        private.push((CKA_SIGN, vec![CK_TRUE]));
        private.push((CKA_SENSITIVE, vec![CK_TRUE]));
        private.push((CKA_EXTRACTABLE, vec![CK_FALSE]));
        objects.push(Object {
            private: false,
            attributes: certificate,
            key: None,
        });
        objects.push(Object {
            private: false,
            attributes: public,
            key: None,
        });
        objects.push(Object {
            private: true,
            attributes: private,
            key: Some(key),
        });
    }
    Ok(Token {
        dir: dir.to_path_buf(),
        label: text("label").unwrap_or_else(|_| "Soft GOST token".into()),
        pin: text("pin")?,
        hashing: text("hashing").map(|h| h != "no").unwrap_or(true),
        wrong_pins: 0,
        logged_in: false,
        objects,
        sessions: HashMap::new(),
        next_session: 1,
    })
}

/// Runs `f` on the initialised token, or says it is not.
fn with_token(f: impl FnOnce(&mut Token) -> CK_RV) -> CK_RV {
    match token().as_mut() {
        Some(t) => f(t),
        None => CKR_CRYPTOKI_NOT_INITIALIZED,
    }
}

fn pad(field: &mut [u8], text: &str) {
    field.fill(b' ');
    let bytes = text.as_bytes();
    let n = bytes.len().min(field.len());
    field[..n].copy_from_slice(&bytes[..n]);
}

fn handle(index: usize) -> CK_OBJECT_HANDLE {
    index as CK_OBJECT_HANDLE + 1
}

fn object(t: &Token, h: CK_OBJECT_HANDLE) -> Option<&Object> {
    let o = t.objects.get((h as usize).checked_sub(1)?)?;
    (!o.private || t.logged_in).then_some(o)
}

pub unsafe extern "C" fn C_Initialize(_args: CK_VOID_PTR) -> CK_RV {
    let mut guard = token();
    if guard.is_some() {
        return CKR_CRYPTOKI_ALREADY_INITIALIZED;
    }
    let Some(dir) = std::env::var_os("CABINET_SOFTTOKEN_DIR") else {
        return CKR_GENERAL_ERROR;
    };
    match load(Path::new(&dir)) {
        Ok(t) => {
            *guard = Some(t);
            CKR_OK
        }
        Err(e) => {
            eprintln!("cabinet-softtoken: {e}");
            CKR_GENERAL_ERROR
        }
    }
}

pub unsafe extern "C" fn C_Finalize(_reserved: CK_VOID_PTR) -> CK_RV {
    match token().take() {
        Some(_) => CKR_OK,
        None => CKR_CRYPTOKI_NOT_INITIALIZED,
    }
}

pub unsafe extern "C" fn C_GetInfo(info: *mut CK_INFO) -> CK_RV {
    if info.is_null() {
        return CKR_ARGUMENTS_BAD;
    }
    let mut i = CK_INFO {
        cryptokiVersion: CK_VERSION {
            major: 2,
            minor: 40,
        },
        flags: 0,
        libraryVersion: CK_VERSION { major: 0, minor: 1 },
        manufacturerID: [b' '; 32],
        libraryDescription: [b' '; 32],
    };
    pad(&mut i.manufacturerID, "OrgCabinet tests");
    pad(&mut i.libraryDescription, "Soft GOST token");
    *info = i;
    CKR_OK
}

pub unsafe extern "C" fn C_GetSlotList(
    _present: CK_BBOOL,
    list: *mut CK_SLOT_ID,
    count: *mut CK_ULONG,
) -> CK_RV {
    if count.is_null() {
        return CKR_ARGUMENTS_BAD;
    }
    with_token(|_| {
        if !list.is_null() {
            if *count < 1 {
                *count = 1;
                return CKR_BUFFER_TOO_SMALL;
            }
            *list = SLOT;
        }
        *count = 1;
        CKR_OK
    })
}

pub unsafe extern "C" fn C_GetSlotInfo(slot: CK_SLOT_ID, info: *mut CK_SLOT_INFO) -> CK_RV {
    if slot != SLOT {
        return CKR_SLOT_ID_INVALID;
    }
    if info.is_null() {
        return CKR_ARGUMENTS_BAD;
    }
    with_token(|_| {
        let mut i = CK_SLOT_INFO {
            slotDescription: [b' '; 64],
            manufacturerID: [b' '; 32],
            flags: CKF_TOKEN_PRESENT | CKF_REMOVABLE_DEVICE | CKF_HW_SLOT,
            hardwareVersion: CK_VERSION { major: 1, minor: 0 },
            firmwareVersion: CK_VERSION { major: 1, minor: 0 },
        };
        pad(&mut i.slotDescription, "Soft GOST reader");
        pad(&mut i.manufacturerID, "OrgCabinet tests");
        *info = i;
        CKR_OK
    })
}

pub unsafe extern "C" fn C_GetTokenInfo(slot: CK_SLOT_ID, info: *mut CK_TOKEN_INFO) -> CK_RV {
    if slot != SLOT {
        return CKR_SLOT_ID_INVALID;
    }
    if info.is_null() {
        return CKR_ARGUMENTS_BAD;
    }
    with_token(|t| {
        let mut flags = CKF_LOGIN_REQUIRED | CKF_USER_PIN_INITIALIZED | CKF_TOKEN_INITIALIZED;
        if t.wrong_pins > 0 {
            flags |= CKF_USER_PIN_COUNT_LOW;
        }
        if t.wrong_pins + 1 == MAX_PIN_TRIES {
            flags |= CKF_USER_PIN_FINAL_TRY;
        }
        if t.wrong_pins >= MAX_PIN_TRIES {
            flags |= CKF_USER_PIN_LOCKED;
        }
        let mut i = CK_TOKEN_INFO {
            label: [b' '; 32],
            manufacturerID: [b' '; 32],
            model: [b' '; 16],
            serialNumber: [b' '; 16],
            flags,
            ulMaxSessionCount: CK_EFFECTIVELY_INFINITE,
            ulSessionCount: t.sessions.len() as CK_ULONG,
            ulMaxRwSessionCount: CK_EFFECTIVELY_INFINITE,
            ulRwSessionCount: 0,
            ulMaxPinLen: 32,
            ulMinPinLen: 4,
            ulTotalPublicMemory: CK_UNAVAILABLE_INFORMATION,
            ulFreePublicMemory: CK_UNAVAILABLE_INFORMATION,
            ulTotalPrivateMemory: CK_UNAVAILABLE_INFORMATION,
            ulFreePrivateMemory: CK_UNAVAILABLE_INFORMATION,
            hardwareVersion: CK_VERSION { major: 1, minor: 0 },
            firmwareVersion: CK_VERSION { major: 1, minor: 0 },
            utcTime: [b' '; 16],
        };
        pad(&mut i.label, &t.label);
        pad(&mut i.manufacturerID, "OrgCabinet tests");
        pad(&mut i.model, "Soft GOST");
        pad(&mut i.serialNumber, "0000000000000001");
        *info = i;
        CKR_OK
    })
}

fn mechanisms(t: &Token) -> Vec<CK_MECHANISM_TYPE> {
    let mut out = vec![CKM_GOSTR3410, CKM_GOSTR3410_512];
    if t.hashing {
        out.extend([
            CKM_GOSTR3410_WITH_GOSTR3411_12_256,
            CKM_GOSTR3410_WITH_GOSTR3411_12_512,
        ]);
    }
    out
}

pub unsafe extern "C" fn C_GetMechanismList(
    slot: CK_SLOT_ID,
    list: *mut CK_MECHANISM_TYPE,
    count: *mut CK_ULONG,
) -> CK_RV {
    if slot != SLOT {
        return CKR_SLOT_ID_INVALID;
    }
    if count.is_null() {
        return CKR_ARGUMENTS_BAD;
    }
    with_token(|t| {
        let all = mechanisms(t);
        if !list.is_null() {
            if (*count as usize) < all.len() {
                *count = all.len() as CK_ULONG;
                return CKR_BUFFER_TOO_SMALL;
            }
            std::ptr::copy_nonoverlapping(all.as_ptr(), list, all.len());
        }
        *count = all.len() as CK_ULONG;
        CKR_OK
    })
}

pub unsafe extern "C" fn C_GetMechanismInfo(
    slot: CK_SLOT_ID,
    mechanism: CK_MECHANISM_TYPE,
    info: *mut CK_MECHANISM_INFO,
) -> CK_RV {
    if slot != SLOT {
        return CKR_SLOT_ID_INVALID;
    }
    if info.is_null() {
        return CKR_ARGUMENTS_BAD;
    }
    with_token(|t| {
        if !mechanisms(t).contains(&mechanism) {
            return CKR_MECHANISM_INVALID;
        }
        let bits = if mechanism == CKM_GOSTR3410 || mechanism == CKM_GOSTR3410_WITH_GOSTR3411_12_256
        {
            256
        } else {
            512
        };
        *info = CK_MECHANISM_INFO {
            ulMinKeySize: bits,
            ulMaxKeySize: bits,
            flags: CKF_SIGN | CKF_HW,
        };
        CKR_OK
    })
}

pub unsafe extern "C" fn C_OpenSession(
    slot: CK_SLOT_ID,
    flags: CK_FLAGS,
    _app: CK_VOID_PTR,
    _notify: CK_NOTIFY,
    session: *mut CK_SESSION_HANDLE,
) -> CK_RV {
    if slot != SLOT {
        return CKR_SLOT_ID_INVALID;
    }
    if flags & CKF_SERIAL_SESSION == 0 {
        return CKR_SESSION_PARALLEL_NOT_SUPPORTED;
    }
    if session.is_null() {
        return CKR_ARGUMENTS_BAD;
    }
    with_token(|t| {
        let h = t.next_session;
        t.next_session += 1;
        t.sessions.insert(h, Session::default());
        *session = h;
        CKR_OK
    })
}

pub unsafe extern "C" fn C_CloseSession(session: CK_SESSION_HANDLE) -> CK_RV {
    with_token(|t| {
        if t.sessions.remove(&session).is_none() {
            return CKR_SESSION_HANDLE_INVALID;
        }
        if t.sessions.is_empty() {
            t.logged_in = false;
        }
        CKR_OK
    })
}

pub unsafe extern "C" fn C_CloseAllSessions(slot: CK_SLOT_ID) -> CK_RV {
    if slot != SLOT {
        return CKR_SLOT_ID_INVALID;
    }
    with_token(|t| {
        t.sessions.clear();
        t.logged_in = false;
        CKR_OK
    })
}

pub unsafe extern "C" fn C_GetSessionInfo(
    session: CK_SESSION_HANDLE,
    info: *mut CK_SESSION_INFO,
) -> CK_RV {
    if info.is_null() {
        return CKR_ARGUMENTS_BAD;
    }
    with_token(|t| {
        if !t.sessions.contains_key(&session) {
            return CKR_SESSION_HANDLE_INVALID;
        }
        *info = CK_SESSION_INFO {
            slotID: SLOT,
            state: if t.logged_in {
                CKS_RO_USER_FUNCTIONS
            } else {
                CKS_RO_PUBLIC_SESSION
            },
            flags: CKF_SERIAL_SESSION,
            ulDeviceError: 0,
        };
        CKR_OK
    })
}

pub unsafe extern "C" fn C_Login(
    session: CK_SESSION_HANDLE,
    user: CK_USER_TYPE,
    pin: *mut CK_UTF8CHAR,
    pin_len: CK_ULONG,
) -> CK_RV {
    with_token(|t| {
        if !t.sessions.contains_key(&session) {
            return CKR_SESSION_HANDLE_INVALID;
        }
        if user != CKU_USER {
            return CKR_USER_TYPE_INVALID;
        }
        if t.logged_in {
            return CKR_USER_ALREADY_LOGGED_IN;
        }
        if t.wrong_pins >= MAX_PIN_TRIES {
            return CKR_PIN_LOCKED;
        }
        let given = if pin.is_null() {
            &[][..]
        } else {
            std::slice::from_raw_parts(pin, pin_len as usize)
        };
        if given != t.pin.as_bytes() {
            t.wrong_pins += 1;
            return if t.wrong_pins >= MAX_PIN_TRIES {
                CKR_PIN_LOCKED
            } else {
                CKR_PIN_INCORRECT
            };
        }
        t.wrong_pins = 0;
        t.logged_in = true;
        CKR_OK
    })
}

pub unsafe extern "C" fn C_Logout(session: CK_SESSION_HANDLE) -> CK_RV {
    with_token(|t| {
        if !t.sessions.contains_key(&session) {
            return CKR_SESSION_HANDLE_INVALID;
        }
        if !t.logged_in {
            return CKR_USER_NOT_LOGGED_IN;
        }
        t.logged_in = false;
        CKR_OK
    })
}

pub unsafe extern "C" fn C_GetAttributeValue(
    session: CK_SESSION_HANDLE,
    h: CK_OBJECT_HANDLE,
    template: *mut CK_ATTRIBUTE,
    count: CK_ULONG,
) -> CK_RV {
    if template.is_null() && count > 0 {
        return CKR_ARGUMENTS_BAD;
    }
    with_token(|t| {
        if !t.sessions.contains_key(&session) {
            return CKR_SESSION_HANDLE_INVALID;
        }
        let Some(o) = object(t, h) else {
            return CKR_OBJECT_HANDLE_INVALID;
        };
        let mut rv = CKR_OK;
        for a in std::slice::from_raw_parts_mut(template, count as usize) {
            if o.key.is_some() && a.type_ == CKA_VALUE {
                a.ulValueLen = CK_UNAVAILABLE_INFORMATION;
                rv = CKR_ATTRIBUTE_SENSITIVE;
                continue;
            }
            let Some(value) = o.get(a.type_) else {
                a.ulValueLen = CK_UNAVAILABLE_INFORMATION;
                rv = CKR_ATTRIBUTE_TYPE_INVALID;
                continue;
            };
            if a.pValue.is_null() {
                a.ulValueLen = value.len() as CK_ULONG;
            } else if (a.ulValueLen as usize) < value.len() {
                a.ulValueLen = CK_UNAVAILABLE_INFORMATION;
                rv = CKR_BUFFER_TOO_SMALL;
            } else {
                std::ptr::copy_nonoverlapping(value.as_ptr(), a.pValue as *mut u8, value.len());
                a.ulValueLen = value.len() as CK_ULONG;
            }
        }
        rv
    })
}

pub unsafe extern "C" fn C_FindObjectsInit(
    session: CK_SESSION_HANDLE,
    template: *mut CK_ATTRIBUTE,
    count: CK_ULONG,
) -> CK_RV {
    if template.is_null() && count > 0 {
        return CKR_ARGUMENTS_BAD;
    }
    with_token(|t| {
        let wanted: Vec<(CK_ATTRIBUTE_TYPE, Vec<u8>)> = if count == 0 {
            Vec::new()
        } else {
            std::slice::from_raw_parts(template, count as usize)
                .iter()
                .map(|a| {
                    let v = if a.pValue.is_null() {
                        Vec::new()
                    } else {
                        std::slice::from_raw_parts(a.pValue as *const u8, a.ulValueLen as usize)
                            .to_vec()
                    };
                    (a.type_, v)
                })
                .collect()
        };
        let found: Vec<CK_OBJECT_HANDLE> = (0..t.objects.len())
            .filter(|&i| {
                let o = &t.objects[i];
                (!o.private || t.logged_in)
                    && wanted.iter().all(|(a, v)| o.get(*a) == Some(v.as_slice()))
            })
            .map(handle)
            .collect();
        let Some(s) = t.sessions.get_mut(&session) else {
            return CKR_SESSION_HANDLE_INVALID;
        };
        if s.found.is_some() {
            return CKR_OPERATION_ACTIVE;
        }
        s.found = Some(found);
        CKR_OK
    })
}

pub unsafe extern "C" fn C_FindObjects(
    session: CK_SESSION_HANDLE,
    out: *mut CK_OBJECT_HANDLE,
    max: CK_ULONG,
    count: *mut CK_ULONG,
) -> CK_RV {
    if out.is_null() || count.is_null() {
        return CKR_ARGUMENTS_BAD;
    }
    with_token(|t| {
        let Some(s) = t.sessions.get_mut(&session) else {
            return CKR_SESSION_HANDLE_INVALID;
        };
        let Some(found) = s.found.as_mut() else {
            return CKR_OPERATION_NOT_INITIALIZED;
        };
        let n = found.len().min(max as usize);
        let batch: Vec<CK_OBJECT_HANDLE> = found.drain(..n).collect();
        std::ptr::copy_nonoverlapping(batch.as_ptr(), out, n);
        *count = n as CK_ULONG;
        CKR_OK
    })
}

pub unsafe extern "C" fn C_FindObjectsFinal(session: CK_SESSION_HANDLE) -> CK_RV {
    with_token(|t| {
        let Some(s) = t.sessions.get_mut(&session) else {
            return CKR_SESSION_HANDLE_INVALID;
        };
        if s.found.take().is_none() {
            return CKR_OPERATION_NOT_INITIALIZED;
        }
        CKR_OK
    })
}

pub unsafe extern "C" fn C_SignInit(
    session: CK_SESSION_HANDLE,
    mechanism: *mut CK_MECHANISM,
    key: CK_OBJECT_HANDLE,
) -> CK_RV {
    if mechanism.is_null() {
        return CKR_ARGUMENTS_BAD;
    }
    let m = (*mechanism).mechanism;
    with_token(|t| {
        if !t.sessions.contains_key(&session) {
            return CKR_SESSION_HANDLE_INVALID;
        }
        if !t.logged_in {
            return CKR_USER_NOT_LOGGED_IN;
        }
        let Some(k) = object(t, key).and_then(|o| o.key.as_ref()) else {
            return CKR_KEY_HANDLE_INVALID;
        };
        let fits = match k.params().size() {
            KeySize::Bits256 => [CKM_GOSTR3410, CKM_GOSTR3410_WITH_GOSTR3411_12_256],
            KeySize::Bits512 => [CKM_GOSTR3410_512, CKM_GOSTR3410_WITH_GOSTR3411_12_512],
        };
        if !mechanisms(t).contains(&m) {
            return CKR_MECHANISM_INVALID;
        }
        if !fits.contains(&m) {
            return CKR_KEY_TYPE_INCONSISTENT;
        }
        let s = t.sessions.get_mut(&session).expect("checked");
        if s.signing.is_some() {
            return CKR_OPERATION_ACTIVE;
        }
        s.signing = Some((m, key));
        use std::io::Write;
        if let Ok(mut log) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(t.dir.join("mechanisms.log"))
        {
            let _ = writeln!(log, "{m:#x}");
        }
        CKR_OK
    })
}

pub unsafe extern "C" fn C_Sign(
    session: CK_SESSION_HANDLE,
    data: *mut CK_BYTE,
    data_len: CK_ULONG,
    signature: *mut CK_BYTE,
    signature_len: *mut CK_ULONG,
) -> CK_RV {
    if signature_len.is_null() || (data.is_null() && data_len > 0) {
        return CKR_ARGUMENTS_BAD;
    }
    with_token(|t| {
        let Some(&(m, key)) = t.sessions.get(&session).and_then(|s| s.signing.as_ref()) else {
            return CKR_OPERATION_NOT_INITIALIZED;
        };
        let finish = |t: &mut Token, rv: CK_RV| {
            if let Some(s) = t.sessions.get_mut(&session) {
                s.signing = None;
            }
            rv
        };
        let Some(k) = object(t, key).and_then(|o| o.key.as_ref()) else {
            return finish(t, CKR_KEY_HANDLE_INVALID);
        };
        let n = k.params().size().bytes();
        if signature.is_null() {
            // A length query: the operation stays active.
            *signature_len = (2 * n) as CK_ULONG;
            return CKR_OK;
        }
        if (*signature_len as usize) < 2 * n {
            *signature_len = (2 * n) as CK_ULONG;
            return CKR_BUFFER_TOO_SMALL;
        }
        let input = if data_len == 0 {
            &[][..]
        } else {
            std::slice::from_raw_parts(data, data_len as usize)
        };
        let hashing =
            m == CKM_GOSTR3410_WITH_GOSTR3411_12_256 || m == CKM_GOSTR3410_WITH_GOSTR3411_12_512;
        if !hashing && input.len() != n {
            return finish(t, CKR_DATA_LEN_RANGE);
        }
        let made = if hashing {
            k.sign(input)
        } else {
            k.sign_digest(input)
        };
        match made {
            Ok(value) => {
                std::ptr::copy_nonoverlapping(value.as_ptr(), signature, value.len());
                *signature_len = value.len() as CK_ULONG;
                finish(t, CKR_OK)
            }
            Err(_) => finish(t, CKR_FUNCTION_FAILED),
        }
    })
}

/// The table every caller gets; no one writes to it.
struct FunctionList(CK_FUNCTION_LIST);
unsafe impl Sync for FunctionList {}
unsafe impl Send for FunctionList {}

static FUNCTIONS: std::sync::OnceLock<FunctionList> = std::sync::OnceLock::new();

fn function_list() -> *mut CK_FUNCTION_LIST {
    let list = FUNCTIONS.get_or_init(|| {
        FunctionList(CK_FUNCTION_LIST {
            version: CK_VERSION {
                major: 2,
                minor: 40,
            },
            C_Initialize: Some(C_Initialize),
            C_Finalize: Some(C_Finalize),
            C_GetInfo: Some(C_GetInfo),
            C_GetFunctionList: Some(C_GetFunctionList),
            C_GetSlotList: Some(C_GetSlotList),
            C_GetSlotInfo: Some(C_GetSlotInfo),
            C_GetTokenInfo: Some(C_GetTokenInfo),
            C_GetMechanismList: Some(C_GetMechanismList),
            C_GetMechanismInfo: Some(C_GetMechanismInfo),
            C_OpenSession: Some(C_OpenSession),
            C_CloseSession: Some(C_CloseSession),
            C_CloseAllSessions: Some(C_CloseAllSessions),
            C_GetSessionInfo: Some(C_GetSessionInfo),
            C_Login: Some(C_Login),
            C_Logout: Some(C_Logout),
            C_GetAttributeValue: Some(C_GetAttributeValue),
            C_FindObjectsInit: Some(C_FindObjectsInit),
            C_FindObjects: Some(C_FindObjects),
            C_FindObjectsFinal: Some(C_FindObjectsFinal),
            C_SignInit: Some(C_SignInit),
            C_Sign: Some(C_Sign),
            ..Default::default()
        })
    });
    &list.0 as *const CK_FUNCTION_LIST as *mut CK_FUNCTION_LIST
}

/// The module's entry point.
#[no_mangle]
pub unsafe extern "C" fn C_GetFunctionList(list: *mut *mut CK_FUNCTION_LIST) -> CK_RV {
    if list.is_null() {
        return CKR_ARGUMENTS_BAD;
    }
    *list = function_list();
    CKR_OK
}
