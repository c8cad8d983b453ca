//! The server kit: one call per S3 operation.

use std::collections::BTreeMap;

use md5::{Digest as _, Md5};

use super::binding;
use super::body::{BodyDecryptor, BodyEncryptor, Segment};
use super::codec::MetadataCodec;
use super::{KeySource, ObjectError, PutRandom, object_key, put_sse_c, put_sse_kms, put_sse_s3};
use crate::dare::range::{decrypted_size, package_range};
use crate::dare::{CipherSuite, DareError, DecryptOptions, Decryptor, Encryptor};
use crate::encoding::{hex, unhex};
use crate::headers::range::{RangeError, RangeSpec};
use crate::headers::{Encryption, SseError, SseRequest, StoredEncryption, StoredState};
use crate::kdf::hmac_sha256;
use crate::keys::{BindingKey, CustomerKey, KeyMd5, ObjectKey};
use crate::kms::{Context, KeyProvider};
use crate::sse::bucket::{BucketEncryption, DefaultEncryption};
use crate::sse::etag::{client_etag, etag_key, seal_etag};
use crate::sse::metadata::{EncryptionMetadata, MetadataError, StoredDataKey};
use crate::sse::multipart::part_key;
use crate::sse::seal::{SealError, SealedKey, UnsealOptions};
use crate::sse::{Domain, binding_name};

/// Why an operation is refused, with the S3 answer ([`code`](Self::code),
/// [`http_status`](Self::http_status), [`message`](Self::message)). Never holds a key.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KitError {
    /// The request's SSE headers do not fit the operation or the stored object (missing or
    /// wrong key, key on an unencrypted object, part key differing from its upload's, …).
    #[error(transparent)]
    Request(#[from] SseError),
    /// Key generation, sealing or the KMS failed.
    #[error(transparent)]
    Object(#[from] ObjectError),
    /// The stored metadata could not be decoded.
    #[error(transparent)]
    Metadata(#[from] MetadataError),
    /// The `Range` cannot be served (416).
    #[error("{0}")]
    Range(RangeError),
    /// `partNumber` names no part of the object (416).
    #[error("the object has no part {0}")]
    InvalidPartNumber(u32),
    /// A part ETag given to CompleteMultipartUpload is not one this server returned.
    #[error("a part ETag is not a 32-hex-digit ETag")]
    InvalidPart,
    /// The stored sizes are impossible, or the body failed to encrypt or authenticate.
    #[error(transparent)]
    Body(#[from] DareError),
    /// An encryption this server does not write (DSSE-KMS).
    #[error("{0} is not supported by this server")]
    NotImplemented(&'static str),
    /// SSE-S3 or SSE-KMS without a key provider.
    #[error("server-side encryption with a KMS was requested but no KMS is configured")]
    KmsNotConfigured,
    /// CopyObject onto itself without changing metadata or encryption.
    #[error("an object copied onto itself must change its metadata or encryption")]
    CopyToItself,
    /// What storage holds contradicts what was written (an emptied object whose sealed
    /// ETag is not that of empty content, …): answered as an internal error, never as
    /// other bytes.
    #[error("the stored object contradicts its sealed metadata: {0}")]
    StoredObjectTampered(&'static str),
    /// CompleteMultipartUpload of an SSE-C upload without the SSE-C key, in a layout that
    /// binds the part list under the object key (the key, or the upload's binding key, is
    /// needed to write the binding).
    #[error("completing an SSE-C upload in this layout needs the SSE-C key headers")]
    SseCKeyRequired,
    /// CompleteMultipartUpload with an empty part before the last (a reader could not tell
    /// it from storage dropping the part's bytes).
    #[error("a part before the last is empty")]
    EntityTooSmall,
}

impl From<crate::kms::KmsError> for KitError {
    fn from(e: crate::kms::KmsError) -> Self {
        Self::Object(ObjectError::Kms(e))
    }
}

impl From<SealError> for KitError {
    fn from(e: SealError) -> Self {
        Self::Object(ObjectError::Seal(e))
    }
}

impl KitError {
    /// The S3 error code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Request(e) => e.code().unwrap_or("BadRequest"),
            Self::Object(e) => e.code(),
            Self::Range(_) => "InvalidRange",
            Self::InvalidPartNumber(_) => "InvalidPartNumber",
            Self::InvalidPart => "InvalidPart",
            Self::NotImplemented(_) | Self::KmsNotConfigured => "NotImplemented",
            Self::CopyToItself | Self::SseCKeyRequired => "InvalidRequest",
            Self::EntityTooSmall => "EntityTooSmall",
            Self::Metadata(_) | Self::Body(_) | Self::StoredObjectTampered(_) => "InternalError",
        }
    }

    /// The HTTP status.
    pub fn http_status(&self) -> u16 {
        match self {
            Self::Request(e) => e.http_status(),
            Self::Object(e) => e.http_status(),
            Self::Range(_) | Self::InvalidPartNumber(_) => 416,
            Self::InvalidPart
            | Self::CopyToItself
            | Self::SseCKeyRequired
            | Self::EntityTooSmall => 400,
            Self::NotImplemented(_) | Self::KmsNotConfigured => 501,
            Self::Metadata(_) | Self::Body(_) | Self::StoredObjectTampered(_) => 500,
        }
    }

    /// The S3 error message.
    pub fn message(&self) -> &'static str {
        match self {
            Self::Request(e) => e.message(),
            Self::Object(e) => e.message(),
            Self::Range(_) => "The requested range is not satisfiable",
            Self::InvalidPartNumber(_) => "The requested partnumber is not satisfiable",
            Self::InvalidPart => {
                "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag."
            }
            Self::NotImplemented(_) => {
                "A header you provided implies functionality that is not implemented"
            }
            Self::KmsNotConfigured => "Server side encryption specified but KMS is not configured",
            Self::SseCKeyRequired => {
                "The object was uploaded with SSE-C: CompleteMultipartUpload must carry the same SSE-C key headers"
            }
            Self::EntityTooSmall => {
                "Your proposed upload is smaller than the minimum allowed object size."
            }
            Self::CopyToItself => {
                "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes."
            }
            Self::Metadata(_) | Self::Body(_) | Self::StoredObjectTampered(_) => {
                "We encountered an internal error. Please try again."
            }
        }
    }
}

/// One stored part of an object: its S3 part number and stored size. A single-part object
/// is one entry (its number is not used).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoredPart {
    /// The S3 part number (1 to 10000).
    pub number: u32,
    /// Stored bytes.
    pub stored_size: u64,
}

/// What a server has stored for an object.
#[derive(Clone, Copy, Debug)]
pub struct StoredObject<'a> {
    /// Every entry stored beside the object (the codec picks its own).
    pub metadata: &'a BTreeMap<String, String>,
    /// The stored parts in order (one for a single-part object).
    pub parts: &'a [StoredPart],
    /// The stored ETag (as [`Written::stored_etag`] gave it).
    pub etag: &'a str,
}

