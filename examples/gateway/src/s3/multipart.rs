//! Multipart uploads: create, part, part copy, complete, abort, list parts, list uploads.

use s3crypt::headers::Operation;
use s3crypt::headers::range::RangeSpec;
use s3crypt::keys::BindingKey;
use s3crypt::sse::bucket::BucketEncryption;
use s3crypt::sse::object::{CopySource, StoredObject, StoredPart};
use s3s::dto::*;
use s3s::{S3Request, S3Response, S3Result, s3_error};

use super::body::{BodySource, Spooled, drain, read_body, write_body};
use super::listing::{KeyEncoding, echo_key};
use super::objects::copy_source;
use super::{
    Gateway, add_headers, etag, io_err, kit_err, part_number, stored_parts, timestamp, transport,
};
use crate::backend::{ObjectRecord, PartFile, PartRecord, UploadRecord, now, random_hex};

impl Gateway {
    pub(super) async fn create_multipart_upload(
        &self,
        req: S3Request<CreateMultipartUploadInput>,
    ) -> S3Result<S3Response<CreateMultipartUploadOutput>> {
        let t = transport(&req);
        let i = &req.input;
        self.check_new_object(&i.key, i.metadata.as_ref())?;
        let cfg = self.bucket_cfg(&i.bucket).await?;
        let sse = Self::parse(Operation::CreateMultipartUpload, t, &cfg, &req.headers)?;
        self.refuse_encryption_if_plaintext(&sse, &cfg)?;
        let plan = self
            .run_kit(|kit| kit.create_multipart_upload(&sse, &cfg, &i.bucket, &i.key))
            .await
            .map_err(kit_err)?;
        let id = random_hex(16);
        let binding_key = match (&plan.binding_key, &self.state_key) {
            (None, _) => None,
            (Some(bk), Some(sk)) => Some(
                bk.seal(sk, &upload_context(&i.bucket, &i.key, &id))
                    .map_err(kit_err)?,
            ),
            (Some(_), None) => {
                return Err(s3_error!(
                    InternalError,
                    "the gateway has no state key to keep the upload's binding key"
                ));
            }
        };
        self.backend
            .create_upload(
                &id,
                &UploadRecord {
                    bucket: i.bucket.clone(),
                    key: i.key.clone(),
                    initiated: now(),
                    content_type: i.content_type.clone(),
                    user_metadata: i.metadata.clone().unwrap_or_default().into_iter().collect(),
                    internal: plan.metadata,
                    binding_key,
                },
            )
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

    pub(super) async fn upload_part(
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
                .run_kit(|kit| kit.upload_part(&sse, &up.internal, &i.bucket, &i.key, n))
                .await
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
        let sp = write_body(
            self.backend.as_ref(),
            i.body,
            plan.body,
            BodySource::Request,
        )
        .await?;
        let (e, h) = plan.part.complete(&sp.md5);
        self.store_part(&i.bucket, &i.upload_id, n, &e, sp).await?;
        let mut resp = S3Response::new(UploadPartOutput {
            e_tag: Some(etag(&e)),
            ..Default::default()
        });
        add_headers(&mut resp.headers, &h);
        Ok(resp)
    }

    pub(super) async fn upload_part_copy(
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
            .run_kit(|kit| {
                kit.upload_part_copy(&sse, &source, range, &up.internal, &i.bucket, &i.key, n)
            })
            .await
            .map_err(kit_err)?;
        let body = read_body(
            self.backend
                .read(&sb, &src, get.stored_offset, get.stored_length),
            get.body,
        );
        let sp = write_body(
            self.backend.as_ref(),
            Some(body),
            part.body,
            BodySource::CopySource,
        )
        .await?;
        let (e, h) = part.part.complete(&sp.md5);
        let pf = self.store_part(&i.bucket, &i.upload_id, n, &e, sp).await?;
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

    pub(super) async fn complete_multipart_upload(
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
        let stored = self
            .backend
            .parts(&i.bucket, &i.upload_id)
            .await
            .map_err(io_err)?;
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
            .run_kit(|kit| match (&up.binding_key, &self.state_key) {
                (Some(sealed), Some(sk)) => {
                    let bk = BindingKey::open(
                        sealed,
                        sk,
                        &upload_context(&i.bucket, &i.key, &i.upload_id),
                    )?;
                    kit.complete_multipart_upload_with_binding_key(
                        &sse,
                        &up.internal,
                        &i.bucket,
                        &i.key,
                        &etags,
                        &parts,
                        &bk,
                    )
                }
                _ => kit.complete_multipart_upload(
                    &sse,
                    &up.internal,
                    &i.bucket,
                    &i.key,
                    &etags,
                    &parts,
                ),
            })
            .await
            .map_err(kit_err)?;
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
            data: String::new(),
        };
        self.backend
            .complete_upload(&i.bucket, &i.upload_id, &chosen, &rec)
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

    pub(super) async fn abort_multipart_upload(
        &self,
        req: S3Request<AbortMultipartUploadInput>,
    ) -> S3Result<S3Response<AbortMultipartUploadOutput>> {
        let i = &req.input;
        self.upload(&i.upload_id, &i.bucket, &i.key).await?;
        self.backend
            .abort_upload(&i.bucket, &i.upload_id)
            .await
            .map_err(io_err)?;
        Ok(S3Response::new(AbortMultipartUploadOutput::default()))
    }

    pub(super) async fn list_parts(
        &self,
        req: S3Request<ListPartsInput>,
    ) -> S3Result<S3Response<ListPartsOutput>> {
        let i = &req.input;
        self.upload(&i.upload_id, &i.bucket, &i.key).await?;
        let after = i.part_number_marker.unwrap_or(0);
        let max = i.max_parts.map_or(1000, |m| m.clamp(0, 1000) as usize);
        let all: Vec<PartFile> = self
            .backend
            .parts(&i.bucket, &i.upload_id)
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

    pub(super) async fn list_multipart_uploads(
        &self,
        req: S3Request<ListMultipartUploadsInput>,
    ) -> S3Result<S3Response<ListMultipartUploadsOutput>> {
        let i = &req.input;
        self.bucket(&i.bucket).await?;
        let prefix = i.prefix.clone().unwrap_or_default();
        let mut ups: Vec<(String, UploadRecord)> = self
            .backend
            .list_uploads(&i.bucket)
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
    /// Hands a part's encrypted body to the backend with its record.
    async fn store_part(
        &self,
        bucket: &str,
        upload_id: &str,
        number: u32,
        etag: &str,
        sp: Spooled,
    ) -> S3Result<PartFile> {
        let part = PartFile {
            number,
            etag: etag.to_owned(),
            size: sp.size,
            stored_size: sp.stored,
            last_modified: now(),
            data: String::new(),
        };
        self.backend
            .put_part(bucket, upload_id, &sp.path, &part)
            .await
            .map_err(io_err)?;
        Ok(part)
    }

    async fn upload(&self, id: &str, bucket: &str, key: &str) -> S3Result<UploadRecord> {
        self.bucket(bucket).await?;
        self.backend
            .upload(bucket, id)
            .await
            .map_err(io_err)?
            .filter(|u| u.bucket == bucket && u.key == key)
            .ok_or_else(|| s3_error!(NoSuchUpload))
    }
}

/// What an upload's sealed binding key is bound to: bucket, object name and upload id.
fn upload_context(bucket: &str, key: &str, id: &str) -> Vec<u8> {
    [bucket.as_bytes(), key.as_bytes(), id.as_bytes()].join(&0u8)
}
