//! The proxy backend: any S3 endpoint (Ceph RGW, MinIO, AWS S3), through the official
//! `aws-sdk-s3`. Stateless: everything lives in the backend.
//!
//! ```text
//! <bucket>/<key>                                     ciphertext; metadata below
//! <bucket>/.s3crypt-gateway/bucket.json              BucketRecord (default encryption)
//! <bucket>/.s3crypt-gateway/uploads/<id>/upload.json UploadRecord (sealed binding key inside)
//! <bucket>/.s3crypt-gateway/uploads/<id>/part-NNNNN  a part's ciphertext (s3gw-etag, s3gw-size)
//! ```
//!
//! An object's user metadata holds the client's `x-amz-meta-*` entries as they are, the
//! kit's entries (`s3crypt-*`) and the gateway's (`s3gw-etag`: the ETag shown,
//! `s3gw-stored-etag`, `s3gw-parts`: the part list of a multipart object). Names under
//! `.s3crypt-gateway/` are hidden from listings and refused as object keys. Completing a
//! multipart upload creates the backend object in one backend multipart upload whose
//! parts are server-side copies of the part objects (its metadata, binding included, is
//! only known then), so an object appears whole or not at all.

use std::collections::{BTreeMap, HashMap};
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use aws_sdk_s3::Client;
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::config::{
    BehaviorVersion, Credentials, Region, RequestChecksumCalculation, ResponseChecksumValidation,
};
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream as SdkStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart, EncodingType};
use futures::StreamExt as _;

use super::{
    Backend, BucketRecord, ByteStream, Listing, ObjectRecord, PartFile, PartRecord, UploadRecord,
    refusal,
};

/// The hidden prefix in every bucket.
pub const HIDDEN: &str = ".s3crypt-gateway/";
const BUCKET_RECORD: &str = ".s3crypt-gateway/bucket.json";
/// Backend HEADs in flight at once for one listing.
const HEADS_IN_FLIGHT: usize = 32;

/// The gateway's own entries in an object's user metadata.
const ETAG: &str = "s3gw-etag";
const STORED_ETAG: &str = "s3gw-stored-etag";
const PARTS: &str = "s3gw-parts";
const PART_SIZE: &str = "s3gw-size";
const PART_TIME: &str = "s3gw-time";
/// The kit's entries (the crate's own layout, `x-amz-meta-s3crypt-*`).
const KIT: &str = "s3crypt-";
const META: &str = "x-amz-meta-";

/// Whether a client may use this `x-amz-meta-*` name (the gateway's and the kit's are
/// reserved).
pub fn reserved_metadata(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.starts_with("s3gw-") || n.starts_with(KIT)
}

/// Where the backend is and who the gateway is there (from the environment).
pub struct S3Config {
    pub endpoint: String,
    pub access_key: String,
    pub secret_key: String,
    pub region: String,
    pub path_style: bool,
    /// PEM certificates to trust for an HTTPS endpoint (besides none: only these).
    pub ca_pem: Option<Vec<u8>>,
}

impl std::fmt::Debug for S3Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Config")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("path_style", &self.path_style)
            .finish_non_exhaustive()
    }
}

pub struct S3Backend {
    client: Client,
    tmp: PathBuf,
}

fn unavailable(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::ConnectionRefused,
        format!("the backend is unreachable ({what})"),
    )
}

/// A backend error as the gateway handles it: unreachable or overloaded → 503; the
/// backend's own refusal → an error naming its code (never a credential: the SDK's errors
/// carry none).
fn sdk_err<E: ProvideErrorMetadata>(what: &str, e: SdkError<E, HttpResponse>) -> io::Error {
    match &e {
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => unavailable(what),
        SdkError::ServiceError(s) => {
            let code = s.err().code().unwrap_or("unknown");
            let status = s.raw().status().as_u16();
            if status == 503 || matches!(code, "SlowDown" | "ServiceUnavailable" | "RequestTimeout")
            {
                return unavailable(what);
            }
            if (400..500).contains(&status) && status != 403 {
                // The backend refuses what the client asked (a name it cannot store, …):
                // the client's error, answered as such (403 would be the gateway's own
                // credentials: a 500 below).
                tracing::info!(what, code, status, "the backend refused a request");
                return refusal(
                    "InvalidArgument",
                    400,
                    format!("the storage backend refused the request ({code})"),
                );
            }
            io::Error::other(format!(
                "backend {what}: {code} ({status}): {}",
                s.err().message().unwrap_or("")
            ))
        }
        _ => io::Error::other(format!("backend {what}: {}", e_kind(&e))),
    }
}

