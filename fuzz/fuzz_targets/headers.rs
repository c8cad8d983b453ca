//! Arbitrary header lists through both header dialects and the stored-state check.
//!
//! Input layout: byte 0 picks the operation, transport and bucket block; byte 1 the stored
//! state; the rest is split at `\0` into alternating names and values (names drawn from the
//! SSE set when a name is one byte long, so the fuzzer reaches the deep checks quickly).
#![no_main]

use libfuzzer_sys::fuzz_target;
use s3crypt::headers::{
    self, Operation, RequestContext, StoredEncryption, StoredState, Transport, minio,
};
use s3crypt::keys::KeyMd5;

const NAMES: &[&str] = &[
    "x-amz-server-side-encryption",
    "x-amz-server-side-encryption-customer-algorithm",
    "x-amz-server-side-encryption-customer-key",
    "x-amz-server-side-encryption-customer-key-MD5",
    "x-amz-copy-source-server-side-encryption-customer-algorithm",
    "x-amz-copy-source-server-side-encryption-customer-key",
    "x-amz-copy-source-server-side-encryption-customer-key-md5",
    "x-amz-server-side-encryption-aws-kms-key-id",
    "x-amz-server-side-encryption-context",
    "x-amz-server-side-encryption-bucket-key-enabled",
    "Authorization",
];

fn stored(b: u8) -> Option<StoredEncryption> {
    match b % 5 {
        0 => None,
        1 => Some(StoredEncryption::None),
        2 => Some(StoredEncryption::SseS3),
        3 => Some(StoredEncryption::SseKms),
        _ => Some(StoredEncryption::SseC {
            key_md5: KeyMd5::of(&[0x40; 32]),
        }),
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let op = Operation::ALL[usize::from(data[0] % 9)];
    let transport = if data[0] & 0x40 == 0 {
        Transport::Tls
    } else {
        Transport::Plaintext
    };
    let ctx = RequestContext::new(op, transport).with_sse_c_blocked(data[0] & 0x80 != 0);
    let state = StoredState {
        object: stored(data[1]),
        upload: stored(data[1] / 5),
        source: stored(data[1] / 25),
    };
    let mut parts = data[2..].split(|&b| b == 0);
    let mut fields: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    while let (Some(n), Some(v)) = (parts.next(), parts.next()) {
        let name = match n {
            [i] => NAMES[usize::from(*i) % NAMES.len()].as_bytes().to_vec(),
            _ => n.to_vec(),
        };
        fields.push((name, v.to_vec()));
    }
    for parsed in [headers::parse(&ctx, &fields), minio::parse(&ctx, &fields)] {
        match parsed {
            Ok(req) => {
                let _ = req.check_stored(&state);
                let _ = req.response_headers();
            }
            Err(e) => {
                let _ = e.to_xml(Some("/b/k"), Some("id"));
            }
        }
    }
    let _ = minio::parse_sse_customer_header(&fields);
    let _ = minio::parse_sse_c_copy(&fields);
});
