//! RFC 6238 time-based one-time passwords (HMAC-SHA1, 30 s, 6 digits).

use hmac::{Hmac, Mac};
use sha1::Sha1;

pub const STEP_SECONDS: i64 = 30;

/// The 6-digit code for `secret` at Unix time `unix`.
pub fn totp_code(secret: &[u8], unix: i64) -> String {
    hotp(secret, (unix / STEP_SECONDS) as u64, 6)
}

fn hotp(secret: &[u8], counter: u64, digits: u32) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(&counter.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let off = usize::from(h[19] & 0x0f);
    let bin = (u32::from(h[off]) & 0x7f) << 24
        | u32::from(h[off + 1]) << 16
        | u32::from(h[off + 2]) << 8
        | u32::from(h[off + 3]);
    format!(
        "{:0width$}",
        bin % 10u32.pow(digits),
        width = digits as usize
    )
}

/// Accepts the code of the current step or one step either side (clock skew).
pub fn verify(secret: &[u8], unix: i64, code: &str) -> bool {
    (-1..=1).any(|d| {
        let expected = totp_code(secret, unix + d * STEP_SECONDS);
        constant_time_eq(expected.as_bytes(), code.as_bytes())
    })
}

pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_sha1_vectors() {
        // RFC 6238 appendix B, SHA1, 8 digits truncated to the last 6.
        let key = b"12345678901234567890";
        for (t, code8) in [
            (59, "94287082"),
            (1111111109, "07081804"),
            (1111111111, "14050471"),
            (1234567890, "89005924"),
            (2000000000, "69279037"),
        ] {
            assert_eq!(hotp(key, (t / 30) as u64, 8), code8);
            assert_eq!(totp_code(key, t), code8[2..]);
        }
    }

    #[test]
    fn neighbouring_steps_are_accepted_and_far_ones_not() {
        let key = b"12345678901234567890";
        let now = 1_700_000_000;
        assert!(verify(key, now, &totp_code(key, now - 30)));
        assert!(verify(key, now, &totp_code(key, now + 30)));
        assert!(!verify(key, now, &totp_code(key, now - 90)));
    }
}
