//! `cse/s3ec.json`: objects written by the AWS S3 Encryption Client (Python 4.0.0) against
//! moto's mock KMS, re-laid-out and constructed variants, negatives and ranged GETs.

use std::collections::BTreeMap;

use s3crypt::cse::s3ec::{
    self, CommitmentPolicy, ContentMetadata, Decryptor, Encryptor, Format, Keyring, RangeKey,
    RangePlan, ReadOptions, Release, WrapAlgorithm, WriteOptions, WriteRandom,
};
use s3crypt::keys::{DataKey, WrappingKey};
use s3crypt::kms::Context;

use crate::cse_tink::plaintext_of;
use crate::dare::rule_plaintext;
use crate::moto_kms::MotoKms;
use crate::util::{Outcome, Value, Vectors, expect_eq, hex, pairs, str_of, unhex};

pub fn check(v: &Vectors) -> Outcome {
    let mut out = Outcome::new(v);
    for c in v.cases() {
        let r = match str_of(c, "kind") {
            "client-written" => client_written(c),
            "instruction-file" => instruction_file(c),
            "legacy-constructed" => legacy(c),
            "aes-gcm-keyring-constructed" => aes_gcm(c),
            "negative" => negative(c),
            "ranged-get-derived" => ranged(c),
            k => Err(format!("unknown kind {k:?}")),
        };
        out.case(str_of(c, "name"), r);
    }
    out
}

fn arr<const N: usize>(c: &Value, f: &str) -> Result<[u8; N], String> {
    unhex(str_of(c, f))
        .try_into()
        .map_err(|_| format!("{f}: not {N} bytes"))
}

fn context_of(v: &Value) -> Context {
    let mut c = Context::new();
    for (k, v) in pairs(v) {
        c.insert(k, v);
    }
    c
}

/// The encryption context the reader passes: the case's `caller_encryption_context`, or,
/// where the case records none (instruction files), the stored context without the entries
/// the client adds itself (what the client that read it was given).
fn caller_context(c: &Value, md: &ContentMetadata) -> Context {
    if c["caller_encryption_context"].is_object() {
        return context_of(&c["caller_encryption_context"]);
    }
    let mut ctx = Context::new();
    for (k, v) in &md.context {
        if k != s3ec::CEK_ALG_CONTEXT_KEY && k != "kms_cmk_id" {
            ctx.insert(k, v);
        }
    }
    ctx
}

fn moto(c: &Value) -> Result<MotoKms, String> {
    let id = c["kms_key_id"]
        .as_str()
        .unwrap_or("00000000-0000-0000-0000-000000000000");
    Ok(MotoKms::new(id, &arr(c, "wrapping_key_hex")?))
}

/// The keyring a reader of the case holds: the mock KMS for KMS wraps, the raw AES key
/// (`wrapping_key_hex`) for AES wraps, as the object's wrap says.
fn keyring_for<'a>(
    c: &'a Value,
    md: &ContentMetadata,
    kms: &'a MotoKms,
    kek: &'a WrappingKey,
    context: Context,
) -> Keyring<'a> {
    match md.wrap {
        WrapAlgorithm::AesGcm | WrapAlgorithm::AesWrap | WrapAlgorithm::AesEcb => Keyring::Aes {
            key: kek,
            description: md.context.clone(),
        },
        _ => Keyring::kms(kms, c["kms_key_id"].as_str().unwrap_or(""), context),
    }
}

fn kek_of(c: &Value) -> Result<WrappingKey, String> {
    Ok(WrappingKey::new(arr(c, "wrapping_key_hex")?))
}

/// The metadata read from `stored_metadata` and from `stored_headers`, which must agree.
fn metadata_of(c: &Value) -> Result<ContentMetadata, String> {
    let a =
        ContentMetadata::from_object(pairs(&c["stored_metadata"])).map_err(|e| e.to_string())?;
    let b = ContentMetadata::from_object(pairs(&c["stored_headers"])).map_err(|e| e.to_string())?;
    expect_eq("metadata from headers", &b, &a)?;
    a.ok_or_else(|| "no content metadata on the object".to_owned())
}

/// The options the client read with: the format's own policy.
fn opts_for(md: &ContentMetadata) -> ReadOptions {
    match md.format {
        Format::V3 => ReadOptions::default(),
        _ => ReadOptions::default().commitment(CommitmentPolicy::ForbidEncryptAllowDecrypt),
    }
}

