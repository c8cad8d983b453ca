//! Step 7: a parsed request against the stored encryption of what it touches.

use super::{Encryption, Operation, SseError, SseRequest};
use crate::keys::KeyMd5;

/// How an existing object (or multipart upload) is encrypted, as far as request checks go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoredEncryption {
    /// Not encrypted.
    None,
    /// SSE-C, with the MD5 of the customer key it was encrypted with.
    SseC {
        /// MD5 of the customer key.
        key_md5: KeyMd5,
    },
    /// SSE-S3.
    SseS3,
    /// SSE-KMS.
    SseKms,
    /// DSSE-KMS.
    DsseKms,
}

impl StoredEncryption {
    fn sse_c_md5(&self) -> Option<&KeyMd5> {
        match self {
            Self::SseC { key_md5 } => Some(key_md5),
            _ => None,
        }
    }
}

/// What the server has stored for a request's target. An entry left `None` is not consulted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StoredState {
    /// The object a GET or HEAD reads.
    pub object: Option<StoredEncryption>,
    /// The multipart upload an UploadPart, UploadPartCopy or CompleteMultipartUpload belongs to.
    pub upload: Option<StoredEncryption>,
    /// The source of a CopyObject or UploadPartCopy.
    pub source: Option<StoredEncryption>,
}

pub(super) fn check(req: &SseRequest, state: &StoredState) -> Result<(), SseError> {
    let op = req.operation;
    let dest = match &req.encryption {
        Encryption::SseC(c) => Some(c),
        _ => None,
    };

    // 7.1 the copy source.
    if op.has_copy_source() {
        if let Some(src) = &state.source {
            match (src.sse_c_md5(), &req.copy_source) {
                (Some(_), None) => return Err(SseError::ObjectIsEncrypted),
                (Some(md5), Some(key)) if !key.matches(md5) => {
                    return Err(SseError::ParametersMismatch);
                }
                (None, Some(_)) => return Err(SseError::NotApplicable),
                _ => {}
            }
        }
    }

    match op {
        // 7.2 a part and its upload.
        Operation::UploadPart | Operation::UploadPartCopy => {
            if let Some(upload) = &state.upload {
                match (upload.sse_c_md5(), dest) {
                    (Some(_), None) | (None, Some(_)) => {
                        return Err(SseError::UploadRequiresEncryption);
                    }
                    (Some(md5), Some(key)) if !key.matches(md5) => {
                        return Err(SseError::ParametersMismatch);
                    }
                    _ => {}
                }
            }
        }
        // 7.3 completing an upload: checked only when the request carries SSE-C.
        Operation::CompleteMultipartUpload => {
            if let (Some(upload), Some(key)) = (&state.upload, dest) {
                if !upload.sse_c_md5().is_some_and(|md5| key.matches(md5)) {
                    return Err(SseError::CompleteParametersMismatch);
                }
            }
        }
        // 7.4 reads.
        Operation::GetObject | Operation::HeadObject => {
            if let Some(object) = &state.object {
                match (object.sse_c_md5(), dest) {
                    (Some(_), None) => return Err(SseError::ObjectIsEncrypted),
                    (Some(md5), Some(key)) if !key.matches(md5) => {
                        return Err(SseError::WrongKey);
                    }
                    (None, Some(_)) => return Err(SseError::NotApplicable),
                    _ => {}
                }
                if matches!(object, StoredEncryption::SseKms | StoredEncryption::DsseKms)
                    && req.signature_v2
                {
                    return Err(SseError::KmsRequiresSigV4);
                }
            }
        }
        _ => {}
    }
    Ok(())
}
