//! `cse/tink_streaming.json` and `cse/s3proxy.json`: Tink streaming AEAD ciphertexts written
//! by tink 1.16.1, and Constellation s3proxy objects.

use s3crypt::cse::s3proxy;
use s3crypt::cse::tink::{self, Decryptor, Encryptor, Keyset, RandomAccess, StreamingKey};
use s3crypt::keys::{DataKey, WrappingKey};
use sha2::{Digest, Sha256};

use crate::dare::rule_plaintext;
use crate::util::{Outcome, Value, Vectors, expect_eq, hex, pairs, str_of, unhex};

/// The case's plaintext: written out, or regenerated from the rule and checked against its
/// SHA-256.
pub fn plaintext_of(c: &Value) -> Result<Vec<u8>, String> {
    let len = c["plaintext_len"].as_u64().ok_or("plaintext_len missing")? as usize;
    let pt = rule_plaintext(len);
    if let Some(h) = c["plaintext_hex"].as_str() {
        expect_eq("plaintext_hex", hex(&pt), h.to_owned())?;
    } else {
        let want = str_of(c, "plaintext_sha256_hex");
        expect_eq(
            "plaintext_sha256_hex",
            hex(&Sha256::digest(&pt)),
            want.to_owned(),
        )?;
    }
    Ok(pt)
}

pub fn check_tink(v: &Vectors) -> Outcome {
    let mut out = Outcome::new(v);
    for c in v.cases() {
        let r = match str_of(c, "kind") {
            "tink-encrypt" => tink_encrypt(c),
            "tink-negative" => tink_negative(c),
            k => Err(format!("unknown kind {k:?}")),
        };
        out.case(str_of(c, "name"), r);
    }
    out
}

fn encoding_hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The key, read from both keyset forms (they must agree on what they decrypt).
fn keys_of(c: &Value) -> Result<Vec<(String, StreamingKey)>, String> {
    let mut keys = Vec::new();
    if !c["keyset_json"].is_null() {
        let text = serde_json::to_string(&c["keyset_json"]).map_err(|e| e.to_string())?;
        let ks = Keyset::from_json(&text).map_err(|e| format!("keyset JSON: {e}"))?;
        expect_eq(
            "primary id",
            u64::from(ks.primary_key_id),
            c["primary_key_id"].as_u64().unwrap_or(0),
        )?;
        keys.push((
            "json".to_owned(),
            ks.primary().map_err(|e| e.to_string())?.clone(),
        ));
    }
    if let Some(b) = c["keyset_binary_hex"].as_str() {
        let ks = Keyset::from_binary(&unhex(b)).map_err(|e| format!("keyset binary: {e}"))?;
        // Written back, byte for byte as tink wrote it; the JSON form is the same keyset.
        expect_eq(
            "keyset re-serialized",
            encoding_hex(&ks.to_binary()),
            b.to_owned(),
        )?;
        let again = Keyset::from_json(&ks.to_json()).map_err(|e| format!("our JSON: {e}"))?;
        expect_eq(
            "keyset via our JSON",
            encoding_hex(&again.to_binary()),
            b.to_owned(),
        )?;
        if !c["keyset_json"].is_null() {
            let text = serde_json::to_string(&c["keyset_json"]).map_err(|e| e.to_string())?;
            let j = Keyset::from_json(&text).map_err(|e| format!("keyset JSON: {e}"))?;
            expect_eq(
                "JSON keyset as binary",
                encoding_hex(&j.to_binary()),
                b.to_owned(),
            )?;
        }
        // A keyset built from the key alone serializes the key as tink does.
        let k = ks.primary().map_err(|e| e.to_string())?.clone();
        let prefix = ks.keys[0].output_prefix;
        let built = Keyset::new(
            ks.primary_key_id,
            vec![tink::KeysetKey::new(
                ks.primary_key_id,
                tink::KeyStatus::Enabled,
                prefix,
                Some(k),
            )],
        )
        .map_err(|e| e.to_string())?;
        if ks.keys.len() == 1 {
            expect_eq(
                "built keyset",
                encoding_hex(&built.to_binary()),
                b.to_owned(),
            )?;
        }
        keys.push((
            "binary".to_owned(),
            ks.primary().map_err(|e| e.to_string())?.clone(),
        ));
    }
    // And from the raw key value and the params, as a program that stores only those would.
    let p = &c["params"];
    let hash = |f: &str| tink::HashType::from_name(str_of(p, f)).ok_or(format!("{f}?"));
    let seg = p["ciphertext_segment_size"]
        .as_u64()
        .ok_or("segment size")? as u32;
    let dks = p["derived_key_size"].as_u64().ok_or("derived key size")? as u8;
    let params = match str_of(p, "algorithm") {
        "AES-GCM-HKDF-Streaming" => tink::StreamingParams::AesGcmHkdf {
            segment_size: seg,
            derived_key_size: dks,
            hkdf_hash: hash("hkdf_hash_type")?,
        },
        "AES-CTR-HMAC-Streaming" => tink::StreamingParams::AesCtrHmac {
            segment_size: seg,
            derived_key_size: dks,
            hkdf_hash: hash("hkdf_hash_type")?,
            hmac_hash: hash("hmac_hash_type")?,
            tag_size: p["hmac_tag_size"].as_u64().ok_or("tag size")? as u8,
        },
        a => return Err(format!("unknown algorithm {a}")),
    };
    let raw =
        StreamingKey::new(params, &unhex(str_of(c, "key_value_hex"))).map_err(|e| e.to_string())?;
    for (name, k) in &keys {
        expect_eq(&format!("{name} keyset params"), k.params(), raw.params())?;
    }
    keys.push(("params".to_owned(), raw));
    Ok(keys)
}

