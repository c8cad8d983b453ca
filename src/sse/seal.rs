//! Object keys and their sealing: generation, the sealing key bound to bucket and object,
//! seal and unseal (MinIO `internal/crypto/key.go`).

use zeroize::Zeroize;

use crate::dare::{self, CipherSuite, DecryptOptions, StreamCipher};
use crate::kdf::{hmac_sha256, sha256};
use crate::keys::{ExternalKey, ObjectKey};

/// Name of the current sealing algorithm, as stored in metadata.
pub const SEAL_ALGORITHM: &str = "DAREv2-HMAC-SHA256";
/// Name of the legacy (2017-2018) sealing algorithm, unseal only.
pub const LEGACY_SEAL_ALGORITHM: &str = "DARE-SHA256";
/// Length of a sealed object key: one DARE package of 32 bytes.
pub const SEALED_KEY_LEN: usize = 64;
/// Length of the sealing IV.
pub const IV_LEN: usize = 32;

/// Why sealing, unsealing or an OEK-derived seal failed. Never carries key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SealError {
    /// The key does not unseal the object key: wrong key, bucket, object, IV or domain, or
    /// a tampered sealed key. (MinIO: `ErrSecretKeyMismatch`.)
    #[error("The secret key does not match the secret key used during upload")]
    KeyMismatch,
    /// The stored sealing algorithm is unknown. (MinIO: `crypto.Error`.)
    #[error("The sealing algorithm '{0}' is not supported")]
    UnsupportedAlgorithm(String),
    /// A legacy `DARE-SHA256` sealed key was found and legacy unsealing was not enabled
    /// ([`UnsealOptions::allow_legacy_dare_sha256`]).
    #[error(
        "the object key is sealed with the legacy DARE-SHA256 algorithm; enable it explicitly to unseal"
    )]
    LegacyNotAllowed,
    /// A sealed ETag or internal blob did not authenticate under the object key.
    #[error("sealed data does not authenticate under the object key")]
    Tampered,
    /// The OS random number generator failed.
    #[error("the OS random number generator failed")]
    Random,
    /// The bucket/object pair cannot be bound uniquely (see [`binding_name`](super::binding_name)):
    /// another pair would seal to the same name.
    #[error("cannot bind a sealed key to this bucket/object: {0}")]
    UnboundName(&'static str),
}

/// The sealing domain: which kind of external key sealed the object key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Domain {
    /// SSE-C: the customer key.
    SseC,
    /// SSE-S3: a KMS data key under the server's default key.
    SseS3,
    /// SSE-KMS: a KMS data key under the key the request names.
    SseKms,
}

impl Domain {
    /// The domain string bound into the sealing key (`SSE-C`, `SSE-S3`, `SSE-KMS`).
    pub fn name(self) -> &'static str {
        match self {
            Self::SseC => "SSE-C",
            Self::SseS3 => "SSE-S3",
            Self::SseKms => "SSE-KMS",
        }
    }
}

/// How the object key was sealed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SealAlgorithm {
    /// `DAREv2-HMAC-SHA256`: the current algorithm.
    DareV2HmacSha256,
    /// `DARE-SHA256`: MinIO 2017-2018; KEK = SHA-256(key ‖ IV), not bound to the object;
    /// unseal only, behind [`UnsealOptions::allow_legacy_dare_sha256`].
    LegacyDareSha256,
}

impl SealAlgorithm {
    /// The stored name.
    pub fn name(self) -> &'static str {
        match self {
            Self::DareV2HmacSha256 => SEAL_ALGORITHM,
            Self::LegacyDareSha256 => LEGACY_SEAL_ALGORITHM,
        }
    }

    /// Parses a stored name (exact, case-sensitive).
    pub fn from_name(name: &str) -> Result<Self, SealError> {
        match name {
            SEAL_ALGORITHM => Ok(Self::DareV2HmacSha256),
            LEGACY_SEAL_ALGORITHM => Ok(Self::LegacyDareSha256),
            other => Err(SealError::UnsupportedAlgorithm(other.to_owned())),
        }
    }
}

/// Options for [`SealedKey::unseal`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UnsealOptions {
    allow_legacy: bool,
}

impl UnsealOptions {
    /// The default: only `DAREv2-HMAC-SHA256`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Also unseal legacy `DARE-SHA256` keys (DARE 1.0 or 2.0), which MinIO wrote from
    /// November 2017 to July 2018. Their KEK is not bound to bucket, object or domain.
    pub fn allow_legacy_dare_sha256(mut self) -> Self {
        self.allow_legacy = true;
        self
    }
}

