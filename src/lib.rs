#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_auto_cfg))]

mod backend;
#[cfg(feature = "cse")]
pub mod cse;
pub mod dare;
mod encoding;
pub mod headers;
pub mod kdf;
pub mod keys;
pub mod keywrap;
pub mod kms;
pub mod names;
mod rng;
pub mod sse;

/// Internal hooks for the crate's own test and bench targets (Wycheproof vectors through the
/// backend seam, the raw-AEAD baseline). Not part of the API; may change at any time.
#[doc(hidden)]
pub mod __private {
    use crate::backend::{Aead, Algorithm};

    /// HMAC-SHA-256 over the concatenation of `parts` (the sealing bench's baseline).
    pub fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
        crate::kdf::hmac_sha256(key, parts)
    }

    /// The crate's JSON reader of string-to-string objects (the KMS context), for the
    /// differential fuzz target: `last_wins` as the request headers read it, otherwise a
    /// repeated name is refused (stored metadata). `None` for anything refused.
    pub fn parse_json_string_map(
        text: &str,
        last_wins: bool,
    ) -> Option<std::collections::BTreeMap<String, String>> {
        let dups = if last_wins {
            crate::encoding::Duplicates::LastWins
        } else {
            crate::encoding::Duplicates::Refuse
        };
        crate::encoding::parse_string_map(text, dups).ok()
    }

    /// The active backend's name (`rustcrypto` or `aws-lc-rs`).
    pub const BACKEND: &str = crate::backend::NAME;

    /// 12 bytes from the OS, as the crate draws a stream nonce (the per-object baseline).
    pub fn os_nonce() -> [u8; 12] {
        crate::rng::bytes().unwrap_or([0; 12])
    }

    /// A keyed AEAD of the active backend: `chacha == false` for AES-256-GCM.
    pub struct RawAead(Aead);

    impl RawAead {
        /// Keys the AEAD.
        pub fn new(chacha: bool, key: &[u8; 32]) -> Self {
            let alg = if chacha {
                Algorithm::ChaCha20Poly1305
            } else {
                Algorithm::Aes256Gcm
            };
            Self(Aead::new(alg, key))
        }

        /// Seal out of place (`output.len() == input.len()`), detached tag.
        pub fn seal(
            &self,
            nonce: &[u8; 12],
            aad: &[u8],
            input: &[u8],
            output: &mut [u8],
        ) -> Option<[u8; 16]> {
            self.0.seal(nonce, aad, input, output).ok()
        }

        /// Open out of place (`output.len() == input.len()`); `output` is zeroed on failure.
        pub fn open(
            &self,
            nonce: &[u8; 12],
            aad: &[u8],
            input: &[u8],
            output: &mut [u8],
            tag: &[u8; 16],
        ) -> bool {
            self.0.open(nonce, aad, input, output, tag).is_ok()
        }

        /// Seal in place, detached tag.
        pub fn seal_in_place(
            &self,
            nonce: &[u8; 12],
            aad: &[u8],
            buf: &mut [u8],
        ) -> Option<[u8; 16]> {
            self.0.seal_in_place(nonce, aad, buf).ok()
        }

        /// Open in place; `buf` is zeroed on failure.
        pub fn open_in_place(
            &self,
            nonce: &[u8; 12],
            aad: &[u8],
            buf: &mut [u8],
            tag: &[u8; 16],
        ) -> bool {
            self.0.open_in_place(nonce, aad, buf, tag).is_ok()
        }
    }
}
