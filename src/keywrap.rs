//! Key wrapping under a 256-bit key-encryption key ([`WrappingKey`]): AES-KW (RFC 3394),
//! AES-KWP (RFC 5649) and AES-256-GCM wrap (`iv ‖ ciphertext ‖ tag`, with associated data).
//! One small trait, [`KeyWrap`], lets a caller swap the algorithm; each type also has typed
//! fixed-size forms for 32-byte keys.
//!
//! KW and KWP are deterministic and have no associated data: a non-empty `aad` is an error
//! rather than silently ignored. AES-GCM wrap needs a fresh 12-byte IV per wrap under a KEK
//! ([`AesGcmWrap::wrap`] draws one from the OS; [`AesGcmWrap::wrap_with_iv`] takes it, for
//! test vectors) and binds `aad`.
//!
//! ```
//! use s3crypt::keys::WrappingKey;
//! use s3crypt::keywrap::{AesGcmWrap, AesKw, KeyWrap};
//!
//! let kek = WrappingKey::new([1; 32]);
//! let key = [7u8; 32];
//! // Any algorithm through the trait:
//! for wrap in [&AesKw::new(&kek) as &dyn KeyWrap, &AesGcmWrap::new(&kek)] {
//!     let mut wrapped = vec![0; wrap.wrapped_len(key.len()).unwrap()];
//!     let n = wrap.wrap(&key, b"", &mut wrapped)?;
//!     let mut out = [0u8; 32];
//!     let m = wrap.unwrap(&wrapped[..n], b"", &mut out)?;
//!     assert_eq!(out[..m], key);
//! }
//! # Ok::<(), s3crypt::keywrap::WrapError>(())
//! ```

use aes_kw::{KeyInit, KwAes256, KwpAes256};
use zeroize::Zeroize;

use crate::backend::{Aead, Algorithm};
use crate::keys::{DataKey, WrappingKey};

/// Why wrapping or unwrapping failed. Never carries key material.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WrapError {
    /// The key to wrap (or the wrapped key) has a length the algorithm does not allow.
    #[error("{algorithm}: invalid input length {len}: {expected}")]
    InvalidLength {
        /// The algorithm.
        algorithm: WrapAlgorithm,
        /// Bytes given.
        len: usize,
        /// What the algorithm accepts.
        expected: &'static str,
    },
    /// The output buffer is too small.
    #[error("output buffer has {available} bytes, {needed} needed")]
    BufferTooSmall {
        /// Bytes needed.
        needed: usize,
        /// Bytes available.
        available: usize,
    },
    /// Associated data was given to an algorithm that cannot bind it (KW, KWP).
    #[error("{0} has no associated data; pass an empty aad or use AES-GCM wrap")]
    AadUnsupported(WrapAlgorithm),
    /// Integrity check failed: wrong key-encryption key, wrong associated data, or a
    /// tampered wrapped key.
    #[error(
        "{0}: integrity check failed (wrong key-encryption key or associated data, or tampered input)"
    )]
    Integrity(WrapAlgorithm),
    /// The OS random number generator failed.
    #[error("the OS random number generator failed")]
    Random,
}

/// The key-wrap algorithms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WrapAlgorithm {
    /// AES-256 Key Wrap, RFC 3394 / NIST SP 800-38F KW.
    AesKw,
    /// AES-256 Key Wrap with Padding, RFC 5649 / NIST SP 800-38F KWP.
    AesKwp,
    /// AES-256-GCM: 12-byte IV, ciphertext, 16-byte tag.
    AesGcm,
}

impl WrapAlgorithm {
    /// A stable name (`AES-KW`, `AES-KWP`, `AES-256-GCM`).
    pub fn name(self) -> &'static str {
        match self {
            Self::AesKw => "AES-KW",
            Self::AesKwp => "AES-KWP",
            Self::AesGcm => "AES-256-GCM",
        }
    }
}

impl core::fmt::Display for WrapAlgorithm {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

/// A key-wrap algorithm keyed with its KEK.
pub trait KeyWrap {
    /// Which algorithm this is.
    fn algorithm(&self) -> WrapAlgorithm;

    /// Length of the wrapped form of a `key_len`-byte key, or `None` if the algorithm
    /// cannot wrap that length.
    fn wrapped_len(&self, key_len: usize) -> Option<usize>;

