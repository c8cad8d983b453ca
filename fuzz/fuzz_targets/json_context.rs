//! The crate's JSON reader (KMS contexts) against serde_json: for any text, both accept with
//! the same map or both refuse; the strict (stored-metadata) mode accepts a subset, exactly
//! the texts without a repeated name.
#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use s3crypt::__private::parse_json_string_map;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    let ours = parse_json_string_map(text, true);
    let theirs: Option<BTreeMap<String, String>> = serde_json::from_str(text).ok();
    assert_eq!(ours, theirs, "differs from serde_json on {text:?}");
    let strict = parse_json_string_map(text, false);
    if let Some(m) = &strict {
        assert_eq!(Some(m), ours.as_ref());
    }
    if let (None, Some(_)) = (&strict, &ours) {
        // Refused only for a repeated name: serde_json's raw object has more members.
        let raw: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(text).expect("accepted above");
        let members = text.matches(':').count();
        assert!(
            raw.len() < members,
            "strict mode refused {text:?} without a repeat"
        );
    }
});
