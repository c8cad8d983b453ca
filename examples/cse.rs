//! `cse`: one object in each client-side format, written and read back with a key from a
//! file — the AWS S3 Encryption Client (V3, key-committing, `AES/GCM` raw-key wrap), Tink
//! streaming AEAD (AES256_GCM_HKDF_1MB, read back through random access) and Constellation
//! s3proxy (AES-256-GCM-SIV, KWP-wrapped DEK).
//!
//! ```text
//! cargo run --example cse -- [KEY_FILE]
//! ```
//!
//! `KEY_FILE` holds exactly 32 raw bytes; without it the example writes a fresh one to the
//! temp directory. Each "stored" object (body and metadata) is written to
//! `$TMPDIR/s3crypt-cse/`, as a bucket would hold it, then read back from there.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use s3crypt::cse::s3ec::{self, ContentMetadata, Keyring, ReadOptions, WriteOptions};
use s3crypt::cse::{s3proxy, tink};
use s3crypt::keys::WrappingKey;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

fn key_from_file(path: &Path) -> Res<[u8; 32]> {
    let raw = fs::read(path)?;
    raw.as_slice()
        .try_into()
        .map_err(|_| format!("{} holds {} bytes, not 32", path.display(), raw.len()).into())
}

/// Stores metadata as `name: value` lines next to the body, as S3 keeps them.
fn store(dir: &Path, name: &str, body: &[u8], meta: &[(String, String)]) -> Res<()> {
    fs::write(dir.join(name), body)?;
    let text: String = meta.iter().map(|(k, v)| format!("{k}: {v}\n")).collect();
    fs::write(dir.join(format!("{name}.meta")), text)?;
    Ok(())
}

fn load(dir: &Path, name: &str) -> Res<(Vec<u8>, BTreeMap<String, String>)> {
    let body = fs::read(dir.join(name))?;
    let text = fs::read_to_string(dir.join(format!("{name}.meta")))?;
    let meta = text
        .lines()
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    Ok((body, meta))
}

fn run(key_file: Option<PathBuf>) -> Res<()> {
    let dir = std::env::temp_dir().join("s3crypt-cse");
    fs::create_dir_all(&dir)?;
    let key_path = match key_file {
        Some(p) => p,
        None => {
            let p = dir.join("key.bin");
            let mut k = [0u8; 32];
            getrandom::fill(&mut k).map_err(|e| e.to_string())?;
            fs::write(&p, k)?;
            p
        }
    };
    let key = key_from_file(&key_path)?;
    println!(
        "key: {} (32 bytes); objects in {}",
        key_path.display(),
        dir.display()
    );
    let plaintext: Vec<u8> = (0..3_000_000u32).map(|i| (i * 7 + 3) as u8).collect();

    // 1. AWS S3 Encryption Client, V3: what the Java v4, Go v4 and Python 4 clients read.
    let kek = WrappingKey::new(key);
    let keyring = Keyring::aes(&kek);
    let obj = s3ec::encrypt(&keyring, &WriteOptions::v3(), &plaintext)?;
    let meta: Vec<(String, String)> = obj
        .metadata
        .to_object_metadata()?
        .into_iter()
        .map(|(k, v)| (format!("x-amz-meta-{k}"), v))
        .collect();
    store(&dir, "s3ec-object", &obj.body, &meta)?;
    let (body, meta) = load(&dir, "s3ec-object")?;
    let md = ContentMetadata::from_object(meta.iter().map(|(k, v)| (k.as_str(), v.as_str())))?
        .ok_or("no S3EC metadata")?;
    let back = s3ec::decrypt(&md, &keyring, &ReadOptions::default(), &body)?;
    assert_eq!(back, plaintext);
    println!(
        "S3EC V3:  {} bytes stored, metadata {:?}; decrypted and commitment verified",
        body.len(),
        meta.keys().collect::<Vec<_>>()
    );

    // 2. Tink streaming AEAD: the key file's 32 bytes as the main key of an
    //    AES256_GCM_HKDF_1MB key; the object path is the associated data.
    let tkey = tink::StreamingKey::from_template(tink::Template::Aes256GcmHkdf1Mb, &key)?;
    let ad = b"s3://bucket/tink-object";
    let ct = tink::encrypt_buffer(&tkey, ad, &plaintext)?;
    store(&dir, "tink-object", &ct, &[])?;
    let (stored, _) = load(&dir, "tink-object")?;
    // A ranged read: fetch the header, then only the segments holding bytes 2,000,000..2,000,100.
    let header_len = tink::RandomAccess::header_len(&tkey);
    let ra = tink::RandomAccess::new(&tkey, ad, &stored[..header_len], stored.len() as u64)?;
    let plan = ra.plan(2_000_000, 100)?;
    let s = plan.ciphertext_offset() as usize;
    let fetched = &stored[s..s + plan.ciphertext_len() as usize];
    let mut range = vec![0u8; 100];
    ra.decrypt_range(&plan, fetched, &mut range)?;
    assert_eq!(range, plaintext[2_000_000..2_000_100]);
    assert_eq!(tink::decrypt_buffer(&tkey, ad, &stored)?, plaintext);
    println!(
        "Tink:     {} bytes stored; range {} fetched {} bytes and authenticated",
        stored.len(),
        plan.http_range().unwrap_or_default(),
        fetched.len()
    );

    // 3. Constellation s3proxy: the key file as the KEK.
    let obj = s3proxy::encrypt(&kek, &plaintext)?;
    let (name, value) = obj.metadata();
    store(
        &dir,
        "s3proxy-object",
        &obj.body,
        &[(name.to_owned(), value)],
    )?;
    let (body, meta) = load(&dir, "s3proxy-object")?;
    let dek = s3proxy::wrapped_dek(meta.iter().map(|(k, v)| (k.as_str(), v.as_str())))?
        .ok_or("no constellation-dek: s3proxy would serve this object as plaintext")?;
    assert_eq!(s3proxy::decrypt(&kek, &dek, &body)?, plaintext);
    println!(
        "s3proxy:  {} bytes stored, {name}: {}…",
        body.len(),
        &dek.to_hex()[..16]
    );
    Ok(())
}

fn main() -> ExitCode {
    match run(std::env::args_os().nth(1).map(PathBuf::from)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cse: {e}");
            ExitCode::FAILURE
        }
    }
}
