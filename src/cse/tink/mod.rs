//! Tink streaming AEAD: AES-GCM-HKDF-Streaming and AES-CTR-HMAC-Streaming, byte-compatible
//! with Tink (tink-cc, tink-java, tink-go, tink-py). Encrypt and decrypt, sans-IO
//! ([`Encryptor`], [`Decryptor`], [`encrypt_buffer`], [`decrypt_buffer`]), random access
//! ([`RandomAccess`]: a plaintext range → the ciphertext bytes to fetch → their authenticated
//! plaintext), and keys read from cleartext Tink keysets ([`Keyset`], JSON and binary).
//!
//! ```text
//! ciphertext = header ‖ segment_0 ‖ … ‖ segment_{n−1}
//! header     = byte(H) ‖ salt (K bytes) ‖ nonce_prefix (7 bytes)          H = 1 + K + 7
//! GCM:       segment_i = AES-GCM(key, nonce_prefix ‖ be32(i) ‖ last, M_i, aad = "")   key = HKDF(key_value, salt, info = AD)
//! CTR-HMAC:  segment_i = c ‖ HMAC(hmac_key, iv ‖ c)[..tag]                              iv = nonce_prefix ‖ be32(i) ‖ last ‖ 0⁴
//! ```
//!
//! The associated data goes into the key derivation, so a wrong AD fails on the first
//! segment. Segment `i` is bound to its index and to whether it is the last one, so
//! reordering, dropping or appending segments fails. Tink adds no 5-byte key prefix to
//! streaming ciphertexts, whatever the keyset's output prefix type says.
//!
//! ```
//! use s3crypt::cse::tink::{self, StreamingKey, Template};
//!
//! let key = StreamingKey::generate(Template::Aes256GcmHkdf4Kb)?;
//! let ct = tink::encrypt_buffer(&key, b"s3://bucket/key", &[7u8; 10_000])?;
//! assert_eq!(ct.len(), 10_000 + 40 + 3 * 16);
//! assert_eq!(tink::decrypt_buffer(&key, b"s3://bucket/key", &ct)?, [7u8; 10_000]);
//! assert!(tink::decrypt_buffer(&key, b"s3://bucket/other", &ct).is_err());
//! # Ok::<(), s3crypt::cse::tink::TinkError>(())
//! ```

mod encrypted;
pub mod io;
mod keyset;
mod stream;

pub use encrypted::KeysetMaster;
pub use keyset::{KeyStatus, Keyset, KeysetKey, OutputPrefix};
pub use stream::{
    Decryptor, Encryptor, RandomAccess, RangePlan, decrypt_buffer, decrypt_into, encrypt_buffer,
    encrypt_into, encrypt_into_with,
};

use zeroize::Zeroizing;

/// Why a Tink key, keyset or ciphertext was refused. Never carries key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TinkError {
    /// The key or its parameters are outside what Tink allows.
    #[error("invalid Tink streaming key: {0}")]
    InvalidKey(&'static str),
    /// The keyset (JSON or binary) is malformed or holds something this crate does not read.
    #[error("invalid Tink keyset: {0}")]
    InvalidKeyset(&'static str),
    /// The keyset holds a key type that is not a streaming AEAD this crate implements.
    #[error(
        "unsupported Tink key type {0:?}; expected AesGcmHkdfStreamingKey or AesCtrHmacStreamingKey"
    )]
    UnsupportedKeyType(String),
    /// The ciphertext header is malformed (wrong length byte, or shorter than the header).
    #[error("the ciphertext header is malformed: {0}")]
    Header(&'static str),
    /// The ciphertext ends early or its last segment is shorter than a tag.
    #[error("the ciphertext is truncated: {0}")]
    Truncated(&'static str),
    /// A segment did not authenticate: wrong key or associated data, or tampered, reordered,
    /// truncated or extended ciphertext.
    #[error(
        "segment {segment} does not authenticate (wrong key or associated data, or tampered ciphertext)"
    )]
    Authentication {
        /// The segment index.
        segment: u64,
    },
    /// More data than the format can hold (2^32 segments) or than fits in memory.
    #[error("the stream is too long for the format (at most 2^32 segments)")]
    TooLong,
    /// A range that does not lie within the plaintext.
    #[error("range {offset}+{len} is outside the plaintext of {plaintext_len} bytes")]
    Range {
        /// Start of the range.
        offset: u64,
        /// Length of the range.
        len: u64,
        /// The plaintext length.
        plaintext_len: u64,
    },
    /// Storage answered a different number of bytes than the plan asked for.
    #[error("fetched {got} ciphertext bytes, the plan needs exactly {expected}")]
    FetchedLength {
        /// Bytes given.
        got: usize,
        /// Bytes the plan asked for.
        expected: u64,
    },
    /// The output buffer has the wrong size.
    #[error("the output buffer has {got} bytes, {expected} expected")]
    OutputSize {
        /// Bytes given.
        got: usize,
        /// Bytes required.
        expected: u64,
    },
    /// `update` or `finish` was called after `finish` or after an error.
    #[error("the stream is already finished or failed")]
    Finished,
    /// No key of the keyset decrypts the ciphertext (Tink's "No matching key found").
    #[error("no key of the keyset decrypts the ciphertext")]
    NoMatchingKey,
    /// The OS random number generator failed.
    #[error("the OS random number generator failed")]
    Random,
    /// An encrypted keyset did not decrypt: wrong master key or associated data, or a
    /// tampered keyset.
    #[error(
        "the encrypted keyset does not decrypt under this master key and associated data (wrong key, wrong associated data, or tampered)"
    )]
    KeysetDecryption,
    /// The key provider could not open the master key's data key.
    #[error("the key provider could not open the keyset's master key: {0}")]
    Kms(#[from] crate::kms::KmsError),
}

