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
    if bucket.is_empty() || bucket.contains('/') || bucket == "." || bucket == ".." {
        return Err(SealError::UnboundName(
            "the bucket name must be non-empty, without '/', and not '.' or '..'",
        ));
    }
    if object.is_empty() {
        return Err(SealError::UnboundName("the object name is empty"));
    }
    let body = object.strip_suffix('/').unwrap_or(object);
    if body
        .split('/')
        .any(|e| e.is_empty() || e == "." || e == "..")
    {
        return Err(SealError::UnboundName(
            "the object name has an empty, '.' or '..' element (a leading '/', '//', '/./' or '/../'), which path.Clean would change",
        ));
    }
    // What `path.Join` gives for such a pair, without running `path.Clean` again.
    let joined = format!("{bucket}/{body}");
    debug_assert_eq!(joined, path_join(bucket, object));
    Ok(joined)
}

/// Go's `path.Join(bucket, object)`: the non-empty elements joined with `/`, then cleaned
/// (`path.Clean`: repeated slashes collapse, `.` elements go, `..` removes the element before
/// it, a trailing slash goes). This is MinIO's formula; it aliases (`a/` and `a`, `../x`
/// escapes the bucket), so sealing binds through [`binding_name`], which refuses the names
/// it would change.
///
/// ```
/// use s3crypt::sse::path_join;
/// assert_eq!(path_join("bucket", "dir//sub/./../file"), "bucket/dir/file");
/// assert_eq!(path_join("bucket", "dir/"), "bucket/dir");
/// assert_eq!(path_join("bucket", "../escape"), "escape");
/// assert_eq!(path_join("bucket", ""), "bucket");
/// ```
pub fn path_join(bucket: &str, object: &str) -> String {
    let joined = match (bucket.is_empty(), object.is_empty()) {
        (true, true) => return String::new(),
        (false, true) => bucket.to_owned(),
        (true, false) => object.to_owned(),
        (false, false) => format!("{bucket}/{object}"),
    };
    path_clean(&joined)
}

/// Go's `path.Clean`.
fn path_clean(p: &str) -> String {
    if p.is_empty() {
        return ".".to_owned();
    }
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for elem in p.split('/') {
        match elem {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            e => parts.push(e),
        }
    }
    let body = parts.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".to_owned(),
        (false, false) => body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_path_clean_cases() {
        // From Go's path package tests (cleantests).
        for (i, want) in [
            ("", "."),
            ("abc", "abc"),
            ("abc/def", "abc/def"),
            ("a/b/c", "a/b/c"),
            (".", "."),
            ("..", ".."),
            ("../..", "../.."),
            ("../../abc", "../../abc"),
            ("/abc", "/abc"),
            ("/", "/"),
            ("abc/", "abc"),
            ("abc/def/", "abc/def"),
            ("/abc/", "/abc"),
            ("//abc", "/abc"),
            ("abc//def//ghi", "abc/def/ghi"),
            ("abc/./def", "abc/def"),
            ("/./abc/def", "/abc/def"),
            ("abc/.", "abc"),
            ("abc/def/ghi/../jkl", "abc/def/jkl"),
            ("abc/def/../ghi/../jkl", "abc/jkl"),
            ("abc/def/..", "abc"),
            ("abc/def/../..", "."),
            ("/abc/def/../..", "/"),
            ("abc/def/../../..", ".."),
            ("/abc/def/../../..", "/"),
            ("abc/def/../../../ghi/jkl/../../../mno", "../../mno"),
            ("abc/./../def", "def"),
            ("abc//./../def", "def"),
            ("abc/../../././../def", "../../def"),
        ] {
            assert_eq!(path_clean(i), want, "Clean({i:?})");
        }
        assert_eq!(path_join("", ""), "");
        assert_eq!(path_join("", "x"), "x");
        assert_eq!(path_join("b", "/object"), "b/object");
        assert_eq!(path_join("b", ".."), ".");
    }
}
