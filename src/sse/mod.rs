//! MinIO-compatible server-side encryption: the key hierarchy below an S3 object.
//!
//! ```text
//! external key EK   SSE-C: the customer key; SSE-S3/SSE-KMS: a KMS data key
//! OEK  = HMAC-SHA256(EK, "object-encryption-key generation" ‖ random32)   per object
//! KEK  = HMAC-SHA256(EK, IV32 ‖ domain ‖ "DAREv2-HMAC-SHA256" ‖ path.Join(bucket, object))
//! sealed OEK = one DARE 2.0 package of the OEK under the KEK (64 bytes), in metadata
//! part key = HMAC-SHA256(OEK, u32le(part number)); ETag key = HMAC-SHA256(OEK, "SSE-etag")
//! ```
//!
//! - [`seal`]: object-key generation, sealing-key derivation, [`SealedKey`] seal/unseal
//!   (and legacy `DARE-SHA256` unseal behind an opt-in), re-sealing for rotation;
//! - [`metadata`]: the stored `X-Minio-Internal-Server-Side-Encryption-*` entries (or the
//!   same under a prefix of your choice), strict in both directions;
//! - [`multipart`]: part keys, part nonces, sizes and ranges of multipart objects;
//! - [`etag`]: sealed ETags and the ETag a client sees;
//! - [`object`]: one call per S3 operation (PUT, GET, key rotation) for SSE-C, SSE-S3 and
//!   SSE-KMS, from request to what to store and back.
//!
//! The byte layout is in `docs/sse.md`; `minio/sealed_keys.json` proves it.

pub mod bucket;
pub mod etag;
pub mod metadata;
pub mod multipart;
pub mod object;
pub mod seal;

pub use seal::{Domain, SealAlgorithm, SealError, SealedKey, UnsealOptions};

pub use crate::names::path_join;

/// The name a sealed key is bound to: `path.Join(bucket, object)`, **refusing** every
/// bucket/object pair whose join another pair could also give. MinIO binds
/// `path.Join(bucket, object)` and is safe only because it refuses object names `path.Clean`
/// changes before it seals; this function makes that rule part of the binding:
///
/// - the bucket must be non-empty, hold no `/`, and not be `.` or `..`;
/// - the object must be non-empty, must not start with `/`, and (after one trailing `/`,
///   which is allowed) must hold no empty, `.` or `..` element.
///
/// So `a//b`, `a/./b`, `x/../y` and, across buckets, `b1` + `../b2/obj` are refused, and the
/// one alias left is a directory marker: `dir/` binds like `dir` (MinIO stores both as the
/// same path; see `docs/sse.md`).
///
/// ```
/// use s3crypt::sse::{SealError, binding_name};
/// assert_eq!(binding_name("bucket", "dir/file").unwrap(), "bucket/dir/file");
/// assert_eq!(binding_name("bucket", "dir/").unwrap(), "bucket/dir");
/// assert!(matches!(binding_name("b1", "../b2/obj"), Err(SealError::UnboundName(_))));
/// assert!(binding_name("bucket", "a//b").is_err());
/// ```
pub fn binding_name(bucket: &str, object: &str) -> Result<String, SealError> {
    crate::names::binding_name(bucket, object).map_err(SealError::UnboundName)
}
