//! Arbitrary bytes into the DARE decryptors: never panics, and never releases plaintext
//! that is not from an authenticated package.
//!
//! Byte 0 picks the chunk size and options; the rest is the "stream". To let the fuzzer reach
//! authenticated packages, when byte 0's top bit is set the input is first *encrypted*
//! (under the same key) and then mutated at a fuzzer-chosen position, so the decryptor sees
//! near-valid streams.
#![no_main]

use libfuzzer_sys::fuzz_target;
use s3crypt::dare::{self, CipherSuite, DecryptOptions, Decryptor, Encryptor};
use s3crypt::keys::ObjectKey;

fuzz_target!(|data: &[u8]| {
    let Some((&ctl, rest)) = data.split_first() else {
        return;
    };
    let key = ObjectKey::new([0x11; 32]);
    let chunk = usize::from(ctl & 0x3F) * 997 + 1;
    let opts = if ctl & 0x40 != 0 {
        DecryptOptions::new().allow_legacy_v1()
    } else {
        DecryptOptions::new()
    };

    let (stream, plaintext) = if ctl & 0x80 != 0 && rest.len() > 4 {
        let (m, pt) = rest.split_at(4);
        let pt: Vec<u8> = pt.iter().cycle().take(pt.len() * 97).copied().collect();
        let suite = if m[0] & 1 == 0 {
            CipherSuite::Aes256Gcm
        } else {
            CipherSuite::ChaCha20Poly1305
        };
        let mut ct = Vec::new();
        let mut e = Encryptor::with_nonce(&key, suite, [m[1]; 12], 0);
        e.update(&pt, &mut ct).unwrap();
        e.finish(&mut ct).unwrap();
        if !ct.is_empty() {
            let pos = usize::from(u16::from_le_bytes([m[2], m[3]])) * 7 % ct.len();
            ct[pos] ^= m[1] | 1;
        }
        (ct, Some(pt))
    } else {
        (rest.to_vec(), None)
    };

    let mut d = Decryptor::new(&key, opts);
    let mut out = Vec::new();
    let mut ok = true;
    for c in stream.chunks(chunk) {
        if d.update(c, &mut out).is_err() {
            ok = false;
            break;
        }
    }
    let ok = ok && d.finish().is_ok();
    if let Some(pt) = plaintext {
        // The stream was tampered with: it must fail, and what was released is a prefix of
        // whole authenticated packages.
        assert!(!ok || stream.is_empty(), "tampered stream accepted");
        assert!(out.len() % dare::MAX_PAYLOAD == 0);
        assert_eq!(&out[..], &pt[..out.len()]);
    }
    let mut buf = vec![0u8; stream.len()];
    let r = dare::decrypt_buffer(&key, opts, &stream, &mut buf);
    if r.is_err() {
        assert!(
            buf.iter().all(|&b| b == 0),
            "decrypt_buffer left bytes after failing"
        );
    }
});
