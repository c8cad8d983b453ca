//! Parsing cost of real SSE requests: an SSE-C PutObject as boto3 sends it (with all the
//! unrelated headers) and an SSE-KMS PutObject with an encryption context. The baseline in the
//! same run is the bare work any parser must do: one MD5 of the key and one base64 decode.

use base64::Engine as _;
use criterion::{Criterion, criterion_group, criterion_main};
use md5::{Digest as _, Md5};
use s3crypt::headers::{self, Operation, RequestContext, Transport};
use std::hint::black_box;

const SSEC_PUT: &[(&str, &str)] = &[
    ("Host", "127.0.0.1:18931"),
    ("Accept-Encoding", "identity"),
    ("x-amz-server-side-encryption-customer-algorithm", "AES256"),
    (
        "x-amz-server-side-encryption-customer-key",
        "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8=",
    ),
    (
        "x-amz-server-side-encryption-customer-key-MD5",
        "jeuBRyIvpeUGr7P9sHL8dw==",
    ),
    (
        "User-Agent",
        "Boto3/1.44.5 md/Botocore#1.44.5 ua/2.1 os/linux#6.18.44 md/arch#x86_64 lang/python#3.11.7 md/pyimpl#CPython cfg/retry-mode#standard Botocore/1.44.5",
    ),
    ("Expect", "100-continue"),
    ("x-amz-checksum-crc32", "DUoRhQ=="),
    ("x-amz-sdk-checksum-algorithm", "CRC32"),
    ("X-Amz-Date", "20261123T072418Z"),
    (
        "X-Amz-Content-SHA256",
        "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9",
    ),
    (
        "Authorization",
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261123/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-checksum-crc32;x-amz-content-sha256;x-amz-date;x-amz-sdk-checksum-algorithm;x-amz-server-side-encryption-customer-algorithm;x-amz-server-side-encryption-customer-key;x-amz-server-side-encryption-customer-key-md5, Signature=1b8cfa0fe9e099ecc221d4d8e8956f559f96d23794c70eb1c70cea26d62b4960",
    ),
    (
        "amz-sdk-invocation-id",
        "000d3f93-7b80-4d41-b804-2874a97bcff7",
    ),
    ("amz-sdk-request", "attempt=1; max=2"),
    ("Content-Length", "11"),
];

const KMS_PUT: &[(&str, &str)] = &[
    ("Host", "127.0.0.1:18931"),
    ("Accept-Encoding", "identity"),
    ("x-amz-server-side-encryption", "aws:kms"),
    (
        "x-amz-server-side-encryption-aws-kms-key-id",
        "arn:aws:kms:eu-north-1:111122223333:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
    ),
    (
        "x-amz-server-side-encryption-context",
        "eyJwcm9qZWN0IjoiczNjcnlwdCIsInRlYW0iOiJzdG9yYWdlIn0=",
    ),
    ("x-amz-server-side-encryption-bucket-key-enabled", "true"),
    (
        "User-Agent",
        "Boto3/1.44.5 md/Botocore#1.44.5 ua/2.1 os/linux#6.18.44 md/arch#x86_64 lang/python#3.11.7",
    ),
    ("X-Amz-Date", "20261123T072418Z"),
    (
        "X-Amz-Content-SHA256",
        "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9",
    ),
    (
        "Authorization",
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261123/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=1b8cfa0fe9e099ecc221d4d8e8956f559f96d23794c70eb1c70cea26d62b4960",
    ),
    ("Content-Length", "11"),
];

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("headers");
    let ctx = RequestContext::new(Operation::PutObject, Transport::Tls);
    g.bench_function("baseline: base64 decode + MD5 of the key", |b| {
        let e = base64::engine::general_purpose::STANDARD;
        b.iter(|| {
            let k = e.decode(black_box(SSEC_PUT[3].1)).unwrap();
            black_box(Md5::digest(&k))
        })
    });
    g.bench_function("SSE-C PutObject (boto3, 15 headers)", |b| {
        b.iter(|| headers::parse(&ctx, black_box(SSEC_PUT)).unwrap())
    });
    g.bench_function("SSE-C PutObject, MinIO dialect", |b| {
        b.iter(|| headers::minio::parse(&ctx, black_box(SSEC_PUT)).unwrap())
    });
    g.bench_function("SSE-KMS PutObject with context (11 headers)", |b| {
        b.iter(|| headers::parse(&ctx, black_box(KMS_PUT)).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
