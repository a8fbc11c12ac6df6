//! Sign-in: password hashes (argon2id), bearer tokens stored only as hashes, sessions that
//! expire and can be revoked, and the brake on password guessing.

pub mod limiter;
pub mod password;
pub mod session;

pub use limiter::LoginLimiter;
pub use session::{CurrentUser, login, logout};

use sha2::{Digest, Sha256};

/// A new bearer token: 32 random bytes, hex-encoded, with a prefix that makes leaked tokens
/// easy to recognise in logs and secret scanners.
pub fn new_token() -> String {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    format!("gd_{}", hex(&bytes))
}

/// What is stored for a token: its SHA-256. Tokens are long and random, so a fast hash is
/// enough (unlike passwords).
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hashed() {
        let a = new_token();
        let b = new_token();
        assert_ne!(a, b);
        assert!(a.starts_with("gd_") && a.len() == 3 + 64);
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_ne!(token_hash(&a), token_hash(&b));
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
