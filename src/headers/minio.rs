//! The MinIO dialect: SSE headers parsed, checked in MinIO's order and answered with MinIO's
//! errors, for servers that replace MinIO and must behave as it does.
//!
//! Differences from Amazon S3 (tabulated in `docs/headers.md`): names are matched
//! case-insensitively but a repeated header keeps its **first** value (Go's `Header.Get`) and
//! values are not trimmed; the key must be padded standard base64 of exactly 32 bytes (Go's
//! decoder, which skips CR and LF) or the answer is 403 AccessDenied; a wrong or lowercase
//! algorithm draws the "must provide a valid encryption algorithm" answer; an empty key or MD5
//! counts as missing; a malformed MD5 is an MD5 mismatch; SSE-C without TLS is 400
//! `InvalidRequest`. Mirrors `internal/crypto` `ssec.ParseHTTP`, `ssecCopy.ParseHTTP`,
//! `IsRequested`, and `cmd` `ParseSSECustomerHeader` and the PutObject pre-checks.

use core::fmt;

use subtle::ConstantTimeEq;

use super::fields::{Field, Fields};
use super::{
    Encryption, HeaderSource, KmsRequest, Operation, RequestContext, SseCustomer, SseError,
    SseRequest, Transport,
};
use crate::encoding;
use crate::keys::CustomerKey;

/// An error as MinIO reports it. Named after MinIO's Go error variables.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MinioError {
    /// `ErrInvalidCustomerAlgorithm`: the algorithm is not exactly `AES256` (or is missing).
    InvalidCustomerAlgorithm,
    /// `ErrMissingCustomerKey`: no key, or an empty one.
    MissingCustomerKey,
    /// `ErrMissingCustomerKeyMD5`: no key MD5, or an empty one.
    MissingCustomerKeyMd5,
    /// `ErrInvalidCustomerKey`: the key is not padded base64 of 32 bytes.
    InvalidCustomerKey,
    /// `ErrCustomerKeyMD5Mismatch`: the MD5 is malformed or does not match.
    CustomerKeyMd5Mismatch,
    /// `ErrIncompatibleEncryptionMethod`: SSE-C together with SSE-S3 or SSE-KMS.
    IncompatibleEncryptionMethod,
    /// `errInvalidEncryptionParameters`: SSE parameters that do not apply (copy-source SSE-C
    /// headers on PutObject, SSE-S3/KMS headers on GET/HEAD).
    InvalidEncryptionParameters,
    /// `ErrInsecureSSECustomerRequest`: SSE-C without TLS.
    InsecureSseCustomerRequest,
    /// `ErrInvalidEncryptionMethod`: `x-amz-server-side-encryption` is not a known value.
    InvalidEncryptionMethod,
    /// `ErrInvalidEncryptionKeyID`: the KMS key id starts or ends with a space.
    InvalidEncryptionKeyId,
    /// The KMS context is not base64 of a JSON string map.
    InvalidEncryptionContext,
}

