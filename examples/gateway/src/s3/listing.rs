//! Listings: ListObjects v1 and v2, ListObjectVersions (an unversioned bucket: one
//! "null" version per object), with plaintext sizes and the client's ETags; keys raw or
//! `encoding-type=url`, never XML that is not well-formed.

use s3s::dto::*;
use s3s::{S3Request, S3Response, S3Result, s3_error};

use super::{Gateway, etag, io_err, timestamp};
use crate::backend::{Listing, ObjectRecord};

impl Gateway {
    pub(super) async fn list_objects(
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

    pub(super) async fn list_objects_v2(
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

    pub(super) async fn list_object_versions(
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
}

impl Gateway {
    async fn list(
        &self,
        bucket: &str,
        prefix: &str,
        after: &str,
        delimiter: Option<&str>,
        max: usize,
    ) -> S3Result<Listing> {
        self.bucket(bucket).await?;
        self.backend
            .list_objects(bucket, prefix, after, delimiter, max)
            .await
            .map_err(io_err)
    }
}

/// A key echoed in an answer that has no `encoding-type` (DeleteObjects, multipart): left
/// out when XML 1.0 cannot carry it, so the answer stays well-formed.
pub(super) fn echo_key(key: &str) -> Option<String> {
    KeyEncoding { url: false }.text(key).ok()
}

/// How a listing writes keys and prefixes: raw, or percent-encoded when the client asked
/// for `encoding-type=url` (as S3: every byte but the unreserved characters and `/`, which
/// SDKs decode). Raw text with a character XML 1.0 forbids (NUL, most controls, U+FFFE,
/// U+FFFF) is refused rather than written into XML no parser accepts.
#[derive(Clone, Copy)]
pub(super) struct KeyEncoding {
    url: bool,
}

impl KeyEncoding {
    pub(super) fn of(t: Option<&s3s::dto::EncodingType>) -> Self {
        Self {
            url: t.is_some_and(|t| t.as_str() == "url"),
        }
    }

    pub(super) fn echo(self) -> Option<s3s::dto::EncodingType> {
        self.url
            .then(|| s3s::dto::EncodingType::from_static(s3s::dto::EncodingType::URL))
    }

    pub(super) fn text(self, s: &str) -> S3Result<String> {
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

    fn prefixes(self, cps: Vec<String>) -> S3Result<Vec<CommonPrefix>> {
        cps.into_iter()
            .map(|cp| {
                Ok(CommonPrefix {
                    prefix: Some(self.text(&cp)?),
                })
            })
            .collect()
    }
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