/// A hash function of Tink's key parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HashType {
    /// SHA-1 (Tink allows it for HKDF and HMAC in streaming keys).
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-512.
    Sha512,
}

impl HashType {
    /// Tink's `HashType` enum value (`SHA1 = 1`, `SHA256 = 3`, `SHA512 = 4`).
    pub fn from_proto(v: u64) -> Option<Self> {
        match v {
            1 => Some(Self::Sha1),
            3 => Some(Self::Sha256),
            4 => Some(Self::Sha512),
            _ => None,
        }
    }

    /// Tink's `HashType` enum value, as [`HashType::from_proto`] reads it.
    pub fn proto_value(self) -> u64 {
        match self {
            Self::Sha1 => 1,
            Self::Sha256 => 3,
            Self::Sha512 => 4,
        }
    }

    /// Tink's JSON/enum name (`SHA1`, `SHA256`, `SHA512`).
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "SHA1" => Some(Self::Sha1),
            "SHA256" => Some(Self::Sha256),
            "SHA512" => Some(Self::Sha512),
            _ => None,
        }
    }

    /// Output length in bytes.
    pub fn output_len(self) -> usize {
        match self {
            Self::Sha1 => 20,
            Self::Sha256 => 32,
            Self::Sha512 => 64,
        }
    }
}

/// The parameters of a streaming key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StreamingParams {
    /// AES-GCM-HKDF-Streaming.
    AesGcmHkdf {
        /// Ciphertext segment size in bytes (`S`).
        segment_size: u32,
        /// AES key size derived per stream (`K`): 16 or 32.
        derived_key_size: u8,
        /// HKDF hash.
        hkdf_hash: HashType,
    },
    /// AES-CTR-HMAC-Streaming.
    AesCtrHmac {
        /// Ciphertext segment size in bytes.
        segment_size: u32,
        /// AES key size derived per stream: 16 or 32.
        derived_key_size: u8,
        /// HKDF hash.
        hkdf_hash: HashType,
        /// HMAC hash.
        hmac_hash: HashType,
        /// HMAC tag bytes kept per segment (10 ..= hash length).
        tag_size: u8,
    },
}

impl StreamingParams {
    fn segment_size(&self) -> u32 {
        match *self {
            Self::AesGcmHkdf { segment_size, .. } | Self::AesCtrHmac { segment_size, .. } => {
                segment_size
            }
        }
    }
    fn derived_key_size(&self) -> usize {
        match *self {
            Self::AesGcmHkdf {
                derived_key_size, ..
            }
            | Self::AesCtrHmac {
                derived_key_size, ..
            } => usize::from(derived_key_size),
        }
    }
    /// Bytes of tag per segment.
    fn tag_len(&self) -> usize {
        match *self {
            Self::AesGcmHkdf { .. } => 16,
            Self::AesCtrHmac { tag_size, .. } => usize::from(tag_size),
        }
    }
    /// Header length `H = 1 + K + 7`.
    pub fn header_len(&self) -> usize {
        1 + self.derived_key_size() + 7
    }
}

/// Tink's streaming key templates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Template {
    /// `AES128_GCM_HKDF_4KB`: 16-byte key, HKDF-SHA256, 4096-byte segments.
    Aes128GcmHkdf4Kb,
    /// `AES128_GCM_HKDF_1MB`.
    Aes128GcmHkdf1Mb,
    /// `AES256_GCM_HKDF_4KB`: 32-byte key, HKDF-SHA256, 4096-byte segments.
    Aes256GcmHkdf4Kb,
    /// `AES256_GCM_HKDF_1MB`: 32-byte key, HKDF-SHA256, 1 MiB segments.
    Aes256GcmHkdf1Mb,
    /// `AES128_CTR_HMAC_SHA256_4KB`.
    Aes128CtrHmacSha256_4Kb,
    /// `AES128_CTR_HMAC_SHA256_1MB`.
    Aes128CtrHmacSha256_1Mb,
    /// `AES256_CTR_HMAC_SHA256_4KB`: HMAC-SHA256 with a 32-byte tag.
    Aes256CtrHmacSha256_4Kb,
    /// `AES256_CTR_HMAC_SHA256_1MB`.
    Aes256CtrHmacSha256_1Mb,
}