    /// Wraps `key` (bound to `aad` where the algorithm supports it) into `out`; returns the
    /// bytes written.
    fn wrap(&self, key: &[u8], aad: &[u8], out: &mut [u8]) -> Result<usize, WrapError>;

    /// Unwraps `wrapped` into `out` (which needs `wrapped.len()` bytes); returns the key
    /// length. On failure `out` holds no key material.
    fn unwrap(&self, wrapped: &[u8], aad: &[u8], out: &mut [u8]) -> Result<usize, WrapError>;
}

fn no_aad(alg: WrapAlgorithm, aad: &[u8]) -> Result<(), WrapError> {
    if aad.is_empty() {
        Ok(())
    } else {
        Err(WrapError::AadUnsupported(alg))
    }
}

fn room(out: &[u8], needed: usize) -> Result<(), WrapError> {
    if out.len() < needed {
        return Err(WrapError::BufferTooSmall {
            needed,
            available: out.len(),
        });
    }
    Ok(())
}

/// The typed forms of every algorithm: a 32-byte key into its `W`-byte wrapped form.
fn wrap32<const W: usize>(
    w: &impl KeyWrap,
    key: &DataKey,
    aad: &[u8],
) -> Result<[u8; W], WrapError> {
    let mut out = [0u8; W];
    let n = w.wrap(key.expose_secret(), aad, &mut out)?;
    debug_assert_eq!(n, W);
    Ok(out)
}

/// ... and back; a wrapped key that does not hold exactly 32 bytes is an error.
fn unwrap32<const W: usize>(
    w: &impl KeyWrap,
    wrapped: &[u8; W],
    aad: &[u8],
) -> Result<DataKey, WrapError> {
    let mut out = [0u8; W];
    let key = match w.unwrap(wrapped, aad, &mut out) {
        Ok(32) => DataKey::from_slice(&out[..32]).map_err(|_| WrapError::Integrity(w.algorithm())),
        Ok(len) => Err(WrapError::InvalidLength {
            algorithm: w.algorithm(),
            len,
            expected: "a 32-byte key",
        }),
        Err(e) => Err(e),
    };
    out.zeroize();
    key
}

/// The unwrap of KW and KWP: no AAD, a multiple of 8 bytes of at least `min` (`rule` says
/// so in the error), output room,
/// then `f`; a failed integrity check leaves the output zeroed.
fn unwrap_semiblocks(
    algorithm: WrapAlgorithm,
    min: usize,
    rule: &'static str,
    wrapped: &[u8],
    aad: &[u8],
    out: &mut [u8],
    f: impl FnOnce(&[u8], &mut [u8]) -> Option<usize>,
) -> Result<usize, WrapError> {
    no_aad(algorithm, aad)?;
    if wrapped.len() < min || wrapped.len() % 8 != 0 {
        return Err(WrapError::InvalidLength {
            algorithm,
            len: wrapped.len(),
            expected: rule,
        });
    }
    let n = wrapped.len() - 8;
    room(out, n)?;
    f(wrapped, &mut out[..n]).ok_or_else(|| {
        out[..n].zeroize();
        WrapError::Integrity(algorithm)
    })
}

/// AES-256 Key Wrap (RFC 3394). Keys of 16 bytes or more, in multiples of 8 (NIST SP
/// 800-38F; RFC 3394's one-block form for 8-byte keys is refused).
pub struct AesKw(KwAes256);

impl core::fmt::Debug for AesKw {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("AesKw(<redacted>)")
    }
}

const KW_LEN_RULE: &str = "a multiple of 8 bytes, at least 16";

impl AesKw {
    /// Keys AES-KW with `kek`.
    pub fn new(kek: &WrappingKey) -> Self {
        Self(KwAes256::new(kek.expose_secret().into()))
    }

    /// Wraps a 32-byte key into its 40-byte wrapped form.
    pub fn wrap_key32(&self, key: &DataKey) -> [u8; 40] {
        // 32 is a valid KW length and the array is exact, so this cannot fail.
        wrap32(self, key, b"").unwrap_or_else(|_| unreachable!("KW wraps 32 bytes into 40"))
    }

