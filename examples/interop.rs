//! `interop`: the crate's side of the interoperability suite against the real client-side
//! libraries (`tests/interop/interop.py` drives it: tink-py, and the AWS S3 Encryption Client
//! for Python over moto's S3 and KMS). Not a tool for users: it reads requests and writes
//! answers as JSON lines, so one process handles many cases.
//!
//! ```text
//! cargo build --release --example interop
//! target/release/examples/interop < requests.jsonl
//! ```
//!
//! One request per line, one answer per line: `{"ok": true, …}` or `{"ok": false, "error":
//! "…"}`. A KMS keyring asks the driver to run KMS calls for it (the crate does no I/O): it
//! writes `{"kms": "generate" | "decrypt", "key_id", "context", "ciphertext"?}` and reads
//! `{"plaintext", "ciphertext"?}` (base64) or `{"error"}` — so the crate's own `kms+context`
//! logic (the reserved `aws:x-amz-cek-alg` entry, context matching) runs against real KMS
//! answers.
//!
//! Requests (`in`/`out` are file paths; binary values are hex unless named `*_b64`):
//! - `tink-encrypt`: `keyset_json` or `keyset_binary_hex`, `aad_hex`, `in`, `out`, `chunk`
//!   (0: one buffer; n: the streaming encryptor fed n bytes at a time);
//! - `tink-decrypt`: the same keyset fields, `aad_hex`, `in`, `out`, `mode` = `whole` |
//!   `stream` (with `chunk`) | `range` (with `offset`, `len`) | `seek` (`std::io::Seek`
//!   reader; `offset`, `len`);
//! - `tink-decrypt-encrypted-keyset`: `tink-decrypt` with an encrypted keyset: `format`
//!   (`json` | `binary`, hex), `keyset`, `master_hex`, `master_prefix` (`RAW` | `TINK` |
//!   `LEGACY`, with `master_key_id`), `keyset_aad_hex`;
//! - `tink-encrypt-keyset`: the same keyset fields → `keyset`, written again by the crate
//!   (fresh IV, same master and associated data);
//! - `s3ec-encrypt`: `keyring`, `format` (`v2` | `v3`), `layout` (`object` | `instruction`),
//!   `in`, `out`, `parts` (0: one call; n: the streaming encryptor in n-byte pieces) →
//!   `metadata` (user metadata, names without `x-amz-meta-`), `instruction` (the instruction
//!   file's body, or null);
//! - `s3ec-decrypt`: `keyring`, `metadata`, `instruction` (or null), `policy` (`require` |
//!   `allow` | `forbid`), `legacy_wrapping`, `legacy_cbc`, `mode` (`whole` | `stream`),
//!   `in`, `out`.
//!
//! A keyring is `{"kms": {"key_id", "context": {…}}}`, `{"aes": "<64 hex>"}`, `{"rsa":
//! "<PKCS#8 DER hex>"}` or `{"rsa_public": "<SubjectPublicKeyInfo DER hex>"}`.

use std::io::{BufRead, Read, Seek, SeekFrom, Write};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Value, json};

use s3crypt::cse::s3ec::{
    self, CommitmentPolicy, ContentMetadata, Keyring, ReadOptions, Release, RsaPrivateKey,
    RsaPublicKey, WriteOptions,
};
use s3crypt::cse::tink::{self, Keyset, KeysetMaster, OutputPrefix, RandomAccess, StreamingKey};
use s3crypt::keys::{DataKey, WrappingKey};
use s3crypt::kms::{Context, GeneratedKey, KeyProvider, KmsError};

type Res<T> = Result<T, String>;

fn unhex(s: &str) -> Res<Vec<u8>> {
    if s.len() % 2 != 0 {
        return Err("odd hex".into());
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).map_err(|e| e.to_string()))
        .collect()
}

fn field<'a>(req: &'a Value, name: &str) -> Res<&'a Value> {
    req.get(name).ok_or_else(|| format!("request lacks {name}"))
}

