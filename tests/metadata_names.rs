//! Every function that reads an object's metadata takes any names without panicking:
//! multi-byte characters across the end of a prefix, case variants, empty names. Names come
//! from storage (or a client), so a panic here is a denial of service on one request.

use std::collections::BTreeMap;

use proptest::prelude::*;
use s3crypt::sse::metadata::{EncryptionMetadata, remove_sensitive_entries};
use s3crypt::sse::object::{MetadataCodec, MinioCodec, UserMetadataCodec};

const PREFIXES: [&str; 5] = [
    "x-amz-meta-",
    "X-Minio-Internal-Server-Side-Encryption-",
    "x-amz-meta-s3crypt-",
    "x-amz-meta-constellation-dek",
    "x-amz-meta-x-amz-key-v2",
];

/// Reads `entries` through every reader, in every layout.
fn read_all(entries: &[(String, String)]) {
    let pairs = || entries.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    let map: BTreeMap<String, String> = entries.iter().cloned().collect();
    #[cfg(feature = "cse")]
    {
        use s3crypt::cse::{s3ec::ContentMetadata, s3proxy};
        let _ = s3proxy::wrapped_dek(pairs());
        let _ = ContentMetadata::from_object(pairs());
        let _ = ContentMetadata::from_instruction_file(pairs(), br#"{"x-amz-key-v2":"AA=="}"#);
    }
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
        let _ = codec.decode(&map);
        for k in map.keys() {
            let _ = codec.owns(k);
        }
    }
    let mut m = map;
    remove_sensitive_entries(&mut m);
}

/// Each prefix cut at every byte, then a multi-byte character, so a character straddles
/// every position a reader might slice at.
#[test]
fn a_multibyte_character_across_any_prefix_boundary_does_not_panic() {
    for p in PREFIXES {
        for cut in 0..=p.len() {
            for ch in ["\u{e9}", "\u{20ac}", "\u{1f600}"] {
                let name = format!("{}{ch}{}", &p[..cut], &p[cut..]);
                read_all(&[(name.clone(), "x".into())]);
                read_all(&[(format!("{}{ch}", &p[..cut]), String::new())]);
            }
        }
    }
}

/// The name the review found: `x-amz-meta` then `é` across byte 11.
#[cfg(feature = "cse")]
#[test]
fn s3proxy_reads_a_name_with_a_character_across_byte_11() {
    use s3crypt::cse::s3proxy;
    assert_eq!(
        s3proxy::wrapped_dek([("x-amz-meta\u{e9}constellation-dek", "00")]),
        Ok(None)
    );
    // The real name in any ASCII case still matches, with or without the header prefix.
    let hex = "ab".repeat(40);
    for name in [
        "X-Amz-Meta-Constellation-Dek",
        "constellation-dek",
        " x-amz-meta-constellation-dek ",
    ] {
        assert!(
            s3proxy::wrapped_dek([(name, hex.as_str())])
                .unwrap()
                .is_some()
        );
    }
    assert_eq!(
        s3proxy::wrapped_dek([("x-amz-meta-", hex.as_str())]),
        Ok(None)
    );
}

fn name() -> impl Strategy<Value = String> {
    (0..PREFIXES.len(), any::<u8>(), ".{0,12}").prop_map(|(i, cut, rest)| {
        let p = PREFIXES[i];
        let cut = usize::from(cut) % (p.len() + 1);
        format!("{}{rest}", &p[..cut])
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn any_metadata_names_never_panic(
        entries in prop::collection::vec((name(), ".{0,100}"), 0..6),
    ) {
        read_all(&entries);
    }
}
