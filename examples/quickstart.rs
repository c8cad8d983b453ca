//! Quickstart: what a storage server does with s3crypt's server kit, in memory.
//!
//! 1. judge the SSE-C headers `aws s3 cp --sse-c AES256 --sse-c-key fileb://key` sends,
//!    exactly as Amazon S3 would (and show S3's answer to a key-MD5 that does not fit);
//! 2. PUT 4 MiB through `sse::object::ServerKit` into memory (MinIO's layout);
//! 3. GET a range back (only the packages holding it are fetched and authenticated);
//! 4. rotate the customer key (a copy onto itself: the key is re-sealed, the data untouched);
//! 5. show what was stored: sizes and metadata names — nothing secret.
//!
//! Run: `cargo run --release --example quickstart`

use std::collections::BTreeMap;

use md5::{Digest as _, Md5};
use s3crypt::headers::range::RangeSpec;
use s3crypt::headers::{self, Encryption, Operation, RequestContext, Transport};
use s3crypt::sse::bucket::BucketEncryption;
use s3crypt::sse::object::{
    CopyPlan, CopySource, MinioCodec, Read, ServerKit, StoredObject, StoredPart,
};

/// Header lines captured from aws-cli 1.46.3 running
/// `aws s3 cp FILE s3://b/cli-ssec --sse-c AES256 --sse-c-key fileb://key1.bin`
/// (key1.bin = bytes 0x40..0x5f), in the order the client sent them.
const AWS_CLI_PUT: &[(&str, &str)] = &[
    ("Host", "127.0.0.1:18931"),
    ("Accept-Encoding", "identity"),
    ("x-amz-server-side-encryption-customer-algorithm", "AES256"),
    (
        "x-amz-server-side-encryption-customer-key",
        "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8=",
    ),
    ("x-amz-sdk-checksum-algorithm", "CRC32"),
    ("Content-Type", "text/plain"),
    (
        "x-amz-server-side-encryption-customer-key-MD5",
        "jeuBRyIvpeUGr7P9sHL8dw==",
    ),
    (
        "User-Agent",
        "aws-cli/1.46.3 md/Botocore#1.43.62 ua/2.1 os/linux#6.18.44-fc-v669 md/arch#x86_64 lang/python#3.11.7 md/pyimpl#CPython m/N,U,D,b,Z cfg/retry-mode#legacy botocore/1.43.62",
    ),
    ("Expect", "100-continue"),
    ("x-amz-checksum-crc32", "DUoRhQ=="),
    ("X-Amz-Date", "20261123T072420Z"),
    (
        "X-Amz-Content-SHA256",
        "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9",
    ),
    (
        "Authorization",
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261123/us-east-1/s3/aws4_request, SignedHeaders=content-type;host;x-amz-checksum-crc32;x-amz-content-sha256;x-amz-date;x-amz-sdk-checksum-algorithm;x-amz-server-side-encryption-customer-algorithm;x-amz-server-side-encryption-customer-key;x-amz-server-side-encryption-customer-key-md5, Signature=9f9f3fcf331e7f03dea6aa45481a6e0344b13f1f9c612cadbfa66abeed65c5f9",
    ),
    (
        "amz-sdk-invocation-id",
        "2f7a5ee3-aeb0-4f0d-87d8-e64e78a24cf7",
    ),
    ("amz-sdk-request", "attempt=1"),
    ("Content-Length", "11"),
];

/// The same client's headers with another key (bytes 0x60..0x7f), as the destination of
/// `aws s3api copy-object` onto itself; the old key is the copy source's.
fn rotate_headers() -> Vec<(String, String)> {
    use base64::Engine as _;
    let b64 = |k: &[u8]| base64::engine::general_purpose::STANDARD.encode(k);
    let new: Vec<u8> = (0x60..0x80).collect();
    let old: Vec<u8> = (0x40..0x60).collect();
    let mut h = Vec::new();
    for (prefix, key) in [
        ("x-amz-server-side-encryption-customer", &new),
        ("x-amz-copy-source-server-side-encryption-customer", &old),
    ] {
        h.push((format!("{prefix}-algorithm"), "AES256".to_owned()));
        h.push((format!("{prefix}-key"), b64(key)));
        h.push((format!("{prefix}-key-MD5"), b64(&Md5::digest(key))));
    }
    h
}

