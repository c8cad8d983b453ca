//! DARE throughput next to the raw AEAD of the same backend, in the same run.
//!
//! - `raw-seal` / `raw-open`: one AEAD call over the whole buffer, in place (the hardware
//!   limit of the backend; no framing, no copy).
//! - `dare-encrypt` / `dare-decrypt`: `encrypt_buffer` / `decrypt_buffer` between two buffers
//!   (64 KiB packages, headers, tags, nonce per package).
//! - `dare-stream-encrypt` / `dare-stream-decrypt`: the sans-IO `Encryptor` / `Decryptor`
//!   fed 1 MiB chunks into a reused `Vec`; `dare-stream-encrypt-into`: the `Encryptor`
//!   writing into a reused slice with `update_into`/`finish_into`.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use s3crypt::__private::RawAead;
use s3crypt::dare::{self, CipherSuite, DecryptOptions, Decryptor, Encryptor, StreamCipher};
use s3crypt::keys::ObjectKey;
use std::hint::black_box;

const SIZES: [(usize, &str); 3] = [(64 << 10, "64KiB"), (1 << 20, "1MiB"), (64 << 20, "64MiB")];

fn bench(c: &mut Criterion) {
    for (suite, name) in [
        (CipherSuite::Aes256Gcm, "aes-256-gcm"),
        (CipherSuite::ChaCha20Poly1305, "chacha20-poly1305"),
    ] {
        let mut g = c.benchmark_group(format!("dare/{name}"));
        g.sample_size(10);
        let key = ObjectKey::new([0x42; 32]);
        let raw = RawAead::new(suite == CipherSuite::ChaCha20Poly1305, key.expose_secret());
        let cipher = StreamCipher::new(&key, suite);
        let nonce = [7u8; 12];
        for (size, label) in SIZES {
            g.throughput(Throughput::Bytes(size as u64));
            let pt = vec![0x5Au8; size];
            let enc_size = dare::range::encrypted_size(size as u64).unwrap() as usize;
            let mut ct = vec![0u8; enc_size];
            dare::encrypt_buffer(&cipher, &nonce, 0, &pt, &mut ct).unwrap();
            let mut buf = pt.clone();
            let mut out = vec![0u8; size.max(enc_size)];

            g.bench_function(BenchmarkId::new("raw-seal", label), |b| {
                b.iter(|| black_box(raw.seal_in_place(&nonce, b"", &mut buf)))
            });
            let tag = raw.seal_in_place(&nonce, b"", &mut buf).unwrap();
            let sealed = buf.clone();
            g.bench_function(BenchmarkId::new("raw-open", label), |b| {
                b.iter(|| {
                    buf.copy_from_slice(&sealed);
                    assert!(raw.open_in_place(&nonce, b"", &mut buf, &tag));
                })
            });
            g.bench_function(BenchmarkId::new("dare-encrypt", label), |b| {
                b.iter(|| {
                    dare::encrypt_buffer(&cipher, &nonce, 0, black_box(&pt), &mut out).unwrap()
                })
            });
            g.bench_function(BenchmarkId::new("dare-decrypt", label), |b| {
                b.iter(|| {
                    dare::decrypt_buffer(&key, 0, DecryptOptions::new(), black_box(&ct), &mut out)
                        .unwrap()
                })
            });
            let mut v = Vec::with_capacity(enc_size);
            g.bench_function(BenchmarkId::new("dare-stream-encrypt", label), |b| {
                b.iter(|| {
                    v.clear();
                    let mut e = Encryptor::new(&key, suite, nonce, 0);
                    for chunk in pt.chunks(1 << 20) {
                        e.update(chunk, &mut v).unwrap();
                    }
                    e.finish(&mut v).unwrap();
                })
            });
            g.bench_function(BenchmarkId::new("dare-stream-encrypt-into", label), |b| {
                b.iter(|| {
                    let mut e = Encryptor::new(&key, suite, nonce, 0);
                    let mut n = 0;
                    for chunk in pt.chunks(1 << 20) {
                        n += e.update_into(chunk, &mut out[n..]).unwrap();
                    }
                    n + e.finish_into(&mut out[n..]).unwrap()
                })
            });
            g.bench_function(BenchmarkId::new("dare-stream-decrypt", label), |b| {
                b.iter(|| {
                    v.clear();
                    let mut d = Decryptor::new(&key, 0);
                    for chunk in ct.chunks(1 << 20) {
                        d.update(chunk, &mut v).unwrap();
                    }
                    d.finish().unwrap();
                })
            });
        }
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