fn text<'a>(req: &'a Value, name: &str) -> Res<&'a str> {
    field(req, name)?
        .as_str()
        .ok_or_else(|| format!("{name} is not a string"))
}

fn num(req: &Value, name: &str) -> Res<u64> {
    field(req, name)?
        .as_u64()
        .ok_or_else(|| format!("{name} is not a number"))
}

fn read(req: &Value) -> Res<Vec<u8>> {
    std::fs::read(text(req, "in")?).map_err(|e| e.to_string())
}

fn write(req: &Value, data: &[u8]) -> Res<()> {
    std::fs::write(text(req, "out")?, data).map_err(|e| e.to_string())
}

/// KMS through the driver: one JSON line out, one back.
struct DriverKms;

impl DriverKms {
    fn call(&self, request: Value) -> Result<Value, KmsError> {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{request}").map_err(|e| KmsError::Provider(e.to_string()))?;
        out.flush().map_err(|e| KmsError::Provider(e.to_string()))?;
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| KmsError::Provider(e.to_string()))?;
        let v: Value =
            serde_json::from_str(&line).map_err(|e| KmsError::Provider(e.to_string()))?;
        if let Some(e) = v.get("error").and_then(Value::as_str) {
            return Err(if e.contains("NotFound") {
                KmsError::KeyNotFound(e.to_owned())
            } else {
                KmsError::DecryptionFailed
            });
        }
        Ok(v)
    }

    fn context_json(context: &Context) -> Value {
        Value::Object(
            context
                .iter()
                .map(|(k, v)| (k.to_owned(), Value::String(v.to_owned())))
                .collect(),
        )
    }

    fn plaintext(v: &Value) -> Result<DataKey, KmsError> {
        let raw = v
            .get("plaintext")
            .and_then(Value::as_str)
            .and_then(|s| B64.decode(s).ok())
            .ok_or(KmsError::InvalidCiphertext("driver answer lacks plaintext"))?;
        DataKey::from_slice(&raw).map_err(|_| KmsError::InvalidCiphertext("data key length"))
    }
}

impl KeyProvider for DriverKms {
    fn default_key_id(&self) -> &str {
        ""
    }

    fn generate_key(&self, key_id: &str, context: &Context) -> Result<GeneratedKey, KmsError> {
        let v = self.call(json!({"kms": "generate", "key_id": key_id,
            "context": Self::context_json(context)}))?;
        let ciphertext = v
            .get("ciphertext")
            .and_then(Value::as_str)
            .and_then(|s| B64.decode(s).ok())
            .ok_or(KmsError::InvalidCiphertext(
                "driver answer lacks ciphertext",
            ))?;
        Ok(GeneratedKey {
            key_id: key_id.to_owned(),
            plaintext: Self::plaintext(&v)?,
            ciphertext,
        })
    }

    fn decrypt_key(
        &self,
        key_id: &str,
        ciphertext: &[u8],
        context: &Context,
    ) -> Result<DataKey, KmsError> {
        let v = self.call(json!({"kms": "decrypt", "key_id": key_id,
            "ciphertext": B64.encode(ciphertext), "context": Self::context_json(context)}))?;
        Self::plaintext(&v)
    }
}

/// The master key of an encrypted keyset: `master_hex`, and `master_prefix` (`RAW` by
/// default, `TINK`/`LEGACY` with `master_key_id`).
fn master(req: &Value) -> Res<KeysetMaster> {
    let key =
        WrappingKey::from_slice(&unhex(text(req, "master_hex")?)?).map_err(|e| e.to_string())?;
    let m = KeysetMaster::aes256_gcm(&key);
    let id = req
        .get("master_key_id")
        .and_then(Value::as_u64)
        .unwrap_or(0) as u32;
    Ok(match req.get("master_prefix").and_then(Value::as_str) {
        None | Some("RAW") => m,
        Some("TINK") => m.with_output_prefix(OutputPrefix::Tink, id),
        Some("LEGACY") => m.with_output_prefix(OutputPrefix::Legacy, id),
        Some(p) => return Err(format!("unknown prefix {p}")),
    })
}

