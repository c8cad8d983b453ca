//! The AWS S3 Encryption Client (S3EC) object format: content metadata V1 (read), V2 and V3
//! ([`ContentMetadata`], as object metadata or instruction files), content encryption
//! (AES-256-GCM; V3's key-committing suite; legacy AES-CBC read), key wrapping through a
//! [`Keyring`] (a raw AES key with `AES/GCM`, or `kms+context` through any
//! [`KeyProvider`]), a commitment policy like the AWS clients', multipart/streaming pieces
//! of one GCM message, and the unauthenticated ranged GET of the Java client.
//!
//! Objects written here are read by the AWS clients (Java v4, Go v4, Python 4.x write and
//! read V3 by default) and the other way round; `docs/cse.md` has the bytes.
//!
//! ```
//! use s3crypt::cse::s3ec::{self, ContentMetadata, Keyring, ReadOptions, WriteOptions};
//! use s3crypt::keys::WrappingKey;
//!
//! let wrapping = WrappingKey::new([9; 32]);
//! let keyring = Keyring::aes(&wrapping);
//! // V3 (key-committing) by default.
//! let object = s3ec::encrypt(&keyring, &WriteOptions::default(), b"secret report")?;
//! let metadata = object.metadata.to_object_metadata()?; // store as x-amz-meta-*
//!
//! // Reading it back:
//! let pairs = metadata.iter().map(|(k, v)| (k.as_str(), v.as_str()));
//! let md = ContentMetadata::from_object(pairs)?.expect("metadata on the object");
//! let plain = s3ec::decrypt(&md, &keyring, &ReadOptions::default(), &object.body)?;
//! assert_eq!(plain, b"secret report");
//! # Ok::<(), s3crypt::cse::s3ec::S3ecError>(())
//! ```

mod gcm;
mod metadata;
#[cfg(feature = "aws-lc")]
mod rsa;

#[cfg(feature = "aws-lc")]
pub use rsa::{RsaPrivateKey, RsaPublicKey};

use std::collections::BTreeMap;

pub use metadata::{
    CEK_ALG_CONTEXT_KEY, ContentAlgorithm, ContentIv, ContentMetadata, Format,
    INSTRUCTION_FILE_MARKER, INSTRUCTION_SUFFIX, WrapAlgorithm,
};

use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

use crate::backend::{Aead, Algorithm};
use crate::cse::ctr::AesKey;
use crate::keys::{DataKey, WrappingKey};
use crate::keywrap::{AesGcmWrap, AesKw};
use crate::kms::{Context, KeyProvider, KmsError};

/// GCM tag length.
pub const TAG_LEN: usize = 16;
/// The largest plaintext of one object (AES-GCM's limit, 2^36 − 32 bytes).
pub const MAX_PLAINTEXT: u64 = gcm::MAX_LEN;
/// The V3 content IV: twelve `01` bytes (the derived key is fresh per object).
const V3_IV: [u8; 12] = [1; 12];
/// The V3 content AAD: the suite id 0x0073.
const V3_AAD: [u8; 2] = [0x00, 0x73];

/// Why an S3EC object could not be written or read. Never carries key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum S3ecError {
    /// A content-metadata entry is malformed or missing.
    #[error("S3EC content metadata: {0}")]
    Metadata(&'static str),
    /// The metadata mixes entries that cannot go together (two format versions, metadata on
    /// the object and in the instruction file, ...).
    #[error("S3EC content metadata conflict: {0}")]
    Conflict(&'static str),
    /// An unknown wrapping algorithm.
    #[error("unknown S3EC wrapping algorithm {0:?}")]
    UnknownWrap(String),
    /// An unknown content algorithm.
    #[error("unknown S3EC content algorithm {0:?}")]
    UnknownContent(String),
    /// Something this crate recognises but does not implement (RSA keyrings, writing V1).
    #[error("not supported: {0}")]
    Unsupported(&'static str),
    /// A legacy mode the options do not enable.
    #[error("{0} is a legacy mode; enable it in ReadOptions to read such objects")]
    LegacyDisabled(&'static str),
    /// The commitment policy forbids this (a non-committing object under
    /// `RequireEncryptRequireDecrypt`, or writing V2 under a `Require*` policy).
    #[error("commitment policy: {0}")]
    CommitmentPolicy(&'static str),
    /// The keyring does not fit the object's wrap (a KMS object and an AES keyring, ...).
    #[error("the keyring cannot unwrap a {0:?} data key")]
    WrongKeyring(WrapAlgorithm),
    /// The stored encryption context is not the one the caller expects.
    #[error("the stored encryption context does not match the expected one")]
    ContextMismatch,
    /// The caller's encryption context uses the reserved key `aws:x-amz-cek-alg`.
    #[error("the encryption context may not set the reserved key aws:x-amz-cek-alg")]
    ReservedContextKey,
    /// The key provider failed.
    #[error("KMS: {0}")]
    Kms(#[from] KmsError),
    /// The wrapped data key does not unwrap (wrong key or tampered).
    #[error("the wrapped data key does not unwrap with this keyring")]
    Unwrap,
    /// The V3 key commitment does not match: wrong data key or tampered metadata.
    #[error(
        "key commitment verification failed: the stored commitment does not match the data key"
    )]
    Commitment,
    /// The content did not authenticate (or, for CBC, its padding is wrong).
    #[error("the object body does not decrypt (tampered, truncated or wrong key)")]
    Authentication,
    /// The stored plaintext length does not match the body.
    #[error("x-amz-unencrypted-content-length says {stored}, the body holds {actual}")]
    LengthMismatch {
        /// The stored value.
        stored: u64,
        /// The body's plaintext length.
        actual: u64,
    },
    /// The plaintext exceeds AES-GCM's limit of 2^36 − 32 bytes.
    #[error("the plaintext exceeds AES-GCM's limit of 2^36 - 32 bytes")]
    TooLarge,
    /// A range outside the object, or a malformed range.
    #[error("range {0}")]
    Range(&'static str),
    /// Storage answered a different number of bytes than the plan asked for.
    #[error("fetched {got} bytes, the range needs exactly {expected}")]
    FetchedLength {
        /// Bytes given.
        got: usize,
        /// Bytes the plan asked for.
        expected: u64,
    },
    /// The output buffer has the wrong size (see the function's docs).
    #[error("the output buffer has the wrong size")]
    OutputSize,
    /// A stream was used after it finished or failed.
    #[error("the stream is already finished or failed")]
    Finished,
    /// The OS random number generator failed.
    #[error("the OS random number generator failed")]
    Random,
    /// An RSA key that is not a PKCS#8 / SubjectPublicKeyInfo RSA key of 2048 to 8192 bits.
    #[error(
        "not an RSA key of 2048 to 8192 bits in PKCS#8 (private) or SubjectPublicKeyInfo (public) DER"
    )]
    InvalidRsaKey,
    /// The wrap names another content algorithm than the metadata (a changed
    /// `x-amz-cek-alg` / `x-amz-c`).
    #[error("the wrapped data key was made for another content algorithm than the metadata names")]
    ContentAlgorithmMismatch,
}

/// The commitment policy, as the AWS clients name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum CommitmentPolicy {
    /// Write V3 (committing); read only committing objects. The default.
    #[default]
    RequireEncryptRequireDecrypt,
    /// Write V3; read V2 and V3 (for migrations).
    RequireEncryptAllowDecrypt,
    /// Write V2 (non-committing); read V2 and V3.
    ForbidEncryptAllowDecrypt,
}

/// How objects are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ReadOptions {
    /// The commitment policy (default: require committing objects).
    pub commitment: CommitmentPolicy,
    /// Unwrap legacy key wraps: `kms` (no context binding), `AESWrap`, V1 AES/ECB.
    pub legacy_wrapping: bool,
    /// Read AES-CBC content (`AES/CBC/PKCS5Padding`, written by S3EC V1 and early V2
    /// clients). Off by default. What it gives up: nothing authenticates the body — a
    /// changed ciphertext block decrypts to other plaintext without an error, and the
    /// padding check answers differently for different tampering (a padding oracle to
    /// anyone who can change stored bodies and watch reads fail).
    pub legacy_cbc: bool,
    /// Decrypt ranged GETs of GCM objects as AES-CTR without the tag ([`RangeKey::new`],
    /// as the Java client does). Off by default. What it gives up: the range is not
    /// authenticated — a changed byte in storage yields a changed byte of plaintext, never
    /// an error; a whole-object read of the same object still authenticates.
    pub unauthenticated_ranges: bool,
}

