//! The `vectors` test target: runs every case of every vector file it covers.
//!
//! The directory comes from `S3CRYPT_VECTORS` (default `../shared/vectors` from the crate
//! root). A missing file, a file with zero cases, an unknown `kind` or any mismatch fails the
//! run. One line per file: `file: N cases checked`.

mod minio_ssec;
mod sse_headers;
mod util;

use std::process::ExitCode;

type Checker = fn(&util::Vectors) -> util::Outcome;

const FILES: &[(&str, Checker)] = &[
    ("sse-headers/requests.json", sse_headers::check),
    ("minio/ssec_headers.json", minio_ssec::check),
];

fn main() -> ExitCode {
    let dir = util::vectors_dir();
    let (mut passed, mut failed) = (0usize, 0usize);
    for (file, check) in FILES {
        match util::Vectors::load(&dir, file).and_then(|v| check(&v).into_result(file)) {
            Ok(n) => {
                println!("{file}: {n} cases checked");
                passed += 1;
            }
            Err(msg) => {
                println!("{file}: FAILED\n{msg}");
                failed += 1;
            }
        }
    }
    println!("vectors: {passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