fn e_kind<E, R>(e: &SdkError<E, R>) -> &'static str {
    match e {
        SdkError::ConstructionFailure(_) => "request could not be built",
        SdkError::ResponseError(_) => "unreadable response",
        _ => "failed",
    }
}

fn code_of<E: ProvideErrorMetadata, R>(e: &SdkError<E, R>) -> Option<&str> {
    match e {
        SdkError::ServiceError(s) => s.err().code(),
        _ => None,
    }
}

fn secs(t: Option<&aws_sdk_s3::primitives::DateTime>) -> u64 {
    t.map_or(0, |t| u64::try_from(t.secs()).unwrap_or(0))
}

fn unquote(e: Option<&str>) -> String {
    e.unwrap_or("").trim_matches('"').to_owned()
}

/// `1-3:5243392,4:12` ← parts 1, 2, 3 of 5243392 stored bytes and part 4 of 12.
fn encode_parts(parts: &[PartRecord]) -> String {
    let mut out: Vec<(u32, u32, u64)> = Vec::new();
    for p in parts {
        match out.last_mut() {
            Some((_, end, size)) if *end + 1 == p.number && *size == p.stored_size => {
                *end = p.number;
            }
            _ => out.push((p.number, p.number, p.stored_size)),
        }
    }
    out.iter()
        .map(|(a, b, s)| {
            if a == b {
                format!("{a}:{s}")
            } else {
                format!("{a}-{b}:{s}")
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn decode_parts(v: &str) -> Option<Vec<(u32, u64)>> {
    let mut out = Vec::new();
    for run in v.split(',') {
        let (nums, size) = run.split_once(':')?;
        let size: u64 = size.parse().ok()?;
        let (a, b) = match nums.split_once('-') {
            Some((a, b)) => (a.parse::<u32>().ok()?, b.parse::<u32>().ok()?),
            None => {
                let a = nums.parse::<u32>().ok()?;
                (a, a)
            }
        };
        if a == 0 || b < a || b > 10_000 || out.len() + (b - a) as usize >= 10_000 {
            return None;
        }
        out.extend((a..=b).map(|n| (n, size)));
    }
    Some(out)
}

/// The plaintext size of `stored` bytes: DARE package math for an encrypted object.
fn plain_size(encrypted: bool, stored: u64) -> io::Result<u64> {
    if encrypted {
        s3crypt::dare::range::decrypted_size(stored).map_err(|_| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                "a stored size no encrypted object has",
            )
        })
    } else {
        Ok(stored)
    }
}

fn valid_upload_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|c| c.is_ascii_hexdigit())
}

fn upload_prefix(id: &str) -> String {
    format!("{HIDDEN}uploads/{id}/")
}

fn part_key(id: &str, n: u32) -> String {
    format!("{}part-{n:05}", upload_prefix(id))
}

