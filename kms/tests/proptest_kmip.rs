//! Property tests of the KMIP codecs: any item tree round-trips through TTLV; arbitrary and
//! mutated bytes never panic the decoders; the sealed key round-trips and refuses any other
//! length.

use proptest::prelude::*;
use s3crypt_kms::kmip::SealedKey;
use s3crypt_kms::kmip::message::{self, Operation};
use s3crypt_kms::kmip::ttlv::{Item, Value};
use zeroize::Zeroizing;

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i32>().prop_map(Value::Integer),
        any::<i64>().prop_map(Value::LongInteger),
        (1usize..4, any::<u8>()).prop_map(|(n, b)| Value::BigInteger(vec![b; n * 8])),
        any::<u32>().prop_map(Value::Enumeration),
        any::<bool>().prop_map(Value::Boolean),
        ".{0,20}".prop_map(Value::TextString),
        proptest::collection::vec(any::<u8>(), 0..40)
            .prop_map(|v| Value::ByteString(Zeroizing::new(v))),
        any::<i64>().prop_map(Value::DateTime),
        any::<u32>().prop_map(Value::Interval),
        any::<i64>().prop_map(Value::DateTimeExtended),
    ]
}

fn item() -> impl Strategy<Value = Item> {
    let leaf_item = (0x420000u32..0x4201FF, leaf()).prop_map(|(t, v)| Item::new(t, v));
    leaf_item.prop_recursive(5, 64, 6, |inner| {
        (
            0x420000u32..0x4201FF,
            proptest::collection::vec(inner, 0..6),
        )
            .prop_map(|(t, items)| Item::structure(t, items))
    })
}

proptest! {
    #[test]
    fn items_round_trip(i in item()) {
        let bytes = i.to_bytes();
        prop_assert_eq!(bytes.len() % 8, 0);
        prop_assert_eq!(Item::decode(&bytes).unwrap(), i);
    }

    #[test]
    fn mutated_messages_never_panic(i in item(), at in any::<prop::sample::Index>(), x in 1u8..) {
        let mut bytes = i.to_bytes().to_vec();
        let k = at.index(bytes.len());
        bytes[k] ^= x;
        if let Ok(d) = Item::decode(&bytes) {
            prop_assert_eq!(Item::decode(&d.to_bytes()).unwrap(), d);
        }
        for op in [Operation::Locate, Operation::Encrypt, Operation::Decrypt, Operation::DiscoverVersions] {
            let _ = message::response(&bytes, op);
            let _ = message::response(&bytes[..k], op);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(b in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = Item::decode(&b);
        let _ = message::response(&b, Operation::Encrypt);
        let _ = SealedKey::decode(&b);
    }

    #[test]
    fn sealed_keys_round_trip(uid in "[ -~]{1,255}", n in any::<[u8; 12]>(), t in any::<[u8; 16]>(), c in any::<[u8; 32]>(), cut in 1usize..60) {
        let k = SealedKey { uid, nonce: n, tag: t, ciphertext: c };
        let b = k.encode().unwrap();
        prop_assert_eq!(SealedKey::decode(&b).unwrap(), k);
        prop_assert!(SealedKey::decode(&b[..b.len() - cut]).is_err());
        let mut long = b.clone();
        long.push(0);
        prop_assert!(SealedKey::decode(&long).is_err());
    }
}
