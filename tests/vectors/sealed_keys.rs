//! `minio/sealed_keys.json`: MinIO's key handling reproduced byte for byte.

use std::collections::BTreeMap;

use md5::{Digest as _, Md5};
use s3crypt::dare::{self, CipherSuite};
use s3crypt::keys::{CustomerKey, DataKey, ObjectKey, WrappingKey};
use s3crypt::kms::{self, Context, KeyProvider, StaticKms};
use s3crypt::sse::metadata::EncryptionMetadata;
use s3crypt::sse::object::{self, KeySource, PutRandom};
use s3crypt::sse::seal::{self, SealAlgorithm};
use s3crypt::sse::{
    Domain, SealError, SealedKey, UnsealOptions, binding_name, etag, multipart, path_join,
};
use sha2::Sha256;

use crate::dare::rule_plaintext;
use crate::util::{Outcome, Value, Vectors, expect_eq, hex, str_of, unhex};

pub fn check(v: &Vectors) -> Outcome {
    let mut out = Outcome::new(v);
    for c in v.cases() {
        let r = match str_of(c, "kind") {
            "sse-c-object" | "sse-s3-object" | "sse-kms-object" => full_object(c),
            "seal" | "seal-chacha" => seal_case(c),
            "unseal-legacy" => legacy(c),
            "unseal-negative" => negative(c),
            "part-key" => part_keys(c),
            "etag" => etag_case(c),
            "multipart-part" => multipart_part(c),
            "metadata-encrypt" => metadata_encrypt(c),
            "kms-context" => kms_context(c),
            k => Err(format!("unknown kind {k:?}")),
        };
        out.case(str_of(c, "name"), r);
    }
    out
}

fn arr<const N: usize>(c: &Value, field: &str) -> Result<[u8; N], String> {
    unhex(str_of(c, field))
        .try_into()
        .map_err(|_| format!("{field}: not {N} bytes"))
}

fn suite(c: &Value) -> Result<CipherSuite, String> {
    match str_of(c, "sealed_key_cipher") {
        "AES_256_GCM" => Ok(CipherSuite::Aes256Gcm),
        "CHACHA20_POLY1305" => Ok(CipherSuite::ChaCha20Poly1305),
        s => Err(format!("unknown cipher {s}")),
    }
}

fn domain(c: &Value) -> Result<Domain, String> {
    match str_of(c, "domain") {
        "SSE-C" => Ok(Domain::SseC),
        "SSE-S3" => Ok(Domain::SseS3),
        "SSE-KMS" => Ok(Domain::SseKms),
        d => Err(format!("unknown domain {d}")),
    }
}

fn metadata_of(c: &Value) -> Result<BTreeMap<String, String>, String> {
    c["metadata"]
        .as_object()
        .ok_or("no metadata")?
        .iter()
        .map(|(k, v)| Ok((k.clone(), v.as_str().ok_or("value")?.to_owned())))
        .collect()
}

fn decode(m: &BTreeMap<String, String>) -> Result<EncryptionMetadata, String> {
    EncryptionMetadata::from_minio(m.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .map_err(|e| e.to_string())?
        .ok_or_else(|| "no SSE entries".to_string())
}

/// MinIO's KEK computed here, independently of the crate:
/// `HMAC-SHA256(EK, IV ‖ domain ‖ "DAREv2-HMAC-SHA256" ‖ path_joined)`.
fn raw_kek(ext: &[u8], iv: &[u8], dom: &str, path_joined: &str) -> [u8; 32] {
    use hmac::{KeyInit, Mac};
    let mut m = <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(ext).expect("any key length");
    for part in [
        iv,
        dom.as_bytes(),
        b"DAREv2-HMAC-SHA256",
        path_joined.as_bytes(),
    ] {
        m.update(part);
    }
    m.finalize().into_bytes().into()
}

/// The object name a case is read under. MinIO refuses names `path.Clean` changes before it
/// seals, and so does the crate (`binding_name`): a case made by calling MinIO's crypto code
/// with such a name must be refused under it, and is read under its cleaned name, which
/// binds to the same `path_joined` (None when the cleaned path leaves the bucket).
fn canonical_name<'a>(
    bucket: &str,
    object: &'a str,
    joined: &'a str,
) -> Result<Option<&'a str>, String> {
    match binding_name(bucket, object) {
        Ok(j) => {
            expect_eq("binding_name", j.as_str(), joined)?;
            Ok(Some(object))
        }
        Err(SealError::UnboundName(_)) => {
            let clean = joined
                .strip_prefix(bucket)
                .and_then(|r| r.strip_prefix('/'));
            if let Some(o) = clean {
                expect_eq(
                    "binding of the cleaned name",
                    binding_name(bucket, o).ok(),
                    Some(joined.to_owned()),
                )?;
            }
            Ok(clean)
        }
        Err(e) => Err(format!("binding_name: {e}")),
    }
}

