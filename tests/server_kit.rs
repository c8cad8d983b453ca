//! The server kit (`sse::object::ServerKit`), operation by operation, as a server drives it:
//! parse the headers, call the flow, push the body through, store what it says, read back.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use md5::{Digest as _, Md5};
use proptest::prelude::*;
use s3crypt::headers::range::RangeSpec;
use s3crypt::headers::{self, Operation, RequestContext, SseRequest, Transport};
use s3crypt::keys::{BindingKey, WrappingKey};
use s3crypt::kms::{StaticKeys, StaticKms};
use s3crypt::sse::bucket::{BucketEncryption, DefaultEncryption};
use s3crypt::sse::metadata::MINIO_PREFIX;
use s3crypt::sse::object::{
    CopyPlan, CopySource, KitError, MetadataCodec, MinioCodec, Read, ServerKit, StoredObject,
    StoredPart, UserMetadataCodec,
};

type Fields = Vec<(String, String)>;

fn ssec(prefix: &str, key: &[u8; 32]) -> Fields {
    vec![
        (format!("{prefix}-algorithm"), "AES256".into()),
        (format!("{prefix}-key"), STANDARD.encode(key)),
        (
            format!("{prefix}-key-MD5"),
            STANDARD.encode(Md5::digest(key)),
        ),
    ]
}

fn dest(key: &[u8; 32]) -> Fields {
    ssec("x-amz-server-side-encryption-customer", key)
}

fn source(key: &[u8; 32]) -> Fields {
    ssec("x-amz-copy-source-server-side-encryption-customer", key)
}

fn kms_fields(key_id: Option<&str>) -> Fields {
    let mut f = vec![("x-amz-server-side-encryption".into(), "aws:kms".into())];
    if let Some(id) = key_id {
        f.push((
            "x-amz-server-side-encryption-aws-kms-key-id".into(),
            id.into(),
        ));
    }
    f
}

fn parse(op: Operation, fields: &Fields) -> SseRequest {
    headers::parse(&RequestContext::new(op, Transport::Tls), fields).unwrap()
}

fn kms() -> StaticKeys {
    StaticKeys::new(StaticKms::new("testkey-1", WrappingKey::new([1; 32])))
        .with(StaticKms::new(
            "4f9d3c2a-0b7e-4e0c-9a61-2f6b8d1e5c70",
            WrappingKey::new([2; 32]),
        ))
        .unwrap()
}

/// An object as a server stores it.
struct Stored {
    metadata: BTreeMap<String, String>,
    parts: Vec<StoredPart>,
    data: Vec<u8>,
    etag: String,
}

impl Stored {
    fn view(&self) -> StoredObject<'_> {
        StoredObject {
            metadata: &self.metadata,
            parts: &self.parts,
            etag: &self.etag,
        }
    }
}

fn put(
    kit: &ServerKit<'_>,
    cfg: &BucketEncryption,
    fields: &Fields,
    key: &str,
    body: &[u8],
) -> Stored {
    let req = parse(Operation::PutObject, fields);
    let mut plan = kit.put_object(&req, cfg, "bucket", key).unwrap();
    let mut data = Vec::new();
    // Feed in uneven pieces, as a network would.
    for chunk in body.chunks(7777) {
        plan.body.update(chunk, &mut data).unwrap();
    }
    let (plain, stored) = plan.body.finish(&mut data).unwrap();
    assert_eq!((plain, stored), (body.len() as u64, data.len() as u64));
    let written = plan
        .object
        .complete(&Md5::digest(body).into(), data.len() as u64)
        .unwrap();
    Stored {
        metadata: written.metadata,
        parts: vec![StoredPart {
            number: 1,
            stored_size: data.len() as u64,
        }],
        data,
        etag: written.stored_etag,
    }
}

fn get(
    kit: &ServerKit<'_>,
    fields: &Fields,
    obj: &Stored,
    key: &str,
    read: Read,
) -> Result<Vec<u8>, KitError> {
    let req = parse(Operation::GetObject, fields);
    let mut plan = kit.get_object(&req, &obj.view(), "bucket", key, read)?;
    let start = plan.stored_offset as usize;
    let fetched = &obj.data[start..start + plan.stored_length as usize];
    let mut out = Vec::new();
    for chunk in fetched.chunks(5000) {
        plan.body.update(chunk, &mut out)?;
    }
    plan.body.finish()?;
    assert_eq!(out.len() as u64, plan.content_length);
    Ok(out)
}

fn body(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 31 % 251) as u8).collect()
}

