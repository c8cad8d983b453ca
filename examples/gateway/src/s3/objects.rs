//! Objects: PUT, POST, GET, HEAD, CopyObject, DeleteObject(s), GetObjectAttributes.

use s3crypt::headers::range::{RangeError, RangeSpec};
use s3crypt::headers::{self, Operation};
use s3crypt::sse::bucket::BucketEncryption;
use s3crypt::sse::object::{CopyPlan, CopySource, KitError, Read, StoredObject};
use s3s::dto::*;
use s3s::{S3Request, S3Response, S3Result, s3_error};

use super::body::{BodySource, drain, read_body, write_body};
use super::listing::echo_key;
use super::{Gateway, add_headers, etag, io_err, kit_err, stored_parts, timestamp, transport};
use crate::backend::{ObjectRecord, PartRecord, now};

impl Gateway {
    pub(super) async fn put_object(
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

    pub(super) async fn post_object(
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

    pub(super) async fn get_object(
        &self,
        req: S3Request<GetObjectInput>,
    ) -> S3Result<S3Response<GetObjectOutput>> {
        let i = &req.input;
        let (rec, plan) = self
            .read_plan(&req, Operation::GetObject, &i.bucket, &i.key, i.part_number)
            .await?;
        let status = plan.status;
        let body = read_body(
            self.backend
                .read(&i.bucket, &rec, plan.stored_offset, plan.stored_length),
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

    pub(super) async fn head_object(
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

    pub(super) async fn copy_object(
        &self,
        req: S3Request<CopyObjectInput>,
    ) -> S3Result<S3Response<CopyObjectOutput>> {
        let t = transport(&req);
        let i = &req.input;
        let (sb, sk) = copy_source(&i.copy_source)?;
        self.check_new_object(&i.key, i.metadata.as_ref())?;
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
            .run_kit(|kit| kit.copy_object(&sse, &source, &cfg, &i.bucket, &i.key, replace))
            .await
            .map_err(kit_err)?;
        let (user_metadata, content_type) = if replace {
            (
                i.metadata.clone().unwrap_or_default().into_iter().collect(),
                i.content_type.clone(),
            )
        } else {
            (src.user_metadata.clone(), src.content_type.clone())
        };
        let (rec, headers) = match plan {
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
                self.backend
                    .reseal_object(&i.bucket, &sb, &src, &rec)
                    .await
                    .map_err(io_err)?;
                (rec, w.response_headers)
            }
            CopyPlan::Rewrite { source, dest } => {
                // Streamed: the source is decrypted a chunk at a time into the new object.
                let body = read_body(
                    self.backend
                        .read(&sb, &src, source.stored_offset, source.stored_length),
                    source.body,
                );
                let dest = *dest;
                let sp = write_body(
                    self.backend.as_ref(),
                    Some(body),
                    dest.body,
                    BodySource::CopySource,
                )
                .await?;
                let (size, stored) = (sp.size, sp.stored);
                let w = match dest.object.complete(&sp.md5, stored) {
                    Ok(w) => w,
                    Err(e) => {
                        let _ = tokio::fs::remove_file(&sp.path).await;
                        return Err(kit_err(e));
                    }
                };
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
                    data: String::new(),
                };
                self.backend
                    .put_object(&i.bucket, &sp.path, &rec)
                    .await
                    .map_err(io_err)?;
                (rec, w.response_headers)
            }
        };
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

    pub(super) async fn delete_object(
        &self,
        req: S3Request<DeleteObjectInput>,
    ) -> S3Result<S3Response<DeleteObjectOutput>> {
        self.bucket(&req.input.bucket).await?;
        self.backend
            .delete_object(&req.input.bucket, &req.input.key)
            .await
            .map_err(io_err)?;
        Ok(S3Response::new(DeleteObjectOutput::default()))
    }

    pub(super) async fn delete_objects(
        &self,
        req: S3Request<DeleteObjectsInput>,
    ) -> S3Result<S3Response<DeleteObjectsOutput>> {
        let b = &req.input.bucket;
        self.bucket(b).await?;
        let mut deleted = Vec::new();
        for o in &req.input.delete.objects {
            self.backend
                .delete_object(b, &o.key)
                .await
                .map_err(io_err)?;
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
}

impl Gateway {
    /// GetObjectAttributes: judged as HeadObject (an SSE-C object needs its key), the
    /// client's ETag, the plaintext size and, for a multipart object, its parts with their
    /// plaintext sizes.
    pub(super) async fn get_object_attributes(
        &self,
        req: S3Request<GetObjectAttributesInput>,
    ) -> S3Result<S3Response<GetObjectAttributesOutput>> {
        let i = &req.input;
        let (rec, plan) = self
            .read_plan(&req, Operation::HeadObject, &i.bucket, &i.key, None)
            .await?;
        // One `x-amz-object-attributes` header may list several, comma-separated.
        let want = |a: &str| {
            i.object_attributes
                .iter()
                .flat_map(|x| x.as_str().split(','))
                .any(|x| x.trim() == a)
        };
        let multipart = plan.parts_count.is_some() || rec.parts.len() > 1;
        let object_parts = (want(ObjectAttributes::OBJECT_PARTS) && multipart).then(|| {
            let after = i.part_number_marker.unwrap_or(0);
            let max = i.max_parts.map_or(1000, |m| m.clamp(0, 1000) as usize);
            let rest: Vec<_> = rec
                .parts
                .iter()
                .filter(|p| p.number as i32 > after)
                .collect();
            let shown = &rest[..rest.len().min(max)];
            GetObjectAttributesParts {
                total_parts_count: Some(rec.parts.len() as i32),
                part_number_marker: i.part_number_marker,
                next_part_number_marker: shown.last().map(|p| p.number as i32),
                max_parts: Some(max as i32),
                is_truncated: Some(rest.len() > max),
                parts: Some(
                    shown
                        .iter()
                        .map(|p| ObjectPart {
                            part_number: Some(p.number as i32),
                            size: Some(p.size as i64),
                            ..Default::default()
                        })
                        .collect(),
                ),
            }
        });
        Ok(S3Response::new(GetObjectAttributesOutput {
            e_tag: want(ObjectAttributes::ETAG).then(|| etag(&plan.etag)),
            object_size: want(ObjectAttributes::OBJECT_SIZE).then_some(plan.content_length as i64),
            storage_class: want(ObjectAttributes::STORAGE_CLASS)
                .then(|| StorageClass::from_static(StorageClass::STANDARD)),
            object_parts,
            last_modified: Some(timestamp(rec.last_modified)),
            ..Default::default()
        }))
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
            self.check_new_object(key, metadata.as_ref())?;
            let cfg = self.bucket_cfg(bucket).await?;
            let sse = sse_fields(&cfg)?;
            self.refuse_encryption_if_plaintext(&sse, &cfg)?;
            self.run_kit(|kit| kit.put_object(&sse, &cfg, bucket, key))
                .await
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
        let sp = write_body(self.backend.as_ref(), body, plan.body, BodySource::Request).await?;
        let (tmp, md5, size, stored) = (sp.path, sp.md5, sp.size, sp.stored);
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
        let written = match plan.object.complete(&md5, stored) {
            Ok(w) => w,
            Err(e) => {
                let _ = tokio::fs::remove_file(&tmp).await;
                return Err(kit_err(e));
            }
        };
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
            data: String::new(),
        };
        self.backend
            .put_object(bucket, &tmp, &rec)
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
            .run_kit(|kit| kit.get_object(&sse, &obj, bucket, key, read))
            .await
            .map_err(kit_err)?;
        Ok((rec, plan))
    }
}

pub(super) fn copy_source(cs: &s3s::dto::CopySource) -> S3Result<(String, String)> {
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
