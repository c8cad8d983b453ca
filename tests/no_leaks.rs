//! Formats every public type and error that can hold key material with `{:?}` and `{}` and
//! checks that no key bytes (raw, hex or base64) appear.

use base64::Engine as _;
use s3crypt::headers::{self, Operation, RequestContext, SseError, StoredState, Transport, minio};
use s3crypt::keys::{CustomerKey, KeyError};

fn forbidden(key: &[u8]) -> Vec<String> {
    let std = base64::engine::general_purpose::STANDARD;
    let mut v = vec![
        String::from_utf8_lossy(key).into_owned(),
        key.iter().map(|b| format!("{b:02x}")).collect(),
        key.iter().map(|b| format!("{b:02X}")).collect(),
        std.encode(key),
        format!("{key:?}"),
    ];
    // Also any 12-character window of the base64 and a 16-hex-digit window of the hex.
    let b64 = std.encode(key);
    v.extend((0..b64.len() - 12).map(|i| b64[i..i + 12].to_owned()));
    let hx: String = key.iter().map(|b| format!("{b:02x}")).collect();
    v.extend(
        (0..hx.len() - 16)
            .step_by(2)
            .map(|i| hx[i..i + 16].to_owned()),
    );
    v
}

fn assert_clean(what: &str, text: &str, key: &[u8]) {
    for f in forbidden(key) {
        assert!(
            !text.contains(&f),
            "{what} leaks key material ({f}): {text}"
        );
    }
}

#[test]
fn nothing_prints_key_material() {
    // Printable ASCII key bytes, so a raw leak would be visible too.
    let raw: [u8; 32] = *b"s3crypt-sse-c-text-key-32-bytes!";
    let key = CustomerKey::new(raw);
    let b64 = key.to_base64();
    let md5 = key.key_md5().to_base64();
    assert_clean("CustomerKey", &format!("{key:?}"), &raw);
    assert_clean(
        "KeyMd5",
        &format!("{:?} {}", key.key_md5(), key.key_md5()),
        &raw,
    );

    let valid = vec![
        (
            "x-amz-server-side-encryption-customer-algorithm",
            "AES256".to_string(),
        ),
        ("x-amz-server-side-encryption-customer-key", b64.to_string()),
        ("x-amz-server-side-encryption-customer-key-MD5", md5.clone()),
        (
            "x-amz-copy-source-server-side-encryption-customer-algorithm",
            "AES256".to_string(),
        ),
        (
            "x-amz-copy-source-server-side-encryption-customer-key",
            b64.to_string(),
        ),
        (
            "x-amz-copy-source-server-side-encryption-customer-key-MD5",
            md5.clone(),
        ),
    ];
    for op in Operation::ALL {
        for tls in [Transport::Tls, Transport::Plaintext] {
            let ctx = RequestContext::new(op, tls);
            for r in [headers::parse(&ctx, &valid), minio::parse(&ctx, &valid)] {
                match r {
                    Ok(req) => {
                        assert_clean("SseRequest", &format!("{req:?}"), &raw);
                        assert_clean("Encryption", &format!("{:?}", req.encryption()), &raw);
                        if let Some(c) = req.sse_c() {
                            assert_clean("SseCustomer", &format!("{c:?}"), &raw);
                        }
                        let _ = req.check_stored(&StoredState::default());
                    }
                    Err(e) => assert_clean("SseError", &format!("{e:?} {e}"), &raw),
                }
            }
        }
    }
    // Errors about a key: the key text sent (here a valid key plus garbage or one too many
    // characters) never reaches Debug or Display.
    let near_keys = [
        format!("{}é", b64.as_str()),
        format!("{}AAAA", b64.as_str()),
    ];
    for k in &near_keys {
        let h = [
            ("x-amz-server-side-encryption-customer-algorithm", "AES256"),
            ("x-amz-server-side-encryption-customer-key", k.as_str()),
            (
                "x-amz-server-side-encryption-customer-key-MD5",
                md5.as_str(),
            ),
        ];
        let ctx = RequestContext::new(Operation::PutObject, Transport::Tls);
        let e = headers::parse(&ctx, &h).unwrap_err();
        assert_clean("SseError", &format!("{e:?} {e}"), &raw);
        let e = minio::parse_sse_c(&h).unwrap_err();
        assert_clean("MinIO SseError", &format!("{e:?} {e}"), &raw);
    }
    let e = SseError::KeyTooShort {
        value: b64.to_string().into(),
    };
    assert_clean("KeyTooShort", &format!("{e:?} {e}"), &raw);
    let e = SseError::KeyNotBase64 {
        value: b64.to_string().into(),
    };
    assert_clean("KeyNotBase64", &format!("{e:?} {e}"), &raw);
    let e = CustomerKey::from_slice(&raw[..31]).unwrap_err();
    assert_clean("KeyError", &format!("{e:?} {e}"), &raw);
    let e: KeyError =
        CustomerKey::from_base64(&raw.iter().map(|&b| b as char).collect::<String>()).unwrap_err();
    assert_clean("KeyError", &format!("{e:?} {e}"), &raw);
}