impl ReadOptions {
    /// The defaults: `RequireEncryptRequireDecrypt`, no legacy modes.
    pub fn new() -> Self {
        Self::default()
    }
    /// With `policy`.
    pub fn commitment(mut self, policy: CommitmentPolicy) -> Self {
        self.commitment = policy;
        self
    }
    /// With the legacy wraps enabled.
    pub fn legacy_wrapping(mut self, on: bool) -> Self {
        self.legacy_wrapping = on;
        self
    }
    /// With AES-CBC content readable (see [`ReadOptions::legacy_cbc`] for what it gives up).
    pub fn legacy_cbc(mut self, on: bool) -> Self {
        self.legacy_cbc = on;
        self
    }
    /// With unauthenticated ranged GETs of GCM objects ([`RangeKey::new`]; see
    /// [`ReadOptions::unauthenticated_ranges`] for what it gives up).
    pub fn unauthenticated_ranges(mut self, on: bool) -> Self {
        self.unauthenticated_ranges = on;
        self
    }
}

/// How objects are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct WriteOptions {
    /// The commitment policy: `Require*` writes V3, `ForbidEncryptAllowDecrypt` writes V2.
    pub commitment: CommitmentPolicy,
}

impl WriteOptions {
    /// Writes V3 (the default).
    pub fn v3() -> Self {
        Self::default()
    }
    /// Writes V2 (`ForbidEncryptAllowDecrypt`), for readers that predate V3.
    pub fn v2() -> Self {
        Self {
            commitment: CommitmentPolicy::ForbidEncryptAllowDecrypt,
        }
    }
    fn content(&self) -> ContentAlgorithm {
        match self.commitment {
            CommitmentPolicy::ForbidEncryptAllowDecrypt => ContentAlgorithm::AesGcm,
            _ => ContentAlgorithm::AesGcmCommitting,
        }
    }
}

/// What unwraps (and generates) data keys.
#[non_exhaustive]
pub enum Keyring<'a> {
    /// A raw 256-bit AES key: writes `AES/GCM` wraps; reads `AES/GCM` and, with
    /// [`ReadOptions::legacy_wrapping`], `AESWrap` and V1 AES/ECB.
    Aes {
        /// The wrapping key.
        key: &'a WrappingKey,
        /// The material description stored with the object (`x-amz-matdesc` / `x-amz-m`).
        description: BTreeMap<String, String>,
    },
    /// An RSA key (feature `aws-lc`): writes `RSA-OAEP-SHA1` with the public key (the Java
    /// client's RSA keyring) and reads it with the private key, when there is one.
    #[cfg(feature = "aws-lc")]
    Rsa {
        /// The public key, which wraps.
        public: &'a RsaPublicKey,
        /// The private key, which unwraps (`None`: the keyring only writes).
        private: Option<&'a RsaPrivateKey>,
        /// The material description stored with the object (`x-amz-matdesc` / `x-amz-m`).
        description: BTreeMap<String, String>,
    },
    /// A KMS key through a [`KeyProvider`]: writes and reads `kms+context`; reads `kms` with
    /// [`ReadOptions::legacy_wrapping`].
    Kms {
        /// The provider.
        provider: &'a dyn KeyProvider,
        /// The KMS key id (or ARN) to generate under and to decrypt with.
        key_id: &'a str,
        /// The caller's encryption context; `aws:x-amz-cek-alg` is added by the client and
        /// may not be set here. On read, the stored context minus the reserved keys must
        /// equal it.
        context: Context,
    },
}

