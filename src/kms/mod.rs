//! The key-provider (KMS) seam: a [`KeyProvider`] generates a data key for (key id,
//! context), returning the plaintext key and an opaque sealed blob to store, and decrypts
//! such a blob later. Servers implement it over Vault, KES, Barbican or AWS KMS.
//! [`StaticKms`] is MinIO's builtin single-key KMS (`MINIO_KMS_SECRET_KEY=name:base64`),
//! byte-compatible with the blobs MinIO stores; [`Keyring`] decrypts with old providers and
//! generates with the newest, for rotation.
//!
//! # A remote, async KMS
//!
//! The trait is synchronous on purpose: it is a seam, not a network client. A remote KMS is
//! an [`AsyncKeyProvider`], and the server kit's flows reach it through
//! [`with_async_kms`]: the flow runs against the answers fetched so far ([`KmsAnswers`]),
//! stops at a question it cannot answer ([`KmsError::Pending`]), the server asks the KMS
//! asynchronously and runs the flow again — no s3crypt call ever blocks on the network.
//! The key-level functions of [`crate::sse::object`] also take a [`GeneratedKey`] for PUT
//! and a [`DataKey`] for GET directly (see `examples/remote_kms.rs`). Implement
//! `KeyProvider` directly only when the provider is local or already cached. The
//! `s3crypt-kms` workspace package has async providers for the AWS KMS API.
//!
//! ```
//! use s3crypt::kms::{Context, KeyProvider, StaticKms};
//!
//! let kms = StaticKms::from_env_value("my-key:Aj06RxBjYserUBpP8611L07FLGT9P+c3k3ZqTiI5KNg=")?;
//! let ctx = Context::for_object("bucket", "a/b.txt");
//! let dek = kms.generate_key("my-key", &ctx)?;
//! assert_eq!(dek.ciphertext.len(), 76);
//! let again = kms.decrypt_key(&dek.key_id, &dek.ciphertext, &ctx)?;
//! assert_eq!(again, dek.plaintext);
//! // The blob is bound to the context.
//! assert!(kms.decrypt_key("my-key", &dek.ciphertext, &Context::for_object("bucket", "x")).is_err());
//! # Ok::<(), s3crypt::kms::KmsError>(())
//! ```

mod answers;
mod context;

pub use answers::{AsyncKeyProvider, KmsAnswers, KmsRequest, with_async_kms};
pub use context::{Context, marshal_entries};

use crate::backend::{Aead, Algorithm};
use crate::keys::{DataKey, KeyError, WrappingKey};