#[test]
fn sse_c_put_get_range_and_s3_answers() {
    let codec = MinioCodec;
    let kit = ServerKit::new(&codec);
    let cfg = BucketEncryption::default();
    let k = [7u8; 32];
    let data = body(200_000);
    let obj = put(&kit, &cfg, &dest(&k), "photo.jpg", &data);
    // MinIO's layout, nothing secret, no plaintext on disk.
    assert!(
        obj.metadata
            .contains_key(&format!("{MINIO_PREFIX}Sealed-Key"))
    );
    assert!(!obj.data.windows(32).any(|w| w == &data[1000..1032]));
    assert_eq!(
        obj.data.len() as u64,
        s3crypt::dare::range::encrypted_size(200_000).unwrap()
    );

    assert_eq!(
        get(&kit, &dest(&k), &obj, "photo.jpg", Read::Whole).unwrap(),
        data
    );
    let r = get(
        &kit,
        &dest(&k),
        &obj,
        "photo.jpg",
        Read::Range(RangeSpec::FromTo(65_530, 131_080)),
    )
    .unwrap();
    assert_eq!(r, &data[65_530..=131_080]);
    let r = get(
        &kit,
        &dest(&k),
        &obj,
        "photo.jpg",
        Read::Range(RangeSpec::Suffix(10)),
    )
    .unwrap();
    assert_eq!(r, &data[data.len() - 10..]);
    assert_eq!(
        get(&kit, &dest(&k), &obj, "photo.jpg", Read::Part(1)).unwrap(),
        data
    );

    let code = |e: KitError| (e.http_status(), e.code());
    // No key, wrong key, key on another object name (the binding), a range past the end.
    let e = get(&kit, &vec![], &obj, "photo.jpg", Read::Whole).unwrap_err();
    assert_eq!(code(e), (400, "InvalidRequest"));
    let e = get(&kit, &dest(&[8; 32]), &obj, "photo.jpg", Read::Whole).unwrap_err();
    assert_eq!(code(e), (403, "AccessDenied"));
    let e = get(&kit, &dest(&k), &obj, "other.jpg", Read::Whole).unwrap_err();
    assert_eq!(code(e), (403, "AccessDenied"));
    let e = get(
        &kit,
        &dest(&k),
        &obj,
        "photo.jpg",
        Read::Range(RangeSpec::From(200_000)),
    )
    .unwrap_err();
    assert_eq!(code(e), (416, "InvalidRange"));
    let e = get(&kit, &dest(&k), &obj, "photo.jpg", Read::Part(2)).unwrap_err();
    assert_eq!(code(e), (416, "InvalidPartNumber"));

    // SSE-C headers on an unencrypted object.
    let plain = put(&kit, &cfg, &vec![], "plain.txt", b"hello");
    assert_eq!(plain.etag, hex(&Md5::digest(b"hello")));
    let e = get(&kit, &dest(&k), &plain, "plain.txt", Read::Whole).unwrap_err();
    assert_eq!(code(e), (400, "InvalidRequest"));
    assert_eq!(
        get(&kit, &vec![], &plain, "plain.txt", Read::Whole).unwrap(),
        b"hello"
    );
}

#[test]
fn a_short_or_damaged_fetch_is_an_error() {
    let codec = MinioCodec;
    let kit = ServerKit::new(&codec);
    let k = [7u8; 32];
    let obj = put(
        &kit,
        &BucketEncryption::default(),
        &dest(&k),
        "o",
        &body(100_000),
    );
    let req = parse(Operation::GetObject, &dest(&k));
    // Short.
    let mut plan = kit
        .get_object(&req, &obj.view(), "bucket", "o", Read::Whole)
        .unwrap();
    let mut out = Vec::new();
    plan.body
        .update(&obj.data[..obj.data.len() - 1], &mut out)
        .unwrap();
    assert!(plan.body.finish().is_err());
    // Long.
    let mut plan = kit
        .get_object(&req, &obj.view(), "bucket", "o", Read::Whole)
        .unwrap();
    let mut long = obj.data.clone();
    long.push(0);
    let mut out = Vec::new();
    assert!(plan.body.update(&long, &mut out).is_err());
    assert!(out.is_empty());
    // Flipped.
    let mut plan = kit
        .get_object(&req, &obj.view(), "bucket", "o", Read::Whole)
        .unwrap();
    let mut bad = obj.data.clone();
    bad[70_000] ^= 1;
    let mut out = Vec::new();
    let r = plan
        .body
        .update(&bad, &mut out)
        .and_then(|()| plan.body.finish());
    assert!(r.is_err());
    assert!(
        out.len() <= 65_536,
        "only the intact first package may be released"
    );
}

