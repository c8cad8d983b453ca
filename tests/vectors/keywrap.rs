//! Key wrap (Wycheproof, NIST CAVP, RFC 3394/5649) and HKDF (Wycheproof, RFC 5869).

use s3crypt::kdf;
use s3crypt::keys::WrappingKey;
use s3crypt::keywrap::{AesKw, AesKwp, KeyWrap};

use crate::util::{Outcome, Value, Vectors, hex, str_of, unhex};

fn wrapper(kwp: bool, kek: &[u8]) -> Result<Box<dyn KeyWrap>, String> {
    let kek = WrappingKey::from_slice(kek).map_err(|e| e.to_string())?;
    Ok(if kwp {
        Box::new(AesKwp::new(&kek))
    } else {
        Box::new(AesKw::new(&kek))
    })
}

fn wrap(w: &dyn KeyWrap, key: &[u8]) -> Option<Vec<u8>> {
    let mut out = vec![0u8; key.len() + 16];
    let n = w.wrap(key, b"", &mut out).ok()?;
    out.truncate(n);
    Some(out)
}

fn unwrap(w: &dyn KeyWrap, wrapped: &[u8]) -> Result<Vec<u8>, Vec<u8>> {
    let mut out = vec![0u8; wrapped.len()];
    match w.unwrap(wrapped, b"", &mut out) {
        Ok(n) => {
            out.truncate(n);
            Ok(out)
        }
        Err(_) => Err(out),
    }
}

/// Wycheproof `aes_wrap_test.json` / `aes_kwp_test.json`: the 256-bit-KEK groups (the crate
/// wraps under AES-256 only); other KEK sizes are counted as skipped.
pub fn wycheproof(v: &Vectors, kwp: bool, skipped: &mut usize) -> Outcome {
    let mut out = Outcome::new(v);
    out.declared = None;
    for group in v.root["testGroups"].as_array().into_iter().flatten() {
        for t in group["tests"].as_array().into_iter().flatten() {
            if group["keySize"] != 256 {
                *skipped += 1;
                continue;
            }
            out.case(&format!("tcId {}", t["tcId"]), wycheproof_case(t, kwp));
        }
    }
    out
}

fn wycheproof_case(t: &Value, kwp: bool) -> Result<(), String> {
    let w = wrapper(kwp, &unhex(str_of(t, "key")))?;
    let msg = unhex(str_of(t, "msg"));
    let ct = unhex(str_of(t, "ct"));
    let unwrapped = unwrap(&*w, &ct);
    if let Err(buf) = &unwrapped {
        if buf.iter().any(|&b| b != 0) {
            return Err("failed unwrap left bytes in the output".into());
        }
    }
    match str_of(t, "result") {
        "valid" => {
            if unwrapped.as_deref() != Ok(&msg[..]) {
                return Err(format!("unwrap: got {unwrapped:?}"));
            }
            if wrap(&*w, &msg).as_deref() != Some(&ct[..]) {
                return Err("wrap: wrong output".into());
            }
        }
        "invalid" => {
            if unwrapped.is_ok() {
                return Err("unwrap accepted an invalid case".into());
            }
            if wrap(&*w, &msg).as_deref() == Some(&ct[..]) {
                return Err("wrap produced the invalid ciphertext".into());
            }
        }
        // Wycheproof leaves these (8-byte KW keys) to the implementation; the crate refuses
        // them (SP 800-38F), and whatever it does must be consistent.
        "acceptable" => {
            if let Ok(k) = &unwrapped {
                if k != &msg {
                    return Err("acceptable case unwrapped to the wrong key".into());
                }
            }
        }
        r => return Err(format!("unknown result {r:?}")),
    }
    Ok(())
}

/// NIST CAVP `K*_AE_256.txt` (wrap) and `K*_AD_256.txt` (unwrap; `FAIL` must be rejected).
pub fn nist(v: &Vectors, kwp: bool, decrypt: bool) -> Outcome {
    let mut out = Outcome::new(v);
    let text = v.root.as_str().unwrap_or("");
    let mut rec: Vec<(String, String)> = Vec::new();
    let mut section = String::new();
    let flush = |rec: &mut Vec<(String, String)>, section: &str, out: &mut Outcome| {
        if rec.is_empty() {
            return;
        }
        let get = |k: &str| rec.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        let name = format!("{section} COUNT {}", get("COUNT").unwrap_or_default());
        let r = (|| -> Result<(), String> {
            let w = wrapper(kwp, &unhex(&get("K").ok_or("no K")?))?;
            let c = unhex(&get("C").ok_or("no C")?);
            let fail = get("FAIL").is_some();
            let unwrapped = unwrap(&*w, &c);
            if fail {
                if unwrapped.is_ok() || !decrypt {
                    return Err("FAIL record accepted".into());
                }
                return Ok(());
            }
            let p = unhex(&get("P").ok_or("no P")?);
            if unwrapped.as_deref() != Ok(&p[..]) {
                return Err("unwrap mismatch".into());
            }
            if !decrypt && wrap(&*w, &p).as_deref() != Some(&c[..]) {
                return Err("wrap mismatch".into());
            }
            Ok(())
        })();
        out.case(&name, r);
        rec.clear();
    };
    for line in text.lines() {
        let line = line.trim_end_matches('\r').trim();
        if line.starts_with('#') {
            continue;
        }
        if line.starts_with('[') {
            flush(&mut rec, &section, &mut out);
            section = line.to_string();
            continue;
        }
        if line.is_empty() {
            flush(&mut rec, &section, &mut out);
            continue;
        }
        if line == "FAIL" {
            rec.push(("FAIL".into(), String::new()));
        } else if let Some((k, val)) = line.split_once('=') {
            rec.push((k.trim().to_string(), val.trim().to_string()));
        }
    }
    flush(&mut rec, &section, &mut out);
    out
}

