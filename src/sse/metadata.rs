//! The metadata stored beside an encrypted object, so it can be decrypted later: MinIO's
//! `X-Minio-Internal-Server-Side-Encryption-*` entries, or the same under a prefix of your
//! choice. Strict in both directions: an unknown algorithm or entry, bad base64, a wrong
//! length, a missing or conflicting entry, a duplicate key are errors; `decode(encode(m))`
//! is `m`. It never holds the customer key or anything derived from it in plaintext.
//!
//! | entry (after the prefix) | value | SSE-C | SSE-S3 | SSE-KMS |
//! |---|---|---|---|---|
//! | `Seal-Algorithm` | `DAREv2-HMAC-SHA256` (or legacy `DARE-SHA256`, SSE-C only) | ✓ | ✓ | ✓ |
//! | `Iv` | base64 of 32 bytes | ✓ | ✓ | ✓ |
//! | `Sealed-Key` | base64 of the 64-byte sealed key | ✓ | | |
//! | `S3-Sealed-Key` | same | | ✓ | |
//! | `Kms-Sealed-Key` | same | | | ✓ |
//! | `S3-Kms-Key-Id` | KMS key id | | ✓ | ✓ |
//! | `S3-Kms-Sealed-Key` | base64 of the KMS data-key blob | | ✓ | ✓ |
//! | `Context` | base64 of the client's context JSON | | | optional |
//!
//! plus `X-Minio-Internal-Encrypted-Multipart` (empty value) for multipart objects (under a
//! custom prefix: `<prefix>Encrypted-Multipart`).

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::Domain;
use super::seal::{IV_LEN, SEALED_KEY_LEN, SealAlgorithm, SealedKey};
use crate::kms::Context;

/// MinIO's prefix of the SSE metadata entries.
pub const MINIO_PREFIX: &str = "X-Minio-Internal-Server-Side-Encryption-";
/// MinIO's multipart marker entry.
pub const MINIO_MULTIPART: &str = "X-Minio-Internal-Encrypted-Multipart";

const ALGORITHM: &str = "Seal-Algorithm";
const IV: &str = "Iv";
const SEALED_SSEC: &str = "Sealed-Key";
const SEALED_S3: &str = "S3-Sealed-Key";
const SEALED_KMS: &str = "Kms-Sealed-Key";
const KMS_KEY_ID: &str = "S3-Kms-Key-Id";
const KMS_BLOB: &str = "S3-Kms-Sealed-Key";
const CONTEXT: &str = "Context";
const KNOWN: [&str; 8] = [
    ALGORITHM,
    IV,
    SEALED_SSEC,
    SEALED_S3,
    SEALED_KMS,
    KMS_KEY_ID,
    KMS_BLOB,
    CONTEXT,
];

/// Why stored metadata could not be decoded. Names the entry (never a value).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MetadataError {
    /// A required entry is missing.
    #[error("encryption metadata: missing entry {0}")]
    Missing(String),
    /// An entry appears twice.
    #[error("encryption metadata: duplicate entry {0}")]
    Duplicate(String),
    /// An entry under the prefix is not one the format defines.
    #[error("encryption metadata: unknown entry {0}")]
    UnknownEntry(String),
    /// An entry is not padded standard base64.
    #[error("encryption metadata: {0} is not padded standard base64")]
    Base64(String),
    /// An entry decodes to the wrong length.
    #[error("encryption metadata: {entry} has {actual} bytes, expected {expected}")]
    WrongLength {
        /// The entry.
        entry: String,
        /// Bytes expected.
        expected: usize,
        /// Bytes found.
        actual: usize,
    },
    /// The sealing algorithm is unknown (or legacy outside SSE-C).
    #[error("encryption metadata: unsupported sealing algorithm {0:?}")]
    UnsupportedAlgorithm(String),
    /// Entries that cannot go together (two sealed keys, KMS entries on SSE-C, a KMS key id
    /// without its blob, ...).
    #[error("encryption metadata: conflicting entries: {0}")]
    Conflict(&'static str),
    /// The stored KMS context is not a JSON object of strings.
    #[error("encryption metadata: the KMS context is not a JSON object of strings")]
    InvalidContext,
}

/// The data key a KMS sealed, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDataKey {
    /// The KMS key id.
    pub key_id: String,
    /// The KMS's opaque sealed data key.
    pub ciphertext: Vec<u8>,
}