fn full_object(c: &Value) -> Result<(), String> {
    let dom = domain(c)?;
    let (bucket, object) = (str_of(c, "bucket"), str_of(c, "object"));
    expect_eq(
        "path_joined",
        path_join(bucket, object),
        str_of(c, "path_joined").to_owned(),
    )?;
    let Some(object) = canonical_name(bucket, object, str_of(c, "path_joined"))? else {
        return Err("a whole object whose name leaves its bucket".into());
    };
    let random = PutRandom {
        object_key_seed: arr(c, "generate_key_random_hex")?,
        iv: arr(c, "iv_hex")?,
        seal_nonce: arr(c, "seal_rand_hex")?,
        suite: suite(c)?,
    };
    let want_meta = metadata_of(c)?;
    // PUT through the public API, with the recorded randomness.
    let (put, source_kms, customer);
    match dom {
        Domain::SseC => {
            let key = CustomerKey::from_slice(&unhex(str_of(c, "client_key_hex")))
                .map_err(|e| e.to_string())?;
            expect_eq(
                "header key",
                key.to_base64().to_string(),
                str_of(c, "header_customer_key").to_owned(),
            )?;
            expect_eq(
                "header md5",
                key.key_md5().to_base64(),
                str_of(c, "header_customer_key_md5").to_owned(),
            )?;
            if object != str_of(c, "object") {
                let r = object::put_sse_c(
                    &key,
                    bucket,
                    str_of(c, "object"),
                    PutRandom::generate().map_err(|e| e.to_string())?,
                );
                if !matches!(r, Err(object::ObjectError::Seal(SealError::UnboundName(_)))) {
                    return Err("a name path.Clean changes was bound".into());
                }
            }
            put = object::put_sse_c(&key, bucket, object, random).map_err(|e| e.to_string())?;
            customer = Some(key);
            source_kms = None;
        }
        _ => {
            let kms = StaticKms::from_env_value(str_of(c, "kms_secret_key_env"))
                .map_err(|e| e.to_string())?;
            expect_eq(
                "kms_key_id",
                kms.key_id().to_owned(),
                str_of(c, "kms_key_id").to_owned(),
            )?;
            let master = StaticKms::new(
                kms.key_id(),
                WrappingKey::from_slice(&unhex(str_of(c, "kms_master_key_hex")))
                    .map_err(|e| e.to_string())?,
            );
            let client_ctx = match c.get("client_context").and_then(Value::as_str) {
                Some(t) => {
                    let m: BTreeMap<String, String> =
                        serde_json::from_str(t).map_err(|e| e.to_string())?;
                    Some(Context::from(m))
                }
                None => None,
            };
            let ctx = object::kms_context(dom, client_ctx.as_ref(), bucket, object);
            expect_eq(
                "kms_associated_data",
                String::from_utf8_lossy(&ctx.marshal()).into_owned(),
                str_of(c, "kms_associated_data").to_owned(),
            )?;
            let dek = DataKey::from_slice(&unhex(str_of(c, "dek_plaintext_hex")))
                .map_err(|e| e.to_string())?;
            let generated = kms
                .generate_key_with(kms.key_id(), &ctx, &arr(c, "kms_random_hex")?, dek)
                .map_err(|e| e.to_string())?;
            expect_eq(
                "dek_ciphertext",
                hex(&generated.ciphertext),
                str_of(c, "dek_ciphertext_hex").to_owned(),
            )?;
            // Same blob from the master key given in hex.
            let again = master
                .decrypt_key(kms.key_id(), &generated.ciphertext, &ctx)
                .map_err(|e| e.to_string())?;
            expect_eq(
                "dek round trip",
                hex(again.expose_secret()),
                str_of(c, "dek_plaintext_hex").to_owned(),
            )?;
            put = object::put_with_data_key(dom, generated, client_ctx, bucket, object, random)
                .map_err(|e| e.to_string())?;
            source_kms = Some(kms);
            customer = None;
        }
    }
    expect_eq(
        "object_key",
        hex(put.object_key.expose_secret()),
        str_of(c, "object_key_hex").to_owned(),
    )?;
    expect_eq(
        "sealed_key",
        hex(&put.metadata.sealed_key.key),
        str_of(c, "sealed_key_hex").to_owned(),
    )?;
    expect_eq("metadata", put.metadata.to_minio(), want_meta.clone())?;
    for (id, want) in c["part_keys"].as_object().ok_or("part_keys")? {
        let n: u32 = id.parse().map_err(|_| "part id")?;
        expect_eq(
            &format!("part key {n}"),
            hex(multipart::part_key(&put.object_key, n).expose_secret()),
            want.as_str().unwrap_or("").to_owned(),
        )?;
    }
    // Body and sealed ETag.
    let body = unhex(str_of(c, "body_plaintext_hex"));
    expect_eq(
        "body",
        body.clone(),
        rule_plaintext(c["body_plaintext_len"].as_u64().ok_or("len")? as usize),
    )?;
    let mut ct = vec![
        0u8;
        dare::range::encrypted_size(body.len() as u64).map_err(|e| e.to_string())?
            as usize
    ];
    let n = dare::encrypt_buffer_with_nonce(
        &put.object_key,
        suite(c)?,
        &arr(c, "body_dare_rand_hex")?,
        0,
        &body,
        &mut ct,
    )
    .map_err(|e| e.to_string())?;
    expect_eq(
        "body_ciphertext",
        hex(&ct[..n]),
        str_of(c, "body_ciphertext_hex").to_owned(),
    )?;
    let md5: [u8; 16] = Md5::digest(&body).into();
    expect_eq(
        "content_md5",
        hex(&md5),
        str_of(c, "content_md5_hex").to_owned(),
    )?;
    let sealed_etag = etag::seal_etag_with(
        &put.object_key,
        &md5,
        suite(c)?,
        arr(c, "etag_seal_rand_hex")?,
    );
    expect_eq(
        "sealed_etag",
        hex(&sealed_etag),
        str_of(c, "sealed_etag_hex").to_owned(),
    )?;
    expect_eq(
        "stored_etag",
        hex(&sealed_etag),
        str_of(c, "stored_etag").to_owned(),
    )?;
    expect_eq(
        "client_etag",
        etag::client_etag(dom, str_of(c, "stored_etag"), &put.object_key)
            .map_err(|e| e.to_string())?,
        str_of(c, "client_etag").to_owned(),
    )?;

    // GET through the public API from the stored metadata.
    let meta = decode(&want_meta)?;
    expect_eq("decoded metadata", &meta, &put.metadata)?;
    let source = match (&customer, &source_kms) {
        (Some(k), _) => KeySource::Customer(k),
        (_, Some(k)) => KeySource::Kms(k),
        _ => return Err("no key".into()),
    };
    let oek = object::object_key(&meta, source, bucket, object, UnsealOptions::new())
        .map_err(|e| e.to_string())?;
    expect_eq(
        "unsealed object_key",
        hex(oek.expose_secret()),
        str_of(c, "object_key_hex").to_owned(),
    )?;
    let mut back = vec![0u8; body.len()];
    let m = dare::decrypt_buffer(
        &oek,
        dare::DecryptOptions::new().stored_size(n as u64),
        &ct[..n],
        &mut back,
    )
    .map_err(|e| e.to_string())?;
    expect_eq("decrypted body", &back[..m], &body[..])?;
    // The sealing key.
    let kek = match (&customer, dom) {
        (Some(k), _) => seal::sealing_key(k, &arr(c, "iv_hex")?, dom, bucket, object),
        (None, _) => {
            let dek = DataKey::from_slice(&unhex(str_of(c, "dek_plaintext_hex")))
                .map_err(|e| e.to_string())?;
            seal::sealing_key(&dek, &arr(c, "iv_hex")?, dom, bucket, object)
        }
    }
    .map_err(|e| e.to_string())?;
    expect_eq(
        "sealing_key",
        hex(kek.expose_secret()),
        str_of(c, "sealing_key_hex").to_owned(),
    )?;
    // Another object name never unseals.
    let wrong = object::object_key(
        &meta,
        source,
        bucket,
        &format!("{object}x"),
        UnsealOptions::new(),
    );
    if wrong.is_ok() {
        return Err("unsealed under another object name".into());
    }
    Ok(())
}

