//! The crate's ChaCha20-Poly1305 (on the RustCrypto backend composed from `chacha20` and
//! `poly1305` so Poly1305 stays 4-block aligned after the AAD; on aws-lc-rs, AWS-LC's) against
//! the `chacha20poly1305` crate: the same ciphertext and tag for any key, nonce, AAD and
//! message, in place and out of place, and a changed byte anywhere refused.

use chacha20poly1305::ChaCha20Poly1305;
use chacha20poly1305::aead::{AeadInOut, KeyInit};
use proptest::prelude::*;
use s3crypt::__private::RawAead;

fn reference(key: &[u8; 32], nonce: &[u8; 12], aad: &[u8], pt: &[u8]) -> (Vec<u8>, [u8; 16]) {
    let mut ct = pt.to_vec();
    let tag = ChaCha20Poly1305::new(key.into())
        .encrypt_inout_detached(nonce.into(), aad, ct.as_mut_slice().into())
        .unwrap();
    (ct, tag.into())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn same_bytes_as_chacha20poly1305(
        key in any::<[u8; 32]>(),
        nonce in any::<[u8; 12]>(),
        aad in proptest::collection::vec(any::<u8>(), 0..100),
        pt in proptest::collection::vec(any::<u8>(), 0..700),
        flip in any::<prop::sample::Index>(),
    ) {
        let (want_ct, want_tag) = reference(&key, &nonce, &aad, &pt);
        let aead = RawAead::new(true, &key);

        let mut ct = vec![0u8; pt.len()];
        let tag = aead.seal(&nonce, &aad, &pt, &mut ct).unwrap();
        prop_assert!(ct == want_ct && tag == want_tag);
        let mut inplace = pt.clone();
        prop_assert_eq!(aead.seal_in_place(&nonce, &aad, &mut inplace), Some(want_tag));
        prop_assert!(inplace == want_ct);

        let mut back = vec![1u8; pt.len()];
        prop_assert!(aead.open(&nonce, &aad, &ct, &mut back, &tag));
        prop_assert!(back == pt);
        prop_assert!(aead.open_in_place(&nonce, &aad, &mut inplace, &tag));
        prop_assert!(inplace == pt);

        // One bit changed in the AAD, the ciphertext or the tag: refused, output zeroed.
        let (mut aad2, mut ct2, mut tag2) = (aad.clone(), ct.clone(), tag);
        let total = aad.len() + ct.len() + 16;
        let at = flip.index(total);
        if at < aad.len() {
            aad2[at] ^= 1;
        } else if at < aad.len() + ct.len() {
            ct2[at - aad.len()] ^= 1;
        } else {
            tag2[at - aad.len() - ct.len()] ^= 1;
        }
        let mut out = vec![1u8; pt.len()];
        prop_assert!(!aead.open(&nonce, &aad2, &ct2, &mut out, &tag2));
        prop_assert!(out.iter().all(|&b| b == 0));
    }
}
