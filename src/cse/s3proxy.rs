//! Constellation s3proxy objects (`edgelesssys/constellation`, `s3proxy/`): read, write, and
//! re-wrap for KEK rotation. Byte layout in `docs/cse.md`.
//!
//! ```text
//! body                                = nonce (12) ‖ AES-256-GCM-SIV(DEK, nonce, plaintext, aad = "") ‖ tag (16)
//! x-amz-meta-constellation-dek        = lowercase hex of AES-KWP(KEK, DEK)        (40 bytes → 80 characters)
//! ```
//!
//! One random 32-byte DEK per object, one KEK for all objects. The format binds nothing to
//! the bucket or key (the associated data is empty), so body and metadata can be moved
//! between keys undetected; s3proxy serves an object *without* the metadata key as
//! plaintext. [`wrapped_dek`] makes that case explicit (`Ok(None)`) instead of guessing.
//!
//! ```
//! use s3crypt::cse::s3proxy;
//! use s3crypt::keys::WrappingKey;
//!
//! let kek = WrappingKey::new([7; 32]);
//! let object = s3proxy::encrypt(&kek, b"hello")?;
//! assert_eq!(object.body.len(), 5 + s3proxy::OVERHEAD);
//! let (name, value) = object.metadata();
//! assert_eq!(name, "x-amz-meta-constellation-dek");
//! let dek = s3proxy::wrapped_dek([(name, value.as_str())])?.expect("an s3proxy object");
//! assert_eq!(s3proxy::decrypt(&kek, &dek, &object.body)?, b"hello");
//! # Ok::<(), s3crypt::cse::s3proxy::S3proxyError>(())
//! ```

use zeroize::{Zeroize, Zeroizing};

use crate::backend::{Aead, Algorithm, NONCE_LEN, TAG_LEN};
use crate::keys::{DataKey, WrappingKey};
use crate::keywrap::AesKwp;

/// The user-metadata name s3proxy stores the wrapped DEK under (without `x-amz-meta-`).
pub const METADATA_KEY: &str = "constellation-dek";
/// The same as an HTTP header.
pub const HEADER: &str = "x-amz-meta-constellation-dek";
/// Bytes the body adds to the plaintext: nonce (12) and tag (16).
pub const OVERHEAD: usize = NONCE_LEN + TAG_LEN;
/// The largest plaintext s3proxy (tink-go's AES-GCM-SIV) accepts: `MaxInt32 − 28` bytes.
pub const MAX_PLAINTEXT: usize = i32::MAX as usize - OVERHEAD;

/// Why an s3proxy object could not be written or read. Never carries key material.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum S3proxyError {
    /// The `constellation-dek` value is not 80 lowercase or uppercase hex characters.
    #[error("constellation-dek is malformed: expected 80 hex characters (a 40-byte AES-KWP wrap)")]
    MalformedDek,
    /// The metadata carries `constellation-dek` twice.
    #[error("constellation-dek appears twice in the metadata")]
    DuplicateDek,
    /// The wrapped DEK does not unwrap under this KEK (wrong KEK or tampered value).
    #[error("the wrapped DEK does not unwrap under this KEK (wrong KEK or tampered metadata)")]
    Unwrap,
    /// The body is shorter than nonce and tag (28 bytes).
    #[error("the body has {0} bytes; an s3proxy body has at least 28 (nonce and tag)")]
    Truncated(usize),
    /// The body did not authenticate under the DEK: tampered, truncated or swapped.
    #[error("the body does not authenticate under its DEK (tampered, truncated or swapped)")]
    Authentication,
    /// The plaintext is larger than s3proxy can read back.
    #[error("the plaintext has {0} bytes; s3proxy reads at most 2147483619")]
    TooLarge(usize),
    /// The output buffer has the wrong size.
    #[error("the output buffer has {got} bytes, {expected} expected")]
    OutputSize {
        /// Bytes given.
        got: usize,
        /// Bytes required.
        expected: usize,
    },
    /// The OS random number generator failed.
    #[error("the OS random number generator failed")]
    Random,
}

/// A wrapped DEK as stored in `constellation-dek`: the 40-byte AES-KWP wrap.
#[derive(Clone, PartialEq, Eq)]
pub struct WrappedDek([u8; 40]);

impl core::fmt::Debug for WrappedDek {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // A wrapped key is not secret, but it is not useful in logs either.
        f.write_str("WrappedDek(..)")
    }
}

impl WrappedDek {
    /// Parses the metadata value: exactly 80 hex characters.
    pub fn from_hex(text: &str) -> Result<Self, S3proxyError> {
        let raw = crate::encoding::unhex(text.trim()).ok_or(S3proxyError::MalformedDek)?;
        raw.try_into()
            .map(Self)
            .map_err(|_| S3proxyError::MalformedDek)
    }

    /// The metadata value: 80 lowercase hex characters, as s3proxy writes it.
    pub fn to_hex(&self) -> String {
        crate::encoding::hex(&self.0)
    }

    /// The raw 40 bytes.
    pub fn as_bytes(&self) -> &[u8; 40] {
        &self.0
    }

    /// Unwraps the DEK under `kek`.
    pub fn unwrap(&self, kek: &WrappingKey) -> Result<DataKey, S3proxyError> {
        AesKwp::new(kek)
            .unwrap_key32(&self.0)
            .map_err(|_| S3proxyError::Unwrap)
    }

    /// Wraps `dek` under `kek` (AES-KWP is deterministic: no randomness).
    pub fn wrap(kek: &WrappingKey, dek: &DataKey) -> Self {
        Self(AesKwp::new(kek).wrap_key32(dek))
    }
}

