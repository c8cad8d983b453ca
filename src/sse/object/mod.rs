//! One call per S3 operation: what to store on PUT, the object key on GET/HEAD, and key
//! rotation, for SSE-C, SSE-S3 and SSE-KMS, the way MinIO does them
//! (`cmd/encryption-v1.go`). The object data itself is a DARE 2.0 stream under the
//! returned object key ([`crate::dare`]); multipart parts use
//! [`part_key`](super::multipart::part_key).
//!
//! ```
//! use s3crypt::keys::CustomerKey;
//! use s3crypt::sse::object::{self, KeySource, PutRandom};
//! use s3crypt::sse::{UnsealOptions, metadata::EncryptionMetadata};
//!
//! let customer = CustomerKey::new([7; 32]);
//! // PUT: a fresh object key, and the metadata to store beside the object.
//! let put = object::put_sse_c(&customer, "bucket", "photo.jpg", PutRandom::generate()?)?;
//! let stored = put.metadata.to_minio();
//! // GET: decode the metadata and unseal the object key with the customer key.
//! let meta = EncryptionMetadata::from_minio(stored.iter().map(|(k, v)| (k.as_str(), v.as_str())))?
//!     .expect("encrypted");
//! let oek = object::object_key(&meta, KeySource::Customer(&customer), "bucket", "photo.jpg",
//!     UnsealOptions::new())?;
//! assert_eq!(oek, put.object_key);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod binding;
mod body;
pub mod codec;
mod flows;

pub use body::{BodyDecryptor, BodyEncryptor};
pub use codec::{MetadataCodec, MinioCodec, UserMetadataCodec};
pub use flows::{
    ContentRange, CopyPlan, CopySource, GetPlan, KitError, NewObject, NewPart, PartPlan, PutPlan,
    Read, ServerKit, StoredObject, StoredPart, UploadPlan, Written, multipart_etag,
};

use super::metadata::{EncryptionMetadata, StoredDataKey};
use super::seal::{IV_LEN, SealError, SealedKey, UnsealOptions, generate_object_key_with, random};
use super::{Domain, path_join};
use crate::dare::CipherSuite;
use crate::keys::{CustomerKey, DataKey, ExternalKey, ObjectKey};
use crate::kms::{Context, GeneratedKey, KeyProvider, KmsError};

/// Why an object-level operation failed. Each maps to the S3 error MinIO answers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ObjectError {
    /// Sealing or unsealing failed (wrong key, bucket, object, tampered metadata, ...).
    #[error(transparent)]
    Seal(#[from] SealError),
    /// The key provider failed.
    #[error(transparent)]
    Kms(#[from] KmsError),
    /// The key source does not fit the object's encryption (a customer key for an SSE-S3
    /// object, a KMS for an SSE-C one).
    #[error("the object is encrypted with {stored}; the request supplies a key for {given}")]
    WrongKeySource {
        /// The object's SSE type.
        stored: &'static str,
        /// What the caller supplied.
        given: &'static str,
    },
    /// SSE-S3/SSE-KMS metadata without a KMS data key (MinIO's old K/V master-key mode),
    /// which this crate cannot decrypt.
    #[error("the object's metadata holds no KMS data key")]
    MissingDataKey,
}

impl ObjectError {
    /// The S3 error code a server answers.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Seal(SealError::KeyMismatch) => "AccessDenied",
            Self::Seal(SealError::UnboundName(_)) => "XMinioInvalidObjectName",
            Self::WrongKeySource { .. } => "InvalidRequest",
            Self::Kms(KmsError::KeyNotFound(_)) => "KMS.NotFoundException",
            Self::Kms(KmsError::KeyDisabled(_)) => "KMS.DisabledException",
            Self::Kms(KmsError::Unavailable(_)) => "ServiceUnavailable",
            _ => "InternalError",
        }
    }

    /// The HTTP status.
    pub fn http_status(&self) -> u16 {
        match self {
            Self::Seal(SealError::KeyMismatch) => 403,
            Self::WrongKeySource { .. }
            | Self::Kms(KmsError::KeyNotFound(_) | KmsError::KeyDisabled(_))
            | Self::Seal(SealError::UnboundName(_)) => 400,
            Self::Kms(KmsError::Unavailable(_)) => 503,
            _ => 500,
        }
    }

    /// The S3 error message.
    pub fn message(&self) -> &'static str {
        match self {
            Self::Seal(SealError::KeyMismatch) => "Access Denied.",
            Self::WrongKeySource { .. } => {
                "The encryption parameters are not applicable to this object."
            }
            Self::Kms(KmsError::KeyNotFound(_)) => "Invalid keyId",
            Self::Kms(KmsError::KeyDisabled(_)) => {
                "The request was rejected because the specified KMS key is not enabled."
            }
            Self::Kms(KmsError::Unavailable(_)) => {
                "The key management service is unavailable; please try again."
            }
            Self::Seal(SealError::UnboundName(_)) => "Object name contains unsupported characters.",
            _ => "We encountered an internal error, please try again.",
        }
    }
}