fn ext_of(c: &Value) -> Result<CustomerKey, String> {
    CustomerKey::from_slice(&unhex(str_of(c, "ext_key_hex"))).map_err(|e| e.to_string())
}

fn seal_case(c: &Value) -> Result<(), String> {
    let ext = ext_of(c)?;
    let (bucket, object, dom) = (str_of(c, "bucket"), str_of(c, "object"), domain(c)?);
    let joined = str_of(c, "path_joined");
    expect_eq("path_joined", path_join(bucket, object), joined.to_owned())?;
    let iv = arr(c, "iv_hex")?;
    // MinIO's formula, computed here: the recorded KEK.
    let raw = raw_kek(ext.expose_secret(), &iv, str_of(c, "domain"), joined);
    expect_eq(
        "sealing_key",
        hex(&raw),
        str_of(c, "sealing_key_hex").to_owned(),
    )?;
    let oek =
        ObjectKey::from_slice(&unhex(str_of(c, "object_key_hex"))).map_err(|e| e.to_string())?;
    expect_eq(
        "seal_algorithm",
        SealAlgorithm::DareV2HmacSha256.name(),
        str_of(c, "seal_algorithm"),
    )?;
    // The sealed key is one DARE 2.0 package of the OEK under the KEK.
    let mut pkg = [0u8; 64];
    dare::encrypt_buffer_with_nonce(
        &ObjectKey::new(raw),
        suite(c)?,
        &arr(c, "seal_rand_hex")?,
        0,
        oek.expose_secret(),
        &mut pkg,
    )
    .map_err(|e| e.to_string())?;
    expect_eq(
        "sealed_key (raw KEK)",
        hex(&pkg),
        str_of(c, "sealed_key_hex").to_owned(),
    )?;
    let canonical = canonical_name(bucket, object, joined)?;
    if canonical != Some(object) {
        // A name that cannot be bound: refused at every entry point.
        let r = SealedKey::seal_with(&oek, &ext, iv, dom, bucket, object, suite(c)?, [0; 12]);
        if !matches!(r, Err(SealError::UnboundName(_))) {
            return Err(format!("{object:?} was bound: {r:?}"));
        }
        let stored = SealedKey {
            key: pkg,
            iv,
            algorithm: SealAlgorithm::DareV2HmacSha256,
        };
        let r = stored.unseal(&ext, dom, bucket, object, UnsealOptions::new());
        if !matches!(r, Err(SealError::UnboundName(_))) {
            return Err(format!("{object:?} unsealed: {r:?}"));
        }
    }
    let Some(object) = canonical else {
        return Ok(()); // the cleaned path leaves the bucket: no name reads it
    };
    let kek = seal::sealing_key(&ext, &iv, dom, bucket, object).map_err(|e| e.to_string())?;
    expect_eq("sealing_key", hex(kek.expose_secret()), hex(&raw))?;
    let sealed = SealedKey::seal_with(
        &oek,
        &ext,
        iv,
        dom,
        bucket,
        object,
        suite(c)?,
        arr(c, "seal_rand_hex")?,
    )
    .map_err(|e| e.to_string())?;
    expect_eq(
        "sealed_key",
        hex(&sealed.key),
        str_of(c, "sealed_key_hex").to_owned(),
    )?;
    let back = sealed
        .unseal(&ext, dom, bucket, object, UnsealOptions::new())
        .map_err(|e| e.to_string())?;
    expect_eq("unseal", back, oek)?;
    Ok(())
}

