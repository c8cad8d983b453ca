//! S3EC object bodies under fuzzed metadata: `decrypt`, both `Decryptor` modes and the
//! ranged-GET plan never panic; the whole-object and authenticated-stream readers agree;
//! nothing decrypts under a key it was not written with (the metadata is fuzzed, the body
//! random, so every success would be a forgery); a range plan stays inside the object.
#![no_main]

use libfuzzer_sys::fuzz_target;
use s3crypt::cse::s3ec::{
    self, CommitmentPolicy, ContentMetadata, Decryptor, Keyring, RangePlan, ReadOptions, Release,
};
use s3crypt::keys::WrappingKey;

fuzz_target!(|data: &[u8]| {
    if data.len() < 17 {
        return;
    }
    let (head, rest) = data.split_at(17);
    // A range plan over arbitrary numbers.
    let first = u64::from_le_bytes(head[..8].try_into().unwrap());
    let last = u64::from_le_bytes(head[8..16].try_into().unwrap());
    let len = u64::from(u32::from_le_bytes(head[..4].try_into().unwrap()));
    let last = (head[16] & 1 == 0).then_some(last);
    if let Ok(p) = RangePlan::new(first % (len + 1), last, len) {
        assert!(p.fetch_first() <= p.fetch_last() && p.fetch_last() < len - 16);
        assert!(p.skip() + p.len() <= p.fetch_len());
    }
    let split = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
    let Ok(meta) = core::str::from_utf8(&rest[..split]) else {
        return;
    };
    let body = rest.get(split + 1..).unwrap_or(&[]);
    let pairs: Vec<(&str, &str)> = meta
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k, v.trim_start()))
        .collect();
    let Ok(Some(md)) = ContentMetadata::from_object(pairs) else {
        return;
    };
    let kek = WrappingKey::new([0x42; 32]);
    let keyring = Keyring::aes(&kek);
    let opts = ReadOptions::default()
        .commitment(CommitmentPolicy::RequireEncryptAllowDecrypt)
        .legacy_wrapping(true)
        .legacy_cbc(true)
        .unauthenticated_ranges(true);
    // With a known data key the content paths run: GCM never authenticates a fuzzed body
    // (CBC has no authentication: only its padding is checked).
    let dek = s3crypt::keys::DataKey::new([0x24; 32]);
    if s3ec::decrypt_with_data_key(&md, &dek, &opts, body).is_ok() {
        assert_eq!(
            md.content,
            s3ec::ContentAlgorithm::AesCbc,
            "a forged GCM body decrypted"
        );
    }
    let whole = s3ec::decrypt(&md, &keyring, &opts, body);
    assert!(whole.is_err(), "a forged object decrypted");
    for mode in [Release::Authenticated, Release::Unauthenticated] {
        if let Ok(mut d) = Decryptor::new(&md, &keyring, &opts, mode) {
            let split = usize::from(head[16]).min(body.len());
            let _ = d.update(&body[..split]);
            let _ = d.update(&body[split..]);
            assert!(d.finish().is_err(), "a forged stream authenticated");
        }
    }
});
