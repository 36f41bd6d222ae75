//! Every stable error code of the project, in one enum: the portal's
//! problem codes, the client's own (cache, keychain, input), the signature
//! crate's and the requisite checks'. The wire form is the dotted string
//! (`auth.locked`); the window's message tables are keyed by this type, so
//! a code without a translation does not type-check.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! error_codes {
    ($( $(#[doc = $doc:literal])* $variant:ident = $code:literal, )*) => {
        /// A stable, machine-readable error code. Unknown codes (from a newer
        /// portal) read as [`ErrorCode::Unknown`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ts_rs::TS)]
        pub enum ErrorCode {
            $( $(#[doc = $doc])* #[ts(rename = $code)] $variant, )*
        }

        impl ErrorCode {
            /// Every code, in declaration order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),*];

            /// The wire form: `auth.locked`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $code,)*
                }
            }
        }
    };
}

error_codes! {
    // application
    /// A mandatory document of the service is not attached.
    ApplicationMissingDocuments = "application.missing_documents",
    ApplicationTooManyFiles = "application.too_many_files",
    /// An attachment has no signature yet.
    ApplicationUnsigned = "application.unsigned",
    // auth
    AuthChallengeExpired = "auth.challenge_expired",
    /// Certificate login: the challenge is unknown or was already used.
    AuthChallengeInvalid = "auth.challenge_invalid",
    AuthInvalidCredentials = "auth.invalid_credentials",
    AuthLocked = "auth.locked",
    AuthOtpExpired = "auth.otp_expired",
    AuthOtpInvalid = "auth.otp_invalid",
    AuthRefreshInvalid = "auth.refresh_invalid",
    AuthRequired = "auth.required",
    /// A new password the same as the current one (422, `new_password`).
    AuthSamePassword = "auth.same_password",
    /// The CMS does not verify over the challenge's nonce, or is not one.
    AuthSignatureInvalid = "auth.signature_invalid",
    AuthTicketInvalid = "auth.ticket_invalid",
    AuthTokenExpired = "auth.token_expired",
    AuthTokenInvalid = "auth.token_invalid",
    /// A wrong code from the authenticator being set up (422, field `code`, with `attempts_left`).
    AuthTotpInvalid = "auth.totp_invalid",
    /// No authenticator is being set up, or five wrong codes dropped it (409): start again.
    AuthTotpNotStarted = "auth.totp_not_started",
    /// A new password that breaks the rule (8+ characters, a letter, a digit).
    AuthWeakPassword = "auth.weak_password",
    /// A password change with a wrong current password (422, field `current_password`, with `attempts_left`).
    AuthWrongPassword = "auth.wrong_password",
    // cache
    CacheError = "cache.error",
    CacheLocked = "cache.locked",
    CacheNotFound = "cache.not_found",
    CacheUnsentActions = "cache.unsent_actions",
    // cert
    CertExpired = "cert.expired",
    /// The key usage does not allow signatures.
    CertKeyUsage = "cert.key_usage",
    CertMalformed = "cert.malformed",
    CertNotYetValid = "cert.not_yet_valid",
    CertRevoked = "cert.revoked",
    /// Neither the certificate's СНИЛС nor its ИНН belongs to a portal user.
    CertUnknownHolder = "cert.unknown_holder",
    CertUnsupportedAlgorithm = "cert.unsupported_algorithm",
    CertUntrusted = "cert.untrusted",
    // config
    ConfigInvalid = "config.invalid",
    // conflict
    /// The entity's state does not allow the action (409).
    ConflictState = "conflict.state",
    /// `If-Match` names an older version (412): both versions go to the user.
    ConflictVersion = "conflict.version",
    // container
    ContainerDamaged = "container.damaged",
    ContainerKeyMismatch = "container.key_mismatch",
    ContainerNoCertificate = "container.no_certificate",
    ContainerNotFound = "container.not_found",
    ContainerUnsupported = "container.unsupported",
    ContainerWrongPin = "container.wrong_pin",
    // crl
    CrlMalformed = "crl.malformed",
    // document
    /// A document changed while a signature of it was checked.
    DocumentChanged = "document.changed",
    // employee
    /// A role or permissions beyond what the granting member holds (403): no one gives more than they have.
    EmployeeGrantExceeds = "employee.grant_exceeds",
    /// The head's role is the head's, as the state register names him: it is not given, changed or taken through employees (403).
    EmployeeHeadRole = "employee.head_role",
    // export
    ExportFailed = "export.failed",
    // file
    FileBadName = "file.bad_name",
    FileDuplicate = "file.duplicate",
    FileEmpty = "file.empty",
    FileExtension = "file.extension",
    FileMissing = "file.missing",
    FileNotRegular = "file.not_regular",
    FileNotSent = "file.not_sent",
    FileRead = "file.read",
    FileTooLarge = "file.too_large",
    FileTypeMismatch = "file.type_mismatch",
    FileTypeNotAllowed = "file.type_not_allowed",
    FileWrite = "file.write",
    // form
    FormCadastral = "form.cadastral",
    FormNotADate = "form.not_a_date",
    FormNotANumber = "form.not_a_number",
    FormNotAnOption = "form.not_an_option",
    FormRequired = "form.required",
    FormTooLong = "form.too_long",
    FormUnknownField = "form.unknown_field",
    // general
    Internal = "internal",
    NotFound = "not_found",
    Unknown = "unknown",
    // input
    InputAction = "input.action",
    InputApplication = "input.application",
    InputAttachment = "input.attachment",
    InputCertificate = "input.certificate",
    InputCharge = "input.charge",
    InputCode = "input.code",
    InputConflict = "input.conflict",
    InputContent = "input.content",
    InputCurrentPassword = "input.current_password",
    InputDocument = "input.document",
    InputDocumentIds = "input.document_ids",
    InputEmail = "input.email",
    InputEmailTaken = "input.email_taken",
    InputEmployee = "input.employee",
    InputFileName = "input.file_name",
    InputFormat = "input.format",
    InputFrom = "input.from",
    InputFullName = "input.full_name",
    InputId = "input.id",
    InputInn = "input.inn",
    InputKind = "input.kind",
    InputLegalAddress = "input.legal_address",
    InputLockMinutes = "input.lock_minutes",
    InputLogin = "input.login",
    InputMessage = "input.message",
    InputName = "input.name",
    InputOrgId = "input.org_id",
    InputPassword = "input.password",
    InputPeriod = "input.period",
    InputPhone = "input.phone",
    InputPrefetch = "input.prefetch",
    InputProfile = "input.profile",
    InputRegistration = "input.registration",
    InputRequirement = "input.requirement",
    InputRole = "input.role",
    InputRows = "input.rows",
    /// A blob named by something that is not a SHA-256.
    InputSha256 = "input.sha256",
    InputSlot = "input.slot",
    InputText = "input.text",
    InputTitle = "input.title",
    InputTo = "input.to",
    InputVersion = "input.version",
    // key
    KeyMalformed = "key.malformed",
    // keychain
    KeychainUnavailable = "keychain.unavailable",
    // link
    /// The user is already a member of that cabinet (409).
    LinkAlreadyMember = "link.already_member",
    /// No cabinet of an organization with this INN (404).
    LinkNotFound = "link.not_found",
    // network
    NetworkOffline = "network.offline",
    // org
    /// The cabinet is blocked: only its profile, support and an unblock request (403; the detail is the reason).
    OrgBlocked = "org.blocked",
    OrgForbidden = "org.forbidden",
    /// Only the head of the organization may do this (403).
    OrgHeadOnly = "org.head_only",
    /// The cabinet is open: there is nothing to unblock (409).
    OrgNotBlocked = "org.not_blocked",
    OrgNotFound = "org.not_found",
    /// A member whose role does not allow the action (403); `detail` names the permission.
    OrgPermissionDenied = "org.permission_denied",
    /// The cabinet is suspended: it can be read, nothing sent (403; the detail is the reason).
    OrgSuspended = "org.suspended",
    /// An unblock request is already waiting (409).
    OrgUnblockPending = "org.unblock_pending",
    // pfx
    PfxDamaged = "pfx.damaged",
    PfxKeyMismatch = "pfx.key_mismatch",
    PfxNoKey = "pfx.no_key",
    PfxNotPkcs12 = "pfx.not_pkcs12",
    PfxUnsupported = "pfx.unsupported",
    PfxWrongPassword = "pfx.wrong_password",
    // portal
    PortalProtocol = "portal.protocol",
    // profile
    /// A change of requisites is already waiting for the operator (409).
    ProfileChangePending = "profile.change_pending",
    // rate
    /// Too many attempts or code requests from this login or address (429, with `Retry-After` in seconds).
    RateLimited = "rate.limited",
    // registration
    RegistrationAddressMismatch = "registration.address_mismatch",
    /// Registration: the organization has a cabinet already (409).
    RegistrationAlreadyRegistered = "registration.already_registered",
    /// Registration: no confirmation code was asked for, or it has expired.
    RegistrationCodeExpired = "registration.code_expired",
    /// Registration: a wrong confirmation code (`attempts_left` says how many remain before a new code is needed).
    RegistrationCodeInvalid = "registration.code_invalid",
    /// Registration: sent with neither a code nor a signature, or both.
    RegistrationConfirmationMissing = "registration.confirmation_missing",
    RegistrationDocumentDuplicate = "registration.document_duplicate",
    RegistrationDocumentForeign = "registration.document_foreign",
    /// Registration: a required document is not uploaded.
    RegistrationMissingDocuments = "registration.missing_documents",
    /// Registration: no organization with this INN in the state register.
    RegistrationNotInRegistry = "registration.not_in_registry",
    /// Registration: the register knows the INN with another OGRN or KPP; `field` names which.
    RegistrationRegistryMismatch = "registration.registry_mismatch",
    /// Registration: a valid qualified signature, but not of the head the state register names for this INN.
    RegistrationSignerNotHead = "registration.signer_not_head",
    // request
    /// The same `Idempotency-Key` came with a different request.
    RequestIdempotencyConflict = "request.idempotency_conflict",
    /// A write without an `Idempotency-Key`.
    RequestIdempotencyKeyRequired = "request.idempotency_key_required",
    RequestInvalid = "request.invalid",
    /// A form field is invalid (422); `field` names it.
    RequestInvalidField = "request.invalid_field",
    /// The method is not one the path takes (405, with `Allow`).
    RequestMethodNotAllowed = "request.method_not_allowed",
    /// The body is larger than the route takes (413).
    RequestTooLarge = "request.too_large",
    // session
    SessionLocked = "session.locked",
    SessionNotLoggedIn = "session.not_logged_in",
    SessionReloginRequired = "session.relogin_required",
    SessionUnlockFailed = "session.unlock_failed",
    // sig
    SigBroken = "sig.broken",
    SigCertExpired = "sig.cert_expired",
    /// The certificate has expired and no timestamp proves the signature
    /// was made before: its validity cannot be established.
    SigCertExpiredNoProof = "sig.cert_expired_no_proof",
    SigCertNotYetValid = "sig.cert_not_yet_valid",
    SigContentChanged = "sig.content_changed",
    SigContentMismatch = "sig.content_mismatch",
    SigDetached = "sig.detached",
    /// A finding: the signature's long-term data (CAdES-X Long Type 1) is
    /// damaged, or was changed after its references were stamped.
    SigLongTermBroken = "sig.long_term_broken",
    SigMalformed = "sig.malformed",
    SigNoCertificate = "sig.no_certificate",
    SigRevoked = "sig.revoked",
    SigTooLarge = "sig.too_large",
    SigUntrusted = "sig.untrusted",
    // sign
    SignFailed = "sign.failed",
    SignUnsupportedAlgorithm = "sign.unsupported_algorithm",
    // support
    /// Support: a ticket's files weigh more than 10 MB together (413).
    SupportTooLarge = "support.too_large",
    /// Support: more than five files on a ticket (422).
    SupportTooManyFiles = "support.too_many_files",
    // sync
    /// The change-feed cursor is older than what the portal keeps: resync.
    SyncCursorExpired = "sync.cursor_expired",
    // token
    TokenAbsent = "token.absent",
    TokenFailed = "token.failed",
    TokenModule = "token.module",
    TokenNoKey = "token.no_key",
    TokenPinLocked = "token.pin_locked",
    TokenWrongPin = "token.wrong_pin",
    // trust (findings of a signature check, never an HTTP error)
    /// Neither a trust list nor own roots: the chain was not checked.
    TrustNotChecked = "trust.not_checked",
    /// The chain's CA was not accredited at the moment judged.
    TrustNotAccredited = "trust.not_accredited",
    /// A CA certificate of the chain was out of its period then.
    TrustChainExpired = "trust.chain_expired",
    /// No revocation data about the certificate.
    RevocationUnknown = "revocation.unknown",
    /// The revocation data is older than its next update.
    RevocationStale = "revocation.stale",
    /// The portal's trust list names no such CRL address (404).
    TrustCrlUnknown = "trust.crl_unknown",
    /// A listed CRL the portal cannot give now (502).
    TrustCrlUnavailable = "trust.crl_unavailable",
    /// No OCSP responder the portal answers for at that address (404).
    TrustOcspUnknown = "trust.ocsp_unknown",
    // tsp
    TspMalformed = "tsp.malformed",
    /// The time-stamping authority refused the request.
    TspRefused = "tsp.refused",
    /// A time stamp for another hash, nonce or signature.
    TspMismatch = "tsp.mismatch",
    /// A token whose signer is not a time-stamping authority.
    TspNotTsa = "tsp.not_tsa",
    /// A finding: the time stamp's TSA is not trusted, so the signing time
    /// is not proven.
    TspUntrusted = "tsp.untrusted",
    /// No time-stamping service answered (the portal has none, or it is
    /// out of reach).
    TspUnavailable = "tsp.unavailable",
    // tsl
    /// Not the trust list of accredited CAs in the Ministry's XML.
    TslMalformed = "tsl.malformed",
    // requisites that fail their own check (`kind.problem`)
    InnDigits = "inn.digits",
    InnLength = "inn.length",
    InnChecksum = "inn.checksum",
    OgrnDigits = "ogrn.digits",
    OgrnLength = "ogrn.length",
    OgrnChecksum = "ogrn.checksum",
    OgrnipDigits = "ogrnip.digits",
    OgrnipLength = "ogrnip.length",
    OgrnipChecksum = "ogrnip.checksum",
    KppLength = "kpp.length",
    KppFormat = "kpp.format",
    UinDigits = "uin.digits",
    UinLength = "uin.length",
    UinChecksum = "uin.checksum",
    BikDigits = "bik.digits",
    BikLength = "bik.length",
    BikFormat = "bik.format",
    AccountDigits = "account.digits",
    AccountLength = "account.length",
    AccountChecksum = "account.checksum",
    CorrAccountDigits = "corr_account.digits",
    CorrAccountLength = "corr_account.length",
    CorrAccountChecksum = "corr_account.checksum",
    SnilsDigits = "snils.digits",
    SnilsLength = "snils.length",
    SnilsChecksum = "snils.checksum",
    PhoneFormat = "phone.format",
    PhoneLength = "phone.length",
    LegalAddressLength = "legal_address.length",
    EmailFormat = "email.format",
    BankNameFormat = "bank_name.format",
    HeadNameFormat = "head_name.format",
    HeadPositionFormat = "head_position.format",
    ProfileFormat = "profile.format",
}

impl ErrorCode {
    /// The code named by its wire form; a code this build does not know is
    /// [`ErrorCode::Unknown`].
    pub fn parse(code: &str) -> ErrorCode {
        Self::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == code)
            .unwrap_or(ErrorCode::Unknown)
    }
}

