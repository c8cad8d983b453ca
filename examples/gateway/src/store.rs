//! The local-directory store: buckets, objects and multipart uploads on disk, every write
//! made visible by one rename (temp file + rename), so an interrupted PUT leaves nothing
//! visible and a finished one survives a restart.
//!
//! ```text
//! <root>/buckets/<bucket>/bucket.json            created-at, encryption XML
//! <root>/buckets/<bucket>/objects/<sha256(key)>.json   the object's record (the commit point)
//! <root>/buckets/<bucket>/objects/<sha256(key)>.<random>.data   its stored bytes
//! <root>/uploads/<upload id>/upload.json         bucket, key, metadata to keep
//! <root>/uploads/<upload id>/part-<n>.json / part-<n>.<random>.data
//! <root>/tmp/                                    files being written
//! ```

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use tokio::io::AsyncWriteExt as _;

/// A bucket's record.
#[derive(Serialize, Deserialize, Clone, Default)]
pub struct BucketRecord {
    pub created: u64,
    /// The kit's `ServerSideEncryptionConfiguration` XML, if one is set.
    pub encryption: Option<String>,
}

/// One stored part of an object.
#[derive(Serialize, Deserialize, Clone, Copy, Debug)]
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
    /// File name of the stored bytes, beside the record.
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
}

/// A stored part's record.
#[derive(Serialize, Deserialize, Clone)]
pub struct PartFile {
    pub number: u32,
    pub etag: String,
    pub size: u64,
    pub stored_size: u64,
    pub last_modified: u64,
    pub data: String,
}

pub struct Store {
    root: PathBuf,
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

fn key_hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
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

impl Store {
    pub fn open(root: &Path) -> io::Result<Self> {
        for d in ["buckets", "uploads", "tmp"] {
            std::fs::create_dir_all(root.join(d))?;
        }
        // Files a crash left half-written are never visible; clear them.
        for e in std::fs::read_dir(root.join("tmp"))? {
            let _ = std::fs::remove_file(e?.path());
        }
        Ok(Self {
            root: root.to_owned(),
        })
    }

    fn bucket_dir(&self, bucket: &str) -> PathBuf {
        self.root.join("buckets").join(bucket)
    }

    fn objects_dir(&self, bucket: &str) -> PathBuf {
        self.bucket_dir(bucket).join("objects")
    }

    fn upload_dir(&self, id: &str) -> Option<PathBuf> {
        (id.len() == 32 && id.bytes().all(|c| c.is_ascii_hexdigit()))
            .then(|| self.root.join("uploads").join(id))
    }

    /// A fresh temp path.
    pub fn temp_path(&self) -> PathBuf {
        self.root.join("tmp").join(random_hex(16))
    }

    /// Writes `bytes` to `path` atomically.
    async fn write_atomic(&self, path: &Path, bytes: &[u8]) -> io::Result<()> {
        let tmp = self.temp_path();
        let mut f = tokio::fs::File::create(&tmp).await?;
        f.write_all(bytes).await?;
        f.sync_all().await?;
        drop(f);
        tokio::fs::rename(&tmp, path).await
    }