/// The source of a CopyObject or UploadPartCopy.
#[derive(Clone, Copy, Debug)]
pub struct CopySource<'a> {
    /// Source bucket.
    pub bucket: &'a str,
    /// Source object name.
    pub key: &'a str,
    /// What is stored for it.
    pub object: StoredObject<'a>,
}

/// Which bytes a GET or HEAD reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Read {
    /// The whole object.
    Whole,
    /// A `Range` header (parse it with [`RangeSpec::parse`]; a header that does not parse
    /// is ignored by S3 and MinIO: read the whole object).
    Range(RangeSpec),
    /// `partNumber=N`.
    Part(u32),
}

/// `Content-Range` of a 206 answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ContentRange {
    /// First byte.
    pub start: u64,
    /// Last byte (inclusive).
    pub end: u64,
    /// Object size.
    pub total: u64,
}

impl ContentRange {
    /// `bytes start-end/total`.
    pub fn header_value(&self) -> String {
        format!("bytes {}-{}/{}", self.start, self.end, self.total)
    }
}

/// What a GET (or HEAD) answers and how to produce its body.
#[derive(Debug)]
pub struct GetPlan {
    /// The answer's status: 206 for a range or part read, else 200.
    pub status: u16,
    /// The plaintext size of the whole object.
    pub object_size: u64,
    /// `Content-Length` of the answer.
    pub content_length: u64,
    /// For a range or part read (status 206), `Content-Range`.
    pub content_range: Option<ContentRange>,
    /// First stored byte to fetch.
    pub stored_offset: u64,
    /// Stored bytes to fetch (exactly these; [`BodyDecryptor`] refuses more or fewer).
    pub stored_length: u64,
    /// Turns the fetched stored bytes into the answer's body.
    pub body: BodyDecryptor,
    /// The ETag to show (without quotes).
    pub etag: String,
    /// `x-amz-mp-parts-count`, for a multipart object read with `partNumber`.
    pub parts_count: Option<u32>,
    /// The SSE headers to answer with.
    pub response_headers: Vec<(&'static str, String)>,
}

impl GetPlan {
    /// 206 for a range or part read, else 200.
    pub fn http_status(&self) -> u16 {
        if self.content_range.is_some() {
            206
        } else {
            200
        }
    }
}

/// What a write produced, once its body is through: the entries to store (replace every
/// entry the codec [owns](MetadataCodec::owns)), the ETag to store and the one to show,
/// and the SSE headers to answer with.
#[derive(Debug)]
pub struct Written {
    /// The codec's entries (empty for an unencrypted object).
    pub metadata: BTreeMap<String, String>,
    /// The ETag to store (give it back in [`StoredObject::etag`]).
    pub stored_etag: String,
    /// The ETag to show (without quotes).
    pub etag: String,
    /// The SSE headers to answer with.
    pub response_headers: Vec<(&'static str, String)>,
}

/// A new object (PutObject, CopyObject's destination) waiting for its body's MD5.
#[derive(Debug)]
pub struct NewObject {
    encrypted: Option<(EncryptionMetadata, ObjectKey)>,
    response_headers: Vec<(&'static str, String)>,
    codec_entries: BTreeMap<String, String>,
    /// The codec's binding entry and the object's name, when the layout binds objects.
    binding: Option<(String, String, String)>,
}

impl NewObject {
    /// The SSE headers the answer carries.
    pub fn response_headers(&self) -> &[(&'static str, String)] {
        &self.response_headers
    }

    /// Finishes the write with the MD5 of the plaintext body and the stored size (both from
    /// the body: `BodyEncryptor::finish` gives the size): seals the MD5 as the stored ETag of
    /// an encrypted object (MinIO's layout) and, in a layout that binds objects, binds the
    /// object's name and stored size under its key.
    pub fn complete(self, content_md5: &[u8; 16], stored_size: u64) -> Result<Written, KitError> {
        let mut entries = self.codec_entries;
        let (stored_etag, etag) = match &self.encrypted {
            None => (hex(content_md5), hex(content_md5)),
            Some((meta, oek)) => {
                if let Some((entry, bucket, key)) = &self.binding {
                    let part = StoredPart {
                        number: 1,
                        stored_size,
                    };
                    let tag = binding::tag(&binding::key_of(oek), bucket, key, false, &[part])?;
                    entries.insert(entry.clone(), binding::encode(&tag));
                }
                let stored = hex(&seal_etag(oek, content_md5)?);
                let shown = client_etag(meta.domain, &stored, oek)?;
                (stored, shown)
            }
        };
        Ok(Written {
            metadata: entries,
            stored_etag,
            etag,
            response_headers: self.response_headers,
        })
    }
}

/// PutObject: the body transformer and the object waiting for it.
#[derive(Debug)]
pub struct PutPlan {
    /// Encrypt the uploaded body through this; store what it yields.
    pub body: BodyEncryptor,
    /// Complete with the plaintext MD5 once the body is through.
    pub object: NewObject,
}

/// CopyObject: either new metadata only, or a rewrite of the data.
#[derive(Debug)]
pub enum CopyPlan {
    /// The object copied onto itself with another key or encryption: store these entries,
    /// leave the data as it is (the object key is re-sealed, not the data re-encrypted).
    Reseal(Written),
    /// Read the source through `source` and write it through `dest`.
    Rewrite {
        /// The source read (whole object).
        source: Box<GetPlan>,
        /// The destination write.
        dest: Box<PutPlan>,
    },
}

/// CreateMultipartUpload: the entries to keep with the upload (and, on completion, with
/// the object) and the headers to answer with.
#[derive(Debug)]
pub struct UploadPlan {
    /// The codec's entries (empty for an unencrypted upload).
    pub metadata: BTreeMap<String, String>,
    /// The SSE headers to answer with.
    pub response_headers: Vec<(&'static str, String)>,
    /// In a layout that binds objects ([`MetadataCodec::binding_entry`]), the key the
    /// completed object's binding is computed under. Keep it sealed
    /// ([`BindingKey::seal`]) with the upload and give it to
    /// [`ServerKit::complete_multipart_upload_with_binding_key`]: an SSE-C upload then
    /// completes without the customer key (the aws cli sends none). `None` otherwise.
    pub binding_key: Option<BindingKey>,
}

/// UploadPart (and UploadPartCopy's destination): the body transformer and the part
/// waiting for it.
#[derive(Debug)]
pub struct PartPlan {
    /// Encrypt the part's body through this (its own key and a fresh nonce).
    pub body: BodyEncryptor,
    /// Complete with the part's plaintext MD5.
    pub part: NewPart,
}

/// A part waiting for its body's MD5.
#[derive(Debug)]
pub struct NewPart {
    key: Option<(Domain, ObjectKey)>,
    number: u32,
    response_headers: Vec<(&'static str, String)>,
}

impl NewPart {
    /// The part's ETag (to store with the part and show) and the SSE headers to answer
    /// with. SSE-C and SSE-KMS parts do not show their MD5 (as S3): their ETag is a MAC of
    /// it under the object's ETag key.
    pub fn complete(self, content_md5: &[u8; 16]) -> (String, Vec<(&'static str, String)>) {
        let etag = match &self.key {
            None | Some((Domain::SseS3, _)) => hex(content_md5),
            Some((_, oek)) => {
                let k = etag_key(oek);
                let mac = hmac_sha256(
                    k.expose_secret(),
                    &[&self.number.to_le_bytes(), content_md5],
                );
                hex(&mac[..16])
            }
        };
        (etag, self.response_headers)
    }
}

/// The destination encryption a write resolves to.
enum Target<'r> {
    None,
    SseC(&'r CustomerKey),
    SseS3,
    SseKms {
        key_id: String,
        context: Option<Context>,
    },
}

/// The server kit: one call per S3 operation for SSE-C, SSE-S3 and SSE-KMS. It judges the
/// parsed request ([`crate::headers::parse`]) against the bucket's default encryption and
/// what is stored, and returns what to store, what to answer and a body transformer. Keys
/// come from the request (SSE-C) or the [`KeyProvider`]; stored entries go through the
/// [`MetadataCodec`]; randomness is drawn inside (the `_with` forms take it).
///
/// Sans-IO: a server fetches and stores bytes itself.
pub struct ServerKit<'a> {
    kms: Option<&'a dyn KeyProvider>,
    codec: &'a dyn MetadataCodec,
    unseal: UnsealOptions,
    suite: CipherSuite,
}

impl core::fmt::Debug for ServerKit<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ServerKit")
            .field("kms", &self.kms.is_some())
            .field("suite", &self.suite)
            .finish_non_exhaustive()
    }
}

impl<'a> ServerKit<'a> {
    /// A kit storing entries through `codec`, without a KMS (SSE-C only; SSE-S3 and
    /// SSE-KMS answer 501).
    pub fn new(codec: &'a dyn MetadataCodec) -> Self {
        Self {
            kms: None,
            codec,
            unseal: UnsealOptions::new(),
            suite: CipherSuite::preferred(),
        }
    }

