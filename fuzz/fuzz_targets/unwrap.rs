//! Arbitrary wrapped keys into AES-KW, AES-KWP and AES-GCM unwrap: never panics, a failed
//! unwrap leaves no bytes in the output, and a success re-wraps to the same input (KW/KWP
//! are deterministic).
#![no_main]

use libfuzzer_sys::fuzz_target;
use s3crypt::keys::WrappingKey;
use s3crypt::keywrap::{AesGcmWrap, AesKw, AesKwp, KeyWrap, WrapAlgorithm};

fuzz_target!(|data: &[u8]| {
    let Some((&ctl, rest)) = data.split_first() else {
        return;
    };
    let kek = WrappingKey::new([0x44; 32]);
    let w: Box<dyn KeyWrap> = match ctl % 3 {
        0 => Box::new(AesKw::new(&kek)),
        1 => Box::new(AesKwp::new(&kek)),
        _ => Box::new(AesGcmWrap::new(&kek)),
    };
    let (aad, wrapped) = if w.algorithm() == WrapAlgorithm::AesGcm {
        rest.split_at(usize::from(ctl >> 2).min(rest.len()))
    } else {
        (&[][..], rest)
    };
    let mut out = vec![0u8; wrapped.len()];
    match w.unwrap(wrapped, aad, &mut out) {
        Ok(n) => {
            if w.algorithm() != WrapAlgorithm::AesGcm {
                let mut again = vec![0u8; wrapped.len()];
                let m = w
                    .wrap(&out[..n], b"", &mut again)
                    .expect("an unwrapped key re-wraps");
                assert_eq!(&again[..m], wrapped);
            }
        }
        Err(_) => assert!(out.iter().all(|&b| b == 0)),
    }
});
