//! `minio/dare_v2.json` and `minio/dare_v1.json`: sio's streams, reproduced and rejected.

use s3crypt::dare::{self, CipherSuite, DareError, DecryptOptions, Decryptor, Encryptor};
use s3crypt::keys::ObjectKey;
use sha2::{Digest, Sha256};

use crate::util::{Outcome, Value, Vectors, expect_eq, hex, str_of, unhex};

/// `plaintext[i] = (i*7 + 3) mod 256`.
pub fn rule_plaintext(len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i.wrapping_mul(7).wrapping_add(3)) as u8)
        .collect()
}

fn key_of(case: &Value) -> ObjectKey {
    ObjectKey::from_slice(&unhex(str_of(case, "key_hex"))).expect("32-byte key")
}

fn ciphertext_of(case: &Value) -> Result<Vec<u8>, String> {
    let ct = unhex(str_of(case, "ciphertext_hex"));
    expect_eq(
        "ciphertext_len",
        ct.len() as u64,
        case["ciphertext_len"].as_u64().ok_or("len")?,
    )?;
    expect_eq(
        "ciphertext_sha256",
        hex(&Sha256::digest(&ct)),
        str_of(case, "ciphertext_sha256_hex").to_owned(),
    )?;
    Ok(ct)
}

fn opts(v1: bool, seq: u32) -> DecryptOptions {
    let o = DecryptOptions::new().start_sequence(seq);
    if v1 { o.allow_legacy_v1() } else { o }
}

/// Streams `ct` through a `Decryptor` in chunks of `chunk` bytes. Returns the plaintext
/// released and the outcome.
pub fn stream_decrypt(
    key: &ObjectKey,
    o: DecryptOptions,
    ct: &[u8],
    chunk: usize,
) -> (Vec<u8>, Result<(), DareError>) {
    let mut d = Decryptor::new(key, o);
    let mut out = Vec::new();
    for c in ct.chunks(chunk.max(1)) {
        if let Err(e) = d.update(c, &mut out) {
            return (out, Err(e));
        }
    }
    let r = d.finish();
    (out, r)
}

const CHUNKINGS: [usize; 5] = [1 << 30, 1, 17, 65568, 100_003];

pub fn check(v: &Vectors, v1: bool) -> Outcome {
    let mut out = Outcome::new(v);
    // Stored size of every valid stream, by name: a negative case's base object.
    let sizes: std::collections::HashMap<&str, u64> = v
        .cases()
        .iter()
        .filter(|c| str_of(c, "kind") == "encrypt")
        .filter_map(|c| Some((str_of(c, "name"), c["ciphertext_len"].as_u64()?)))
        .collect();
    for case in v.cases() {
        let r = match str_of(case, "kind") {
            "encrypt" => check_encrypt(case, v1),
            "bitflip" | "truncation" | "reorder" | "header-field" | "trailing-data"
            | "wrong-key" | "degenerate" => check_negative(case, v1, &sizes),
            k => Err(format!("unknown kind {k:?}")),
        };
        out.case(str_of(case, "name"), r);
    }
    out
}