fn legacy(c: &Value) -> Result<(), String> {
    let ext = ext_of(c)?;
    let meta = decode(&metadata_of(c)?)?;
    expect_eq(
        "algorithm",
        meta.sealed_key.algorithm,
        SealAlgorithm::LegacyDareSha256,
    )?;
    expect_eq(
        "sealed key",
        hex(&meta.sealed_key.key),
        str_of(c, "sealed_key_hex").to_owned(),
    )?;
    let iv = arr(c, "iv_hex")?;
    expect_eq(
        "sealing_key",
        hex(seal::legacy_sealing_key(&ext, &iv).expose_secret()),
        str_of(c, "sealing_key_hex").to_owned(),
    )?;
    // Refused without the opt-in ...
    let refused = object::object_key(
        &meta,
        KeySource::Customer(&ext),
        "any",
        "thing",
        UnsealOptions::new(),
    );
    if !matches!(
        refused,
        Err(object::ObjectError::Seal(SealError::LegacyNotAllowed))
    ) {
        return Err(format!("legacy unseal without opt-in gave {refused:?}"));
    }
    // ... and correct with it (where MinIO returns zeros for DARE 1.0: minio_unseal_object_key_hex).
    let oek = object::object_key(
        &meta,
        KeySource::Customer(&ext),
        "any",
        "thing",
        UnsealOptions::new().allow_legacy_dare_sha256(),
    )
    .map_err(|e| e.to_string())?;
    expect_eq(
        "object_key",
        hex(oek.expose_secret()),
        str_of(c, "object_key_hex").to_owned(),
    )?;
    // Rotation upgrades it to DAREv2-HMAC-SHA256 under the new key.
    let new = CustomerKey::new([0x5a; 32]);
    let rotated = object::rotate_sse_c(
        &meta,
        &ext,
        &new,
        "b",
        "o",
        UnsealOptions::new().allow_legacy_dare_sha256(),
        [1; 12],
        CipherSuite::Aes256Gcm,
    )
    .map_err(|e| e.to_string())?;
    expect_eq(
        "rotated algorithm",
        rotated.sealed_key.algorithm,
        SealAlgorithm::DareV2HmacSha256,
    )?;
    let again = object::object_key(
        &rotated,
        KeySource::Customer(&new),
        "b",
        "o",
        UnsealOptions::new(),
    )
    .map_err(|e| e.to_string())?;
    expect_eq("rotated object key", again, oek)?;
    Ok(())
}

