//! `ServerSideEncryptionConfiguration` documents from clients: `BucketEncryption::from_xml`
//! on arbitrary text never panics, and whatever it accepts writes back to a document that
//! parses to the same configuration.
#![no_main]

use libfuzzer_sys::fuzz_target;
use s3crypt::sse::bucket::BucketEncryption;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(cfg) = BucketEncryption::from_xml(text) {
        let again = BucketEncryption::from_xml(&cfg.to_xml()).expect("own output parses");
        assert_eq!(again, cfg);
    }
});
