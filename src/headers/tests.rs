use super::*;

const KEY1_B64: &str = "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8=";
const KEY1_MD5: &str = "jeuBRyIvpeUGr7P9sHL8dw==";

fn ssec(op: Operation) -> Vec<(&'static str, &'static str)> {
    let _ = op;
    vec![
        ("x-amz-server-side-encryption-customer-algorithm", "AES256"),
        ("x-amz-server-side-encryption-customer-key", KEY1_B64),
        ("x-amz-server-side-encryption-customer-key-MD5", KEY1_MD5),
    ]
}

#[test]
fn plaintext_transport_refuses_sse_c() {
    let ctx = RequestContext::new(Operation::PutObject, Transport::Plaintext);
    assert_eq!(
        parse(&ctx, &ssec(Operation::PutObject)).unwrap_err(),
        SseError::InsecureTransport
    );
}

#[test]
fn response_headers_echo_md5_without_md5_header() {
    let ctx = RequestContext::new(Operation::GetObject, Transport::Tls);
    let h = [
        ("x-amz-server-side-encryption-customer-algorithm", "AES256"),
        ("x-amz-server-side-encryption-customer-key", KEY1_B64),
    ];
    let req = parse(&ctx, &h).unwrap();
    let echo = req.response_headers();
    assert!(echo.contains(&(
        "x-amz-server-side-encryption-customer-key-MD5",
        KEY1_MD5.to_string()
    )));
}

#[test]
fn errors_render_xml() {
    let e = SseError::InvalidAlgorithm {
        value: "AES<128>".into(),
    };
    let xml = e.to_xml(Some("/b/k"), Some("RID"));
    assert!(xml.contains("<Code>InvalidEncryptionAlgorithmError</Code>"));
    assert!(xml.contains("<ArgumentValue>AES&lt;128&gt;</ArgumentValue>"));
    assert!(xml.contains("<Resource>/b/k</Resource><RequestId>RID</RequestId></Error>"));
    let big = SseError::HeaderSectionTooLarge.to_xml(None, None);
    assert!(big.contains("<MaxSizeAllowed>8192</MaxSizeAllowed>"));
}

#[test]
fn wrong_length_key_on_get_parses_but_never_matches() {
    let ctx = RequestContext::new(Operation::GetObject, Transport::Tls);
    let h = [
        ("x-amz-server-side-encryption-customer-algorithm", "AES256"),
        (
            "x-amz-server-side-encryption-customer-key",
            "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHw==",
        ),
    ];
    let req = parse(&ctx, &h).unwrap();
    let c = req.sse_c().unwrap();
    assert!(c.key().is_none());
    assert_eq!(c.expose_secret_bytes().len(), 31);
    let stored = StoredState {
        object: Some(StoredEncryption::SseC {
            key_md5: KeyMd5::of(&[0x40; 32]),
        }),
        ..Default::default()
    };
    assert_eq!(req.check_stored(&stored), Err(SseError::WrongKey));
}

#[cfg(feature = "http")]
#[test]
fn http_header_map_is_a_source() {
    let mut map = http::HeaderMap::new();
    for (n, v) in ssec(Operation::PutObject) {
        map.append(
            http::header::HeaderName::from_static(Box::leak(
                n.to_ascii_lowercase().into_boxed_str(),
            )),
            http::HeaderValue::from_static(v),
        );
    }
    let ctx = RequestContext::new(Operation::PutObject, Transport::Tls);
    let req = parse(&ctx, &map).unwrap();
    assert_eq!(req.sse_c().unwrap().key_md5().to_base64(), KEY1_MD5);
}