impl core::fmt::Debug for Keyring<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Aes { description, .. } => f
                .debug_struct("Keyring::Aes")
                .field("key", &"<redacted>")
                .field("description", description)
                .finish(),
            #[cfg(feature = "aws-lc")]
            Self::Rsa {
                private,
                description,
                ..
            } => f
                .debug_struct("Keyring::Rsa")
                .field("private", &private.is_some())
                .field("description", description)
                .finish(),
            Self::Kms { key_id, .. } => f
                .debug_struct("Keyring::Kms")
                .field("key_id", key_id)
                .finish_non_exhaustive(),
        }
    }
}

impl<'a> Keyring<'a> {
    /// A raw AES keyring with an empty material description.
    pub fn aes(key: &'a WrappingKey) -> Self {
        Self::Aes {
            key,
            description: BTreeMap::new(),
        }
    }

    /// An RSA keyring that reads and writes (`RSA-OAEP-SHA1`), with an empty material
    /// description.
    #[cfg(feature = "aws-lc")]
    pub fn rsa(private: &'a RsaPrivateKey) -> Self {
        Self::Rsa {
            public: private.public_key(),
            private: Some(private),
            description: BTreeMap::new(),
        }
    }

    /// An RSA keyring that only writes (the reader holds the private key).
    #[cfg(feature = "aws-lc")]
    pub fn rsa_public(public: &'a RsaPublicKey) -> Self {
        Self::Rsa {
            public,
            private: None,
            description: BTreeMap::new(),
        }
    }

    /// A KMS keyring with the caller's encryption context.
    pub fn kms(provider: &'a dyn KeyProvider, key_id: &'a str, context: Context) -> Self {
        Self::Kms {
            provider,
            key_id,
            context,
        }
    }
}

/// The random values one write needs. Not `Clone`: two objects must never share them.
pub struct WriteRandom {
    /// The data key (raw AES keyrings; a KMS keyring has the KMS generate it).
    pub data_key: DataKey,
    /// The IV of the `AES/GCM` wrap (raw AES keyrings).
    pub wrap_iv: [u8; 12],
    /// The V2 content IV.
    pub iv: [u8; 12],
    /// The V3 message id (HKDF salt).
    pub message_id: [u8; 28],
}

impl core::fmt::Debug for WriteRandom {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("WriteRandom(<redacted>)")
    }
}

impl WriteRandom {
    /// Fresh values from the OS (one call for all of them).
    pub fn generate() -> Result<Self, S3ecError> {
        let mut b = Zeroizing::new([0u8; 32 + 12 + 12 + 28]);
        getrandom::fill(&mut b[..]).map_err(|_| S3ecError::Random)?;
        let mut dk = [0u8; 32];
        dk.copy_from_slice(&b[..32]);
        let mut r = Self {
            data_key: DataKey::new(dk),
            wrap_iv: [0; 12],
            iv: [0; 12],
            message_id: [0; 28],
        };
        dk.zeroize();
        r.wrap_iv.copy_from_slice(&b[32..44]);
        r.iv.copy_from_slice(&b[44..56]);
        r.message_id.copy_from_slice(&b[56..]);
        Ok(r)
    }
}

/// An encrypted object: the body (ciphertext ‖ tag) and its content metadata.
#[derive(Debug)]
pub struct Encrypted {
    /// What to store as the object body.
    pub body: Vec<u8>,
    /// What to store as metadata ([`ContentMetadata::to_object_metadata`] or
    /// [`ContentMetadata::to_instruction_file`]).
    pub metadata: ContentMetadata,
}

/// The V3 derivation: (derived key, commitment) from the data key and message id.
fn derive_v3(dek: &DataKey, message_id: &[u8; 28]) -> (Zeroizing<[u8; 32]>, [u8; 28]) {
    let mut key = Zeroizing::new([0u8; 32]);
    let mut commit = [0u8; 28];
    let hk = hkdf::Hkdf::<sha2::Sha512>::new(Some(message_id), dek.expose_secret());
    let e = |_| unreachable!("short HKDF output");
    hk.expand_multi_info(&[&V3_AAD, b"DERIVEKEY"], &mut key[..])
        .unwrap_or_else(e);
    hk.expand_multi_info(&[&V3_AAD, b"COMMITKEY"], &mut commit)
        .unwrap_or_else(e);
    (key, commit)
}

/// The keys and parameters of one object's content, after unwrapping and (V3) the
/// commitment check.
struct ContentKey {
    alg: ContentAlgorithm,
    key: Zeroizing<[u8; 32]>,
    iv: [u8; 16],
}

impl ContentKey {
    fn gcm_iv(&self) -> [u8; 12] {
        let mut iv = [0u8; 12];
        iv.copy_from_slice(&self.iv[..12]);
        iv
    }
    fn aad(&self) -> &'static [u8] {
        if self.alg == ContentAlgorithm::AesGcmCommitting {
            &V3_AAD
        } else {
            b""
        }
    }
}

fn stored_context_for(md: &ContentMetadata) -> Context {
    let mut c = Context::new();
    for (k, v) in &md.context {
        c.insert(k, v);
    }
    c
}

