//! Sealed ETags from storage: `is_etag_sealed`, `unseal_etag` and `client_etag` on arbitrary
//! bytes and text never panic, and a sealed ETag of the crate opens to what was sealed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use s3crypt::dare::CipherSuite;
use s3crypt::keys::ObjectKey;
use s3crypt::sse::{Domain, etag};

fuzz_target!(|data: &[u8]| {
    let Some((&ctl, rest)) = data.split_first() else {
        return;
    };
    let oek = ObjectKey::new([0x21; 32]);
    let _ = etag::is_etag_sealed(rest);
    let _ = etag::unseal_etag(&oek, rest);
    let text = String::from_utf8_lossy(rest);
    for d in [Domain::SseC, Domain::SseS3, Domain::SseKms] {
        let _ = etag::client_etag(d, &text, &oek);
    }
    if ctl & 1 == 1 && !rest.is_empty() {
        let suite = if ctl & 2 == 0 {
            CipherSuite::Aes256Gcm
        } else {
            CipherSuite::ChaCha20Poly1305
        };
        let sealed = etag::seal_etag_with(&oek, rest, suite, [ctl; 12]);
        assert_eq!(etag::unseal_etag(&oek, &sealed).as_deref(), Ok(rest));
        let mut bad = sealed.clone();
        let i = usize::from(ctl) % bad.len();
        bad[i] ^= 0x40;
        assert!(etag::unseal_etag(&oek, &bad).is_err());
    }
});
