//! The backend seam: where the gateway keeps buckets, objects and uploads. Two
//! implementations: [`local::Store`] (a local directory) and [`s3::S3Backend`] (any S3
//! endpoint: Ceph RGW, MinIO, AWS S3 — the proxy mode). The gateway hands every backend the
//! finished ciphertext of a write (a local temp file of exactly its stored size) and the
//! records the kit produced; a backend never sees plaintext, customer keys or data keys.

pub mod local;
pub mod s3;

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use serde::{Deserialize, Serialize};

/// A stored body being read: exactly the bytes asked for, or an error.
pub type ByteStream = Pin<Box<dyn futures::Stream<Item = io::Result<Bytes>> + Send>>;

/// A bucket's record.
#[derive(Serialize, Deserialize, Clone, Default)]
pub struct BucketRecord {
    pub created: u64,
    /// The kit's `ServerSideEncryptionConfiguration` XML, if one is set.
    pub encryption: Option<String>,
}

impl BucketRecord {
    /// A bucket created now, without default encryption.
    pub fn new_now() -> Self {
        Self {
            created: now(),
            encryption: None,
        }
    }
}

/// One stored part of an object.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct PartRecord {
    pub number: u32,
    pub stored_size: u64,
    pub size: u64,
}

/// An object's record.
#[derive(Serialize, Deserialize, Clone)]
pub struct ObjectRecord {
    pub key: String,
    /// Plaintext size (what a listing shows).
    pub size: u64,
    /// The ETag the kit said to store.
    pub stored_etag: String,
    /// The ETag a listing shows (the kit's shown ETag at write time).
    pub etag: String,
    pub last_modified: u64,
    pub content_type: Option<String>,
    /// `x-amz-meta-*` entries a client set (names without the prefix).
    pub user_metadata: BTreeMap<String, String>,
    /// The kit's entries (through its metadata codec).
    pub internal: BTreeMap<String, String>,
    pub parts: Vec<PartRecord>,
    /// Where the stored bytes are: the local store's data file name; the S3 backend's
    /// ETag of the stored object (reads are conditional on it).
    pub data: String,
}

/// A multipart upload's record.
#[derive(Serialize, Deserialize, Clone)]
pub struct UploadRecord {
    pub bucket: String,
    pub key: String,
    pub initiated: u64,
    pub content_type: Option<String>,
    pub user_metadata: BTreeMap<String, String>,
    pub internal: BTreeMap<String, String>,
    /// The upload's binding key sealed under the gateway's state key
    /// (`s3crypt::keys::BindingKey::seal`), in a layout that binds objects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub binding_key: Option<String>,
}

/// A stored part's record.
#[derive(Serialize, Deserialize, Clone)]
pub struct PartFile {
    pub number: u32,
    pub etag: String,
    pub size: u64,
    pub stored_size: u64,
    pub last_modified: u64,
    /// Where the part's bytes are (the local store's file name; unused by the S3 backend).
    pub data: String,
}

/// One page of a listing; `next` is set when it is truncated.
pub struct Listing {
    pub objects: Vec<ObjectRecord>,
    pub prefixes: Vec<String>,
    pub next: Option<String>,
}

/// A refusal the backend gave that the client should see as an S3 error (not a 500).
#[derive(Debug)]
pub struct Refusal {
    pub code: &'static str,
    pub status: u16,
    pub message: String,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.code, self.status, self.message)
    }
}

impl std::error::Error for Refusal {}

/// An I/O error carrying a [`Refusal`].
pub fn refusal(code: &'static str, status: u16, message: impl Into<String>) -> io::Error {
    io::Error::other(Refusal {
        code,
        status,
        message: message.into(),
    })
}

/// Where the gateway keeps everything.
#[async_trait::async_trait]
pub trait Backend: Send + Sync {
    /// A fresh local path for a write's ciphertext (the gateway fills it, then hands it over).
    fn temp_path(&self) -> PathBuf;

    // ----- buckets -----------------------------------------------------------------------
    async fn bucket(&self, bucket: &str) -> io::Result<Option<BucketRecord>>;
    /// `false`: the bucket exists already.
    async fn create_bucket(&self, bucket: &str) -> io::Result<bool>;
    /// Stores the bucket's record (its default encryption).
    async fn put_bucket(&self, bucket: &str, rec: &BucketRecord) -> io::Result<()>;
    /// `false`: the bucket holds objects.
    async fn delete_bucket(&self, bucket: &str) -> io::Result<bool>;
    async fn list_buckets(&self) -> io::Result<Vec<(String, BucketRecord)>>;

