//! The S3 errors an SSE request can draw, with code, status, message and XML body.

use core::fmt;

pub use super::minio::MinioError;

/// Argument name S3 reports for SSE header errors.
const SSE_ARG: &str = "x-amz-server-side-encryption";

/// An error answer for an SSE request: exactly what Amazon S3 (or, in the MinIO dialect,
/// MinIO) sends back.
///
/// `Display` gives the S3 message; [`code`](Self::code), [`http_status`](Self::http_status),
/// [`argument_name`](Self::argument_name) and [`argument_value`](Self::argument_value) give
/// the rest, and [`to_xml`](Self::to_xml) renders the response body.
///
/// Some variants carry the header value S3 echoes as `ArgumentValue`. For the two key errors
/// ([`KeyNotBase64`](Self::KeyNotBase64), [`KeyTooShort`](Self::KeyTooShort)) that value is
/// what the client sent as its key (never a usable key: it does not decode to key bytes), so
/// it is echoed only in the XML body to the client that sent it and is redacted from `Debug`
/// and `Display`.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SseError {
    /// A field value holds CR, LF or NUL: not valid HTTP (RFC 9110 section 5.5). Refused
    /// before S3 semantics apply; there is no S3 error code.
    MalformedField,
    /// The header section is larger than 8192 bytes.
    HeaderSectionTooLarge,
    /// `x-amz-server-side-encryption` on an operation that does not take it
    /// (UploadPart, UploadPartCopy, CompleteMultipartUpload, GetObject, HeadObject).
    SseHeaderNotSupported {
        /// The header's value.
        value: String,
    },
    /// SSE-C over a connection without TLS (Amazon S3's answer).
    InsecureTransport,
    /// The bucket blocks SSE-C writes.
    SseCBlocked,
    /// SSE-C headers without a valid algorithm header (Amazon S3: the header is missing;
    /// MinIO: missing or not exactly `AES256`).
    MissingAlgorithm,
    /// SSE-C headers without the key header (or, in MinIO, with an empty one).
    MissingKey,
    /// SSE-C headers without the key-MD5 header.
    MissingKeyMd5,
    /// The key value holds a non-ASCII character.
    KeyNotBase64 {
        /// The key value as sent (echoed as `ArgumentValue`; redacted in `Debug`; wiped
        /// when dropped).
        value: zeroize::Zeroizing<String>,
    },
    /// The key decodes to no bytes at all.
    KeyTooShort {
        /// The key value as sent (echoed as `ArgumentValue`; redacted in `Debug`; wiped
        /// when dropped).
        value: zeroize::Zeroizing<String>,
    },
    /// The key-MD5 header is not the base64 MD5 of the key.
    KeyMd5Mismatch,
    /// SSE-C together with `x-amz-server-side-encryption`.
    IncompatibleSse {
        /// The `x-amz-server-side-encryption` value.
        value: String,
    },
    /// The SSE-C algorithm is present but not `AES256`.
    InvalidAlgorithm {
        /// The algorithm value.
        value: String,
    },
    /// The key is not 32 bytes long.
    InvalidKeyLength,
    /// `x-amz-server-side-encryption` is not `AES256`, `aws:kms` or `aws:kms:dsse`.
    UnsupportedSse,
    /// A KMS key id without `x-amz-server-side-encryption: aws:kms`.
    KmsKeyIdWithoutKms,
    /// The encryption context is not base64 of a JSON string-to-string object.
    InvalidKmsContext,
    /// SSE-KMS with a Signature Version 2 request.
    KmsRequiresSigV4,
    /// The object (or copy source) is SSE-C encrypted and the request has no SSE-C key.
    ObjectIsEncrypted,
    /// The key does not match the key the object was stored with (GET/HEAD).
    WrongKey,
    /// SSE-C headers for an object, source or upload that is not SSE-C.
    NotApplicable,
    /// The key does not match the one the copy source or upload was encrypted with.
    ParametersMismatch,
    /// A part of an SSE-C upload without its SSE-C headers, or with SSE-C headers for an
    /// upload that is not SSE-C.
    UploadRequiresEncryption,
    /// CompleteMultipartUpload with SSE-C headers that do not fit the upload.
    CompleteParametersMismatch,
    /// An error as MinIO answers it (the MinIO dialect of the parser).
    Minio(MinioError),
}