/// Unwraps the data key of `md` with `keyring`, enforcing the options.
pub fn unwrap_data_key(
    md: &ContentMetadata,
    keyring: &Keyring<'_>,
    opts: &ReadOptions,
) -> Result<DataKey, S3ecError> {
    let legacy = |what| {
        if opts.legacy_wrapping {
            Ok(())
        } else {
            Err(S3ecError::LegacyDisabled(what))
        }
    };
    match (md.wrap, keyring) {
        (
            WrapAlgorithm::KmsContext,
            Keyring::Kms {
                provider,
                key_id,
                context,
            },
        ) => {
            // The content algorithm is bound into the KMS context: a changed x-amz-cek-alg
            // fails here, before KMS.
            if md.context.get(CEK_ALG_CONTEXT_KEY).map(String::as_str) != Some(md.content.name()) {
                return Err(S3ecError::ContextMismatch);
            }
            let mut stored: BTreeMap<&str, &str> = md
                .context
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            stored.remove(CEK_ALG_CONTEXT_KEY);
            stored.remove("kms_cmk_id");
            let expected: BTreeMap<&str, &str> = context.iter().collect();
            if stored != expected {
                return Err(S3ecError::ContextMismatch);
            }
            Ok(provider.decrypt_key(key_id, &md.encrypted_key, &stored_context_for(md))?)
        }
        (
            WrapAlgorithm::Kms,
            Keyring::Kms {
                provider,
                key_id,
                context,
            },
        ) => {
            legacy("the kms wrap")?;
            if !context.is_empty() {
                return Err(S3ecError::ContextMismatch);
            }
            Ok(provider.decrypt_key(key_id, &md.encrypted_key, &stored_context_for(md))?)
        }
        (WrapAlgorithm::AesGcm, Keyring::Aes { key, .. }) => {
            let w: &[u8; 60] = md
                .encrypted_key
                .as_slice()
                .try_into()
                .map_err(|_| S3ecError::Unwrap)?;
            AesGcmWrap::new(key)
                .unwrap_key32(w, md.content.name().as_bytes())
                .map_err(|_| S3ecError::Unwrap)
        }
        (WrapAlgorithm::AesWrap, Keyring::Aes { key, .. }) => {
            legacy("the AESWrap wrap")?;
            let w: &[u8; 40] = md
                .encrypted_key
                .as_slice()
                .try_into()
                .map_err(|_| S3ecError::Unwrap)?;
            AesKw::new(key)
                .unwrap_key32(w)
                .map_err(|_| S3ecError::Unwrap)
        }
        (WrapAlgorithm::AesEcb, Keyring::Aes { key, .. }) => {
            legacy("the V1 AES/ECB wrap")?;
            ecb_unwrap(key, &md.encrypted_key)
        }
        #[cfg(feature = "aws-lc")]
        (
            WrapAlgorithm::RsaOaepSha1,
            Keyring::Rsa {
                private: Some(private),
                ..
            },
        ) => rsa::unwrap(private, &md.encrypted_key, md.content),
        #[cfg(feature = "aws-lc")]
        (WrapAlgorithm::RsaOaepSha1, Keyring::Rsa { private: None, .. }) => Err(
            S3ecError::Unsupported("reading with an RSA public key (the private key unwraps)"),
        ),
        (WrapAlgorithm::RsaLegacy, _) => Err(S3ecError::Unsupported(
            "the legacy RSA/ECB/OAEPWithSHA-256AndMGF1Padding wrap (OAEP with MGF1-SHA-1: no constant-time implementation available)",
        )),
        #[cfg(not(feature = "aws-lc"))]
        (WrapAlgorithm::RsaOaepSha1, _) => Err(S3ecError::Unsupported(
            "RSA keyrings need the aws-lc feature (constant-time RSA)",
        )),
        (wrap, _) => Err(S3ecError::WrongKeyring(wrap)),
    }
}

/// V1's AES/ECB/PKCS5Padding wrap of a 32-byte key (48 bytes).
fn ecb_unwrap(key: &WrappingKey, edk: &[u8]) -> Result<DataKey, S3ecError> {
    use aes::cipher::{BlockCipherDecrypt, KeyInit};
    if edk.len() != 48 {
        return Err(S3ecError::Unwrap);
    }
    let aes = aes::Aes256::new(key.expose_secret().into());
    let mut buf = Zeroizing::new([0u8; 48]);
    buf.copy_from_slice(edk);
    for block in buf.chunks_exact_mut(16) {
        aes.decrypt_block(
            block
                .try_into()
                .unwrap_or_else(|_| unreachable!("16 bytes")),
        );
    }
    // A 32-byte key pads with one full block of 16s.
    if !bool::from(buf[32..].ct_eq(&[16u8; 16])) {
        return Err(S3ecError::Unwrap);
    }
    DataKey::from_slice(&buf[..32]).map_err(|_| S3ecError::Unwrap)
}

/// Checks the policy and options against the object, unwraps the key and (V3) verifies the
/// commitment before anything uses the derived key.
fn content_key(
    md: &ContentMetadata,
    keyring: &Keyring<'_>,
    opts: &ReadOptions,
) -> Result<ContentKey, S3ecError> {
    check_read(md, opts)?;
    let dek = unwrap_data_key(md, keyring, opts)?;
    content_key_from(md, &dek)
}

/// What the options allow to be read: the commitment policy and the CBC opt-in.
fn check_read(md: &ContentMetadata, opts: &ReadOptions) -> Result<(), S3ecError> {
    if !md.content.is_committing()
        && opts.commitment == CommitmentPolicy::RequireEncryptRequireDecrypt
    {
        return Err(S3ecError::CommitmentPolicy(
            "a non-committing object cannot be read under RequireEncryptRequireDecrypt",
        ));
    }
    if md.content == ContentAlgorithm::AesCbc && !opts.legacy_cbc {
        return Err(S3ecError::LegacyDisabled(
            "AES-CBC content (unauthenticated; ReadOptions::legacy_cbc)",
        ));
    }
    Ok(())
}

fn content_key_from(md: &ContentMetadata, dek: &DataKey) -> Result<ContentKey, S3ecError> {
    let (ck, commit) = derive_content_key(md, dek)?;
    if let Some(commit) = commit {
        let stored = md
            .commitment
            .ok_or(S3ecError::Metadata("V3 without a commitment"))?;
        if !bool::from(commit.ct_eq(&stored)) {
            return Err(S3ecError::Commitment);
        }
    }
    Ok(ck)
}

