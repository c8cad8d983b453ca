//! Object-key sealing and metadata, next to a baseline of the bare primitives in the same run.
//!
//! - `baseline/hmac+aes-gcm`: one HMAC-SHA-256 (the KEK) and one AES-256-GCM seal of 32 bytes
//!   through the backend (the least a seal can cost), and the same with an open.
//! - `seal` / `unseal`: `SealedKey::seal_with` / `unseal` (KEK derivation with path cleaning,
//!   a DARE package, checks).
//! - `metadata/encode` / `metadata/decode`: an SSE-KMS object's metadata to MinIO's entries
//!   and back (base64, strict checks, context JSON).
//! - `object/put-sse-c` + `object/get-sse-c`: the whole key part of a PUT and a GET.

use criterion::{Criterion, criterion_group, criterion_main};
use s3crypt::__private::RawAead;
use s3crypt::dare::CipherSuite;
use s3crypt::keys::{CustomerKey, DataKey, ObjectKey};
use s3crypt::kms::{Context, GeneratedKey};
use s3crypt::sse::metadata::EncryptionMetadata;
use s3crypt::sse::object::{self, KeySource, PutRandom};
use s3crypt::sse::{Domain, SealedKey, UnsealOptions};
use std::hint::black_box;

fn random() -> PutRandom {
    PutRandom {
        object_key_seed: [1; 32],
        iv: [2; 32],
        seal_nonce: [3; 12],
        suite: CipherSuite::Aes256Gcm,
    }
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("sse");
    let ext = CustomerKey::new([7; 32]);
    let oek = ObjectKey::new([8; 32]);
    let (bucket, object) = ("mybucket", "photos/2024/cat.jpg");
    // The baseline's KEK: the bare HMAC a seal computes (IV, domain, algorithm, path).
    let kek = || {
        s3crypt::__private::hmac_sha256(
            ext.expose_secret(),
            &[
                &[2u8; 32],
                b"SSE-C",
                b"DAREv2-HMAC-SHA256",
                b"mybucket/photos/2024/cat.jpg",
            ],
        )
    };

    g.bench_function("baseline/hmac+aes-gcm-seal", |b| {
        b.iter(|| {
            let aead = RawAead::new(false, &kek());
            let mut buf = *oek.expose_secret();
            black_box(aead.seal_in_place(&[3; 12], &[0x20, 0, 0x1f, 0], &mut buf))
        })
    });
    let sealed = SealedKey::seal_with(
        &oek,
        &ext,
        [2; 32],
        Domain::SseC,
        bucket,
        object,
        CipherSuite::Aes256Gcm,
        [3; 12],
    )
    .unwrap();
    g.bench_function("baseline/hmac+aes-gcm-open", |b| {
        let aead = RawAead::new(false, &kek());
        let mut buf = *oek.expose_secret();
        let tag = aead
            .seal_in_place(&[3; 12], &[0x20, 0, 0x1f, 0], &mut buf)
            .unwrap();
        b.iter(|| {
            let aead = RawAead::new(false, &kek());
            let mut b2 = buf;
            black_box(aead.open_in_place(&[3; 12], &[0x20, 0, 0x1f, 0], &mut b2, &tag))
        })
    });
    g.bench_function("seal", |b| {
        b.iter(|| {
            black_box(SealedKey::seal_with(
                &oek,
                &ext,
                [2; 32],
                Domain::SseC,
                bucket,
                object,
                CipherSuite::Aes256Gcm,
                [3; 12],
            ))
        })
    });
    g.bench_function("unseal", |b| {
        b.iter(|| {
            black_box(
                sealed
                    .unseal(&ext, Domain::SseC, bucket, object, UnsealOptions::new())
                    .unwrap(),
            )
        })
    });

    let ctx: Context = [("department", "billing"), ("app", "gallery")]
        .into_iter()
        .collect();
    let put = object::put_with_data_key(
        Domain::SseKms,
        GeneratedKey {
            key_id: "app-key".into(),
            plaintext: DataKey::new([5; 32]),
            ciphertext: vec![9; 76],
        },
        Some(ctx),
        bucket,
        object,
        random(),
    )
    .unwrap();
    let stored = put.metadata.to_minio();
    g.bench_function("metadata/encode", |b| {
        b.iter(|| black_box(put.metadata.to_minio()))
    });
    g.bench_function("metadata/decode", |b| {
        b.iter(|| {
            black_box(
                EncryptionMetadata::from_minio(
                    stored.iter().map(|(k, v)| (k.as_str(), v.as_str())),
                )
                .unwrap(),
            )
        })
    });
    g.bench_function("object/put-sse-c", |b| {
        b.iter(|| {
            black_box(
                object::put_sse_c(&ext, bucket, object, random())
                    .unwrap()
                    .metadata
                    .to_minio(),
            )
        })
    });
    let put_c = object::put_sse_c(&ext, bucket, object, random())
        .unwrap()
        .metadata
        .to_minio();
    g.bench_function("object/get-sse-c", |b| {
        b.iter(|| {
            let m =
                EncryptionMetadata::from_minio(put_c.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                    .unwrap()
                    .unwrap();
            black_box(
                object::object_key(
                    &m,
                    KeySource::Customer(&ext),
                    bucket,
                    object,
                    UnsealOptions::new(),
                )
                .unwrap(),
            )
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
