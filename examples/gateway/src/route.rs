//! `PUT`/`GET`/`DELETE /<bucket>?encryption`, read as raw XML and judged by the kit's
//! `BucketEncryption` parser: s3s 0.14.1's typed configuration has no
//! `BlockedEncryptionTypes` (it answers MalformedXML to a document holding one), so this
//! custom route takes the three operations before s3s's typed handlers (after SigV4).

use s3crypt::sse::bucket::BucketEncryption;
use s3s::route::S3Route;
use s3s::{Body, S3Request, S3Response, S3Result, s3_error};

use crate::s3::{io_err, s3_err};
use std::sync::Arc;

use crate::backend::Backend;

pub struct BucketEncryptionRoute {
    pub backend: Arc<dyn Backend>,
    /// The key ids a default may name (`None`: a remote KMS judges them when used).
    pub kms_key_ids: Option<Vec<String>>,
    /// `GATEWAY_PLAINTEXT=1`: a default encryption would encrypt later writes; refused.
    pub plaintext: bool,
}

/// The bucket of a path-style `/<bucket>?encryption` request.
fn bucket_of(uri: &http::Uri) -> Option<&str> {
    let q = uri.query()?;
    if !q
        .split('&')
        .any(|p| p == "encryption" || p == "encryption=")
    {
        return None;
    }
    let b = uri.path().strip_prefix('/')?.trim_end_matches('/');
    (!b.is_empty() && !b.contains('/')).then_some(b)
}

#[async_trait::async_trait]
impl S3Route for BucketEncryptionRoute {
    fn is_match(
        &self,
        method: &http::Method,
        uri: &http::Uri,
        _headers: &http::HeaderMap,
        _extensions: &mut http::Extensions,
    ) -> bool {
        matches!(
            *method,
            http::Method::PUT | http::Method::GET | http::Method::DELETE
        ) && bucket_of(uri).is_some()
    }

    async fn call(&self, mut req: S3Request<Body>) -> S3Result<S3Response<Body>> {
        let bucket = bucket_of(&req.uri)
            .ok_or_else(|| s3_error!(InvalidRequest))?
            .to_owned();
        let mut rec = self
            .backend
            .bucket(&bucket)
            .await
            .map_err(io_err)?
            .ok_or_else(|| s3_error!(NoSuchBucket))?;
        match req.method {
            http::Method::PUT => {
                let body = req
                    .input
                    .store_all_limited(64 * 1024)
                    .await
                    .map_err(|_| s3_error!(MalformedXML))?;
                let text = std::str::from_utf8(&body).map_err(|_| s3_error!(MalformedXML))?;
                let cfg = BucketEncryption::from_xml(text)
                    .map_err(|e| s3_err(e.code(), e.http_status(), e.message()))?;
                if self.plaintext && cfg.default.is_some() {
                    return Err(crate::s3::plaintext_refusal());
                }
                if let Some(id) = cfg.default.as_ref().and_then(|d| d.key_id())
                    && let Some(known) = &self.kms_key_ids
                    && !known.iter().any(|k| k == id)
                {
                    return Err(s3_err("KMS.NotFoundException", 400, "Invalid keyId"));
                }
                rec.encryption = Some(cfg.to_xml());
                self.backend
                    .put_bucket(&bucket, &rec)
                    .await
                    .map_err(io_err)?;
                Ok(S3Response::new(Body::empty()))
            }
            http::Method::GET => {
                let Some(xml) = rec.encryption else {
                    return Err(s3_err(
                        "ServerSideEncryptionConfigurationNotFoundError",
                        404,
                        "The server side encryption configuration was not found",
                    ));
                };
                let mut resp = S3Response::new(Body::from(xml));
                resp.headers.insert(
                    http::header::CONTENT_TYPE,
                    http::HeaderValue::from_static("application/xml"),
                );
                Ok(resp)
            }
            _ => {
                rec.encryption = None;
                self.backend
                    .put_bucket(&bucket, &rec)
                    .await
                    .map_err(io_err)?;
                let mut resp = S3Response::new(Body::empty());
                resp.status = Some(http::StatusCode::NO_CONTENT);
                Ok(resp)
            }
        }
    }
}