#[test]
fn sse_s3_kms_and_bucket_defaults() {
    let codec = MinioCodec;
    let kms = kms();
    let kit = ServerKit::new(&codec).with_kms(&kms);
    let none = BucketEncryption::default();
    let data = body(70_000);

    let s3 = put(
        &kit,
        &none,
        &vec![("x-amz-server-side-encryption".into(), "AES256".into())],
        "a",
        &data,
    );
    assert_eq!(get(&kit, &vec![], &s3, "a", Read::Whole).unwrap(), data);
    // SSE-S3 shows the MD5 ETag.
    let req = parse(Operation::HeadObject, &vec![]);
    let head = kit
        .head_object(&req, &s3.view(), "bucket", "a", Read::Whole)
        .unwrap();
    assert_eq!(head.etag, hex(&Md5::digest(&data)));
    assert_eq!(
        head.response_headers,
        vec![("x-amz-server-side-encryption", "AES256".to_owned())]
    );

    let uuid = "4f9d3c2a-0b7e-4e0c-9a61-2f6b8d1e5c70";
    let k = put(&kit, &none, &kms_fields(Some(uuid)), "b", &data);
    assert_eq!(get(&kit, &vec![], &k, "b", Read::Whole).unwrap(), data);
    let head = kit
        .head_object(&req, &k.view(), "bucket", "b", Read::Whole)
        .unwrap();
    assert!(head.response_headers.contains(&(
        "x-amz-server-side-encryption-aws-kms-key-id",
        uuid.to_owned()
    )));
    // An unknown key id is refused with KMS's answer.
    let r = kit.put_object(
        &parse(Operation::PutObject, &kms_fields(Some("nope"))),
        &none,
        "bucket",
        "c",
    );
    assert_eq!(r.unwrap_err().code(), "KMS.NotFoundException");

    // The bucket default applies to writes without headers, and explicit headers win.
    let cfg = BucketEncryption {
        default: Some(DefaultEncryption::SseKms {
            key_id: Some(uuid.into()),
        }),
        ..Default::default()
    };
    let d = put(&kit, &cfg, &vec![], "d", &data);
    let meta = codec.decode(&d.metadata).unwrap().unwrap();
    assert_eq!(meta.data_key.unwrap().key_id, uuid);
    let e = put(
        &kit,
        &cfg,
        &vec![("x-amz-server-side-encryption".into(), "AES256".into())],
        "e",
        &data,
    );
    assert!(
        e.metadata
            .contains_key(&format!("{MINIO_PREFIX}S3-Sealed-Key"))
    );
    let f = put(&kit, &cfg, &dest(&[3; 32]), "f", &data);
    assert!(
        f.metadata
            .contains_key(&format!("{MINIO_PREFIX}Sealed-Key"))
    );

    // A bucket that blocks SSE-C refuses it with 403 before any key is looked at.
    let blocked = BucketEncryption {
        blocks_sse_c: true,
        ..Default::default()
    };
    let r = kit.put_object(
        &parse(Operation::PutObject, &dest(&[3; 32])),
        &blocked,
        "bucket",
        "g",
    );
    let e = r.unwrap_err();
    assert_eq!((e.http_status(), e.code()), (403, "AccessDenied"));

    // Without a KMS, SSE-S3 is 501.
    let bare = ServerKit::new(&codec);
    let r = bare.put_object(
        &parse(
            Operation::PutObject,
            &vec![("x-amz-server-side-encryption".into(), "AES256".into())],
        ),
        &none,
        "bucket",
        "h",
    );
    assert_eq!(r.unwrap_err().http_status(), 501);
    // DSSE-KMS is refused, not silently stored otherwise.
    let r = kit.put_object(
        &parse(
            Operation::PutObject,
            &vec![("x-amz-server-side-encryption".into(), "aws:kms:dsse".into())],
        ),
        &none,
        "bucket",
        "i",
    );
    assert_eq!(r.unwrap_err().code(), "NotImplemented");
}

#[test]
fn copy_changes_keys_in_place_without_touching_data() {
    let codec = MinioCodec;
    let kms = kms();
    let kit = ServerKit::new(&codec).with_kms(&kms);
    let none = BucketEncryption::default();
    let (k1, k2) = ([1u8; 32], [2u8; 32]);
    let data = body(150_000);
    let obj = put(&kit, &none, &dest(&k1), "o", &data);

    // SSE-C key change in place: new metadata, the same data.
    let mut fields = source(&k1);
    fields.extend(dest(&k2));
    let req = parse(Operation::CopyObject, &fields);
    let src = CopySource {
        bucket: "bucket",
        key: "o",
        object: obj.view(),
    };
    let CopyPlan::Reseal(w) = kit
        .copy_object(&req, &src, &none, "bucket", "o", false)
        .unwrap()
    else {
        panic!("an in-place key change re-seals");
    };
    let rotated = Stored {
        metadata: w.metadata,
        parts: obj.parts.clone(),
        data: obj.data.clone(),
        etag: w.stored_etag,
    };
    assert_eq!(
        get(&kit, &dest(&k2), &rotated, "o", Read::Whole).unwrap(),
        data
    );
    assert_eq!(
        get(&kit, &dest(&k1), &rotated, "o", Read::Whole)
            .unwrap_err()
            .code(),
        "AccessDenied"
    );

    // SSE-C -> SSE-KMS in place, and back.
    let mut fields = source(&k2);
    fields.extend(kms_fields(Some("testkey-1")));
    let req = parse(Operation::CopyObject, &fields);
    let src = CopySource {
        bucket: "bucket",
        key: "o",
        object: rotated.view(),
    };
    let CopyPlan::Reseal(w) = kit
        .copy_object(&req, &src, &none, "bucket", "o", false)
        .unwrap()
    else {
        panic!()
    };
    let as_kms = Stored {
        metadata: w.metadata,
        parts: obj.parts.clone(),
        data: obj.data.clone(),
        etag: w.stored_etag,
    };
    assert_eq!(get(&kit, &vec![], &as_kms, "o", Read::Whole).unwrap(), data);
    let req = parse(Operation::CopyObject, &dest(&k1));
    let src = CopySource {
        bucket: "bucket",
        key: "o",
        object: as_kms.view(),
    };
    let CopyPlan::Reseal(w) = kit
        .copy_object(&req, &src, &none, "bucket", "o", false)
        .unwrap()
    else {
        panic!()
    };
    let back = Stored {
        metadata: w.metadata,
        parts: obj.parts.clone(),
        data: obj.data.clone(),
        etag: w.stored_etag,
    };
    assert_eq!(
        get(&kit, &dest(&k1), &back, "o", Read::Whole).unwrap(),
        data
    );

    // A copy elsewhere decrypts and re-encrypts; the source key must be right.
    let mut fields = source(&k1);
    fields.extend(dest(&k2));
    let req = parse(Operation::CopyObject, &fields);
    let src = CopySource {
        bucket: "bucket",
        key: "o",
        object: back.view(),
    };
    let CopyPlan::Rewrite {
        source: mut s,
        dest: mut d,
    } = kit
        .copy_object(&req, &src, &none, "bucket", "p", false)
        .unwrap()
    else {
        panic!()
    };
    let mut plain = Vec::new();
    s.body
        .update(
            &back.data[s.stored_offset as usize..][..s.stored_length as usize],
            &mut plain,
        )
        .unwrap();
    s.body.finish().unwrap();
    let mut stored = Vec::new();
    d.body.update(&plain, &mut stored).unwrap();
    d.body.finish(&mut stored).unwrap();
    let w = d
        .object
        .complete(&Md5::digest(&plain).into(), stored.len() as u64)
        .unwrap();
    let copy = Stored {
        metadata: w.metadata,
        parts: vec![StoredPart {
            number: 1,
            stored_size: stored.len() as u64,
        }],
        data: stored,
        etag: w.stored_etag,
    };
    assert_eq!(
        get(&kit, &dest(&k2), &copy, "p", Read::Whole).unwrap(),
        data
    );

    let mut fields = source(&k2); // wrong source key
    fields.extend(dest(&k2));
    let req = parse(Operation::CopyObject, &fields);
    let e = kit
        .copy_object(&req, &src, &none, "bucket", "p", false)
        .unwrap_err();
    assert_eq!((e.http_status(), e.code()), (400, "InvalidRequest"));
    // No source key for an SSE-C source.
    let req = parse(Operation::CopyObject, &dest(&k2));
    assert_eq!(
        kit.copy_object(&req, &src, &none, "bucket", "p", false)
            .unwrap_err()
            .code(),
        "InvalidRequest"
    );
    // A copy onto itself that changes nothing.
    let plainobj = put(&kit, &none, &vec![], "q", b"x");
    let src = CopySource {
        bucket: "bucket",
        key: "q",
        object: plainobj.view(),
    };
    let req = parse(Operation::CopyObject, &vec![]);
    assert!(matches!(
        kit.copy_object(&req, &src, &none, "bucket", "q", false),
        Err(KitError::CopyToItself)
    ));
}