impl MinioError {
    /// MinIO's Go name for the error.
    pub fn name(self) -> &'static str {
        use MinioError::*;
        match self {
            InvalidCustomerAlgorithm => "ErrInvalidCustomerAlgorithm",
            MissingCustomerKey => "ErrMissingCustomerKey",
            MissingCustomerKeyMd5 => "ErrMissingCustomerKeyMD5",
            InvalidCustomerKey => "ErrInvalidCustomerKey",
            CustomerKeyMd5Mismatch => "ErrCustomerKeyMD5Mismatch",
            IncompatibleEncryptionMethod => "ErrIncompatibleEncryptionMethod",
            InvalidEncryptionParameters => "errInvalidEncryptionParameters",
            InsecureSseCustomerRequest => "ErrInsecureSSECustomerRequest",
            InvalidEncryptionMethod => "ErrInvalidEncryptionMethod",
            InvalidEncryptionKeyId => "ErrInvalidEncryptionKeyID",
            InvalidEncryptionContext => "ErrInvalidEncryptionContext",
        }
    }

    /// The Go error's own text (what MinIO logs), as opposed to the S3 message it sends.
    pub fn internal_message(self) -> &'static str {
        use MinioError::*;
        match self {
            InvalidCustomerAlgorithm => "The SSE-C algorithm is not supported",
            MissingCustomerKey => "The SSE-C request is missing the customer key",
            MissingCustomerKeyMd5 => "The SSE-C request is missing the customer key MD5",
            InvalidCustomerKey => "The SSE-C client key is invalid",
            CustomerKeyMd5Mismatch => {
                "The provided SSE-C key MD5 does not match the computed MD5 of the SSE-C key"
            }
            IncompatibleEncryptionMethod => {
                "Server side encryption specified with both SSE-C and SSE-S3 headers"
            }
            InvalidEncryptionParameters => {
                "The encryption parameters are not applicable to this object"
            }
            InsecureSseCustomerRequest => {
                "Requests specifying Server Side Encryption with Customer provided keys must be made over a secure connection."
            }
            InvalidEncryptionMethod => "The encryption method is not supported",
            InvalidEncryptionKeyId => "KMS KeyID contains unsupported characters",
            InvalidEncryptionContext => "The encryption context is invalid",
        }
    }

    pub(super) fn code(self) -> &'static str {
        use MinioError::*;
        match self {
            InvalidCustomerKey => "AccessDenied",
            InvalidEncryptionParameters
            | InsecureSseCustomerRequest
            | InvalidEncryptionMethod
            | InvalidEncryptionKeyId => "InvalidRequest",
            _ => "InvalidArgument",
        }
    }

    pub(super) fn http_status(self) -> u16 {
        if self == Self::InvalidCustomerKey {
            403
        } else {
            400
        }
    }

    pub(super) fn message(self) -> &'static str {
        use MinioError::*;
        match self {
            InvalidCustomerAlgorithm => SseError::MissingAlgorithm.message(),
            MissingCustomerKey => SseError::MissingKey.message(),
            MissingCustomerKeyMd5 => SseError::MissingKeyMd5.message(),
            InvalidCustomerKey => "Access Denied.",
            CustomerKeyMd5Mismatch => SseError::KeyMd5Mismatch.message(),
            IncompatibleEncryptionMethod => SseError::IncompatibleSse {
                value: String::new(),
            }
            .message(),
            InvalidEncryptionParameters => SseError::NotApplicable.message(),
            InsecureSseCustomerRequest => SseError::InsecureTransport.message(),
            InvalidEncryptionMethod => "The encryption method specified is not supported",
            InvalidEncryptionKeyId => "The specified KMS KeyID contains unsupported characters",
            InvalidEncryptionContext => SseError::InvalidKmsContext.message(),
        }
    }
}

impl fmt::Debug for MinioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl From<MinioError> for SseError {
    fn from(e: MinioError) -> Self {
        SseError::Minio(e)
    }
}

/// Which kinds of SSE a request asks for, by MinIO's `IsRequested` rules: a kind is requested
/// when any of its headers is present, even empty.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Requested {
    /// `x-amz-server-side-encryption` present and not `aws:kms` (any case).
    pub sse_s3: bool,
    /// KMS key id or context present, or `x-amz-server-side-encryption` other than `AES256`
    /// (after upper-casing).
    pub sse_kms: bool,
    /// Any SSE-C header present.
    pub sse_c: bool,
    /// Any copy-source SSE-C header present.
    pub sse_c_copy: bool,
}