fn check_encrypt(case: &Value, v1: bool) -> Result<(), String> {
    let key = key_of(case);
    let seq = case["sequence_number"].as_u64().ok_or("sequence_number")? as u32;
    let pt_len = case["plaintext_len"].as_u64().ok_or("plaintext_len")? as usize;
    let pt = rule_plaintext(pt_len);
    expect_eq(
        "plaintext_sha256",
        hex(&Sha256::digest(&pt)),
        str_of(case, "plaintext_sha256_hex").to_owned(),
    )?;
    let ct = ciphertext_of(case)?;
    let suite = CipherSuite::from_id(case["cipher_id"].as_u64().ok_or("cipher_id")? as u8)
        .map_err(|e| e.to_string())?;
    expect_eq(
        "version",
        str_of(case, "version"),
        if v1 { "1.0" } else { "2.0" },
    )?;

    // Per-package facts.
    for p in case["packages"].as_array().ok_or("packages")? {
        let off = p["offset"].as_u64().ok_or("offset")? as usize;
        let len = p["package_len"].as_u64().ok_or("package_len")? as usize;
        let pkg = &ct[off..off + len];
        expect_eq(
            "header_hex",
            hex(&pkg[..16]),
            str_of(p, "header_hex").to_owned(),
        )?;
        expect_eq(
            "tag_hex",
            hex(&pkg[len - 16..]),
            str_of(p, "tag_hex").to_owned(),
        )?;
        expect_eq("aad_hex", hex(&pkg[..4]), str_of(p, "aad_hex").to_owned())?;
    }

    if !v1 {
        let nonce_hex = case["rand_hex"]
            .as_str()
            .or(case["config_nonce_hex"].as_str())
            .ok_or("nonce")?;
        let nonce: [u8; 12] = unhex(nonce_hex)
            .try_into()
            .map_err(|_| "nonce is not 12 bytes")?;
        expect_eq(
            "encrypted_size",
            dare::range::encrypted_size(pt_len as u64).ok(),
            case["encrypted_size"].as_u64(),
        )?;
        // Whole-buffer encryption.
        let mut buf = vec![0u8; ct.len()];
        let n = dare::encrypt_buffer_with_nonce(&key, suite, &nonce, seq, &pt, &mut buf)
            .map_err(|e| e.to_string())?;
        expect_eq(
            "encrypt_buffer",
            hex(&Sha256::digest(&buf[..n])),
            hex(&Sha256::digest(&ct)),
        )?;
        #[cfg(feature = "rayon")]
        {
            let mut par = vec![0u8; ct.len()];
            let n =
                dare::encrypt_buffer_parallel_with_nonce(&key, suite, &nonce, seq, &pt, &mut par)
                    .map_err(|e| e.to_string())?;
            if par[..n] != ct[..] {
                return Err("encrypt_buffer_parallel differs from sio".into());
            }
        }
        // Streaming encryption, several chunkings.
        for chunk in CHUNKINGS {
            let mut e = Encryptor::with_nonce(&key, suite, nonce, seq);
            let mut got = Vec::new();
            for c in pt.chunks(chunk) {
                e.update(c, &mut got).map_err(|e| e.to_string())?;
            }
            e.finish(&mut got).map_err(|e| e.to_string())?;
            if got != ct {
                return Err(format!("Encryptor (chunks of {chunk}) differs from sio"));
            }
        }
        // Whole-buffer decryption, bound to the stored size.
        let bound = opts(false, seq).stored_size(ct.len() as u64);
        let mut back = vec![0u8; pt.len()];
        let n = dare::decrypt_buffer(&key, bound, &ct, &mut back)
            .map_err(|e| format!("decrypt_buffer: {e}"))?;
        expect_eq("decrypt_buffer", &back[..n], &pt[..])?;
        #[cfg(feature = "rayon")]
        {
            let mut par = vec![0u8; pt.len()];
            let n = dare::decrypt_buffer_parallel(&key, bound, &ct, &mut par)
                .map_err(|e| format!("decrypt_buffer_parallel: {e}"))?;
            expect_eq("decrypt_buffer_parallel", &par[..n], &pt[..])?;
        }
        // Ranges through `decrypt_range`: a few spots, each exactly right.
        check_ranges(&key, seq, &pt, &ct)?;
    } else if !ct.is_empty() {
        // 1.0 is refused unless asked for.
        let (_, r) = stream_decrypt(&key, opts(false, seq), &ct, 1 << 30);
        expect_eq(
            "1.0 without opt-in",
            r,
            Err(DareError::LegacyVersionNotAllowed),
        )?;
    }
    for chunk in CHUNKINGS {
        let bound = opts(v1, seq).stored_size(ct.len() as u64);
        let (got, r) = stream_decrypt(&key, bound, &ct, chunk);
        r.map_err(|e| format!("Decryptor (chunks of {chunk}): {e}"))?;
        if got != pt {
            return Err(format!("Decryptor (chunks of {chunk}) plaintext differs"));
        }
        // Without a stated size: the same, except that the empty stream is refused.
        let (got, r) = stream_decrypt(&key, opts(v1, seq), &ct, chunk);
        match (ct.is_empty(), r) {
            (true, Err(DareError::EmptyStream)) => {}
            (true, r) => return Err(format!("empty input without a size: {r:?}")),
            (false, r) => {
                r.map_err(|e| format!("Decryptor (unsized, chunks of {chunk}): {e}"))?;
                expect_eq("Decryptor (unsized)", &got[..], &pt[..])?;
            }
        }
    }
    Ok(())
}

/// `decrypt_range` over a few ranges of a valid 2.0 stream: the right bytes, and an error
/// (never fewer bytes) when the fetched bytes are cut or extended.
fn check_ranges(key: &ObjectKey, seq: u32, pt: &[u8], ct: &[u8]) -> Result<(), String> {
    let n = pt.len() as u64;
    if n == 0 {
        return Ok(());
    }
    let spots = [
        (0, n),
        (0, 1),
        (n - 1, 1),
        (n / 2, n - n / 2),
        (n / 3, (n / 3).max(1)),
    ];
    for (off, len) in spots {
        let len = len.min(n - off);
        let r = dare::range::package_range(n, off, len)
            .and_then(|r| r.starting_at(seq))
            .map_err(|e| format!("package_range: {e}"))?;
        let (a, b) = (r.encrypted_offset as usize, r.encrypted_length as usize);
        let fetched = &ct[a..a + b];
        let mut out = vec![0u8; len as usize];
        let got = dare::decrypt_range(key, &r, fetched, &mut out)
            .map_err(|e| format!("decrypt_range({off}, {len}): {e}"))?;
        expect_eq(
            "decrypt_range",
            &out[..got],
            &pt[off as usize..(off + len) as usize],
        )?;
        if b > 0 && dare::decrypt_range(key, &r, &fetched[..b - 1], &mut out).is_ok() {
            return Err(format!("decrypt_range({off}, {len}) accepted a cut answer"));
        }
    }
    Ok(())
}