/// `rfc/keywrap_rfc.json`: the 256-bit-KEK examples (RFC 3394 4.3, 4.5, 4.6); the others
/// are counted as skipped.
pub fn rfc(v: &Vectors, skipped: &mut usize) -> Outcome {
    let mut out = Outcome::new(v);
    out.declared = None;
    for c in v.root.as_array().into_iter().flatten() {
        let kek = unhex(str_of(c, "kek_hex"));
        if kek.len() != 32 {
            *skipped += 1;
            continue;
        }
        let r = (|| -> Result<(), String> {
            let kwp = match str_of(c, "algorithm") {
                "AES-KW" => false,
                "AES-KWP" => true,
                a => return Err(format!("unknown algorithm {a}")),
            };
            let w = wrapper(kwp, &kek)?;
            let key = unhex(str_of(c, "key_data_hex"));
            let wrapped = unhex(str_of(c, "wrapped_hex"));
            if wrap(&*w, &key).as_deref() != Some(&wrapped[..]) {
                return Err("wrap mismatch".into());
            }
            if unwrap(&*w, &wrapped).as_deref() != Ok(&key[..]) {
                return Err("unwrap mismatch".into());
            }
            Ok(())
        })();
        out.case(str_of(c, "name"), r);
    }
    out
}

/// Wycheproof `hkdf_sha256_test.json` / `hkdf_sha512_test.json`.
pub fn hkdf_wycheproof(v: &Vectors, sha512: bool) -> Outcome {
    let mut out = Outcome::new(v);
    out.declared = v.root["numberOfTests"].as_u64();
    for group in v.root["testGroups"].as_array().into_iter().flatten() {
        for t in group["tests"].as_array().into_iter().flatten() {
            let r = (|| -> Result<(), String> {
                let size = t["size"].as_u64().ok_or("no size")? as usize;
                let mut okm = vec![0u8; size];
                let f = if sha512 {
                    kdf::hkdf_sha512
                } else {
                    kdf::hkdf_sha256
                };
                let got = f(
                    &unhex(str_of(t, "ikm")),
                    &unhex(str_of(t, "salt")),
                    &unhex(str_of(t, "info")),
                    &mut okm,
                );
                match str_of(t, "result") {
                    "valid" => {
                        got.map_err(|e| e.to_string())?;
                        if hex(&okm) != str_of(t, "okm") {
                            return Err("okm mismatch".into());
                        }
                    }
                    "invalid" => {
                        if got.is_ok() {
                            return Err("accepted an oversized output".into());
                        }
                    }
                    r => return Err(format!("unknown result {r:?}")),
                }
                Ok(())
            })();
            out.case(&format!("tcId {}", t["tcId"]), r);
        }
    }
    out
}

/// `rfc/hkdf_rfc5869.json` (HKDF-SHA-256, A.1-A.3).
pub fn hkdf_rfc(v: &Vectors) -> Outcome {
    let mut out = Outcome::new(v);
    out.declared = None;
    for c in v.root.as_array().into_iter().flatten() {
        let r = (|| -> Result<(), String> {
            if str_of(c, "hash") != "SHA-256" {
                return Err(format!("unknown hash {}", str_of(c, "hash")));
            }
            let mut okm = vec![0u8; c["length"].as_u64().ok_or("no length")? as usize];
            kdf::hkdf_sha256(
                &unhex(str_of(c, "ikm_hex")),
                &unhex(str_of(c, "salt_hex")),
                &unhex(str_of(c, "info_hex")),
                &mut okm,
            )
            .map_err(|e| e.to_string())?;
            if hex(&okm) != str_of(c, "okm_hex") {
                return Err("okm mismatch".into());
            }
            Ok(())
        })();
        out.case(str_of(c, "name"), r);
    }
    out
}
