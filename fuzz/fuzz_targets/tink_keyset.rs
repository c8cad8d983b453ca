//! Tink keysets from arbitrary bytes, in every form: cleartext binary and JSON, encrypted
//! binary and JSON. Never panics; whatever parses is written back and parses to the same
//! binary keyset (binary → binary is byte for byte); an encrypted keyset written under a
//! master key reads back under it and under no other associated data.
#![no_main]

use libfuzzer_sys::fuzz_target;
use s3crypt::cse::tink::{Keyset, KeysetMaster, OutputPrefix};
use s3crypt::keys::WrappingKey;

fn round_trip(ks: &Keyset, master: &KeysetMaster) {
    let bin = ks.to_binary();
    let again = Keyset::from_binary(&bin).expect("written keyset reads");
    assert_eq!(*again.to_binary(), *bin);
    let via_json = Keyset::from_json(&ks.to_json()).expect("written JSON reads");
    assert_eq!(*via_json.to_binary(), *bin);
    let enc = ks.to_encrypted_binary_with(master, b"ad", &[9; 12]);
    let back = Keyset::from_encrypted_binary(&enc, master, b"ad").expect("encrypted reads");
    assert_eq!(*back.to_binary(), *bin);
    assert!(Keyset::from_encrypted_binary(&enc, master, b"other").is_err());
    let enc = ks.to_encrypted_json_with(master, b"", &[9; 12]);
    let back = Keyset::from_encrypted_json(&enc, master, b"").expect("encrypted JSON reads");
    assert_eq!(*back.to_binary(), *bin);
}

fuzz_target!(|data: &[u8]| {
    let Some((&ctl, rest)) = data.split_first() else {
        return;
    };
    let master = KeysetMaster::aes256_gcm(&WrappingKey::new([0x5A; 32]));
    let master = if ctl & 4 != 0 {
        master.with_output_prefix(OutputPrefix::Tink, 0x0102_0304)
    } else {
        master
    };
    let text = core::str::from_utf8(rest).ok();
    let parsed = match ctl % 4 {
        // Byte for byte only for canonical input (field order, no unknown fields): what
        // round_trip checks is that the written form is canonical and stable.
        0 => Keyset::from_binary(rest).ok(),
        1 => text.and_then(|t| Keyset::from_json(t).ok()),
        2 => Keyset::from_encrypted_binary(rest, &master, b"ad").ok(),
        _ => text.and_then(|t| Keyset::from_encrypted_json(t, &master, b"").ok()),
    };
    if let Some(ks) = parsed {
        round_trip(&ks, &master);
    }
});