/// The random values of one PUT, in MinIO's draw order after the KMS: the object-key seed,
/// the IV, the sealed key's DARE nonce; plus the cipher suite. Give recorded values to
/// reproduce vectors; [`PutRandom::generate`] otherwise.
///
/// Not `Clone`: a PUT consumes its values, so one draw can never give two objects one object
/// key.
pub struct PutRandom {
    /// 32 bytes mixed into the object key.
    pub object_key_seed: [u8; 32],
    /// The sealing IV.
    pub iv: [u8; IV_LEN],
    /// The DARE nonce of the sealed key.
    pub seal_nonce: [u8; 12],
    /// The DARE cipher suite of the sealed key.
    pub suite: CipherSuite,
}

impl core::fmt::Debug for PutRandom {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PutRandom")
            .field("suite", &self.suite)
            .finish_non_exhaustive()
    }
}

impl Drop for PutRandom {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.object_key_seed);
    }
}

impl PutRandom {
    /// Fresh values from the OS and the CPU's preferred suite.
    pub fn generate() -> Result<Self, SealError> {
        Ok(Self {
            object_key_seed: random()?,
            iv: random()?,
            seal_nonce: random()?,
            suite: CipherSuite::preferred(),
        })
    }
}

/// What a PUT (or CreateMultipartUpload) produces: the object key to encrypt the body with
/// and the metadata to store.
#[derive(Debug)]
pub struct PutKeys {
    /// The object encryption key (encrypt the body, or derive part keys, with it).
    pub object_key: ObjectKey,
    /// What to store beside the object.
    pub metadata: EncryptionMetadata,
}

fn put_with(
    ext: &impl ExternalKey,
    domain: Domain,
    bucket: &str,
    object: &str,
    r: &PutRandom,
) -> Result<(ObjectKey, SealedKey), SealError> {
    let oek = generate_object_key_with(ext, &r.object_key_seed);
    let sealed = SealedKey::seal_with(
        &oek,
        ext,
        r.iv,
        domain,
        bucket,
        object,
        r.suite,
        r.seal_nonce,
    )?;
    Ok((oek, sealed))
}

/// SSE-C PUT: an object key sealed under the customer key. Fails only for a name the
/// sealed key cannot be bound to ([`SealError::UnboundName`]).
pub fn put_sse_c(
    key: &CustomerKey,
    bucket: &str,
    object: &str,
    random: PutRandom,
) -> Result<PutKeys, ObjectError> {
    let (object_key, sealed_key) = put_with(key, Domain::SseC, bucket, object, &random)?;
    Ok(PutKeys {
        object_key,
        metadata: EncryptionMetadata {
            domain: Domain::SseC,
            sealed_key,
            data_key: None,
            context: None,
            multipart: false,
        },
    })
}

