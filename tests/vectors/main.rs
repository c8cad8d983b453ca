//! The `vectors` test target: runs every case of every vector file it covers.
//!
//! The directory comes from `S3CRYPT_VECTORS` (default `../shared/vectors` from the crate
//! root). A missing file, a file with zero cases, an unknown `kind` or any mismatch fails the
//! run. One line per file: `file: N cases checked`.

#[cfg(feature = "cse")]
mod cse_s3ec;
#[cfg(feature = "cse")]
mod cse_tink;
mod dare;
mod keywrap;
mod minio_ssec;
#[cfg(feature = "cse")]
#[path = "../support/moto_kms.rs"]
mod moto_kms;
mod ranges;
mod sealed_keys;
mod sse_headers;
mod util;
mod wycheproof;

use std::process::ExitCode;

type Checker = fn(&util::Vectors) -> util::Outcome;

static SKIPPED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn wycheproof_with(v: &util::Vectors, chacha: bool) -> util::Outcome {
    let mut skipped = 0;
    let out = wycheproof::check(v, chacha, &mut skipped);
    SKIPPED.store(skipped, std::sync::atomic::Ordering::Relaxed);
    out
}

fn skipping(out: util::Outcome, skipped: usize) -> util::Outcome {
    SKIPPED.store(skipped, std::sync::atomic::Ordering::Relaxed);
    out
}

const FILES: &[(&str, Checker)] = &[
    ("sse-headers/requests.json", sse_headers::check),
    ("minio/ssec_headers.json", minio_ssec::check),
    ("minio/dare_v2.json", |v| dare::check(v, false)),
    ("minio/dare_v1.json", |v| dare::check(v, true)),
    ("minio/ranges.json", ranges::check),
    ("minio/sealed_keys.json", sealed_keys::check),
    ("wycheproof/aes_gcm_test.json", |v| {
        wycheproof_with(v, false)
    }),
    ("wycheproof/chacha20_poly1305_test.json", |v| {
        wycheproof_with(v, true)
    }),
    ("wycheproof/aes_wrap_test.json", |v| {
        let mut n = 0;
        let o = keywrap::wycheproof(v, false, &mut n);
        skipping(o, n)
    }),
    ("wycheproof/aes_kwp_test.json", |v| {
        let mut n = 0;
        let o = keywrap::wycheproof(v, true, &mut n);
        skipping(o, n)
    }),
    ("nist/KW_AE_256.txt", |v| keywrap::nist(v, false, false)),
    ("nist/KW_AD_256.txt", |v| keywrap::nist(v, false, true)),
    ("nist/KWP_AE_256.txt", |v| keywrap::nist(v, true, false)),
    ("nist/KWP_AD_256.txt", |v| keywrap::nist(v, true, true)),
    ("rfc/keywrap_rfc.json", |v| {
        let mut n = 0;
        let o = keywrap::rfc(v, &mut n);
        skipping(o, n)
    }),
    ("wycheproof/hkdf_sha256_test.json", |v| {
        keywrap::hkdf_wycheproof(v, false)
    }),
    ("wycheproof/hkdf_sha512_test.json", |v| {
        keywrap::hkdf_wycheproof(v, true)
    }),
    ("rfc/hkdf_rfc5869.json", keywrap::hkdf_rfc),
];

/// The client-side formats' files (feature `cse`, on by default).
#[cfg(feature = "cse")]
const CSE_FILES: &[(&str, Checker)] = &[
    ("cse/s3ec.json", cse_s3ec::check),
    ("cse/tink_streaming.json", cse_tink::check_tink),
    ("cse/s3proxy.json", cse_tink::check_s3proxy),
];
#[cfg(not(feature = "cse"))]
const CSE_FILES: &[(&str, Checker)] = &[];

fn main() -> ExitCode {
    let dir = util::vectors_dir();
    let (mut passed, mut failed) = (0usize, 0usize);
    if CSE_FILES.is_empty() {
        println!("cse/*.json: not checked (built without the `cse` feature)");
    }
    for (file, check) in FILES.iter().chain(CSE_FILES) {
        match util::Vectors::load(&dir, file).and_then(|v| check(&v).into_result(file)) {
            Ok(n) => {
                let skipped = SKIPPED.swap(0, std::sync::atomic::Ordering::Relaxed);
                if skipped > 0 {
                    println!(
                        "{file}: {n} cases checked ({skipped} skipped: a key, IV or tag size the crate does not use)"
                    );
                } else {
                    println!("{file}: {n} cases checked");
                }
                passed += 1;
            }
            Err(msg) => {
                println!("{file}: FAILED\n{msg}");
                failed += 1;
            }
        }
    }
    println!(
        "backend {}: vectors: {passed} passed, {failed} failed",
        s3crypt::__private::BACKEND
    );
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