/// Everything stored beside an encrypted object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncryptionMetadata {
    /// SSE-C, SSE-S3 or SSE-KMS.
    pub domain: Domain,
    /// The sealed object key.
    pub sealed_key: SealedKey,
    /// The KMS data key (SSE-KMS always; SSE-S3 unless written by MinIO's old K/V mode).
    pub data_key: Option<StoredDataKey>,
    /// The client's SSE-KMS context, if it sent one.
    pub context: Option<Context>,
    /// Whether the object was uploaded in parts (each its own DARE stream).
    pub multipart: bool,
}

impl EncryptionMetadata {
    /// MinIO's entries.
    pub fn to_minio(&self) -> BTreeMap<String, String> {
        self.encode(MINIO_PREFIX, MINIO_MULTIPART)
    }

    /// The same entries under `prefix` (e.g. `x-myserver-sse-`); the multipart marker is
    /// `<prefix>Encrypted-Multipart`.
    pub fn to_prefixed(&self, prefix: &str) -> BTreeMap<String, String> {
        self.encode(prefix, &format!("{prefix}Encrypted-Multipart"))
    }

    fn encode(&self, prefix: &str, multipart: &str) -> BTreeMap<String, String> {
        let mut m = BTreeMap::new();
        let mut put = |k: &str, v: String| {
            m.insert(format!("{prefix}{k}"), v);
        };
        put(ALGORITHM, self.sealed_key.algorithm.name().to_owned());
        put(IV, STANDARD.encode(self.sealed_key.iv));
        let sealed = match self.domain {
            Domain::SseC => SEALED_SSEC,
            Domain::SseS3 => SEALED_S3,
            Domain::SseKms => SEALED_KMS,
        };
        put(sealed, STANDARD.encode(self.sealed_key.key));
        if let Some(dk) = &self.data_key {
            put(KMS_KEY_ID, dk.key_id.clone());
            put(KMS_BLOB, STANDARD.encode(&dk.ciphertext));
        }
        if let Some(ctx) = &self.context {
            put(CONTEXT, STANDARD.encode(ctx.marshal()));
        }
        if self.multipart {
            m.insert(multipart.to_owned(), String::new());
        }
        m
    }

    /// Decodes MinIO's entries from an object's metadata (other entries are ignored).
    /// `Ok(None)`: the object carries no SSE entries.
    pub fn from_minio<'a>(
        entries: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Option<Self>, MetadataError> {
        Self::decode(MINIO_PREFIX, MINIO_MULTIPART, entries)
    }

    /// Decodes entries written by [`to_prefixed`](Self::to_prefixed) with `prefix`.
    pub fn from_prefixed<'a>(
        prefix: &str,
        entries: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Option<Self>, MetadataError> {
        Self::decode(prefix, &format!("{prefix}Encrypted-Multipart"), entries)
    }