/// The KMS context MinIO binds a data key to: SSE-S3 `{bucket: bucket/object}`; SSE-KMS the
/// client's context plus `bucket → bucket/object` unless the client set that key.
pub fn kms_context(
    domain: Domain,
    client: Option<&Context>,
    bucket: &str,
    object: &str,
) -> Context {
    match domain {
        Domain::SseKms => {
            let mut c = client.cloned().unwrap_or_default();
            c.insert_if_absent(bucket, &path_join(bucket, object));
            c
        }
        _ => Context::for_object(bucket, object),
    }
}

/// SSE-S3 or SSE-KMS PUT with a data key the caller already obtained (from a remote,
/// async KMS, say) for [`kms_context`]`(domain, client_context, bucket, object)`.
/// `client_context` is stored as sent (SSE-KMS only).
pub fn put_with_data_key(
    domain: Domain,
    data_key: GeneratedKey,
    client_context: Option<Context>,
    bucket: &str,
    object: &str,
    random: PutRandom,
) -> Result<PutKeys, ObjectError> {
    if domain == Domain::SseC {
        return Err(ObjectError::WrongKeySource {
            stored: "SSE-C",
            given: "a KMS data key",
        });
    }
    let (object_key, sealed_key) = put_with(&data_key.plaintext, domain, bucket, object, &random)?;
    Ok(PutKeys {
        object_key,
        metadata: EncryptionMetadata {
            domain,
            sealed_key,
            data_key: Some(StoredDataKey {
                key_id: data_key.key_id,
                ciphertext: data_key.ciphertext,
            }),
            context: if domain == Domain::SseKms {
                client_context.filter(|c| !c.is_empty())
            } else {
                None
            },
            multipart: false,
        },
    })
}

/// SSE-S3 PUT: a data key from `kms` under its default key.
pub fn put_sse_s3(
    kms: &dyn KeyProvider,
    bucket: &str,
    object: &str,
    random: PutRandom,
) -> Result<PutKeys, ObjectError> {
    super::binding_name(bucket, object)?; // refuse before asking the KMS
    let ctx = kms_context(Domain::SseS3, None, bucket, object);
    let dk = kms.generate_key(kms.default_key_id(), &ctx)?;
    put_with_data_key(Domain::SseS3, dk, None, bucket, object, random)
}

/// SSE-KMS PUT: a data key from `kms` under `key_id`, bound to the client's context.
pub fn put_sse_kms(
    kms: &dyn KeyProvider,
    key_id: &str,
    client_context: Option<Context>,
    bucket: &str,
    object: &str,
    random: PutRandom,
) -> Result<PutKeys, ObjectError> {
    super::binding_name(bucket, object)?; // refuse before asking the KMS
    let ctx = kms_context(Domain::SseKms, client_context.as_ref(), bucket, object);
    let dk = kms.generate_key(key_id, &ctx)?;
    put_with_data_key(Domain::SseKms, dk, client_context, bucket, object, random)
}

/// What unseals an object key on GET/HEAD/COPY.
#[derive(Clone, Copy)]
pub enum KeySource<'a> {
    /// The SSE-C customer key from the request.
    Customer(&'a CustomerKey),
    /// A key provider that decrypts the stored data key.
    Kms(&'a dyn KeyProvider),
    /// A data key the caller decrypted itself (remote, async KMS).
    DataKey(&'a DataKey),
}

impl core::fmt::Debug for KeySource<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::Customer(_) => "KeySource::Customer(<redacted>)",
            Self::Kms(_) => "KeySource::Kms",
            Self::DataKey(_) => "KeySource::DataKey(<redacted>)",
        })
    }
}

/// Decrypts the stored data key of an SSE-S3/SSE-KMS object with `kms` (the step to run
/// against a remote KMS yourself when it is async).
pub fn decrypt_data_key(
    meta: &EncryptionMetadata,
    kms: &dyn KeyProvider,
    bucket: &str,
    object: &str,
) -> Result<DataKey, ObjectError> {
    let dk = meta.data_key.as_ref().ok_or(ObjectError::MissingDataKey)?;
    let ctx = kms_context(meta.domain, meta.context.as_ref(), bucket, object);
    Ok(kms.decrypt_key(&dk.key_id, &dk.ciphertext, &ctx)?)
}

