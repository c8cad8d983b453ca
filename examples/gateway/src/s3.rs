//! The S3 operations: s3s hands each request over typed; every encryption decision goes
//! through s3crypt's server kit, and the bytes through the store.

use std::path::PathBuf;
use std::time::{Duration, UNIX_EPOCH};

use bytes::Bytes;
use futures::StreamExt as _;
use md5::{Digest as _, Md5};
use s3crypt::headers::range::{RangeError, RangeSpec};
use s3crypt::headers::{self, HeaderSource, Operation, RequestContext, SseError, Transport};
use s3crypt::kms::StaticKeys;
use s3crypt::sse::bucket::BucketEncryption;
use s3crypt::sse::object::{
    BodyDecryptor, BodyEncryptor, CopyPlan, CopySource, KitError, MinioCodec, Read, ServerKit,
    StoredObject, StoredPart,
};
use s3s::dto::*;
use s3s::{S3, S3Error, S3ErrorCode, S3Request, S3Response, S3Result, s3_error};
use tokio::io::{AsyncReadExt as _, AsyncSeekExt as _, AsyncWriteExt as _};

use crate::store::{
    BucketRecord, ObjectRecord, PartFile, PartRecord, Store, UploadRecord, now, valid_bucket_name,
};

pub struct Gateway {
    store: Store,
    kms: Option<StaticKeys>,
    codec: MinioCodec,
    /// Store without encryption (a benchmark baseline): SSE requests are refused.
    plaintext: bool,
}

const CHUNK: usize = 1 << 20;

// ----- errors ---------------------------------------------------------------------------

pub fn s3_err(code: &str, status: u16, message: &str) -> S3Error {
    let code = S3ErrorCode::from_bytes(code.as_bytes()).unwrap_or(S3ErrorCode::InternalError);
    let mut e = S3Error::with_message(code, message.to_owned());
    if let Ok(s) = http::StatusCode::from_u16(status) {
        e.set_status_code(s);
    }
    e
}

fn sse_err(e: &SseError) -> S3Error {
    s3_err(
        e.code().unwrap_or("BadRequest"),
        e.http_status(),
        e.message(),
    )
}

fn kit_err(e: KitError) -> S3Error {
    if e.http_status() >= 500 {
        tracing::warn!(error = %e, "server kit failure");
    }
    s3_err(e.code(), e.http_status(), e.message())
}

pub fn io_err(e: std::io::Error) -> S3Error {
    tracing::error!(error = %e, "storage failure");
    s3_error!(InternalError, "storage failure")
}

fn transport<T>(req: &S3Request<T>) -> Transport {
    req.extensions
        .get::<Transport>()
        .copied()
        .unwrap_or(Transport::Plaintext)
}

fn add_headers(headers: &mut http::HeaderMap, list: &[(&'static str, String)]) {
    for (n, v) in list {
        if let Ok(v) = http::HeaderValue::from_str(v) {
            headers.insert(*n, v);
        }
    }
}

fn timestamp(secs: u64) -> Timestamp {
    Timestamp::from(UNIX_EPOCH + Duration::from_secs(secs))
}

fn etag(v: &str) -> ETag {
    ETag::Strong(v.to_owned())
}

fn stored_parts(rec: &ObjectRecord) -> Vec<StoredPart> {
    rec.parts
        .iter()
        .map(|p| StoredPart {
            number: p.number,
            stored_size: p.stored_size,
        })
        .collect()
}

// ----- bodies ---------------------------------------------------------------------------

/// Where a body comes from, for the error when it cannot be read to its end.
#[derive(Clone, Copy)]
enum BodySource {
    /// The request body (PUT, UploadPart): `IncompleteBody`.
    Request,
    /// A stored copy source decrypted on the fly (CopyObject, UploadPartCopy): the source
    /// is short or does not authenticate, `InternalError`.
    CopySource,
}

/// What a gateway started with `GATEWAY_PLAINTEXT=1` answers a write that would encrypt.
pub fn plaintext_refusal() -> s3s::S3Error {
    s3_error!(
        NotImplemented,
        "this gateway stores without encryption (GATEWAY_PLAINTEXT=1): SSE headers and bucket default encryption are refused"
    )
}

/// How much of a refused request's body is read (and discarded) before the error is
/// answered: a client still sending when the connection closes reports a broken pipe or
/// an SSL EOF instead of the S3 error.
const DRAIN_LIMIT: u64 = 64 << 20;

/// Reads what is left of a request body, up to [`DRAIN_LIMIT`], so a refusal answered before
/// the body was needed reaches the client as an S3 error.
async fn drain(body: Option<StreamingBlob>) {
    let Some(mut body) = body else { return };
    let mut n = 0u64;
    while let Some(Ok(chunk)) = body.next().await {
        n += chunk.len() as u64;
        if n > DRAIN_LIMIT {
            break;
        }
    }
}

/// Streams `body` through `enc` into a temp file; returns (path, plaintext MD5, plaintext
/// size, stored size).
async fn write_body(
    store: &Store,
    mut body: Option<StreamingBlob>,
    mut enc: BodyEncryptor,
    from: BodySource,
) -> S3Result<(PathBuf, [u8; 16], u64, u64)> {
    let path = store.temp_path();
    let mut file = tokio::fs::File::create(&path).await.map_err(io_err)?;
    let mut md5 = Md5::new();
    let mut buf = Vec::with_capacity(CHUNK + 64 * 1024);
    if let Some(body) = body.as_mut() {
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| {
                let _ = std::fs::remove_file(&path);
                match from {
                    BodySource::Request => {
                        s3_error!(IncompleteBody, "the body could not be read: {e}")
                    }
                    BodySource::CopySource => {
                        s3_error!(InternalError, "the copy source could not be read: {e}")
                    }
                }
            })?;
            md5.update(&chunk);
            enc.update(&chunk, &mut buf)
                .map_err(|e| kit_err(e.into()))?;
            file.write_all(&buf).await.map_err(io_err)?;
            buf.clear();
        }
    }
    let (plain, stored) = enc.finish(&mut buf).map_err(|e| kit_err(e.into()))?;
    file.write_all(&buf).await.map_err(io_err)?;
    file.sync_all().await.map_err(io_err)?;
    Ok((path, md5.finalize().into(), plain, stored))
}

