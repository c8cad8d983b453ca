//! Arbitrary metadata names and values into every function that reads an object's metadata,
//! in every layout: MinIO's internal entries, the kit's user-metadata codec (default and
//! other prefixes), S3EC on the object and in an instruction file, s3proxy's wrapped DEK,
//! and the sensitive-entry filter. Never panics, whatever the names hold (multi-byte
//! characters across a prefix's end, case variants, empty names).
//!
//! Input: entries separated by `\n`, name and value by the first `=`. A name that starts
//! with a digit 0-9 has it replaced by one of the prefixes these layouts use, cut at that
//! many bytes from the end, so the fuzzer reaches the prefix boundaries.
#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use s3crypt::cse::{s3ec::ContentMetadata, s3proxy};
use s3crypt::sse::metadata::{EncryptionMetadata, remove_sensitive_entries};
use s3crypt::sse::object::{MetadataCodec, MinioCodec, UserMetadataCodec};

const PREFIXES: [&str; 5] = [
    "x-amz-meta-",
    "X-Minio-Internal-Server-Side-Encryption-",
    "x-amz-meta-s3crypt-",
    "x-amz-meta-constellation-dek",
    "x-amz-meta-x-amz-key-v2",
];

fn expand(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(c @ '0'..='9') => {
            let d = c as usize - '0' as usize;
            let p = PREFIXES[d % PREFIXES.len()];
            // Keep the prefix, then drop `d / 5` of its last bytes where that is a boundary
            // (all prefixes are ASCII), then the rest of the name.
            let keep = p.len() - (d / PREFIXES.len()).min(p.len());
            format!("{}{}", &p[..keep], chars.as_str())
        }
        _ => name.to_owned(),
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let entries: Vec<(String, String)> = text
        .split('\n')
        .map(|line| {
            let (k, v) = line.split_once('=').unwrap_or((line, ""));
            (expand(k), v.to_owned())
        })
        .collect();
    let pairs = || entries.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    let map: BTreeMap<String, String> = entries.iter().cloned().collect();

    let _ = s3proxy::wrapped_dek(pairs());
    let _ = ContentMetadata::from_object(pairs());
    let _ = ContentMetadata::from_instruction_file(pairs(), br#"{"x-amz-key-v2":"AA=="}"#);
    let _ = EncryptionMetadata::from_minio(pairs());
    for prefix in ["x-amz-meta-s3crypt-", "", "\u{e9}", "x-amz-meta-\u{e9}-"] {
        let _ = EncryptionMetadata::from_prefixed(prefix, pairs());
    }
    let codecs: [&dyn MetadataCodec; 3] = [
        &MinioCodec,
        &UserMetadataCodec::new(),
        &UserMetadataCodec::with_prefix("x-amz-meta-\u{c9}t\u{e9}-"),
    ];
    for codec in codecs {
        if let Ok(Some(m)) = codec.decode(&map) {
            // What decodes re-encodes to entries that decode alike.
            assert_eq!(codec.decode(&codec.encode(&m)), Ok(Some(m)));
        }
        for k in map.keys() {
            let _ = codec.owns(k);
        }
    }
    let mut m = map.clone();
    remove_sensitive_entries(&mut m);
});