/// The object key of a stored object (GET, HEAD, COPY source).
pub fn object_key(
    meta: &EncryptionMetadata,
    source: KeySource<'_>,
    bucket: &str,
    object: &str,
    opts: UnsealOptions,
) -> Result<ObjectKey, ObjectError> {
    let sk = &meta.sealed_key;
    match (meta.domain, source) {
        (Domain::SseC, KeySource::Customer(k)) => {
            Ok(sk.unseal(k, Domain::SseC, bucket, object, opts)?)
        }
        (Domain::SseC, _) => Err(ObjectError::WrongKeySource {
            stored: "SSE-C",
            given: "a KMS key",
        }),
        (d, KeySource::Kms(kms)) => {
            let dek = decrypt_data_key(meta, kms, bucket, object)?;
            Ok(sk.unseal(&dek, d, bucket, object, opts)?)
        }
        (d, KeySource::DataKey(dek)) => Ok(sk.unseal(dek, d, bucket, object, opts)?),
        (d, KeySource::Customer(_)) => Err(ObjectError::WrongKeySource {
            stored: if d == Domain::SseS3 {
                "SSE-S3"
            } else {
                "SSE-KMS"
            },
            given: "an SSE-C customer key",
        }),
    }
}

#[allow(clippy::too_many_arguments)] // the rotation inputs plus recorded randomness
/// SSE-C key rotation (a COPY onto itself with a new customer key): re-seals the object
/// key under `new` with the same IV, as MinIO does. The data is not touched. A legacy
/// sealed key is upgraded when `opts` allows reading it.
pub fn rotate_sse_c(
    meta: &EncryptionMetadata,
    old: &CustomerKey,
    new: &CustomerKey,
    bucket: &str,
    object: &str,
    opts: UnsealOptions,
    seal_nonce: [u8; 12],
    suite: CipherSuite,
) -> Result<EncryptionMetadata, ObjectError> {
    if meta.domain != Domain::SseC {
        return Err(ObjectError::WrongKeySource {
            stored: if meta.domain == Domain::SseS3 {
                "SSE-S3"
            } else {
                "SSE-KMS"
            },
            given: "an SSE-C customer key",
        });
    }
    let sealed_key = meta.sealed_key.reseal_with(
        old,
        new,
        meta.sealed_key.iv,
        Domain::SseC,
        bucket,
        object,
        opts,
        suite,
        seal_nonce,
    )?;
    Ok(EncryptionMetadata {
        sealed_key,
        ..meta.clone()
    })
}

/// SSE-S3/SSE-KMS key rotation: unseals with the stored data key (through `kms`, which may
/// be a [`crate::kms::Keyring`] holding the old key), then seals the same object key under
/// a new data key from `kms` (under `new_key_id`, or the old key id) with a new IV. The data
/// is not touched.
pub fn rotate_kms(
    meta: &EncryptionMetadata,
    kms: &dyn KeyProvider,
    new_key_id: Option<&str>,
    bucket: &str,
    object: &str,
    random: PutRandom,
) -> Result<EncryptionMetadata, ObjectError> {
    let oek = object_key(
        meta,
        KeySource::Kms(kms),
        bucket,
        object,
        UnsealOptions::new(),
    )?;
    let old_id = meta.data_key.as_ref().map(|d| d.key_id.as_str());
    let key_id = new_key_id.or(old_id).unwrap_or(kms.default_key_id());
    let ctx = kms_context(meta.domain, meta.context.as_ref(), bucket, object);
    let dk = kms.generate_key(key_id, &ctx)?;
    let sealed_key = SealedKey::seal_with(
        &oek,
        &dk.plaintext,
        random.iv,
        meta.domain,
        bucket,
        object,
        random.suite,
        random.seal_nonce,
    )?;
    Ok(EncryptionMetadata {
        sealed_key,
        data_key: Some(StoredDataKey {
            key_id: dk.key_id,
            ciphertext: dk.ciphertext,
        }),
        ..meta.clone()
    })
}
