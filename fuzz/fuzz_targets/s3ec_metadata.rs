//! S3EC content metadata from arbitrary object metadata (`name: value` lines) and
//! instruction files: never panics; whatever decodes re-encodes (object form and
//! instruction-file form) and decodes to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use s3crypt::cse::s3ec::{ContentMetadata, Format};

fn lines(text: &str) -> Vec<(&str, &str)> {
    text.lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k, v.trim_start()))
        .collect()
}

fn check_round_trip(md: &ContentMetadata) {
    if md.format == Format::V1 {
        assert!(md.to_object_metadata().is_err());
        return;
    }
    let Ok(written) = md.to_object_metadata() else {
        return;
    };
    let pairs = written.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    let again = ContentMetadata::from_object(pairs)
        .expect("written metadata decodes")
        .expect("on the object");
    assert_eq!(&again, md);
    let (object, body) = md.to_instruction_file().expect("instruction-file form");
    let pairs = object.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    let again = ContentMetadata::from_instruction_file(pairs, body.as_bytes())
        .expect("written instruction file decodes");
    assert_eq!(&again, md);
}

fuzz_target!(|data: &[u8]| {
    let Some((&ctl, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = core::str::from_utf8(rest) else {
        return;
    };
    if ctl & 1 == 0 {
        if let Ok(Some(md)) = ContentMetadata::from_object(lines(text)) {
            check_round_trip(&md);
        }
    } else {
        // Object metadata lines, a NUL, then the instruction file's body.
        let (object, file) = text.split_once('\0').unwrap_or(("", text));
        if let Ok(md) = ContentMetadata::from_instruction_file(lines(object), file.as_bytes()) {
            check_round_trip(&md);
        }
    }
});
