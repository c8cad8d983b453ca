//! Sealed ETags (MinIO `SealETag`/`UnsealETag`) and the ETag a client sees.
//!
//! MinIO stores `hex(seal(ETag))` as the ETag of an encrypted single-part object: the
//! content MD5 (or, for SSE-C/SSE-KMS PUTs without `Content-MD5`, a random value) sealed as
//! one DARE 2.0 stream under `HMAC-SHA256(OEK, "SSE-etag")`. A 16-byte MD5 seals to 48
//! bytes (96 hex characters).

use super::Domain;
use super::seal::{SealError, derived_key, open_derived, random, seal_derived_with};
use crate::dare::CipherSuite;
use crate::encoding::hex;
use crate::keys::ObjectKey;

/// The label of the ETag key.
pub const ETAG_LABEL: &[u8] = b"SSE-etag";

/// `HMAC-SHA256(OEK, "SSE-etag")`.
pub fn etag_key(oek: &ObjectKey) -> ObjectKey {
    derived_key(oek, ETAG_LABEL)
}

/// Seals `etag` with the caller's suite and nonce. An empty ETag stays empty.
pub fn seal_etag_with(
    oek: &ObjectKey,
    etag: &[u8],
    suite: CipherSuite,
    nonce: [u8; 12],
) -> Vec<u8> {
    seal_derived_with(oek, ETAG_LABEL, etag, suite, nonce)
}

/// Seals `etag` with a random nonce and the CPU's preferred suite.
pub fn seal_etag(oek: &ObjectKey, etag: &[u8]) -> Result<Vec<u8>, SealError> {
    Ok(seal_etag_with(
        oek,
        etag,
        CipherSuite::preferred(),
        random()?,
    ))
}

/// Whether a stored ETag looks sealed (longer than an MD5, as MinIO's `IsETagSealed`).
pub fn is_etag_sealed(etag: &[u8]) -> bool {
    etag.len() > 16
}

/// Unseals a stored ETag; one that is not sealed ([`is_etag_sealed`] false) is returned as
/// is, as MinIO does.
pub fn unseal_etag(oek: &ObjectKey, etag: &[u8]) -> Result<Vec<u8>, SealError> {
    if !is_etag_sealed(etag) {
        return Ok(etag.to_vec());
    }
    open_derived(oek, ETAG_LABEL, etag)
}

/// The ETag a GET/HEAD/PUT answer carries for an object whose stored ETag is
/// `stored_etag` (the hex string the server keeps):
/// - a multipart ETag (`<32 hex>-<n>`) or an unsealed one passes through;
/// - SSE-S3: the hex of the unsealed MD5 (needs the object key);
/// - SSE-C and SSE-KMS: the last 32 hex characters of the stored ETag (the DARE tag), since
///   the sealed value is not the content MD5.
pub fn client_etag(
    domain: Domain,
    stored_etag: &str,
    oek: &ObjectKey,
) -> Result<String, SealError> {
    let Some(raw) = crate::encoding::unhex(stored_etag) else {
        // Not hex: a multipart ETag `<hex>-<n>` or something this crate did not seal.
        return Ok(stored_etag.to_owned());
    };
    if !is_etag_sealed(&raw) {
        return Ok(stored_etag.to_owned());
    }
    match domain {
        Domain::SseS3 => Ok(hex(&unseal_etag(oek, &raw)?)),
        Domain::SseC | Domain::SseKms => {
            Ok(stored_etag[stored_etag.len().saturating_sub(32)..].to_ascii_lowercase())
        }
    }
}
