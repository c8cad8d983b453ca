//! Loading vector files and collecting per-case failures.

use std::path::{Path, PathBuf};

pub use serde_json::Value;

/// The vectors directory: `S3CRYPT_VECTORS`, else `../shared/vectors` from the crate root.
pub fn vectors_dir() -> PathBuf {
    match std::env::var_os("S3CRYPT_VECTORS") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/vectors"),
    }
}

/// One parsed vector file.
pub struct Vectors {
    pub root: Value,
}

impl Vectors {
    pub fn load(dir: &Path, file: &str) -> Result<Self, String> {
        let path = dir.join(file);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        // Text files (NIST CAVP responses) are handed over as one string.
        if file.ends_with(".txt") {
            return Ok(Self {
                root: Value::String(text),
            });
        }
        let root: Value = serde_json::from_str(&text)
            .map_err(|e| format!("{}: bad JSON: {e}", path.display()))?;
        Ok(Self { root })
    }

    pub fn cases(&self) -> &[Value] {
        self.root["cases"].as_array().map_or(&[], |v| v.as_slice())
    }
}

/// What one file's checker found.
#[derive(Default)]
pub struct Outcome {
    pub checked: usize,
    pub failures: Vec<String>,
    pub declared: Option<u64>,
}

impl Outcome {
    pub fn new(v: &Vectors) -> Self {
        Self {
            declared: v.root["case_count"].as_u64(),
            ..Default::default()
        }
    }

    /// Records one case: `Ok` or the reason it failed.
    pub fn case(&mut self, name: &str, r: Result<(), String>) {
        self.checked += 1;
        if let Err(e) = r {
            self.failures.push(format!("  {name}: {e}"));
        }
    }

    pub fn into_result(self, file: &str) -> Result<usize, String> {
        if self.checked == 0 {
            return Err(format!("  {file} has zero cases"));
        }
        if let Some(d) = self.declared {
            if d as usize != self.checked {
                return Err(format!("  case_count says {d}, checked {}", self.checked));
            }
        }
        if self.failures.is_empty() {
            Ok(self.checked)
        } else {
            Err(self.failures.join("\n"))
        }
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn unhex(s: &str) -> Vec<u8> {
    assert!(s.len() % 2 == 0, "odd hex length");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

pub fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("field {key} missing or not a string"))
}

/// Compares, returning a message that names the field.
pub fn expect_eq<T: PartialEq + std::fmt::Debug>(
    field: &str,
    got: T,
    want: T,
) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err(format!("{field}: got {got:?}, want {want:?}"))
    }
}

/// The `headers` array as owned (name, value) pairs.
pub fn header_pairs(case: &Value) -> Vec<(String, String)> {
    case["headers"]
        .as_array()
        .expect("headers")
        .iter()
        .map(|p| {
            (
                p[0].as_str().expect("name").to_owned(),
                p[1].as_str().expect("value").to_owned(),
            )
        })
        .collect()
}

/// A JSON object of strings (stored metadata, headers, contexts) as (name, value) pairs.
#[cfg_attr(not(feature = "cse"), allow(dead_code))]
pub fn pairs(m: &Value) -> Vec<(&str, &str)> {
    m.as_object()
        .map(|o| {
            o.iter()
                .filter_map(|(k, v)| Some((k.as_str(), v.as_str()?)))
                .collect()
        })
        .unwrap_or_default()
}