/// `unseal-negative`: inputs MinIO's `Unseal` rejects. Per the README a negative case
/// passes when the crate refuses it, at any stage (the stored algorithm name, the sealed
/// key's or IV's length, the name binding, the unseal), with the error the case names:
/// `ErrSecretKeyMismatch` is `SealError::KeyMismatch`; any other error must carry exactly
/// MinIO's message. A name refused before any key is used (`UnboundName`) is a stricter,
/// earlier refusal and passes too.
fn negative(c: &Value) -> Result<(), String> {
    expect_eq("expect", str_of(c, "expect"), "error")?;
    let (name, message) = (str_of(c, "error_name"), str_of(c, "error_message"));
    let judge = |e: SealError| -> Result<(), String> {
        match (&e, name) {
            (SealError::UnboundName(_), _) => Ok(()),
            (SealError::KeyMismatch, "ErrSecretKeyMismatch") => {
                expect_eq("error_message", e.to_string(), message.to_owned())
            }
            (SealError::KeyMismatch, n) => {
                Err(format!("refused as a key mismatch, case names {n}"))
            }
            (_, "ErrSecretKeyMismatch") => {
                Err(format!("refused with {e:?}, case names a key mismatch"))
            }
            _ => expect_eq("error_message", e.to_string(), message.to_owned()),
        }
    };
    let ext = ext_of(c)?;
    let algorithm = match SealAlgorithm::from_name(str_of(c, "seal_algorithm")) {
        Ok(a) => a,
        Err(e) => return judge(e),
    };
    let (Ok(key), Ok(iv)) = (arr(c, "sealed_key_hex"), arr(c, "iv_hex")) else {
        // Not a 64-byte sealed key or a 32-byte IV: MinIO fails such a key as a mismatch.
        return expect_eq("error_name", name, "ErrSecretKeyMismatch");
    };
    let sealed = SealedKey { key, iv, algorithm };
    // Even with legacy unsealing allowed the key must not come out.
    match sealed.unseal(
        &ext,
        domain(c)?,
        str_of(c, "bucket"),
        str_of(c, "object"),
        UnsealOptions::new().allow_legacy_dare_sha256(),
    ) {
        Ok(_) => Err("unsealed".into()),
        Err(e) => judge(e),
    }
}