impl Requested {
    /// What `crypto.IsRequested` answers: SSE-S3, then SSE-KMS, then SSE-C.
    pub fn kind(&self) -> Option<&'static str> {
        if self.sse_s3 {
            Some("SSE-S3")
        } else if self.sse_kms {
            Some("SSE-KMS")
        } else if self.sse_c {
            Some("SSE-C")
        } else {
            None
        }
    }

    fn of(f: &Fields<'_>) -> Self {
        let sse = f.get(Field::Sse);
        Self {
            sse_s3: sse.is_some_and(|v| !v.eq_ignore_ascii_case(b"aws:kms")),
            sse_kms: f.has(Field::KmsKeyId)
                || f.has(Field::KmsContext)
                || sse.is_some_and(|v| !v.eq_ignore_ascii_case(b"AES256")),
            sse_c: f.has(Field::Algorithm) || f.has(Field::Key) || f.has(Field::KeyMd5),
            sse_c_copy: f.has(Field::SrcAlgorithm)
                || f.has(Field::SrcKey)
                || f.has(Field::SrcKeyMd5),
        }
    }
}

/// MinIO's `IsRequested` answers for a request's headers.
pub fn requested<H: HeaderSource + ?Sized>(headers: &H) -> Result<Requested, SseError> {
    Ok(Requested::of(&Fields::collect(headers, true)?))
}

/// `crypto.SSEC.ParseHTTP`: the destination SSE-C key.
pub fn parse_sse_c<H: HeaderSource + ?Sized>(headers: &H) -> Result<CustomerKey, SseError> {
    let f = Fields::collect(headers, true)?;
    parse_group(&f, Field::Algorithm, Field::Key, Field::KeyMd5)
}

/// `crypto.SSECopy.ParseHTTP`: the copy source's SSE-C key.
pub fn parse_sse_c_copy<H: HeaderSource + ?Sized>(headers: &H) -> Result<CustomerKey, SseError> {
    let f = Fields::collect(headers, true)?;
    parse_group(&f, Field::SrcAlgorithm, Field::SrcKey, Field::SrcKeyMd5)
}

/// `cmd.ParseSSECustomerHeader`: SSE-C together with SSE-S3 is refused, then
/// [`parse_sse_c`].
pub fn parse_sse_customer_header<H: HeaderSource + ?Sized>(
    headers: &H,
) -> Result<CustomerKey, SseError> {
    let f = Fields::collect(headers, true)?;
    let r = Requested::of(&f);
    if r.sse_s3 && r.sse_c {
        return Err(MinioError::IncompatibleEncryptionMethod.into());
    }
    parse_group(&f, Field::Algorithm, Field::Key, Field::KeyMd5)
}

/// The PutObject handler's checks before any parsing: copy-source SSE-C headers are refused,
/// and SSE-C together with SSE-S3 or SSE-KMS.
pub fn put_object_precheck<H: HeaderSource + ?Sized>(headers: &H) -> Result<(), SseError> {
    precheck(&Requested::of(&Fields::collect(headers, true)?))
}

fn precheck(r: &Requested) -> Result<(), SseError> {
    if r.sse_c_copy {
        return Err(MinioError::InvalidEncryptionParameters.into());
    }
    if r.sse_c && (r.sse_s3 || r.sse_kms) {
        return Err(MinioError::IncompatibleEncryptionMethod.into());
    }
    Ok(())
}

fn parse_group(
    f: &Fields<'_>,
    alg: Field,
    key: Field,
    md5: Field,
) -> Result<CustomerKey, SseError> {
    if f.get(alg) != Some(b"AES256") {
        return Err(MinioError::InvalidCustomerAlgorithm.into());
    }
    let key = f.get(key).filter(|k| !k.is_empty());
    let key = key.ok_or(MinioError::MissingCustomerKey)?;
    let md5 = f.get(md5).filter(|m| !m.is_empty());
    let md5 = md5.ok_or(MinioError::MissingCustomerKeyMd5)?;
    let raw = encoding::decode_base64_padded(key, true).ok_or(MinioError::InvalidCustomerKey)?;
    let key = CustomerKey::from_slice(&raw).map_err(|_| MinioError::InvalidCustomerKey)?;
    let md5 =
        encoding::decode_base64_padded(md5, true).ok_or(MinioError::CustomerKeyMd5Mismatch)?;
    if !bool::from(md5.as_slice().ct_eq(key.key_md5().as_bytes())) {
        return Err(MinioError::CustomerKeyMd5Mismatch.into());
    }
    Ok(key)
}