/// Reads `len` stored bytes from `path` at `offset` through `dec` as a response body.
fn read_body(path: PathBuf, offset: u64, len: u64, dec: BodyDecryptor) -> StreamingBlob {
    struct St {
        path: PathBuf,
        file: Option<tokio::fs::File>,
        offset: u64,
        left: u64,
        dec: Option<BodyDecryptor>,
    }
    let st = St {
        path,
        file: None,
        offset,
        left: len,
        dec: Some(dec),
    };
    let stream = futures::stream::unfold(st, |mut st| async move {
        let dec = st.dec.as_mut()?;
        let fail = |m: String| {
            Some((
                Err(std::io::Error::other(m)),
                St {
                    dec: None,
                    ..st_empty()
                },
            ))
        };
        if st.file.is_none() {
            match tokio::fs::File::open(&st.path).await {
                Ok(mut f) => {
                    if let Err(e) = f.seek(std::io::SeekFrom::Start(st.offset)).await {
                        return fail(e.to_string());
                    }
                    st.file = Some(f);
                }
                Err(e) => return fail(e.to_string()),
            }
        }
        let mut out = Vec::new();
        if st.left > 0 {
            let n = usize::try_from(st.left.min(CHUNK as u64)).unwrap_or(CHUNK);
            let mut buf = vec![0u8; n];
            let file = st.file.as_mut()?;
            if let Err(e) = file.read_exact(&mut buf).await {
                // Storage answered short: an error, never fewer bytes.
                return fail(format!("stored object is short: {e}"));
            }
            st.left -= n as u64;
            if let Err(e) = dec.update(&buf, &mut out) {
                return fail(format!("stored object does not authenticate: {e}"));
            }
        }
        if st.left == 0 {
            let dec = st.dec.take()?;
            if let Err(e) = dec.finish() {
                return fail(format!("stored object does not authenticate: {e}"));
            }
        }
        Some((Ok(Bytes::from(out)), st))
    });
    fn st_empty() -> St {
        St {
            path: PathBuf::new(),
            file: None,
            offset: 0,
            left: 0,
            dec: None,
        }
    }
    StreamingBlob::wrap(stream.filter(|r| {
        let keep = !matches!(r, Ok(b) if b.is_empty());
        async move { keep }
    }))
}

impl Gateway {
    pub fn new(store: Store, kms: Option<StaticKeys>, plaintext: bool) -> Self {
        Self {
            store,
            kms,
            codec: MinioCodec,
            plaintext,
        }
    }