    /// Uses `kms` for SSE-S3 and SSE-KMS.
    pub fn with_kms(mut self, kms: &'a dyn KeyProvider) -> Self {
        self.kms = Some(kms);
        self
    }

    /// How stored sealed keys may be read (legacy opt-ins).
    pub fn with_unseal_options(mut self, opts: UnsealOptions) -> Self {
        self.unseal = opts;
        self
    }

    /// The DARE suite new bodies are written with (default: the CPU's preferred one).
    pub fn with_suite(mut self, suite: CipherSuite) -> Self {
        self.suite = suite;
        self
    }

    fn kms(&self) -> Result<&'a dyn KeyProvider, KitError> {
        self.kms.ok_or(KitError::KmsNotConfigured)
    }

    // ----- writes -------------------------------------------------------------------

    fn target<'r>(
        &self,
        req: &'r SseRequest,
        bucket_cfg: &BucketEncryption,
    ) -> Result<Target<'r>, KitError> {
        let kms_key = |asked: Option<&String>| -> Result<String, KitError> {
            let kms = self.kms()?;
            let bucket_key = match &bucket_cfg.default {
                Some(DefaultEncryption::SseKms { key_id }) => key_id.as_deref(),
                _ => None,
            };
            Ok(asked
                .map(String::as_str)
                .or(bucket_key)
                .unwrap_or(kms.default_key_id())
                .to_owned())
        };
        Ok(match req.encryption() {
            Encryption::SseC(c) => {
                // A blocked type is refused before any key is looked at.
                if bucket_cfg.blocks_sse_c {
                    return Err(SseError::SseCBlocked.into());
                }
                Target::SseC(c.key().ok_or(SseError::InvalidKeyLength)?)
            }
            Encryption::SseS3 => {
                self.kms()?;
                Target::SseS3
            }
            Encryption::SseKms(k) => Target::SseKms {
                key_id: kms_key(k.key_id.as_ref())?,
                context: k.context.as_ref().map(|m| {
                    let mut c = Context::new();
                    for (k, v) in m {
                        c.insert(k, v);
                    }
                    c
                }),
            },
            Encryption::DsseKms(_) => return Err(KitError::NotImplemented("DSSE-KMS")),
            Encryption::None => match &bucket_cfg.default {
                None => Target::None,
                Some(DefaultEncryption::SseS3) => {
                    self.kms()?;
                    Target::SseS3
                }
                Some(DefaultEncryption::SseKms { .. }) => Target::SseKms {
                    key_id: kms_key(None)?,
                    context: None,
                },
                Some(DefaultEncryption::DsseKms { .. }) => {
                    return Err(KitError::NotImplemented("DSSE-KMS"));
                }
            },
        })
    }