impl ErrorCode {
    /// The code of a field refused before sending, `input.{field}`, for the
    /// normalizers that name the bad field; a field without its own code is
    /// `request.invalid_field`.
    pub fn input(field: &str) -> ErrorCode {
        match ErrorCode::parse(&format!("input.{field}")) {
            ErrorCode::Unknown => ErrorCode::RequestInvalidField,
            code => code,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = std::borrow::Cow::<'de, str>::deserialize(d)?;
        Ok(ErrorCode::parse(&s))
    }
}

/// Tests compare with the wire form.
impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<ErrorCode> for &str {
    fn eq(&self, other: &ErrorCode) -> bool {
        *self == other.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_dotted_and_round_trip() {
        let mut seen = std::collections::HashSet::new();
        for &c in ErrorCode::ALL {
            let s = c.as_str();
            assert!(seen.insert(s), "{s} twice");
            assert!(
                s.chars().all(|ch| ch.is_ascii_lowercase()
                    || ch.is_ascii_digit()
                    || ch == '.'
                    || ch == '_'),
                "{s}"
            );
            assert_eq!(ErrorCode::parse(s), c);
            let json = serde_json::to_string(&c).unwrap();
            assert_eq!(json, format!("\"{s}\""));
            assert_eq!(serde_json::from_str::<ErrorCode>(&json).unwrap(), c);
        }
    }

    /// Every field the normalizers of the wire types name has its own code.
    #[test]
    fn every_field_a_normalizer_names_has_an_input_code() {
        for field in [
            "text",
            "document_ids",
            "email",
            "full_name",
            "role",
            "name",
            "phone",
            "legal_address",
        ] {
            assert_ne!(
                ErrorCode::input(field),
                ErrorCode::RequestInvalidField,
                "{field}"
            );
        }
        assert_eq!(ErrorCode::input("nonsense"), ErrorCode::RequestInvalidField);
    }

    #[test]
    fn a_code_from_a_newer_portal_reads_as_unknown() {
        let c: ErrorCode = serde_json::from_str("\"payment.gateway_down\"").unwrap();
        assert_eq!(c, ErrorCode::Unknown);
        assert!(serde_json::from_str::<ErrorCode>("42").is_err());
    }
}