    fn decode<'a>(
        prefix: &str,
        multipart_key: &str,
        entries: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Option<Self>, MetadataError> {
        let mut found: BTreeMap<&str, &str> = BTreeMap::new();
        let mut multipart = false;
        // Names are matched in any ASCII case: a storage layer that changes the case of
        // metadata names must not turn an encrypted object into a plaintext one, and a
        // case-variant duplicate is a duplicate.
        let strip_prefix = |k: &'a str| crate::encoding::strip_prefix_ignore_ascii_case(k, prefix);
        for (k, v) in entries {
            if k.eq_ignore_ascii_case(multipart_key) {
                if multipart {
                    return Err(MetadataError::Duplicate(k.to_owned()));
                }
                if !v.is_empty() {
                    return Err(MetadataError::Conflict("the multipart marker has a value"));
                }
                multipart = true;
                continue;
            }
            let Some(name) = strip_prefix(k) else {
                continue;
            };
            let Some(known) = KNOWN.iter().find(|n| n.eq_ignore_ascii_case(name)) else {
                return Err(MetadataError::UnknownEntry(k.to_owned()));
            };
            if found.insert(known, v).is_some() {
                return Err(MetadataError::Duplicate(k.to_owned()));
            }
        }
        if found.is_empty() {
            return if multipart {
                Err(MetadataError::Missing(format!("{prefix}{ALGORITHM}")))
            } else {
                Ok(None)
            };
        }
        let full = |n: &str| format!("{prefix}{n}");
        let get = |n: &str| found.get(n).copied();
        let need = |n: &str| get(n).ok_or_else(|| MetadataError::Missing(full(n)));
        let b64 = |n: &str, v: &str| {
            crate::encoding::decode_base64_padded(v.as_bytes(), false)
                .map(|z| z.to_vec())
                .ok_or_else(|| MetadataError::Base64(full(n)))
        };
        let fixed = |n: &str, v: &str, len: usize| -> Result<Vec<u8>, MetadataError> {
            let raw = b64(n, v)?;
            if raw.len() != len {
                return Err(MetadataError::WrongLength {
                    entry: full(n),
                    expected: len,
                    actual: raw.len(),
                });
            }
            Ok(raw)
        };

        let alg_text = need(ALGORITHM)?;
        let algorithm = SealAlgorithm::from_name(alg_text)
            .map_err(|_| MetadataError::UnsupportedAlgorithm(alg_text.to_owned()))?;
        let mut iv = [0u8; IV_LEN];
        iv.copy_from_slice(&fixed(IV, need(IV)?, IV_LEN)?);

        let sealed: Vec<(Domain, &str)> = [
            (Domain::SseC, SEALED_SSEC),
            (Domain::SseS3, SEALED_S3),
            (Domain::SseKms, SEALED_KMS),
        ]
        .into_iter()
        .filter(|(_, n)| get(n).is_some())
        .collect();
        let (domain, sealed_name) = match sealed.as_slice() {
            [one] => *one,
            [] => return Err(MetadataError::Missing(full(SEALED_SSEC))),
            _ => return Err(MetadataError::Conflict("more than one sealed object key")),
        };
        let mut key = [0u8; SEALED_KEY_LEN];
        key.copy_from_slice(&fixed(sealed_name, need(sealed_name)?, SEALED_KEY_LEN)?);
        if algorithm == SealAlgorithm::LegacyDareSha256 && domain != Domain::SseC {
            return Err(MetadataError::UnsupportedAlgorithm(alg_text.to_owned()));
        }

        let data_key = match (get(KMS_KEY_ID), get(KMS_BLOB)) {
            (None, None) => None,
            (Some(id), Some(blob)) => {
                if id.is_empty() {
                    return Err(MetadataError::Conflict("empty KMS key id"));
                }
                Some(StoredDataKey {
                    key_id: id.to_owned(),
                    ciphertext: b64(KMS_BLOB, blob)?,
                })
            }
            _ => {
                return Err(MetadataError::Conflict(
                    "a KMS key id and a sealed data key go together",
                ));
            }
        };
        let context = match get(CONTEXT) {
            None => None,
            Some(v) => {
                let raw = b64(CONTEXT, v)?;
                let text = core::str::from_utf8(&raw).map_err(|_| MetadataError::InvalidContext)?;
                let map =
                    crate::encoding::parse_string_map(text, crate::encoding::Duplicates::Refuse)
                        .map_err(|_| MetadataError::InvalidContext)?;
                Some(Context::from(map))
            }
        };
        match domain {
            Domain::SseC if data_key.is_some() || context.is_some() => {
                return Err(MetadataError::Conflict("KMS entries on an SSE-C object"));
            }
            Domain::SseS3 if context.is_some() => {
                return Err(MetadataError::Conflict("a KMS context on an SSE-S3 object"));
            }
            Domain::SseKms if data_key.is_none() => {
                return Err(MetadataError::Missing(full(KMS_KEY_ID)));
            }
            _ => {}
        }
        Ok(Some(Self {
            domain,
            sealed_key: SealedKey { key, iv, algorithm },
            data_key,
            context,
            multipart,
        }))
    }
}

/// Request headers that must never be persisted with an object (the SSE-C keys); remove
/// them from a metadata map before storing it (MinIO `RemoveSensitiveEntries`).
pub const SENSITIVE_ENTRIES: [&str; 2] = [
    "X-Amz-Server-Side-Encryption-Customer-Key",
    "X-Amz-Copy-Source-Server-Side-Encryption-Customer-Key",
];

/// Removes [`SENSITIVE_ENTRIES`] (compared case-insensitively) from `metadata`.
pub fn remove_sensitive_entries(metadata: &mut BTreeMap<String, String>) {
    metadata.retain(|k, _| !SENSITIVE_ENTRIES.iter().any(|s| s.eq_ignore_ascii_case(k)));
}