    fn kit(&self) -> ServerKit<'_> {
        let kit = ServerKit::new(&self.codec);
        match &self.kms {
            Some(k) => kit.with_kms(k),
            None => kit,
        }
    }

    async fn bucket(&self, bucket: &str) -> S3Result<BucketRecord> {
        self.store
            .bucket(bucket)
            .await
            .map_err(io_err)?
            .ok_or_else(|| s3_error!(NoSuchBucket))
    }

    /// `GATEWAY_PLAINTEXT=1`: every write that would encrypt (SSE headers, or a bucket
    /// default left from before) is refused, PUT, POST, copy and multipart alike.
    fn refuse_encryption_if_plaintext(
        &self,
        sse: &headers::SseRequest,
        cfg: &BucketEncryption,
    ) -> S3Result<()> {
        if self.plaintext
            && (!matches!(sse.encryption(), headers::Encryption::None) || cfg.default.is_some())
        {
            return Err(plaintext_refusal());
        }
        Ok(())
    }

    async fn bucket_cfg(&self, bucket: &str) -> S3Result<BucketEncryption> {
        let rec = self.bucket(bucket).await?;
        Ok(match rec.encryption {
            Some(xml) => BucketEncryption::from_xml(&xml).map_err(|_| s3_error!(InternalError))?,
            None => BucketEncryption::default(),
        })
    }

    async fn object(&self, bucket: &str, key: &str) -> S3Result<ObjectRecord> {
        self.bucket(bucket).await?;
        self.store
            .object(bucket, key)
            .await
            .map_err(io_err)?
            .ok_or_else(|| s3_error!(NoSuchKey))
    }

    fn parse<H: HeaderSource + ?Sized>(
        op: Operation,
        t: Transport,
        cfg: &BucketEncryption,
        h: &H,
    ) -> S3Result<headers::SseRequest> {
        let ctx = RequestContext::new(op, t).with_sse_c_blocked(cfg.blocks_sse_c);
        headers::parse(&ctx, h).map_err(|e| sse_err(&e))
    }

    /// PutObject and PostObject.
    #[allow(clippy::too_many_arguments)]
    async fn put(
        &self,
        sse_fields: &(dyn Fn(&BucketEncryption) -> S3Result<headers::SseRequest> + Sync),
        bucket: &str,
        key: &str,
        body: Option<StreamingBlob>,
        content_type: Option<String>,
        metadata: Option<Metadata>,
        content_md5: Option<String>,
    ) -> S3Result<(String, Vec<(&'static str, String)>)> {
        let prepared = async {
            let cfg = self.bucket_cfg(bucket).await?;
            let sse = sse_fields(&cfg)?;
            self.refuse_encryption_if_plaintext(&sse, &cfg)?;
            self.kit()
                .put_object(&sse, &cfg, bucket, key)
                .map_err(kit_err)
        }
        .await;
        let plan = match prepared {
            Ok(p) => p,
            Err(e) => {
                drain(body).await;
                return Err(e);
            }
        };
        let (tmp, md5, size, stored) =
            write_body(&self.store, body, plan.body, BodySource::Request).await?;
        if let Some(want) = content_md5 {
            use base64::Engine as _;
            if base64::engine::general_purpose::STANDARD
                .decode(want.trim())
                .ok()
                .as_deref()
                != Some(&md5[..])
            {
                let _ = tokio::fs::remove_file(&tmp).await;
                return Err(s3_error!(BadDigest));
            }
        }
        let written = plan.object.complete(&md5, stored).map_err(kit_err)?;
        let rec = ObjectRecord {
            key: key.to_owned(),
            size,
            stored_etag: written.stored_etag,
            etag: written.etag.clone(),
            last_modified: now(),
            content_type,
            user_metadata: metadata.unwrap_or_default().into_iter().collect(),
            internal: written.metadata,
            parts: vec![PartRecord {
                number: 1,
                stored_size: stored,
                size,
            }],
            data: Store::new_data_name(key),
        };
        self.store
            .commit_object(bucket, Some(&tmp), &rec)
            .await
            .map_err(io_err)?;
        Ok((written.etag, written.response_headers))
    }

    fn read_of(part_number: Option<i32>, range: Option<&http::HeaderValue>) -> S3Result<Read> {
        if let Some(n) = part_number {
            let n = u32::try_from(n).ok().filter(|&n| (1..=10_000).contains(&n));
            return n.map(Read::Part).ok_or_else(|| {
                s3_error!(
                    InvalidArgument,
                    "Part number must be an integer between 1 and 10000, inclusive"
                )
            });
        }
        let Some(v) = range.and_then(|v| v.to_str().ok()) else {
            return Ok(Read::Whole);
        };
        match RangeSpec::parse(v) {
            Ok(spec) => Ok(Read::Range(spec)),
            Err(RangeError::Syntax(_)) => Ok(Read::Whole),
            Err(e) => Err(kit_err(KitError::Range(e))),
        }
    }

    async fn list(
        &self,
        bucket: &str,
        prefix: &str,
        after: &str,
        delimiter: Option<&str>,
        max: usize,
    ) -> S3Result<Listing> {
        self.bucket(bucket).await?;
        let all = self.store.list_objects(bucket).await.map_err(io_err)?;
        let (mut objects, mut prefixes) = (Vec::new(), Vec::<String>::new());
        let mut truncated = false;
        for rec in all {
            if !rec.key.starts_with(prefix) || rec.key.as_str() <= after {
                continue;
            }
            let cp = delimiter.filter(|d| !d.is_empty()).and_then(|d| {
                rec.key[prefix.len()..]
                    .find(d)
                    .map(|i| rec.key[..prefix.len() + i + d.len()].to_owned())
            });
            if let Some(cp) = &cp {
                if prefixes.last() == Some(cp) {
                    continue;
                }
                if cp.as_str() <= after {
                    continue;
                }
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
            .map(|o| o.key.clone())
            .max(prefixes.last().cloned());
        Ok(Listing {
            objects,
            prefixes: prefixes
                .into_iter()
                .map(|p| CommonPrefix { prefix: Some(p) })
                .collect(),
            next: last.filter(|_| truncated),
        })
    }
}

/// A key echoed in an answer that has no `encoding-type` (DeleteObjects, multipart): left
/// out when XML 1.0 cannot carry it, so the answer stays well-formed.
fn echo_key(key: &str) -> Option<String> {
    KeyEncoding { url: false }.text(key).ok()
}

/// How a listing writes keys and prefixes: raw, or percent-encoded when the client asked
/// for `encoding-type=url` (as S3: every byte but the unreserved characters and `/`, which
/// SDKs decode). Raw text with a character XML 1.0 forbids (NUL, most controls, U+FFFE,
/// U+FFFF) is refused rather than written into XML no parser accepts.
#[derive(Clone, Copy)]
struct KeyEncoding {
    url: bool,
}

impl KeyEncoding {
    fn of(t: Option<&s3s::dto::EncodingType>) -> Self {
        Self {
            url: t.is_some_and(|t| t.as_str() == "url"),
        }
    }

    fn echo(self) -> Option<s3s::dto::EncodingType> {
        self.url
            .then(|| s3s::dto::EncodingType::from_static(s3s::dto::EncodingType::URL))
    }

    fn text(self, s: &str) -> S3Result<String> {
        if self.url {
            let mut out = String::with_capacity(s.len());
            for b in s.bytes() {
                if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
                    out.push(b as char);
                } else {
                    out.push_str(&format!("%{b:02X}"));
                }
            }
            return Ok(out);
        }
        let xml_char = |c: char| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..);
        if s.chars().all(xml_char) {
            Ok(s.to_owned())
        } else {
            Err(s3_error!(
                InvalidArgument,
                "the listing holds a key with a character XML 1.0 cannot carry; list with encoding-type=url"
            ))
        }
    }

    fn opt(self, s: Option<&str>) -> S3Result<Option<String>> {
        s.map(|s| self.text(s)).transpose()
    }

    fn objects(self, objs: &[ObjectRecord]) -> S3Result<Vec<Object>> {
        objs.iter().map(|o| object_dto(o, self)).collect()
    }

    fn prefixes(self, cps: Vec<CommonPrefix>) -> S3Result<Vec<CommonPrefix>> {
        cps.into_iter()
            .map(|cp| {
                Ok(CommonPrefix {
                    prefix: self.opt(cp.prefix.as_deref())?,
                })
            })
            .collect()
    }
}

/// One page of a listing; `next` is set when it is truncated.
struct Listing {
    objects: Vec<ObjectRecord>,
    prefixes: Vec<CommonPrefix>,
    next: Option<String>,
}

fn object_dto(r: &ObjectRecord, enc: KeyEncoding) -> S3Result<Object> {
    Ok(Object {
        key: Some(enc.text(&r.key)?),
        size: Some(r.size as i64),
        e_tag: Some(etag(&r.etag)),
        last_modified: Some(timestamp(r.last_modified)),
        storage_class: Some(ObjectStorageClass::from_static(
            ObjectStorageClass::STANDARD,
        )),
        ..Default::default()
    })
}

fn copy_source(cs: &s3s::dto::CopySource) -> S3Result<(String, String)> {
    match cs {
        s3s::dto::CopySource::Bucket { bucket, key, .. } => {
            Ok((bucket.to_string(), key.to_string()))
        }
        _ => Err(s3_error!(
            NotImplemented,
            "access point copy sources are not supported"
        )),
    }
}

