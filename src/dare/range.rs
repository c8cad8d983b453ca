//! DARE size math and the mapping of a plaintext range onto the stored bytes that hold it
//! (single-part objects; every package but the last carries 65536 bytes).

use super::{DareError, MAX_DECRYPTED_SIZE, MAX_PACKAGE, MAX_PAYLOAD, OVERHEAD};

const P: u64 = MAX_PAYLOAD as u64;
const E: u64 = MAX_PACKAGE as u64;
const O: u64 = OVERHEAD as u64;

/// Stored size of a DARE 2.0 stream of `plaintext` bytes (sio's `EncryptedSize`).
pub fn encrypted_size(plaintext: u64) -> Result<u64, DareError> {
    if plaintext > MAX_DECRYPTED_SIZE {
        return Err(DareError::SizeTooLarge);
    }
    let rem = plaintext % P;
    Ok(plaintext / P * E + if rem > 0 { rem + O } else { 0 })
}

/// Plaintext size of a stored DARE stream of `encrypted` bytes (sio's `DecryptedSize`);
/// an error for sizes no stream can have.
pub fn decrypted_size(encrypted: u64) -> Result<u64, DareError> {
    if encrypted > MAX_DECRYPTED_SIZE + O * (1 << 32) {
        return Err(DareError::SizeTooLarge);
    }
    let rem = encrypted % E;
    if rem > 0 && rem <= O {
        return Err(DareError::InvalidSize);
    }
    let size = encrypted / E * P + if rem > 0 { rem - O } else { 0 };
    if size > MAX_DECRYPTED_SIZE {
        return Err(DareError::SizeTooLarge);
    }
    Ok(size)
}

/// Which stored bytes hold a plaintext range, and how to decrypt them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PackageRange {
    /// Plaintext offset of the range.
    pub plaintext_offset: u64,
    /// Plaintext length of the range.
    pub plaintext_length: u64,
    /// First stored byte to read (a package boundary).
    pub encrypted_offset: u64,
    /// Stored bytes to read (whole packages).
    pub encrypted_length: u64,
    /// Sequence number of the first package read (= its index): the decryptor's start.
    pub sequence_number: u32,
    /// Plaintext bytes to drop from the start of the decrypted packages.
    pub skip: u64,
    /// Whether the bytes read end with the stream's final package.
    pub includes_final: bool,
}

impl PackageRange {
    /// The same range in a stream whose first package has sequence number `start_seq`
    /// (written with [`Encryptor::with_nonce`](super::Encryptor::with_nonce)`(.., start_seq)`;
    /// 0 for everything this crate and MinIO write).
    pub fn starting_at(mut self, start_seq: u32) -> Result<Self, DareError> {
        self.sequence_number = self
            .sequence_number
            .checked_add(start_seq)
            .ok_or(DareError::TooManyPackages)?;
        Ok(self)
    }
}

/// Maps the plaintext range `[offset, offset + length)` of a single-part object of
/// `object_size` plaintext bytes onto its stored packages, as MinIO's `GetDecryptedRange`
/// does. The range must lie inside the object (resolve HTTP ranges first with
/// [`crate::headers::range`]); an empty range maps to zero stored bytes at a package
/// boundary inside the object (skip 0). Decrypt the fetched bytes with
/// [`decrypt_range`](super::decrypt_range) or [`Decryptor::for_range`](super::Decryptor::for_range).
pub fn package_range(
    object_size: u64,
    offset: u64,
    length: u64,
) -> Result<PackageRange, DareError> {
    let stored = encrypted_size(object_size)?;
    let end = offset.checked_add(length).ok_or(DareError::InvalidSize)?;
    if end > object_size {
        return Err(DareError::InvalidSize);
    }
    let first = offset / P;
    let sequence_number = u32::try_from(first).map_err(|_| DareError::TooManyPackages)?;
    let encrypted_offset = first * E;
    if length == 0 {
        // Nothing to read: no bytes, no skip, and an offset that never points past the data.
        return Ok(PackageRange {
            plaintext_offset: offset,
            plaintext_length: 0,
            encrypted_offset: encrypted_offset.min(stored),
            encrypted_length: 0,
            sequence_number,
            skip: 0,
            includes_final: false,
        });
    }
    let encrypted_end = ((end - 1) / P + 1).saturating_mul(E).min(stored);
    Ok(PackageRange {
        plaintext_offset: offset,
        plaintext_length: length,
        encrypted_offset,
        encrypted_length: encrypted_end - encrypted_offset,
        sequence_number,
        skip: offset % P,
        includes_final: encrypted_end == stored,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_round_trip() {
        for n in [
            0,
            1,
            65535,
            65536,
            65537,
            131072,
            5 << 30,
            MAX_DECRYPTED_SIZE,
        ] {
            assert_eq!(decrypted_size(encrypted_size(n).unwrap()).unwrap(), n);
        }
        assert_eq!(
            encrypted_size(MAX_DECRYPTED_SIZE + 1),
            Err(DareError::SizeTooLarge)
        );
        assert_eq!(decrypted_size(32), Err(DareError::InvalidSize));
        assert_eq!(decrypted_size(E + 1), Err(DareError::InvalidSize));
        assert_eq!(decrypted_size(33), Ok(1));
    }
}