/// Draws `N` bytes from the OS.
pub(crate) fn random<const N: usize>() -> Result<[u8; N], SealError> {
    crate::rng::bytes().ok_or(SealError::Random)
}

/// `OEK = HMAC-SHA256(EK, "object-encryption-key generation" ‖ random)`, with the caller's
/// 32 random bytes (MinIO `GenerateKey`, since 2024; older objects used SHA-256, which is
/// invisible to decoders because only the sealed OEK is stored).
pub fn generate_object_key_with(ext: &impl ExternalKey, random: &[u8; 32]) -> ObjectKey {
    ObjectKey::take(&mut hmac_sha256(
        ext.external_key_bytes(),
        &[b"object-encryption-key generation", random],
    ))
}

/// [`generate_object_key_with`] with 32 bytes from the OS.
pub fn generate_object_key(ext: &impl ExternalKey) -> Result<ObjectKey, SealError> {
    let mut r = random::<32>()?;
    let key = generate_object_key_with(ext, &r);
    r.zeroize();
    Ok(key)
}

/// A fresh random 32-byte sealing IV.
pub fn generate_iv() -> Result<[u8; IV_LEN], SealError> {
    random()
}

/// The sealing key (KEK): `HMAC-SHA256(EK, IV ‖ domain ‖ "DAREv2-HMAC-SHA256" ‖
/// path.Join(bucket, object))`, for names [`binding_name`](super::binding_name) accepts
/// ([`SealError::UnboundName`] otherwise).
pub fn sealing_key(
    ext: &impl ExternalKey,
    iv: &[u8; IV_LEN],
    domain: Domain,
    bucket: &str,
    object: &str,
) -> Result<ObjectKey, SealError> {
    let path = super::binding_name(bucket, object)?;
    Ok(ObjectKey::take(&mut hmac_sha256(
        ext.external_key_bytes(),
        &[
            iv,
            domain.name().as_bytes(),
            SEAL_ALGORITHM.as_bytes(),
            path.as_bytes(),
        ],
    )))
}

/// The legacy `DARE-SHA256` sealing key: `SHA-256(EK ‖ IV)`.
pub fn legacy_sealing_key(ext: &impl ExternalKey, iv: &[u8; IV_LEN]) -> ObjectKey {
    ObjectKey::take(&mut sha256(&[ext.external_key_bytes(), iv]))
}

/// A sealed object key as stored: the 64-byte DARE package, the IV and the algorithm. None
/// of it is secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedKey {
    /// The sealed object key (one DARE package of 32 bytes).
    pub key: [u8; SEALED_KEY_LEN],
    /// The 32-byte IV bound into the sealing key.
    pub iv: [u8; IV_LEN],
    /// How it was sealed.
    pub algorithm: SealAlgorithm,
}

impl SealedKey {
    /// Seals `oek` under `ext` for `domain`/`bucket`/`object` with the caller's IV, cipher
    /// suite and DARE nonce (all random in real use: see [`SealedKey::seal`]).
    #[allow(clippy::too_many_arguments)] // every input of the format, explicit on purpose
    pub fn seal_with(
        oek: &ObjectKey,
        ext: &impl ExternalKey,
        iv: [u8; IV_LEN],
        domain: Domain,
        bucket: &str,
        object: &str,
        suite: CipherSuite,
        nonce: [u8; 12],
    ) -> Result<Self, SealError> {
        let kek = sealing_key(ext, &iv, domain, bucket, object)?;
        let mut key = [0u8; SEALED_KEY_LEN];
        // 32 bytes into a 64-byte buffer: a valid final package, so this cannot fail.
        let r = StreamCipher::new(&kek, suite).seal_package(
            &nonce,
            0,
            true,
            oek.expose_secret(),
            &mut key,
        );
        debug_assert_eq!(r, Ok(SEALED_KEY_LEN));
        Ok(Self {
            key,
            iv,
            algorithm: SealAlgorithm::DareV2HmacSha256,
        })
    }

    /// Seals `oek` with the given IV, a random DARE nonce and the CPU's preferred suite (as
    /// MinIO does).
    pub fn seal(
        oek: &ObjectKey,
        ext: &impl ExternalKey,
        iv: [u8; IV_LEN],
        domain: Domain,
        bucket: &str,
        object: &str,
    ) -> Result<Self, SealError> {
        Self::seal_with(
            oek,
            ext,
            iv,
            domain,
            bucket,
            object,
            CipherSuite::preferred(),
            random()?,
        )
    }

