//! RSA keyrings: the `RSA-OAEP-SHA1` wrap the Java (and .NET) S3 Encryption Clients write
//! (V2 `x-amz-wrap-alg: RSA-OAEP-SHA1`, V3 `x-amz-w: 22`). Needs the `aws-lc` feature (RSA
//! decryption through aws-lc-rs, constant time).
//!
//! ```text
//! wrapped = RSA-OAEP(SHA-1, MGF1-SHA-1, empty label)(public key, pseudo data key)
//! pseudo data key = len(data key) (1 byte, 32) ‖ data key ‖ content cipher name (UTF-8)
//! ```
//!
//! The content cipher name binds the content algorithm into the wrap, so an object cannot be
//! moved to a weaker one: `AES/GCM/NoPadding` for V2 GCM, `AES/CBC/PKCS5Padding` for CBC
//! (read behind [`super::ReadOptions::legacy_cbc`]). For V3 this crate writes `115`, the
//! committing suite's id, as the V3 AES/GCM keyring binds it, and reads `115` or
//! `AES/GCM/NoPadding` (both name a GCM suite; V3's key commitment binds the rest).
//!
//! The legacy `RSA/ECB/OAEPWithSHA-256AndMGF1Padding` wrap (the V1 Java client's, OAEP with
//! SHA-256 and — in Java's default provider — MGF1 with SHA-1) is recognised and refused:
//! aws-lc-rs offers OAEP only with a matching MGF1 hash, and the pure-Rust `rsa` crate's
//! decryption is not constant time (RUSTSEC-2023-0071, "Marvin").

use zeroize::Zeroizing;

use super::{ContentAlgorithm, S3ecError};
use crate::backend::rsa::{RsaPrivate, RsaPublic};
use crate::keys::DataKey;

/// An RSA private key (2048 to 8192 bits) for an S3EC RSA keyring: unwraps, and wraps
/// with its public half.
pub struct RsaPrivateKey {
    private: RsaPrivate,
    public: RsaPublicKey,
}

/// An RSA public key (2048 to 8192 bits): wraps only (an object written with it is read
/// with the private key).
pub struct RsaPublicKey(RsaPublic);

impl core::fmt::Debug for RsaPrivateKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RsaPrivateKey")
            .field("bits", &self.private.bits())
            .finish_non_exhaustive()
    }
}

impl core::fmt::Debug for RsaPublicKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RsaPublicKey")
            .field("bits", &self.0.bits())
            .finish_non_exhaustive()
    }
}

impl RsaPrivateKey {
    fn from_private(private: Option<RsaPrivate>) -> Result<Self, S3ecError> {
        let private = private.ok_or(S3ecError::InvalidRsaKey)?;
        let public = RsaPublic::from_spki(private.spki()).ok_or(S3ecError::InvalidRsaKey)?;
        Ok(Self {
            private,
            public: RsaPublicKey(public),
        })
    }

    /// From a PKCS#8 `PrivateKeyInfo` in DER (what Java's `PrivateKey.getEncoded()` gives;
    /// `openssl pkcs8 -topk8 -nocrypt -outform der`).
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, S3ecError> {
        Self::from_private(RsaPrivate::from_pkcs8(der))
    }

    /// A fresh key of 2048, 3072 or 4096 bits.
    pub fn generate(bits: usize) -> Result<Self, S3ecError> {
        Self::from_private(RsaPrivate::generate(bits))
    }

    /// The PKCS#8 DER (secret: handle as a key), wiped when dropped.
    pub fn to_pkcs8_der(&self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(self.private.pkcs8().to_vec())
    }

    /// The public half.
    pub fn public_key(&self) -> &RsaPublicKey {
        &self.public
    }

    /// The public half as a `SubjectPublicKeyInfo` (DER).
    pub fn public_key_der(&self) -> Vec<u8> {
        self.public.0.spki().to_vec()
    }
}

impl RsaPublicKey {
    /// From an X.509 `SubjectPublicKeyInfo` in DER (Java's `PublicKey.getEncoded()`).
    pub fn from_spki_der(der: &[u8]) -> Result<Self, S3ecError> {
        RsaPublic::from_spki(der)
            .map(Self)
            .ok_or(S3ecError::InvalidRsaKey)
    }
}

/// Wraps `dek` for an object of `content` under `public`: the pseudo data key carries the
/// content cipher name (`ContentAlgorithm::name`).
pub(super) fn wrap(
    public: &RsaPublicKey,
    dek: &DataKey,
    content: ContentAlgorithm,
) -> Result<Vec<u8>, S3ecError> {
    let name = content.name().as_bytes();
    let mut pseudo = Zeroizing::new(Vec::with_capacity(1 + 32 + name.len()));
    pseudo.push(32);
    pseudo.extend_from_slice(dek.expose_secret());
    pseudo.extend_from_slice(name);
    public.0.encrypt_oaep_sha1(&pseudo).ok_or(S3ecError::Unwrap)
}

/// Unwraps the data key of an object of `content` with `private`.
pub(super) fn unwrap(
    private: &RsaPrivateKey,
    wrapped: &[u8],
    content: ContentAlgorithm,
) -> Result<DataKey, S3ecError> {
    // A wiping buffer: the pseudo data key holds the data key.
    let pseudo = private
        .private
        .decrypt_oaep_sha1(wrapped)
        .ok_or(S3ecError::Unwrap)?;
    parse_pseudo(&pseudo, content)
}

fn parse_pseudo(pseudo: &[u8], content: ContentAlgorithm) -> Result<DataKey, S3ecError> {
    let (&len, rest) = pseudo.split_first().ok_or(S3ecError::Unwrap)?;
    // Java allows 16, 24 or 32; every content suite S3EC writes uses AES-256.
    if len != 32 || rest.len() < 32 {
        return Err(S3ecError::Unwrap);
    }
    let (key, name) = rest.split_at(32);
    let ok = name == content.name().as_bytes()
        || (content == ContentAlgorithm::AesGcmCommitting && name == b"AES/GCM/NoPadding");
    if !ok {
        return Err(S3ecError::ContentAlgorithmMismatch);
    }
    DataKey::from_slice(key).map_err(|_| S3ecError::Unwrap)
}
