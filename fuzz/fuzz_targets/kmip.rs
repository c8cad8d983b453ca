//! A KMIP server's answers and the stored KMIP sealed key (s3crypt-kms): TTLV decoding,
//! response reading for every operation, the stream framing length, `SealedKey::decode`.
//! No panic; whatever decodes re-encodes to the same bytes (TTLV with zero padding) and
//! decodes again to the same item.
#![no_main]

use libfuzzer_sys::fuzz_target;
use s3crypt_kms::kmip::SealedKey;
use s3crypt_kms::kmip::message::{self, Operation, tag};
use s3crypt_kms::kmip::ttlv::{self, Item};

fuzz_target!(|data: &[u8]| {
    if let Some(h) = data.get(..8).and_then(|h| <&[u8; 8]>::try_from(h).ok()) {
        if let Ok(n) = ttlv::message_len(h) {
            assert!(n >= 8 && n <= ttlv::MAX_MESSAGE);
        }
    }
    if let Ok(item) = Item::decode(data) {
        let again = item.to_bytes();
        assert_eq!(Item::decode(&again).unwrap(), item);
    }
    for op in [
        Operation::Locate,
        Operation::DiscoverVersions,
        Operation::Encrypt,
        Operation::Decrypt,
    ] {
        if let Ok(Ok(payload)) = message::response(data, op) {
            let _ = message::versions(&payload);
            let _ = message::unique_identifiers(&payload);
            let _ = message::byte_field(&payload, tag::DATA);
        }
    }
    if let Ok(k) = SealedKey::decode(data) {
        assert_eq!(k.encode().as_deref(), Some(data));
    }
});
