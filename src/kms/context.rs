//! The KMS context (associated data) and MinIO's canonical encoding of it.

use std::collections::BTreeMap;

/// A KMS encryption context: string pairs bound to a data key as associated data. Keys are
/// kept sorted, so [`Context::marshal`] is canonical.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Context(BTreeMap<String, String>);

impl Context {
    /// An empty context.
    pub fn new() -> Self {
        Self::default()
    }

    /// MinIO's SSE-S3 context for an object: `{bucket: path.Join(bucket, object)}`.
    pub fn for_object(bucket: &str, object: &str) -> Self {
        let mut c = Self::new();
        c.insert(bucket, &crate::names::path_join(bucket, object));
        c
    }

    /// Adds or replaces an entry.
    pub fn insert(&mut self, key: &str, value: &str) {
        self.0.insert(key.to_owned(), value.to_owned());
    }

    /// Adds an entry unless the key is present (how MinIO adds `bucket → bucket/object` to a
    /// client's SSE-KMS context).
    pub fn insert_if_absent(&mut self, key: &str, value: &str) {
        self.0
            .entry(key.to_owned())
            .or_insert_with(|| value.to_owned());
    }

    /// The value for `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    /// Whether the context has no entries.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The entries, sorted by key.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The canonical JSON MinIO uses as AAD and stores base64 in `...-Context`:
    /// `{"k":"v",...}`, keys sorted bytewise, no spaces, escaped as Go's `encoding/json`
    /// escapes with HTML escaping.
    pub fn marshal(&self) -> Vec<u8> {
        marshal_entries(self.iter().map(|(k, v)| (k.as_bytes(), v.as_bytes())))
    }
}

impl From<BTreeMap<String, String>> for Context {
    fn from(m: BTreeMap<String, String>) -> Self {
        Self(m)
    }
}

impl<'a> FromIterator<(&'a str, &'a str)> for Context {
    fn from_iter<I: IntoIterator<Item = (&'a str, &'a str)>>(iter: I) -> Self {
        Self(
            iter.into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        )
    }
}

/// [`Context::marshal`] over raw byte entries (Go strings may hold invalid UTF-8, which
/// encodes as `\ufffd`). Entries are sorted bytewise by key here; a repeated key keeps its
/// last value, as a Go map would.
pub fn marshal_entries<'a>(entries: impl IntoIterator<Item = (&'a [u8], &'a [u8])>) -> Vec<u8> {
    let sorted: BTreeMap<&[u8], &[u8]> = entries.into_iter().collect();
    let mut out = Vec::with_capacity(2 + sorted.len() * 16);
    out.push(b'{');
    for (i, (k, v)) in sorted.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        json_string(k, &mut out);
        out.push(b':');
        json_string(v, &mut out);
    }
    out.push(b'}');
    out
}

/// Go `encoding/json` string encoding with HTML escaping.
fn json_string(s: &[u8], out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        if b < 0x80 {
            match b {
                b'"' => out.extend_from_slice(b"\\\""),
                b'\\' => out.extend_from_slice(b"\\\\"),
                b'\n' => out.extend_from_slice(b"\\n"),
                b'\r' => out.extend_from_slice(b"\\r"),
                b'\t' => out.extend_from_slice(b"\\t"),
                b'<' | b'>' | b'&' | 0..=0x1f => {
                    out.extend_from_slice(b"\\u00");
                    out.push(HEX[usize::from(b >> 4)]);
                    out.push(HEX[usize::from(b & 15)]);
                }
                _ => out.push(b),
            }
            i += 1;
            continue;
        }
        // One UTF-8 sequence, or one invalid byte (Go replaces each with U+FFFD).
        let end = (i + 4).min(s.len());
        let (ch, len) = match first_char(&s[i..end]) {
            Some(c) => c,
            None => {
                out.extend_from_slice(b"\\ufffd");
                i += 1;
                continue;
            }
        };
        match ch {
            '\u{2028}' => out.extend_from_slice(b"\\u2028"),
            '\u{2029}' => out.extend_from_slice(b"\\u2029"),
            _ => out.extend_from_slice(&s[i..i + len]),
        }
        i += len;
    }
    out.push(b'"');
}

/// The first UTF-8 character of `s` and its length, if `s` starts with a valid one.
fn first_char(s: &[u8]) -> Option<(char, usize)> {
    let valid = match core::str::from_utf8(s) {
        Ok(t) => t,
        Err(e) => core::str::from_utf8(&s[..e.valid_up_to()]).ok()?,
    };
    let c = valid.chars().next()?;
    Some((c, c.len_utf8()))
}