/// The content key of `md` under `dek` and, for V3, the commitment that key implies (to
/// compare with the stored one before the key is used, or to store).
fn derive_content_key(
    md: &ContentMetadata,
    dek: &DataKey,
) -> Result<(ContentKey, Option<[u8; 28]>), S3ecError> {
    let mut iv = [0u8; 16];
    let mut commit = None;
    let key = match md.content {
        ContentAlgorithm::AesGcmCommitting => {
            let Some(id) = md.message_id else {
                return Err(S3ecError::Metadata("V3 without a message id"));
            };
            let (key, c) = derive_v3(dek, &id);
            commit = Some(c);
            iv[..12].copy_from_slice(&V3_IV);
            key
        }
        ContentAlgorithm::AesGcm => {
            let Some(ContentIv::Gcm(v)) = md.iv else {
                return Err(S3ecError::Metadata("a GCM object needs a 12-byte IV"));
            };
            iv[..12].copy_from_slice(&v);
            Zeroizing::new(*dek.expose_secret())
        }
        ContentAlgorithm::AesCbc => {
            let Some(ContentIv::Cbc(v)) = md.iv else {
                return Err(S3ecError::Metadata("a CBC object needs a 16-byte IV"));
            };
            iv = v;
            Zeroizing::new(*dek.expose_secret())
        }
    };
    let ck = ContentKey {
        alg: md.content,
        key,
        iv,
    };
    Ok((ck, commit))
}

fn check_len(md: &ContentMetadata, actual: usize) -> Result<(), S3ecError> {
    match md.plaintext_len {
        Some(stored) if stored != actual as u64 => Err(S3ecError::LengthMismatch {
            stored,
            actual: actual as u64,
        }),
        _ => Ok(()),
    }
}

/// Decrypts a whole object (authenticated: nothing is returned unless the tag checks).
pub fn decrypt(
    md: &ContentMetadata,
    keyring: &Keyring<'_>,
    opts: &ReadOptions,
    body: &[u8],
) -> Result<Vec<u8>, S3ecError> {
    let ck = content_key(md, keyring, opts)?;
    decrypt_with_key(&ck, md, body)
}

/// Decrypts a whole object with an already unwrapped data key (from [`unwrap_data_key`],
/// e.g. cached), checking the commitment (V3) and the commitment policy.
pub fn decrypt_with_data_key(
    md: &ContentMetadata,
    data_key: &DataKey,
    opts: &ReadOptions,
    body: &[u8],
) -> Result<Vec<u8>, S3ecError> {
    check_read(md, opts)?;
    let ck = content_key_from(md, data_key)?;
    decrypt_with_key(&ck, md, body)
}

fn decrypt_with_key(
    ck: &ContentKey,
    md: &ContentMetadata,
    body: &[u8],
) -> Result<Vec<u8>, S3ecError> {
    let mut out = vec![0u8; body.len()];
    let n = decrypt_key_into(ck, md, body, &mut out)?;
    out.truncate(n);
    Ok(out)
}

/// Decrypts into `out` (at least the body length less the tag; the body length for CBC),
/// returning the plaintext length; `out` is zeroed on an error.
fn decrypt_key_into(
    ck: &ContentKey,
    md: &ContentMetadata,
    body: &[u8],
    out: &mut [u8],
) -> Result<usize, S3ecError> {
    let r = match ck.alg {
        ContentAlgorithm::AesCbc => cbc_decrypt(ck, body, out),
        _ => (|| {
            let n = body
                .len()
                .checked_sub(TAG_LEN)
                .ok_or(S3ecError::Authentication)?;
            let (ct, tag) = body.split_at(n);
            let tag: &[u8; 16] = tag.try_into().map_err(|_| S3ecError::Authentication)?;
            let dst = out.get_mut(..n).ok_or(S3ecError::OutputSize)?;
            Aead::new(Algorithm::Aes256Gcm, &ck.key)
                .open(&ck.gcm_iv(), ck.aad(), ct, dst, tag)
                .map_err(|_| S3ecError::Authentication)?;
            Ok(n)
        })(),
    };
    let r = r.and_then(|n| check_len(md, n).map(|()| n));
    if r.is_err() {
        out.zeroize();
    }
    r
}

/// Decrypts a whole object into `out` (at least the body length less the 16-byte tag; the
/// body length for legacy CBC) and returns the plaintext length. Authenticated; `out` is
/// zeroed on an error.
pub fn decrypt_into(
    md: &ContentMetadata,
    keyring: &Keyring<'_>,
    opts: &ReadOptions,
    body: &[u8],
    out: &mut [u8],
) -> Result<usize, S3ecError> {
    let ck = content_key(md, keyring, opts)?;
    decrypt_key_into(&ck, md, body, out)
}

fn cbc_decrypt(ck: &ContentKey, body: &[u8], out: &mut [u8]) -> Result<usize, S3ecError> {
    use cbc::cipher::{BlockModeDecrypt, KeyIvInit};
    if body.is_empty() || body.len() % 16 != 0 {
        return Err(S3ecError::Authentication);
    }
    let out = out.get_mut(..body.len()).ok_or(S3ecError::OutputSize)?;
    out.copy_from_slice(body);
    let mut dec = cbc::Decryptor::<aes::Aes256>::new((&*ck.key).into(), (&ck.iv).into());
    for block in out.chunks_exact_mut(16) {
        dec.decrypt_block(
            block
                .try_into()
                .unwrap_or_else(|_| unreachable!("16 bytes")),
        );
    }
    // PKCS#7: the last byte n in 1..=16 and the last n bytes all n (checked without an early
    // exit).
    let n = usize::from(out[out.len() - 1]);
    let mut bad = u8::from(n == 0 || n > 16);
    for (i, &b) in out[out.len() - 16..].iter().rev().enumerate() {
        bad |= u8::from(i < n && usize::from(b) != n);
    }
    if bad != 0 {
        return Err(S3ecError::Authentication);
    }
    Ok(out.len() - n)
}

