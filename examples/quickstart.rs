//! Quickstart: judge the SSE-C headers that `aws s3 cp --sse-c AES256 --sse-c-key
//! fileb://key` sends, exactly as Amazon S3 would, then show the error S3 answers when the
//! key-MD5 header does not fit the key.
//!
//! Run: `cargo run --release --example quickstart`

use s3crypt::headers::{self, Encryption, Operation, RequestContext, Transport};

/// Header lines captured from aws-cli 1.46.3 running
/// `aws s3 cp FILE s3://b/cli-ssec --sse-c AES256 --sse-c-key fileb://key1.bin`
/// (key1.bin = bytes 0x40..0x5f), in the order the client sent them.
const AWS_CLI_PUT: &[(&str, &str)] = &[
    ("Host", "127.0.0.1:18931"),
    ("Accept-Encoding", "identity"),
    ("x-amz-server-side-encryption-customer-algorithm", "AES256"),
    (
        "x-amz-server-side-encryption-customer-key",
        "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8=",
    ),
    ("x-amz-sdk-checksum-algorithm", "CRC32"),
    ("Content-Type", "text/plain"),
    (
        "x-amz-server-side-encryption-customer-key-MD5",
        "jeuBRyIvpeUGr7P9sHL8dw==",
    ),
    (
        "User-Agent",
        "aws-cli/1.46.3 md/Botocore#1.43.62 ua/2.1 os/linux#6.18.44-fc-v669 md/arch#x86_64 lang/python#3.11.7 md/pyimpl#CPython m/N,U,D,b,Z cfg/retry-mode#legacy botocore/1.43.62",
    ),
    ("Expect", "100-continue"),
    ("x-amz-checksum-crc32", "DUoRhQ=="),
    ("X-Amz-Date", "20261123T072420Z"),
    (
        "X-Amz-Content-SHA256",
        "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9",
    ),
    (
        "Authorization",
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261123/us-east-1/s3/aws4_request, SignedHeaders=content-type;host;x-amz-checksum-crc32;x-amz-content-sha256;x-amz-date;x-amz-sdk-checksum-algorithm;x-amz-server-side-encryption-customer-algorithm;x-amz-server-side-encryption-customer-key;x-amz-server-side-encryption-customer-key-md5, Signature=9f9f3fcf331e7f03dea6aa45481a6e0344b13f1f9c612cadbfa66abeed65c5f9",
    ),
    (
        "amz-sdk-invocation-id",
        "2f7a5ee3-aeb0-4f0d-87d8-e64e78a24cf7",
    ),
    ("amz-sdk-request", "attempt=1"),
    ("Content-Length", "11"),
];

fn main() {
    let ctx = RequestContext::new(Operation::PutObject, Transport::Tls);

    println!("== PUT /b/cli-ssec as sent by `aws s3 cp --sse-c AES256 --sse-c-key fileb://key`");
    let req = match headers::parse(&ctx, AWS_CLI_PUT) {
        Ok(req) => req,
        Err(e) => {
            eprintln!("unexpected refusal: {e}");
            std::process::exit(1);
        }
    };
    println!("parsed: {req:#?}");
    if let Encryption::SseC(c) = req.encryption() {
        println!("key usable for AES-256: {}", c.key().is_some());
    }
    println!("response headers to echo:");
    for (name, value) in req.response_headers() {
        println!("  {name}: {value}");
    }

    println!("\n== the same request with the key-MD5 of another key");
    let mut tampered: Vec<(&str, &str)> = AWS_CLI_PUT.to_vec();
    for field in &mut tampered {
        if field
            .0
            .eq_ignore_ascii_case("x-amz-server-side-encryption-customer-key-md5")
        {
            field.1 = "LHbhvKKIPNmrAGbLV4uCYQ==";
        }
    }
    match headers::parse(&ctx, &tampered) {
        Ok(_) => {
            eprintln!("a wrong key-MD5 was accepted");
            std::process::exit(1);
        }
        Err(e) => {
            println!("HTTP {} {}", e.http_status(), e.code().unwrap_or("-"));
            println!(
                "{}",
                e.to_xml(Some("/b/cli-ssec"), Some("4442587FB7D0A2F9"))
            );
        }
    }

    println!("\n== and over plain HTTP");
    let plain = RequestContext::new(Operation::PutObject, Transport::Plaintext);
    if let Err(e) = headers::parse(&plain, AWS_CLI_PUT) {
        println!("{e}");
    }
}
