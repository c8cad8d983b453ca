//! The server kit against the bare DARE stream, in one run: what one S3 PUT or GET through
//! `sse::object::ServerKit` costs beyond the stream itself (the kit's own work is the
//! object-key generation and sealing, the sealed ETag, the range plan).
//!
//! - `dare-encrypt`: `Encryptor::new` + `update` in 1 MiB chunks + `finish`, into a `Vec`;
//! - `kit-put`: `ServerKit::put_object` (SSE-C) + the same body through its `BodyEncryptor`
//!   + `NewObject::complete` (the MD5 is given: a server computes it as the body streams);
//! - `dare-decrypt`: `Decryptor::new` bound to the stored size + `update` + `finish`;
//! - `kit-get`: `ServerKit::get_object` (decode metadata, judge the key, unseal, plan) + the
//!   same bytes through its `BodyDecryptor`.
//!
//! `cargo bench --bench server_kit`; compare each kit row with the DARE row of its size.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Duration;

use base64::Engine as _;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use md5::{Digest as _, Md5};
use s3crypt::dare::{CipherSuite, DecryptOptions, Decryptor, Encryptor};
use s3crypt::headers::{self, Operation, RequestContext, Transport};
use s3crypt::keys::ObjectKey;
use s3crypt::sse::bucket::BucketEncryption;
use s3crypt::sse::object::{MinioCodec, Read, ServerKit, StoredObject, StoredPart};

const CHUNK: usize = 1 << 20;

fn ssec_headers() -> Vec<(String, String)> {
    let key = [0x42u8; 32];
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    vec![
        (
            "x-amz-server-side-encryption-customer-algorithm".into(),
            "AES256".into(),
        ),
        (
            "x-amz-server-side-encryption-customer-key".into(),
            b64(&key),
        ),
        (
            "x-amz-server-side-encryption-customer-key-MD5".into(),
            b64(&Md5::digest(key)),
        ),
    ]
}

fn bench(c: &mut Criterion) {
    let suite = CipherSuite::Aes256Gcm;
    let codec = MinioCodec;
    let kit = ServerKit::new(&codec).with_suite(suite);
    let cfg = BucketEncryption::default();
    let h = ssec_headers();
    let put = headers::parse(
        &RequestContext::new(Operation::PutObject, Transport::Tls),
        &h,
    )
    .unwrap();
    let get = headers::parse(
        &RequestContext::new(Operation::GetObject, Transport::Tls),
        &h,
    )
    .unwrap();
    let oek = ObjectKey::new([9; 32]);

    let mut g = c.benchmark_group("server_kit");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    for size in [1usize << 20, 64 << 20] {
        let body = vec![0x5au8; size];
        let md5: [u8; 16] = Md5::digest(&body).into();
        g.throughput(Throughput::Bytes(size as u64));
        let label = if size == 1 << 20 { "1MiB" } else { "64MiB" };
        let mut out = Vec::with_capacity(size + size / 1000 + 64);

        g.bench_function(BenchmarkId::new("dare-encrypt", label), |b| {
            b.iter(|| {
                out.clear();
                let mut e = Encryptor::new(&oek, suite).unwrap();
                for chunk in body.chunks(CHUNK) {
                    e.update(chunk, &mut out).unwrap();
                }
                e.finish(&mut out).unwrap();
                black_box(out.len())
            })
        });
        g.bench_function(BenchmarkId::new("kit-put", label), |b| {
            b.iter(|| {
                out.clear();
                let mut plan = kit.put_object(&put, &cfg, "bucket", "object").unwrap();
                for chunk in body.chunks(CHUNK) {
                    plan.body.update(chunk, &mut out).unwrap();
                }
                let (_, stored) = plan.body.finish(&mut out).unwrap();
                black_box(plan.object.complete(&md5, stored).unwrap())
            })
        });

        // A stored object for the GET rows, and a bare stream of the same size.
        let mut plan = kit.put_object(&put, &cfg, "bucket", "object").unwrap();
        let mut stored = Vec::new();
        plan.body.update(&body, &mut stored).unwrap();
        let (_, stored_len) = plan.body.finish(&mut stored).unwrap();
        let w = plan.object.complete(&md5, stored_len).unwrap();
        let metadata: BTreeMap<String, String> = w.metadata;
        let parts = [StoredPart {
            number: 1,
            stored_size: stored.len() as u64,
        }];
        let view = StoredObject {
            metadata: &metadata,
            parts: &parts,
            etag: &w.stored_etag,
        };
        let mut bare = Vec::new();
        let mut e = Encryptor::new(&oek, suite).unwrap();
        e.update(&body, &mut bare).unwrap();
        e.finish(&mut bare).unwrap();
        let mut plain = Vec::with_capacity(size);

        g.bench_function(BenchmarkId::new("dare-decrypt", label), |b| {
            b.iter(|| {
                plain.clear();
                let mut d =
                    Decryptor::new(&oek, DecryptOptions::new().stored_size(bare.len() as u64));
                for chunk in bare.chunks(CHUNK) {
                    d.update(chunk, &mut plain).unwrap();
                }
                d.finish().unwrap();
                black_box(plain.len())
            })
        });
        g.bench_function(BenchmarkId::new("kit-get", label), |b| {
            b.iter(|| {
                plain.clear();
                let mut plan = kit
                    .get_object(&get, &view, "bucket", "object", Read::Whole)
                    .unwrap();
                for chunk in stored.chunks(CHUNK) {
                    plan.body.update(chunk, &mut plain).unwrap();
                }
                plan.body.finish().unwrap();
                black_box(plain.len())
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
