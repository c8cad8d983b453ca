//! The client-side formats against the raw AEAD of the same backend, in one run (both out of
//! place into a buffer allocated once, as the baseline):
//!
//! - `raw-seal` / `raw-open`: AES-256-GCM of the whole buffer (the baseline);
//! - `s3ec-v3-encrypt` / `s3ec-v3-decrypt`: `s3ec::encrypt_into` / `decrypt_into` with a raw
//!   AES keyring (AES/GCM wrap, HKDF-SHA512 key derivation, commitment, one GCM message);
//! - `tink-1mb-encrypt` / `tink-1mb-decrypt`: `tink::encrypt_into` / `decrypt_into`,
//!   AES256_GCM_HKDF_1MB (1 MiB segments);
//! - `tink-4kb-encrypt` / `tink-4kb-decrypt`: the same with 4 KB segments (for information:
//!   a segment per 4 KB costs a GCM setup each).
//!
//! `cargo bench --bench cse && python3 benches/report.py cse`

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use s3crypt::__private::RawAead;
use s3crypt::cse::s3ec::{self, Keyring, ReadOptions, WriteOptions};
use s3crypt::cse::tink::{self, StreamingKey, Template};
use s3crypt::keys::WrappingKey;

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("cse");
    g.sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    let raw = RawAead::new(false, &[7; 32]);
    let kek = WrappingKey::new([8; 32]);
    let keyring = Keyring::aes(&kek);
    let read = ReadOptions::default();
    let t1m = StreamingKey::from_template(Template::Aes256GcmHkdf1Mb, &[9; 32]).unwrap();
    let t4k = StreamingKey::from_template(Template::Aes256GcmHkdf4Kb, &[9; 32]).unwrap();
    for (label, size) in [("1MiB", 1usize << 20), ("64MiB", 64 << 20)] {
        let pt = vec![0x5au8; size];
        let mut ct = vec![0u8; size + 16];
        let mut back = vec![0u8; size];
        g.throughput(Throughput::Bytes(size as u64));

        g.bench_function(BenchmarkId::new("raw-seal", label), |b| {
            b.iter(|| {
                let (body, tag) = ct.split_at_mut(size);
                let t = raw.seal(&[1; 12], b"", black_box(&pt), body).unwrap();
                tag.copy_from_slice(&t);
            })
        });
        let sealed = ct.clone();
        let tag: [u8; 16] = sealed[size..].try_into().unwrap();
        g.bench_function(BenchmarkId::new("raw-open", label), |b| {
            b.iter(|| assert!(raw.open(&[1; 12], b"", black_box(&sealed[..size]), &mut back, &tag)))
        });

        g.bench_function(BenchmarkId::new("s3ec-v3-encrypt", label), |b| {
            b.iter(|| {
                s3ec::encrypt_into(&keyring, &WriteOptions::v3(), black_box(&pt), &mut ct).unwrap()
            })
        });
        let md = s3ec::encrypt_into(&keyring, &WriteOptions::v3(), &pt, &mut ct).unwrap();
        let body = ct.clone();
        g.bench_function(BenchmarkId::new("s3ec-v3-decrypt", label), |b| {
            b.iter(|| {
                s3ec::decrypt_into(&md, &keyring, &read, black_box(&body), &mut back).unwrap()
            })
        });
        s3ec::decrypt_into(&md, &keyring, &read, &body, &mut back).unwrap();
        assert!(back == pt, "s3ec round trip");

        for (name, key) in [("tink-1mb", &t1m), ("tink-4kb", &t4k)] {
            let n = key.ciphertext_len(size as u64).unwrap() as usize;
            let mut tct = vec![0u8; n];
            tink::encrypt_into(key, b"s3://b/k", &pt, &mut tct).unwrap();
            g.bench_function(BenchmarkId::new(format!("{name}-encrypt"), label), |b| {
                b.iter(|| tink::encrypt_into(key, b"s3://b/k", black_box(&pt), &mut tct).unwrap())
            });
            g.bench_function(BenchmarkId::new(format!("{name}-decrypt"), label), |b| {
                b.iter(|| tink::decrypt_into(key, b"s3://b/k", black_box(&tct), &mut back).unwrap())
            });
            tink::decrypt_into(key, b"s3://b/k", &tct, &mut back).unwrap();
            assert!(back == pt, "tink round trip");
        }
    }
    g.finish();

    // The fixed cost per object (an empty plaintext): key generation, wrap, derivation.
    let mut g = c.benchmark_group("cse_fixed");
    g.sample_size(50)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    let mut out = [0u8; 16];
    g.bench_function("s3ec-v3-encrypt-empty", |b| {
        b.iter(|| s3ec::encrypt_into(&keyring, &WriteOptions::v3(), b"", &mut out).unwrap())
    });
    let md = s3ec::encrypt_into(&keyring, &WriteOptions::v3(), b"", &mut out).unwrap();
    let mut none = [0u8; 0];
    g.bench_function("s3ec-v3-decrypt-empty", |b| {
        b.iter(|| s3ec::decrypt_into(&md, &keyring, &read, black_box(&out), &mut none).unwrap())
    });
    let mut tout = [0u8; 56];
    tink::encrypt_into(&t1m, b"", b"", &mut tout).unwrap();
    g.bench_function("tink-encrypt-empty", |b| {
        b.iter(|| tink::encrypt_into(&t1m, b"", b"", &mut tout).unwrap())
    });
    g.bench_function("tink-decrypt-empty", |b| {
        b.iter(|| tink::decrypt_into(&t1m, b"", black_box(&tout), &mut none).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