fn part_keys(c: &Value) -> Result<(), String> {
    let oek =
        ObjectKey::from_slice(&unhex(str_of(c, "object_key_hex"))).map_err(|e| e.to_string())?;
    let keys = c["part_keys"].as_object().ok_or("part_keys")?;
    if keys.is_empty() {
        return Err("no part keys".into());
    }
    for (id, want) in keys {
        let n: u32 = id.parse().map_err(|_| "part id")?;
        expect_eq(
            &format!("part {n}"),
            hex(multipart::part_key(&oek, n).expose_secret()),
            want.as_str().unwrap_or("").to_owned(),
        )?;
    }
    Ok(())
}

fn etag_case(c: &Value) -> Result<(), String> {
    let oek =
        ObjectKey::from_slice(&unhex(str_of(c, "object_key_hex"))).map_err(|e| e.to_string())?;
    expect_eq(
        "etag_key",
        hex(etag::etag_key(&oek).expose_secret()),
        str_of(c, "etag_key_hex").to_owned(),
    )?;
    let tag = unhex(str_of(c, "etag_hex"));
    let nonce: [u8; 12] = if tag.is_empty() {
        [0; 12]
    } else {
        arr(c, "seal_rand_hex")?
    };
    let sealed = etag::seal_etag_with(&oek, &tag, CipherSuite::Aes256Gcm, nonce);
    expect_eq(
        "sealed_etag",
        hex(&sealed),
        str_of(c, "sealed_etag_hex").to_owned(),
    )?;
    expect_eq(
        "is_etag_sealed",
        etag::is_etag_sealed(&sealed),
        c["is_etag_sealed"].as_bool().ok_or("bool")?,
    )?;
    expect_eq(
        "etag_pkg_is_encrypted",
        sealed.len() >= 32,
        c["etag_pkg_is_encrypted"].as_bool().ok_or("bool")?,
    )?;
    let format = if sealed.len() >= 32 {
        hex(&sealed[sealed.len() - 16..])
    } else {
        String::new()
    };
    expect_eq(
        "etag_pkg_format",
        format,
        str_of(c, "etag_pkg_format_hex").to_owned(),
    )?;
    expect_eq(
        "unseal",
        etag::unseal_etag(&oek, &sealed).map_err(|e| e.to_string())?,
        tag,
    )?;
    if !sealed.is_empty() {
        let mut bad = sealed.clone();
        bad[20] ^= 1;
        if etag::unseal_etag(&oek, &bad).is_ok() {
            return Err("tampered ETag unsealed".into());
        }
    }
    Ok(())
}

