//! Arbitrary metadata maps into the SSE metadata decoder: never panics; whatever decodes
//! re-encodes to entries that decode to the same value.
//!
//! Input: entries separated by `\n`, key and value by the first `=`. Key shorthands
//! `A`..`H` expand to MinIO's SSE entry names so the fuzzer reaches the deep checks.
#![no_main]

use libfuzzer_sys::fuzz_target;
use s3crypt::sse::metadata::EncryptionMetadata;

const NAMES: [&str; 9] = [
    "X-Minio-Internal-Server-Side-Encryption-Seal-Algorithm",
    "X-Minio-Internal-Server-Side-Encryption-Iv",
    "X-Minio-Internal-Server-Side-Encryption-Sealed-Key",
    "X-Minio-Internal-Server-Side-Encryption-S3-Sealed-Key",
    "X-Minio-Internal-Server-Side-Encryption-Kms-Sealed-Key",
    "X-Minio-Internal-Server-Side-Encryption-S3-Kms-Key-Id",
    "X-Minio-Internal-Server-Side-Encryption-S3-Kms-Sealed-Key",
    "X-Minio-Internal-Server-Side-Encryption-Context",
    "X-Minio-Internal-Encrypted-Multipart",
];

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let entries: Vec<(String, String)> = text
        .split('\n')
        .map(|line| {
            let (k, v) = line.split_once('=').unwrap_or((line, ""));
            let k = match k.as_bytes() {
                [c @ b'A'..=b'I'] => NAMES[usize::from(c - b'A')].to_string(),
                _ => k.to_string(),
            };
            (k, v.to_string())
        })
        .collect();
    let r = EncryptionMetadata::from_minio(entries.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    if let Ok(Some(m)) = r {
        let again = m.to_minio();
        let back =
            EncryptionMetadata::from_minio(again.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        assert_eq!(back, Ok(Some(m)));
    }
});