    async fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> io::Result<Option<T>> {
        match tokio::fs::read(path).await {
            Ok(b) => serde_json::from_slice(&b)
                .map(Some)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    // ----- buckets ---------------------------------------------------------------------

    pub async fn bucket(&self, bucket: &str) -> io::Result<Option<BucketRecord>> {
        if !valid_bucket_name(bucket) {
            return Ok(None);
        }
        Self::read_json(&self.bucket_dir(bucket).join("bucket.json")).await
    }

    pub async fn create_bucket(&self, bucket: &str) -> io::Result<bool> {
        let dir = self.bucket_dir(bucket);
        match tokio::fs::create_dir(&dir).await {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Ok(false),
            Err(e) => return Err(e),
        }
        tokio::fs::create_dir_all(dir.join("objects")).await?;
        self.put_bucket(
            bucket,
            &BucketRecord {
                created: now(),
                encryption: None,
            },
        )
        .await?;
        Ok(true)
    }

    pub async fn put_bucket(&self, bucket: &str, rec: &BucketRecord) -> io::Result<()> {
        let json = serde_json::to_vec(rec).map_err(io::Error::other)?;
        self.write_atomic(&self.bucket_dir(bucket).join("bucket.json"), &json)
            .await
    }

    pub async fn delete_bucket(&self, bucket: &str) -> io::Result<()> {
        let dir = self.bucket_dir(bucket);
        tokio::fs::remove_file(dir.join("bucket.json")).await?;
        tokio::fs::remove_dir(dir.join("objects")).await?;
        tokio::fs::remove_dir(dir).await
    }

    pub async fn bucket_is_empty(&self, bucket: &str) -> io::Result<bool> {
        let mut rd = tokio::fs::read_dir(self.objects_dir(bucket)).await?;
        Ok(rd.next_entry().await?.is_none())
    }

    pub async fn list_buckets(&self) -> io::Result<Vec<(String, BucketRecord)>> {
        let mut out = Vec::new();
        let mut rd = tokio::fs::read_dir(self.root.join("buckets")).await?;
        while let Some(e) = rd.next_entry().await? {
            let name = e.file_name().to_string_lossy().into_owned();
            if let Some(rec) = self.bucket(&name).await? {
                out.push((name, rec));
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }

    // ----- objects ---------------------------------------------------------------------

    fn record_path(&self, bucket: &str, key: &str) -> PathBuf {
        self.objects_dir(bucket)
            .join(format!("{}.json", key_hash(key)))
    }

    pub async fn object(&self, bucket: &str, key: &str) -> io::Result<Option<ObjectRecord>> {
        let rec: Option<ObjectRecord> = Self::read_json(&self.record_path(bucket, key)).await?;
        Ok(rec.filter(|r| r.key == key))
    }

    pub fn data_path(&self, bucket: &str, rec: &ObjectRecord) -> PathBuf {
        self.objects_dir(bucket).join(&rec.data)
    }

    /// A data file name for a new version of `key` (moved into place by `commit_object`).
    pub fn new_data_name(key: &str) -> String {
        format!("{}.{}.data", key_hash(key), random_hex(8))
    }

    /// Makes an object visible: moves its finished data file (a temp file) next to the
    /// record, then replaces the record (the commit point), then removes the old data.
    pub async fn commit_object(
        &self,
        bucket: &str,
        temp_data: Option<&Path>,
        rec: &ObjectRecord,
    ) -> io::Result<()> {
        let old = self.object(bucket, &rec.key).await?;
        if let Some(tmp) = temp_data {
            tokio::fs::rename(tmp, self.objects_dir(bucket).join(&rec.data)).await?;
        }
        let json = serde_json::to_vec(rec).map_err(io::Error::other)?;
        self.write_atomic(&self.record_path(bucket, &rec.key), &json)
            .await?;
        if let Some(old) = old
            && old.data != rec.data
        {
            let _ = tokio::fs::remove_file(self.objects_dir(bucket).join(&old.data)).await;
        }
        Ok(())
    }

    pub async fn delete_object(&self, bucket: &str, key: &str) -> io::Result<()> {
        if let Some(rec) = self.object(bucket, key).await? {
            tokio::fs::remove_file(self.record_path(bucket, key)).await?;
            let _ = tokio::fs::remove_file(self.data_path(bucket, &rec)).await;
        }
        Ok(())
    }

    pub async fn list_objects(&self, bucket: &str) -> io::Result<Vec<ObjectRecord>> {
        let mut out = Vec::new();
        let mut rd = tokio::fs::read_dir(self.objects_dir(bucket)).await?;
        while let Some(e) = rd.next_entry().await? {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "json")
                && let Some(rec) = Self::read_json::<ObjectRecord>(&p).await?
            {
                out.push(rec);
            }
        }
        out.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(out)
    }

    // ----- multipart uploads -----------------------------------------------------------

    pub async fn create_upload(&self, rec: &UploadRecord) -> io::Result<String> {
        let id = random_hex(16);
        let dir = self.root.join("uploads").join(&id);
        tokio::fs::create_dir(&dir).await?;
        let json = serde_json::to_vec(rec).map_err(io::Error::other)?;
        self.write_atomic(&dir.join("upload.json"), &json).await?;
        Ok(id)
    }

    pub async fn upload(&self, id: &str) -> io::Result<Option<UploadRecord>> {
        match self.upload_dir(id) {
            Some(d) => Self::read_json(&d.join("upload.json")).await,
            None => Ok(None),
        }
    }

    pub async fn list_uploads(&self) -> io::Result<Vec<(String, UploadRecord)>> {
        let mut out = Vec::new();
        let mut rd = tokio::fs::read_dir(self.root.join("uploads")).await?;
        while let Some(e) = rd.next_entry().await? {
            let id = e.file_name().to_string_lossy().into_owned();
            if let Some(rec) = self.upload(&id).await? {
                out.push((id, rec));
            }
        }
        Ok(out)
    }

    /// Makes a part visible (replacing an earlier upload of the same number).
    pub async fn commit_part(&self, id: &str, temp_data: &Path, part: &PartFile) -> io::Result<()> {
        let dir = self
            .upload_dir(id)
            .ok_or_else(|| io::Error::other("bad upload id"))?;
        let old: Option<PartFile> =
            Self::read_json(&dir.join(format!("part-{}.json", part.number))).await?;
        tokio::fs::rename(temp_data, dir.join(&part.data)).await?;
        let json = serde_json::to_vec(part).map_err(io::Error::other)?;
        self.write_atomic(&dir.join(format!("part-{}.json", part.number)), &json)
            .await?;
        if let Some(old) = old {
            let _ = tokio::fs::remove_file(dir.join(old.data)).await;
        }
        Ok(())
    }

    pub async fn parts(&self, id: &str) -> io::Result<Vec<PartFile>> {
        let dir = self
            .upload_dir(id)
            .ok_or_else(|| io::Error::other("bad upload id"))?;
        let mut out = Vec::new();
        let mut rd = tokio::fs::read_dir(&dir).await?;
        while let Some(e) = rd.next_entry().await? {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with("part-")
                && name.ends_with(".json")
                && let Some(p) = Self::read_json::<PartFile>(&e.path()).await?
            {
                out.push(p);
            }
        }
        out.sort_by_key(|p| p.number);
        Ok(out)
    }

    pub fn part_data_path(&self, id: &str, part: &PartFile) -> Option<PathBuf> {
        self.upload_dir(id).map(|d| d.join(&part.data))
    }

    pub async fn remove_upload(&self, id: &str) -> io::Result<()> {
        match self.upload_dir(id) {
            Some(d) => tokio::fs::remove_dir_all(d).await,
            None => Ok(()),
        }
    }
}
