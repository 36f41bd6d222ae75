//! Authentication: password, second factor, token refresh and logout.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// `POST /v1/auth/password`. `login` is an INN, an OGRN or an e-mail.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PasswordLogin {
    pub login: String,
    pub password: String,
}

/// Answer of `POST /v1/auth/password`: tokens, or a second factor to pass.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PasswordLoginResponse {
    Tokens(TokenPair),
    Mfa(MfaChallenge),
}

/// How the second-factor code reaches the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MfaChannel {
    /// RFC 6238 authenticator app.
    Totp,
    /// A one-time code sent by SMS.
    Sms,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MfaChallenge {
    /// Always `true`; lets a client tell this answer from tokens at a glance.
    pub mfa_required: bool,
    pub ticket: String,
    pub channel: MfaChannel,
    /// Masked destination for SMS (`+7 *** ***-**-67`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
    /// RFC 3339.
    pub expires_at: String,
}

/// `POST /v1/auth/otp`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OtpSubmit {
    pub ticket: String,
    pub code: String,
}

/// Opaque bearer tokens. The access token is short-lived; the refresh token
/// rotates: each use returns a new one and retires the old one.
#[derive(Clone, Serialize, Deserialize)]
pub struct TokenPair {
    pub access_token: String,
    pub token_type: String,
    /// Seconds.
    pub expires_in: u64,
    pub refresh_token: String,
    /// Seconds.
    pub refresh_expires_in: u64,
}

impl std::fmt::Debug for TokenPair {
    // Tokens are secrets: never let them reach a log through `{:?}`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenPair")
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("refresh_expires_in", &self.refresh_expires_in)
            .finish_non_exhaustive()
    }
}

/// `POST /v1/auth/refresh` and `POST /v1/auth/logout`.
#[derive(Clone, Serialize, Deserialize)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

impl std::fmt::Debug for RefreshRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RefreshRequest { .. }")
    }
}

/// `POST /v1/auth/challenge`: a one-time nonce for certificate login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertChallenge {
    pub challenge_id: String,
    /// Base64 of the bytes to sign (a detached CMS signature over them).
    pub nonce: String,
    /// RFC 3339.
    pub expires_at: String,
}

/// `POST /v1/auth/certificate`: the signed nonce. Answers a [`TokenPair`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateLogin {
    pub challenge_id: String,
    /// Base64 of the DER CMS SignedData (detached) over the nonce bytes.
    pub signature: String,
}

/// `GET /v1/me`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Me {
    pub user_id: String,
    pub full_name: String,
    pub email: String,
    #[serde(default)]
    pub inn: Option<String>,
    #[serde(default)]
    pub snils: Option<String>,
}

/// `GET /v1/demo` — only on a portal started with `--demo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DemoInfo {
    pub users: Vec<DemoUser>,
    /// The demo PKI's .pfx files, at `GET /v1/demo/certificates/{file_name}`.
    #[serde(default)]
    pub certificates: Vec<DemoCertificate>,
}

/// A demo .pfx issued by the demo portal's CA at start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DemoCertificate {
    pub file_name: String,
    pub password: String,
    pub holder: String,
    /// Russian, e.g. «Руководитель, действующий».
    pub description: String,
    /// Issued already expired, to show how an expired certificate is refused.
    pub expired: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DemoUser {
    pub login: String,
    pub password: String,
    pub full_name: String,
    /// Russian, e.g. «Бухгалтер».
    pub role: String,
}

/// `GET /v1/demo/sms?ticket=…` — the demo portal's "phone": the last SMS code
/// sent for a login ticket. Only on a portal started with `--demo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DemoSms {
    pub phone: String,
    pub code: String,
    pub sent_at: String,
}

/// `POST /v1/auth/recovery`: "forgot password" for `login` (an INN, an
/// OGRN or an e-mail). The answer is the same whether or not the login
/// exists; if it does, a code goes to the user's phone.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PasswordRecovery {
    pub login: String,
}

/// The recovery ticket the code belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RecoveryTicket {
    pub ticket: String,
    pub expires_at: String,
}

/// `POST /v1/auth/recovery/confirm`: the code and the new password. All
/// sessions of the user end; the login lock, if any, is lifted.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RecoveryConfirm {
    pub ticket: String,
    pub code: String,
    pub new_password: String,
}

/// `POST /v1/auth/password/change`: a signed-in user's new password,
/// confirmed by the current one. The user's other sessions end; the one
/// that asked stays. Wrong current passwords count with wrong logins: the
/// fifth locks the account and ends every session.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

/// `GET /v1/me/security`: how the user's password login is confirmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Security {
    /// `None`: the password alone (test and service accounts).
    pub second_factor: Option<MfaChannel>,
}

/// `POST /v1/me/totp`: a new authenticator secret, pending until a code
/// made with it is confirmed (`POST /v1/me/totp/confirm {code}`). Until
/// then the login stays as it was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TotpEnrollment {
    /// Base32, as authenticator apps take it typed in.
    pub secret: String,
    /// `otpauth://totp/…`, for a QR code.
    pub uri: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TotpConfirm {
    pub code: String,
}

/// `POST /v1/me/totp/disable`: back to SMS codes, with the password.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TotpDisable {
    pub current_password: String,
}

/// The password rule, the same on both sides: 8 to 128 characters, at least
/// one letter and one digit. The error is the rule's code.
pub fn check_new_password(password: &str) -> Result<(), crate::ErrorCode> {
    let n = password.chars().count();
    if !(8..=128).contains(&n)
        || !password.chars().any(char::is_alphabetic)
        || !password.chars().any(|c| c.is_ascii_digit())
    {
        return Err(crate::ErrorCode::AuthWeakPassword);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_password_has_letters_and_digits_and_some_length() {
        assert!(check_new_password("Пароль2026").is_ok());
        assert!(check_new_password("short1").is_err());
        assert!(check_new_password("onlyletters").is_err());
        assert!(check_new_password("1234567890").is_err());
    }
}