/// What went wrong in a key provider. Never carries key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KmsError {
    /// The provider has no key of that id.
    #[error("KMS key {0:?} not found")]
    KeyNotFound(String),
    /// The sealed data key is malformed (wrong length or an unknown format).
    #[error("the sealed data key is malformed: {0}")]
    InvalidCiphertext(&'static str),
    /// The sealed data key did not authenticate: wrong KMS key or wrong context.
    #[error("the sealed data key does not decrypt with this KMS key and context")]
    DecryptionFailed,
    /// The configuration text is malformed (`MINIO_KMS_SECRET_KEY=name:base64`).
    #[error("invalid KMS secret key configuration: {0}")]
    InvalidConfig(&'static str),
    /// The OS random number generator failed.
    #[error("the OS random number generator failed")]
    Random,
    /// A provider-specific failure (a remote KMS refused, ...).
    #[error("KMS error: {0}")]
    Provider(String),
    /// The KMS cannot be reached (or timed out, or is throttling): a server answers 503 and
    /// the client retries.
    #[error("the KMS is unavailable: {0}")]
    Unavailable(String),
    /// The KMS key exists but is disabled or pending deletion.
    #[error("KMS key {0:?} is disabled")]
    KeyDisabled(String),
    /// A [`KmsAnswers`] has no answer to the question yet: the server is to ask its KMS
    /// ([`KmsAnswers::take_request`]) and run the flow again ([`with_async_kms`] does).
    #[error("a KMS answer is awaited (drive the flow with kms::with_async_kms)")]
    Pending,
}

/// A freshly generated data key: the plaintext to seal an object key under, and the sealed
/// blob the server stores beside the object.
#[derive(Debug)]
pub struct GeneratedKey {
    /// The id of the KMS key that sealed it.
    pub key_id: String,
    /// The plaintext data key (zeroized on drop).
    pub plaintext: DataKey,
    /// The opaque sealed data key to store.
    pub ciphertext: Vec<u8>,
}

/// A key-management service: generates data keys under a named key and decrypts them again.
/// Implementations must bind each blob to the context (as associated data).
pub trait KeyProvider {
    /// The key id used when a request names none (SSE-S3).
    fn default_key_id(&self) -> &str;

    /// Generates a data key under `key_id`, bound to `context`.
    fn generate_key(&self, key_id: &str, context: &Context) -> Result<GeneratedKey, KmsError>;

    /// Decrypts a data key generated under `key_id` with the same `context`.
    fn decrypt_key(
        &self,
        key_id: &str,
        ciphertext: &[u8],
        context: &Context,
    ) -> Result<DataKey, KmsError>;
}

/// Length of a [`StaticKms`] blob: sealed key (32) ‖ tag (16) ‖ iv (16) ‖ nonce (12).
pub const STATIC_BLOB_LEN: usize = 76;

/// MinIO's builtin single-key KMS (`internal/kms/secret-key.go`): one named 256-bit master
/// key. A data key is sealed with AES-256-GCM under `HMAC-SHA256(master, iv)`, with the
/// canonical context as AAD, and stored as `ciphertext ‖ tag ‖ iv(16) ‖ nonce(12)`
/// (76 bytes, the format KES and MinKMS also use).
pub struct StaticKms {
    key_id: String,
    master: WrappingKey,
}

impl core::fmt::Debug for StaticKms {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("StaticKms")
            .field("key_id", &self.key_id)
            .field("master", &"<redacted>")
            .finish()
    }
}

impl StaticKms {
    /// A provider with master key `master` named `key_id`.
    pub fn new(key_id: &str, master: WrappingKey) -> Self {
        Self {
            key_id: key_id.to_owned(),
            master,
        }
    }

    /// Parses MinIO's `MINIO_KMS_SECRET_KEY` value `name:base64-of-32-bytes`.
    pub fn from_env_value(value: &str) -> Result<Self, KmsError> {
        let (name, b64) = value
            .split_once(':')
            .ok_or(KmsError::InvalidConfig("expected <key-id>:<base64 key>"))?;
        if name.is_empty() {
            return Err(KmsError::InvalidConfig("empty key id"));
        }
        let raw = zeroize::Zeroizing::new(
            crate::encoding::decode_base64_padded(b64.as_bytes(), false)
                .ok_or(KmsError::InvalidConfig("key is not padded standard base64"))?,
        );
        let master = WrappingKey::from_slice(&raw).map_err(|e| match e {
            KeyError::WrongLength { .. } => KmsError::InvalidConfig("key must be 32 bytes"),
            _ => KmsError::InvalidConfig("bad key"),
        })?;
        Ok(Self::new(name, master))
    }