    /// The object key and metadata of a new object (or upload).
    fn new_keys(
        &self,
        target: &Target<'_>,
        bucket: &str,
        key: &str,
        multipart: bool,
        random: PutRandom,
    ) -> Result<Option<(EncryptionMetadata, ObjectKey)>, KitError> {
        let put = match target {
            Target::None => return Ok(None),
            Target::SseC(k) => put_sse_c(k, bucket, key, random)?,
            Target::SseS3 => put_sse_s3(self.kms()?, bucket, key, random)?,
            Target::SseKms { key_id, context } => {
                put_sse_kms(self.kms()?, key_id, context.clone(), bucket, key, random)?
            }
        };
        let mut meta = put.metadata;
        meta.multipart = multipart;
        Ok(Some((meta, put.object_key)))
    }

    fn new_object(
        &self,
        target: &Target<'_>,
        req: &SseRequest,
        bucket: &str,
        key: &str,
        random: PutRandom,
        body_nonce: Option<[u8; 12]>,
    ) -> Result<PutPlan, KitError> {
        let encrypted = self.new_keys(target, bucket, key, false, random)?;
        let body = match &encrypted {
            None => BodyEncryptor::plain(),
            Some((_, oek)) => BodyEncryptor::dare(match body_nonce {
                Some(n) => Encryptor::with_nonce(oek, self.suite, n, 0),
                None => Encryptor::new(oek, self.suite)?,
            }),
        };
        let meta = encrypted.as_ref().map(|(m, _)| m);
        let binding = self
            .codec
            .binding_entry()
            .map(|e| (e.to_owned(), bucket.to_owned(), key.to_owned()));
        Ok(PutPlan {
            body,
            object: NewObject {
                response_headers: sse_headers(meta, req_md5(req)),
                codec_entries: meta.map(|m| self.codec.encode(m)).unwrap_or_default(),
                encrypted,
                binding,
            },
        })
    }

    /// PutObject (and PostObject): the encryption the request asks for, or the bucket's
    /// default; a fresh object key, sealed; the body encryptor (random nonce).
    pub fn put_object(
        &self,
        req: &SseRequest,
        bucket_cfg: &BucketEncryption,
        bucket: &str,
        key: &str,
    ) -> Result<PutPlan, KitError> {
        let target = self.target(req, bucket_cfg)?;
        self.new_object(&target, req, bucket, key, PutRandom::generate()?, None)
    }

    /// [`put_object`](Self::put_object) with recorded randomness (vectors): the sealing
    /// values and the body stream's nonce.
    pub fn put_object_with(
        &self,
        req: &SseRequest,
        bucket_cfg: &BucketEncryption,
        bucket: &str,
        key: &str,
        random: PutRandom,
        body_nonce: [u8; 12],
    ) -> Result<PutPlan, KitError> {
        let target = self.target(req, bucket_cfg)?;
        self.new_object(&target, req, bucket, key, random, Some(body_nonce))
    }

    // ----- reads --------------------------------------------------------------------

