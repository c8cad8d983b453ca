//! The S3 operations: s3s hands each request over typed; every encryption decision goes
//! through s3crypt's server kit, and the bytes through the [backend](crate::backend).
//! One file per concern: `buckets`, `objects` (PUT/POST/GET/HEAD/copy/delete), `listing`,
//! `multipart`; `body` streams bodies through the kit's encryptor and decryptor.

mod body;
mod buckets;
mod listing;
mod multipart;
mod objects;

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use s3crypt::headers::{self, HeaderSource, Operation, RequestContext, SseError, Transport};
use s3crypt::keys::WrappingKey;
use s3crypt::kms::with_async_kms;
use s3crypt::sse::bucket::BucketEncryption;
use s3crypt::sse::object::{KitError, MetadataCodec, ServerKit, StoredPart};
use s3s::dto::*;
use s3s::{S3, S3Error, S3ErrorCode, S3Request, S3Response, S3Result, s3_error};

use crate::backend::{Backend, BucketRecord, ObjectRecord, Refusal};
use crate::kms::GatewayKms;

pub use body::plaintext_refusal;

pub struct Gateway {
    backend: Arc<dyn Backend>,
    kms: Option<GatewayKms>,
    codec: Box<dyn MetadataCodec>,
    /// Store without encryption (a benchmark baseline): SSE requests are refused.
    plaintext: bool,
    /// Seals multipart uploads' binding keys while they are in flight (a layout that binds
    /// objects: the proxy's).
    state_key: Option<WrappingKey>,
    /// Object names a client may not use (the proxy's hidden prefix).
    hidden_prefix: Option<&'static str>,
}

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