/// Streams `ct` through a decryptor in chunks of `chunk` bytes.
fn stream_decrypt(
    key: &StreamingKey,
    aad: &[u8],
    ct: &[u8],
    chunk: usize,
) -> Result<Vec<u8>, tink::TinkError> {
    let mut d = Decryptor::new(key, aad)?;
    let mut out = Vec::new();
    for piece in ct.chunks(chunk.max(1)) {
        d.update(piece, &mut out)?;
    }
    d.finish(&mut out)?;
    Ok(out)
}

fn tink_encrypt(c: &Value) -> Result<(), String> {
    let pt = plaintext_of(c)?;
    let ad = unhex(str_of(c, "associated_data_hex"));
    let ct = unhex(str_of(c, "ciphertext_hex"));
    expect_eq(
        "ciphertext_len",
        ct.len() as u64,
        c["ciphertext_len"].as_u64().unwrap_or(0),
    )?;
    let d = &c["decoded"];
    let salt = unhex(str_of(d, "salt_hex"));
    let prefix: [u8; 7] = unhex(str_of(d, "nonce_prefix_hex"))
        .try_into()
        .map_err(|_| "prefix")?;
    for (name, key) in keys_of(c)? {
        let got =
            tink::decrypt_buffer(&key, &ad, &ct).map_err(|e| format!("{name}: decrypt: {e}"))?;
        if got != pt {
            return Err(format!("{name}: decrypt_buffer gave other bytes"));
        }
        for chunk in [1usize, 777, 4096, 1 << 20] {
            if chunk == 1 && ct.len() > 20_000 {
                continue;
            }
            let got = stream_decrypt(&key, &ad, &ct, chunk)
                .map_err(|e| format!("{name}: stream {chunk}: {e}"))?;
            if got != pt {
                return Err(format!(
                    "{name}: streaming decrypt ({chunk}) gave other bytes"
                ));
            }
        }
        expect_eq(
            "ciphertext length",
            key.ciphertext_len(pt.len() as u64)
                .map_err(|e| e.to_string())?,
            ct.len() as u64,
        )?;
        // Re-encrypt with the recorded salt and nonce prefix: the same bytes, whatever the
        // write sizes.
        for chunk in [777usize, 1 << 20] {
            let mut e = Encryptor::new_with(&key, &ad, &salt, prefix).map_err(|e| e.to_string())?;
            let mut again = Vec::new();
            for piece in pt.chunks(chunk) {
                e.update(piece, &mut again).map_err(|e| e.to_string())?;
            }
            e.finish(&mut again).map_err(|e| e.to_string())?;
            if again != ct {
                return Err(format!(
                    "{name}: re-encryption ({chunk}-byte writes) differs"
                ));
            }
        }
        // Random access: ranges at segment edges and inside.
        let ra = RandomAccess::new(&key, &ad, &ct, ct.len() as u64).map_err(|e| e.to_string())?;
        expect_eq("plaintext_len", ra.plaintext_len(), pt.len() as u64)?;
        let n = pt.len() as u64;
        for (off, len) in [
            (0, n),
            (0, n.min(1)),
            (n / 2, n - n / 2),
            (n.saturating_sub(1), n.min(1)),
            (n / 3, n / 3),
        ] {
            let plan = ra.plan(off, len).map_err(|e| e.to_string())?;
            let s = plan.ciphertext_offset() as usize;
            let fetched = &ct[s.min(ct.len())..(s + plan.ciphertext_len() as usize).min(ct.len())];
            let mut got = vec![0; len as usize];
            ra.decrypt_range(&plan, fetched, &mut got)
                .map_err(|e| format!("range {off}+{len}: {e}"))?;
            if got[..] != pt[off as usize..(off + len) as usize] {
                return Err(format!("range {off}+{len} gave other bytes"));
            }
            if !fetched.is_empty() {
                let short = &fetched[..fetched.len() - 1];
                if ra.decrypt_range(&plan, short, &mut got).is_ok() {
                    return Err(format!("range {off}+{len}: a short answer was accepted"));
                }
            }
        }
    }
    Ok(())
}