#[async_trait::async_trait]
impl S3 for Gateway {
    // ----- buckets ----------------------------------------------------------------------

    async fn create_bucket(
        &self,
        req: S3Request<CreateBucketInput>,
    ) -> S3Result<S3Response<CreateBucketOutput>> {
        let b = &req.input.bucket;
        if !valid_bucket_name(b) {
            return Err(s3_error!(InvalidBucketName));
        }
        if !self.store.create_bucket(b).await.map_err(io_err)? {
            return Err(s3_error!(BucketAlreadyOwnedByYou));
        }
        Ok(S3Response::new(CreateBucketOutput {
            location: Some(format!("/{b}")),
        }))
    }

    async fn head_bucket(
        &self,
        req: S3Request<HeadBucketInput>,
    ) -> S3Result<S3Response<HeadBucketOutput>> {
        self.bucket(&req.input.bucket).await?;
        Ok(S3Response::new(HeadBucketOutput::default()))
    }

    async fn delete_bucket(
        &self,
        req: S3Request<DeleteBucketInput>,
    ) -> S3Result<S3Response<DeleteBucketOutput>> {
        let b = &req.input.bucket;
        self.bucket(b).await?;
        if !self.store.bucket_is_empty(b).await.map_err(io_err)? {
            return Err(s3_error!(BucketNotEmpty));
        }
        self.store.delete_bucket(b).await.map_err(io_err)?;
        Ok(S3Response::new(DeleteBucketOutput::default()))
    }

    async fn list_buckets(
        &self,
        _req: S3Request<ListBucketsInput>,
    ) -> S3Result<S3Response<ListBucketsOutput>> {
        let buckets = self.store.list_buckets().await.map_err(io_err)?;
        Ok(S3Response::new(ListBucketsOutput {
            buckets: Some(
                buckets
                    .into_iter()
                    .map(|(name, rec)| Bucket {
                        name: Some(name),
                        creation_date: Some(timestamp(rec.created)),
                        ..Default::default()
                    })
                    .collect(),
            ),
            owner: Some(Owner {
                display_name: Some("s3crypt".into()),
                id: Some("s3crypt".into()),
            }),
            ..Default::default()
        }))
    }

    async fn get_bucket_location(
        &self,
        req: S3Request<GetBucketLocationInput>,
    ) -> S3Result<S3Response<GetBucketLocationOutput>> {
        self.bucket(&req.input.bucket).await?;
        Ok(S3Response::new(GetBucketLocationOutput::default()))
    }

    // ----- objects ----------------------------------------------------------------------

    async fn put_object(
        &self,
        req: S3Request<PutObjectInput>,
    ) -> S3Result<S3Response<PutObjectOutput>> {
        let t = transport(&req);
        let headers = req.headers.clone();
        let i = req.input;
        let parse = |cfg: &BucketEncryption| Self::parse(Operation::PutObject, t, cfg, &headers);
        let (e, h) = self
            .put(
                &parse,
                &i.bucket,
                &i.key,
                i.body,
                i.content_type,
                i.metadata,
                i.content_md5,
            )
            .await?;
        let mut resp = S3Response::new(PutObjectOutput {
            e_tag: Some(etag(&e)),
            ..Default::default()
        });
        add_headers(&mut resp.headers, &h);
        Ok(resp)
    }

