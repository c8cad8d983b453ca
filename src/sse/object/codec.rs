//! Where the server kit keeps an object's [`EncryptionMetadata`] among the entries a server
//! stores beside it. The flows never name an entry: they go through a [`MetadataCodec`].
//!
//! - [`MinioCodec`]: MinIO's internal `X-Minio-Internal-Server-Side-Encryption-*` entries,
//!   so objects MinIO wrote are readable and MinIO reads what the kit writes;
//! - [`UserMetadataCodec`]: the same entries as user metadata (`x-amz-meta-<prefix>…`), for a
//!   server that can only store user metadata — a gateway in front of another S3 store;
//! - your own: implement the trait (RustFS's `x-rustfs-encryption-*`, say).

use std::collections::BTreeMap;

use crate::sse::metadata::{EncryptionMetadata, MINIO_MULTIPART, MINIO_PREFIX, MetadataError};

/// Encodes and decodes an object's encryption metadata as named string entries.
pub trait MetadataCodec: Send + Sync {
    /// The entries to store for `meta`.
    fn encode(&self, meta: &EncryptionMetadata) -> BTreeMap<String, String>;

    /// The encryption metadata among `entries` (all a server stored beside the object;
    /// entries the codec does not own are ignored). `Ok(None)`: not encrypted.
    fn decode(
        &self,
        entries: &BTreeMap<String, String>,
    ) -> Result<Option<EncryptionMetadata>, MetadataError>;

    /// Whether an entry name belongs to the codec: a server must neither let a client set
    /// it (a PUT's own metadata) nor show it (GET, HEAD, list).
    fn owns(&self, name: &str) -> bool;
}

/// MinIO's internal metadata layout.
#[derive(Clone, Copy, Debug, Default)]
pub struct MinioCodec;

impl MetadataCodec for MinioCodec {
    fn encode(&self, meta: &EncryptionMetadata) -> BTreeMap<String, String> {
        meta.to_minio()
    }

    fn decode(
        &self,
        entries: &BTreeMap<String, String>,
    ) -> Result<Option<EncryptionMetadata>, MetadataError> {
        EncryptionMetadata::from_minio(entries.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }

    fn owns(&self, name: &str) -> bool {
        starts_with_ignore_case(name, MINIO_PREFIX) || name.eq_ignore_ascii_case(MINIO_MULTIPART)
    }
}

/// The entries as user metadata: `x-amz-meta-<prefix>Seal-Algorithm`, … (lower-case, as S3
/// returns user metadata names). For a server that stores objects in another S3 store.
#[derive(Clone, Debug)]
pub struct UserMetadataCodec {
    prefix: String,
}

impl UserMetadataCodec {
    /// The default prefix, `x-amz-meta-s3crypt-`.
    pub const DEFAULT_PREFIX: &'static str = "x-amz-meta-s3crypt-";

    /// Entries under `x-amz-meta-s3crypt-`.
    pub fn new() -> Self {
        Self::with_prefix(Self::DEFAULT_PREFIX)
    }

    /// Entries under `prefix` (lower-cased; it should start with `x-amz-meta-`).
    pub fn with_prefix(prefix: &str) -> Self {
        Self {
            prefix: prefix.to_ascii_lowercase(),
        }
    }

    /// The prefix.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }
}

impl Default for UserMetadataCodec {
    fn default() -> Self {
        Self::new()
    }
}

impl MetadataCodec for UserMetadataCodec {
    fn encode(&self, meta: &EncryptionMetadata) -> BTreeMap<String, String> {
        meta.to_prefixed(&self.prefix)
            .into_iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v))
            .collect()
    }

    fn decode(
        &self,
        entries: &BTreeMap<String, String>,
    ) -> Result<Option<EncryptionMetadata>, MetadataError> {
        EncryptionMetadata::from_prefixed(
            &self.prefix,
            entries.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        )
    }

    fn owns(&self, name: &str) -> bool {
        starts_with_ignore_case(name, &self.prefix)
    }
}

fn starts_with_ignore_case(name: &str, prefix: &str) -> bool {
    crate::encoding::strip_prefix_ignore_ascii_case(name, prefix).is_some()
}