    /// Decodes an object's metadata, judges the request against it and unseals its key.
    /// `customer` is the SSE-C key the request supplies for this object (the destination
    /// key on GET/HEAD, the copy-source key on copies); `mismatch` the error a key that
    /// does not unseal is.
    fn open(
        &self,
        meta: Option<&EncryptionMetadata>,
        customer: Option<&crate::headers::SseCustomer>,
        bucket: &str,
        key: &str,
        mismatch: SseError,
    ) -> Result<Option<ObjectKey>, KitError> {
        let Some(meta) = meta else { return Ok(None) };
        let source = match meta.domain {
            Domain::SseC => {
                let Some(k) = customer.and_then(|c| c.key()) else {
                    return Err(mismatch.into());
                };
                KeySource::Customer(k)
            }
            _ => KeySource::Kms(self.kms()?),
        };
        match object_key(meta, source, bucket, key, self.unseal) {
            Ok(k) => Ok(Some(k)),
            Err(ObjectError::Seal(SealError::KeyMismatch)) if meta.domain == Domain::SseC => {
                Err(mismatch.into())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// GetObject: judges the request (no key for an SSE-C object, a wrong key, a key for an
    /// unencrypted object, SSE headers on GET, SigV2 for SSE-KMS), unseals the object key,
    /// and maps `read` onto the stored bytes to fetch with a decryptor bound to them.
    pub fn get_object(
        &self,
        req: &SseRequest,
        obj: &StoredObject<'_>,
        bucket: &str,
        key: &str,
        read: Read,
    ) -> Result<GetPlan, KitError> {
        let meta = self.codec.decode(obj.metadata)?;
        req.check_stored(&StoredState {
            object: Some(stored_encryption(meta.as_ref(), req.sse_c())),
            ..StoredState::default()
        })?;
        let oek = self.open(meta.as_ref(), req.sse_c(), bucket, key, SseError::WrongKey)?;
        self.check_binding(meta.as_ref(), oek.as_ref(), obj, bucket, key)?;
        read_plan(meta.as_ref(), oek.as_ref(), obj, read, req_md5(req))
    }

    /// In a layout that binds objects, an encrypted object's name and parts must match its
    /// binding (checked before any byte is fetched).
    fn check_binding(
        &self,
        meta: Option<&EncryptionMetadata>,
        oek: Option<&ObjectKey>,
        obj: &StoredObject<'_>,
        bucket: &str,
        key: &str,
    ) -> Result<(), KitError> {
        let (Some(entry), Some(meta), Some(oek)) = (self.codec.binding_entry(), meta, oek) else {
            return Ok(());
        };
        let stored = binding::stored(obj.metadata, entry).map(String::as_str);
        binding::verify(oek, bucket, key, meta.multipart, obj.parts, stored)
    }

    /// HeadObject: the same judgement and answer as [`get_object`](Self::get_object)
    /// (sizes, ETag, headers); the body is not read.
    pub fn head_object(
        &self,
        req: &SseRequest,
        obj: &StoredObject<'_>,
        bucket: &str,
        key: &str,
        read: Read,
    ) -> Result<GetPlan, KitError> {
        self.get_object(req, obj, bucket, key, read)
    }

    // ----- copies -------------------------------------------------------------------

    /// The copy source's object key, from its decoded metadata and the copy-source key.
    fn open_source(
        &self,
        req: &SseRequest,
        meta: Option<&EncryptionMetadata>,
        src: &CopySource<'_>,
    ) -> Result<Option<ObjectKey>, KitError> {
        let mismatch = SseError::ParametersMismatch;
        self.open(meta, req.copy_source(), src.bucket, src.key, mismatch)
    }

    /// CopyObject from `src` to `bucket/key`: the source read with its copy-source key (or
    /// the KMS), the destination written with the encryption the request asks for (or the
    /// bucket's default; S3 does not carry the source's encryption over). An object copied
    /// onto itself with a new encryption (an SSE-C key change, SSE-C → SSE-KMS and back, a
    /// new KMS key) is re-sealed, not re-encrypted. `metadata_replaced`: the request
    /// replaces the user metadata (`x-amz-metadata-directive: REPLACE`).
    pub fn copy_object(
        &self,
        req: &SseRequest,
        src: &CopySource<'_>,
        bucket_cfg: &BucketEncryption,
        bucket: &str,
        key: &str,
        metadata_replaced: bool,
    ) -> Result<CopyPlan, KitError> {
        let random = PutRandom::generate()?;
        self.copy(
            req,
            src,
            bucket_cfg,
            (bucket, key),
            metadata_replaced,
            random,
            None,
        )
    }

    /// [`copy_object`](Self::copy_object) with recorded randomness (vectors): the sealing
    /// values of the destination (or of the re-seal) and the rewritten body's nonce.
    #[allow(clippy::too_many_arguments)] // copy_object's inputs plus the randomness
    pub fn copy_object_with(
        &self,
        req: &SseRequest,
        src: &CopySource<'_>,
        bucket_cfg: &BucketEncryption,
        bucket: &str,
        key: &str,
        metadata_replaced: bool,
        random: PutRandom,
        body_nonce: [u8; 12],
    ) -> Result<CopyPlan, KitError> {
        let dest = (bucket, key);
        self.copy(
            req,
            src,
            bucket_cfg,
            dest,
            metadata_replaced,
            random,
            Some(body_nonce),
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn copy(
        &self,
        req: &SseRequest,
        src: &CopySource<'_>,
        bucket_cfg: &BucketEncryption,
        (bucket, key): (&str, &str),
        metadata_replaced: bool,
        random: PutRandom,
        body_nonce: Option<[u8; 12]>,
    ) -> Result<CopyPlan, KitError> {
        let src_meta = self.codec.decode(src.object.metadata)?;
        req.check_stored(&StoredState {
            source: Some(stored_encryption(src_meta.as_ref(), req.copy_source())),
            ..StoredState::default()
        })?;
        let target = self.target(req, bucket_cfg)?;
        let same = src.bucket == bucket && src.key == key;
        if same && !metadata_replaced && matches!(req.encryption(), Encryption::None) {
            return Err(KitError::CopyToItself);
        }
        let oek = self.open_source(req, src_meta.as_ref(), src)?;
        self.check_binding(
            src_meta.as_ref(),
            oek.as_ref(),
            &src.object,
            src.bucket,
            src.key,
        )?;
        if let (true, Some(meta), Some(oek)) = (same, &src_meta, &oek) {
            if !matches!(target, Target::None) {
                let new = self.reseal(meta, oek, &target, bucket, key, random)?;
                let mut metadata = self.codec.encode(&new);
                // Same object key, name and data: the (checked) binding carries over.
                if let Some(entry) = self.codec.binding_entry() {
                    if let Some(v) = binding::stored(src.object.metadata, entry) {
                        metadata.insert(entry.to_owned(), v.clone());
                    }
                }
                return Ok(CopyPlan::Reseal(Written {
                    metadata,
                    stored_etag: src.object.etag.to_owned(),
                    etag: client_etag(new.domain, src.object.etag, oek)?,
                    response_headers: sse_headers(Some(&new), req_md5(req)),
                }));
            }
        }
        let source = read_plan(
            src_meta.as_ref(),
            oek.as_ref(),
            &src.object,
            Read::Whole,
            None,
        )?;
        let dest = self.new_object(&target, req, bucket, key, random, body_nonce)?;
        Ok(CopyPlan::Rewrite {
            source: Box::new(source),
            dest: Box::new(dest),
        })
    }

    /// The same object key sealed for `target` (new IV, new data key).
    fn reseal(
        &self,
        meta: &EncryptionMetadata,
        oek: &ObjectKey,
        target: &Target<'_>,
        bucket: &str,
        key: &str,
        r: PutRandom,
    ) -> Result<EncryptionMetadata, KitError> {
        let seal = |ext: &dyn SealWith, domain| ext.seal(oek, &r, domain, bucket, key);
        let (domain, sealed_key, data_key, context) = match target {
            Target::None => unreachable_none()?,
            Target::SseC(k) => (Domain::SseC, seal(*k, Domain::SseC)?, None, None),
            Target::SseS3 | Target::SseKms { .. } => {
                let kms = self.kms()?;
                let (domain, key_id, context) = match target {
                    Target::SseKms { key_id, context } => {
                        (Domain::SseKms, key_id.as_str(), context.clone())
                    }
                    _ => (Domain::SseS3, kms.default_key_id(), None),
                };
                binding_name(bucket, key)?;
                let ctx = super::kms_context(domain, context.as_ref(), bucket, key);
                let dk = kms.generate_key(key_id, &ctx).map_err(ObjectError::from)?;
                let sealed = seal(&dk.plaintext, domain)?;
                (
                    domain,
                    sealed,
                    Some(StoredDataKey {
                        key_id: dk.key_id.clone(),
                        ciphertext: dk.ciphertext.clone(),
                    }),
                    context.filter(|c| !c.is_empty()),
                )
            }
        };
        Ok(EncryptionMetadata {
            domain,
            sealed_key,
            data_key,
            context,
            multipart: meta.multipart,
        })
    }

    // ----- multipart ----------------------------------------------------------------

    /// CreateMultipartUpload: the upload's encryption (request or bucket default), its
    /// object key sealed into the entries to keep with the upload.
    pub fn create_multipart_upload(
        &self,
        req: &SseRequest,
        bucket_cfg: &BucketEncryption,
        bucket: &str,
        key: &str,
    ) -> Result<UploadPlan, KitError> {
        self.create_multipart_upload_with(req, bucket_cfg, bucket, key, PutRandom::generate()?)
    }

    /// [`create_multipart_upload`](Self::create_multipart_upload) with recorded randomness.
    pub fn create_multipart_upload_with(
        &self,
        req: &SseRequest,
        bucket_cfg: &BucketEncryption,
        bucket: &str,
        key: &str,
        random: PutRandom,
    ) -> Result<UploadPlan, KitError> {
        let target = self.target(req, bucket_cfg)?;
        let keys = self.new_keys(&target, bucket, key, true, random)?;
        let meta = keys.as_ref().map(|(m, _)| m);
        let binding_key = keys
            .as_ref()
            .filter(|_| self.codec.binding_entry().is_some())
            .map(|(_, oek)| binding::key_of(oek));
        Ok(UploadPlan {
            metadata: meta.map(|m| self.codec.encode(m)).unwrap_or_default(),
            response_headers: sse_headers(meta, req_md5(req)),
            binding_key,
        })
    }

    /// An upload's object key, from its decoded metadata and the request's SSE-C key.
    fn open_upload(
        &self,
        req: &SseRequest,
        meta: Option<&EncryptionMetadata>,
        bucket: &str,
        key: &str,
    ) -> Result<Option<ObjectKey>, KitError> {
        self.open(meta, req.sse_c(), bucket, key, SseError::ParametersMismatch)
    }

    fn new_part(
        &self,
        meta: Option<&EncryptionMetadata>,
        oek: Option<ObjectKey>,
        req: &SseRequest,
        part_number: u32,
        nonce: Option<[u8; 12]>,
    ) -> Result<PartPlan, KitError> {
        let body = match &oek {
            None => BodyEncryptor::plain(),
            Some(oek) => {
                let k = part_key(oek, part_number);
                BodyEncryptor::dare(match nonce {
                    Some(n) => Encryptor::with_nonce(&k, self.suite, n, 0),
                    None => Encryptor::new(&k, self.suite)?,
                })
            }
        };
        Ok(PartPlan {
            body,
            part: NewPart {
                key: meta.map(|m| m.domain).zip(oek),
                number: part_number,
                response_headers: sse_headers(meta, req_md5(req)),
            },
        })
    }

    /// UploadPart: judges the part's SSE-C headers against its upload (a different key, a
    /// missing one, one for an upload that is not SSE-C), and returns the part's encryptor
    /// (its part key, a fresh nonce per upload of the part).
    pub fn upload_part(
        &self,
        req: &SseRequest,
        upload: &BTreeMap<String, String>,
        bucket: &str,
        key: &str,
        part_number: u32,
    ) -> Result<PartPlan, KitError> {
        self.part(req, upload, bucket, key, part_number, None)
    }

    /// [`upload_part`](Self::upload_part) with the part stream's nonce given (vectors only:
    /// a nonce used twice under one part key leaks the XOR of the two plaintexts).
    pub fn upload_part_with(
        &self,
        req: &SseRequest,
        upload: &BTreeMap<String, String>,
        bucket: &str,
        key: &str,
        part_number: u32,
        body_nonce: [u8; 12],
    ) -> Result<PartPlan, KitError> {
        self.part(req, upload, bucket, key, part_number, Some(body_nonce))
    }

    fn part(
        &self,
        req: &SseRequest,
        upload: &BTreeMap<String, String>,
        bucket: &str,
        key: &str,
        part_number: u32,
        body_nonce: Option<[u8; 12]>,
    ) -> Result<PartPlan, KitError> {
        let meta = self.codec.decode(upload)?;
        req.check_stored(&StoredState {
            upload: Some(stored_encryption(meta.as_ref(), req.sse_c())),
            ..StoredState::default()
        })?;
        let oek = self.open_upload(req, meta.as_ref(), bucket, key)?;
        self.new_part(meta.as_ref(), oek, req, part_number, body_nonce)
    }

    /// UploadPartCopy: the source read (whole, or the `x-amz-copy-source-range`) with its
    /// copy-source key, and the part written as [`upload_part`](Self::upload_part) does.
    #[allow(clippy::too_many_arguments)] // the source, its range, the upload and the part
    pub fn upload_part_copy(
        &self,
        req: &SseRequest,
        src: &CopySource<'_>,
        range: Option<RangeSpec>,
        upload: &BTreeMap<String, String>,
        bucket: &str,
        key: &str,
        part_number: u32,
    ) -> Result<(GetPlan, PartPlan), KitError> {
        let src_meta = self.codec.decode(src.object.metadata)?;
        let up_meta = self.codec.decode(upload)?;
        req.check_stored(&StoredState {
            source: Some(stored_encryption(src_meta.as_ref(), req.copy_source())),
            upload: Some(stored_encryption(up_meta.as_ref(), req.sse_c())),
            ..StoredState::default()
        })?;
        let src_oek = self.open_source(req, src_meta.as_ref(), src)?;
        self.check_binding(
            src_meta.as_ref(),
            src_oek.as_ref(),
            &src.object,
            src.bucket,
            src.key,
        )?;
        let read = range.map_or(Read::Whole, Read::Range);
        let source = read_plan(src_meta.as_ref(), src_oek.as_ref(), &src.object, read, None)?;
        let oek = self.open_upload(req, up_meta.as_ref(), bucket, key)?;
        let part = self.new_part(up_meta.as_ref(), oek, req, part_number, None)?;
        Ok((source, part))
    }

    /// CompleteMultipartUpload: judges SSE-C headers if the request carries them (they
    /// must fit the upload), and gives the object's entries and its ETag
    /// (`md5(part ETags)-N`) from the part ETags in the client's order. `parts` are the
    /// object's parts as they will be stored (numbers and stored sizes, in order): a layout
    /// that binds objects binds them under the object key (for SSE-C that needs the key
    /// headers: [`KitError::SseCKeyRequired`] without them, unless the server kept the
    /// upload's binding key: [`complete_multipart_upload_with_binding_key`](Self::complete_multipart_upload_with_binding_key);
    /// SSE-S3/SSE-KMS ask the KMS).
    pub fn complete_multipart_upload(
        &self,
        req: &SseRequest,
        upload: &BTreeMap<String, String>,
        bucket: &str,
        key: &str,
        part_etags: &[&str],
        parts: &[StoredPart],
    ) -> Result<Written, KitError> {
        self.complete(req, upload, bucket, key, part_etags, parts, None)
    }

    /// [`complete_multipart_upload`](Self::complete_multipart_upload) with the upload's
    /// binding key ([`UploadPlan::binding_key`], kept sealed by the server since
    /// CreateMultipartUpload): the binding is computed under it, so an SSE-C upload
    /// completes without the customer key. When the request carries the key (or the KMS
    /// opens the upload's), the given binding key must be the upload's
    /// ([`KitError::StoredObjectTampered`] otherwise).
    #[allow(clippy::too_many_arguments)] // complete_multipart_upload's and the key
    pub fn complete_multipart_upload_with_binding_key(
        &self,
        req: &SseRequest,
        upload: &BTreeMap<String, String>,
        bucket: &str,
        key: &str,
        part_etags: &[&str],
        parts: &[StoredPart],
        binding_key: &BindingKey,
    ) -> Result<Written, KitError> {
        self.complete(
            req,
            upload,
            bucket,
            key,
            part_etags,
            parts,
            Some(binding_key),
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn complete(
        &self,
        req: &SseRequest,
        upload: &BTreeMap<String, String>,
        bucket: &str,
        key: &str,
        part_etags: &[&str],
        parts: &[StoredPart],
        given: Option<&BindingKey>,
    ) -> Result<Written, KitError> {
        let meta = self.codec.decode(upload)?;
        req.check_stored(&StoredState {
            upload: Some(stored_encryption(meta.as_ref(), req.sse_c())),
            ..StoredState::default()
        })?;
        let binding = self.codec.binding_entry().filter(|_| meta.is_some());
        let mut oek = None;
        if let Some(m) = &meta {
            if req.sse_c().is_some() || (binding.is_some() && m.domain != Domain::SseC) {
                oek = self.open(
                    Some(m),
                    req.sse_c(),
                    bucket,
                    key,
                    SseError::CompleteParametersMismatch,
                )?;
            }
        }
        if parts
            .split_last()
            .is_some_and(|(_, before)| before.iter().any(|p| p.stored_size == 0))
        {
            return Err(KitError::EntityTooSmall);
        }
        let etag = multipart_etag(part_etags)?;
        let mut metadata = meta
            .as_ref()
            .map(|m| self.codec.encode(m))
            .unwrap_or_default();
        if let (Some(entry), Some(m)) = (binding, &meta) {
            let bk = match (oek.as_ref().map(binding::key_of), given) {
                (Some(own), Some(given)) if own != *given => {
                    return Err(KitError::StoredObjectTampered(
                        "the upload's binding key is not the one its object key gives",
                    ));
                }
                (Some(own), _) => own,
                (None, Some(given)) => given.duplicate(),
                (None, None) => return Err(KitError::SseCKeyRequired),
            };
            let tag = binding::tag(&bk, bucket, key, m.multipart, parts)?;
            metadata.insert(entry.to_owned(), binding::encode(&tag));
        }
        Ok(Written {
            metadata,
            stored_etag: etag.clone(),
            etag,
            response_headers: sse_headers(meta.as_ref(), req_md5(req)),
        })
    }
}

/// `hex(md5(part md5s))-N` from the parts' ETags (quotes allowed).
pub fn multipart_etag(part_etags: &[&str]) -> Result<String, KitError> {
    let mut h = Md5::new();
    for e in part_etags {
        let raw = unhex(e.trim_matches('"'))
            .filter(|r| r.len() == 16)
            .ok_or(KitError::InvalidPart)?;
        h.update(&raw);
    }
    Ok(format!("{}-{}", hex(&h.finalize()), part_etags.len()))
}

fn unreachable_none()
-> Result<(Domain, SealedKey, Option<StoredDataKey>, Option<Context>), KitError> {
    Err(KitError::NotImplemented("re-sealing to no encryption"))
}

/// An external key a re-seal can seal under (customer key or data key).
trait SealWith {
    fn seal(
        &self,
        oek: &ObjectKey,
        r: &PutRandom,
        domain: Domain,
        bucket: &str,
        key: &str,
    ) -> Result<SealedKey, SealError>;
}

impl<K: crate::keys::ExternalKey> SealWith for K {
    fn seal(
        &self,
        oek: &ObjectKey,
        r: &PutRandom,
        domain: Domain,
        bucket: &str,
        key: &str,
    ) -> Result<SealedKey, SealError> {
        SealedKey::seal_with(oek, self, r.iv, domain, bucket, key, r.suite, r.seal_nonce)
    }
}

fn req_md5(req: &SseRequest) -> Option<KeyMd5> {
    req.sse_c().map(|c| c.key_md5())
}

/// The stored encryption as `headers` judges it. The SSE-C key MD5 is not stored (MinIO's
/// layout has none): the request's own stands in, and the unseal decides whether the key
/// is right.
fn stored_encryption(
    meta: Option<&EncryptionMetadata>,
    given: Option<&crate::headers::SseCustomer>,
) -> StoredEncryption {
    match meta.map(|m| m.domain) {
        None => StoredEncryption::None,
        Some(Domain::SseC) => StoredEncryption::SseC {
            key_md5: given.map_or(KeyMd5::from_bytes([0; 16]), |c| c.key_md5()),
        },
        Some(Domain::SseS3) => StoredEncryption::SseS3,
        Some(Domain::SseKms) => StoredEncryption::SseKms,
    }
}

/// The SSE headers of an answer about an object with `meta`.
fn sse_headers(
    meta: Option<&EncryptionMetadata>,
    customer_md5: Option<KeyMd5>,
) -> Vec<(&'static str, String)> {
    let Some(meta) = meta else { return Vec::new() };
    match meta.domain {
        Domain::SseC => {
            let mut h = vec![(
                "x-amz-server-side-encryption-customer-algorithm",
                "AES256".to_owned(),
            )];
            if let Some(md5) = customer_md5 {
                h.push((
                    "x-amz-server-side-encryption-customer-key-MD5",
                    md5.to_base64(),
                ));
            }
            h
        }
        Domain::SseS3 => vec![("x-amz-server-side-encryption", "AES256".to_owned())],
        Domain::SseKms => {
            let mut h = vec![("x-amz-server-side-encryption", "aws:kms".to_owned())];
            if let Some(dk) = &meta.data_key {
                h.push((
                    "x-amz-server-side-encryption-aws-kms-key-id",
                    dk.key_id.clone(),
                ));
            }
            h
        }
    }
}

/// MD5 of empty content.
const EMPTY_MD5: [u8; 16] = [
    0xd4, 0x1d, 0x8c, 0xd9, 0x8f, 0x00, 0xb2, 0x04, 0xe9, 0x80, 0x09, 0x98, 0xec, 0xf8, 0x42, 0x7e,
];

/// An encrypted single-part object that storage says is empty (stored size 0, or no part
/// at all): the stored DARE stream proves nothing (an empty plaintext stores no package),
/// so the sealed ETag decides. SSE-S3 ETags (MinIO's and the kit's) seal the content MD5: one
/// that is not MD5("") means storage emptied the object. SSE-C and SSE-KMS ETags the kit
/// wrote seal the MD5 too, but MinIO seals a random value when the client sent no
/// Content-MD5, so for them MinIO's layout cannot tell (documented in `docs/sse.md`).
fn check_emptied(
    meta: Option<&EncryptionMetadata>,
    oek: Option<&ObjectKey>,
    obj: &StoredObject<'_>,
    multipart: bool,
    total: u64,
) -> Result<(), KitError> {
    let (Some(meta), Some(oek)) = (meta, oek) else {
        return Ok(());
    };
    // A multipart object's parts before the last hold at least 5 MiB (S3's and MinIO's
    // minimum): one recorded empty is storage dropping its bytes, which the reader would
    // otherwise skip.
    if multipart
        && obj
            .parts
            .split_last()
            .is_some_and(|(_, before)| before.iter().any(|p| p.stored_size == 0))
    {
        return Err(KitError::StoredObjectTampered(
            "a part before the last is stored empty",
        ));
    }
    if multipart || total != 0 || meta.domain != Domain::SseS3 {
        return Ok(());
    }
    let Some(raw) = unhex(obj.etag).filter(|r| crate::sse::etag::is_etag_sealed(r)) else {
        // Not a sealed ETag: nothing to compare with.
        return Ok(());
    };
    let md5 = crate::sse::etag::unseal_etag(oek, &raw)?;
    if md5.len() == 16 && md5[..] != EMPTY_MD5[..] {
        return Err(KitError::StoredObjectTampered(
            "the object is stored empty, but its sealed ETag is the MD5 of other content",
        ));
    }
    Ok(())
}

/// Maps `read` onto the stored parts and builds the bound decryptor.
fn read_plan(
    meta: Option<&EncryptionMetadata>,
    oek: Option<&ObjectKey>,
    obj: &StoredObject<'_>,
    read: Read,
    customer_md5: Option<KeyMd5>,
) -> Result<GetPlan, KitError> {
    let encrypted = oek.is_some();
    let multipart = meta.is_some_and(|m| m.multipart) || obj.parts.len() > 1;
    // Plaintext size of each part; sums from storage are checked.
    let sizes: Vec<u64> = obj
        .parts
        .iter()
        .map(|p| {
            if encrypted {
                decrypted_size(p.stored_size)
            } else {
                Ok(p.stored_size)
            }
        })
        .collect::<Result<_, _>>()?;
    let total = sizes
        .iter()
        .try_fold(0u64, |a, &s| a.checked_add(s))
        .ok_or(DareError::SizeTooLarge)?;
    obj.parts
        .iter()
        .try_fold(0u64, |a, p| a.checked_add(p.stored_size))
        .ok_or(DareError::SizeTooLarge)?;
    check_emptied(meta, oek, obj, multipart, total)?;

    let (offset, length, ranged, parts_count) = match read {
        Read::Whole => (0, total, false, None),
        Read::Range(spec) => {
            let (o, l) = spec.resolve(total).map_err(KitError::Range)?;
            (o, l, true, None)
        }
        Read::Part(n) => {
            if !multipart {
                if n != 1 {
                    return Err(KitError::InvalidPartNumber(n));
                }
                (0, total, true, None)
            } else {
                let i = obj
                    .parts
                    .iter()
                    .position(|p| p.number == n)
                    .ok_or(KitError::InvalidPartNumber(n))?;
                let before: u64 = sizes[..i].iter().sum(); // ≤ total, checked above
                let count = u32::try_from(obj.parts.len()).map_err(|_| DareError::SizeTooLarge)?;
                (before, sizes[i], true, Some(count))
            }
        }
    };
    let end = offset + length; // ≤ total

    let mut segments = Vec::new();
    let (mut cum, mut stored_cum) = (0u64, 0u64);
    let mut stored_offset = None;
    for (part, &size) in obj.parts.iter().zip(&sizes) {
        let part_end = cum + size;
        if length > 0 && offset < part_end && end > cum {
            let a = offset.max(cum) - cum;
            let b = end.min(part_end) - cum;
            match oek {
                None => {
                    stored_offset.get_or_insert(stored_cum + a);
                    segments.push(Segment::Plain { stored: b - a });
                }
                Some(oek) => {
                    let k = if multipart {
                        part_key(oek, part.number)
                    } else {
                        oek.duplicate()
                    };
                    let (dec, offset, stored) = if a == 0 && b == size {
                        // The whole part: a stream decryptor bound to its stored size (the
                        // same binding as a range over all of it, without the range ends).
                        let opts = DecryptOptions::new().stored_size(part.stored_size);
                        (Decryptor::new(&k, opts), 0, part.stored_size)
                    } else {
                        let pr = package_range(size, a, b - a)?;
                        let dec = Decryptor::for_range(&k, &pr);
                        (dec, pr.encrypted_offset, pr.encrypted_length)
                    };
                    stored_offset.get_or_insert(stored_cum + offset);
                    segments.push(Segment::Dare { dec, stored });
                }
            }
        }
        cum = part_end;
        stored_cum += part.stored_size;
    }
    let body = BodyDecryptor::new(segments);
    let etag = match (meta, oek) {
        (Some(m), Some(k)) => client_etag(m.domain, obj.etag, k)?,
        _ => obj.etag.to_owned(),
    };
    let content_range = (ranged && length > 0).then(|| ContentRange {
        start: offset,
        end: end - 1,
        total,
    });
    Ok(GetPlan {
        status: if content_range.is_some() { 206 } else { 200 },
        object_size: total,
        content_length: length,
        content_range,
        stored_offset: stored_offset.unwrap_or(0),
        stored_length: body.stored_len(),
        body,
        etag,
        parts_count,
        response_headers: sse_headers(meta, customer_md5),
    })
}