/// A multipart upload through the kit; returns the stored object.
fn multipart(kit: &ServerKit<'_>, create: &Fields, key: &str, parts: &[&[u8]]) -> Stored {
    let none = BucketEncryption::default();
    // Parts and the completion carry SSE-C headers only (never x-amz-server-side-encryption).
    let ssec_only: Fields = create
        .iter()
        .filter(|(n, _)| n.contains("customer"))
        .cloned()
        .collect();
    let fields = &ssec_only;
    let up = kit
        .create_multipart_upload(
            &parse(Operation::CreateMultipartUpload, create),
            &none,
            "bucket",
            key,
        )
        .unwrap();
    let mut data = Vec::new();
    let mut stored_parts = Vec::new();
    let mut etags = Vec::new();
    for (i, p) in parts.iter().enumerate() {
        let n = (i * 2 + 1) as u32; // part numbers need not be contiguous
        let mut plan = kit
            .upload_part(
                &parse(Operation::UploadPart, fields),
                &up.metadata,
                "bucket",
                key,
                n,
            )
            .unwrap();
        let mut out = Vec::new();
        plan.body.update(p, &mut out).unwrap();
        plan.body.finish(&mut out).unwrap();
        let (etag, _) = plan.part.complete(&Md5::digest(p).into());
        etags.push(etag);
        stored_parts.push(StoredPart {
            number: n,
            stored_size: out.len() as u64,
        });
        data.extend(out);
    }
    let refs: Vec<&str> = etags.iter().map(String::as_str).collect();
    let w = kit
        .complete_multipart_upload(
            &parse(Operation::CompleteMultipartUpload, fields),
            &up.metadata,
            "bucket",
            key,
            &refs,
            &stored_parts,
        )
        .unwrap();
    assert!(w.etag.ends_with(&format!("-{}", parts.len())));
    Stored {
        metadata: w.metadata,
        parts: stored_parts,
        data,
        etag: w.stored_etag,
    }
}

#[test]
fn multipart_sse_c_and_kms() {
    let codec = MinioCodec;
    let kms = kms();
    let kit = ServerKit::new(&codec).with_kms(&kms);
    let k = [5u8; 32];
    let (a, b, c) = (body(100_000), body(65_536), body(3));
    let all: Vec<u8> = [a.clone(), b.clone(), c.clone()].concat();
    for fields in [dest(&k), kms_fields(None)] {
        let read = if fields.len() == 3 { dest(&k) } else { vec![] };
        let obj = multipart(&kit, &fields, "big", &[&a, &b, &c]);
        assert!(
            obj.metadata
                .keys()
                .any(|k| k.contains("Encrypted-Multipart"))
        );
        assert_eq!(get(&kit, &read, &obj, "big", Read::Whole).unwrap(), all);
        assert_eq!(get(&kit, &read, &obj, "big", Read::Part(3)).unwrap(), b);
        let r = get(
            &kit,
            &read,
            &obj,
            "big",
            Read::Range(RangeSpec::FromTo(99_000, 165_537)),
        )
        .unwrap();
        assert_eq!(r, &all[99_000..=165_537]);
        assert_eq!(
            get(&kit, &read, &obj, "big", Read::Part(2))
                .unwrap_err()
                .code(),
            "InvalidPartNumber"
        );
    }
    // A part whose key differs from its upload's, or without one.
    let none = BucketEncryption::default();
    let up = kit
        .create_multipart_upload(
            &parse(Operation::CreateMultipartUpload, &dest(&k)),
            &none,
            "bucket",
            "x",
        )
        .unwrap();
    let e = kit
        .upload_part(
            &parse(Operation::UploadPart, &dest(&[6; 32])),
            &up.metadata,
            "bucket",
            "x",
            1,
        )
        .unwrap_err();
    assert_eq!((e.http_status(), e.code()), (400, "InvalidRequest"));
    let e = kit
        .upload_part(
            &parse(Operation::UploadPart, &vec![]),
            &up.metadata,
            "bucket",
            "x",
            1,
        )
        .unwrap_err();
    assert_eq!(e.code(), "InvalidRequest");
    let e = kit
        .complete_multipart_upload(
            &parse(Operation::CompleteMultipartUpload, &dest(&[6; 32])),
            &up.metadata,
            "bucket",
            "x",
            &[],
            &[],
        )
        .unwrap_err();
    assert_eq!(e.code(), "InvalidRequest");
    // Re-uploading a part never reuses its nonce.
    let p1 = kit
        .upload_part(
            &parse(Operation::UploadPart, &dest(&k)),
            &up.metadata,
            "bucket",
            "x",
            1,
        )
        .unwrap();
    let p2 = kit
        .upload_part(
            &parse(Operation::UploadPart, &dest(&k)),
            &up.metadata,
            "bucket",
            "x",
            1,
        )
        .unwrap();
    let (mut o1, mut o2) = (Vec::new(), Vec::new());
    p1.body.finish_with_probe(&mut o1);
    p2.body.finish_with_probe(&mut o2);
    assert_ne!(o1, o2);
}

