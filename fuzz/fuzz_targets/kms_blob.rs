//! KMS inputs from configuration and storage: `StaticKms::from_env_value`, `decrypt_key` of
//! arbitrary blobs, and `CustomerKey::from_base64`: no panic; a blob decrypts only if it is
//! the one the KMS made for that context.
#![no_main]

use libfuzzer_sys::fuzz_target;
use s3crypt::keys::{CustomerKey, WrappingKey};
use s3crypt::kms::{Context, KeyProvider, StaticKms};

fuzz_target!(|data: &[u8]| {
    let Some((&ctl, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let _ = StaticKms::from_env_value(&text);
    if let Ok(k) = CustomerKey::from_base64(&text) {
        assert_eq!(CustomerKey::from_base64(&k.to_base64()).unwrap(), k);
    }
    let kms = StaticKms::new("key", WrappingKey::new([0x31; 32]));
    let ctx = Context::for_object("bucket", "object");
    let r = kms.decrypt_key("key", rest, &ctx);
    if ctl & 1 == 1 {
        // Near-valid blobs: a real one with one byte changed.
        let mut blob = kms.generate_key("key", &ctx).unwrap().ciphertext;
        let i = usize::from(ctl >> 1) % blob.len();
        blob[i] ^= rest.first().copied().unwrap_or(1) | 1;
        assert!(kms.decrypt_key("key", &blob, &ctx).is_err());
    } else {
        drop(r);
        // Every blob the KMS makes decrypts (1 in 256 starts with '{' and was once refused
        // as the legacy JSON format).
        let g = kms.generate_key("key", &ctx).unwrap();
        assert!(kms.decrypt_key("key", &g.ciphertext, &ctx).unwrap() == g.plaintext);
    }
});
