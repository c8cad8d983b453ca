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

/// The client-side formats' keys, streams, keyrings and errors print no key bytes.
#[cfg(feature = "cse")]
#[test]
fn cse_prints_no_key_material() {
    use s3crypt::cse::{s3ec, s3proxy, tink};
    use s3crypt::keys::{DataKey, WrappingKey};
    let raw: [u8; 32] = *b"CSE-key-material-0123456789abcd!";
    let dek_raw: [u8; 32] = *b"data-key-material-0123456789xyz!";
    let tkey = tink::StreamingKey::from_template(tink::Template::Aes256GcmHkdf4Kb, &raw).unwrap();
    assert_clean("StreamingKey", &format!("{tkey:?}"), &raw);
    let enc = tink::Encryptor::new(&tkey, b"ad").unwrap();
    assert_clean("tink::Encryptor", &format!("{enc:?}"), &raw);
    let dec = tink::Decryptor::new(&tkey, b"ad").unwrap();
    assert_clean("tink::Decryptor", &format!("{dec:?}"), &raw);
    let ct = tink::encrypt_buffer(&tkey, b"ad", b"x").unwrap();
    let ra = tink::RandomAccess::new(&tkey, b"ad", &ct, ct.len() as u64).unwrap();
    assert_clean("RandomAccess", &format!("{ra:?}"), &raw);
    let e = tink::decrypt_buffer(&tkey, b"other", &ct).unwrap_err();
    assert_clean("TinkError", &format!("{e:?} {e}"), &raw);
    let b64 = base64::engine::general_purpose::STANDARD.encode(
        [
            &[
                0x12u8, 0x07, 0x08, 0x80, 0x20, 0x10, 0x20, 0x18, 0x03, 0x1a, 0x20,
            ][..],
            &raw,
        ]
        .concat(),
    );
    let json = format!(
        r#"{{"primaryKeyId":1,"key":[{{"keyData":{{"typeUrl":"type.googleapis.com/google.crypto.tink.AesGcmHkdfStreamingKey","value":"{b64}","keyMaterialType":"SYMMETRIC"}},"status":"ENABLED","keyId":1,"outputPrefixType":"RAW"}}]}}"#
    );
    let ks = tink::Keyset::from_json(&json).unwrap();
    assert_eq!(ks.primary().unwrap().params(), tkey.params());
    assert_clean("Keyset", &format!("{ks:?}"), &raw);
    // A keyset whose key is one byte short: the error does not echo it either.
    let short = json.replace(
        &b64,
        &base64::engine::general_purpose::STANDARD.encode(
            [
                &[
                    0x12u8, 0x07, 0x08, 0x80, 0x20, 0x10, 0x20, 0x18, 0x03, 0x1a, 0x1f,
                ][..],
                &raw[..31],
            ]
            .concat(),
        ),
    );
    let e = tink::Keyset::from_json(&short).expect_err("a 31-byte key for 32-byte derived keys");
    assert_clean("Keyset error", &format!("{e:?} {e}"), &raw);

    let kek = WrappingKey::new(raw);
    let keyring = s3ec::Keyring::aes(&kek);
    assert_clean("Keyring", &format!("{keyring:?}"), &raw);
    let mut random = s3ec::WriteRandom::generate().unwrap();
    random.data_key = DataKey::new(dek_raw);
    assert_clean("WriteRandom", &format!("{random:?}"), &dek_raw);
    let obj = s3ec::encrypt_with(&keyring, &s3ec::WriteOptions::v3(), random, b"hello").unwrap();
    let text = format!("{obj:?}");
    assert_clean("s3ec::Encrypted", &text, &raw);
    assert_clean("s3ec::Encrypted", &text, &dek_raw);
    let w = s3ec::Encryptor::new(&keyring, &s3ec::WriteOptions::v3()).unwrap();
    assert_clean("s3ec::Encryptor", &format!("{w:?}"), &raw);
    let opts = s3ec::ReadOptions::default().unauthenticated_ranges(true);
    let d =
        s3ec::Decryptor::new(&obj.metadata, &keyring, &opts, s3ec::Release::Authenticated).unwrap();
    assert_clean("s3ec::Decryptor", &format!("{d:?}"), &dek_raw);
    let rk = s3ec::RangeKey::new(&obj.metadata, &keyring, &opts).unwrap();
    assert_clean("RangeKey", &format!("{rk:?}"), &dek_raw);
    let other = WrappingKey::new(dek_raw);
    let e =
        s3ec::decrypt(&obj.metadata, &s3ec::Keyring::aes(&other), &opts, &obj.body).unwrap_err();
    assert_clean("S3ecError", &format!("{e:?} {e}"), &raw);
    assert_clean("S3ecError", &format!("{e:?} {e}"), &dek_raw);

    let p = s3proxy::encrypt_with(&kek, &DataKey::new(dek_raw), &[1; 12], b"hello").unwrap();
    assert_clean("s3proxy::Encrypted", &format!("{p:?}"), &dek_raw);
    let e = s3proxy::decrypt(&other, &p.wrapped_dek, &p.body).unwrap_err();
    assert_clean("S3proxyError", &format!("{e:?} {e}"), &raw);

    // Encrypted keysets: the master key, the keyset inside, and their errors.
    let master = tink::KeysetMaster::aes256_gcm(&WrappingKey::new(dek_raw));
    assert_clean("KeysetMaster", &format!("{master:?}"), &dek_raw);
    let enc = ks.to_encrypted_json(&master, b"ad").unwrap();
    let back = tink::Keyset::from_encrypted_json(&enc, &master, b"ad").unwrap();
    assert_clean("Keyset (from encrypted)", &format!("{back:?}"), &raw);
    for k in &back.keys {
        assert_clean("KeysetKey", &format!("{k:?}"), &raw);
    }
    let e = tink::Keyset::from_encrypted_json(&enc, &master, b"other").unwrap_err();
    assert_clean("TinkError (keyset)", &format!("{e:?} {e}"), &raw);
    assert_clean("TinkError (keyset)", &format!("{e:?} {e}"), &dek_raw);

    // RSA keyrings: the private key prints its size only.
    #[cfg(feature = "aws-lc")]
    {
        let rsa = s3ec::RsaPrivateKey::generate(2048).unwrap();
        let der = rsa.to_pkcs8_der();
        let text = format!("{rsa:?} {:?}", s3ec::Keyring::rsa(&rsa));
        // Any 16 bytes from the middle of the PKCS#8 (the private exponent and primes).
        assert_clean("RsaPrivateKey", &text, &der[200..232]);
        assert!(!text.contains("MII"), "no PEM/base64 of the key: {text}");
    }
}