struct Stored {
    metadata: BTreeMap<String, String>,
    data: Vec<u8>,
    etag: String,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // 1. Judge the request headers.
    let put_ctx = RequestContext::new(Operation::PutObject, Transport::Tls);
    let put = headers::parse(&put_ctx, AWS_CLI_PUT)?;
    let Encryption::SseC(c) = put.encryption() else {
        return Err("expected SSE-C".into());
    };
    println!(
        "1. aws cli PUT headers: SSE-C {}, key MD5 {}",
        c.algorithm(),
        c.key_md5().to_base64()
    );
    let mut bad = AWS_CLI_PUT.to_vec();
    for h in &mut bad {
        if h.0 == "x-amz-server-side-encryption-customer-key-MD5" {
            h.1 = "AAAAAAAAAAAAAAAAAAAAAA==";
        }
    }
    let err = headers::parse(&put_ctx, &bad).unwrap_err();
    println!(
        "   with a wrong key MD5, S3 answers {} {}: {}",
        err.http_status(),
        err.code().unwrap_or("-"),
        err.message()
    );

    // 2. PUT 4 MiB through the server kit.
    let codec = MinioCodec;
    let kit = ServerKit::new(&codec);
    let bucket_cfg = BucketEncryption::default();
    let body: Vec<u8> = (0..4u32 << 20).map(|i| (i % 251) as u8).collect();
    let mut plan = kit.put_object(&put, &bucket_cfg, "b", "cli-ssec")?;
    let mut data = Vec::new();
    for chunk in body.chunks(1 << 20) {
        plan.body.update(chunk, &mut data)?; // as the body streams in
    }
    let (plain_len, stored_len) = plan.body.finish(&mut data)?;
    let written = plan
        .object
        .complete(&Md5::digest(&body).into(), stored_len)?;
    let mut obj = Stored {
        metadata: written.metadata,
        data,
        etag: written.stored_etag,
    };
    println!(
        "2. PUT {plain_len} bytes -> {stored_len} stored bytes, ETag shown {:?}",
        written.etag
    );

    // 3. GET a range with the same key.
    let get = headers::parse(
        &RequestContext::new(Operation::GetObject, Transport::Tls),
        AWS_CLI_PUT,
    )?;
    let parts = [StoredPart {
        number: 1,
        stored_size: obj.data.len() as u64,
    }];
    let view = StoredObject {
        metadata: &obj.metadata,
        parts: &parts,
        etag: &obj.etag,
    };
    let range = Read::Range(RangeSpec::parse("bytes=1000000-1000099")?);
    let mut plan = kit.get_object(&get, &view, "b", "cli-ssec", range)?;
    let fetched = &obj.data[plan.stored_offset as usize..][..plan.stored_length as usize];
    let mut out = Vec::new();
    plan.body.update(fetched, &mut out)?;
    plan.body.finish()?;
    assert_eq!(out, body[1_000_000..1_000_100]);
    println!(
        "3. GET bytes=1000000-1000099: fetched {} stored bytes at offset {}, answered {} ({})",
        plan.stored_length,
        plan.stored_offset,
        plan.content_range
            .map(|c| c.header_value())
            .unwrap_or_default(),
        plan.status
    );

    // 4. Rotate the key: CopyObject onto itself with a new SSE-C key.
    let copy = headers::parse(
        &RequestContext::new(Operation::CopyObject, Transport::Tls),
        &rotate_headers(),
    )?;
    let source = CopySource {
        bucket: "b",
        key: "cli-ssec",
        object: view,
    };
    let CopyPlan::Reseal(w) =
        kit.copy_object(&copy, &source, &bucket_cfg, "b", "cli-ssec", false)?
    else {
        return Err("an in-place key change re-seals".into());
    };
    obj.metadata = w.metadata;
    let view = StoredObject {
        metadata: &obj.metadata,
        parts: &parts,
        etag: &obj.etag,
    };
    let old = kit
        .get_object(&get, &view, "b", "cli-ssec", Read::Whole)
        .unwrap_err();
    println!(
        "4. key rotated without touching the data; the old key now gets {} {}",
        old.http_status(),
        old.code()
    );

    // 5. What was stored.
    println!(
        "5. stored: {} bytes of DARE packages, and these metadata entries:",
        obj.data.len()
    );
    for (k, v) in &obj.metadata {
        println!("     {k} ({} characters)", v.len());
    }
    let marker = &body[..64];
    assert!(
        !obj.data.windows(64).any(|w| w == marker),
        "plaintext stored"
    );
    Ok(())
}
