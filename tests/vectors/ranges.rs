//! `minio/ranges.json`: HTTP range → stored package range.

use s3crypt::dare::range::{encrypted_size, package_range};
use s3crypt::headers::range::{RangeError, RangeSpec};

use crate::util::{Outcome, Value, Vectors, expect_eq, str_of};

pub fn check(v: &Vectors) -> Outcome {
    let mut out = Outcome::new(v);
    for case in v.cases() {
        out.case(str_of(case, "name"), check_case(case));
    }
    out
}

fn num(case: &Value, k: &str) -> Result<u64, String> {
    case[k].as_u64().ok_or_else(|| format!("{k} missing"))
}

fn check_case(case: &Value) -> Result<(), String> {
    let kind = str_of(case, "kind");
    let header = case["range_header"].as_str();
    let spec = header.map(RangeSpec::parse);
    if kind == "range-header-invalid" {
        let err = match spec {
            Some(Err(e)) => e,
            other => return Err(format!("parsed as {other:?}")),
        };
        expect_eq(
            "error_message",
            err.to_string().as_str(),
            str_of(case, "error_message"),
        )?;
        let is_invalid = matches!(err, RangeError::Invalid);
        return expect_eq(
            "error",
            is_invalid,
            str_of(case, "error") == "errInvalidRange",
        );
    }
    let size = num(case, "object_size")?;
    expect_eq(
        "encrypted_size",
        encrypted_size(size).ok(),
        case["encrypted_size"].as_u64(),
    )?;
    let spec = match spec {
        None => None,
        Some(Ok(s)) => Some(s),
        Some(Err(e)) => return Err(format!("header refused: {e}")),
    };
    if let (Some(s), Some(want)) = (spec, case.get("range_spec")) {
        let (a, b) = s.minio_bounds();
        expect_eq(
            "range_spec.start",
            a,
            i128::from(want["start"].as_i64().ok_or("start")?),
        )?;
        expect_eq(
            "range_spec.end",
            b,
            i128::from(want["end"].as_i64().ok_or("end")?),
        )?;
        expect_eq(
            "range_spec.is_suffix_length",
            matches!(s, RangeSpec::Suffix(_)),
            want["is_suffix_length"].as_bool().ok_or("suffix")?,
        )?;
    }
    let resolved = match spec {
        None => Ok((0, size)),
        Some(s) => s.resolve(size),
    };
    match kind {
        "range-unsatisfiable" => {
            let e = resolved.err().ok_or("resolved, want InvalidRange")?;
            expect_eq("error", e.code(), Some("InvalidRange"))?;
            expect_eq("status", e.http_status(), Some(416))?;
            expect_eq(
                "error_message",
                e.to_string().as_str(),
                str_of(case, "error_message"),
            )
        }
        "range" | "full-object" => {
            let (off, len) = resolved.map_err(|e| e.to_string())?;
            expect_eq("plaintext_offset", off, num(case, "plaintext_offset")?)?;
            expect_eq("plaintext_length", len, num(case, "plaintext_length")?)?;
            let r = package_range(size, off, len).map_err(|e| e.to_string())?;
            expect_eq(
                "encrypted_offset",
                r.encrypted_offset,
                num(case, "encrypted_offset")?,
            )?;
            expect_eq(
                "encrypted_length",
                r.encrypted_length,
                num(case, "encrypted_length")?,
            )?;
            expect_eq(
                "sequence_number",
                u64::from(r.sequence_number),
                num(case, "sequence_number")?,
            )?;
            expect_eq("skip_length", r.skip, num(case, "skip_length")?)?;
            expect_eq("part_start", 0, num(case, "part_start")?)
        }
        k => Err(format!("unknown kind {k:?}")),
    }
}