impl SseError {
    /// The S3 error code (`None` for [`MalformedField`](Self::MalformedField)).
    pub fn code(&self) -> Option<&'static str> {
        use SseError::*;
        Some(match self {
            MalformedField => return None,
            Minio(e) => e.code(),
            HeaderSectionTooLarge => "RequestHeaderSectionTooLarge",
            InvalidAlgorithm { .. } => "InvalidEncryptionAlgorithmError",
            SseCBlocked | WrongKey => "AccessDenied",
            ObjectIsEncrypted
            | NotApplicable
            | ParametersMismatch
            | UploadRequiresEncryption
            | CompleteParametersMismatch => "InvalidRequest",
            _ => "InvalidArgument",
        })
    }

    /// The HTTP status code.
    pub fn http_status(&self) -> u16 {
        match self {
            Self::SseCBlocked | Self::WrongKey => 403,
            Self::Minio(e) => e.http_status(),
            _ => 400,
        }
    }

    /// The exact message S3 sends.
    pub fn message(&self) -> &'static str {
        use SseError::*;
        match self {
            MalformedField => "Invalid character in a header field value.",
            HeaderSectionTooLarge => {
                "Your request header section exceeds the maximum allowed size."
            }
            SseHeaderNotSupported { .. } => {
                "x-amz-server-side-encryption header is not supported for this operation."
            }
            Minio(e) => e.message(),
            InsecureTransport => {
                "Requests specifying Server Side Encryption with Customer provided keys must be made over a secure connection."
            }
            SseCBlocked => {
                "Requests specifying Server Side Encryption with Customer provided keys are blocked for this bucket."
            }
            MissingAlgorithm => {
                "Requests specifying Server Side Encryption with Customer provided keys must provide a valid encryption algorithm."
            }
            MissingKey => {
                "Requests specifying Server Side Encryption with Customer provided keys must provide an appropriate secret key."
            }
            MissingKeyMd5 => {
                "Requests specifying Server Side Encryption with Customer provided keys must provide the client calculated MD5 of the secret key."
            }
            KeyNotBase64 { .. } => {
                "The secret key was improperly encoded. The secret key must be Base64 encoded."
            }
            KeyTooShort { .. } => "The secret key was invalid - too short.",
            KeyMd5Mismatch => {
                "The calculated MD5 hash of the key did not match the hash that was provided."
            }
            IncompatibleSse { .. } => {
                "Server Side Encryption with Customer provided key is incompatible with the encryption method specified"
            }
            InvalidAlgorithm { .. } => {
                "The Encryption request you specified is not valid. Supported value: AES256."
            }
            InvalidKeyLength => "The secret key was invalid for the specified algorithm.",
            UnsupportedSse => "The encryption method specified is not supported",
            KmsKeyIdWithoutKms => {
                "Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms"
            }
            InvalidKmsContext => {
                "The header 'x-amz-server-side-encryption-context' shall be Base64-encoded UTF-8 string holding JSON which represents a string-string map"
            }
            KmsRequiresSigV4 => {
                "Requests specifying Server Side Encryption with AWS KMS managed keys require AWS Signature Version 4."
            }
            ObjectIsEncrypted => {
                "The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object."
            }
            WrongKey => {
                "Requests specifying Server Side Encryption with Customer provided keys must provide the correct secret key."
            }
            NotApplicable => "The encryption parameters are not applicable to this object.",
            ParametersMismatch => {
                "The provided encryption parameters did not match the ones used originally."
            }
            UploadRequiresEncryption => {
                "The multipart upload initiate requested encryption. Subsequent part requests must include the appropriate encryption parameters."
            }
            CompleteParametersMismatch => {
                "The object was stored using a form of Server Side Encryption. Correct SSE-C request parameters are required for this request when specifying checksums for each part."
            }
        }
    }

    /// The `ArgumentName` S3 sends, if any.
    pub fn argument_name(&self) -> Option<&'static str> {
        use SseError::*;
        match self {
            SseHeaderNotSupported { .. }
            | InsecureTransport
            | MissingAlgorithm
            | MissingKey
            | MissingKeyMd5
            | KeyNotBase64 { .. }
            | KeyTooShort { .. }
            | KeyMd5Mismatch
            | IncompatibleSse { .. }
            | InvalidAlgorithm { .. }
            | InvalidKeyLength => Some(SSE_ARG),
            KmsRequiresSigV4 => Some("Authorization"),
            _ => None,
        }
    }

    /// The `ArgumentValue` S3 sends, if any. For the key errors this is the key text the
    /// client sent (see the type's documentation).
    pub fn argument_value(&self) -> Option<&str> {
        use SseError::*;
        match self {
            KeyNotBase64 { value } | KeyTooShort { value } => Some(value.as_str()),
            SseHeaderNotSupported { value }
            | IncompatibleSse { value }
            | InvalidAlgorithm { value } => Some(value),
            KmsRequiresSigV4 => Some("null"),
            _ => None,
        }
    }

    /// The `MaxSizeAllowed` element S3 adds to [`HeaderSectionTooLarge`](Self::HeaderSectionTooLarge).
    pub fn max_size_allowed(&self) -> Option<usize> {
        matches!(self, Self::HeaderSectionTooLarge).then_some(super::MAX_HEADER_SECTION)
    }

    /// Renders the S3 XML error body. `resource` and `request_id` are echoed as S3 does;
    /// pass `None` to leave them out. `MalformedField` has no S3 body and renders a generic
    /// `BadRequest` one.
    pub fn to_xml(&self, resource: Option<&str>, request_id: Option<&str>) -> String {
        let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>");
        push_elem(&mut s, "Code", self.code().unwrap_or("BadRequest"));
        push_elem(&mut s, "Message", self.message());
        if let Some(n) = self.argument_name() {
            push_elem(&mut s, "ArgumentName", n);
        }
        if let Some(v) = self.argument_value() {
            push_elem(&mut s, "ArgumentValue", v);
        }
        if let Some(m) = self.max_size_allowed() {
            push_elem(&mut s, "MaxSizeAllowed", &m.to_string());
        }
        if let Some(r) = resource {
            push_elem(&mut s, "Resource", r);
        }
        if let Some(r) = request_id {
            push_elem(&mut s, "RequestId", r);
        }
        s.push_str("</Error>");
        s
    }

    fn redacts_value(&self) -> bool {
        matches!(self, Self::KeyNotBase64 { .. } | Self::KeyTooShort { .. })
    }
}

fn push_elem(s: &mut String, name: &str, value: &str) {
    s.push('<');
    s.push_str(name);
    s.push('>');
    for c in value.chars() {
        match c {
            '&' => s.push_str("&amp;"),
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '"' => s.push_str("&quot;"),
            '\'' => s.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => s.push('\u{FFFD}'),
            c => s.push(c),
        }
    }
    s.push_str("</");
    s.push_str(name);
    s.push('>');
}

impl fmt::Display for SseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.code() {
            Some(code) => write!(f, "{} {code}: {}", self.http_status(), self.message()),
            None => write!(f, "{}: {}", self.http_status(), self.message()),
        }
    }
}

impl fmt::Debug for SseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("SseError");
        d.field("code", &self.code())
            .field("status", &self.http_status())
            .field("message", &self.message());
        if let Some(v) = self.argument_value() {
            if self.redacts_value() {
                d.field("argument_value", &"<redacted>");
            } else {
                d.field("argument_value", &v);
            }
        }
        d.finish()
    }
}

impl std::error::Error for SseError {}