/// An encrypted keyset: `format` (`json` | `binary` as hex), `keyset`, the master, and
/// `keyset_aad_hex`.
fn encrypted_keyset(req: &Value) -> Res<Keyset> {
    let m = master(req)?;
    let ad = unhex(text(req, "keyset_aad_hex")?)?;
    let ks = text(req, "keyset")?;
    match text(req, "format")? {
        "json" => Keyset::from_encrypted_json(ks, &m, &ad),
        "binary" => Keyset::from_encrypted_binary(&unhex(ks)?, &m, &ad),
        f => return Err(format!("unknown format {f}")),
    }
    .map_err(|e| e.to_string())
}

/// Reads an encrypted keyset and writes it again, encrypted under the same master key with
/// a fresh IV (and, when `clear` is set, also in clear JSON for the driver to compare).
fn tink_encrypt_keyset(req: &Value) -> Res<Value> {
    let ks = encrypted_keyset(req)?;
    let m = master(req)?;
    let ad = unhex(text(req, "keyset_aad_hex")?)?;
    let out = match text(req, "format")? {
        "json" => ks.to_encrypted_json(&m, &ad).map_err(|e| e.to_string())?,
        _ => {
            let b = ks.to_encrypted_binary(&m, &ad).map_err(|e| e.to_string())?;
            b.iter().map(|x| format!("{x:02x}")).collect()
        }
    };
    Ok(json!({"ok": true, "keyset": out}))
}

fn keyset(req: &Value) -> Res<Keyset> {
    if req.get("keyset").is_some() {
        return encrypted_keyset(req);
    }
    if let Some(j) = req.get("keyset_json").and_then(Value::as_str) {
        return Keyset::from_json(j).map_err(|e| e.to_string());
    }
    Keyset::from_binary(&unhex(text(req, "keyset_binary_hex")?)?).map_err(|e| e.to_string())
}

fn tink_encrypt(req: &Value) -> Res<Value> {
    let ks = keyset(req)?;
    let key = ks.primary().map_err(|e| e.to_string())?;
    let aad = unhex(text(req, "aad_hex")?)?;
    let pt = read(req)?;
    let chunk = num(req, "chunk")? as usize;
    let ct = if chunk == 0 {
        tink::encrypt_buffer(key, &aad, &pt).map_err(|e| e.to_string())?
    } else {
        let mut e = tink::Encryptor::new(key, &aad).map_err(|e| e.to_string())?;
        let mut ct = Vec::new(); // the header comes out with the first update
        for c in pt.chunks(chunk) {
            e.update(c, &mut ct).map_err(|e| e.to_string())?;
        }
        e.finish(&mut ct).map_err(|e| e.to_string())?;
        ct
    };
    write(req, &ct)?;
    Ok(json!({"ok": true}))
}

