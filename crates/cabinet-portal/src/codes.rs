//! Random tokens and codes, the hashes kept of them, and a phone number
//! masked for display.

use base64::Engine;
use sha2::{Digest, Sha256};

use crate::error::PortalError;

pub(crate) fn random_token(prefix: &str) -> Result<String, PortalError> {
    let mut buf = [0u8; 32];
    getrandom::getrandom(&mut buf).map_err(|e| PortalError::Internal(format!("rng: {e}")))?;
    Ok(format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
    ))
}

pub(crate) fn hash_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn mask_phone(phone: &str) -> String {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    let tail = &digits[digits.len().saturating_sub(2)..];
    format!("+7 *** ***-**-{tail}")
}

pub(crate) fn sms_code() -> Result<String, PortalError> {
    let mut b = [0u8; 4];
    getrandom::getrandom(&mut b).map_err(|e| PortalError::Internal(format!("rng: {e}")))?;
    Ok(format!("{:06}", u32::from_le_bytes(b) % 1_000_000))
}