/// Finds `constellation-dek` in an object's metadata: user-metadata names
/// (`constellation-dek`) or response headers (`x-amz-meta-constellation-dek`), names compared
/// ASCII-case-insensitively. `Ok(None)` when it is absent — an object s3proxy did not encrypt
/// and serves as stored; whether to serve it is the caller's decision.
pub fn wrapped_dek<'a>(
    metadata: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<Option<WrappedDek>, S3proxyError> {
    let mut found = None;
    for (name, value) in metadata {
        let name = name.trim();
        let bare = crate::encoding::strip_prefix_ignore_ascii_case(name, "x-amz-meta-")
            .filter(|rest| !rest.is_empty())
            .unwrap_or(name);
        if bare.eq_ignore_ascii_case(METADATA_KEY) {
            if found.is_some() {
                return Err(S3proxyError::DuplicateDek);
            }
            found = Some(WrappedDek::from_hex(value)?);
        }
    }
    Ok(found)
}

/// An encrypted object: the body to store and the wrapped DEK for its metadata.
#[derive(Debug)]
pub struct Encrypted {
    /// nonce ‖ ciphertext ‖ tag.
    pub body: Vec<u8>,
    /// The wrapped DEK (store [`Encrypted::metadata`]).
    pub wrapped_dek: WrappedDek,
}

impl Encrypted {
    /// The metadata entry to store: (`x-amz-meta-constellation-dek`, hex).
    pub fn metadata(&self) -> (&'static str, String) {
        (HEADER, self.wrapped_dek.to_hex())
    }
}

/// Encrypts `plaintext` as s3proxy does: a fresh random DEK and nonce from the OS.
pub fn encrypt(kek: &WrappingKey, plaintext: &[u8]) -> Result<Encrypted, S3proxyError> {
    let mut dek = Zeroizing::new([0u8; 32]);
    getrandom::fill(&mut dek[..]).map_err(|_| S3proxyError::Random)?;
    let nonce = crate::rng::bytes::<NONCE_LEN>().ok_or(S3proxyError::Random)?;
    encrypt_with(kek, &DataKey::new(*dek), &nonce, plaintext)
}

/// [`encrypt`] with the caller's DEK and nonce — for test vectors only: a (DEK, nonce) pair
/// must never encrypt two plaintexts.
pub fn encrypt_with(
    kek: &WrappingKey,
    dek: &DataKey,
    nonce: &[u8; NONCE_LEN],
    plaintext: &[u8],
) -> Result<Encrypted, S3proxyError> {
    if plaintext.len() > MAX_PLAINTEXT {
        return Err(S3proxyError::TooLarge(plaintext.len()));
    }
    let mut body = vec![0u8; plaintext.len() + OVERHEAD];
    body[..NONCE_LEN].copy_from_slice(nonce);
    let (ct, tag_out) = body[NONCE_LEN..].split_at_mut(plaintext.len());
    let tag = Aead::new(Algorithm::Aes256GcmSiv, dek.expose_secret())
        .seal(nonce, b"", plaintext, ct)
        .map_err(|_| S3proxyError::TooLarge(plaintext.len()))?;
    tag_out.copy_from_slice(&tag);
    Ok(Encrypted {
        body,
        wrapped_dek: WrappedDek::wrap(kek, dek),
    })
}

/// The plaintext length of a body of `body_len` bytes.
pub fn plaintext_len(body_len: usize) -> Result<usize, S3proxyError> {
    body_len
        .checked_sub(OVERHEAD)
        .ok_or(S3proxyError::Truncated(body_len))
}

/// Decrypts a body into `out`, which must be exactly [`plaintext_len`] bytes; on any error
/// `out` is zeroed.
pub fn decrypt_into(
    kek: &WrappingKey,
    dek: &WrappedDek,
    body: &[u8],
    out: &mut [u8],
) -> Result<(), S3proxyError> {
    let n = plaintext_len(body.len())?;
    if out.len() != n {
        return Err(S3proxyError::OutputSize {
            got: out.len(),
            expected: n,
        });
    }
    let key = dek.unwrap(kek).inspect_err(|_| out.zeroize())?;
    let nonce: &[u8; NONCE_LEN] = body[..NONCE_LEN].try_into().unwrap_or(&[0; NONCE_LEN]);
    let (ct, tag) = body[NONCE_LEN..].split_at(n);
    let tag: &[u8; TAG_LEN] = tag.try_into().unwrap_or(&[0; TAG_LEN]);
    Aead::new(Algorithm::Aes256GcmSiv, key.expose_secret())
        .open(nonce, b"", ct, out, tag)
        .map_err(|_| S3proxyError::Authentication)
}

/// Decrypts a body into a new buffer.
pub fn decrypt(kek: &WrappingKey, dek: &WrappedDek, body: &[u8]) -> Result<Vec<u8>, S3proxyError> {
    let mut out = vec![0u8; plaintext_len(body.len())?];
    decrypt_into(kek, dek, body, &mut out)?;
    Ok(out)
}

/// KEK rotation: unwraps the DEK under `old` and wraps it under `new`. The body is unchanged;
/// store the returned value as the new `constellation-dek`.
pub fn rewrap(
    old: &WrappingKey,
    new: &WrappingKey,
    dek: &WrappedDek,
) -> Result<WrappedDek, S3proxyError> {
    Ok(WrappedDek::wrap(new, &dek.unwrap(old)?))
}
