//! DARE next to the raw AEAD of the same backend, measured **interleaved**: the ratio that
//! decides whether DARE costs more than the AEAD it wraps.
//!
//! Criterion (`benches/dare.rs`) measures each row for seconds, one row after the other; on a
//! shared VM the machine's speed drifts by ±25 % between rows, so two rows' ratio carries
//! that drift. Here every round times a burst of baseline calls and a burst of DARE calls
//! back to back (order alternating: base-DARE, DARE-base), about 2 ms each, and the ratio of
//! the two is one sample; the table gives the median of 40–300 such samples per row and
//! their interquartile range. Throughput ratio: > 1 means DARE is faster than the baseline.
//!
//! Baselines (both out of place, no framing, no copy, keyed once, fixed nonce):
//! `raw seal` for the encrypting rows, `raw open` for the decrypting ones. The row
//! `raw seal, keyed per object` keys a fresh AEAD and draws a 12-byte nonce from the OS per
//! call, as any format must for an object with its own key: the floor under DARE's
//! per-object rows at small sizes.
//!
//! `cargo bench --bench dare_paired [-- FILTER]` (FILTER: a substring of `suite/row/size`);
//! `--no-default-features --features rayon` for RustCrypto.

use s3crypt::__private::RawAead;
use s3crypt::dare::{self, CipherSuite, DecryptOptions, Decryptor, Encryptor};
use s3crypt::keys::ObjectKey;
use std::hint::black_box;
use std::time::{Duration, Instant};

const SIZES: [(usize, &str); 3] = [(64 << 10, "64KiB"), (1 << 20, "1MiB"), (64 << 20, "64MiB")];
const CHUNK: usize = 1 << 20;
/// Target length of one burst.
const BURST: Duration = Duration::from_millis(2);
/// Target time per row (both sides).
const ROW: Duration = Duration::from_millis(1500);

/// Times `n` calls of `f`.
fn burst(f: &mut dyn FnMut(), n: u32) -> Duration {
    let t = Instant::now();
    for _ in 0..n {
        f();
    }
    t.elapsed()
}

struct Sample {
    /// Median, first and third quartile of baseline time / candidate time.
    ratio: [f64; 3],
    /// Median throughput of the candidate, GiB/s.
    gibs: f64,
    /// Median throughput of the baseline, GiB/s.
    base_gibs: f64,
}

fn quartiles(mut v: Vec<f64>) -> [f64; 3] {
    v.sort_by(f64::total_cmp);
    let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    [at(0.5), at(0.25), at(0.75)]
}

/// Interleaved bursts of `base` and `cand`, each call processing `bytes` bytes.
fn paired(bytes: usize, base: &mut dyn FnMut(), cand: &mut dyn FnMut()) -> Sample {
    // Warm up both (page faults, caches, lazy init), then size the bursts.
    burst(base, 3);
    burst(cand, 3);
    let once = burst(base, 3) / 3;
    let n = (BURST.as_nanos() / once.as_nanos().max(1)).clamp(1, 100_000) as u32;
    let rounds = (ROW.as_nanos() / (2 * once.as_nanos().max(1) * u128::from(n))).clamp(40, 300);
    let (mut ratios, mut tb, mut tc) = (Vec::new(), Vec::new(), Vec::new());
    for r in 0..rounds {
        let (b, c) = if r % 2 == 0 {
            let b = burst(base, n);
            (b, burst(cand, n))
        } else {
            let c = burst(cand, n);
            (burst(base, n), c)
        };
        ratios.push(b.as_secs_f64() / c.as_secs_f64());
        let per = |d: Duration| bytes as f64 * f64::from(n) / d.as_secs_f64() / (1u64 << 30) as f64;
        tb.push(per(b));
        tc.push(per(c));
    }
    Sample {
        ratio: quartiles(ratios),
        gibs: quartiles(tc)[0],
        base_gibs: quartiles(tb)[0],
    }
}