/// Decrypts with one key in the requested mode.
fn tink_decrypt_with(key: &StreamingKey, aad: &[u8], ct: &[u8], req: &Value) -> Res<Vec<u8>> {
    let err = |e: tink::TinkError| e.to_string();
    match text(req, "mode")? {
        "whole" => tink::decrypt_buffer(key, aad, ct).map_err(err),
        "stream" => {
            let chunk = (num(req, "chunk")? as usize).max(1);
            let mut d = tink::Decryptor::new(key, aad).map_err(err)?;
            let mut out = Vec::new();
            for c in ct.chunks(chunk) {
                d.update(c, &mut out).map_err(err)?;
            }
            d.finish(&mut out).map_err(err)?;
            Ok(out)
        }
        "range" => {
            let ra = RandomAccess::new(key, aad, ct, ct.len() as u64).map_err(err)?;
            let plan = ra
                .plan(num(req, "offset")?, num(req, "len")?)
                .map_err(err)?;
            let s = plan.ciphertext_offset() as usize;
            let fetched = ct
                .get(s..s + plan.ciphertext_len() as usize)
                .ok_or("plan past the object")?;
            let mut out = vec![0; plan.plaintext_len() as usize];
            ra.decrypt_range(&plan, fetched, &mut out).map_err(err)?;
            Ok(out)
        }
        "seek" => {
            let mut r = tink::io::SeekableReader::new(std::io::Cursor::new(ct), key, aad)
                .map_err(|e| e.to_string())?;
            r.seek(SeekFrom::Start(num(req, "offset")?))
                .map_err(|e| e.to_string())?;
            let mut out = vec![0; num(req, "len")? as usize];
            r.read_exact(&mut out).map_err(|e| e.to_string())?;
            Ok(out)
        }
        m => Err(format!("unknown mode {m}")),
    }
}

fn tink_decrypt(req: &Value) -> Res<Value> {
    let ks = keyset(req)?;
    let aad = unhex(text(req, "aad_hex")?)?;
    let ct = read(req)?;
    // A streaming ciphertext names no key: try every enabled key, as Tink does.
    let mut last = String::from("no enabled key");
    for key in ks.decryption_keys() {
        match tink_decrypt_with(key, &aad, &ct, req) {
            Ok(pt) => {
                write(req, &pt)?;
                return Ok(json!({"ok": true}));
            }
            Err(e) => last = e,
        }
    }
    Err(last)
}

