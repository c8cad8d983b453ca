//! Property tests for the header parsers: no input panics; key -> headers -> parse round-trips.

use proptest::prelude::*;
use s3crypt::headers::{
    self, Encryption, Operation, RequestContext, StoredEncryption, StoredState, Transport, minio,
};
use s3crypt::keys::{CustomerKey, KeyMd5};

const NAMES: &[&str] = &[
    "x-amz-server-side-encryption",
    "x-amz-server-side-encryption-customer-algorithm",
    "x-amz-server-side-encryption-customer-key",
    "x-amz-server-side-encryption-customer-key-MD5",
    "x-amz-copy-source-server-side-encryption-customer-algorithm",
    "x-amz-copy-source-server-side-encryption-customer-key",
    "x-amz-copy-source-server-side-encryption-customer-key-md5",
    "x-amz-server-side-encryption-aws-kms-key-id",
    "x-amz-server-side-encryption-context",
    "x-amz-server-side-encryption-bucket-key-enabled",
    "Authorization",
    "Host",
];

fn name() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => prop::sample::select(NAMES).prop_map(|n| n.as_bytes().to_vec()),
        1 => prop::collection::vec(any::<u8>(), 0..40),
    ]
}

fn value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::sample::select(
            &[
                "AES256",
                "aws:kms",
                "aws:kms:dsse",
                "",
                " AES256 ",
                "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8=",
                "jeuBRyIvpeUGr7P9sHL8dw==",
                "eyJhIjoiYiJ9",
                "====",
                "AWS AK:sig",
                "true",
            ][..]
        )
        .prop_map(|v| v.as_bytes().to_vec()),
        prop::collection::vec(any::<u8>(), 0..120),
        "[A-Za-z0-9+/= \t]{0,80}".prop_map(String::into_bytes),
    ]
}

fn stored() -> impl Strategy<Value = Option<StoredEncryption>> {
    prop_oneof![
        Just(None),
        Just(Some(StoredEncryption::None)),
        Just(Some(StoredEncryption::SseS3)),
        Just(Some(StoredEncryption::SseKms)),
        any::<[u8; 16]>().prop_map(|m| Some(StoredEncryption::SseC {
            key_md5: KeyMd5::from_bytes(m)
        })),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_headers_never_panic(
        fields in prop::collection::vec((name(), value()), 0..12),
        op in prop::sample::select(&Operation::ALL[..]),
        tls in any::<bool>(),
        blocked in any::<bool>(),
        object in stored(), upload in stored(), source in stored(),
    ) {
        let transport = if tls { Transport::Tls } else { Transport::Plaintext };
        let ctx = RequestContext::new(op, transport).with_sse_c_blocked(blocked);
        let state = StoredState { object, upload, source };
        for parsed in [headers::parse(&ctx, &fields), minio::parse(&ctx, &fields)] {
            match parsed {
                Ok(req) => {
                    let _ = req.check_stored(&state);
                    let _ = req.response_headers();
                    let _ = format!("{req:?}");
                }
                Err(e) => {
                    let _ = (e.to_xml(Some("/b/k"), None), e.to_string(), format!("{e:?}"));
                    prop_assert!(e.http_status() == 400 || e.http_status() == 403);
                }
            }
        }
        let _ = minio::requested(&fields);
        let _ = minio::parse_sse_c(&fields);
        let _ = minio::parse_sse_c_copy(&fields);
        let _ = minio::put_object_precheck(&fields);
    }

    #[test]
    fn key_to_headers_to_parse_round_trips(
        raw in any::<[u8; 32]>(),
        op in prop::sample::select(&Operation::ALL[..]),
        upper in any::<bool>(),
        ows in prop::sample::select(&["", " ", "\t", " \t "][..]),
    ) {
        let key = CustomerKey::new(raw);
        let b64 = key.to_base64();
        let md5 = key.key_md5().to_base64();
        let n = |s: &str| if upper { s.to_ascii_uppercase() } else { s.to_owned() };
        let fields = vec![
            (n("x-amz-server-side-encryption-customer-algorithm"), format!("{ows}AES256{ows}")),
            (n("x-amz-server-side-encryption-customer-key"), format!("{ows}{}{ows}", b64.as_str())),
            (n("x-amz-server-side-encryption-customer-key-md5"), format!("{ows}{md5}{ows}")),
        ];
        let ctx = RequestContext::new(op, Transport::Tls);
        let req = headers::parse(&ctx, &fields).unwrap();
        match req.encryption() {
            Encryption::SseC(c) => {
                prop_assert_eq!(c.key(), Some(&key));
                prop_assert_eq!(c.key_md5(), key.key_md5());
                let stored = StoredState {
                    object: Some(StoredEncryption::SseC { key_md5: key.key_md5() }),
                    upload: Some(StoredEncryption::SseC { key_md5: key.key_md5() }),
                    source: None,
                };
                prop_assert!(req.check_stored(&stored).is_ok());
            }
            other => prop_assert!(false, "parsed as {:?}", other),
        }
        // MinIO's dialect takes the same (untrimmed) key.
        if ows.is_empty() {
            prop_assert_eq!(minio::parse_sse_c(&fields).unwrap(), key);
        }
    }
}

/// Step 5.5 of `sse-headers/README.md`: the third byte of a group is emitted unless the
/// fourth character is `=`, whatever the third is (JAXB's two sibling `if`s). `AA=A` decodes
/// to `00 c0`, so the MD5 of those two bytes passes step 5.6 and the key is judged on its
/// length, while the MD5 of `00` alone is a mismatch.
#[test]
fn lenient_key_third_byte_is_independent_of_the_second() {
    use base64::Engine as _;
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let md5_of = |b: &[u8]| b64(KeyMd5::of(b).as_bytes());
    let judge = |md5: String| {
        let fields = vec![
            (
                "x-amz-server-side-encryption-customer-algorithm",
                "AES256".to_owned(),
            ),
            (
                "x-amz-server-side-encryption-customer-key",
                "AA=A".to_owned(),
            ),
            ("x-amz-server-side-encryption-customer-key-MD5", md5),
        ];
        let ctx = RequestContext::new(Operation::PutObject, Transport::Tls);
        headers::parse(&ctx, &fields).unwrap_err()
    };
    assert_eq!(
        judge(md5_of(&[0x00, 0xc0])),
        headers::SseError::InvalidKeyLength
    );
    assert_eq!(judge(md5_of(&[0x00])), headers::SseError::KeyMd5Mismatch);
}

proptest! {
    /// Any range spec (including ones `parse` never gives) against any size: no panic, and
    /// an answer inside the object.
    #[test]
    fn range_resolve_never_panics(a in any::<u64>(), b in any::<u64>(), size in any::<u64>(), kind in 0u8..3) {
        use s3crypt::headers::range::RangeSpec;
        let spec = match kind { 0 => RangeSpec::FromTo(a, b), 1 => RangeSpec::From(a), _ => RangeSpec::Suffix(a) };
        if let Ok((off, len)) = spec.resolve(size) {
            prop_assert!(len > 0 || size == 0);
            prop_assert!(off.checked_add(len).is_some_and(|e| e <= size));
        }
    }
}

#[test]
fn hand_built_ranges_that_parse_cannot_give_are_invalid() {
    use s3crypt::headers::range::{RangeError, RangeSpec};
    assert_eq!(
        RangeSpec::FromTo(10, 5).resolve(100),
        Err(RangeError::Invalid)
    );
    assert_eq!(RangeSpec::Suffix(0).resolve(100), Err(RangeError::Invalid));
}