fn main() {
    let filter = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .unwrap_or_default();
    let cpu = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpu
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .unwrap_or("?")
        .trim()
        .to_string();
    let flags: Vec<&str> = cpu
        .lines()
        .find(|l| l.starts_with("flags"))
        .map(|l| l.split_whitespace().collect())
        .unwrap_or_default();
    let has: Vec<&str> = ["aes", "pclmulqdq", "avx2", "vaes", "vpclmulqdq", "avx512f"]
        .into_iter()
        .filter(|f| flags.contains(f))
        .collect();
    println!(
        "CPU: {model} ({} cores; {}); backend {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        has.join(", "),
        s3crypt::__private::BACKEND
    );
    println!("ratio = baseline time / DARE time over interleaved ~2 ms bursts: median [quartiles]");

    for (suite, name) in [
        (CipherSuite::Aes256Gcm, "aes-256-gcm"),
        (CipherSuite::ChaCha20Poly1305, "chacha20-poly1305"),
    ] {
        println!(
            "\n| {name}, {} | 64KiB | 1MiB | 64MiB |",
            s3crypt::__private::BACKEND
        );
        println!("|---|---|---|---|");
        let chacha = suite == CipherSuite::ChaCha20Poly1305;
        let key = ObjectKey::new([0x42; 32]);
        let raw = RawAead::new(chacha, key.expose_secret());
        let nonce = [7u8; 12];
        let mut rows: Vec<(&str, Vec<String>)> = Vec::new();
        let mut put = |row: &'static str, s: Option<Sample>| {
            let cell = match s {
                None => String::new(),
                Some(s) => format!(
                    "{:.2}× [{:.2}–{:.2}] ({:.2} vs {:.2} GiB/s)",
                    s.ratio[0], s.ratio[1], s.ratio[2], s.gibs, s.base_gibs
                ),
            };
            match rows.iter_mut().find(|(r, _)| *r == row) {
                Some((_, cells)) => cells.push(cell),
                None => rows.push((row, vec![cell])),
            }
        };
        for (size, label) in SIZES {
            let pt = vec![0x5Au8; size];
            let enc_size = dare::range::encrypted_size(size as u64).unwrap() as usize;
            let mut ct = vec![0u8; enc_size];
            dare::encrypt_buffer(&key, suite, &pt, &mut ct).unwrap();
            let opts = DecryptOptions::new().stored_size(enc_size as u64);
            let mut out = vec![1u8; enc_size];
            let mut raw_ct = vec![1u8; size];
            let mut raw_pt = vec![1u8; size];
            let tag = raw.seal(&nonce, b"", &pt, &mut raw_ct).unwrap();
            let raw_ct2 = raw_ct.clone();
            let mut v: Vec<u8> = Vec::with_capacity(enc_size);
            let want = |row: &str| format!("{name}/{row}/{label}").contains(&filter);
            let mut base_seal = || {
                black_box(raw.seal(&nonce, b"", black_box(&pt), &mut raw_ct).unwrap());
            };
            macro_rules! row {
                ($base:expr, $row:literal, $title:literal, $body:expr) => {
                    let s = want($row).then(|| {
                        paired(size, &mut $base, &mut || {
                            black_box($body);
                        })
                    });
                    put($title, s);
                };
            }
            macro_rules! enc_row {
                ($row:literal, $title:literal, $body:expr) => {
                    row!(base_seal, $row, $title, $body);
                };
            }
            enc_row!(
                "raw-seal-per-object",
                "raw seal, keyed per object (OS nonce)",
                {
                    let k = RawAead::new(chacha, key.expose_secret());
                    let n = s3crypt::__private::os_nonce();
                    k.seal(&n, b"", black_box(&pt), &mut out[..size]).unwrap()
                }
            );
            enc_row!("encrypt-buffer", "`encrypt_buffer`", {
                dare::encrypt_buffer(&key, suite, black_box(&pt), &mut out).unwrap()
            });
            enc_row!("stream-encrypt-into", "`Encryptor` into a slice", {
                let mut e = Encryptor::new(&key, suite).unwrap();
                let mut n = 0;
                for chunk in pt.chunks(CHUNK) {
                    n += e.update_into(chunk, &mut out[n..]).unwrap();
                }
                n + e.finish_into(&mut out[n..]).unwrap()
            });
            enc_row!(
                "stream-encrypt-into-end",
                "`Encryptor` into a slice, `finish_with_into`",
                {
                    let mut e = Encryptor::new(&key, suite).unwrap();
                    let mut n = 0;
                    let last = (pt.len() - 1) / CHUNK * CHUNK;
                    for chunk in pt[..last].chunks(CHUNK) {
                        n += e.update_into(chunk, &mut out[n..]).unwrap();
                    }
                    n + e.finish_with_into(&pt[last..], &mut out[n..]).unwrap()
                }
            );
            enc_row!("stream-encrypt-vec", "`Encryptor` into a `Vec`", {
                v.clear();
                let mut e = Encryptor::new(&key, suite).unwrap();
                for chunk in pt.chunks(CHUNK) {
                    e.update(chunk, &mut v).unwrap();
                }
                e.finish(&mut v).unwrap()
            });
            // The same zero-fill any safe `Vec` output pays, without DARE: the baseline the
            // `Vec` rows are also compared with.
            let mut bv: Vec<u8> = Vec::with_capacity(size);
            let seal_vec = |bv: &mut Vec<u8>| {
                bv.clear();
                bv.resize(size, 0);
                black_box(raw.seal(&nonce, b"", black_box(&pt), bv).unwrap());
            };
            enc_row!(
                "raw-seal-vec",
                "raw seal into a `Vec` (zero-fill, then seal)",
                { seal_vec(&mut bv) }
            );
            let mut base_seal_vec = || seal_vec(&mut bv);
            row!(
                base_seal_vec,
                "stream-encrypt-vec",
                "`Encryptor` into a `Vec` / raw seal into a `Vec`",
                {
                    v.clear();
                    let mut e = Encryptor::new(&key, suite).unwrap();
                    for chunk in pt.chunks(CHUNK) {
                        e.update(chunk, &mut v).unwrap();
                    }
                    e.finish(&mut v).unwrap()
                }
            );
            #[cfg(feature = "rayon")]
            {
                use rayon::prelude::*;
                let per = size.div_ceil(rayon::current_num_threads());
                let mut cores_ct = vec![1u8; size];
                let seal_cores = |o: &mut [u8]| {
                    pt.par_chunks(per)
                        .zip(o.par_chunks_mut(per))
                        .for_each(|(p, o)| {
                            black_box(raw.seal(&nonce, b"", p, o).unwrap());
                        });
                };
                if size != 64 << 20 {
                    put("raw seal on all cores (one share per core, rayon)", None);
                    put("`encrypt_buffer_parallel`", None);
                    put("`encrypt_buffer_parallel` / raw seal on all cores", None);
                } else {
                    enc_row!(
                        "raw-seal-cores",
                        "raw seal on all cores (one share per core, rayon)",
                        seal_cores(&mut cores_ct)
                    );
                    enc_row!("encrypt-parallel", "`encrypt_buffer_parallel`", {
                        dare::encrypt_buffer_parallel(&key, suite, black_box(&pt), &mut out)
                            .unwrap()
                    });
                    let mut base_cores = || seal_cores(&mut cores_ct);
                    row!(
                        base_cores,
                        "encrypt-parallel",
                        "`encrypt_buffer_parallel` / raw seal on all cores",
                        dare::encrypt_buffer_parallel(&key, suite, black_box(&pt), &mut out)
                            .unwrap()
                    );
                }
            }
            let mut base_open = || {
                assert!(raw.open(&nonce, b"", black_box(&raw_ct2), &mut raw_pt, &tag));
            };
            macro_rules! dec_row {
                ($row:literal, $title:literal, $body:expr) => {
                    row!(base_open, $row, $title, $body);
                };
            }
            dec_row!("decrypt-buffer", "`decrypt_buffer`", {
                dare::decrypt_buffer(&key, opts, black_box(&ct), &mut out).unwrap()
            });
            dec_row!("stream-decrypt-into", "`Decryptor` into a slice", {
                let mut d = Decryptor::new(&key, opts);
                let mut n = 0;
                for chunk in ct.chunks(CHUNK) {
                    n += d.update_into(chunk, &mut out[n..]).unwrap();
                }
                d.finish().unwrap();
                n
            });
            dec_row!("stream-decrypt-vec", "`Decryptor` into a `Vec`", {
                v.clear();
                let mut d = Decryptor::new(&key, opts);
                for chunk in ct.chunks(CHUNK) {
                    d.update(chunk, &mut v).unwrap();
                }
                d.finish().unwrap()
            });
            let open_vec = |bv: &mut Vec<u8>| {
                bv.clear();
                bv.resize(size, 0);
                assert!(raw.open(&nonce, b"", black_box(&raw_ct2), bv, &tag));
            };
            dec_row!(
                "raw-open-vec",
                "raw open into a `Vec` (zero-fill, then open)",
                { open_vec(&mut bv) }
            );
            let mut base_open_vec = || open_vec(&mut bv);
            row!(
                base_open_vec,
                "stream-decrypt-vec",
                "`Decryptor` into a `Vec` / raw open into a `Vec`",
                {
                    v.clear();
                    let mut d = Decryptor::new(&key, opts);
                    for chunk in ct.chunks(CHUNK) {
                        d.update(chunk, &mut v).unwrap();
                    }
                    d.finish().unwrap()
                }
            );
            #[cfg(feature = "rayon")]
            {
                use rayon::prelude::*;
                let per = size.div_ceil(rayon::current_num_threads());
                let mut cores_pt = vec![1u8; size];
                // One tag per share, as sealed by `raw-seal-cores`.
                let tags: Vec<[u8; 16]> = pt
                    .chunks(per)
                    .zip(cores_pt.chunks_mut(per))
                    .map(|(p, o)| raw.seal(&nonce, b"", p, o).unwrap())
                    .collect();
                let cores_ct = cores_pt.clone();
                let open_cores = |o: &mut [u8]| {
                    cores_ct
                        .par_chunks(per)
                        .zip(o.par_chunks_mut(per))
                        .zip(tags.par_iter())
                        .for_each(|((c, o), t)| assert!(raw.open(&nonce, b"", c, o, t)));
                };
                if size != 64 << 20 {
                    put("raw open on all cores (one share per core, rayon)", None);
                    put("`decrypt_buffer_parallel`", None);
                    put("`decrypt_buffer_parallel` / raw open on all cores", None);
                } else {
                    dec_row!(
                        "raw-open-cores",
                        "raw open on all cores (one share per core, rayon)",
                        open_cores(&mut cores_pt)
                    );
                    dec_row!("decrypt-parallel", "`decrypt_buffer_parallel`", {
                        dare::decrypt_buffer_parallel(&key, opts, black_box(&ct), &mut out).unwrap()
                    });
                    let mut base_cores = || open_cores(&mut cores_pt);
                    row!(
                        base_cores,
                        "decrypt-parallel",
                        "`decrypt_buffer_parallel` / raw open on all cores",
                        dare::decrypt_buffer_parallel(&key, opts, black_box(&ct), &mut out)
                            .unwrap()
                    );
                }
            }
        }
        for (row, cells) in rows {
            if cells.iter().all(String::is_empty) {
                continue;
            }
            println!("| {row} | {} |", cells.join(" | "));
        }
    }
}