/// A backend failure as the client sees it: the backend's refusal as that S3 error, an
/// unreachable backend as 503 `ServiceUnavailable` (retryable), anything else as 500.
pub fn io_err(e: std::io::Error) -> S3Error {
    if let Some(r) = e.get_ref().and_then(|r| r.downcast_ref::<Refusal>()) {
        return s3_err(r.code, r.status, &r.message);
    }
    if matches!(
        e.kind(),
        std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::ConnectionReset
            | std::io::ErrorKind::TimedOut
    ) {
        tracing::warn!(error = %e, "backend unavailable");
        return s3_err(
            "ServiceUnavailable",
            503,
            "the storage backend is unavailable; retry",
        );
    }
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

impl Gateway {
    /// A gateway on `backend`, writing through `codec`. A layout that binds objects needs
    /// `state_key` (uploads' binding keys are sealed under it between creation and
    /// completion).
    pub fn new(
        backend: Arc<dyn Backend>,
        codec: Box<dyn MetadataCodec>,
        kms: Option<GatewayKms>,
        plaintext: bool,
        state_key: Option<WrappingKey>,
        hidden_prefix: Option<&'static str>,
    ) -> Self {
        Self {
            backend,
            kms,
            codec,
            plaintext,
            state_key,
            hidden_prefix,
        }
    }

    /// Runs a kit flow with the gateway's KMS: static keys answer in process (the flow runs
    /// once); a remote KMS is asked asynchronously (`with_async_kms`: the flow runs again
    /// with each answer), so no handler blocks.
    async fn run_kit<T>(
        &self,
        mut flow: impl FnMut(ServerKit<'_>) -> Result<T, KitError> + Send,
    ) -> Result<T, KitError> {
        let codec = self.codec.as_ref();
        match &self.kms {
            None => flow(ServerKit::new(codec)),
            Some(kms) => match kms.only_static() {
                Some(keys) => flow(ServerKit::new(codec).with_kms(keys)),
                None => {
                    with_async_kms(kms, |answers| flow(ServerKit::new(codec).with_kms(answers)))
                        .await
                }
            },
        }
    }

    async fn bucket(&self, bucket: &str) -> S3Result<BucketRecord> {
        self.backend
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

    /// A new object's name and metadata: not under the hidden prefix, no entry the kit's
    /// layout or the gateway reserves.
    fn check_new_object(&self, key: &str, metadata: Option<&Metadata>) -> S3Result<()> {
        if self.hidden_prefix.is_some_and(|p| key.starts_with(p)) {
            return Err(s3_error!(
                InvalidArgument,
                "object names under .s3crypt-gateway/ are reserved by the gateway"
            ));
        }
        for name in metadata.into_iter().flat_map(|m| m.keys()) {
            if self.codec.owns(&format!("x-amz-meta-{name}"))
                || crate::backend::s3::reserved_metadata(name)
            {
                return Err(s3_error!(
                    InvalidArgument,
                    "this x-amz-meta- name is reserved by the gateway's encryption layout"
                ));
            }
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
        self.backend
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
}

#[async_trait::async_trait]
impl S3 for Gateway {
    // ----- buckets ------------------------------------------------------------

    async fn create_bucket(
        &self,
        req: S3Request<CreateBucketInput>,
    ) -> S3Result<S3Response<CreateBucketOutput>> {
        Gateway::create_bucket(self, req).await
    }

    async fn head_bucket(
        &self,
        req: S3Request<HeadBucketInput>,
    ) -> S3Result<S3Response<HeadBucketOutput>> {
        Gateway::head_bucket(self, req).await
    }

    async fn delete_bucket(
        &self,
        req: S3Request<DeleteBucketInput>,
    ) -> S3Result<S3Response<DeleteBucketOutput>> {
        Gateway::delete_bucket(self, req).await
    }

    async fn list_buckets(
        &self,
        req: S3Request<ListBucketsInput>,
    ) -> S3Result<S3Response<ListBucketsOutput>> {
        Gateway::list_buckets(self, req).await
    }

    async fn get_bucket_location(
        &self,
        req: S3Request<GetBucketLocationInput>,
    ) -> S3Result<S3Response<GetBucketLocationOutput>> {
        Gateway::get_bucket_location(self, req).await
    }

    // ----- objects ------------------------------------------------------------

    async fn put_object(
        &self,
        req: S3Request<PutObjectInput>,
    ) -> S3Result<S3Response<PutObjectOutput>> {
        Gateway::put_object(self, req).await
    }

    async fn post_object(
        &self,
        req: S3Request<PostObjectInput>,
    ) -> S3Result<S3Response<PostObjectOutput>> {
        Gateway::post_object(self, req).await
    }

    async fn get_object(
        &self,
        req: S3Request<GetObjectInput>,
    ) -> S3Result<S3Response<GetObjectOutput>> {
        Gateway::get_object(self, req).await
    }

    async fn head_object(
        &self,
        req: S3Request<HeadObjectInput>,
    ) -> S3Result<S3Response<HeadObjectOutput>> {
        Gateway::head_object(self, req).await
    }

    async fn copy_object(
        &self,
        req: S3Request<CopyObjectInput>,
    ) -> S3Result<S3Response<CopyObjectOutput>> {
        Gateway::copy_object(self, req).await
    }

    async fn delete_object(
        &self,
        req: S3Request<DeleteObjectInput>,
    ) -> S3Result<S3Response<DeleteObjectOutput>> {
        Gateway::delete_object(self, req).await
    }

    async fn delete_objects(
        &self,
        req: S3Request<DeleteObjectsInput>,
    ) -> S3Result<S3Response<DeleteObjectsOutput>> {
        Gateway::delete_objects(self, req).await
    }

    async fn get_object_attributes(
        &self,
        req: S3Request<GetObjectAttributesInput>,
    ) -> S3Result<S3Response<GetObjectAttributesOutput>> {
        Gateway::get_object_attributes(self, req).await
    }

    // ----- listing ------------------------------------------------------------

    async fn list_objects(
        &self,
        req: S3Request<ListObjectsInput>,
    ) -> S3Result<S3Response<ListObjectsOutput>> {
        Gateway::list_objects(self, req).await
    }

    async fn list_objects_v2(
        &self,
        req: S3Request<ListObjectsV2Input>,
    ) -> S3Result<S3Response<ListObjectsV2Output>> {
        Gateway::list_objects_v2(self, req).await
    }

    async fn list_object_versions(
        &self,
        req: S3Request<ListObjectVersionsInput>,
    ) -> S3Result<S3Response<ListObjectVersionsOutput>> {
        Gateway::list_object_versions(self, req).await
    }

    // ----- multipart ----------------------------------------------------------

    async fn create_multipart_upload(
        &self,
        req: S3Request<CreateMultipartUploadInput>,
    ) -> S3Result<S3Response<CreateMultipartUploadOutput>> {
        Gateway::create_multipart_upload(self, req).await
    }

    async fn upload_part(
        &self,
        req: S3Request<UploadPartInput>,
    ) -> S3Result<S3Response<UploadPartOutput>> {
        Gateway::upload_part(self, req).await
    }

    async fn upload_part_copy(
        &self,
        req: S3Request<UploadPartCopyInput>,
    ) -> S3Result<S3Response<UploadPartCopyOutput>> {
        Gateway::upload_part_copy(self, req).await
    }

    async fn complete_multipart_upload(
        &self,
        req: S3Request<CompleteMultipartUploadInput>,
    ) -> S3Result<S3Response<CompleteMultipartUploadOutput>> {
        Gateway::complete_multipart_upload(self, req).await
    }

    async fn abort_multipart_upload(
        &self,
        req: S3Request<AbortMultipartUploadInput>,
    ) -> S3Result<S3Response<AbortMultipartUploadOutput>> {
        Gateway::abort_multipart_upload(self, req).await
    }

    async fn list_parts(
        &self,
        req: S3Request<ListPartsInput>,
    ) -> S3Result<S3Response<ListPartsOutput>> {
        Gateway::list_parts(self, req).await
    }

    async fn list_multipart_uploads(
        &self,
        req: S3Request<ListMultipartUploadsInput>,
    ) -> S3Result<S3Response<ListMultipartUploadsOutput>> {
        Gateway::list_multipart_uploads(self, req).await
    }
}