fn with_keyring<T>(req: &Value, f: impl FnOnce(&Keyring<'_>) -> Res<T>) -> Res<T> {
    let kr = field(req, "keyring")?;
    if let Some(hex) = kr.get("aes").and_then(Value::as_str) {
        let key = WrappingKey::from_slice(&unhex(hex)?).map_err(|e| e.to_string())?;
        return f(&Keyring::aes(&key));
    }
    if let Some(hex) = kr.get("rsa").and_then(Value::as_str) {
        let key = RsaPrivateKey::from_pkcs8_der(&unhex(hex)?).map_err(|e| e.to_string())?;
        return f(&Keyring::rsa(&key));
    }
    if let Some(hex) = kr.get("rsa_public").and_then(Value::as_str) {
        let key = RsaPublicKey::from_spki_der(&unhex(hex)?).map_err(|e| e.to_string())?;
        return f(&Keyring::rsa_public(&key));
    }
    let kms = kr
        .get("kms")
        .ok_or("keyring is neither aes, rsa, rsa_public nor kms")?;
    let key_id = text(kms, "key_id")?;
    let mut context = Context::new();
    if let Some(m) = kms.get("context").and_then(Value::as_object) {
        for (k, v) in m {
            context.insert(k, v.as_str().ok_or("context values are strings")?);
        }
    }
    f(&Keyring::kms(&DriverKms, key_id, context))
}

fn s3ec_encrypt(req: &Value) -> Res<Value> {
    let opts = match text(req, "format")? {
        "v2" => WriteOptions::v2(),
        "v3" => WriteOptions::v3(),
        f => return Err(format!("unknown format {f}")),
    };
    let pt = read(req)?;
    let parts = num(req, "parts")? as usize;
    let (body, md) = with_keyring(req, |kr| {
        if parts == 0 {
            let o = s3ec::encrypt(kr, &opts, &pt).map_err(|e| e.to_string())?;
            return Ok((o.body, o.metadata));
        }
        let mut e = s3ec::Encryptor::new(kr, &opts).map_err(|e| e.to_string())?;
        let md = e.metadata().clone();
        let mut body = Vec::new();
        let mut pieces = pt.chunks(parts).peekable();
        let mut last: &[u8] = &[];
        while let Some(p) = pieces.next() {
            if pieces.peek().is_none() {
                last = p;
                break;
            }
            body.extend(e.update(p).map_err(|e| e.to_string())?);
        }
        body.extend(e.finish(last).map_err(|e| e.to_string())?);
        Ok((body, md))
    })?;
    write(req, &body)?;
    let (metadata, instruction) = match text(req, "layout")? {
        "object" => (md.to_object_metadata().map_err(|e| e.to_string())?, None),
        "instruction" => {
            let (m, file) = md.to_instruction_file().map_err(|e| e.to_string())?;
            (m, Some(file))
        }
        l => return Err(format!("unknown layout {l}")),
    };
    let metadata: serde_json::Map<String, Value> = metadata
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    Ok(json!({"ok": true, "metadata": metadata, "instruction": instruction}))
}

fn s3ec_decrypt(req: &Value) -> Res<Value> {
    let meta: Vec<(String, String)> = field(req, "metadata")?
        .as_object()
        .ok_or("metadata is not an object")?
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
        .collect();
    let pairs = meta.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    let md = match req.get("instruction").and_then(Value::as_str) {
        Some(file) => ContentMetadata::from_instruction_file(pairs, file.as_bytes()),
        None => ContentMetadata::from_object(pairs)
            .and_then(|m| m.ok_or(s3ec::S3ecError::Metadata("no content metadata"))),
    }
    .map_err(|e| e.to_string())?;
    let policy = match text(req, "policy")? {
        "require" => CommitmentPolicy::RequireEncryptRequireDecrypt,
        "allow" => CommitmentPolicy::RequireEncryptAllowDecrypt,
        "forbid" => CommitmentPolicy::ForbidEncryptAllowDecrypt,
        p => return Err(format!("unknown policy {p}")),
    };
    let flag = |n: &str| req.get(n).and_then(Value::as_bool).unwrap_or(false);
    let opts = ReadOptions::default()
        .commitment(policy)
        .legacy_wrapping(flag("legacy_wrapping"))
        .legacy_cbc(flag("legacy_cbc"));
    let body = read(req)?;
    let pt = with_keyring(req, |kr| match text(req, "mode")? {
        "whole" => s3ec::decrypt(&md, kr, &opts, &body).map_err(|e| e.to_string()),
        "stream" => {
            let mut d = s3ec::Decryptor::new(&md, kr, &opts, Release::Authenticated)
                .map_err(|e| e.to_string())?;
            let mut out = Vec::new();
            for c in body.chunks(65_537) {
                out.extend(d.update(c).map_err(|e| e.to_string())?);
            }
            out.extend(d.finish().map_err(|e| e.to_string())?);
            Ok(out)
        }
        m => Err(format!("unknown mode {m}")),
    })?;
    write(req, &pt)?;
    Ok(json!({"ok": true}))
}

fn handle(line: &str) -> Value {
    let req: Value = match serde_json::from_str(line) {
        Ok(v) => v,
        Err(e) => return json!({"ok": false, "error": format!("bad request: {e}")}),
    };
    let r = match req.get("op").and_then(Value::as_str) {
        Some("tink-encrypt") => tink_encrypt(&req),
        Some("tink-decrypt") => tink_decrypt(&req),
        // The same read with the keyset fields of an encrypted keyset.
        Some("tink-decrypt-encrypted-keyset") => tink_decrypt(&req),
        Some("tink-encrypt-keyset") => tink_encrypt_keyset(&req),
        Some("s3ec-encrypt") => s3ec_encrypt(&req),
        Some("s3ec-decrypt") => s3ec_decrypt(&req),
        op => Err(format!("unknown op {op:?}")),
    };
    r.unwrap_or_else(|e| json!({"ok": false, "error": e}))
}

fn main() {
    let mut line = String::new();
    loop {
        line.clear();
        // The stdin lock is not held across a request: the KMS bridge reads from it too.
        match std::io::stdin().lock().read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        if line.trim().is_empty() {
            continue;
        }
        let answer = handle(&line);
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{answer}");
        let _ = out.flush();
    }
}