trait Probe {
    fn finish_with_probe(self, out: &mut Vec<u8>);
}

impl Probe for s3crypt::sse::object::BodyEncryptor {
    fn finish_with_probe(mut self, out: &mut Vec<u8>) {
        self.update(&[0u8; 100], out).unwrap();
        self.finish(out).unwrap();
    }
}

#[test]
fn user_metadata_codec_round_trips_through_the_flows() {
    let codec = UserMetadataCodec::new();
    let kit = ServerKit::new(&codec);
    let k = [9u8; 32];
    let obj = put(
        &kit,
        &BucketEncryption::default(),
        &dest(&k),
        "o",
        &body(1000),
    );
    assert!(
        obj.metadata
            .keys()
            .all(|n| n.starts_with("x-amz-meta-s3crypt-"))
    );
    assert!(obj.metadata.keys().all(|n| codec.owns(n)));
    assert_eq!(
        get(&kit, &dest(&k), &obj, "o", Read::Whole).unwrap(),
        body(1000)
    );
    // The MinIO codec does not see these entries: to it the object is unencrypted.
    let minio = MinioCodec;
    assert!(minio.decode(&obj.metadata).unwrap().is_none());
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Any object (single or multipart, any part sizes) and any range: the exact bytes, and
    /// any cut of the fetched bytes is refused.
    #[test]
    fn ranges_across_parts_are_exact(
        sizes in proptest::collection::vec(0usize..140_000, 1..4),
        start in any::<prop::sample::Index>(),
        len in 1u64..200_000,
        cut in any::<prop::sample::Index>(),
    ) {
        let codec = MinioCodec;
        let kit = ServerKit::new(&codec);
        let k = [4u8; 32];
        // Parts before the last are never empty (S3 wants 5 MiB; the kit refuses 0 bytes).
        let last = sizes.len() - 1;
        let parts: Vec<Vec<u8>> = sizes
            .iter()
            .enumerate()
            .map(|(i, &n)| body(n + i + usize::from(i < last)))
            .collect();
        let all: Vec<u8> = parts.concat();
        prop_assume!(!all.is_empty());
        let obj = if parts.len() == 1 {
            put(&kit, &BucketEncryption::default(), &dest(&k), "o", &parts[0])
        } else {
            let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
            multipart(&kit, &dest(&k), "o", &refs)
        };
        let s = start.index(all.len()) as u64;
        let spec = RangeSpec::FromTo(s, s + len - 1);
        let got = get(&kit, &dest(&k), &obj, "o", Read::Range(spec)).unwrap();
        let end = ((s + len) as usize).min(all.len());
        prop_assert_eq!(&got[..], &all[s as usize..end]);

        let req = parse(Operation::GetObject, &dest(&k));
        let mut plan = kit.get_object(&req, &obj.view(), "bucket", "o", Read::Range(spec)).unwrap();
        let fetched = &obj.data[plan.stored_offset as usize..][..plan.stored_length as usize];
        let c = cut.index(fetched.len());
        let mut out = Vec::new();
        let r = plan.body.update(&fetched[..c], &mut out).and_then(|()| plan.body.finish());
        prop_assert!(r.is_err());
    }
}

fn default_encryption() -> impl Strategy<Value = Option<DefaultEncryption>> {
    // Ids as the parser gives them back: without surrounding whitespace (it trims).
    let id = proptest::option::of(
        "[a-zA-Z0-9<>&'\":/-]([a-zA-Z0-9<>&'\" :/-]{0,38}[a-zA-Z0-9<>&'\":/-])?",
    );
    prop_oneof![
        Just(None),
        Just(Some(DefaultEncryption::SseS3)),
        id.clone()
            .prop_map(|key_id| Some(DefaultEncryption::SseKms { key_id })),
        id.prop_map(|key_id| Some(DefaultEncryption::DsseKms { key_id })),
    ]
}

proptest! {
    /// Any configuration writes to a document that parses back to it (ids with XML
    /// metacharacters included), and no text makes the parser panic.
    #[test]
    fn bucket_encryption_round_trips(
        default in default_encryption(),
        bucket_key_enabled in proptest::option::of(any::<bool>()),
        blocks_sse_c in any::<bool>(),
        junk in ".{0,200}",
    ) {
        let cfg = BucketEncryption { default, bucket_key_enabled, blocks_sse_c };
        prop_assert_eq!(BucketEncryption::from_xml(&cfg.to_xml()).unwrap(), cfg.clone());
        let _ = BucketEncryption::from_xml(&junk);
        let xml = cfg.to_xml();
        let cut = junk.len() % xml.len();
        // A document cut anywhere before its end is refused.
        if cut > 0 && !xml[..cut].trim_end().ends_with("</ServerSideEncryptionConfiguration>") {
            prop_assert!(BucketEncryption::from_xml(&xml[..cut]).is_err());
        }
    }
}

