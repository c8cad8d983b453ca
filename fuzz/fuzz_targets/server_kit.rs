//! The server kit's read path on what storage hands back: arbitrary stored metadata entries,
//! part numbers and sizes, a range or part number, and stored bytes. `ServerKit::get_object`
//! and the body decryptor never panic (sizes from storage are checked), and never release
//! more bytes than the plan announced — in MinIO's layout and in the crate's own (with its
//! object binding from the input).
#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use s3crypt::headers::range::RangeSpec;
use s3crypt::headers::{self, Operation, RequestContext, Transport};
use s3crypt::sse::object::{
    MetadataCodec, MinioCodec, Read, ServerKit, StoredObject, StoredPart, UserMetadataCodec,
};

const HEADERS: [(&str, &str); 3] = [
    ("x-amz-server-side-encryption-customer-algorithm", "AES256"),
    (
        "x-amz-server-side-encryption-customer-key",
        "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8=",
    ),
    (
        "x-amz-server-side-encryption-customer-key-MD5",
        "jeuBRyIvpeUGr7P9sHL8dw==",
    ),
];

fn u64_at(d: &[u8], i: usize) -> u64 {
    let mut b = [0u8; 8];
    for (j, x) in b.iter_mut().enumerate() {
        *x = d.get(i + j).copied().unwrap_or(0);
    }
    u64::from_le_bytes(b)
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 40 {
        return;
    }
    let (head, rest) = data.split_at(40);
    let nparts = usize::from(head[0] % 4) + 1;
    let parts: Vec<StoredPart> = (0..nparts)
        .map(|i| StoredPart {
            number: u32::from(head[1 + i]),
            // Small sizes mostly, any size sometimes.
            stored_size: if head[5] & (1 << i) != 0 {
                u64_at(head, 8 * i)
            } else {
                u64_at(head, 8 * i) % 300_000
            },
        })
        .collect();
    let read = match head[6] % 4 {
        0 => Read::Whole,
        1 => Read::Part(u32::from(head[7])),
        2 => Read::Range(RangeSpec::From(u64_at(head, 24) % 400_000)),
        _ => Read::Range(RangeSpec::Suffix(u64_at(head, 32) % 400_000 + 1)),
    };
    // Metadata: lines "name=value" (MinIO's entry names get through the codec's checks).
    let text = String::from_utf8_lossy(rest);
    let (meta_text, body) = text.split_once("\n\n").unwrap_or((&text, ""));
    // Either layout: MinIO's, or the crate's own (whose binding entry is `binding=…`).
    let user = head[39] & 1 == 1;
    let metadata: BTreeMap<String, String> = meta_text
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| {
            let name = if user {
                format!("x-amz-meta-s3crypt-{}", k.to_ascii_lowercase())
            } else {
                format!("X-Minio-Internal-Server-Side-Encryption-{k}")
            };
            (name, v.to_owned())
        })
        .collect();
    let (minio, own) = (MinioCodec, UserMetadataCodec::new());
    let codec: &dyn MetadataCodec = if user { &own } else { &minio };
    let kit = ServerKit::new(codec);
    let req = headers::parse(
        &RequestContext::new(Operation::GetObject, Transport::Tls),
        &HEADERS,
    )
    .unwrap();
    let obj = StoredObject {
        metadata: &metadata,
        parts: &parts,
        etag: "0123456789abcdef0123456789abcdef",
    };
    if let Ok(mut plan) = kit.get_object(&req, &obj, "bucket", "object", Read::Whole) {
        let mut out = Vec::new();
        let _ = plan.body.update(body.as_bytes(), &mut out);
        assert!(out.len() as u64 <= plan.content_length);
    }
    if let Ok(mut plan) = kit.get_object(&req, &obj, "bucket", "object", read) {
        let mut out = Vec::new();
        if plan.body.update(body.as_bytes(), &mut out).is_ok() {
            let _ = plan.body.finish();
        }
        assert!(out.len() as u64 <= plan.content_length);
    }
});
