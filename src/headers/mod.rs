//! S3 server-side-encryption request headers: parsed and judged exactly as Amazon S3 does.
//!
//! Two steps, because a server learns things in that order:
//!
//! 1. [`parse`] reads a request's headers (any [`HeaderSource`]) for one [`Operation`]
//!    and returns a typed [`SseRequest`] or the [`SseError`] Amazon S3 would answer. It needs
//!    only what a server knows before it touches storage: the operation, whether the
//!    connection is TLS, and whether the bucket blocks SSE-C ([`RequestContext`]).
//! 2. [`SseRequest::check_stored`] judges the request against the stored encryption of the
//!    target object, the multipart upload and the copy source ([`StoredState`]): missing or
//!    wrong keys, keys for unencrypted objects, parts that do not fit their upload.
//!
//! [`SseRequest::response_headers`] gives the headers to echo. [`minio`] is the same for
//! servers that replace MinIO and must answer as it does.
//!
//! ```
//! use s3crypt::headers::{self, Encryption, Operation, RequestContext, Transport};
//!
//! let fields = [
//!     ("x-amz-server-side-encryption-customer-algorithm", "AES256"),
//!     ("x-amz-server-side-encryption-customer-key", "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8="),
//!     ("x-amz-server-side-encryption-customer-key-MD5", "jeuBRyIvpeUGr7P9sHL8dw=="),
//! ];
//! let ctx = RequestContext::new(Operation::PutObject, Transport::Tls);
//! let req = headers::parse(&ctx, &fields).unwrap();
//! assert!(matches!(req.encryption(), Encryption::SseC(_)));
//!
//! let bad = [("x-amz-server-side-encryption", "aws:KMS")];
//! let err = headers::parse(&ctx, &bad).unwrap_err();
//! assert_eq!((err.http_status(), err.code()), (400, Some("InvalidArgument")));
//! ```
//!
//! The decision procedure, with the source of every rule, is in `docs/headers.md`.

mod error;
mod fields;
pub mod minio;
pub mod range;
mod source;
mod state;

use core::fmt;
use std::collections::BTreeMap;

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

pub use error::SseError;
pub use source::HeaderSource;
pub use state::{StoredEncryption, StoredState};

use crate::encoding;
use crate::keys::{CustomerKey, KeyMd5};
use fields::{Field, Fields};

/// The largest header section Amazon S3 accepts, in bytes (see `docs/headers.md` for how it
/// is measured).
pub const MAX_HEADER_SECTION: usize = 8192;

/// The S3 operations whose SSE headers this module judges.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// `PUT /bucket/key`.
    PutObject,
    /// Browser-based upload (`POST /bucket` with form fields).
    PostObject,
    /// `PUT /bucket/key` with `x-amz-copy-source`.
    CopyObject,
    /// `POST /bucket/key?uploads`.
    CreateMultipartUpload,
    /// `PUT /bucket/key?partNumber=N&uploadId=U`.
    UploadPart,
    /// UploadPart with `x-amz-copy-source`.
    UploadPartCopy,
    /// `POST /bucket/key?uploadId=U`.
    CompleteMultipartUpload,
    /// `GET /bucket/key`.
    GetObject,
    /// `HEAD /bucket/key`.
    HeadObject,
}

impl Operation {
    /// Every operation.
    pub const ALL: [Operation; 9] = [
        Self::PutObject,
        Self::PostObject,
        Self::CopyObject,
        Self::CreateMultipartUpload,
        Self::UploadPart,
        Self::UploadPartCopy,
        Self::CompleteMultipartUpload,
        Self::GetObject,
        Self::HeadObject,
    ];

