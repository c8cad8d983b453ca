//! Key derivation: HMAC-SHA-256 (what MinIO's key hierarchy is built from) and HKDF
//! (RFC 5869) with SHA-256 and SHA-512, on RustCrypto's `hmac`, `hkdf` and `sha2`.
//!
//! ```
//! use s3crypt::kdf;
//! let mut okm = [0u8; 42];
//! kdf::hkdf_sha256(&[0x0b; 22], &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
//!     &[0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9], &mut okm)?;
//! assert_eq!(okm[..4], [0x3c, 0xb2, 0x5f, 0x25]); // RFC 5869 A.1
//! # Ok::<(), s3crypt::kdf::OutputTooLong>(())
//! ```

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Sha256, Sha512};

/// The requested HKDF output is longer than 255 hash lengths (RFC 5869 section 2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "HKDF output of {requested} bytes requested; at most {max} bytes (255 hash lengths) allowed"
)]
pub struct OutputTooLong {
    /// Bytes requested.
    pub requested: usize,
    /// The maximum for the hash.
    pub max: usize,
}

/// HKDF-SHA-256 (extract then expand) of `ikm` with `salt` (empty = 32 zero bytes) and
/// `info`, filling `okm` (at most 8160 bytes).
pub fn hkdf_sha256(
    ikm: &[u8],
    salt: &[u8],
    info: &[u8],
    okm: &mut [u8],
) -> Result<(), OutputTooLong> {
    hkdf::Hkdf::<Sha256>::new(Some(salt), ikm)
        .expand(info, okm)
        .map_err(|_| OutputTooLong {
            requested: okm.len(),
            max: 255 * 32,
        })
}

/// HKDF-SHA-512 (extract then expand), filling `okm` (at most 16320 bytes).
pub fn hkdf_sha512(
    ikm: &[u8],
    salt: &[u8],
    info: &[u8],
    okm: &mut [u8],
) -> Result<(), OutputTooLong> {
    hkdf::Hkdf::<Sha512>::new(Some(salt), ikm)
        .expand(info, okm)
        .map_err(|_| OutputTooLong {
            requested: okm.len(),
            max: 255 * 64,
        })
}

/// HKDF-SHA-1 (extract then expand), filling `okm` (at most 5100 bytes): Tink streaming keys
/// may name SHA-1.
#[cfg(feature = "cse")]
pub(crate) fn hkdf_sha1(
    ikm: &[u8],
    salt: &[u8],
    info: &[u8],
    okm: &mut [u8],
) -> Result<(), OutputTooLong> {
    hkdf::Hkdf::<sha1::Sha1>::new(Some(salt), ikm)
        .expand(info, okm)
        .map_err(|_| OutputTooLong {
            requested: okm.len(),
            max: 255 * 20,
        })
}

/// HMAC-SHA-256 of the concatenation of `parts` under `key`.
pub(crate) fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().into()
}

/// SHA-256 of the concatenation of `parts`.
pub(crate) fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    use sha2::Digest;
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}
