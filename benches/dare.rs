//! DARE throughput next to the raw AEAD of the same backend, in the same run.
//!
//! Baselines (`raw-seal` / `raw-open`): one AEAD call over the whole buffer, **out of place**
//! (plaintext buffer → ciphertext buffer and back, as `encrypt_buffer`/`decrypt_buffer` do),
//! no framing and no copy: the backend's limit on this machine.
//!
//! DARE rows (64 KiB packages, header, tag, nonce per package):
//! - `encrypt-buffer` / `decrypt-buffer`: `encrypt_buffer` (which draws its nonce from the
//!   OS) / `decrypt_buffer` (bound to the stored size) between two buffers;
//! - `stream-encrypt-into` / `stream-decrypt-into`: `Encryptor` / `Decryptor` fed 1 MiB chunks,
//!   writing into a reused slice (`update_into`);
//! - `stream-encrypt-into-end`: the same, the last chunk given to `finish_with_into` (the
//!   caller knows where its input ends, so the last package is not copied and held back);
//! - `stream-encrypt-vec` / `stream-decrypt-vec`: the same appending to a reused `Vec`
//!   (`update`);
//! - `encrypt-parallel` / `decrypt-parallel` (feature `rayon`, 64 MiB): the packages of one
//!   buffer on rayon's pool; compare with the `*-buffer` rows for the scaling factor.
//!
//! Print the CPU next to any figure: `grep -m1 'model name' /proc/cpuinfo`.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use s3crypt::__private::RawAead;
use s3crypt::dare::{self, CipherSuite, DecryptOptions, Decryptor, Encryptor};
use s3crypt::keys::ObjectKey;
use std::hint::black_box;
use std::time::Duration;

const SIZES: [(usize, &str); 3] = [(64 << 10, "64KiB"), (1 << 20, "1MiB"), (64 << 20, "64MiB")];
const CHUNK: usize = 1 << 20;

fn bench(c: &mut Criterion) {
    eprintln!("backend: {}", s3crypt::__private::BACKEND);
    for (suite, name) in [
        (CipherSuite::Aes256Gcm, "aes-256-gcm"),
        (CipherSuite::ChaCha20Poly1305, "chacha20-poly1305"),
    ] {
        let mut g = c.benchmark_group(format!("dare/{name}"));
        g.sample_size(20)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(4));
        let key = ObjectKey::new([0x42; 32]);
        let raw = RawAead::new(suite == CipherSuite::ChaCha20Poly1305, key.expose_secret());
        let nonce = [7u8; 12];
        for (size, label) in SIZES {
            g.throughput(Throughput::Bytes(size as u64));
            let pt = vec![0x5Au8; size];
            let enc_size = dare::range::encrypted_size(size as u64).unwrap() as usize;
            let mut ct = vec![0u8; enc_size];
            dare::encrypt_buffer(&key, suite, &pt, &mut ct).unwrap();
            let opts = DecryptOptions::new().stored_size(enc_size as u64);
            // Output buffers touched once before measuring (no page faults in any row).
            let mut out = vec![1u8; enc_size];
            let mut raw_ct = vec![1u8; size];
            let mut raw_pt = vec![1u8; size];

            g.bench_function(BenchmarkId::new("raw-seal", label), |b| {
                b.iter(|| black_box(raw.seal(&nonce, b"", black_box(&pt), &mut raw_ct)))
            });
            let tag = raw.seal(&nonce, b"", &pt, &mut raw_ct).unwrap();
            g.bench_function(BenchmarkId::new("raw-open", label), |b| {
                b.iter(|| assert!(raw.open(&nonce, b"", black_box(&raw_ct), &mut raw_pt, &tag)))
            });
            g.bench_function(BenchmarkId::new("encrypt-buffer", label), |b| {
                b.iter(|| dare::encrypt_buffer(&key, suite, black_box(&pt), &mut out).unwrap())
            });
            g.bench_function(BenchmarkId::new("decrypt-buffer", label), |b| {
                b.iter(|| dare::decrypt_buffer(&key, opts, black_box(&ct), &mut out).unwrap())
            });
            g.bench_function(BenchmarkId::new("stream-encrypt-into", label), |b| {
                b.iter(|| {
                    let mut e = Encryptor::new(&key, suite).unwrap();
                    let mut n = 0;
                    for chunk in pt.chunks(CHUNK) {
                        n += e.update_into(chunk, &mut out[n..]).unwrap();
                    }
                    n + e.finish_into(&mut out[n..]).unwrap()
                })
            });
            g.bench_function(BenchmarkId::new("stream-encrypt-into-end", label), |b| {
                b.iter(|| {
                    let mut e = Encryptor::new(&key, suite).unwrap();
                    let mut n = 0;
                    let mut chunks = pt.chunks(CHUNK).peekable();
                    while let Some(chunk) = chunks.next() {
                        if chunks.peek().is_none() {
                            return n + e.finish_with_into(chunk, &mut out[n..]).unwrap();
                        }
                        n += e.update_into(chunk, &mut out[n..]).unwrap();
                    }
                    n
                })
            });
            g.bench_function(BenchmarkId::new("stream-decrypt-into", label), |b| {
                b.iter(|| {
                    let mut d = Decryptor::new(&key, opts);
                    let mut n = 0;
                    for chunk in ct.chunks(CHUNK) {
                        n += d.update_into(chunk, &mut out[n..]).unwrap();
                    }
                    d.finish().unwrap();
                    n
                })
            });
            let mut v = Vec::with_capacity(enc_size);
            v.resize(enc_size, 1);
            g.bench_function(BenchmarkId::new("stream-encrypt-vec", label), |b| {
                b.iter(|| {
                    v.clear();
                    let mut e = Encryptor::new(&key, suite).unwrap();
                    for chunk in pt.chunks(CHUNK) {
                        e.update(chunk, &mut v).unwrap();
                    }
                    e.finish(&mut v).unwrap();
                })
            });
            g.bench_function(BenchmarkId::new("stream-decrypt-vec", label), |b| {
                b.iter(|| {
                    v.clear();
                    let mut d = Decryptor::new(&key, opts);
                    for chunk in ct.chunks(CHUNK) {
                        d.update(chunk, &mut v).unwrap();
                    }
                    d.finish().unwrap();
                })
            });
            #[cfg(feature = "rayon")]
            if size == 64 << 20 {
                g.bench_function(BenchmarkId::new("encrypt-parallel", label), |b| {
                    b.iter(|| {
                        dare::encrypt_buffer_parallel(&key, suite, black_box(&pt), &mut out)
                            .unwrap()
                    })
                });
                g.bench_function(BenchmarkId::new("decrypt-parallel", label), |b| {
                    b.iter(|| {
                        dare::decrypt_buffer_parallel(&key, opts, black_box(&ct), &mut out).unwrap()
                    })
                });
            }
        }
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