/// The data key and metadata of a new object, before any content is encrypted.
fn new_object(
    keyring: &Keyring<'_>,
    opts: &WriteOptions,
    random: &WriteRandom,
) -> Result<(ContentKey, ContentMetadata), S3ecError> {
    let content = opts.content();
    // Java refuses an all-zero IV or message id; so do we (the sign of an unset value).
    let unset = match content {
        ContentAlgorithm::AesGcmCommitting => random.message_id == [0; 28],
        _ => random.iv == [0; 12],
    };
    if unset {
        return Err(S3ecError::Random);
    }
    let (dek, wrap, edk, context) = match keyring {
        Keyring::Aes { key, description } => {
            let mut w = [0u8; 60];
            AesGcmWrap::new(key)
                .wrap_with_iv(
                    random.data_key.expose_secret(),
                    content.name().as_bytes(),
                    &random.wrap_iv,
                    &mut w,
                )
                .map_err(|_| S3ecError::Unwrap)?;
            (
                random.data_key.duplicate(),
                WrapAlgorithm::AesGcm,
                w.to_vec(),
                description.clone(),
            )
        }
        #[cfg(feature = "aws-lc")]
        Keyring::Rsa {
            public,
            description,
            ..
        } => (
            random.data_key.duplicate(),
            WrapAlgorithm::RsaOaepSha1,
            rsa::wrap(public, &random.data_key, content)?,
            description.clone(),
        ),
        Keyring::Kms {
            provider,
            key_id,
            context,
        } => {
            if context.get(CEK_ALG_CONTEXT_KEY).is_some() {
                return Err(S3ecError::ReservedContextKey);
            }
            let mut ctx = context.clone();
            ctx.insert(CEK_ALG_CONTEXT_KEY, content.name());
            let g = provider.generate_key(key_id, &ctx)?;
            let map = ctx
                .iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
            (g.plaintext, WrapAlgorithm::KmsContext, g.ciphertext, map)
        }
    };
    let (format, iv, message_id) = match content {
        ContentAlgorithm::AesGcmCommitting => (Format::V3, None, Some(random.message_id)),
        _ => (Format::V2, Some(ContentIv::Gcm(random.iv)), None),
    };
    let mut md = ContentMetadata {
        format,
        content,
        wrap,
        encrypted_key: edk,
        iv,
        message_id,
        commitment: None,
        context,
        plaintext_len: None,
    };
    let (ck, commitment) = derive_content_key(&md, &dek)?;
    md.commitment = commitment;
    Ok((ck, md))
}

/// Encrypts a whole object with fresh randomness: V3 unless `opts` asks for V2.
pub fn encrypt(
    keyring: &Keyring<'_>,
    opts: &WriteOptions,
    plaintext: &[u8],
) -> Result<Encrypted, S3ecError> {
    encrypt_with(keyring, opts, WriteRandom::generate()?, plaintext)
}

/// [`encrypt`] with the caller's randomness — for test vectors only.
pub fn encrypt_with(
    keyring: &Keyring<'_>,
    opts: &WriteOptions,
    random: WriteRandom,
    plaintext: &[u8],
) -> Result<Encrypted, S3ecError> {
    let mut body = vec![0u8; plaintext.len() + TAG_LEN];
    let metadata = encrypt_into_with(keyring, opts, random, plaintext, &mut body)?;
    Ok(Encrypted { body, metadata })
}

/// Encrypts a whole object into `out` (exactly the plaintext length + 16) with fresh
/// randomness and returns its content metadata.
pub fn encrypt_into(
    keyring: &Keyring<'_>,
    opts: &WriteOptions,
    plaintext: &[u8],
    out: &mut [u8],
) -> Result<ContentMetadata, S3ecError> {
    encrypt_into_with(keyring, opts, WriteRandom::generate()?, plaintext, out)
}

/// [`encrypt_into`] with the caller's randomness — for test vectors only.
pub fn encrypt_into_with(
    keyring: &Keyring<'_>,
    opts: &WriteOptions,
    random: WriteRandom,
    plaintext: &[u8],
    out: &mut [u8],
) -> Result<ContentMetadata, S3ecError> {
    if plaintext.len() as u64 > MAX_PLAINTEXT {
        return Err(S3ecError::TooLarge);
    }
    if out.len() != plaintext.len() + TAG_LEN {
        return Err(S3ecError::OutputSize);
    }
    let (ck, metadata) = new_object(keyring, opts, &random)?;
    let (ct, tag_out) = out.split_at_mut(plaintext.len());
    let tag = Aead::new(Algorithm::Aes256Gcm, &ck.key)
        .seal(&ck.gcm_iv(), ck.aad(), plaintext, ct)
        .map_err(|_| S3ecError::TooLarge)?;
    tag_out.copy_from_slice(&tag);
    Ok(metadata)
}

/// One GCM message written in pieces, as the AWS clients write multipart uploads: each
/// [`Encryptor::update`] returns ciphertext of the same length (upload it as the next
/// part, in order); [`Encryptor::finish`] returns the last piece with the 16-byte tag
/// appended. The metadata is known at the start (store it with CreateMultipartUpload).
pub struct Encryptor {
    stream: Option<gcm::GcmStream>,
    metadata: ContentMetadata,
}

impl core::fmt::Debug for Encryptor {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("s3ec::Encryptor").finish_non_exhaustive()
    }
}

impl Encryptor {
    /// Starts an object with fresh randomness.
    pub fn new(keyring: &Keyring<'_>, opts: &WriteOptions) -> Result<Self, S3ecError> {
        Self::new_with(keyring, opts, WriteRandom::generate()?)
    }

    /// Starts an object with the caller's randomness — for test vectors only.
    pub fn new_with(
        keyring: &Keyring<'_>,
        opts: &WriteOptions,
        random: WriteRandom,
    ) -> Result<Self, S3ecError> {
        let (ck, metadata) = new_object(keyring, opts, &random)?;
        Ok(Self {
            stream: Some(gcm::GcmStream::new(&ck.key, &ck.gcm_iv(), ck.aad())),
            metadata,
        })
    }