/// A whole request as MinIO's handlers judge it: SSE-C without TLS, the PutObject/PostObject
/// pre-checks, SSE-S3/KMS headers on reads, the SSE-C groups (copy source first) and the
/// SSE-S3 / SSE-KMS headers of the operations that create objects. The bucket's SSE-C block
/// in `ctx` is ignored (MinIO has none). KMS key ids lose an `arn:aws:kms:` prefix as MinIO
/// strips it.
pub fn parse<H: HeaderSource + ?Sized>(
    ctx: &RequestContext,
    headers: &H,
) -> Result<SseRequest, SseError> {
    let f = Fields::collect(headers, true)?;
    let r = Requested::of(&f);
    let op = ctx.operation;
    if (r.sse_c || r.sse_c_copy) && ctx.transport == Transport::Plaintext {
        return Err(MinioError::InsecureSseCustomerRequest.into());
    }
    match op {
        Operation::PutObject | Operation::PostObject => precheck(&r)?,
        Operation::GetObject | Operation::HeadObject if r.sse_s3 || r.sse_kms => {
            return Err(MinioError::InvalidEncryptionParameters.into());
        }
        _ => {}
    }
    let copy_source = if op.has_copy_source() && r.sse_c_copy {
        let k = parse_group(&f, Field::SrcAlgorithm, Field::SrcKey, Field::SrcKeyMd5)?;
        Some(SseCustomer::new(k))
    } else {
        None
    };
    let encryption = if r.sse_c {
        if r.sse_s3 || (op.creates_object() && r.sse_kms) {
            return Err(MinioError::IncompatibleEncryptionMethod.into());
        }
        let k = parse_group(&f, Field::Algorithm, Field::Key, Field::KeyMd5)?;
        Encryption::SseC(SseCustomer::new(k))
    } else if op.creates_object() && (r.sse_s3 || r.sse_kms) {
        kms_or_s3(&f)?
    } else {
        Encryption::None
    };
    let signature_v2 = f
        .get(Field::Authorization)
        .is_some_and(|a| a.starts_with(b"AWS "));
    Ok(SseRequest {
        operation: op,
        encryption,
        copy_source,
        signature_v2,
    })
}

fn kms_or_s3(f: &Fields<'_>) -> Result<Encryption, SseError> {
    let dsse = match f.get(Field::Sse) {
        Some(b"AES256") => return Ok(Encryption::SseS3),
        Some(b"aws:kms") => false,
        Some(b"aws:kms:dsse") => true,
        _ => return Err(MinioError::InvalidEncryptionMethod.into()),
    };
    let context = match f.get(Field::KmsContext) {
        Some(c) => {
            let raw = encoding::decode_base64_padded(c, true)
                .ok_or(MinioError::InvalidEncryptionContext)?;
            let text =
                core::str::from_utf8(&raw).map_err(|_| MinioError::InvalidEncryptionContext)?;
            Some(
                encoding::parse_string_map(text, encoding::Duplicates::LastWins)
                    .map_err(|_| MinioError::InvalidEncryptionContext)?,
            )
        }
        None => None,
    };
    let key_id = match f.get(Field::KmsKeyId) {
        Some(id) => {
            if id.starts_with(b" ") || id.ends_with(b" ") {
                return Err(MinioError::InvalidEncryptionKeyId.into());
            }
            let id = id.strip_prefix(b"arn:aws:kms:").unwrap_or(id);
            Some(String::from_utf8_lossy(id).into_owned())
        }
        None => None,
    };
    let req = KmsRequest {
        key_id,
        context,
        bucket_key_enabled: f
            .get(Field::BucketKeyEnabled)
            .map(|b| b.eq_ignore_ascii_case(b"true")),
    };
    Ok(if dsse {
        Encryption::DsseKms(req)
    } else {
        Encryption::SseKms(req)
    })
}