    /// Unwraps a 40-byte wrapped key.
    pub fn unwrap_key32(&self, wrapped: &[u8; 40]) -> Result<DataKey, WrapError> {
        unwrap32(self, wrapped, b"")
    }
}

impl KeyWrap for AesKw {
    fn algorithm(&self) -> WrapAlgorithm {
        WrapAlgorithm::AesKw
    }

    fn wrapped_len(&self, key_len: usize) -> Option<usize> {
        (key_len >= 16 && key_len % 8 == 0).then_some(key_len + 8)
    }

    fn wrap(&self, key: &[u8], aad: &[u8], out: &mut [u8]) -> Result<usize, WrapError> {
        no_aad(WrapAlgorithm::AesKw, aad)?;
        let n = self
            .wrapped_len(key.len())
            .ok_or(WrapError::InvalidLength {
                algorithm: WrapAlgorithm::AesKw,
                len: key.len(),
                expected: KW_LEN_RULE,
            })?;
        room(out, n)?;
        self.0
            .wrap_key(key, &mut out[..n])
            .map(<[u8]>::len)
            .map_err(|_| WrapError::InvalidLength {
                algorithm: WrapAlgorithm::AesKw,
                len: key.len(),
                expected: KW_LEN_RULE,
            })
    }

    fn unwrap(&self, wrapped: &[u8], aad: &[u8], out: &mut [u8]) -> Result<usize, WrapError> {
        unwrap_semiblocks(
            WrapAlgorithm::AesKw,
            24,
            "a multiple of 8 bytes, at least 24",
            wrapped,
            aad,
            out,
            |w, o| self.0.unwrap_key(w, o).map(<[u8]>::len).ok(),
        )
    }
}

/// AES-256 Key Wrap with Padding (RFC 5649). Keys of 1 byte to 2^32 - 1 bytes.
pub struct AesKwp(KwpAes256);

impl core::fmt::Debug for AesKwp {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("AesKwp(<redacted>)")
    }
}

impl AesKwp {
    /// Keys AES-KWP with `kek`.
    pub fn new(kek: &WrappingKey) -> Self {
        Self(KwpAes256::new(kek.expose_secret().into()))
    }

    /// Wraps a 32-byte key into its 40-byte wrapped form.
    pub fn wrap_key32(&self, key: &DataKey) -> [u8; 40] {
        // 32 bytes pad to nothing: 40 wrapped bytes, so this cannot fail.
        wrap32(self, key, b"").unwrap_or_else(|_| unreachable!("KWP wraps 32 bytes into 40"))
    }

    /// Unwraps a 40-byte wrapped key that must hold a 32-byte key.
    pub fn unwrap_key32(&self, wrapped: &[u8; 40]) -> Result<DataKey, WrapError> {
        unwrap32(self, wrapped, b"")
    }
}

impl KeyWrap for AesKwp {
    fn algorithm(&self) -> WrapAlgorithm {
        WrapAlgorithm::AesKwp
    }

    fn wrapped_len(&self, key_len: usize) -> Option<usize> {
        (key_len >= 1 && key_len < u32::MAX as usize).then_some(key_len.div_ceil(8) * 8 + 8)
    }

    fn wrap(&self, key: &[u8], aad: &[u8], out: &mut [u8]) -> Result<usize, WrapError> {
        no_aad(WrapAlgorithm::AesKwp, aad)?;
        let invalid = WrapError::InvalidLength {
            algorithm: WrapAlgorithm::AesKwp,
            len: key.len(),
            expected: "1 to 2^32 - 1 bytes",
        };
        let n = self.wrapped_len(key.len()).ok_or(invalid)?;
        room(out, n)?;
        self.0
            .wrap_key(key, &mut out[..n])
            .map(<[u8]>::len)
            .map_err(|_| invalid)
    }

    fn unwrap(&self, wrapped: &[u8], aad: &[u8], out: &mut [u8]) -> Result<usize, WrapError> {
        unwrap_semiblocks(
            WrapAlgorithm::AesKwp,
            16,
            "a multiple of 8 bytes, at least 16",
            wrapped,
            aad,
            out,
            |w, o| self.0.unwrap_key(w, o).map(<[u8]>::len).ok(),
        )
    }
}