/// A key or prefix of a listing asked with `encoding-type=url` (`+` is a space, as S3
/// writes it).
fn url_decoded(v: Option<&str>) -> io::Result<String> {
    let bad = || {
        io::Error::new(
            io::ErrorKind::InvalidData,
            "a listed key is not URL-encoded",
        )
    };
    let v = v.ok_or_else(bad)?.as_bytes();
    let mut out = Vec::with_capacity(v.len());
    let mut i = 0;
    while i < v.len() {
        match v[i] {
            b'%' => {
                let hex = v.get(i + 1..i + 3).ok_or_else(bad)?;
                let hex = std::str::from_utf8(hex).map_err(|_| bad())?;
                out.push(u8::from_str_radix(hex, 16).map_err(|_| bad())?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| bad())
}

/// `bucket/key` for `x-amz-copy-source` (the key percent-encoded but for `/`).
fn copy_source(bucket: &str, key: &str) -> String {
    let mut out = format!("{bucket}/");
    for b in key.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The backend metadata of an object record.
fn metadata_of(rec: &ObjectRecord) -> HashMap<String, String> {
    let mut m: HashMap<String, String> = rec.user_metadata.clone().into_iter().collect();
    for (k, v) in &rec.internal {
        let k = k.strip_prefix(META).unwrap_or(k);
        m.insert(k.to_ascii_lowercase(), v.clone());
    }
    if !rec.internal.is_empty() || rec.etag != rec.stored_etag {
        m.insert(ETAG.into(), rec.etag.clone());
        m.insert(STORED_ETAG.into(), rec.stored_etag.clone());
    }
    if rec.parts.len() != 1 || rec.parts[0].number != 1 || !rec.internal.is_empty() {
        m.insert(PARTS.into(), encode_parts(&rec.parts));
    }
    m
}

impl S3Backend {
    /// A backend client; writes in progress go to `tmp_root/<pid>/`. Directories there of
    /// processes that no longer run (a gateway killed mid-write) are removed.
    pub fn new(cfg: &S3Config, tmp_root: &Path) -> io::Result<Self> {
        std::fs::create_dir_all(tmp_root)?;
        let me = std::process::id().to_string();
        for e in std::fs::read_dir(tmp_root)? {
            let e = e?;
            let name = e.file_name().to_string_lossy().into_owned();
            let dead = name.parse::<u32>().is_ok()
                && (name == me || !Path::new("/proc").join(&name).exists());
            if dead {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
        let tmp = tmp_root.join(me);
        std::fs::create_dir_all(&tmp)?;
        let creds = Credentials::new(
            cfg.access_key.clone(),
            cfg.secret_key.clone(),
            None,
            None,
            "s3crypt-gateway",
        );
        let mut b = aws_sdk_s3::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(cfg.region.clone()))
            .credentials_provider(creds)
            .endpoint_url(cfg.endpoint.clone())
            .force_path_style(cfg.path_style)
            // Checksums only where S3 requires them: not every S3 server takes the
            // trailing CRCs the SDK would add to every PUT.
            .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
            .response_checksum_validation(ResponseChecksumValidation::WhenRequired)
            .timeout_config(
                aws_sdk_s3::config::timeout::TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(5))
                    .build(),
            );
        if let Some(pem) = &cfg.ca_pem {
            use aws_smithy_http_client::tls;
            let ctx = tls::TlsContext::builder()
                .with_trust_store(tls::TrustStore::empty().with_pem_certificate(pem.clone()))
                .build()
                .map_err(io::Error::other)?;
            let http = aws_smithy_http_client::Builder::new()
                .tls_provider(tls::Provider::Rustls(
                    tls::rustls_provider::CryptoMode::AwsLc,
                ))
                .tls_context(ctx)
                .build_https();
            b = b.http_client(http);
        }
        Ok(Self {
            client: Client::from_conf(b.build()),
            tmp,
        })
    }

    async fn get_json<T: for<'de> serde::Deserialize<'de>>(
        &self,
        bucket: &str,
        key: &str,
    ) -> io::Result<Result<T, Option<&'static str>>> {
        match self
            .client
            .get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
        {
            Ok(o) => {
                let body = o
                    .body
                    .collect()
                    .await
                    .map_err(|_| unavailable("reading a record"))?
                    .into_bytes();
                serde_json::from_slice(&body)
                    .map(Ok)
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
            }
            Err(e) => match code_of(&e) {
                Some("NoSuchKey") => Ok(Err(Some("NoSuchKey"))),
                Some("NoSuchBucket") => Ok(Err(Some("NoSuchBucket"))),
                _ => Err(sdk_err("GET record", e)),
            },
        }
    }

    async fn put_json<T: serde::Serialize>(
        &self,
        bucket: &str,
        key: &str,
        v: &T,
    ) -> io::Result<()> {
        let json = serde_json::to_vec(v).map_err(io::Error::other)?;
        self.client
            .put_object()
            .bucket(bucket)
            .key(key)
            .content_type("application/json")
            .body(SdkStream::from(json))
            .send()
            .await
            .map_err(|e| sdk_err("PUT record", e))?;
        Ok(())
    }

    /// Every key under `prefix` (all pages).
    async fn keys_under(&self, bucket: &str, prefix: &str) -> io::Result<Vec<String>> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let r = self
                .client
                .list_objects_v2()
                .bucket(bucket)
                .prefix(prefix)
                .encoding_type(EncodingType::Url)
                .set_continuation_token(token.take())
                .send()
                .await
                .map_err(|e| sdk_err("LIST", e))?;
            for o in r.contents() {
                out.push(url_decoded(o.key())?);
            }
            match r.next_continuation_token() {
                Some(t) if r.is_truncated() == Some(true) => token = Some(t.to_owned()),
                _ => return Ok(out),
            }
        }
    }

    async fn delete_keys(&self, bucket: &str, keys: &[String]) -> io::Result<()> {
        for k in keys {
            self.client
                .delete_object()
                .bucket(bucket)
                .key(k)
                .send()
                .await
                .map_err(|e| sdk_err("DELETE", e))?;
        }
        Ok(())
    }

    /// HEAD of a backend object (`None`: there is none).
    async fn head(
        &self,
        bucket: &str,
        key: &str,
    ) -> io::Result<Option<aws_sdk_s3::operation::head_object::HeadObjectOutput>> {
        match self
            .client
            .head_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
        {
            Ok(h) => Ok(Some(h)),
            Err(e) if matches!(code_of(&e), Some("NotFound" | "NoSuchKey")) => Ok(None),
            Err(e) => Err(sdk_err("HEAD", e)),
        }
    }

    /// PUT of a local file of exactly its length (removed afterwards, whatever happens).
    async fn put_file(
        &self,
        bucket: &str,
        key: &str,
        data: &Path,
        content_type: Option<String>,
        metadata: HashMap<String, String>,
    ) -> io::Result<()> {
        let r = async {
            let len = tokio::fs::metadata(data).await?.len();
            let body = SdkStream::from_path(data).await.map_err(io::Error::other)?;
            self.client
                .put_object()
                .bucket(bucket)
                .key(key)
                .set_content_type(content_type)
                .set_metadata(Some(metadata))
                .content_length(i64::try_from(len).map_err(io::Error::other)?)
                .body(body)
                .send()
                .await
                .map_err(|e| sdk_err("PUT", e))
        }
        .await;
        let _ = tokio::fs::remove_file(data).await;
        r.map(drop)
    }

    /// HEAD of a part object.
    async fn part_file(&self, bucket: &str, key: &str) -> io::Result<Option<PartFile>> {
        let Some(h) = self.head(bucket, key).await? else {
            return Ok(None);
        };
        let number = key
            .rsplit_once("part-")
            .and_then(|(_, n)| n.parse::<u32>().ok())
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "a part object's name"))?;
        let m = h.metadata().cloned().unwrap_or_default();
        let field = |n: &str| m.get(n).cloned();
        let stored_size = u64::try_from(h.content_length().unwrap_or(0)).unwrap_or(0);
        Ok(Some(PartFile {
            number,
            etag: field(ETAG).unwrap_or_default(),
            size: field(PART_SIZE)
                .and_then(|s| s.parse().ok())
                .unwrap_or(stored_size),
            stored_size,
            last_modified: field(PART_TIME)
                .and_then(|s| s.parse().ok())
                .unwrap_or_else(|| secs(h.last_modified())),
            data: unquote(h.e_tag()),
        }))
    }
}