    /// The S3 API name (`"PutObject"`, …).
    pub fn name(self) -> &'static str {
        match self {
            Self::PutObject => "PutObject",
            Self::PostObject => "PostObject",
            Self::CopyObject => "CopyObject",
            Self::CreateMultipartUpload => "CreateMultipartUpload",
            Self::UploadPart => "UploadPart",
            Self::UploadPartCopy => "UploadPartCopy",
            Self::CompleteMultipartUpload => "CompleteMultipartUpload",
            Self::GetObject => "GetObject",
            Self::HeadObject => "HeadObject",
        }
    }

    /// The operation with that S3 API name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|op| op.name() == name)
    }

    /// Whether the copy-source SSE-C headers are read (CopyObject, UploadPartCopy).
    pub fn has_copy_source(self) -> bool {
        matches!(self, Self::CopyObject | Self::UploadPartCopy)
    }

    /// Whether the operation writes data (everything but GET and HEAD).
    pub fn is_write(self) -> bool {
        !matches!(self, Self::GetObject | Self::HeadObject)
    }

    /// Whether the operation chooses an object's encryption (PutObject, PostObject,
    /// CreateMultipartUpload, CopyObject): the ones that take `x-amz-server-side-encryption`.
    pub fn creates_object(self) -> bool {
        matches!(
            self,
            Self::PutObject | Self::PostObject | Self::CreateMultipartUpload | Self::CopyObject
        )
    }

    /// Whether the destination SSE-C group must carry the key MD5.
    fn requires_key_md5(self) -> bool {
        self.creates_object() || matches!(self, Self::UploadPart | Self::UploadPartCopy)
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How the request reached the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Transport {
    /// Over TLS (HTTPS). SSE-C requires it.
    Tls,
    /// Without TLS. SSE-C requests are refused.
    Plaintext,
}

/// What the server knows about a request before it reads any header: the operation, the
/// transport, and the bucket's SSE-C block (Amazon S3 refuses SSE-C writes to a blocking
/// bucket before it looks at the key values, so the block is an input to [`parse`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RequestContext {
    /// The S3 operation.
    pub operation: Operation,
    /// Whether the connection is TLS.
    pub transport: Transport,
    /// Whether the bucket's policy blocks SSE-C (`BlockedEncryptionTypes` holds `SSE-C`).
    pub sse_c_blocked: bool,
}

impl RequestContext {
    /// A request for `operation` over `transport`, to a bucket that does not block SSE-C.
    pub fn new(operation: Operation, transport: Transport) -> Self {
        Self {
            operation,
            transport,
            sse_c_blocked: false,
        }
    }

    /// Sets whether the bucket blocks SSE-C writes.
    pub fn with_sse_c_blocked(mut self, blocked: bool) -> Self {
        self.sse_c_blocked = blocked;
        self
    }
}

enum KeyBytes {
    Valid(CustomerKey),
    WrongLength(Zeroizing<Vec<u8>>),
}

/// An SSE-C key as a request carried it (algorithm `AES256`, the decoded key, its MD5).
///
/// On GET, HEAD, UploadPart, CompleteMultipartUpload and for copy sources, Amazon S3 does not
/// refuse a key of the wrong length in the headers: it is a key that cannot match the stored
/// one. Such a key parses, [`key`](Self::key) returns `None`, and
/// [`SseRequest::check_stored`] rejects it against any SSE-C object.
pub struct SseCustomer {
    key: KeyBytes,
    md5: KeyMd5,
}

impl SseCustomer {
    /// An SSE-C key for a request the caller builds itself.
    pub fn new(key: CustomerKey) -> Self {
        let md5 = key.key_md5();
        Self {
            key: KeyBytes::Valid(key),
            md5,
        }
    }

    fn from_bytes(bytes: Zeroizing<Vec<u8>>) -> Self {
        let md5 = KeyMd5::of(&bytes);
        let key = match CustomerKey::from_slice(&bytes) {
            Ok(k) => KeyBytes::Valid(k),
            Err(_) => KeyBytes::WrongLength(bytes),
        };
        Self { key, md5 }
    }