/// A negative case passes when refused, at any stage. `expect: ok` marks the inputs sio
/// accepts; the crate may refuse those too (it refuses an empty input without a stated size),
/// and if it accepts one it must release exactly what sio did. Bound to the base object's
/// stored size, every input of another length must be refused.
fn check_negative(
    case: &Value,
    v1: bool,
    sizes: &std::collections::HashMap<&str, u64>,
) -> Result<(), String> {
    let key = key_of(case);
    let seq = case["sequence_number"].as_u64().ok_or("sequence_number")? as u32;
    let ct = ciphertext_of(case)?;
    let base_len = case["base_plaintext_len"]
        .as_u64()
        .ok_or("base_plaintext_len")?;
    let base = rule_plaintext(base_len as usize);
    let base_stored = match sizes.get(str_of(case, "base_case")) {
        Some(&s) => s,
        None if !v1 => dare::range::encrypted_size(base_len).map_err(|e| e.to_string())?,
        None => {
            return Err(format!(
                "base case {:?} not in the file",
                str_of(case, "base_case")
            ));
        }
    };
    let expect = str_of(case, "expect");
    if !matches!(expect, "ok" | "error") {
        return Err(format!("unknown expect {expect:?}"));
    }
    for chunk in CHUNKINGS {
        let bound = opts(v1, seq).stored_size(base_stored);
        let (got, r) = stream_decrypt(&key, bound, &ct, chunk);
        if got.len() > base.len() || got[..] != base[..got.len()] {
            return Err(format!(
                "bound: released {} bytes that are not the base",
                got.len()
            ));
        }
        if r.is_ok() && (expect == "error" || ct.len() as u64 != base_stored) {
            return Err(format!(
                "bound to the stored size, accepted (chunks of {chunk})"
            ));
        }
        let (got, r) = stream_decrypt(&key, opts(v1, seq), &ct, chunk);
        // Whatever was released is authenticated plaintext: whole packages of the base.
        if got.len() > base.len() || got[..] != base[..got.len()] {
            return Err(format!(
                "released {} bytes that are not the base plaintext",
                got.len()
            ));
        }
        match str_of(case, "expect") {
            "error" => {
                if r.is_ok() {
                    return Err(format!(
                        "accepted (chunks of {chunk}), sio says {}",
                        str_of(case, "expected_error")
                    ));
                }
                if got.len() % dare::MAX_PAYLOAD != 0 && got.len() != base.len() {
                    return Err(format!("released {} bytes: not whole packages", got.len()));
                }
            }
            _ => {
                if r.is_err() {
                    // Stricter than sio: fine, as long as nothing but base bytes came out.
                    continue;
                }
                expect_eq(
                    "decrypted_len",
                    got.len() as u64,
                    case["decrypted_len"].as_u64().ok_or("decrypted_len")?,
                )?;
                expect_eq(
                    "decrypted_sha256",
                    hex(&Sha256::digest(&got)),
                    str_of(case, "decrypted_sha256_hex").to_owned(),
                )?;
            }
        }
    }
    // All-or-nothing forms agree.
    #[cfg(feature = "rayon")]
    {
        let mut par = vec![0u8; base.len() + 65536];
        let r = dare::decrypt_buffer_parallel(&key, opts(v1, seq), &ct, &mut par);
        match (expect, r) {
            ("error", Ok(_)) => return Err("decrypt_buffer_parallel accepted".into()),
            (_, Err(_)) if par.iter().any(|&b| b != 0) => {
                return Err("decrypt_buffer_parallel left plaintext after failing".into());
            }
            _ => {}
        }
    }
    for bound in [opts(v1, seq), opts(v1, seq).stored_size(base_stored)] {
        let mut buf = vec![0xAAu8; base.len() + 65536];
        let r = dare::decrypt_buffer(&key, bound, &ct, &mut buf);
        let sized = bound.expected_stored_size().is_some();
        match r {
            Ok(_) if expect == "error" || (sized && ct.len() as u64 != base_stored) => {
                return Err(format!("decrypt_buffer accepted (sized: {sized})"));
            }
            Ok(n) => expect_eq("decrypt_buffer (sio accepts)", &buf[..n], &base[..n])?,
            Err(_) if buf.iter().any(|&b| b != 0xAA && b != 0) => {
                return Err("decrypt_buffer left plaintext in the output after failing".into());
            }
            Err(_) => {}
        }
    }
    Ok(())
}