/// AES-256-GCM key wrap: `iv (12) ‖ ciphertext ‖ tag (16)`, the key bound to `aad`.
pub struct AesGcmWrap(Aead);

impl core::fmt::Debug for AesGcmWrap {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("AesGcmWrap(<redacted>)")
    }
}

/// IV length of [`AesGcmWrap`].
pub const GCM_IV_LEN: usize = 12;
/// Tag length of [`AesGcmWrap`].
pub const GCM_TAG_LEN: usize = 16;

impl AesGcmWrap {
    /// Keys AES-256-GCM wrap with `kek`.
    pub fn new(kek: &WrappingKey) -> Self {
        Self(Aead::new(Algorithm::Aes256Gcm, kek.expose_secret()))
    }

    /// Wraps `key` with the caller's `iv`, which must never repeat under this KEK (use
    /// [`KeyWrap::wrap`], which draws it from the OS, unless you replay test vectors).
    pub fn wrap_with_iv(
        &self,
        key: &[u8],
        aad: &[u8],
        iv: &[u8; GCM_IV_LEN],
        out: &mut [u8],
    ) -> Result<usize, WrapError> {
        if key.is_empty() {
            return Err(WrapError::InvalidLength {
                algorithm: WrapAlgorithm::AesGcm,
                len: 0,
                expected: "at least 1 byte",
            });
        }
        let n = key.len() + GCM_IV_LEN + GCM_TAG_LEN;
        room(out, n)?;
        out[..GCM_IV_LEN].copy_from_slice(iv);
        let (body, tag_out) = out[GCM_IV_LEN..n].split_at_mut(key.len());
        let tag = self
            .0
            .seal(iv, aad, key, body)
            .map_err(|_| WrapError::InvalidLength {
                algorithm: WrapAlgorithm::AesGcm,
                len: key.len(),
                expected: "at most 2^36 - 32 bytes",
            })?;
        tag_out.copy_from_slice(&tag);
        Ok(n)
    }

    /// Wraps a 32-byte key with a fresh random IV into its 60-byte form.
    pub fn wrap_key32(&self, key: &DataKey, aad: &[u8]) -> Result<[u8; 60], WrapError> {
        wrap32(self, key, aad)
    }

    /// Unwraps a 60-byte wrapped 32-byte key.
    pub fn unwrap_key32(&self, wrapped: &[u8; 60], aad: &[u8]) -> Result<DataKey, WrapError> {
        unwrap32(self, wrapped, aad)
    }
}

impl KeyWrap for AesGcmWrap {
    fn algorithm(&self) -> WrapAlgorithm {
        WrapAlgorithm::AesGcm
    }

    fn wrapped_len(&self, key_len: usize) -> Option<usize> {
        (key_len >= 1).then_some(key_len + GCM_IV_LEN + GCM_TAG_LEN)
    }

    fn wrap(&self, key: &[u8], aad: &[u8], out: &mut [u8]) -> Result<usize, WrapError> {
        let iv = crate::rng::bytes().ok_or(WrapError::Random)?;
        self.wrap_with_iv(key, aad, &iv, out)
    }

    fn unwrap(&self, wrapped: &[u8], aad: &[u8], out: &mut [u8]) -> Result<usize, WrapError> {
        if wrapped.len() <= GCM_IV_LEN + GCM_TAG_LEN {
            return Err(WrapError::InvalidLength {
                algorithm: WrapAlgorithm::AesGcm,
                len: wrapped.len(),
                expected: "more than 28 bytes (IV, key, tag)",
            });
        }
        let n = wrapped.len() - GCM_IV_LEN - GCM_TAG_LEN;
        room(out, n)?;
        let mut iv = [0u8; GCM_IV_LEN];
        iv.copy_from_slice(&wrapped[..GCM_IV_LEN]);
        let mut tag = [0u8; GCM_TAG_LEN];
        tag.copy_from_slice(&wrapped[GCM_IV_LEN + n..]);
        self.0
            .open(
                &iv,
                aad,
                &wrapped[GCM_IV_LEN..GCM_IV_LEN + n],
                &mut out[..n],
                &tag,
            )
            .map_err(|_| WrapError::Integrity(WrapAlgorithm::AesGcm))?;
        Ok(n)
    }
}