    /// The algorithm, always `AES256`.
    pub fn algorithm(&self) -> &'static str {
        "AES256"
    }

    /// The 32-byte key, or `None` when the client sent a key of another length.
    pub fn key(&self) -> Option<&CustomerKey> {
        match &self.key {
            KeyBytes::Valid(k) => Some(k),
            KeyBytes::WrongLength(_) => None,
        }
    }

    /// The MD5 of the key as decoded (computed even when the request carried no MD5 header;
    /// S3 echoes it in its responses).
    pub fn key_md5(&self) -> KeyMd5 {
        self.md5
    }

    /// The decoded key bytes, whatever their length. Handle with care.
    pub fn expose_secret_bytes(&self) -> &[u8] {
        match &self.key {
            KeyBytes::Valid(k) => k.expose_secret(),
            KeyBytes::WrongLength(v) => v,
        }
    }

    /// Whether this key is the one whose MD5 is `stored` (constant time).
    pub fn matches(&self, stored: &KeyMd5) -> bool {
        self.md5.ct_eq(stored).into()
    }
}

impl fmt::Debug for SseCustomer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SseCustomer")
            .field("algorithm", &self.algorithm())
            .field("key", &"<redacted>")
            .field("key_len", &self.expose_secret_bytes().len())
            .field("key_md5", &self.md5)
            .finish()
    }
}

/// The SSE-KMS (or DSSE-KMS) parameters of a request: each present only when its header was
/// sent.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KmsRequest {
    /// `x-amz-server-side-encryption-aws-kms-key-id`, as sent (after trimming).
    pub key_id: Option<String>,
    /// The decoded `x-amz-server-side-encryption-context`.
    pub context: Option<BTreeMap<String, String>>,
    /// `x-amz-server-side-encryption-bucket-key-enabled` (`true` in any letter case).
    pub bucket_key_enabled: Option<bool>,
}

/// The encryption a request asks for (for writes) or supplies (for reads) on its target.
#[derive(Debug)]
#[non_exhaustive]
pub enum Encryption {
    /// No SSE header.
    None,
    /// SSE-C with the customer's key.
    SseC(SseCustomer),
    /// SSE-S3 (`x-amz-server-side-encryption: AES256`).
    SseS3,
    /// SSE-KMS (`aws:kms`).
    SseKms(KmsRequest),
    /// Dual-layer SSE-KMS (`aws:kms:dsse`).
    DsseKms(KmsRequest),
}

impl Encryption {
    /// The algorithm value S3 echoes (`AES256`, `aws:kms`, `aws:kms:dsse`), if any.
    pub fn algorithm(&self) -> Option<&'static str> {
        match self {
            Self::None => None,
            Self::SseC(_) | Self::SseS3 => Some("AES256"),
            Self::SseKms(_) => Some("aws:kms"),
            Self::DsseKms(_) => Some("aws:kms:dsse"),
        }
    }
}

/// A request's validated SSE parameters.
#[derive(Debug)]
pub struct SseRequest {
    operation: Operation,
    encryption: Encryption,
    copy_source: Option<SseCustomer>,
    signature_v2: bool,
}

impl SseRequest {
    /// The operation it was parsed for.
    pub fn operation(&self) -> Operation {
        self.operation
    }

    /// The destination's (or, for GET/HEAD, the target's) encryption.
    pub fn encryption(&self) -> &Encryption {
        &self.encryption
    }

    /// The SSE-C key of the copy source (CopyObject, UploadPartCopy).
    pub fn copy_source(&self) -> Option<&SseCustomer> {
        self.copy_source.as_ref()
    }

    /// Whether the request was signed with Signature Version 2 (`Authorization: AWS …`),
    /// which SSE-KMS objects refuse.
    pub fn is_signature_v2(&self) -> bool {
        self.signature_v2
    }

    /// The SSE-C key of the destination, if SSE-C.
    pub fn sse_c(&self) -> Option<&SseCustomer> {
        match &self.encryption {
            Encryption::SseC(c) => Some(c),
            _ => None,
        }
    }