    async fn post_object(
        &self,
        req: S3Request<PostObjectInput>,
    ) -> S3Result<S3Response<PostObjectOutput>> {
        let t = transport(&req);
        let i = req.input;
        // The SSE fields of a browser form upload, judged as headers.
        let mut fields: Vec<(&str, String)> = Vec::new();
        let mut add = |n: &'static str, v: Option<String>| {
            if let Some(v) = v {
                fields.push((n, v));
            }
        };
        add(
            "x-amz-server-side-encryption",
            i.server_side_encryption.map(|s| s.as_str().to_owned()),
        );
        add(
            "x-amz-server-side-encryption-aws-kms-key-id",
            i.ssekms_key_id,
        );
        add(
            "x-amz-server-side-encryption-context",
            i.ssekms_encryption_context,
        );
        add(
            "x-amz-server-side-encryption-customer-algorithm",
            i.sse_customer_algorithm,
        );
        add(
            "x-amz-server-side-encryption-customer-key",
            i.sse_customer_key,
        );
        add(
            "x-amz-server-side-encryption-customer-key-MD5",
            i.sse_customer_key_md5,
        );
        let parse = |cfg: &BucketEncryption| Self::parse(Operation::PostObject, t, cfg, &fields);
        let (e, h) = self
            .put(
                &parse,
                &i.bucket,
                &i.key,
                i.body,
                i.content_type,
                i.metadata,
                None,
            )
            .await?;
        let mut resp = S3Response::new(PostObjectOutput {
            e_tag: Some(etag(&e)),
            ..Default::default()
        });
        add_headers(&mut resp.headers, &h);
        Ok(resp)
    }

    async fn get_object(
        &self,
        req: S3Request<GetObjectInput>,
    ) -> S3Result<S3Response<GetObjectOutput>> {
        let i = &req.input;
        let (rec, plan) = self
            .read_plan(&req, Operation::GetObject, &i.bucket, &i.key, i.part_number)
            .await?;
        let status = plan.status;
        let body = read_body(
            self.store.data_path(&i.bucket, &rec),
            plan.stored_offset,
            plan.stored_length,
            plan.body,
        );
        let mut resp = S3Response::new(GetObjectOutput {
            body: Some(body),
            content_length: Some(plan.content_length as i64),
            content_range: plan.content_range.map(|c| c.header_value()),
            e_tag: Some(etag(&plan.etag)),
            last_modified: Some(timestamp(rec.last_modified)),
            content_type: rec.content_type.clone(),
            metadata: Some(rec.user_metadata.clone().into_iter().collect()),
            parts_count: plan.parts_count.map(|c| c as i32),
            accept_ranges: Some("bytes".into()),
            ..Default::default()
        });
        if status == 206 {
            resp.status = Some(http::StatusCode::PARTIAL_CONTENT);
        }
        add_headers(&mut resp.headers, &plan.response_headers);
        Ok(resp)
    }

    async fn head_object(
        &self,
        req: S3Request<HeadObjectInput>,
    ) -> S3Result<S3Response<HeadObjectOutput>> {
        let i = &req.input;
        let (rec, plan) = self
            .read_plan(
                &req,
                Operation::HeadObject,
                &i.bucket,
                &i.key,
                i.part_number,
            )
            .await?;
        let mut resp = S3Response::new(HeadObjectOutput {
            content_length: Some(plan.content_length as i64),
            content_range: plan.content_range.map(|c| c.header_value()),
            e_tag: Some(etag(&plan.etag)),
            last_modified: Some(timestamp(rec.last_modified)),
            content_type: rec.content_type.clone(),
            metadata: Some(rec.user_metadata.clone().into_iter().collect()),
            parts_count: plan.parts_count.map(|c| c as i32),
            accept_ranges: Some("bytes".into()),
            ..Default::default()
        });
        if plan.status == 206 {
            resp.status = Some(http::StatusCode::PARTIAL_CONTENT);
        }
        add_headers(&mut resp.headers, &plan.response_headers);
        Ok(resp)
    }

    async fn copy_object(
        &self,
        req: S3Request<CopyObjectInput>,
    ) -> S3Result<S3Response<CopyObjectOutput>> {
        let t = transport(&req);
        let i = &req.input;
        let (sb, sk) = copy_source(&i.copy_source)?;
        let src = self.object(&sb, &sk).await?;
        let cfg = self.bucket_cfg(&i.bucket).await?;
        let sse = Self::parse(Operation::CopyObject, t, &cfg, &req.headers)?;
        self.refuse_encryption_if_plaintext(&sse, &cfg)?;
        let replace = i
            .metadata_directive
            .as_ref()
            .is_some_and(|d| d.as_str() == "REPLACE");
        let parts = stored_parts(&src);
        let source = CopySource {
            bucket: &sb,
            key: &sk,
            object: StoredObject {
                metadata: &src.internal,
                parts: &parts,
                etag: &src.stored_etag,
            },
        };
        let plan = self
            .kit()
            .copy_object(&sse, &source, &cfg, &i.bucket, &i.key, replace)
            .map_err(kit_err)?;
        let (user_metadata, content_type) = if replace {
            (
                i.metadata.clone().unwrap_or_default().into_iter().collect(),
                i.content_type.clone(),
            )
        } else {
            (src.user_metadata.clone(), src.content_type.clone())
        };
        let (rec, tmp, headers) = match plan {
            CopyPlan::Reseal(w) => {
                let rec = ObjectRecord {
                    stored_etag: w.stored_etag,
                    etag: w.etag,
                    internal: w.metadata,
                    user_metadata,
                    content_type,
                    last_modified: now(),
                    ..src.clone()
                };
                (rec, None, w.response_headers)
            }
            CopyPlan::Rewrite { source, dest } => {
                // Streamed: the source is decrypted a chunk at a time into the new object.
                let body = read_body(
                    self.store.data_path(&sb, &src),
                    source.stored_offset,
                    source.stored_length,
                    source.body,
                );
                let dest = *dest;
                let (tmp, md5, size, stored) =
                    write_body(&self.store, Some(body), dest.body, BodySource::CopySource).await?;
                let w = dest.object.complete(&md5, stored).map_err(kit_err)?;
                let rec = ObjectRecord {
                    key: i.key.clone(),
                    size,
                    stored_etag: w.stored_etag,
                    etag: w.etag,
                    last_modified: now(),
                    content_type,
                    user_metadata,
                    internal: w.metadata,
                    parts: vec![PartRecord {
                        number: 1,
                        stored_size: stored,
                        size,
                    }],
                    data: Store::new_data_name(&i.key),
                };
                (rec, Some(tmp), w.response_headers)
            }
        };
        self.store
            .commit_object(&i.bucket, tmp.as_deref(), &rec)
            .await
            .map_err(io_err)?;
        let mut resp = S3Response::new(CopyObjectOutput {
            copy_object_result: Some(CopyObjectResult {
                e_tag: Some(etag(&rec.etag)),
                last_modified: Some(timestamp(rec.last_modified)),
                ..Default::default()
            }),
            ..Default::default()
        });
        add_headers(&mut resp.headers, &headers);
        Ok(resp)
    }

    async fn delete_object(
        &self,
        req: S3Request<DeleteObjectInput>,
    ) -> S3Result<S3Response<DeleteObjectOutput>> {
        self.bucket(&req.input.bucket).await?;
        self.store
            .delete_object(&req.input.bucket, &req.input.key)
            .await
            .map_err(io_err)?;
        Ok(S3Response::new(DeleteObjectOutput::default()))
    }

    async fn delete_objects(
        &self,
        req: S3Request<DeleteObjectsInput>,
    ) -> S3Result<S3Response<DeleteObjectsOutput>> {
        let b = &req.input.bucket;
        self.bucket(b).await?;
        let mut deleted = Vec::new();
        for o in &req.input.delete.objects {
            self.store.delete_object(b, &o.key).await.map_err(io_err)?;
            deleted.push(DeletedObject {
                key: echo_key(&o.key),
                ..Default::default()
            });
        }
        let quiet = req.input.delete.quiet.unwrap_or(false);
        Ok(S3Response::new(DeleteObjectsOutput {
            deleted: (!quiet).then_some(deleted),
            ..Default::default()
        }))
    }

    async fn list_objects(
        &self,
        req: S3Request<ListObjectsInput>,
    ) -> S3Result<S3Response<ListObjectsOutput>> {
        let i = &req.input;
        let max = i.max_keys.map_or(1000, |m| m.clamp(0, 1000) as usize);
        let prefix = i.prefix.clone().unwrap_or_default();
        let marker = i.marker.clone().unwrap_or_default();
        let Listing {
            objects: objs,
            prefixes: cps,
            next,
        } = self
            .list(&i.bucket, &prefix, &marker, i.delimiter.as_deref(), max)
            .await?;
        let truncated = next.is_some();
        let enc = KeyEncoding::of(i.encoding_type.as_ref());
        Ok(S3Response::new(ListObjectsOutput {
            name: Some(i.bucket.clone()),
            prefix: Some(enc.text(&prefix)?),
            marker: Some(enc.text(&marker)?),
            max_keys: Some(max as i32),
            is_truncated: Some(truncated),
            next_marker: enc.opt(next.as_deref())?,
            delimiter: enc.opt(i.delimiter.as_deref())?,
            contents: Some(enc.objects(&objs)?),
            common_prefixes: Some(enc.prefixes(cps)?),
            encoding_type: enc.echo(),
            ..Default::default()
        }))
    }

    async fn list_objects_v2(
        &self,
        req: S3Request<ListObjectsV2Input>,
    ) -> S3Result<S3Response<ListObjectsV2Output>> {
        let i = &req.input;
        let max = i.max_keys.map_or(1000, |m| m.clamp(0, 1000) as usize);
        let prefix = i.prefix.clone().unwrap_or_default();
        let after = i
            .continuation_token
            .clone()
            .and_then(|t| hex::decode(t).ok())
            .and_then(|b| String::from_utf8(b).ok())
            .or_else(|| i.start_after.clone())
            .unwrap_or_default();
        let Listing {
            objects: objs,
            prefixes: cps,
            next,
        } = self
            .list(&i.bucket, &prefix, &after, i.delimiter.as_deref(), max)
            .await?;
        let truncated = next.is_some();
        let next = next.map(hex::encode);
        let enc = KeyEncoding::of(i.encoding_type.as_ref());
        Ok(S3Response::new(ListObjectsV2Output {
            name: Some(i.bucket.clone()),
            prefix: Some(enc.text(&prefix)?),
            max_keys: Some(max as i32),
            key_count: Some((objs.len() + cps.len()) as i32),
            is_truncated: Some(truncated),
            continuation_token: i.continuation_token.clone(),
            next_continuation_token: next,
            start_after: enc.opt(i.start_after.as_deref())?,
            delimiter: enc.opt(i.delimiter.as_deref())?,
            contents: Some(enc.objects(&objs)?),
            common_prefixes: Some(enc.prefixes(cps)?),
            encoding_type: enc.echo(),
            ..Default::default()
        }))
    }

    async fn list_object_versions(
        &self,
        req: S3Request<ListObjectVersionsInput>,
    ) -> S3Result<S3Response<ListObjectVersionsOutput>> {
        // An unversioned bucket: each object is one version, "null".
        let i = &req.input;
        let max = i.max_keys.map_or(1000, |m| m.clamp(0, 1000) as usize);
        let prefix = i.prefix.clone().unwrap_or_default();
        let after = i.key_marker.clone().unwrap_or_default();
        let Listing {
            objects: objs,
            prefixes: cps,
            next,
        } = self
            .list(&i.bucket, &prefix, &after, i.delimiter.as_deref(), max)
            .await?;
        let truncated = next.is_some();
        let enc = KeyEncoding::of(i.encoding_type.as_ref());
        Ok(S3Response::new(ListObjectVersionsOutput {
            name: Some(i.bucket.clone()),
            prefix: Some(enc.text(&prefix)?),
            key_marker: enc.opt(i.key_marker.as_deref())?,
            max_keys: Some(max as i32),
            is_truncated: Some(truncated),
            next_key_marker: enc.opt(next.as_deref())?,
            delimiter: enc.opt(i.delimiter.as_deref())?,
            versions: Some(
                objs.iter()
                    .map(|r| {
                        Ok(ObjectVersion {
                            key: Some(enc.text(&r.key)?),
                            size: Some(r.size as i64),
                            e_tag: Some(etag(&r.etag)),
                            last_modified: Some(timestamp(r.last_modified)),
                            is_latest: Some(true),
                            version_id: Some("null".into()),
                            ..Default::default()
                        })
                    })
                    .collect::<S3Result<_>>()?,
            ),
            common_prefixes: Some(enc.prefixes(cps)?),
            encoding_type: enc.echo(),
            ..Default::default()
        }))
    }

    // ----- multipart --------------------------------------------------------------------

    async fn create_multipart_upload(
        &self,
        req: S3Request<CreateMultipartUploadInput>,
    ) -> S3Result<S3Response<CreateMultipartUploadOutput>> {
        let t = transport(&req);
        let i = &req.input;
        let cfg = self.bucket_cfg(&i.bucket).await?;
        let sse = Self::parse(Operation::CreateMultipartUpload, t, &cfg, &req.headers)?;
        self.refuse_encryption_if_plaintext(&sse, &cfg)?;
        let plan = self
            .kit()
            .create_multipart_upload(&sse, &cfg, &i.bucket, &i.key)
            .map_err(kit_err)?;
        let id = self
            .store
            .create_upload(&UploadRecord {
                bucket: i.bucket.clone(),
                key: i.key.clone(),
                initiated: now(),
                content_type: i.content_type.clone(),
                user_metadata: i.metadata.clone().unwrap_or_default().into_iter().collect(),
                internal: plan.metadata,
            })
            .await
            .map_err(io_err)?;
        let mut resp = S3Response::new(CreateMultipartUploadOutput {
            bucket: Some(i.bucket.clone()),
            key: echo_key(&i.key),
            upload_id: Some(id),
            ..Default::default()
        });
        add_headers(&mut resp.headers, &plan.response_headers);
        Ok(resp)
    }

    async fn upload_part(
        &self,
        req: S3Request<UploadPartInput>,
    ) -> S3Result<S3Response<UploadPartOutput>> {
        let t = transport(&req);
        let headers = req.headers.clone();
        let i = req.input;
        let prepared = async {
            let up = self.upload(&i.upload_id, &i.bucket, &i.key).await?;
            let n = part_number(i.part_number)?;
            let sse = Self::parse(
                Operation::UploadPart,
                t,
                &BucketEncryption::default(),
                &headers,
            )?;
            let plan = self
                .kit()
                .upload_part(&sse, &up.internal, &i.bucket, &i.key, n)
                .map_err(kit_err)?;
            Ok::<_, s3s::S3Error>((n, plan))
        }
        .await;
        let (n, plan) = match prepared {
            Ok(p) => p,
            Err(e) => {
                drain(i.body).await;
                return Err(e);
            }
        };
        let (tmp, md5, size, stored) =
            write_body(&self.store, i.body, plan.body, BodySource::Request).await?;
        let (e, h) = plan.part.complete(&md5);
        let part = PartFile {
            number: n,
            etag: e.clone(),
            size,
            stored_size: stored,
            last_modified: now(),
            data: format!("part-{n}.{}.data", crate::store::random_hex(8)),
        };
        self.store
            .commit_part(&i.upload_id, &tmp, &part)
            .await
            .map_err(io_err)?;
        let mut resp = S3Response::new(UploadPartOutput {
            e_tag: Some(etag(&e)),
            ..Default::default()
        });
        add_headers(&mut resp.headers, &h);
        Ok(resp)
    }

    async fn upload_part_copy(
        &self,
        req: S3Request<UploadPartCopyInput>,
    ) -> S3Result<S3Response<UploadPartCopyOutput>> {
        let t = transport(&req);
        let i = &req.input;
        let up = self.upload(&i.upload_id, &i.bucket, &i.key).await?;
        let n = part_number(i.part_number)?;
        let (sb, sk) = copy_source(&i.copy_source)?;
        let src = self.object(&sb, &sk).await?;
        let sse = Self::parse(
            Operation::UploadPartCopy,
            t,
            &BucketEncryption::default(),
            &req.headers,
        )?;
        let range = match &i.copy_source_range {
            None => None,
            Some(r) => Some(RangeSpec::parse(r).map_err(|_| {
                s3_error!(
                    InvalidArgument,
                    "The x-amz-copy-source-range value must be of the form bytes=first-last"
                )
            })?),
        };
        let parts = stored_parts(&src);
        let source = CopySource {
            bucket: &sb,
            key: &sk,
            object: StoredObject {
                metadata: &src.internal,
                parts: &parts,
                etag: &src.stored_etag,
            },
        };
        let (get, part) = self
            .kit()
            .upload_part_copy(&sse, &source, range, &up.internal, &i.bucket, &i.key, n)
            .map_err(kit_err)?;
        let body = read_body(
            self.store.data_path(&sb, &src),
            get.stored_offset,
            get.stored_length,
            get.body,
        );
        let (tmp, md5, size, stored) =
            write_body(&self.store, Some(body), part.body, BodySource::CopySource).await?;
        let (e, h) = part.part.complete(&md5);
        let pf = PartFile {
            number: n,
            etag: e.clone(),
            size,
            stored_size: stored,
            last_modified: now(),
            data: format!("part-{n}.{}.data", crate::store::random_hex(8)),
        };
        self.store
            .commit_part(&i.upload_id, &tmp, &pf)
            .await
            .map_err(io_err)?;
        let mut resp = S3Response::new(UploadPartCopyOutput {
            copy_part_result: Some(CopyPartResult {
                e_tag: Some(etag(&e)),
                last_modified: Some(timestamp(pf.last_modified)),
                ..Default::default()
            }),
            ..Default::default()
        });
        add_headers(&mut resp.headers, &h);
        Ok(resp)
    }

    async fn complete_multipart_upload(
        &self,
        req: S3Request<CompleteMultipartUploadInput>,
    ) -> S3Result<S3Response<CompleteMultipartUploadOutput>> {
        let t = transport(&req);
        let i = &req.input;
        let up = self.upload(&i.upload_id, &i.bucket, &i.key).await?;
        let sse = Self::parse(
            Operation::CompleteMultipartUpload,
            t,
            &BucketEncryption::default(),
            &req.headers,
        )?;
        let stored = self.store.parts(&i.upload_id).await.map_err(io_err)?;
        let asked = i
            .multipart_upload
            .as_ref()
            .and_then(|m| m.parts.clone())
            .unwrap_or_default();
        if asked.is_empty() {
            return Err(s3_error!(
                MalformedXML,
                "You must specify at least one part"
            ));
        }
        let mut chosen = Vec::new();
        let mut last = 0;
        for p in &asked {
            let n = part_number(p.part_number.unwrap_or(0))?;
            if n <= last {
                return Err(s3_error!(InvalidPartOrder));
            }
            last = n;
            let want = p
                .e_tag
                .as_ref()
                .map(|e| e.value().trim_matches('"').to_owned())
                .unwrap_or_default();
            let f = stored
                .iter()
                .find(|f| f.number == n && f.etag == want)
                .ok_or_else(|| s3_error!(InvalidPart))?;
            chosen.push(f.clone());
        }
        let etags: Vec<&str> = chosen.iter().map(|f| f.etag.as_str()).collect();
        let parts: Vec<StoredPart> = chosen
            .iter()
            .map(|f| StoredPart {
                number: f.number,
                stored_size: f.stored_size,
            })
            .collect();
        let w = self
            .kit()
            .complete_multipart_upload(&sse, &up.internal, &i.bucket, &i.key, &etags, &parts)
            .map_err(kit_err)?;
        // Concatenate the parts' stored bytes into one data file.
        let tmp = self.store.temp_path();
        let mut out = tokio::fs::File::create(&tmp).await.map_err(io_err)?;
        for f in &chosen {
            let path = self
                .store
                .part_data_path(&i.upload_id, f)
                .ok_or_else(|| s3_error!(NoSuchUpload))?;
            let mut src = tokio::fs::File::open(path).await.map_err(io_err)?;
            tokio::io::copy(&mut src, &mut out).await.map_err(io_err)?;
        }
        out.sync_all().await.map_err(io_err)?;
        drop(out);
        let rec = ObjectRecord {
            key: i.key.clone(),
            size: chosen.iter().map(|f| f.size).sum(),
            stored_etag: w.stored_etag,
            etag: w.etag.clone(),
            last_modified: now(),
            content_type: up.content_type.clone(),
            user_metadata: up.user_metadata.clone(),
            internal: w.metadata,
            parts: chosen
                .iter()
                .map(|f| PartRecord {
                    number: f.number,
                    stored_size: f.stored_size,
                    size: f.size,
                })
                .collect(),
            data: Store::new_data_name(&i.key),
        };
        self.store
            .commit_object(&i.bucket, Some(&tmp), &rec)
            .await
            .map_err(io_err)?;
        self.store
            .remove_upload(&i.upload_id)
            .await
            .map_err(io_err)?;
        let mut resp = S3Response::new(CompleteMultipartUploadOutput {
            bucket: Some(i.bucket.clone()),
            key: echo_key(&i.key),
            e_tag: Some(etag(&w.etag)),
            ..Default::default()
        });
        add_headers(&mut resp.headers, &w.response_headers);
        Ok(resp)
    }

    async fn abort_multipart_upload(
        &self,
        req: S3Request<AbortMultipartUploadInput>,
    ) -> S3Result<S3Response<AbortMultipartUploadOutput>> {
        let i = &req.input;
        self.upload(&i.upload_id, &i.bucket, &i.key).await?;
        self.store
            .remove_upload(&i.upload_id)
            .await
            .map_err(io_err)?;
        Ok(S3Response::new(AbortMultipartUploadOutput::default()))
    }

    async fn list_parts(
        &self,
        req: S3Request<ListPartsInput>,
    ) -> S3Result<S3Response<ListPartsOutput>> {
        let i = &req.input;
        self.upload(&i.upload_id, &i.bucket, &i.key).await?;
        let after = i.part_number_marker.unwrap_or(0);
        let max = i.max_parts.map_or(1000, |m| m.clamp(0, 1000) as usize);
        let all: Vec<PartFile> = self
            .store
            .parts(&i.upload_id)
            .await
            .map_err(io_err)?
            .into_iter()
            .filter(|p| p.number as i32 > after)
            .collect();
        let truncated = all.len() > max;
        let shown = &all[..all.len().min(max)];
        Ok(S3Response::new(ListPartsOutput {
            bucket: Some(i.bucket.clone()),
            key: echo_key(&i.key),
            upload_id: Some(i.upload_id.clone()),
            max_parts: Some(max as i32),
            is_truncated: Some(truncated),
            part_number_marker: i.part_number_marker,
            next_part_number_marker: shown.last().map(|p| p.number as i32),
            parts: Some(
                shown
                    .iter()
                    .map(|p| Part {
                        part_number: Some(p.number as i32),
                        e_tag: Some(etag(&p.etag)),
                        size: Some(p.size as i64),
                        last_modified: Some(timestamp(p.last_modified)),
                        ..Default::default()
                    })
                    .collect(),
            ),
            ..Default::default()
        }))
    }

    async fn list_multipart_uploads(
        &self,
        req: S3Request<ListMultipartUploadsInput>,
    ) -> S3Result<S3Response<ListMultipartUploadsOutput>> {
        let i = &req.input;
        self.bucket(&i.bucket).await?;
        let prefix = i.prefix.clone().unwrap_or_default();
        let mut ups: Vec<(String, UploadRecord)> = self
            .store
            .list_uploads()
            .await
            .map_err(io_err)?
            .into_iter()
            .filter(|(_, u)| u.bucket == i.bucket && u.key.starts_with(&prefix))
            .collect();
        ups.sort_by(|a, b| a.1.key.cmp(&b.1.key));
        let enc = KeyEncoding::of(i.encoding_type.as_ref());
        Ok(S3Response::new(ListMultipartUploadsOutput {
            bucket: Some(i.bucket.clone()),
            prefix: Some(enc.text(&prefix)?),
            is_truncated: Some(false),
            uploads: Some(
                ups.into_iter()
                    .map(|(id, u)| {
                        Ok(MultipartUpload {
                            key: Some(enc.text(&u.key)?),
                            upload_id: Some(id),
                            initiated: Some(timestamp(u.initiated)),
                            ..Default::default()
                        })
                    })
                    .collect::<S3Result<_>>()?,
            ),
            encoding_type: enc.echo(),
            ..Default::default()
        }))
    }
}

