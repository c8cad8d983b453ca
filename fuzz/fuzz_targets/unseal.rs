//! Arbitrary sealed keys, IVs, algorithms and names into `SealedKey::unseal`: never panics,
//! and only the genuine (sealed key, key, bucket, object) opens. With byte 0's top bit set
//! a genuine sealed key is made first and then mutated, so the fuzzer reaches the
//! authenticated path.
#![no_main]

use libfuzzer_sys::fuzz_target;
use s3crypt::dare::CipherSuite;
use s3crypt::keys::{CustomerKey, ObjectKey};
use s3crypt::sse::{Domain, SealAlgorithm, SealedKey, UnsealOptions, path_join};

fuzz_target!(|data: &[u8]| {
    if data.len() < 1 + 64 + 32 + 2 {
        return;
    }
    let ctl = data[0];
    let ext = CustomerKey::new([0x22; 32]);
    let oek = ObjectKey::new([0x33; 32]);
    let dom = [Domain::SseC, Domain::SseS3, Domain::SseKms][usize::from(ctl % 3)];
    let names = String::from_utf8_lossy(&data[97..]);
    let (bucket, object) = names.split_once('\u{0}').unwrap_or((&names, ""));
    let mut iv = [0u8; 32];
    iv.copy_from_slice(&data[65..97]);
    let algorithm = if ctl & 0x40 != 0 {
        SealAlgorithm::LegacyDareSha256
    } else {
        SealAlgorithm::DareV2HmacSha256
    };
    let opts = if ctl & 0x20 != 0 {
        UnsealOptions::new().allow_legacy_dare_sha256()
    } else {
        UnsealOptions::new()
    };
    let sealed = if ctl & 0x80 != 0 {
        let suite = if ctl & 8 == 0 {
            CipherSuite::Aes256Gcm
        } else {
            CipherSuite::ChaCha20Poly1305
        };
        let mut s = SealedKey::seal_with(
            &oek,
            &ext,
            iv,
            dom,
            "bucket",
            "object",
            suite,
            [data[1]; 12],
        )
        .unwrap();
        let pos = usize::from(data[2]) % 64;
        s.key[pos] ^= data[3];
        s
    } else {
        let mut key = [0u8; 64];
        key.copy_from_slice(&data[1..65]);
        SealedKey { key, iv, algorithm }
    };
    if let Ok(k) = sealed.unseal(&ext, dom, bucket, object, opts) {
        // Only the untouched genuine key, under a name that cleans to bucket/object, opens.
        assert!(ctl & 0x80 != 0 && data[3] == 0);
        assert_eq!(path_join(bucket, object), "bucket/object");
        assert!(k == oek);
    }
});
