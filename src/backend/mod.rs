//! The one seam every AEAD call goes through: seal/open with a detached 16-byte tag, a
//! 12-byte nonce and AAD, for AES-256-GCM, AES-128-GCM (Tink streaming keys of 16 bytes),
//! AES-256-GCM-SIV (s3proxy) and ChaCha20-Poly1305. Default (feature `aws-lc`): aws-lc-rs;
//! without it: RustCrypto (`aes-gcm`, `aes-gcm-siv`, `chacha20` + `poly1305`). Nothing outside this module
//! names a backend crate.
//!
//! Contract: `open*` leaves the output zeroed when authentication fails.

#[cfg(feature = "aws-lc")]
mod awslc;
#[cfg(all(feature = "aws-lc", feature = "cse"))]
pub(crate) mod rsa;
#[cfg(not(feature = "aws-lc"))]
mod rustcrypto;

#[cfg(feature = "aws-lc")]
pub(crate) use awslc::Aead;
#[cfg(not(feature = "aws-lc"))]
pub(crate) use rustcrypto::Aead;

/// The active backend's name, for benchmarks and reports.
pub(crate) const NAME: &str = if cfg!(feature = "aws-lc") {
    "aws-lc-rs"
} else {
    "rustcrypto"
};

/// Tag length of both AEADs.
pub(crate) const TAG_LEN: usize = 16;
/// Nonce length of both AEADs.
pub(crate) const NONCE_LEN: usize = 12;

/// The AEAD algorithms the crate uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Algorithm {
    Aes256Gcm,
    ChaCha20Poly1305,
    /// AES-256-GCM-SIV (RFC 8452), for the Constellation s3proxy format.
    #[cfg(feature = "cse")]
    Aes256GcmSiv,
}

/// Authentication failed (or, for seal, the input exceeds the AEAD's limit).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct AeadError;

/// Whether this CPU has AES and carry-less multiply instructions (what makes AES-GCM the
/// faster choice, as sio decides).
pub(crate) fn has_aes_hardware() -> bool {
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    {
        std::arch::is_x86_feature_detected!("aes")
            && std::arch::is_x86_feature_detected!("pclmulqdq")
    }
    #[cfg(target_arch = "aarch64")]
    {
        std::arch::is_aarch64_feature_detected!("aes")
    }
    #[cfg(not(any(target_arch = "x86", target_arch = "x86_64", target_arch = "aarch64")))]
    {
        false
    }
}