#[async_trait::async_trait]
impl Backend for S3Backend {
    fn temp_path(&self) -> PathBuf {
        self.tmp.join(super::random_hex(16))
    }

    async fn bucket(&self, bucket: &str) -> io::Result<Option<BucketRecord>> {
        if !super::valid_bucket_name(bucket) {
            return Ok(None);
        }
        // One request: the record, or the backend saying whether the bucket exists.
        Ok(match self.get_json(bucket, BUCKET_RECORD).await? {
            Ok(rec) => Some(rec),
            Err(Some("NoSuchKey")) => Some(BucketRecord::default()),
            Err(_) => None,
        })
    }

    async fn create_bucket(&self, bucket: &str) -> io::Result<bool> {
        match self.client.create_bucket().bucket(bucket).send().await {
            Ok(_) => {}
            Err(e)
                if matches!(
                    code_of(&e),
                    Some("BucketAlreadyOwnedByYou" | "BucketAlreadyExists")
                ) =>
            {
                return Ok(false);
            }
            Err(e) => return Err(sdk_err("CreateBucket", e)),
        }
        self.put_bucket(bucket, &BucketRecord::new_now()).await?;
        Ok(true)
    }

    async fn put_bucket(&self, bucket: &str, rec: &BucketRecord) -> io::Result<()> {
        self.put_json(bucket, BUCKET_RECORD, rec).await
    }