impl Gateway {
    /// GetObject and HeadObject: the record and the kit's plan for the request's read.
    async fn read_plan<T>(
        &self,
        req: &S3Request<T>,
        op: Operation,
        bucket: &str,
        key: &str,
        part_number: Option<i32>,
    ) -> S3Result<(ObjectRecord, s3crypt::sse::object::GetPlan)> {
        let rec = self.object(bucket, key).await?;
        let sse = Self::parse(
            op,
            transport(req),
            &BucketEncryption::default(),
            &req.headers,
        )?;
        let read = Self::read_of(part_number, req.headers.get(http::header::RANGE))?;
        let parts = stored_parts(&rec);
        let obj = StoredObject {
            metadata: &rec.internal,
            parts: &parts,
            etag: &rec.stored_etag,
        };
        let plan = self
            .kit()
            .get_object(&sse, &obj, bucket, key, read)
            .map_err(kit_err)?;
        Ok((rec, plan))
    }

    async fn upload(&self, id: &str, bucket: &str, key: &str) -> S3Result<UploadRecord> {
        self.bucket(bucket).await?;
        self.store
            .upload(id)
            .await
            .map_err(io_err)?
            .filter(|u| u.bucket == bucket && u.key == key)
            .ok_or_else(|| s3_error!(NoSuchUpload))
    }
}

fn part_number(n: i32) -> S3Result<u32> {
    u32::try_from(n)
        .ok()
        .filter(|n| (1..=10_000).contains(n))
        .ok_or_else(|| {
            s3_error!(
                InvalidArgument,
                "Part number must be an integer between 1 and 10000, inclusive"
            )
        })
}