    /// The headers a server echoes for this request: the algorithm and key MD5 for SSE-C
    /// (the MD5 also when the request carried none), else `x-amz-server-side-encryption`,
    /// the KMS key id and the bucket-key flag as requested. `kms_key_id` is the key the
    /// server actually used (it overrides the requested one; for a request without a key id
    /// pass the default key's ARN), `bucket_key_enabled` likewise.
    pub fn response_headers(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        match &self.encryption {
            Encryption::None => {}
            Encryption::SseC(c) => {
                out.push((
                    "x-amz-server-side-encryption-customer-algorithm",
                    c.algorithm().to_owned(),
                ));
                out.push((
                    "x-amz-server-side-encryption-customer-key-MD5",
                    c.key_md5().to_base64(),
                ));
            }
            Encryption::SseS3 => out.push(("x-amz-server-side-encryption", "AES256".into())),
            Encryption::SseKms(k) | Encryption::DsseKms(k) => {
                let alg = self.encryption.algorithm().unwrap_or_default();
                out.push(("x-amz-server-side-encryption", alg.to_owned()));
                if let Some(id) = &k.key_id {
                    out.push(("x-amz-server-side-encryption-aws-kms-key-id", id.clone()));
                }
                if k.bucket_key_enabled == Some(true) {
                    out.push((
                        "x-amz-server-side-encryption-bucket-key-enabled",
                        "true".into(),
                    ));
                }
            }
        }
        out
    }

    /// Step 7 of the procedure: judges the request against the stored encryption of the
    /// target object (GET/HEAD), the multipart upload (UploadPart, UploadPartCopy,
    /// CompleteMultipartUpload) and the copy source (CopyObject, UploadPartCopy). Entries of
    /// `state` that are `None` are not consulted.
    pub fn check_stored(&self, state: &StoredState) -> Result<(), SseError> {
        state::check(self, state)
    }
}

