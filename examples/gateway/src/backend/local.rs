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

use std::io;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use serde::Deserialize;
use sha2::{Digest as _, Sha256};
use tokio::io::{AsyncReadExt as _, AsyncSeekExt as _, AsyncWriteExt as _};

use super::{
    Backend, BucketRecord, ByteStream, Listing, ObjectRecord, PartFile, UploadRecord, page,
    random_hex, valid_bucket_name,
};

/// Bytes read from a file per chunk of a response body.
const CHUNK: usize = 1 << 20;

pub struct Store {
    root: PathBuf,
}

fn key_hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
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
        self.put_bucket(bucket, &BucketRecord::new_now()).await?;
        Ok(true)
    }

    pub async fn put_bucket(&self, bucket: &str, rec: &BucketRecord) -> io::Result<()> {
        let json = serde_json::to_vec(rec).map_err(io::Error::other)?;
        self.write_atomic(&self.bucket_dir(bucket).join("bucket.json"), &json)
            .await
    }

    async fn remove_bucket_dirs(&self, bucket: &str) -> io::Result<()> {
        let dir = self.bucket_dir(bucket);
        tokio::fs::remove_file(dir.join("bucket.json")).await?;
        tokio::fs::remove_dir(dir.join("objects")).await?;
        tokio::fs::remove_dir(dir).await
    }

    async fn bucket_is_empty(&self, bucket: &str) -> io::Result<bool> {
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

    fn data_path(&self, bucket: &str, rec: &ObjectRecord) -> PathBuf {
        self.objects_dir(bucket).join(&rec.data)
    }

    /// A data file name for a new version of `key` (moved into place by `commit_object`).
    fn new_data_name(key: &str) -> String {
        format!("{}.{}.data", key_hash(key), random_hex(8))
    }

    /// Makes an object visible: moves its finished data file (a temp file) next to the
    /// record, then replaces the record (the commit point), then removes the old data.
    async fn commit_object(
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

    async fn all_objects(&self, bucket: &str) -> io::Result<Vec<ObjectRecord>> {
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

    async fn write_upload(&self, id: &str, rec: &UploadRecord) -> io::Result<()> {
        let dir = self
            .upload_dir(id)
            .ok_or_else(|| io::Error::other("bad upload id"))?;
        tokio::fs::create_dir(&dir).await?;
        let json = serde_json::to_vec(rec).map_err(io::Error::other)?;
        self.write_atomic(&dir.join("upload.json"), &json).await
    }

    async fn upload_record(&self, id: &str) -> io::Result<Option<UploadRecord>> {
        match self.upload_dir(id) {
            Some(d) => Self::read_json(&d.join("upload.json")).await,
            None => Ok(None),
        }
    }

    async fn all_uploads(&self) -> io::Result<Vec<(String, UploadRecord)>> {
        let mut out = Vec::new();
        let mut rd = tokio::fs::read_dir(self.root.join("uploads")).await?;
        while let Some(e) = rd.next_entry().await? {
            let id = e.file_name().to_string_lossy().into_owned();
            if let Some(rec) = self.upload_record(&id).await? {
                out.push((id, rec));
            }
        }
        Ok(out)
    }

    /// Makes a part visible (replacing an earlier upload of the same number).
    async fn commit_part(&self, id: &str, temp_data: &Path, part: &PartFile) -> io::Result<()> {
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

    async fn part_files(&self, id: &str) -> io::Result<Vec<PartFile>> {
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

    fn part_data_path(&self, id: &str, part: &PartFile) -> Option<PathBuf> {
        self.upload_dir(id).map(|d| d.join(&part.data))
    }

    async fn remove_upload(&self, id: &str) -> io::Result<()> {
        match self.upload_dir(id) {
            Some(d) => tokio::fs::remove_dir_all(d).await,
            None => Ok(()),
        }
    }
}

#[async_trait::async_trait]
impl Backend for Store {
    fn temp_path(&self) -> PathBuf {
        Store::temp_path(self)
    }

    async fn bucket(&self, bucket: &str) -> io::Result<Option<BucketRecord>> {
        Store::bucket(self, bucket).await
    }

    async fn create_bucket(&self, bucket: &str) -> io::Result<bool> {
        Store::create_bucket(self, bucket).await
    }

    async fn put_bucket(&self, bucket: &str, rec: &BucketRecord) -> io::Result<()> {
        Store::put_bucket(self, bucket, rec).await
    }

    async fn delete_bucket(&self, bucket: &str) -> io::Result<bool> {
        if !self.bucket_is_empty(bucket).await? {
            return Ok(false);
        }
        self.remove_bucket_dirs(bucket).await?;
        Ok(true)
    }

    async fn list_buckets(&self) -> io::Result<Vec<(String, BucketRecord)>> {
        Store::list_buckets(self).await
    }

    async fn object(&self, bucket: &str, key: &str) -> io::Result<Option<ObjectRecord>> {
        Store::object(self, bucket, key).await
    }

    async fn put_object(&self, bucket: &str, data: &Path, rec: &ObjectRecord) -> io::Result<()> {
        let rec = ObjectRecord {
            data: Self::new_data_name(&rec.key),
            ..rec.clone()
        };
        self.commit_object(bucket, Some(data), &rec).await
    }

    async fn reseal_object(
        &self,
        bucket: &str,
        src_bucket: &str,
        src: &ObjectRecord,
        rec: &ObjectRecord,
    ) -> io::Result<()> {
        if src_bucket == bucket && src.key == rec.key {
            // In place: the data file stays; only the record changes.
            let rec = ObjectRecord {
                data: src.data.clone(),
                ..rec.clone()
            };
            return self.commit_object(bucket, None, &rec).await;
        }
        // Another name: a copy of the data file under the new name (hard links would tie
        // the two objects' files together).
        let tmp = self.temp_path();
        tokio::fs::copy(self.data_path(src_bucket, src), &tmp).await?;
        self.put_object(bucket, &tmp, rec).await
    }

    fn read(&self, bucket: &str, rec: &ObjectRecord, offset: u64, len: u64) -> ByteStream {
        let path = self.data_path(bucket, rec);
        let st = (path, None::<tokio::fs::File>, len, false);
        Box::pin(futures::stream::unfold(
            st,
            move |(path, mut file, left, done)| async move {
                if done || left == 0 {
                    return None;
                }
                let fail = |e: io::Error| Some((Err(e), (PathBuf::new(), None, 0, true)));
                if file.is_none() {
                    let mut f = match tokio::fs::File::open(&path).await {
                        Ok(f) => f,
                        Err(e) => return fail(e),
                    };
                    if let Err(e) = f.seek(std::io::SeekFrom::Start(offset)).await {
                        return fail(e);
                    }
                    file = Some(f);
                }
                let n = usize::try_from(left.min(CHUNK as u64)).unwrap_or(CHUNK);
                let mut buf = vec![0u8; n];
                if let Err(e) = file.as_mut()?.read_exact(&mut buf).await {
                    // Storage answered short: an error, never fewer bytes.
                    return fail(io::Error::other(format!("stored object is short: {e}")));
                }
                Some((Ok(Bytes::from(buf)), (path, file, left - n as u64, false)))
            },
        ))
    }

    async fn delete_object(&self, bucket: &str, key: &str) -> io::Result<()> {
        Store::delete_object(self, bucket, key).await
    }

    async fn list_objects(
        &self,
        bucket: &str,
        prefix: &str,
        after: &str,
        delimiter: Option<&str>,
        max: usize,
    ) -> io::Result<Listing> {
        let all = self.all_objects(bucket).await?;
        let (objects, prefixes, next) =
            page(all, |r| r.key.as_str(), prefix, after, delimiter, max);
        Ok(Listing {
            objects,
            prefixes,
            next,
        })
    }

    async fn create_upload(&self, id: &str, rec: &UploadRecord) -> io::Result<()> {
        self.write_upload(id, rec).await
    }

    async fn upload(&self, bucket: &str, id: &str) -> io::Result<Option<UploadRecord>> {
        Ok(self.upload_record(id).await?.filter(|u| u.bucket == bucket))
    }

    async fn put_part(
        &self,
        _bucket: &str,
        id: &str,
        data: &Path,
        part: &PartFile,
    ) -> io::Result<()> {
        let part = PartFile {
            data: format!("part-{}.{}.data", part.number, random_hex(8)),
            ..part.clone()
        };
        self.commit_part(id, data, &part).await
    }

    async fn parts(&self, _bucket: &str, id: &str) -> io::Result<Vec<PartFile>> {
        self.part_files(id).await
    }

    async fn complete_upload(
        &self,
        bucket: &str,
        id: &str,
        chosen: &[PartFile],
        rec: &ObjectRecord,
    ) -> io::Result<()> {
        // Concatenate the parts' stored bytes into one data file.
        let tmp = self.temp_path();
        let mut out = tokio::fs::File::create(&tmp).await?;
        for f in chosen {
            let path = self
                .part_data_path(id, f)
                .ok_or_else(|| io::Error::other("bad upload id"))?;
            let mut src = tokio::fs::File::open(path).await?;
            tokio::io::copy(&mut src, &mut out).await?;
        }
        out.sync_all().await?;
        drop(out);
        self.put_object(bucket, &tmp, rec).await?;
        self.remove_upload(id).await
    }

    async fn abort_upload(&self, _bucket: &str, id: &str) -> io::Result<()> {
        self.remove_upload(id).await
    }

    async fn list_uploads(&self, bucket: &str) -> io::Result<Vec<(String, UploadRecord)>> {
        Ok(self
            .all_uploads()
            .await?
            .into_iter()
            .filter(|(_, u)| u.bucket == bucket)
            .collect())
    }
}