fn tink_negative(c: &Value) -> Result<(), String> {
    expect_eq("expect", str_of(c, "expect"), "error")?;
    let ad = unhex(str_of(c, "associated_data_hex"));
    let ct = unhex(str_of(c, "ciphertext_hex"));
    for (name, key) in keys_of(c)? {
        if let Ok(p) = tink::decrypt_buffer(&key, &ad, &ct) {
            return Err(format!(
                "{name}: decrypt_buffer accepted it ({} bytes)",
                p.len()
            ));
        }
        for chunk in [777usize, 1 << 20] {
            if stream_decrypt(&key, &ad, &ct, chunk).is_ok() {
                return Err(format!("{name}: the streaming decryptor accepted it"));
            }
        }
        // Random access over the whole object refuses too (a negative passes when refused
        // at any stage, including reading the header).
        if let Ok(ra) = RandomAccess::new(&key, &ad, &ct, ct.len() as u64) {
            if let Ok(plan) = ra.plan(0, ra.plaintext_len()) {
                let s = plan.ciphertext_offset() as usize;
                let mut got = vec![0; plan.plaintext_len() as usize];
                if ra.decrypt_range(&plan, &ct[s..], &mut got).is_ok() {
                    return Err(format!("{name}: random access accepted it"));
                }
                if got.iter().any(|&b| b != 0) {
                    return Err(format!(
                        "{name}: plaintext left in the output after a failure"
                    ));
                }
            }
        }
    }
    Ok(())
}

pub fn check_s3proxy(v: &Vectors) -> Outcome {
    let mut out = Outcome::new(v);
    for c in v.cases() {
        let r = match str_of(c, "kind") {
            "reimplemented" => s3proxy_case(c),
            "reimplemented-negative" => s3proxy_negative(c),
            k => Err(format!("unknown kind {k:?}")),
        };
        out.case(str_of(c, "name"), r);
    }
    out
}

fn s3proxy_case(c: &Value) -> Result<(), String> {
    let kek = WrappingKey::from_slice(&unhex(str_of(c, "kek_hex"))).map_err(|e| e.to_string())?;
    let dek = DataKey::from_slice(&unhex(str_of(c, "dek_hex"))).map_err(|e| e.to_string())?;
    let nonce: [u8; 12] = unhex(str_of(c, "nonce_hex"))
        .try_into()
        .map_err(|_| "nonce")?;
    expect_eq("associated data", str_of(c, "associated_data_hex"), "")?;
    let pt = plaintext_of(c)?;
    let body = unhex(str_of(c, "body_hex"));
    expect_eq(
        "body_len",
        body.len() as u64,
        c["body_len"].as_u64().unwrap_or(0),
    )?;
    let enc = s3proxy::encrypt_with(&kek, &dek, &nonce, &pt).map_err(|e| e.to_string())?;
    expect_eq("body", hex(&enc.body), hex(&body))?;
    expect_eq(
        "wrapped dek",
        enc.wrapped_dek.to_hex(),
        str_of(c, "wrapped_dek_hex").to_owned(),
    )?;
    let (name, value) = enc.metadata();
    expect_eq(
        "header",
        Some(value.as_str()),
        c["stored_headers"][name].as_str(),
    )?;
    for m in [&c["stored_metadata"], &c["stored_headers"]] {
        let w = s3proxy::wrapped_dek(pairs(m))
            .map_err(|e| e.to_string())?
            .ok_or("no DEK found")?;
        let got = s3proxy::decrypt(&kek, &w, &body).map_err(|e| e.to_string())?;
        if got != pt {
            return Err("decrypt gave other bytes".into());
        }
    }
    // KEK rotation keeps the body readable.
    let new = WrappingKey::new([0x5a; 32]);
    let w =
        s3proxy::WrappedDek::from_hex(str_of(c, "wrapped_dek_hex")).map_err(|e| e.to_string())?;
    let rewrapped = s3proxy::rewrap(&kek, &new, &w).map_err(|e| e.to_string())?;
    let got = s3proxy::decrypt(&new, &rewrapped, &body).map_err(|e| e.to_string())?;
    if got != pt || s3proxy::decrypt(&kek, &rewrapped, &body).is_ok() {
        return Err("re-wrap".into());
    }
    Ok(())
}

fn s3proxy_negative(c: &Value) -> Result<(), String> {
    expect_eq("expect", str_of(c, "expect"), "error")?;
    let kek = WrappingKey::from_slice(&unhex(str_of(c, "kek_hex"))).map_err(|e| e.to_string())?;
    let body = unhex(str_of(c, "body_hex"));
    // Refused at any stage: the metadata, the unwrap or the body.
    let from_meta = s3proxy::wrapped_dek(pairs(&c["stored_metadata"]));
    let from_field = s3proxy::WrappedDek::from_hex(str_of(c, "wrapped_dek_hex"));
    for w in [from_meta.ok().flatten(), from_field.ok()]
        .into_iter()
        .flatten()
    {
        let mut out = vec![0u8; body.len().saturating_sub(s3proxy::OVERHEAD)];
        if s3proxy::decrypt_into(&kek, &w, &body, &mut out).is_ok() {
            return Err("accepted".into());
        }
        if out.iter().any(|&b| b != 0) {
            return Err("plaintext left in the output after a failure".into());
        }
    }
    Ok(())
}