    // ----- objects -----------------------------------------------------------------------
    async fn object(&self, bucket: &str, key: &str) -> io::Result<Option<ObjectRecord>>;
    /// Makes an object visible with the stored bytes in `data` (a temp file, consumed).
    async fn put_object(&self, bucket: &str, data: &Path, rec: &ObjectRecord) -> io::Result<()>;
    /// Makes `rec` visible with the stored bytes of `src` (in `src_bucket`), unmoved where
    /// the backend allows: a re-seal (new entries, same ciphertext).
    async fn reseal_object(
        &self,
        bucket: &str,
        src_bucket: &str,
        src: &ObjectRecord,
        rec: &ObjectRecord,
    ) -> io::Result<()>;
    /// `len` stored bytes of `rec` from `offset`: exactly those, or an error.
    fn read(&self, bucket: &str, rec: &ObjectRecord, offset: u64, len: u64) -> ByteStream;
    async fn delete_object(&self, bucket: &str, key: &str) -> io::Result<()>;
    /// Objects after `after` under `prefix`, rolled up at `delimiter`, at most `max`.
    async fn list_objects(
        &self,
        bucket: &str,
        prefix: &str,
        after: &str,
        delimiter: Option<&str>,
        max: usize,
    ) -> io::Result<Listing>;

    // ----- multipart uploads -------------------------------------------------------------
    async fn create_upload(&self, id: &str, rec: &UploadRecord) -> io::Result<()>;
    async fn upload(&self, bucket: &str, id: &str) -> io::Result<Option<UploadRecord>>;
    /// Makes a part visible (replacing an earlier upload of its number); `data` is consumed.
    async fn put_part(
        &self,
        bucket: &str,
        id: &str,
        data: &Path,
        part: &PartFile,
    ) -> io::Result<()>;
    async fn parts(&self, bucket: &str, id: &str) -> io::Result<Vec<PartFile>>;
    /// Makes the object of `chosen` (in order) visible as `rec`, then removes the upload.
    async fn complete_upload(
        &self,
        bucket: &str,
        id: &str,
        chosen: &[PartFile],
        rec: &ObjectRecord,
    ) -> io::Result<()>;
    async fn abort_upload(&self, bucket: &str, id: &str) -> io::Result<()>;
    async fn list_uploads(&self, bucket: &str) -> io::Result<Vec<(String, UploadRecord)>>;
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

pub fn random_hex(n: usize) -> String {
    let mut b = vec![0u8; n];
    getrandom::fill(&mut b).expect("OS random");
    hex::encode(b)
}

pub fn valid_bucket_name(name: &str) -> bool {
    (3..=63).contains(&name.len())
        && name
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' || c == b'.')
        && !name.starts_with(['-', '.'])
        && !name.ends_with(['-', '.'])
        && !name.contains("..")
}

/// A listing page from keys in order (the local store's; the S3 backend lists at the
/// backend): keys under `prefix` after `after`, rolled up at `delimiter`, at most `max`.
pub fn page<T>(
    all: impl IntoIterator<Item = T>,
    key: impl Fn(&T) -> &str,
    prefix: &str,
    after: &str,
    delimiter: Option<&str>,
    max: usize,
) -> (Vec<T>, Vec<String>, Option<String>) {
    let (mut objects, mut prefixes) = (Vec::new(), Vec::<String>::new());
    let mut truncated = false;
    for rec in all {
        let k = key(&rec);
        if !k.starts_with(prefix) || k <= after {
            continue;
        }
        let cp = delimiter.filter(|d| !d.is_empty()).and_then(|d| {
            k[prefix.len()..]
                .find(d)
                .map(|i| k[..prefix.len() + i + d.len()].to_owned())
        });
        if let Some(cp) = &cp
            && (prefixes.last() == Some(cp) || cp.as_str() <= after)
        {
            continue;
        }
        if objects.len() + prefixes.len() >= max {
            truncated = true;
            break;
        }
        match cp {
            Some(cp) => prefixes.push(cp),
            None => objects.push(rec),
        }
    }
    // The marker to continue after: the last key or common prefix listed.
    let last = objects
        .last()
        .map(|o| key(o).to_owned())
        .max(prefixes.last().cloned());
    (objects, prefixes, last.filter(|_| truncated))
}
