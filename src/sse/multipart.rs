//! Multipart uploads: part keys, part stream nonces, sizes, and plaintext ranges across
//! parts (MinIO `DerivePartKey`, `PutObjectPart`, `GetDecryptedRange`).
//!
//! Every part is its own DARE 2.0 stream under `HMAC-SHA256(OEK, u32le(part number))`,
//! sequence numbers from 0; the stored object is the parts' concatenation.

use crate::dare::range::{decrypted_size, encrypted_size};
use crate::dare::{
    CipherSuite, DareError, DecryptOptions, Decryptor, Encryptor, MAX_PACKAGE, MAX_PAYLOAD,
};
use crate::kdf::{hmac_sha256, sha256};
use crate::keys::ObjectKey;

/// `HMAC-SHA256(OEK, u32le(part_number))`: the key of one part (the S3 part number, 1 to
/// 10000, not its index).
pub fn part_key(oek: &ObjectKey, part_number: u32) -> ObjectKey {
    ObjectKey::take(&mut hmac_sha256(
        oek.expose_secret(),
        &[&part_number.to_le_bytes()],
    ))
}

/// The encryptor of one part upload: the part's key and a fresh random stream nonce. Every
/// upload of a part number gets its own nonce, so re-uploading part N with other data never
/// reuses (key, nonce) — which [`minio_part_nonce`] would.
pub fn part_encryptor(
    oek: &ObjectKey,
    part_number: u32,
    suite: CipherSuite,
) -> Result<Encryptor, DareError> {
    Encryptor::new(&part_key(oek, part_number), suite)
}

/// The decryptor of one stored part of `stored_size` bytes (the nonce is read from the
/// stored packages, so parts written by MinIO and by [`part_encryptor`] read alike).
pub fn part_decryptor(oek: &ObjectKey, part_number: u32, stored_size: u64) -> Decryptor {
    Decryptor::new(
        &part_key(oek, part_number),
        DecryptOptions::new().stored_size(stored_size),
    )
}

/// MinIO's stream nonce of a part: `SHA-256(upload id ‖ decimal(part number))[..12]`, no
/// separator.
///
/// It is deterministic: re-uploading the same part number of the same upload with other
/// data reuses (key, nonce), which MinIO accepts and which leaks the XOR of the two
/// plaintexts. **Use it only to reproduce MinIO's bytes** (vectors); write parts with
/// [`part_encryptor`].
pub fn minio_part_nonce(upload_id: &str, part_number: u32) -> [u8; 12] {
    let h = sha256(&[upload_id.as_bytes(), part_number.to_string().as_bytes()]);
    let mut n = [0u8; 12];
    n.copy_from_slice(&h[..12]);
    n
}

/// Plaintext size of a multipart object from its stored part sizes.
pub fn decrypted_object_size(stored_part_sizes: &[u64]) -> Result<u64, DareError> {
    stored_part_sizes.iter().try_fold(0u64, |acc, &s| {
        acc.checked_add(decrypted_size(s)?)
            .ok_or(DareError::SizeTooLarge)
    })
}

/// Stored size of a multipart object from its parts' plaintext sizes.
pub fn encrypted_object_size(part_sizes: &[u64]) -> Result<u64, DareError> {
    part_sizes.iter().try_fold(0u64, |acc, &s| {
        acc.checked_add(encrypted_size(s)?)
            .ok_or(DareError::SizeTooLarge)
    })
}

/// Where a plaintext range of a multipart object lies in the stored bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MultipartRange {
    /// Index (0-based) of the part holding the first byte.
    pub first_part: usize,
    /// Index of the part holding the last byte.
    pub last_part: usize,
    /// Sequence number of the first package read, in `first_part`'s stream (later parts
    /// start at 0 with their own key).
    pub sequence_number: u32,
    /// Offset of the first stored byte to read (from the object's start).
    pub encrypted_offset: u64,
    /// Stored bytes to read.
    pub encrypted_length: u64,
    /// Plaintext bytes to drop from the first package read.
    pub skip: u64,
}

