//! Any plaintext, key, nonce, start sequence number and chunking: encrypt then decrypt gives
//! the plaintext back, and the streaming and whole-buffer forms agree byte for byte.
#![no_main]

use libfuzzer_sys::fuzz_target;
use s3crypt::dare::{self, CipherSuite, DecryptOptions, Decryptor, Encryptor};
use s3crypt::keys::ObjectKey;

fuzz_target!(|data: &[u8]| {
    if data.len() < 8 {
        return;
    }
    let (ctl, pt) = data.split_at(8);
    let suite = if ctl[0] & 1 == 0 {
        CipherSuite::Aes256Gcm
    } else {
        CipherSuite::ChaCha20Poly1305
    };
    let key = ObjectKey::new([ctl[1]; 32]);
    let nonce = [ctl[2]; 12];
    let seq = u32::from_le_bytes([ctl[3], ctl[4], 0, 0]);
    let in_chunk = usize::from(ctl[5]) * 613 + 1;
    let out_chunk = usize::from(ctl[6]) * 409 + 1;
    // Stretch the input so it crosses package boundaries.
    let reps = usize::from(ctl[7] % 4) * 40 + 1;
    let pt: Vec<u8> = pt.iter().cycle().take(pt.len() * reps).copied().collect();

    let mut e = Encryptor::with_nonce(&key, suite, nonce, seq);
    let mut ct = Vec::new();
    for c in pt.chunks(in_chunk) {
        e.update(c, &mut ct).unwrap();
    }
    e.finish(&mut ct).unwrap();

    let mut whole = vec![0u8; ct.len()];
    let n = dare::encrypt_buffer_with_nonce(&key, suite, &nonce, seq, &pt, &mut whole).unwrap();
    assert_eq!(&whole[..n], &ct[..]);

    // The last part through `finish_with`: the same bytes.
    let split = pt.len() - (usize::from(ctl[6]) * 401).min(pt.len());
    let mut e = Encryptor::with_nonce(&key, suite, nonce, seq);
    let mut with = Vec::new();
    e.update(&pt[..split], &mut with).unwrap();
    e.finish_with(&pt[split..], &mut with).unwrap();
    assert_eq!(with, ct);
    assert_eq!(
        ct.len() as u64,
        dare::range::encrypted_size(pt.len() as u64).unwrap()
    );

    let opts = DecryptOptions::new()
        .start_sequence(seq)
        .stored_size(ct.len() as u64);
    let mut d = Decryptor::new(&key, opts);
    let mut back = Vec::new();
    for c in ct.chunks(out_chunk) {
        d.update(c, &mut back).unwrap();
    }
    d.finish().unwrap();
    assert_eq!(back, pt);

    let mut buf = vec![0u8; pt.len()];
    let m = dare::decrypt_buffer(&key, opts, &ct, &mut buf).unwrap();
    assert_eq!(&buf[..m], &pt[..]);
});