    async fn delete_bucket(&self, bucket: &str) -> io::Result<bool> {
        let all = self.keys_under(bucket, "").await?;
        if all.iter().any(|k| !k.starts_with(HIDDEN)) {
            return Ok(false);
        }
        self.delete_keys(bucket, &all).await?;
        self.client
            .delete_bucket()
            .bucket(bucket)
            .send()
            .await
            .map_err(|e| match code_of(&e) {
                Some("BucketNotEmpty") => refusal(
                    "BucketNotEmpty",
                    409,
                    "The bucket you tried to delete is not empty",
                ),
                _ => sdk_err("DeleteBucket", e),
            })?;
        Ok(true)
    }

    async fn list_buckets(&self) -> io::Result<Vec<(String, BucketRecord)>> {
        let r = self
            .client
            .list_buckets()
            .send()
            .await
            .map_err(|e| sdk_err("ListBuckets", e))?;
        let mut out: Vec<(String, BucketRecord)> = r
            .buckets()
            .iter()
            .filter_map(|b| {
                Some((
                    b.name()?.to_owned(),
                    BucketRecord {
                        created: secs(b.creation_date()),
                        encryption: None,
                    },
                ))
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }

    async fn object(&self, bucket: &str, key: &str) -> io::Result<Option<ObjectRecord>> {
        if key.starts_with(HIDDEN) {
            return Ok(None);
        }
        let Some(h) = self.head(bucket, key).await? else {
            return Ok(None);
        };
        let stored = u64::try_from(h.content_length().unwrap_or(0)).unwrap_or(0);
        let backend_etag = unquote(h.e_tag());
        let mut user = BTreeMap::new();
        let mut internal = BTreeMap::new();
        let mut own = BTreeMap::new();
        for (k, v) in h.metadata().cloned().unwrap_or_default() {
            let lk = k.to_ascii_lowercase();
            if lk.starts_with(KIT) {
                internal.insert(format!("{META}{lk}"), v);
            } else if lk.starts_with("s3gw-") {
                own.insert(lk, v);
            } else {
                user.insert(k, v);
            }
        }
        let encrypted = !internal.is_empty();
        let parts = match own.get(PARTS) {
            Some(v) => decode_parts(v).ok_or_else(|| {
                io::Error::new(io::ErrorKind::InvalidData, "the object's part list")
            })?,
            None => vec![(1, stored)],
        };
        let parts = parts
            .into_iter()
            .map(|(number, stored_size)| {
                Ok(PartRecord {
                    number,
                    stored_size,
                    size: plain_size(encrypted, stored_size)?,
                })
            })
            .collect::<io::Result<Vec<_>>>()?;
        let size = parts.iter().map(|p| p.size).sum();
        Ok(Some(ObjectRecord {
            key: key.to_owned(),
            size,
            stored_etag: own
                .get(STORED_ETAG)
                .cloned()
                .unwrap_or_else(|| backend_etag.clone()),
            etag: own
                .get(ETAG)
                .cloned()
                .unwrap_or_else(|| backend_etag.clone()),
            last_modified: secs(h.last_modified()),
            content_type: h.content_type().map(str::to_owned),
            user_metadata: user,
            internal,
            parts,
            data: backend_etag,
        }))
    }

    async fn put_object(&self, bucket: &str, data: &Path, rec: &ObjectRecord) -> io::Result<()> {
        self.put_file(
            bucket,
            &rec.key,
            data,
            rec.content_type.clone(),
            metadata_of(rec),
        )
        .await
    }

    async fn reseal_object(
        &self,
        bucket: &str,
        src_bucket: &str,
        src: &ObjectRecord,
        rec: &ObjectRecord,
    ) -> io::Result<()> {
        self.client
            .copy_object()
            .bucket(bucket)
            .key(&rec.key)
            .copy_source(copy_source(src_bucket, &src.key))
            .copy_source_if_match(format!("\"{}\"", src.data))
            .metadata_directive(aws_sdk_s3::types::MetadataDirective::Replace)
            .set_content_type(rec.content_type.clone())
            .set_metadata(Some(metadata_of(rec)))
            .send()
            .await
            .map_err(|e| match code_of(&e) {
                Some("PreconditionFailed") => refusal(
                    "ServiceUnavailable",
                    503,
                    "the object changed during the copy; retry",
                ),
                _ => sdk_err("CopyObject (re-seal)", e),
            })?;
        Ok(())
    }

    fn read(&self, bucket: &str, rec: &ObjectRecord, offset: u64, len: u64) -> ByteStream {
        if len == 0 {
            return Box::pin(futures::stream::empty());
        }
        let req = self
            .client
            .get_object()
            .bucket(bucket)
            .key(&rec.key)
            .range(format!("bytes={offset}-{}", offset + len - 1))
            .if_match(format!("\"{}\"", rec.data));
        struct St {
            req: Option<aws_sdk_s3::operation::get_object::builders::GetObjectFluentBuilder>,
            body: Option<SdkStream>,
            left: u64,
            done: bool,
        }
        let st = St {
            req: Some(req),
            body: None,
            left: len,
            done: false,
        };
        let stream = futures::stream::unfold(st, |mut st| async move {
            if st.done {
                return None;
            }
            let fail = |e: io::Error| {
                Some((
                    Err(e),
                    St {
                        req: None,
                        body: None,
                        left: 0,
                        done: true,
                    },
                ))
            };
            if let Some(req) = st.req.take() {
                match req.send().await {
                    Ok(o) => {
                        if o.content_length().and_then(|l| u64::try_from(l).ok()) != Some(st.left) {
                            return fail(io::Error::other(
                                "the backend answered another length than the range asked",
                            ));
                        }
                        st.body = Some(o.body);
                    }
                    Err(e) => return fail(sdk_err("GET", e)),
                }
            }
            match st.body.as_mut()?.next().await {
                Some(Ok(b)) => {
                    let n = b.len() as u64;
                    if n > st.left {
                        return fail(io::Error::other("the backend sent more than asked"));
                    }
                    st.left -= n;
                    Some((Ok(b), st))
                }
                Some(Err(_)) => fail(unavailable("reading an object")),
                None if st.left > 0 => fail(io::Error::other(
                    "stored object is short: the backend's answer ended early",
                )),
                None => None,
            }
        });
        Box::pin(stream)
    }

    async fn delete_object(&self, bucket: &str, key: &str) -> io::Result<()> {
        if key.starts_with(HIDDEN) {
            return Ok(());
        }
        self.client
            .delete_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| sdk_err("DELETE", e))?;
        Ok(())
    }

    async fn list_objects(
        &self,
        bucket: &str,
        prefix: &str,
        after: &str,
        delimiter: Option<&str>,
        max: usize,
    ) -> io::Result<Listing> {
        if max == 0 || prefix.starts_with(HIDDEN) {
            return Ok(Listing {
                objects: Vec::new(),
                prefixes: Vec::new(),
                next: None,
            });
        }
        let r = self
            .client
            .list_objects_v2()
            .bucket(bucket)
            .prefix(prefix)
            .set_start_after((!after.is_empty()).then(|| after.to_owned()))
            .set_delimiter(delimiter.filter(|d| !d.is_empty()).map(str::to_owned))
            .max_keys(i32::try_from(max).unwrap_or(1000))
            .encoding_type(EncodingType::Url)
            .send()
            .await
            .map_err(|e| match code_of(&e) {
                Some("NoSuchBucket") => {
                    refusal("NoSuchBucket", 404, "The specified bucket does not exist")
                }
                _ => sdk_err("LIST", e),
            })?;
        // Keys come percent-encoded (encoding-type=url): a key XML 1.0 cannot carry would
        // otherwise make the backend's answer unparseable.
        let all_keys = r
            .contents()
            .iter()
            .map(|o| url_decoded(o.key()))
            .collect::<io::Result<Vec<_>>>()?;
        let all_prefixes = r
            .common_prefixes()
            .iter()
            .map(|p| url_decoded(p.prefix()))
            .collect::<io::Result<Vec<_>>>()?;
        let last = all_keys.last().cloned().max(all_prefixes.last().cloned());
        let keys: Vec<String> = all_keys
            .into_iter()
            .filter(|k| !k.starts_with(HIDDEN))
            .collect();
        let prefixes: Vec<String> = all_prefixes
            .into_iter()
            .filter(|p| !p.starts_with(HIDDEN) && !HIDDEN.starts_with(p.as_str()))
            .collect();
        // The listing shows plaintext sizes and the client's ETags: both are in each
        // object's metadata (a HEAD per object, HEADS_IN_FLIGHT at once).
        let heads = futures::stream::iter(keys)
            .map(|k| async move { self.object(bucket, &k).await })
            .buffered(HEADS_IN_FLIGHT)
            .collect::<Vec<_>>()
            .await;
        let mut objects = Vec::with_capacity(heads.len());
        for h in heads {
            if let Some(rec) = h? {
                objects.push(rec);
            }
        }
        Ok(Listing {
            objects,
            prefixes,
            next: last.filter(|_| r.is_truncated() == Some(true)),
        })
    }

    async fn create_upload(&self, id: &str, rec: &UploadRecord) -> io::Result<()> {
        self.put_json(
            &rec.bucket,
            &format!("{}upload.json", upload_prefix(id)),
            rec,
        )
        .await
    }

    async fn upload(&self, bucket: &str, id: &str) -> io::Result<Option<UploadRecord>> {
        if !valid_upload_id(id) {
            return Ok(None);
        }
        Ok(self
            .get_json::<UploadRecord>(bucket, &format!("{}upload.json", upload_prefix(id)))
            .await?
            .ok()
            .filter(|u| u.bucket == bucket))
    }

    async fn put_part(
        &self,
        bucket: &str,
        id: &str,
        data: &Path,
        part: &PartFile,
    ) -> io::Result<()> {
        let meta = HashMap::from([
            (ETAG.to_owned(), part.etag.clone()),
            (PART_SIZE.to_owned(), part.size.to_string()),
            (PART_TIME.to_owned(), part.last_modified.to_string()),
        ]);
        self.put_file(bucket, &part_key(id, part.number), data, None, meta)
            .await
    }

    async fn parts(&self, bucket: &str, id: &str) -> io::Result<Vec<PartFile>> {
        let keys = self
            .keys_under(bucket, &format!("{}part-", upload_prefix(id)))
            .await?;
        let heads = futures::stream::iter(keys)
            .map(|k| async move { self.part_file(bucket, &k).await })
            .buffered(HEADS_IN_FLIGHT)
            .collect::<Vec<_>>()
            .await;
        let mut out = Vec::new();
        for h in heads {
            if let Some(p) = h? {
                out.push(p);
            }
        }
        out.sort_by_key(|p| p.number);
        Ok(out)
    }

    async fn complete_upload(
        &self,
        bucket: &str,
        id: &str,
        chosen: &[PartFile],
        rec: &ObjectRecord,
    ) -> io::Result<()> {
        // The object appears at the backend's own completion, with its metadata: a
        // backend multipart upload of server-side copies of the part objects.
        let up = self
            .client
            .create_multipart_upload()
            .bucket(bucket)
            .key(&rec.key)
            .set_content_type(rec.content_type.clone())
            .set_metadata(Some(metadata_of(rec)))
            .send()
            .await
            .map_err(|e| sdk_err("CreateMultipartUpload", e))?;
        let backend_id = up
            .upload_id()
            .ok_or_else(|| io::Error::other("the backend gave no upload id"))?
            .to_owned();
        let result = async {
            let mut done = Vec::with_capacity(chosen.len());
            for p in chosen {
                let r = self
                    .client
                    .upload_part_copy()
                    .bucket(bucket)
                    .key(&rec.key)
                    .upload_id(&backend_id)
                    .part_number(i32::try_from(p.number).map_err(io::Error::other)?)
                    .copy_source(copy_source(bucket, &part_key(id, p.number)))
                    .copy_source_if_match(format!("\"{}\"", p.data))
                    // RGW 16 refuses a part copy without `Content-Length: 0`
                    // (MissingContentLength); the SDK sends none for an empty body.
                    .customize()
                    .mutate_request(|r| {
                        r.headers_mut().insert("content-length", "0");
                    })
                    .send()
                    .await
                    .map_err(|e| match code_of(&e) {
                        Some("PreconditionFailed") => refusal(
                            "InvalidPart",
                            400,
                            "a part changed while the upload completed",
                        ),
                        _ => sdk_err("UploadPartCopy", e),
                    })?;
                done.push(
                    CompletedPart::builder()
                        .part_number(i32::try_from(p.number).map_err(io::Error::other)?)
                        .set_e_tag(
                            r.copy_part_result()
                                .and_then(|c| c.e_tag())
                                .map(str::to_owned),
                        )
                        .build(),
                );
            }
            self.client
                .complete_multipart_upload()
                .bucket(bucket)
                .key(&rec.key)
                .upload_id(&backend_id)
                .multipart_upload(
                    CompletedMultipartUpload::builder()
                        .set_parts(Some(done))
                        .build(),
                )
                .send()
                .await
                .map_err(|e| match code_of(&e) {
                    Some("EntityTooSmall") => refusal(
                        "EntityTooSmall",
                        400,
                        "Your proposed upload is smaller than the minimum allowed object size.",
                    ),
                    _ => sdk_err("CompleteMultipartUpload", e),
                })?;
            Ok::<_, io::Error>(())
        }
        .await;
        if let Err(e) = result {
            let _ = self
                .client
                .abort_multipart_upload()
                .bucket(bucket)
                .key(&rec.key)
                .upload_id(&backend_id)
                .send()
                .await;
            return Err(e);
        }
        self.abort_upload(bucket, id).await
    }

    async fn abort_upload(&self, bucket: &str, id: &str) -> io::Result<()> {
        if !valid_upload_id(id) {
            return Ok(());
        }
        let mut keys = self.keys_under(bucket, &upload_prefix(id)).await?;
        // The record last: an upload is gone only once its parts are.
        keys.sort_by_key(|k| k.ends_with("upload.json"));
        self.delete_keys(bucket, &keys).await
    }

    async fn list_uploads(&self, bucket: &str) -> io::Result<Vec<(String, UploadRecord)>> {
        let keys = self
            .keys_under(bucket, &format!("{HIDDEN}uploads/"))
            .await?;
        let mut out = Vec::new();
        for k in keys.iter().filter(|k| k.ends_with("/upload.json")) {
            let id = k
                .trim_start_matches(&format!("{HIDDEN}uploads/"))
                .trim_end_matches("/upload.json");
            if let Some(rec) = self.upload(bucket, id).await? {
                out.push((id.to_owned(), rec));
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_lists_round_trip_compactly() {
        let p = |number, stored_size| PartRecord {
            number,
            stored_size,
            size: 0,
        };
        let parts = vec![p(1, 10), p(2, 10), p(3, 10), p(4, 7), p(6, 7), p(7, 3)];
        let v = encode_parts(&parts);
        assert_eq!(v, "1-3:10,4:7,6:7,7:3");
        let back = decode_parts(&v).unwrap();
        assert_eq!(
            back,
            parts
                .iter()
                .map(|p| (p.number, p.stored_size))
                .collect::<Vec<_>>()
        );
        for bad in ["", "0:1", "3-1:5", "1:x", "1-20000:5", "a", "1-2"] {
            assert!(decode_parts(bad).is_none(), "{bad}");
        }
    }

    /// Every input the backend could send decodes or is refused; none panics.
    #[test]
    fn listed_keys_decode_or_are_refused() {
        assert_eq!(
            url_decoded(Some("a%2Bb+c%00d/%E2%82%AC")).unwrap(),
            "a+b c\0d/€"
        );
        for bad in [
            None,
            Some("%"),
            Some("%4"),
            Some("%zz"),
            Some("%ff"),
            Some("%C3"),
        ] {
            assert!(url_decoded(bad).is_err(), "{bad:?}");
        }
        // Every byte string of up to 3 bytes from a small alphabet.
        let alphabet = [b'%', b'+', b'0', b'f', b'F', b'z', 0xC3, 0xA9];
        for a in alphabet {
            for b in alphabet {
                for c in alphabet {
                    let v = [a, b, c];
                    if let Ok(s) = std::str::from_utf8(&v) {
                        let _ = url_decoded(Some(s));
                    }
                }
            }
        }
        for v in [
            "1:1,",
            ",",
            "1-:4",
            "-1:4",
            "4294967295:1",
            "1:18446744073709551616",
        ] {
            assert!(decode_parts(v).is_none(), "{v}");
        }
    }
}