/// Maps the plaintext range `[offset, offset + length)` of a multipart object, given its
/// stored part sizes, onto the stored bytes (MinIO `GetDecryptedRange`). Fails on an
/// impossible part size, an empty range or one past the end.
pub fn multipart_range(
    stored_part_sizes: &[u64],
    offset: u64,
    length: u64,
) -> Result<MultipartRange, DareError> {
    const P: u64 = MAX_PAYLOAD as u64;
    const E: u64 = MAX_PACKAGE as u64;
    let sizes: Vec<u64> = stored_part_sizes
        .iter()
        .map(|&s| decrypted_size(s))
        .collect::<Result<_, _>>()?;
    // Sizes come from storage: every sum is checked.
    let total = sizes
        .iter()
        .try_fold(0u64, |acc, &s| acc.checked_add(s))
        .ok_or(DareError::SizeTooLarge)?;
    stored_part_sizes
        .iter()
        .try_fold(0u64, |acc, &s| acc.checked_add(s))
        .ok_or(DareError::SizeTooLarge)?;
    let end = offset
        .checked_add(length)
        .filter(|&e| length > 0 && e <= total)
        .ok_or(DareError::InvalidSize)?;
    let last = end - 1;
    let (mut cum, mut enc_cum) = (0u64, 0u64);
    let mut first = None;
    let mut result = MultipartRange {
        first_part: 0,
        last_part: 0,
        sequence_number: 0,
        encrypted_offset: 0,
        encrypted_length: 0,
        skip: 0,
    };
    for (i, (&s, &stored)) in sizes.iter().zip(stored_part_sizes).enumerate() {
        // cum + s and enc_cum + stored are at most the totals checked above.
        let part_end = cum + s;
        if first.is_none() && offset < part_end {
            let pkg = (offset - cum) / P;
            result.first_part = i;
            result.sequence_number = u32::try_from(pkg).map_err(|_| DareError::InvalidSize)?;
            result.skip = (offset - cum) % P;
            result.encrypted_offset = enc_cum + pkg * E;
            first = Some(i);
        }
        if first.is_some() && last < part_end {
            let pkg = (last - cum) / P;
            let end_enc = (pkg + 1)
                .checked_mul(E)
                .and_then(|x| x.checked_add(enc_cum))
                .ok_or(DareError::SizeTooLarge)?
                .min(enc_cum + stored);
            result.last_part = i;
            result.encrypted_length = end_enc - result.encrypted_offset;
            return Ok(result);
        }
        cum = part_end;
        enc_cum += stored;
    }
    Err(DareError::InvalidSize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minio_issue50_known_answer() {
        // Upstream TestGetDecryptedRange_Issue50: two parts of 297580380 stored bytes,
        // bytes=594870256-594870263.
        let r = multipart_range(&[297_580_380, 297_580_380], 594_870_256, 8).unwrap();
        assert_eq!(r.encrypted_offset, 595_127_964);
        assert_eq!(r.encrypted_length, 32_796);
        assert_eq!(r.skip, 32_756);
        assert_eq!(r.sequence_number, 4538);
        assert_eq!((r.first_part, r.last_part), (1, 1));
    }

    #[test]
    fn spans_parts() {
        let stored = [
            encrypted_size(100_000).unwrap(),
            encrypted_size(10).unwrap(),
        ];
        let r = multipart_range(&stored, 99_990, 20).unwrap();
        assert_eq!((r.first_part, r.last_part, r.sequence_number), (0, 1, 1));
        assert_eq!(r.encrypted_offset, MAX_PACKAGE as u64);
        assert_eq!(
            r.encrypted_length,
            stored[0] - MAX_PACKAGE as u64 + stored[1]
        );
        assert_eq!(r.skip, 99_990 - 65_536);
        assert!(multipart_range(&stored, 100_010, 1).is_err());
        assert!(multipart_range(&stored, 0, 0).is_err());
        assert!(multipart_range(&[32], 0, 1).is_err()); // not a DARE size
    }

    #[test]
    fn sizes_from_storage_cannot_overflow() {
        // 70,000 parts of 2^48 plaintext bytes: the sum passes u64 (it panicked in debug
        // builds and wrapped in release).
        let big = encrypted_size(1 << 48).unwrap();
        let parts = vec![big; 70_000];
        assert_eq!(multipart_range(&parts, 0, 1), Err(DareError::SizeTooLarge));
        assert_eq!(decrypted_object_size(&parts), Err(DareError::SizeTooLarge));
        assert!(multipart_range(&[u64::MAX, u64::MAX], 0, 1).is_err());
    }
}
