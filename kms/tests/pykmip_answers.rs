//! Answers recorded from PyKMIP 0.11.0's server (`kms/tests/data/*.ttlv`, captured through
//! PyKMIP's own client, KMIP 1.2 framing): this crate's TTLV decoder reads another
//! implementation's bytes, re-encodes them byte for byte, and reads each answer as the
//! provider would.

use s3crypt_kms::kmip::message::{self, Operation, reason, tag};
use s3crypt_kms::kmip::ttlv::Item;

fn answer(name: &str) -> Vec<u8> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn pykmip_answers_decode_and_reencode_byte_for_byte() {
    let mut n = 0;
    for f in std::fs::read_dir(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data"))
        .unwrap()
    {
        let bytes = std::fs::read(f.unwrap().path()).unwrap();
        let item = Item::decode(&bytes).unwrap();
        assert_eq!(&item.to_bytes()[..], &bytes[..]);
        n += 1;
    }
    assert_eq!(n, 6);
}

#[test]
fn pykmip_answers_read_as_the_provider_reads_them() {
    let locate = message::response(&answer("locate.ttlv"), Operation::Locate)
        .unwrap()
        .unwrap();
    assert_eq!(message::unique_identifiers(&locate), ["1"]);

    // KMIP 1.2 has no Authenticated Encryption Tag field: the provider speaks 1.4 or 2.0,
    // and refuses an Encrypt answer without a tag.
    let enc = message::response(&answer("encrypt-gcm.ttlv"), Operation::Encrypt)
        .unwrap()
        .unwrap();
    assert_eq!(
        message::byte_field(&enc, tag::DATA).map(<[u8]>::len),
        Some(32)
    );
    assert!(message::byte_field(&enc, tag::AUTHENTICATED_ENCRYPTION_TAG).is_none());
    // An answer to another operation is not taken for this one.
    assert!(message::response(&answer("encrypt-gcm.ttlv"), Operation::Decrypt).is_err());

    let refused = message::response(
        &answer("decrypt-refused-invalid-field.ttlv"),
        Operation::Decrypt,
    )
    .unwrap()
    .unwrap_err();
    assert_eq!(refused.reason, Some(reason::INVALID_FIELD));
    assert!(refused.message.contains("tag"), "{refused:?}");

    let get = Item::decode(&answer("get-refused-item-not-found.ttlv")).unwrap();
    let bi = get.child(tag::BATCH_ITEM).unwrap();
    assert_eq!(
        bi.child(tag::RESULT_REASON).map(|i| &i.value),
        Some(&s3crypt_kms::kmip::ttlv::Value::Enumeration(
            reason::ITEM_NOT_FOUND
        ))
    );
}