    /// Recovers the object key. Any wrong input (key, domain, bucket, object, IV, a changed
    /// byte) gives [`SealError::KeyMismatch`]; a name that cannot be bound
    /// [`SealError::UnboundName`].
    ///
    /// The one alias MinIO's binding keeps: a key sealed for `dir` unseals for `dir/` and the
    /// reverse (`path.Join` strips one trailing slash; MinIO stores both at one path, and its
    /// existing `dir/` objects must keep unsealing). A server that stores `dir` and `dir/` as
    /// two objects must not let one's stored key stand for the other's.
    pub fn unseal(
        &self,
        ext: &impl ExternalKey,
        domain: Domain,
        bucket: &str,
        object: &str,
        opts: UnsealOptions,
    ) -> Result<ObjectKey, SealError> {
        let (kek, dare_opts) = match self.algorithm {
            SealAlgorithm::DareV2HmacSha256 => (
                sealing_key(ext, &self.iv, domain, bucket, object)?,
                DecryptOptions::new(),
            ),
            SealAlgorithm::LegacyDareSha256 => {
                if !opts.allow_legacy {
                    return Err(SealError::LegacyNotAllowed);
                }
                (
                    legacy_sealing_key(ext, &self.iv),
                    DecryptOptions::new().allow_legacy_v1(),
                )
            }
        };
        let mut out = [0u8; SEALED_KEY_LEN];
        let r = dare::decrypt_buffer(&kek, dare_opts, &self.key, &mut out);
        let key = match r {
            Ok(32) => Ok(ObjectKey::from_slice(&out[..32]).map_err(|_| SealError::KeyMismatch)),
            _ => Err(SealError::KeyMismatch),
        };
        out.zeroize();
        key?
    }

    /// Re-seals under a new external key without touching the object data (SSE-C key
    /// rotation keeps the IV, as MinIO does; pass a fresh IV for SSE-S3/SSE-KMS). Also
    /// upgrades a legacy sealed key when `opts` allows reading it.
    #[allow(clippy::too_many_arguments)]
    pub fn reseal_with(
        &self,
        old: &impl ExternalKey,
        new: &impl ExternalKey,
        iv: [u8; IV_LEN],
        domain: Domain,
        bucket: &str,
        object: &str,
        opts: UnsealOptions,
        suite: CipherSuite,
        nonce: [u8; 12],
    ) -> Result<Self, SealError> {
        let oek = self.unseal(old, domain, bucket, object, opts)?;
        Self::seal_with(&oek, new, iv, domain, bucket, object, suite, nonce)
    }
}

/// Seals `data` under `HMAC-SHA256(oek, label)` as one DARE 2.0 stream (MinIO's
/// `metadataEncrypter`, used for object checksums and compression indexes, and the sealed
/// ETag with label `SSE-etag`). Empty data stays empty.
pub fn seal_derived_with(
    oek: &ObjectKey,
    label: &[u8],
    data: &[u8],
    suite: CipherSuite,
    nonce: [u8; 12],
) -> Vec<u8> {
    if data.is_empty() {
        return Vec::new();
    }
    let key = derived_key(oek, label);
    let n = dare::range::encrypted_size(data.len() as u64).unwrap_or(0) as usize;
    let mut out = vec![0u8; n];
    let r = dare::encrypt_buffer_with_nonce(&key, suite, &nonce, 0, data, &mut out);
    debug_assert_eq!(r, Ok(n));
    out
}

/// [`seal_derived_with`] with a random nonce and the CPU's preferred suite.
pub fn seal_derived(oek: &ObjectKey, label: &[u8], data: &[u8]) -> Result<Vec<u8>, SealError> {
    Ok(seal_derived_with(
        oek,
        label,
        data,
        CipherSuite::preferred(),
        random()?,
    ))
}

/// Opens what [`seal_derived`] sealed (DARE 2.0 only). Empty stays empty.
pub fn open_derived(oek: &ObjectKey, label: &[u8], sealed: &[u8]) -> Result<Vec<u8>, SealError> {
    if sealed.is_empty() {
        return Ok(Vec::new());
    }
    let key = derived_key(oek, label);
    let mut out = vec![0u8; sealed.len()];
    let opts = DecryptOptions::new().stored_size(sealed.len() as u64);
    let n = dare::decrypt_buffer(&key, opts, sealed, &mut out).map_err(|_| SealError::Tampered)?;
    out.truncate(n);
    Ok(out)
}

/// `HMAC-SHA256(oek, label)`: the key of an OEK-derived blob.
pub fn derived_key(oek: &ObjectKey, label: &[u8]) -> ObjectKey {
    ObjectKey::take(&mut hmac_sha256(oek.expose_secret(), &[label]))
}
