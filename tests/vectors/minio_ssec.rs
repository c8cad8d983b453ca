//! `minio/ssec_headers.json`: MinIO's own SSE-C parser verdicts.

use s3crypt::headers::SseError;
use s3crypt::headers::minio;
use s3crypt::keys::CustomerKey;

use crate::util::{Outcome, Value, Vectors, expect_eq, header_pairs, hex, str_of};

pub fn check(v: &Vectors) -> Outcome {
    let mut out = Outcome::new(v);
    for case in v.cases() {
        out.case(str_of(case, "name"), check_case(case));
    }
    out
}

fn check_case(case: &Value) -> Result<(), String> {
    let h = header_pairs(case);
    let r = minio::requested(&h).map_err(|e| format!("requested: {e:?}"))?;
    let want = &case["is_requested"];
    expect_eq(
        "is_requested.S3",
        r.sse_s3,
        want["S3"].as_bool().ok_or("S3")?,
    )?;
    expect_eq(
        "is_requested.S3KMS",
        r.sse_kms,
        want["S3KMS"].as_bool().ok_or("S3KMS")?,
    )?;
    expect_eq(
        "is_requested.SSEC",
        r.sse_c,
        want["SSEC"].as_bool().ok_or("SSEC")?,
    )?;
    expect_eq(
        "is_requested.SSECopy",
        r.sse_c_copy,
        want["SSECopy"].as_bool().ok_or("SSECopy")?,
    )?;
    expect_eq(
        "crypto_is_requested_type",
        r.kind(),
        case["crypto_is_requested_type"].as_str(),
    )?;

    let main = match str_of(case, "kind") {
        "ssec-parse" | "sse-combination" => minio::parse_sse_c(&h),
        "ssec-copy-parse" => minio::parse_sse_c_copy(&h),
        k => return Err(format!("unknown kind {k:?}")),
    };
    verdict("", &main, case)?;
    if case.get("parse_ssec_customer_header_result").is_some() {
        verdict(
            "parse_ssec_customer_header_",
            &minio::parse_sse_customer_header(&h),
            case,
        )?;
    }
    if let Some(p) = case["put_object_precheck"].as_str() {
        let got = match minio::put_object_precheck(&h) {
            Ok(()) if r.kind().is_none() && !r.sse_c_copy => "no encryption requested".to_owned(),
            Ok(()) => "ok".to_owned(),
            Err(e) => format!(
                "{} ({}, {})",
                minio_name(&e)?,
                e.code().unwrap_or(""),
                e.http_status()
            ),
        };
        expect_eq("put_object_precheck", got.as_str(), p)?;
    }
    Ok(())
}

fn minio_name(e: &SseError) -> Result<&'static str, String> {
    match e {
        SseError::Minio(m) => Ok(m.name()),
        other => Err(format!("not a MinIO error: {other:?}")),
    }
}

fn verdict(prefix: &str, got: &Result<CustomerKey, SseError>, case: &Value) -> Result<(), String> {
    let f = |k: &str| format!("{prefix}{k}");
    let result = str_of(case, &f("result"));
    match got {
        Ok(key) => {
            expect_eq(&f("result"), "ok", result)?;
            let key_field = if prefix.is_empty() {
                "client_key_hex".to_owned()
            } else {
                f("client_key_hex")
            };
            expect_eq(
                &key_field,
                hex(key.expose_secret()),
                str_of(case, &key_field).to_owned(),
            )
        }
        Err(e) => {
            expect_eq(&f("result"), "error", result)?;
            let m = match e {
                SseError::Minio(m) => *m,
                other => return Err(format!("{prefix}: not a MinIO error: {other:?}")),
            };
            expect_eq(&f("error"), m.name(), str_of(case, &f("error")))?;
            expect_eq(
                &f("error_message"),
                m.internal_message(),
                str_of(case, &f("error_message")),
            )?;
            let s3 = &case[f("s3_error")];
            expect_eq(&f("s3_error.code"), e.code(), s3["code"].as_str())?;
            expect_eq(
                &f("s3_error.http_status"),
                e.http_status().to_string().as_str(),
                str_of(s3, "http_status"),
            )?;
            expect_eq(&f("s3_error.message"), e.message(), str_of(s3, "message"))
        }
    }
}
