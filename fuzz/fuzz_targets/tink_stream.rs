//! Tink streaming ciphertexts and keysets from arbitrary bytes: never panics; the buffer
//! decryptor, the streaming decryptor (fed in fuzzed pieces) and random access agree; a
//! random ciphertext never authenticates; keysets (JSON and binary) parse or fail cleanly.
#![no_main]

use libfuzzer_sys::fuzz_target;
use s3crypt::cse::tink::{
    self, Decryptor, HashType, Keyset, RandomAccess, StreamingKey, StreamingParams,
};

fuzz_target!(|data: &[u8]| {
    let Some((&ctl, rest)) = data.split_first() else {
        return;
    };
    match ctl % 4 {
        0 => {
            let _ = Keyset::from_binary(rest);
            return;
        }
        1 => {
            if let Ok(t) = core::str::from_utf8(rest) {
                let _ = Keyset::from_json(t);
            }
            return;
        }
        _ => {}
    }
    // Small segments so short inputs span several.
    let params = if ctl % 4 == 2 {
        StreamingParams::AesGcmHkdf {
            segment_size: 64,
            derived_key_size: 16,
            hkdf_hash: HashType::Sha256,
        }
    } else {
        StreamingParams::AesCtrHmac {
            segment_size: 96,
            derived_key_size: 32,
            hkdf_hash: HashType::Sha1,
            hmac_hash: HashType::Sha512,
            tag_size: 16,
        }
    };
    let key = StreamingKey::new(params, &[0x33; 32]).expect("valid params");
    let chunk = usize::from(ctl >> 2) + 1;
    let ad = b"fuzz";
    let whole = tink::decrypt_buffer(&key, ad, rest);
    assert!(whole.is_err(), "a random ciphertext authenticated");
    let mut d = Decryptor::new(&key, ad).unwrap();
    let mut out = Vec::new();
    let mut ok = true;
    for piece in rest.chunks(chunk) {
        if d.update(piece, &mut out).is_err() {
            ok = false;
            break;
        }
    }
    if ok {
        ok = d.finish(&mut out).is_ok();
    }
    assert!(!ok, "the streaming decryptor accepted a random ciphertext");
    assert!(out.is_empty(), "plaintext released from a failed stream");
    if let Ok(ra) = RandomAccess::new(&key, ad, rest, rest.len() as u64) {
        let n = ra.plaintext_len();
        let off = u64::from(ctl) % (n + 1);
        if let Ok(plan) = ra.plan(off, (n - off).min(chunk as u64)) {
            let s = plan.ciphertext_offset() as usize;
            let e = s + plan.ciphertext_len() as usize;
            assert!(e <= rest.len(), "a plan points past the object");
            let mut buf = vec![0u8; plan.plaintext_len() as usize];
            let r = ra.decrypt_range(&plan, &rest[s..e], &mut buf);
            if plan.plaintext_len() > 0 {
                assert!(r.is_err(), "random access accepted a random ciphertext");
            }
            assert!(buf.iter().all(|&b| b == 0));
        }
    }
    // The seekable reader over the same bytes: a seek anywhere and a read never panic and
    // never return bytes of a random ciphertext (nor an early end).
    if let Ok(mut r) = tink::io::SeekableReader::new(std::io::Cursor::new(rest), &key, ad) {
        use std::io::{Read, Seek, SeekFrom};
        let n = r.plaintext_len();
        let _ = r.seek(SeekFrom::Start(u64::from(ctl) % (n + 2)));
        let mut buf = [0u8; 37];
        assert!(
            r.read(&mut buf).is_err(),
            "the seekable reader read a random ciphertext"
        );
        assert!(r.read(&mut buf).is_err(), "a failed reader read again");
    }
});