    /// The key id.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    fn check_id(&self, key_id: &str) -> Result<(), KmsError> {
        if key_id == self.key_id {
            Ok(())
        } else {
            Err(KmsError::KeyNotFound(key_id.to_owned()))
        }
    }

    fn aead(&self, iv: &[u8]) -> Aead {
        let mut k = crate::kdf::hmac_sha256(self.master.expose_secret(), &[iv]);
        let aead = Aead::new(Algorithm::Aes256Gcm, &k);
        zeroize::Zeroize::zeroize(&mut k);
        aead
    }

    /// [`KeyProvider::generate_key`] with the caller's randomness: `random` is the 28 bytes
    /// MinIO draws first (iv ‖ nonce), `plaintext` the data key it draws next. For replaying
    /// vectors; otherwise use the trait method.
    pub fn generate_key_with(
        &self,
        key_id: &str,
        context: &Context,
        random: &[u8; 28],
        plaintext: DataKey,
    ) -> Result<GeneratedKey, KmsError> {
        self.check_id(key_id)?;
        let (iv, nonce) = random.split_at(16);
        let nonce: &[u8; 12] = nonce.try_into().map_err(|_| KmsError::Random)?;
        let mut blob = vec![0u8; STATIC_BLOB_LEN];
        let tag = self
            .aead(iv)
            .seal(
                nonce,
                &context.marshal(),
                plaintext.expose_secret(),
                &mut blob[..32],
            )
            .map_err(|_| KmsError::Random)?;
        blob[32..48].copy_from_slice(&tag);
        blob[48..64].copy_from_slice(iv);
        blob[64..].copy_from_slice(nonce);
        Ok(GeneratedKey {
            key_id: self.key_id.clone(),
            plaintext,
            ciphertext: blob,
        })
    }
}

impl KeyProvider for StaticKms {
    fn default_key_id(&self) -> &str {
        &self.key_id
    }

    fn generate_key(&self, key_id: &str, context: &Context) -> Result<GeneratedKey, KmsError> {
        let random = crate::rng::bytes::<28>().ok_or(KmsError::Random)?;
        // The data key is filled in place and taken (wiped), not copied by value.
        let mut dek = [0u8; 32];
        getrandom::fill(&mut dek).map_err(|_| KmsError::Random)?;
        self.generate_key_with(key_id, context, &random, DataKey::take(&mut dek))
    }

    fn decrypt_key(
        &self,
        key_id: &str,
        ciphertext: &[u8],
        context: &Context,
    ) -> Result<DataKey, KmsError> {
        self.check_id(key_id)?;
        // A binary blob starts with its random IV, so 1 in 256 starts with '{': only a blob
        // that is not 76 bytes long and is framed by braces is MinIO's pre-2021 JSON format
        // ({"aead":...,"iv":...,"nonce":...,"bytes":...}, always longer), as MinIO decides.
        if ciphertext.len() != STATIC_BLOB_LEN
            && ciphertext.first() == Some(&b'{')
            && ciphertext.last() == Some(&b'}')
        {
            return Err(KmsError::InvalidCiphertext(
                "legacy JSON data-key format is not supported",
            ));
        }
        if ciphertext.len() != STATIC_BLOB_LEN {
            return Err(KmsError::InvalidCiphertext("expected 76 bytes"));
        }
        let (sealed, rest) = ciphertext.split_at(48);
        let (iv, nonce) = rest.split_at(16);
        let nonce: &[u8; 12] = nonce
            .try_into()
            .map_err(|_| KmsError::InvalidCiphertext("expected 76 bytes"))?;
        let mut tag = [0u8; 16];
        tag.copy_from_slice(&sealed[32..]);
        let mut out = [0u8; 32];
        self.aead(iv)
            .open(nonce, &context.marshal(), &sealed[..32], &mut out, &tag)
            .map_err(|_| KmsError::DecryptionFailed)?;
        Ok(DataKey::take(&mut out))
    }
}

/// Key rotation across providers: generates with the newest, decrypts with whichever holds
/// the blob's key id (newest first when several share an id, as a rotated single-key MinIO
/// KMS does).
pub struct Keyring<P> {
    providers: Vec<P>,
}

impl<P> core::fmt::Debug for Keyring<P> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Keyring")
            .field("providers", &self.providers.len())
            .finish()
    }
}

impl<P: KeyProvider> Keyring<P> {
    /// A keyring whose only provider is `newest`.
    pub fn new(newest: P) -> Self {
        Self {
            providers: vec![newest],
        }
    }