/// The explicit-randomness forms reproduce their bytes exactly (what vectors need), and the
/// convenient forms never repeat them.
#[test]
fn recorded_randomness_reproduces_bytes() {
    use s3crypt::dare::CipherSuite;
    use s3crypt::sse::object::PutRandom;
    let codec = MinioCodec;
    let kit = ServerKit::new(&codec);
    let none = BucketEncryption::default();
    let r = || PutRandom {
        object_key_seed: [1; 32],
        iv: [2; 32],
        seal_nonce: [3; 12],
        suite: CipherSuite::Aes256Gcm,
    };
    let k = [7u8; 32];
    let data = body(70_000);
    let put = |with: bool| {
        let req = parse(Operation::PutObject, &dest(&k));
        let mut plan = if with {
            kit.put_object_with(&req, &none, "bucket", "o", r(), [4; 12])
                .unwrap()
        } else {
            kit.put_object(&req, &none, "bucket", "o").unwrap()
        };
        let mut out = Vec::new();
        plan.body.update(&data, &mut out).unwrap();
        let (_, stored) = plan.body.finish(&mut out).unwrap();
        (
            out,
            plan.object
                .complete(&Md5::digest(&data).into(), stored)
                .unwrap()
                .metadata,
        )
    };
    assert_eq!(put(true), put(true));
    assert_ne!(put(false).0, put(false).0);

    let up = kit
        .create_multipart_upload_with(
            &parse(Operation::CreateMultipartUpload, &dest(&k)),
            &none,
            "bucket",
            "m",
            r(),
        )
        .unwrap();
    let part = |nonce| {
        let mut p = kit
            .upload_part_with(
                &parse(Operation::UploadPart, &dest(&k)),
                &up.metadata,
                "bucket",
                "m",
                1,
                nonce,
            )
            .unwrap();
        let mut out = Vec::new();
        p.body.update(&data, &mut out).unwrap();
        p.body.finish(&mut out).unwrap();
        out
    };
    assert_eq!(part([5; 12]), part([5; 12]));
    assert_ne!(part([5; 12]), part([6; 12]));

    let (stored, metadata) = put(true);
    let parts = [StoredPart {
        number: 1,
        stored_size: stored.len() as u64,
    }];
    let src = CopySource {
        bucket: "bucket",
        key: "o",
        object: StoredObject {
            metadata: &metadata,
            parts: &parts,
            etag: "",
        },
    };
    let mut fields = source(&k);
    fields.extend(dest(&[8; 32]));
    let req = parse(Operation::CopyObject, &fields);
    let copy = || match kit
        .copy_object_with(&req, &src, &none, "bucket", "o", false, r(), [9; 12])
        .unwrap()
    {
        CopyPlan::Reseal(w) => w.metadata,
        CopyPlan::Rewrite { .. } => panic!("in place: a re-seal"),
    };
    assert_eq!(copy(), copy());
}

/// Storage that empties an encrypted object (stored size 0, or no stored part) gets an
/// error, never a 200 with an empty body and the original ETag, where MinIO's layout can
/// tell: the sealed ETag of an SSE-S3 object is the content MD5. A genuinely empty object
/// still reads back empty.
#[test]
fn an_emptied_sse_s3_object_is_refused() {
    let codec = MinioCodec;
    let kms = kms();
    let kit = ServerKit::new(&codec).with_kms(&kms);
    let none = BucketEncryption::default();
    let s3 = vec![("x-amz-server-side-encryption".into(), "AES256".into())];
    let mut obj = put(&kit, &none, &s3, "a", &body(70_000));
    obj.data.clear();
    obj.parts[0].stored_size = 0;
    let e = get(&kit, &vec![], &obj, "a", Read::Whole).unwrap_err();
    assert!(matches!(e, KitError::StoredObjectTampered(_)), "{e}");
    assert_eq!((e.code(), e.http_status()), ("InternalError", 500));
    let req = parse(Operation::HeadObject, &vec![]);
    assert!(
        kit.head_object(&req, &obj.view(), "bucket", "a", Read::Whole)
            .is_err()
    );
    obj.parts.clear();
    assert!(get(&kit, &vec![], &obj, "a", Read::Whole).is_err());

    // A multipart object (MinIO's layout) whose middle part storage records as empty.
    let parts: Vec<Vec<u8>> = (0..3).map(|i| body(50_000 + i)).collect();
    let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
    let mut mp = multipart(&kit, &s3, "mp", &refs);
    let first = mp.parts[0].stored_size as usize;
    let second = mp.parts[1].stored_size as usize;
    mp.data.drain(first..first + second);
    mp.parts[1].stored_size = 0;
    let e = get(&kit, &vec![], &mp, "mp", Read::Whole).unwrap_err();
    assert!(matches!(e, KitError::StoredObjectTampered(_)), "{e}");
    // And the kit never completes such an upload.
    let up = kit
        .create_multipart_upload(
            &parse(Operation::CreateMultipartUpload, &s3),
            &none,
            "bucket",
            "z",
        )
        .unwrap();
    let empty_first = [
        StoredPart {
            number: 1,
            stored_size: 0,
        },
        StoredPart {
            number: 2,
            stored_size: 100,
        },
    ];
    let md5 = hex(&Md5::digest(b""));
    let e = kit
        .complete_multipart_upload(
            &parse(Operation::CompleteMultipartUpload, &vec![]),
            &up.metadata,
            "bucket",
            "z",
            &[&md5, &md5],
            &empty_first,
        )
        .unwrap_err();
    assert_eq!((e.code(), e.http_status()), ("EntityTooSmall", 400));

    let empty = put(&kit, &none, &s3, "e", b"");
    assert_eq!(empty.parts[0].stored_size, 0);
    assert_eq!(get(&kit, &vec![], &empty, "e", Read::Whole).unwrap(), b"");
}