/// Compares written metadata with stored metadata: same names; JSON values as maps.
fn same_metadata(written: &[(String, String)], stored: &Value) -> Result<(), String> {
    let stored: BTreeMap<&str, &str> = pairs(stored).into_iter().collect();
    let written: BTreeMap<&str, &str> = written
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    expect_eq(
        "metadata names",
        written.keys().collect::<Vec<_>>(),
        stored.keys().collect::<Vec<_>>(),
    )?;
    for (k, w) in &written {
        let s = stored[k];
        if s.trim_start().starts_with('{') {
            let pw: BTreeMap<String, String> =
                serde_json::from_str(w).map_err(|e| e.to_string())?;
            let ps: BTreeMap<String, String> =
                serde_json::from_str(s).map_err(|e| e.to_string())?;
            expect_eq(k, pw, ps)?;
        } else {
            expect_eq(k, *w, s)?;
        }
    }
    Ok(())
}

/// Unwraps the data key (it must be the case's `dek_hex`) and decrypts the body through
/// every reader.
fn read_all_ways(
    c: &Value,
    md: &ContentMetadata,
    keyring: &Keyring<'_>,
    opts: &ReadOptions,
    body: &[u8],
    pt: &[u8],
) -> Result<(), String> {
    let dek = s3ec::unwrap_data_key(md, keyring, opts).map_err(|e| e.to_string())?;
    expect_eq(
        "dek",
        hex(dek.expose_secret()),
        str_of(c, "dek_hex").to_owned(),
    )?;
    decrypt_all_ways(md, keyring, opts, body, pt)
}

fn decrypt_all_ways(
    md: &ContentMetadata,
    keyring: &Keyring<'_>,
    opts: &ReadOptions,
    body: &[u8],
    pt: &[u8],
) -> Result<(), String> {
    let got = s3ec::decrypt(md, keyring, opts, body).map_err(|e| format!("decrypt: {e}"))?;
    if got != pt {
        return Err("decrypt gave other bytes".into());
    }
    if md.content == s3ec::ContentAlgorithm::AesCbc {
        return Ok(());
    }
    for mode in [Release::Authenticated, Release::Unauthenticated] {
        let mut d = Decryptor::new(md, keyring, opts, mode).map_err(|e| e.to_string())?;
        let mut got = Vec::new();
        for piece in body.chunks(777) {
            got.extend(d.update(piece).map_err(|e| e.to_string())?);
        }
        got.extend(d.finish().map_err(|e| format!("{mode:?} finish: {e}"))?);
        if got != pt {
            return Err(format!("{mode:?} decryptor gave other bytes"));
        }
    }
    Ok(())
}

fn client_written(c: &Value) -> Result<(), String> {
    let pt = plaintext_of(c)?;
    let body = unhex(str_of(c, "ciphertext_hex"));
    let kms = moto(c)?;
    let caller = context_of(&c["caller_encryption_context"]);
    let keyring = Keyring::kms(&kms, str_of(c, "kms_key_id"), caller.clone());
    let md = metadata_of(c)?;
    expect_eq(
        "edk",
        hex(&md.encrypted_key),
        str_of(c, "edk_hex").to_owned(),
    )?;
    let want_ctx: BTreeMap<String, String> = pairs(&c["kms_encryption_context"])
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    expect_eq("stored context", &md.context, &want_ctx)?;
    let opts = opts_for(&md);
    read_all_ways(c, &md, &keyring, &opts, &body, &pt)?;
    let write = match md.format {
        Format::V3 => {
            expect_eq(
                "commitment",
                md.commitment.map(|d| hex(&d)),
                Some(str_of(c, "commitment_hex").to_owned()),
            )?;
            expect_eq(
                "message id",
                md.message_id.map(|d| hex(&d)),
                Some(str_of(c, "message_id_hex").to_owned()),
            )?;
            // The default policy reads V3.
            WriteOptions::v3()
        }
        _ => {
            // A V2 object is refused under the default policy.
            if s3ec::decrypt(&md, &keyring, &ReadOptions::default(), &body).is_ok() {
                return Err("a V2 object was read under RequireEncryptRequireDecrypt".into());
            }
            WriteOptions::v2()
        }
    };
    // Reproduce the write from the recorded draws: DEK and moto IV, then the content IV (V2)
    // or message id (V3).
    let mut random = WriteRandom::generate().map_err(|e| e.to_string())?;
    match md.format {
        Format::V3 => random.message_id = arr(c, "message_id_hex")?,
        _ => random.iv = arr(c, "content_iv_hex")?,
    }
    let dek_arr: [u8; 32] = arr(c, "dek_hex")?;
    let moto_iv: [u8; 12] = arr(c, "edk_moto_iv_hex")?;
    kms.queue(dek_arr, moto_iv);
    let again =
        s3ec::encrypt_with(&keyring, &write, random, &pt).map_err(|e| format!("encrypt: {e}"))?;
    expect_eq("ciphertext", hex(&again.body), hex(&body))?;
    same_metadata(
        &again
            .metadata
            .to_object_metadata()
            .map_err(|e| e.to_string())?,
        &c["stored_metadata"],
    )?;
    // The same object written as multipart pieces.
    let mut random = WriteRandom::generate().map_err(|e| e.to_string())?;
    random.message_id = again.metadata.message_id.unwrap_or([1; 28]);
    if let Some(s3ec::ContentIv::Gcm(iv)) = again.metadata.iv {
        random.iv = iv;
    }
    kms.queue(dek_arr, moto_iv);
    let mut e = Encryptor::new_with(&keyring, &write, random).map_err(|e| e.to_string())?;
    let mut pieces = Vec::new();
    let mut chunks = pt.chunks(5000).peekable();
    while let Some(piece) = chunks.next() {
        if chunks.peek().is_some() {
            pieces.extend(e.update(piece).map_err(|e| e.to_string())?);
        } else {
            pieces.extend(e.finish(piece).map_err(|e| e.to_string())?);
            e = Encryptor::new(
                &Keyring::aes(&WrappingKey::new([0; 32])),
                &WriteOptions::v3(),
            )
            .map_err(|e| e.to_string())?;
        }
    }
    if pt.is_empty() {
        pieces = e.finish(&[]).map_err(|e| e.to_string())?;
    }
    expect_eq("multipart pieces", hex(&pieces), hex(&body))?;
    // A caller may not set the reserved context key.
    let mut bad = caller;
    bad.insert("aws:x-amz-cek-alg", "x");
    if s3ec::encrypt(
        &Keyring::kms(&kms, str_of(c, "kms_key_id"), bad),
        &write,
        b"x",
    )
    .is_ok()
    {
        return Err("the reserved context key was accepted".into());
    }
    Ok(())
}