/// Reads the SSE headers of a request as Amazon S3 does: steps 1–6 and 8 of the procedure in
/// `docs/headers.md`. The first failing check is the answer.
pub fn parse<H: HeaderSource + ?Sized>(
    ctx: &RequestContext,
    headers: &H,
) -> Result<SseRequest, SseError> {
    let f = Fields::collect(headers, false)?;
    let op = ctx.operation;

    // Step 4: the SSE header on an operation that does not take it.
    if let Some(v) = f.get(Field::Sse) {
        if !op.creates_object() {
            return Err(SseError::SseHeaderNotSupported { value: lossy(v) });
        }
    }

    // Step 5: SSE-C groups, the copy source's first.
    let copy_source = if op.has_copy_source() {
        sse_c_group(ctx, &f, Group::Source)?
    } else {
        None
    };
    let dest = sse_c_group(ctx, &f, Group::Destination)?;

    let signature_v2 = f
        .get(Field::Authorization)
        .is_some_and(|a| a.starts_with(b"AWS "));

    // Step 6: SSE-S3 / SSE-KMS on the operations that choose an object's encryption.
    let mut kms_like = None;
    if op.creates_object() {
        let v = f.get(Field::Sse);
        let kms = match v {
            None => None,
            Some(b"AES256") => Some(false),
            Some(b"aws:kms") | Some(b"aws:kms:dsse") => Some(true),
            Some(_) => return Err(SseError::UnsupportedSse),
        };
        let is_kms = kms == Some(true);
        let key_id = f.get(Field::KmsKeyId);
        if key_id.is_some() && !is_kms {
            return Err(SseError::KmsKeyIdWithoutKms);
        }
        if is_kms {
            let context = match f.get(Field::KmsContext) {
                Some(c) => Some(decode_context(c).ok_or(SseError::InvalidKmsContext)?),
                None => None,
            };
            if signature_v2 {
                return Err(SseError::KmsRequiresSigV4);
            }
            let bucket_key_enabled = f
                .get(Field::BucketKeyEnabled)
                .map(|b| b.eq_ignore_ascii_case(b"true"));
            let req = KmsRequest {
                key_id: key_id.map(lossy),
                context,
                bucket_key_enabled,
            };
            kms_like = Some(if v == Some(b"aws:kms:dsse") {
                Encryption::DsseKms(req)
            } else {
                Encryption::SseKms(req)
            });
        } else if kms == Some(false) {
            kms_like = Some(Encryption::SseS3);
        }
    }

    // Step 8.
    let encryption = match dest {
        Some(c) => Encryption::SseC(c),
        None => kms_like.unwrap_or(Encryption::None),
    };
    Ok(SseRequest {
        operation: op,
        encryption,
        copy_source,
        signature_v2,
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Group {
    Source,
    Destination,
}

/// Step 5 for one group: `Ok(None)` when the group is absent.
fn sse_c_group(
    ctx: &RequestContext,
    f: &Fields<'_>,
    group: Group,
) -> Result<Option<SseCustomer>, SseError> {
    let op = ctx.operation;
    let (alg_f, key_f, md5_f) = match group {
        Group::Source => (Field::SrcAlgorithm, Field::SrcKey, Field::SrcKeyMd5),
        Group::Destination => (Field::Algorithm, Field::Key, Field::KeyMd5),
    };
    let (alg, key, md5) = (f.get(alg_f), f.get(key_f), f.get(md5_f));
    let present = [alg.is_some(), key.is_some(), md5.is_some()];
    // 5.0
    if !present.contains(&true) {
        return Ok(None);
    }
    if group == Group::Destination
        && op == Operation::CompleteMultipartUpload
        && present.contains(&false)
    {
        return Ok(None);
    }
    // 5.1
    if ctx.transport == Transport::Plaintext {
        return Err(SseError::InsecureTransport);
    }
    // 5.2
    if group == Group::Destination && op.is_write() && ctx.sse_c_blocked {
        return Err(SseError::SseCBlocked);
    }
    // 5.3
    let alg = alg.ok_or(SseError::MissingAlgorithm)?;
    let key = key.ok_or(SseError::MissingKey)?;
    if md5.is_none() && group == Group::Destination && op.requires_key_md5() {
        return Err(SseError::MissingKeyMd5);
    }
    // 5.4
    if !key.is_ascii() {
        return Err(SseError::KeyNotBase64 {
            value: zeroize::Zeroizing::new(lossy(key)),
        });
    }
    // 5.5
    let k = encoding::decode_base64_lenient(key);
    if k.is_empty() {
        return Err(SseError::KeyTooShort {
            value: zeroize::Zeroizing::new(lossy(key)),
        });
    }
    let customer = SseCustomer::from_bytes(k);
    // 5.6: the header must be, as a string, the padded base64 of MD5(K).
    if let Some(m) = md5 {
        let expected = customer.key_md5().to_base64_array();
        if !bool::from(m.ct_eq(&expected[..])) {
            return Err(SseError::KeyMd5Mismatch);
        }
    }
    // 5.7
    if group == Group::Destination {
        if let Some(v) = f.get(Field::Sse) {
            return Err(SseError::IncompatibleSse { value: lossy(v) });
        }
    }
    // 5.8
    if alg != b"AES256" {
        return Err(SseError::InvalidAlgorithm { value: lossy(alg) });
    }
    // 5.9
    if group == Group::Destination && op.creates_object() && customer.key().is_none() {
        return Err(SseError::InvalidKeyLength);
    }
    Ok(Some(customer))
}

/// 6.3: padded standard base64 of UTF-8 JSON holding a string-to-string object.
fn decode_context(value: &[u8]) -> Option<BTreeMap<String, String>> {
    let raw = encoding::decode_base64_padded(value, false)?;
    let text = core::str::from_utf8(&raw).ok()?;
    encoding::parse_string_map(text, encoding::Duplicates::LastWins).ok()
}

fn lossy(v: &[u8]) -> String {
    String::from_utf8_lossy(v).into_owned()
}

#[cfg(test)]
mod tests;
