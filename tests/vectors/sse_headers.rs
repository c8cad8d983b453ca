//! `sse-headers/requests.json`: Amazon S3's verdict for each request.

use s3crypt::headers::{
    self, Encryption, Operation, RequestContext, SseCustomer, SseError, SseRequest,
    StoredEncryption, StoredState, Transport,
};
use s3crypt::keys::KeyMd5;

use crate::util::{Outcome, Value, Vectors, expect_eq, header_pairs, hex, str_of, unhex};

pub fn check(v: &Vectors) -> Outcome {
    let mut out = Outcome::new(v);
    for case in v.cases() {
        let name = str_of(case, "name");
        out.case(name, check_case(case));
    }
    out
}

fn stored(v: &Value) -> Result<Option<StoredEncryption>, String> {
    if v.is_null() {
        return Ok(None);
    }
    Ok(Some(match str_of(v, "sse") {
        "none" => StoredEncryption::None,
        "sse-c" => {
            let md5: [u8; 16] = unhex(str_of(v, "key_md5_hex"))
                .try_into()
                .map_err(|_| "key_md5_hex is not 16 bytes".to_string())?;
            StoredEncryption::SseC {
                key_md5: KeyMd5::from_bytes(md5),
            }
        }
        "sse-s3" => StoredEncryption::SseS3,
        "sse-kms" => StoredEncryption::SseKms,
        "dsse-kms" => StoredEncryption::DsseKms,
        other => return Err(format!("unknown stored sse {other:?}")),
    }))
}

fn judge(
    op: Operation,
    case: &Value,
    headers: &[(String, String)],
    with_context: bool,
) -> Result<Result<SseRequest, SseError>, String> {
    let transport = if case["secure"].as_bool().ok_or("secure missing")? {
        Transport::Tls
    } else {
        Transport::Plaintext
    };
    let ctxv = if with_context {
        &case["context"]
    } else {
        &Value::Null
    };
    let blocked = ctxv["bucket"]["blocked_encryption_types"]
        .as_array()
        .is_some_and(|a| a.iter().any(|t| t == "SSE-C"));
    let ctx = RequestContext::new(op, transport).with_sse_c_blocked(blocked);
    let state = StoredState {
        object: stored(&ctxv["object"])?,
        upload: stored(&ctxv["upload"])?,
        source: stored(&ctxv["source"])?,
    };
    Ok(headers::parse(&ctx, headers).and_then(|r| r.check_stored(&state).map(|()| r)))
}

fn check_case(case: &Value) -> Result<(), String> {
    match str_of(case, "kind") {
        "capture" | "variant" => {}
        k => return Err(format!("unknown kind {k:?}")),
    }
    let op = Operation::from_name(str_of(case, "operation")).ok_or("unknown operation")?;
    let headers = header_pairs(case);
    let verdict = judge(op, case, &headers, true)?;
    compare(&verdict, &case["expect"])?;
    // A `headers`-stage verdict must not depend on the server state.
    let without = judge(op, case, &headers, false)?;
    match str_of(case, "stage") {
        "headers" => {
            compare(&without, &case["expect"]).map_err(|e| format!("without context: {e}"))
        }
        "object" => match compare(&without, &case["expect"]) {
            Ok(()) => Err("stage object, but the verdict holds without context".into()),
            Err(_) => Ok(()),
        },
        s => Err(format!("unknown stage {s:?}")),
    }
}

fn compare(got: &Result<SseRequest, SseError>, expect: &Value) -> Result<(), String> {
    match (got, expect.get("ok"), expect.get("error")) {
        (Ok(req), Some(ok), None) => compare_ok(req, ok),
        (Err(e), None, Some(err)) => compare_err(e, err),
        (Ok(req), None, Some(err)) => Err(format!("accepted ({req:?}), want error {err}")),
        (Err(e), Some(_), None) => Err(format!("refused with {e:?}, want ok")),
        _ => Err("expect has neither ok nor error".into()),
    }
}

fn compare_err(e: &SseError, want: &Value) -> Result<(), String> {
    expect_eq("code", e.code(), want["code"].as_str())?;
    expect_eq(
        "http_status",
        u64::from(e.http_status()),
        want["http_status"].as_u64().ok_or("status")?,
    )?;
    if let Some(m) = want["message"].as_str() {
        expect_eq("message", e.message(), m)?;
    }
    expect_eq(
        "argument_name",
        e.argument_name(),
        want["argument_name"].as_str(),
    )?;
    expect_eq(
        "argument_value",
        e.argument_value(),
        want["argument_value"].as_str(),
    )?;
    expect_eq(
        "max_size_allowed",
        e.max_size_allowed().map(|m| m as u64),
        want["max_size_allowed"].as_u64(),
    )?;
    Ok(())
}

fn compare_ssec(c: &SseCustomer, want: &Value) -> Result<(), String> {
    expect_eq("kind", "sse-c", str_of(want, "kind"))?;
    expect_eq("algorithm", c.algorithm(), str_of(want, "algorithm"))?;
    expect_eq(
        "key_hex",
        hex(c.expose_secret_bytes()),
        str_of(want, "key_hex").to_owned(),
    )?;
    expect_eq(
        "key_md5_hex",
        c.key_md5().to_hex(),
        str_of(want, "key_md5_hex").to_owned(),
    )
}

fn compare_ok(req: &SseRequest, want: &Value) -> Result<(), String> {
    let kind = str_of(want, "kind");
    match req.encryption() {
        Encryption::None => expect_eq("kind", "none", kind)?,
        Encryption::SseC(c) => compare_ssec(c, want)?,
        Encryption::SseS3 => {
            expect_eq("kind", "sse-s3", kind)?;
            expect_eq("algorithm", "AES256", str_of(want, "algorithm"))?;
        }
        Encryption::SseKms(k) | Encryption::DsseKms(k) => {
            let (k_name, alg) = match req.encryption() {
                Encryption::SseKms(_) => ("sse-kms", "aws:kms"),
                _ => ("dsse-kms", "aws:kms:dsse"),
            };
            expect_eq("kind", k_name, kind)?;
            expect_eq("algorithm", alg, str_of(want, "algorithm"))?;
            expect_eq(
                "kms_key_id",
                k.key_id.as_deref(),
                want["kms_key_id"].as_str(),
            )?;
            let want_ctx = want["context"].as_object().map(|m| {
                m.iter()
                    .map(|(a, b)| (a.clone(), b.as_str().expect("context value").to_owned()))
                    .collect::<std::collections::BTreeMap<_, _>>()
            });
            expect_eq("context", k.context.clone(), want_ctx)?;
            expect_eq(
                "bucket_key_enabled",
                k.bucket_key_enabled,
                want["bucket_key_enabled"].as_bool(),
            )?;
        }
        other => return Err(format!("unexpected encryption {other:?}")),
    }
    match (req.copy_source(), want.get("copy_source")) {
        (None, None) => Ok(()),
        (Some(c), Some(w)) => compare_ssec(c, w).map_err(|e| format!("copy_source.{e}")),
        (got, w) => Err(format!("copy_source: got {got:?}, want {w:?}")),
    }
}