fn instruction_file(c: &Value) -> Result<(), String> {
    let pt = plaintext_of(c)?;
    let body = unhex(str_of(c, "ciphertext_hex"));
    let file = unhex(str_of(c, "instruction_file_body_hex"));
    expect_eq(
        "instruction file text",
        String::from_utf8_lossy(&file).into_owned(),
        str_of(c, "instruction_file_body_text").to_owned(),
    )?;
    expect_eq(
        "instruction file key",
        format!("{}{}", str_of(c, "object_key"), s3ec::INSTRUCTION_SUFFIX),
        str_of(c, "instruction_file_key").to_owned(),
    )?;
    expect_eq(
        "instruction file marker",
        c["instruction_file_metadata"][s3ec::INSTRUCTION_FILE_MARKER].as_str(),
        Some(""),
    )?;
    // The object alone says: look for the instruction file.
    let on_object =
        ContentMetadata::from_object(pairs(&c["stored_metadata"])).map_err(|e| e.to_string())?;
    expect_eq("metadata on the object", on_object.is_none(), true)?;
    let md = ContentMetadata::from_instruction_file(pairs(&c["stored_metadata"]), &file)
        .map_err(|e| e.to_string())?;
    let (kms, kek) = (moto(c)?, kek_of(c)?);
    let keyring = keyring_for(c, &md, &kms, &kek, caller_context(c, &md));
    let opts = opts_for(&md);
    read_all_ways(c, &md, &keyring, &opts, &body, &pt)?;
    // Written back: the same split and the same file (as a map).
    let (object, text) = md.to_instruction_file().map_err(|e| e.to_string())?;
    same_metadata(&object, &c["stored_metadata"])?;
    let want: BTreeMap<String, String> =
        serde_json::from_slice(&file).map_err(|e| e.to_string())?;
    let got: BTreeMap<String, String> = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let want: Vec<(String, String)> = want.into_iter().collect();
    let got_pairs: Vec<(String, String)> = got.into_iter().collect();
    // JSON-valued entries compare as maps.
    expect_eq(
        "instruction file names",
        got_pairs.iter().map(|p| &p.0).collect::<Vec<_>>(),
        want.iter().map(|p| &p.0).collect::<Vec<_>>(),
    )?;
    let as_value = |v: &[(String, String)]| {
        serde_json::Value::Object(
            v.iter()
                .map(|(k, s)| (k.clone(), serde_json::Value::String(s.clone())))
                .collect(),
        )
    };
    same_metadata(&got_pairs, &as_value(&want))?;
    // The file and the object metadata together would be a conflict.
    let mut both: Vec<(&str, &str)> = pairs(&c["stored_metadata"]);
    let file_map: BTreeMap<String, String> =
        serde_json::from_slice(&file).map_err(|e| e.to_string())?;
    both.extend(file_map.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    if ContentMetadata::from_instruction_file(both, &file).is_ok() {
        return Err("metadata both on the object and in the file was accepted".into());
    }
    Ok(())
}

/// A constructed case's plaintext, body and metadata, its EDK checked.
fn constructed(c: &Value) -> Result<(Vec<u8>, Vec<u8>, ContentMetadata), String> {
    let pt = plaintext_of(c)?;
    let body = unhex(str_of(c, "ciphertext_hex"));
    let md = metadata_of(c)?;
    expect_eq(
        "edk",
        hex(&md.encrypted_key),
        str_of(c, "edk_hex").to_owned(),
    )?;
    Ok((pt, body, md))
}

fn legacy(c: &Value) -> Result<(), String> {
    let (pt, body, md) = constructed(c)?;
    let (kms, kek) = (moto(c)?, kek_of(c)?);
    let keyring = keyring_for(c, &md, &kms, &kek, Context::new());
    // Refused with the default settings, and with either opt-in alone.
    for opts in [
        ReadOptions::default(),
        ReadOptions::default().commitment(CommitmentPolicy::ForbidEncryptAllowDecrypt),
        ReadOptions::default()
            .commitment(CommitmentPolicy::ForbidEncryptAllowDecrypt)
            .legacy_wrapping(true),
        ReadOptions::default()
            .commitment(CommitmentPolicy::ForbidEncryptAllowDecrypt)
            .legacy_cbc(true),
        ReadOptions::default()
            .commitment(CommitmentPolicy::ForbidEncryptAllowDecrypt)
            .unauthenticated_ranges(true),
    ] {
        if s3ec::decrypt(&md, &keyring, &opts, &body).is_ok() {
            return Err(format!("read with {opts:?}"));
        }
    }
    let s = &c["client_settings_required"];
    let opts = ReadOptions::default()
        .commitment(CommitmentPolicy::ForbidEncryptAllowDecrypt)
        .legacy_wrapping(
            s["enable_legacy_wrapping_algorithms"]
                .as_bool()
                .unwrap_or(false),
        )
        // The Python client's one switch for unauthenticated modes; of ours, the one that
        // reads CBC content (ranged GETs are not involved).
        .legacy_cbc(
            s["enable_legacy_unauthenticated_modes"]
                .as_bool()
                .unwrap_or(false),
        );
    if let Some(s3ec::ContentIv::Cbc(iv)) = md.iv {
        expect_eq("iv", hex(&iv), str_of(c, "content_iv_hex").to_owned())?;
    }
    read_all_ways(c, &md, &keyring, &opts, &body, &pt)
}

fn aes_gcm(c: &Value) -> Result<(), String> {
    let (pt, body, md) = constructed(c)?;
    expect_eq(
        "wrap aad",
        hex(md.content.name().as_bytes()),
        str_of(c, "wrap_aad_hex").to_owned(),
    )?;
    let kek = WrappingKey::new(arr(c, "wrapping_key_hex")?);
    let keyring = Keyring::Aes {
        key: &kek,
        description: md.context.clone(),
    };
    let opts = opts_for(&md);
    read_all_ways(c, &md, &keyring, &opts, &body, &pt)?;
    // Written again from the recorded values: same EDK, body and metadata.
    let random = WriteRandom {
        data_key: DataKey::new(arr(c, "dek_hex")?),
        wrap_iv: arr(c, "wrap_iv_hex")?,
        iv: match md.iv {
            Some(s3ec::ContentIv::Gcm(iv)) => iv,
            _ => [1; 12],
        },
        message_id: md.message_id.unwrap_or([1; 28]),
    };
    let write = if md.format == Format::V3 {
        WriteOptions::v3()
    } else {
        WriteOptions::v2()
    };
    let again = s3ec::encrypt_with(&keyring, &write, random, &pt).map_err(|e| e.to_string())?;
    expect_eq("ciphertext", hex(&again.body), hex(&body))?;
    expect_eq(
        "written edk",
        hex(&again.metadata.encrypted_key),
        str_of(c, "edk_hex").to_owned(),
    )?;
    same_metadata(
        &again
            .metadata
            .to_object_metadata()
            .map_err(|e| e.to_string())?,
        &c["stored_metadata"],
    )?;
    // A KMS keyring cannot unwrap it.
    let kms = MotoKms::new("00000000-0000-0000-0000-000000000000", &[0; 32]);
    if s3ec::decrypt(&md, &Keyring::kms(&kms, "k", Context::new()), &opts, &body).is_ok() {
        return Err("a KMS keyring read an AES/GCM-wrapped object".into());
    }
    Ok(())
}

/// Refused under the default options (what the client used), at any stage. Under a policy
/// that allows non-committing objects, an untouched V2 object may be read — and must then
/// give the rule plaintext, never other bytes.
fn negative(c: &Value) -> Result<(), String> {
    expect_eq("expect", str_of(c, "expect"), "error")?;
    let body = unhex(str_of(c, "ciphertext_hex"));
    let (kms, kek) = (moto(c)?, kek_of(c)?);
    let read = |opts: &ReadOptions| -> Result<Vec<u8>, String> {
        let mut mds = Vec::new();
        for m in [&c["stored_metadata"], &c["stored_headers"]] {
            let md = ContentMetadata::from_object(pairs(m)).map_err(|e| e.to_string())?;
            mds.push(md.ok_or("no metadata")?);
        }
        let mut out = None;
        for md in &mds {
            let ctx = context_of(&c["caller_encryption_context"]);
            let keyring = keyring_for(c, md, &kms, &kek, ctx);
            let p = s3ec::decrypt(md, &keyring, opts, &body).map_err(|e| e.to_string())?;
            for mode in [Release::Authenticated, Release::Unauthenticated] {
                let mut d = Decryptor::new(md, &keyring, opts, mode).map_err(|e| e.to_string())?;
                d.update(&body).map_err(|e| e.to_string())?;
                d.finish().map_err(|e| e.to_string())?;
            }
            out = Some(p);
        }
        out.ok_or_else(|| "nothing".into())
    };
    if let Ok(p) = read(&ReadOptions::default()) {
        return Err(format!(
            "read under the default options ({} bytes)",
            p.len()
        ));
    }
    let permissive =
        ReadOptions::default().commitment(CommitmentPolicy::RequireEncryptAllowDecrypt);
    if let Ok(p) = read(&permissive) {
        if p != rule_plaintext(p.len()) {
            return Err("a permissive read released other bytes".into());
        }
    }
    Ok(())
}

fn parse_range(s: &str) -> Result<(u64, Option<u64>), String> {
    let r = s.strip_prefix("bytes=").ok_or("range")?;
    let (a, b) = r.split_once('-').ok_or("range")?;
    let a = a.parse().map_err(|_| "range start")?;
    let b = if b.is_empty() {
        None
    } else {
        Some(b.parse().map_err(|_| "range end")?)
    };
    Ok((a, b))
}

fn ranged(c: &Value) -> Result<(), String> {
    let (a, b) = parse_range(str_of(c, "requested_range"))?;
    let ct_len = c["ciphertext_len"].as_u64().ok_or("ciphertext_len")?;
    let plan = RangePlan::new(a, b, ct_len).map_err(|e| e.to_string())?;
    let (lo, hi) = parse_range(str_of(c, "crypto_range_requested"))?;
    expect_eq("requested first", plan.fetch_first(), lo)?;
    expect_eq(
        "requested last",
        Some(plan.requested_last()),
        hi.or(Some(u64::MAX)),
    )?;
    let clamped = c["crypto_range_clamped"].as_array().ok_or("clamped")?;
    expect_eq(
        "clamped",
        (plan.fetch_first(), plan.fetch_last()),
        (
            clamped[0].as_u64().unwrap_or(0),
            clamped[1].as_u64().unwrap_or(0),
        ),
    )?;
    expect_eq(
        "skip",
        plan.skip(),
        c["bytes_to_skip"].as_u64().unwrap_or(u64::MAX),
    )?;
    let cb = unhex(str_of(c, "ctr_initial_counter_block_hex"));
    let iv: [u8; 12] = cb[..12].try_into().map_err(|_| "counter block")?;
    expect_eq(
        "initial counter",
        &cb[12..],
        &(2 + (plan.fetch_first() / 16) as u32).to_be_bytes()[..],
    )?;
    let key = RangeKey::from_raw(&DataKey::new(arr(c, "ctr_key_hex")?), iv);
    let fetched = unhex(str_of(c, "fetched_ciphertext_hex"));
    let got = key
        .decrypt_unauthenticated(&plan, &fetched)
        .map_err(|e| e.to_string())?;
    expect_eq(
        "plaintext range",
        hex(&got),
        str_of(c, "plaintext_range_hex").to_owned(),
    )?;
    if key
        .decrypt_unauthenticated(&plan, &fetched[..fetched.len() - 1])
        .is_ok()
    {
        return Err("a short fetch was accepted".into());
    }
    Ok(())
}