impl Template {
    /// The template's parameters and key size.
    pub fn params(self) -> (StreamingParams, usize) {
        use Template::*;
        let (k, seg) = match self {
            Aes128GcmHkdf4Kb | Aes128CtrHmacSha256_4Kb => (16, 4096),
            Aes128GcmHkdf1Mb | Aes128CtrHmacSha256_1Mb => (16, 1 << 20),
            Aes256GcmHkdf4Kb | Aes256CtrHmacSha256_4Kb => (32, 4096),
            Aes256GcmHkdf1Mb | Aes256CtrHmacSha256_1Mb => (32, 1 << 20),
        };
        let p = match self {
            Aes128GcmHkdf4Kb | Aes128GcmHkdf1Mb | Aes256GcmHkdf4Kb | Aes256GcmHkdf1Mb => {
                StreamingParams::AesGcmHkdf {
                    segment_size: seg,
                    derived_key_size: k as u8,
                    hkdf_hash: HashType::Sha256,
                }
            }
            _ => StreamingParams::AesCtrHmac {
                segment_size: seg,
                derived_key_size: k as u8,
                hkdf_hash: HashType::Sha256,
                hmac_hash: HashType::Sha256,
                tag_size: 32,
            },
        };
        (p, k)
    }
}

/// A Tink streaming key: parameters and the main key (`key_value`, the HKDF input; wiped on
/// drop, redacted in `Debug`).
#[derive(Clone)]
pub struct StreamingKey {
    params: StreamingParams,
    first_segment_offset: u32,
    key_value: Zeroizing<Vec<u8>>,
}

impl core::fmt::Debug for StreamingKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("StreamingKey")
            .field("params", &self.params)
            .field("first_segment_offset", &self.first_segment_offset)
            .field("key_value", &"<redacted>")
            .finish()
    }
}

impl StreamingKey {
    /// A key from its parameters and main key, checked as Tink checks them: derived key
    /// size 16 or 32; main key at least 16 bytes and at least the derived key size; the
    /// first segment holds at least one plaintext byte; HMAC tag 10 ..= hash length.
    pub fn new(params: StreamingParams, key_value: &[u8]) -> Result<Self, TinkError> {
        let k = params.derived_key_size();
        if k != 16 && k != 32 {
            return Err(TinkError::InvalidKey("derived key size must be 16 or 32"));
        }
        if key_value.len() < 16 || key_value.len() < k {
            return Err(TinkError::InvalidKey(
                "key value must be at least 16 bytes and at least the derived key size",
            ));
        }
        if let StreamingParams::AesCtrHmac {
            hmac_hash,
            tag_size,
            ..
        } = params
        {
            if tag_size < 10 || usize::from(tag_size) > hmac_hash.output_len() {
                return Err(TinkError::InvalidKey(
                    "HMAC tag size must be at least 10 and at most the hash length",
                ));
            }
        }
        let key = Self {
            params,
            first_segment_offset: 0,
            key_value: Zeroizing::new(key_value.to_vec()),
        };
        key.layout()?;
        Ok(key)
    }

    /// A key of `template` with a fresh random main key.
    pub fn generate(template: Template) -> Result<Self, TinkError> {
        let (params, len) = template.params();
        let mut k = Zeroizing::new(vec![0u8; len]);
        getrandom::fill(&mut k).map_err(|_| TinkError::Random)?;
        Self::new(params, &k)
    }

    /// A key of `template` with the caller's main key (16 or 32 bytes as the template says).
    pub fn from_template(template: Template, key_value: &[u8]) -> Result<Self, TinkError> {
        let (params, len) = template.params();
        if key_value.len() != len {
            return Err(TinkError::InvalidKey(
                "key value length does not match the template",
            ));
        }
        Self::new(params, key_value)
    }

    /// The same key with a first-segment offset: the first segment holds `offset` fewer
    /// plaintext bytes (Tink's `firstSegmentOffset`, for containers that put `offset` bytes
    /// of their own in front of the header). The ciphertext this crate reads and writes
    /// starts at the header; those `offset` bytes are the caller's. The public Tink APIs use 0.
    pub fn with_first_segment_offset(mut self, offset: u32) -> Result<Self, TinkError> {
        self.first_segment_offset = offset;
        self.layout()?;
        Ok(self)
    }

    /// The key's parameters.
    pub fn params(&self) -> &StreamingParams {
        &self.params
    }

    /// The plaintext length of a ciphertext of `ciphertext_len` bytes (an error if no
    /// ciphertext of this key has that length).
    pub fn plaintext_len(&self, ciphertext_len: u64) -> Result<u64, TinkError> {
        Ok(self.layout()?.split(ciphertext_len)?.1)
    }

    /// The ciphertext length of a `plaintext_len`-byte plaintext.
    pub fn ciphertext_len(&self, plaintext_len: u64) -> Result<u64, TinkError> {
        self.layout()?.ciphertext_len(plaintext_len)
    }

    pub(crate) fn layout(&self) -> Result<stream::Layout, TinkError> {
        stream::Layout::new(&self.params, self.first_segment_offset)
    }
}