/// The crate's own layout binds an object's name, size and part list under its key: storage
/// that empties, cuts or renames an object, strips its binding, or drops, swaps, duplicates or
/// renumbers parts gets an error on every read (never other bytes); copies in place keep it.
#[test]
fn the_user_metadata_layout_binds_size_and_part_list() {
    let codec = UserMetadataCodec::new();
    let kms = kms();
    let kit = ServerKit::new(&codec).with_kms(&kms);
    let none = BucketEncryption::default();
    let k = [5u8; 32];
    let tampered = |r: Result<Vec<u8>, KitError>| {
        let e = r.expect_err("tampered object read");
        assert!(matches!(e, KitError::StoredObjectTampered(_)), "{e:?}");
    };
    for (fields, read_fields) in [
        (dest(&k), dest(&k)),
        (
            vec![("x-amz-server-side-encryption".into(), "AES256".into())],
            vec![],
        ),
        (kms_fields(None), vec![]),
    ] {
        let data = body(200_000);
        let obj = put(&kit, &none, &fields, "o", &data);
        assert!(obj.metadata.contains_key("x-amz-meta-s3crypt-binding"));
        assert_eq!(
            get(&kit, &read_fields, &obj, "o", Read::Whole).unwrap(),
            data
        );
        // Emptied, cut to a package boundary, extended by a package.
        let mut bad = Stored { ..clone(&obj) };
        bad.data.clear();
        bad.parts[0].stored_size = 0;
        tampered(get(&kit, &read_fields, &bad, "o", Read::Whole));
        let mut bad = clone(&obj);
        bad.data.truncate(65_536 + 32);
        bad.parts[0].stored_size = bad.data.len() as u64;
        tampered(get(&kit, &read_fields, &bad, "o", Read::Whole));
        // The binding stripped or taken from another object of the same key.
        let mut bad = clone(&obj);
        bad.metadata.remove("x-amz-meta-s3crypt-binding");
        tampered(get(&kit, &read_fields, &bad, "o", Read::Whole));
        // Another name: the sealed key does not unseal there (or the binding does not match).
        assert!(get(&kit, &read_fields, &obj, "other", Read::Whole).is_err());
        // Ranges are checked too, before anything is fetched.
        let mut bad = clone(&obj);
        bad.parts[0].stored_size -= 1;
        let spec = RangeSpec::parse("bytes=0-9").unwrap();
        tampered(get(&kit, &read_fields, &bad, "o", Read::Range(spec)));
    }

    // Multipart (SSE-C: the completion carries the key).
    let parts: Vec<Vec<u8>> = (0..3).map(|i| body(70_000 + i * 1000)).collect();
    let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
    let obj = multipart(&kit, &dest(&k), "m", &refs);
    assert_eq!(
        get(&kit, &dest(&k), &obj, "m", Read::Whole).unwrap(),
        parts.concat()
    );
    let part_bytes = |o: &Stored, i: usize| -> Vec<u8> {
        let start: u64 = o.parts[..i].iter().map(|p| p.stored_size).sum();
        o.data[start as usize..(start + o.parts[i].stored_size) as usize].to_vec()
    };
    let rebuild = |order: &[usize]| -> Stored {
        let mut s = clone(&obj);
        s.parts = order.iter().map(|&i| obj.parts[i]).collect();
        s.data = order.iter().flat_map(|&i| part_bytes(&obj, i)).collect();
        s
    };
    for order in [&[0usize, 2][..], &[1, 0, 2], &[0, 1, 1, 2], &[0, 1]] {
        tampered(get(&kit, &dest(&k), &rebuild(order), "m", Read::Whole));
    }
    let mut renumbered = clone(&obj);
    renumbered.parts[2].number = 7;
    tampered(get(&kit, &dest(&k), &renumbered, "m", Read::Part(7)));
    // A single-part record for a multipart object.
    let mut single = rebuild(&[0]);
    single.parts[0].number = 1;
    tampered(get(&kit, &dest(&k), &single, "m", Read::Whole));

    // SSE-C completion without the key cannot write the binding.
    let up = kit
        .create_multipart_upload(
            &parse(Operation::CreateMultipartUpload, &dest(&k)),
            &none,
            "bucket",
            "n",
        )
        .unwrap();
    let e = kit
        .complete_multipart_upload(
            &parse(Operation::CompleteMultipartUpload, &vec![]),
            &up.metadata,
            "bucket",
            "n",
            &[],
            &[],
        )
        .unwrap_err();
    assert!(matches!(e, KitError::SseCKeyRequired), "{e:?}");
    assert_eq!((e.code(), e.http_status()), ("InvalidRequest", 400));

    // ... but with the upload's binding key, kept sealed by the server since creation, it
    // completes without the customer key (what the aws cli sends), and reads back bound.
    let kek = WrappingKey::new([9u8; 32]);
    let sealed = up
        .binding_key
        .as_ref()
        .expect("a binding layout hands out the upload's binding key")
        .seal(&kek, b"bucket/n/upload-1")
        .unwrap();
    assert!(!format!("{up:?}").contains(&sealed[..8]));
    for (ctx, k) in [
        (&b"bucket/n/upload-2"[..], &kek),
        (b"bucket/n/upload-1", &WrappingKey::new([8u8; 32])),
    ] {
        let e = BindingKey::open(&sealed, k, ctx).unwrap_err();
        assert!(matches!(e, KitError::StoredObjectTampered(_)), "{e:?}");
    }
    let mut flipped = STANDARD.decode(&sealed).unwrap();
    flipped[20] ^= 1;
    let flipped = STANDARD.encode(flipped);
    assert!(BindingKey::open(&flipped, &kek, b"bucket/n/upload-1").is_err());
    assert!(BindingKey::open("", &kek, b"bucket/n/upload-1").is_err());
    let bk = BindingKey::open(&sealed, &kek, b"bucket/n/upload-1").unwrap();
    let ssec_only: Fields = dest(&k)
        .into_iter()
        .filter(|(n, _)| n.contains("customer"))
        .collect();
    let p1 = body(70_000);
    let mut plan = kit
        .upload_part(
            &parse(Operation::UploadPart, &ssec_only),
            &up.metadata,
            "bucket",
            "n",
            1,
        )
        .unwrap();
    let mut data = Vec::new();
    plan.body.update(&p1, &mut data).unwrap();
    plan.body.finish(&mut data).unwrap();
    let (etag1, _) = plan.part.complete(&Md5::digest(&p1).into());
    let stored = [StoredPart {
        number: 1,
        stored_size: data.len() as u64,
    }];
    let complete = |req_fields: &Fields, bk: &BindingKey| {
        kit.complete_multipart_upload_with_binding_key(
            &parse(Operation::CompleteMultipartUpload, req_fields),
            &up.metadata,
            "bucket",
            "n",
            &[etag1.as_str()],
            &stored,
            bk,
        )
    };
    // Another upload's binding key is refused when the key headers show the real one.
    let other = kit
        .create_multipart_upload(
            &parse(Operation::CreateMultipartUpload, &dest(&k)),
            &none,
            "bucket",
            "n",
        )
        .unwrap();
    let e = complete(&ssec_only, other.binding_key.as_ref().unwrap()).unwrap_err();
    assert!(matches!(e, KitError::StoredObjectTampered(_)), "{e:?}");
    for fields in [vec![], ssec_only.clone()] {
        let w = complete(&fields, &bk).unwrap();
        let obj = Stored {
            metadata: w.metadata,
            etag: w.stored_etag,
            parts: stored.to_vec(),
            data: data.clone(),
        };
        assert_eq!(get(&kit, &dest(&k), &obj, "n", Read::Whole).unwrap(), p1);
        assert!(get(&kit, &dest(&k), &obj, "moved", Read::Whole).is_err());
        let mut cut = clone(&obj);
        cut.parts[0].stored_size -= 1;
        cut.data.pop();
        tampered(get(&kit, &dest(&k), &cut, "n", Read::Whole));
    }
    // A layout without binding hands out no binding key.
    let minio = MinioCodec;
    let up = ServerKit::new(&minio)
        .create_multipart_upload(
            &parse(Operation::CreateMultipartUpload, &dest(&k)),
            &none,
            "bucket",
            "n",
        )
        .unwrap();
    assert!(up.binding_key.is_none());

    // A key change in place keeps the (checked) binding: readable with the new key.
    let obj = put(&kit, &none, &dest(&k), "c", &body(5000));
    let k2 = [6u8; 32];
    let mut f = dest(&k2);
    f.extend(source(&k));
    let req = parse(Operation::CopyObject, &f);
    let src = CopySource {
        bucket: "bucket",
        key: "c",
        object: obj.view(),
    };
    let CopyPlan::Reseal(w) = kit
        .copy_object(&req, &src, &none, "bucket", "c", false)
        .unwrap()
    else {
        panic!("a key change in place re-seals");
    };
    let mut resealed = clone(&obj);
    resealed.metadata = w.metadata;
    assert_eq!(
        get(&kit, &dest(&k2), &resealed, "c", Read::Whole).unwrap(),
        body(5000)
    );
    // A copy from an emptied source is refused too.
    let mut emptied = clone(&obj);
    emptied.data.clear();
    emptied.parts[0].stored_size = 0;
    let src = CopySource {
        bucket: "bucket",
        key: "c",
        object: emptied.view(),
    };
    assert!(
        kit.copy_object(&req, &src, &none, "bucket", "d", false)
            .is_err()
    );

    // The layout without the binding reads objects that have none (and writes none).
    let unbound = UserMetadataCodec::new().without_binding();
    let old_kit = ServerKit::new(&unbound);
    let old = put(&old_kit, &none, &dest(&k), "u", &body(100));
    assert!(!old.metadata.contains_key("x-amz-meta-s3crypt-binding"));
    assert_eq!(
        get(&old_kit, &dest(&k), &old, "u", Read::Whole).unwrap(),
        body(100)
    );
    tampered(get(&kit, &dest(&k), &old, "u", Read::Whole));
}

fn clone(s: &Stored) -> Stored {
    Stored {
        metadata: s.metadata.clone(),
        parts: s.parts.clone(),
        data: s.data.clone(),
        etag: s.etag.clone(),
    }
}
