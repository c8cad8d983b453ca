//! Constellation s3proxy objects: arbitrary metadata values and bodies never panic and never
//! decrypt under a KEK they were not written with; a round trip of the fuzz input as
//! plaintext decrypts to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use s3crypt::cse::s3proxy;
use s3crypt::keys::WrappingKey;

fuzz_target!(|data: &[u8]| {
    let kek = WrappingKey::new([0x11; 32]);
    let split = data.iter().position(|&b| b == 0).unwrap_or(data.len());
    let (meta, body) = data.split_at(split);
    if let Ok(text) = core::str::from_utf8(meta) {
        if let Ok(Some(dek)) = s3proxy::wrapped_dek([("x-amz-meta-constellation-dek", text)]) {
            let mut out = vec![0u8; body.len().saturating_sub(s3proxy::OVERHEAD)];
            assert!(s3proxy::decrypt_into(&kek, &dek, body, &mut out).is_err());
            assert!(out.iter().all(|&b| b == 0));
        }
    }
    let enc = s3proxy::encrypt(&kek, data).expect("encrypt");
    let back = s3proxy::decrypt(&kek, &enc.wrapped_dek, &enc.body).expect("round trip");
    assert_eq!(back, data);
});