fn multipart_part(c: &Value) -> Result<(), String> {
    let oek =
        ObjectKey::from_slice(&unhex(str_of(c, "object_key_hex"))).map_err(|e| e.to_string())?;
    let id = c["part_id"].as_u64().ok_or("part_id")? as u32;
    let upload = str_of(c, "upload_id");
    expect_eq(
        "nonce_input",
        format!("{upload}{id}"),
        str_of(c, "nonce_input").to_owned(),
    )?;
    let nonce = multipart::minio_part_nonce(upload, id);
    expect_eq(
        "config_nonce",
        hex(&nonce),
        str_of(c, "config_nonce_hex").to_owned(),
    )?;
    let pk = multipart::part_key(&oek, id);
    expect_eq(
        "part_key",
        hex(pk.expose_secret()),
        str_of(c, "part_key_hex").to_owned(),
    )?;
    let pt = rule_plaintext(c["part_plaintext_len"].as_u64().ok_or("len")? as usize);
    let mut ct = vec![
        0u8;
        dare::range::encrypted_size(pt.len() as u64).map_err(|e| e.to_string())?
            as usize
    ];
    // MinIO's part stream: DARE 2.0 under the part key, the fixed nonce, AES-GCM on AES-NI.
    let n = dare::encrypt_buffer_with_nonce(&pk, CipherSuite::Aes256Gcm, &nonce, 0, &pt, &mut ct)
        .map_err(|e| e.to_string())?;
    expect_eq(
        "part_ciphertext_sha256",
        hex(&Sha256::digest(&ct[..n])),
        str_of(c, "part_ciphertext_sha256_hex").to_owned(),
    )?;
    if let Some(full) = c.get("part_ciphertext_hex").and_then(Value::as_str) {
        if !full.ends_with("...") && full.len() == 2 * n {
            expect_eq("part_ciphertext", hex(&ct[..n]), full.to_owned())?;
        }
    }
    expect_eq(
        "multipart flag",
        c["metadata_flag"]["X-Minio-Internal-Encrypted-Multipart"].as_str(),
        Some(""),
    )?;
    Ok(())
}

fn metadata_encrypt(c: &Value) -> Result<(), String> {
    let oek =
        ObjectKey::from_slice(&unhex(str_of(c, "object_key_hex"))).map_err(|e| e.to_string())?;
    let label = str_of(c, "base_key").as_bytes();
    expect_eq(
        "derived_key",
        hex(seal::derived_key(&oek, label).expose_secret()),
        str_of(c, "derived_key_hex").to_owned(),
    )?;
    let data = unhex(str_of(c, "data_hex"));
    let nonce: [u8; 12] = if data.is_empty() {
        [0; 12]
    } else {
        arr(c, "seal_rand_hex")?
    };
    let out = seal::seal_derived_with(&oek, label, &data, CipherSuite::Aes256Gcm, nonce);
    expect_eq("output", hex(&out), str_of(c, "output_hex").to_owned())?;
    expect_eq(
        "open",
        seal::open_derived(&oek, label, &out).map_err(|e| e.to_string())?,
        data,
    )?;
    Ok(())
}

fn kms_context(c: &Value) -> Result<(), String> {
    let entries: Vec<(Vec<u8>, Vec<u8>)> = c["context_entries_hex"]
        .as_array()
        .ok_or("entries")?
        .iter()
        .map(|p| {
            (
                unhex(p[0].as_str().unwrap_or("")),
                unhex(p[1].as_str().unwrap_or("")),
            )
        })
        .collect();
    let text = kms::marshal_entries(entries.iter().map(|(k, v)| (&k[..], &v[..])));
    expect_eq(
        "marshal_text",
        String::from_utf8(text.clone()).map_err(|e| e.to_string())?,
        str_of(c, "marshal_text").to_owned(),
    )?;
    use base64::Engine as _;
    expect_eq(
        "metadata_value_b64",
        base64::engine::general_purpose::STANDARD.encode(&text),
        str_of(c, "metadata_value_b64").to_owned(),
    )?;
    // The typed context agrees wherever the entries are valid UTF-8.
    if let Ok(pairs) = entries
        .iter()
        .map(|(k, v)| Ok((std::str::from_utf8(k)?, std::str::from_utf8(v)?)))
        .collect::<Result<Vec<_>, std::str::Utf8Error>>()
    {
        let ctx: Context = pairs.into_iter().collect();
        expect_eq("Context::marshal", ctx.marshal(), text)?;
    }
    Ok(())
}