    /// Adds an older provider, used for decryption only.
    pub fn with_old(mut self, old: P) -> Self {
        self.providers.push(old);
        self
    }

    /// Makes `newest` the provider new data keys come from; the previous newest stays for
    /// decryption.
    pub fn rotate(&mut self, newest: P) {
        self.providers.insert(0, newest);
    }

    fn newest(&self) -> &P {
        // `new` puts one provider in and nothing removes any.
        &self.providers[0]
    }
}

impl<P: KeyProvider> KeyProvider for Keyring<P> {
    fn default_key_id(&self) -> &str {
        self.newest().default_key_id()
    }

    fn generate_key(&self, key_id: &str, context: &Context) -> Result<GeneratedKey, KmsError> {
        self.newest().generate_key(key_id, context)
    }

    fn decrypt_key(
        &self,
        key_id: &str,
        ciphertext: &[u8],
        context: &Context,
    ) -> Result<DataKey, KmsError> {
        let mut last = KmsError::KeyNotFound(key_id.to_owned());
        for p in &self.providers {
            match p.decrypt_key(key_id, ciphertext, context) {
                Ok(k) => return Ok(k),
                Err(KmsError::KeyNotFound(_)) => {}
                Err(e) => last = e,
            }
        }
        Err(last)
    }
}

/// Several named [`StaticKms`] keys behind one provider: data keys are generated and
/// decrypted under the key a request names (SSE-KMS `x-amz-server-side-encryption-aws-kms-key-id`,
/// a bucket's `KMSMasterKeyID`); the first key is the default (SSE-S3). Key ids are opaque
/// strings: a UUID like a Barbican secret id, or a name like `testkey-1`.
#[derive(Debug)]
pub struct StaticKeys {
    keys: Vec<StaticKms>,
}

impl StaticKeys {
    /// A provider whose default (and so far only) key is `first`.
    pub fn new(first: StaticKms) -> Self {
        Self { keys: vec![first] }
    }

    /// Adds a key; a second key with the same id is refused.
    pub fn with(mut self, key: StaticKms) -> Result<Self, KmsError> {
        if self.get(key.key_id()).is_some() {
            return Err(KmsError::InvalidConfig("two keys share one id"));
        }
        self.keys.push(key);
        Ok(self)
    }

    /// Parses `id:base64,id:base64,…` (each as in [`StaticKms::from_env_value`]); the
    /// first is the default.
    pub fn from_env_value(value: &str) -> Result<Self, KmsError> {
        let mut it = value.split(',').map(str::trim).filter(|s| !s.is_empty());
        let first = it.next().ok_or(KmsError::InvalidConfig("no key"))?;
        it.try_fold(Self::new(StaticKms::from_env_value(first)?), |ks, v| {
            ks.with(StaticKms::from_env_value(v)?)
        })
    }

    /// The key ids, default first.
    pub fn key_ids(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(StaticKms::key_id)
    }

    fn get(&self, key_id: &str) -> Option<&StaticKms> {
        self.keys.iter().find(|k| k.key_id() == key_id)
    }

    fn key(&self, key_id: &str) -> Result<&StaticKms, KmsError> {
        self.get(key_id)
            .ok_or_else(|| KmsError::KeyNotFound(key_id.to_owned()))
    }
}

impl KeyProvider for StaticKeys {
    fn default_key_id(&self) -> &str {
        // `new` puts one key in and nothing removes any.
        self.keys[0].key_id()
    }

    fn generate_key(&self, key_id: &str, context: &Context) -> Result<GeneratedKey, KmsError> {
        self.key(key_id)?.generate_key(key_id, context)
    }

    fn decrypt_key(
        &self,
        key_id: &str,
        ciphertext: &[u8],
        context: &Context,
    ) -> Result<DataKey, KmsError> {
        self.key(key_id)?.decrypt_key(key_id, ciphertext, context)
    }
}