    /// The object's content metadata.
    pub fn metadata(&self) -> &ContentMetadata {
        &self.metadata
    }

    /// Encrypts the next piece; returns its ciphertext (same length).
    pub fn update(&mut self, plaintext: &[u8]) -> Result<Vec<u8>, S3ecError> {
        let s = self.stream.as_mut().ok_or(S3ecError::Finished)?;
        let mut out = vec![0u8; plaintext.len()];
        if !s.encrypt(plaintext, &mut out) {
            self.stream = None;
            return Err(S3ecError::TooLarge);
        }
        Ok(out)
    }

    /// Encrypts the last piece and appends the tag.
    pub fn finish(mut self, plaintext: &[u8]) -> Result<Vec<u8>, S3ecError> {
        let mut out = self.update(plaintext)?;
        let s = self.stream.take().ok_or(S3ecError::Finished)?;
        out.extend_from_slice(&s.tag());
        Ok(out)
    }
}

/// How a [`Decryptor`] releases plaintext.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Release {
    /// Nothing before the tag checks: the ciphertext is kept until `finish` (memory grows
    /// with the object), which decrypts and returns everything or an error. What the Python
    /// client does by default.
    Authenticated,
    /// Plaintext as ciphertext arrives, **before** the tag is checked ("delayed
    /// authentication"): constant memory, but bytes already released may be forged; the
    /// caller must discard everything on a `finish` error. Opt-in.
    Unauthenticated,
}

/// A decryptor fed with the object body in pieces.
pub struct Decryptor {
    mode: Release,
    key: Option<ContentKey>,
    md: ContentMetadata,
    stream: Option<gcm::GcmStream>,
    /// Authenticated mode: the ciphertext so far. Streaming mode: the last (at most 16)
    /// bytes held back (they may be the tag).
    held: Vec<u8>,
    released: u64,
}

impl core::fmt::Debug for Decryptor {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("s3ec::Decryptor")
            .field("mode", &self.mode)
            .finish_non_exhaustive()
    }
}

impl Decryptor {
    /// A decryptor for the object of `md`. CBC objects (legacy) are read with
    /// [`decrypt`] only.
    pub fn new(
        md: &ContentMetadata,
        keyring: &Keyring<'_>,
        opts: &ReadOptions,
        mode: Release,
    ) -> Result<Self, S3ecError> {
        let ck = content_key(md, keyring, opts)?;
        if ck.alg == ContentAlgorithm::AesCbc {
            return Err(S3ecError::Unsupported("streaming AES-CBC; use decrypt"));
        }
        let stream = (mode == Release::Unauthenticated)
            .then(|| gcm::GcmStream::new(&ck.key, &ck.gcm_iv(), ck.aad()));
        Ok(Self {
            mode,
            key: Some(ck),
            md: md.clone(),
            stream,
            held: Vec::new(),
            released: 0,
        })
    }

    /// Feeds the next piece of the body. Authenticated mode returns nothing until
    /// `finish`; streaming mode returns what it could decrypt (all but the last 16 bytes
    /// seen so far).
    pub fn update(&mut self, body: &[u8]) -> Result<Vec<u8>, S3ecError> {
        if self.key.is_none() {
            return Err(S3ecError::Finished);
        }
        if self.mode == Release::Authenticated {
            self.held.extend_from_slice(body);
            return Ok(Vec::new());
        }
        // Decrypt straight from `body`, holding back only the last 16 bytes seen (they may
        // be the tag): the held bytes first, then the new ones.
        let ready = (self.held.len() + body.len()).saturating_sub(TAG_LEN);
        let from_held = ready.min(self.held.len());
        let mut out = vec![0u8; ready];
        let s = self.stream.as_mut().ok_or(S3ecError::Finished)?;
        let (a, b) = out.split_at_mut(from_held);
        if !(s.decrypt(&self.held[..from_held], a) && s.decrypt(&body[..ready - from_held], b)) {
            self.key = None;
            return Err(S3ecError::TooLarge);
        }
        self.held.drain(..from_held);
        self.held.extend_from_slice(&body[ready - from_held..]);
        self.released += ready as u64;
        Ok(out)
    }

    /// Ends the body: authenticated mode returns the whole plaintext if the tag checks;
    /// streaming mode checks the tag (an error means: discard everything released).
    pub fn finish(mut self) -> Result<Vec<u8>, S3ecError> {
        let ck = self.key.take().ok_or(S3ecError::Finished)?;
        match self.mode {
            Release::Authenticated => decrypt_with_key(&ck, &self.md, &self.held),
            Release::Unauthenticated => {
                let tag: [u8; 16] = self
                    .held
                    .as_slice()
                    .try_into()
                    .map_err(|_| S3ecError::Authentication)?;
                let s = self.stream.take().ok_or(S3ecError::Finished)?;
                if !s.verify(&tag) {
                    return Err(S3ecError::Authentication);
                }
                check_len(&self.md, self.released as usize)?;
                Ok(Vec::new())
            }
        }
    }
}

/// The bytes a ranged GET fetches, computed the way the Java client does. Built only by
/// [`RangePlan::new`] and [`RangePlan::suffix`], so its fields always agree; a plan cannot be
/// written or edited by hand:
///
/// ```compile_fail
/// let plan = s3crypt::cse::s3ec::RangePlan { fetch_first: u64::MAX, fetch_last: 0,
///     requested_last: 0, skip: u64::MAX, len: u64::MAX };
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RangePlan {
    fetch_first: u64,
    fetch_last: u64,
    requested_last: u64,
    skip: u64,
    len: u64,
}

