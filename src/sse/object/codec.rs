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

    /// The entry that holds the object binding (a MAC under the object key over the
    /// object's name and part list, written at PUT and CompleteMultipartUpload and checked on
    /// every read), or `None` for a layout without one (MinIO's). A codec that names one has
    /// the kit refuse an encrypted object whose binding is missing or does not match.
    fn binding_entry(&self) -> Option<&str> {
        None
    }
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

/// The crate's own layout: the entries as user metadata, `x-amz-meta-<prefix>seal-algorithm`,
/// … (lower-case, as S3 returns user metadata names), plus `<prefix>binding`, which binds the
/// object's name, size and part list under its object key (see the kit's object binding in
/// `docs/sse.md`). For a server that stores objects in another S3 store it does not trust.
///
/// [`UserMetadataCodec::without_binding`] reads and writes the layout without the binding
/// entry (what this codec wrote before 0.2): a store can then empty an object or drop parts
/// undetected.
#[derive(Clone, Debug)]
pub struct UserMetadataCodec {
    prefix: String,
    binding: Option<String>,
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
        let prefix = prefix.to_ascii_lowercase();
        Self {
            binding: Some(format!("{prefix}binding")),
            prefix,
        }
    }

    /// The same layout without the object binding (neither written nor required): only to
    /// read objects written before the binding existed. What it gives up: storage can empty
    /// or cut an object to a package boundary, and drop, swap or duplicate parts, undetected.
    pub fn without_binding(mut self) -> Self {
        self.binding = None;
        self
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
        // The binding entry is the kit's to check; every other entry under the prefix is
        // the metadata's.
        let binding = self.binding.as_deref().unwrap_or("");
        EncryptionMetadata::from_prefixed(
            &self.prefix,
            entries
                .iter()
                .filter(|(k, _)| binding.is_empty() || !k.eq_ignore_ascii_case(binding))
                .map(|(k, v)| (k.as_str(), v.as_str())),
        )
    }

    fn owns(&self, name: &str) -> bool {
        starts_with_ignore_case(name, &self.prefix)
    }

    fn binding_entry(&self) -> Option<&str> {
        self.binding.as_deref()
    }
}

fn starts_with_ignore_case(name: &str, prefix: &str) -> bool {
    crate::encoding::strip_prefix_ignore_ascii_case(name, prefix).is_some()
}