impl RangePlan {
    /// Plans `bytes=first-last` (`last = None` for `bytes=first-`) of an object whose body
    /// is `ciphertext_len` bytes (GCM: plaintext + 16).
    pub fn new(first: u64, last: Option<u64>, ciphertext_len: u64) -> Result<Self, S3ecError> {
        let pt_len = ciphertext_len
            .checked_sub(TAG_LEN as u64)
            .ok_or(S3ecError::Range("on a body shorter than a tag"))?;
        if first >= pt_len {
            return Err(S3ecError::Range("starts past the end of the plaintext"));
        }
        if last.is_some_and(|l| l < first) {
            return Err(S3ecError::Range("ends before it starts"));
        }
        let last_pt = last.unwrap_or(u64::MAX).min(pt_len - 1);
        let fetch_first = (first - first % 16).saturating_sub(16);
        let requested_last = match last {
            Some(b) => b.saturating_add(16 - b % 16).saturating_add(16),
            None => u64::MAX,
        };
        let fetch_last = requested_last.min(ciphertext_len - TAG_LEN as u64 - 1);
        Ok(Self {
            fetch_first,
            fetch_last,
            requested_last,
            skip: first - fetch_first,
            len: last_pt - first + 1,
        })
    }

    /// Plans `bytes=-n` (the last `n` plaintext bytes) of a body of `ciphertext_len` bytes.
    pub fn suffix(n: u64, ciphertext_len: u64) -> Result<Self, S3ecError> {
        let pt_len = ciphertext_len
            .checked_sub(TAG_LEN as u64)
            .ok_or(S3ecError::Range("on a body shorter than a tag"))?;
        if n == 0 {
            return Err(S3ecError::Range("of zero bytes"));
        }
        Self::new(pt_len.saturating_sub(n), None, ciphertext_len)
    }

    /// First ciphertext byte to fetch.
    pub fn fetch_first(&self) -> u64 {
        self.fetch_first
    }

    /// Last ciphertext byte to fetch (inclusive), clamped so the tag is never decrypted.
    pub fn fetch_last(&self) -> u64 {
        self.fetch_last
    }

    /// The last byte the Java client asks S3 for before clamping (one extra block each
    /// side): `bytes=fetch_first-requested_last`.
    pub fn requested_last(&self) -> u64 {
        self.requested_last
    }

    /// Plaintext bytes to drop from the start of the decrypted fetch.
    pub fn skip(&self) -> u64 {
        self.skip
    }

    /// Plaintext bytes the range holds.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the range holds no bytes (never, for a plan that was built: kept for the
    /// `len`/`is_empty` pair).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bytes to fetch.
    pub fn fetch_len(&self) -> u64 {
        self.fetch_last - self.fetch_first + 1
    }

    /// The HTTP `Range` header value for the fetch: `bytes=fetch_first-fetch_last`.
    pub fn http_range(&self) -> String {
        format!("bytes={}-{}", self.fetch_first, self.fetch_last)
    }
}

/// The AES-CTR key of an object's unauthenticated ranged GET: the content key and IV of
/// GCM read as CTR (V2: the data key and `x-amz-iv`; V3: the derived key and `01`×12, after
/// the commitment check). **Ranged reads are not authenticated**: a tampered body yields
/// wrong plaintext, not an error. Needs [`ReadOptions::unauthenticated_ranges`].
pub struct RangeKey {
    aes: AesKey,
    iv: [u8; 12],
}

impl core::fmt::Debug for RangeKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("RangeKey(<redacted>)")
    }
}

impl RangeKey {
    /// The range key of the object of `md`.
    pub fn new(
        md: &ContentMetadata,
        keyring: &Keyring<'_>,
        opts: &ReadOptions,
    ) -> Result<Self, S3ecError> {
        if !opts.unauthenticated_ranges {
            return Err(S3ecError::LegacyDisabled(
                "ranged GET (unauthenticated; ReadOptions::unauthenticated_ranges)",
            ));
        }
        let ck = content_key(md, keyring, opts)?;
        if ck.alg == ContentAlgorithm::AesCbc {
            return Err(S3ecError::Unsupported("ranged GET of AES-CBC objects"));
        }
        Ok(Self::from_raw(&DataKey::new(*ck.key), ck.gcm_iv()))
    }

    /// From a CTR key and 12-byte IV already at hand (V2: the data key and IV; V3: the
    /// derived key and `01`×12).
    pub fn from_raw(key: &DataKey, iv: [u8; 12]) -> Self {
        Self {
            aes: AesKey::new(key.expose_secret()).unwrap_or_else(|| unreachable!("32 bytes")),
            iv,
        }
    }

    /// Decrypts the fetched bytes of `plan` (exactly [`RangePlan::fetch_len`]) and returns
    /// the range's plaintext (unauthenticated).
    pub fn decrypt_unauthenticated(
        &self,
        plan: &RangePlan,
        fetched: &[u8],
    ) -> Result<Vec<u8>, S3ecError> {
        if fetched.len() as u64 != plan.fetch_len() {
            return Err(S3ecError::FetchedLength {
                got: fetched.len(),
                expected: plan.fetch_len(),
            });
        }
        let block = plan.fetch_first / 16;
        let counter = u32::try_from(2 + block)
            .ok()
            .filter(|&c| c < u32::MAX)
            .ok_or(S3ecError::Range("past the GCM counter limit"))?;
        let mut cb = [0u8; 16];
        cb[..12].copy_from_slice(&self.iv);
        cb[12..].copy_from_slice(&counter.to_be_bytes());
        let mut out = vec![0u8; fetched.len()];
        self.aes.xor(&cb, false, fetched, &mut out);
        let skip = usize::try_from(plan.skip).unwrap_or(usize::MAX);
        let end = usize::try_from(plan.len)
            .ok()
            .and_then(|len| skip.checked_add(len))
            .unwrap_or(usize::MAX);
        if end > out.len() {
            return Err(S3ecError::Range("the fetch does not cover the range"));
        }
        out.truncate(end);
        out.drain(..skip);
        Ok(out)
    }
}
