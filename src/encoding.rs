//! Small text codecs the crate needs in several places: hex, the three base64 dialects S3
//! servers use, and a strict JSON reader for string-to-string objects. Private.

use std::collections::BTreeMap;

use zeroize::Zeroizing;

/// Lowercase hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

/// `name` without its leading `prefix`, compared ASCII-case-insensitively; `None` when it
/// does not start with it. Byte-wise, so a multi-byte character across the prefix's end is
/// a mismatch, never a panic (metadata names come from storage).
pub(crate) fn strip_prefix_ignore_ascii_case<'a>(name: &'a str, prefix: &str) -> Option<&'a str> {
    let head = name.as_bytes().get(..prefix.len())?;
    if !head.eq_ignore_ascii_case(prefix.as_bytes()) {
        return None;
    }
    // The head equals an ASCII-case variant of `prefix`, a whole `str`: the cut is on a
    // character boundary, so `get` succeeds.
    name.get(prefix.len()..)
}

/// Decodes hex (either case); `None` for odd length or a non-hex character.
pub(crate) fn unhex(text: &str) -> Option<Vec<u8>> {
    let b = text.as_bytes();
    if b.len() % 2 != 0 {
        return None;
    }
    let nib = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    b.chunks(2)
        .map(|p| Some(nib(p[0])? << 4 | nib(p[1])?))
        .collect()
}

/// Decodes one base64 character without branching on it (as `base64ct` does): the value of
/// a standard-alphabet character and a mask that is all ones for the alphabet (0 otherwise),
/// plus a mask that is all ones for `=`. Key text goes through here, so its timing does not
/// depend on which characters it holds.
fn b64_value_ct(c: u8) -> (u8, u8, u8) {
    let c = i16::from(c);
    // Each term is `offset` where `lo <= c <= hi`, 0 elsewhere: ((lo - 1 - c) & (c - hi - 1))
    // is negative exactly inside the range, and `>> 8` spreads its sign bit.
    let within = |lo: i16, hi: i16| ((lo - 1 - c) & (c - hi - 1)) >> 8;
    let mut v: i16 = -1;
    v += within(0x41, 0x5a) & (c - 64); // A-Z -> 0..25 (+1)
    v += within(0x61, 0x7a) & (c - 70); // a-z -> 26..51 (+1)
    v += within(0x30, 0x39) & (c + 5); // 0-9 -> 52..61 (+1)
    v += within(0x2b, 0x2b) & 63; // '+' -> 62 (+1)
    v += within(0x2f, 0x2f) & 64; // '/' -> 63 (+1)
    let valid = !(v >> 8) as u8; // v >= 0: all ones
    let pad = within(0x3d, 0x3d) as u8; // '=': all ones
    ((v as u8) & valid, valid, pad)
}

/// The value of a standard-alphabet base64 character, `None` for anything else (the
/// character's value is found without a branch; only the verdict is a branch).
fn b64_value(c: u8) -> Option<u8> {
    let (v, valid, _) = b64_value_ct(c);
    (valid != 0).then_some(v)
}

/// Amazon S3's lenient key decoding (Java JAXB `parseBase64Binary`): every character outside
/// `A-Z a-z 0-9 + / =` is skipped, the rest is taken four at a time (an incomplete last
/// group is ignored), `=` counts 127, and a group yields its first byte, its second unless
/// its third character is `=`, and its third unless its fourth is `=` — the last two checks
/// independent of each other, as JAXB's two sibling `if`s (`AA=A` gives `00 c0`).
///
/// No branch or index depends on the characters' values: each character's value and class
/// come from [`b64_value_ct`], the group is filled through masks, and output bytes are
/// written unconditionally while the length grows by 0 or 1. Timing depends only on the
/// input length.
pub(crate) fn decode_base64_lenient(input: &[u8]) -> Zeroizing<Vec<u8>> {
    // Room for every byte any group could give, plus the two bytes written past the end.
    let mut out = Zeroizing::new(vec![0u8; input.len() / 4 * 3 + 3]);
    let mut len = 0usize;
    let mut quad = [0u8; 4];
    let mut pads = [0u8; 4];
    let mut n = 0usize;
    for &c in input {
        let (v, valid, pad) = b64_value_ct(c);
        let take = valid | pad;
        let v = (v & !pad) | (127 & pad);
        // Store into every slot through a mask: the slot picked by `n` takes the value if the
        // character counts.
        for (i, (q, p)) in quad.iter_mut().zip(pads.iter_mut()).enumerate() {
            let here = take & (((i ^ n) as u8).wrapping_sub(1) >> 7).wrapping_neg();
            *q = (*q & !here) | (v & here);
            *p = (*p & !here) | (pad & here);
        }
        n += usize::from(take & 1);
        // Emit the group when it is complete (n == 4): a flag computed without a branch.
        let full = ((n >> 2) & 1) as u8;
        let full_mask = full.wrapping_neg();
        let q = quad.map(u32::from);
        let keep2 = full & !pads[2] & 1;
        let keep3 = full & !pads[3] & 1;
        out[len] = (((q[0] << 2 | q[1] >> 4) & 0xFF) as u8 & full_mask) | (out[len] & !full_mask);
        len += usize::from(full);
        out[len] = ((q[1] << 4 | q[2] >> 2) & 0xFF) as u8;
        len += usize::from(keep2);
        out[len] = ((q[2] << 6 | q[3]) & 0xFF) as u8;
        len += usize::from(keep3);
        n &= 3;
    }
    quad.fill(0);
    out.truncate(len);
    out
}

/// Padded standard base64 (RFC 4648 section 4): whole groups of four alphabet characters, the
/// last of which may end in `=` or `==`; nothing else. Bits below the last character that
/// carry no data are ignored (as Go's and Java's decoders do). With `skip_crlf`, CR and LF
/// anywhere are ignored first, as Go's `base64.StdEncoding` does.
pub(crate) fn decode_base64_padded(input: &[u8], skip_crlf: bool) -> Option<Zeroizing<Vec<u8>>> {
    let mut out = Zeroizing::new(Vec::with_capacity(input.len() / 4 * 3));
    let mut quad = [0u8; 4];
    let mut n = 0;
    let mut pads = 0;
    let mut finished = false;
    for &c in input {
        if skip_crlf && (c == b'\r' || c == b'\n') {
            continue;
        }
        if finished {
            return None;
        }
        if c == b'=' {
            // Padding may stand only in the third and fourth place of a group.
            if n < 2 {
                return None;
            }
            pads += 1;
            quad[n] = 0;
        } else {
            if pads > 0 {
                return None;
            }
            quad[n] = b64_value(c)?;
        }
        n += 1;
        if n == 4 {
            let q = quad.map(u32::from);
            let v = q[0] << 18 | q[1] << 12 | q[2] << 6 | q[3];
            out.push((v >> 16) as u8);
            if pads < 2 {
                out.push((v >> 8) as u8);
            }
            if pads < 1 {
                out.push(v as u8);
            }
            if pads > 0 {
                finished = true;
            }
            n = 0;
        }
    }
    quad.fill(0);
    (n == 0).then_some(out)
}

/// Why a JSON context was refused (private detail; callers map it to one S3 error).
#[derive(Debug)]
pub(crate) struct JsonError;

/// How [`parse_string_map`] treats a name that appears twice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Duplicates {
    /// The last value wins (the request-header dialect, as Amazon S3 reads the
    /// encryption-context header).
    LastWins,
    /// A repeated name is an error (stored data, which this crate wrote without repeats).
    Refuse,
}

/// Reads text that is exactly one JSON object (RFC 8259) whose member values are all
/// strings; a repeated name as `dups` says. Whitespace around tokens is allowed; anything
/// else (another value type, trailing data, bad escapes, lone surrogates, raw control
/// characters) is an error.
pub(crate) fn parse_string_map(
    text: &str,
    dups: Duplicates,
) -> Result<BTreeMap<String, String>, JsonError> {
    let mut p = JsonReader {
        s: text.as_bytes(),
        i: 0,
    };
    let mut map = BTreeMap::new();
    p.ws();
    p.expect(b'{')?;
    p.ws();
    if p.peek() == Some(b'}') {
        p.i += 1;
    } else {
        loop {
            p.ws();
            let k = p.string()?;
            p.ws();
            p.expect(b':')?;
            p.ws();
            let v = p.string()?;
            if map.insert(k, v).is_some() && dups == Duplicates::Refuse {
                return Err(JsonError);
            }
            p.ws();
            match p.next() {
                Some(b',') => continue,
                Some(b'}') => break,
                _ => return Err(JsonError),
            }
        }
    }
    p.ws();
    if p.i != p.s.len() {
        return Err(JsonError);
    }
    Ok(map)
}

struct JsonReader<'a> {
    s: &'a [u8],
    i: usize,
}

impl JsonReader<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn next(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.i += 1;
        Some(c)
    }
    fn expect(&mut self, c: u8) -> Result<(), JsonError> {
        if self.next() == Some(c) {
            Ok(())
        } else {
            Err(JsonError)
        }
    }
    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }
    fn hex4(&mut self) -> Result<u32, JsonError> {
        let mut v = 0u32;
        for _ in 0..4 {
            let c = self.next().ok_or(JsonError)?;
            let d = (c as char).to_digit(16).ok_or(JsonError)?;
            v = v << 4 | d;
        }
        Ok(v)
    }
    /// Reads a string. Its buffer is allocated once, as long as the raw text up to the closing
    /// quote (escapes only shrink), so no reallocation leaves a partial copy behind: a Tink
    /// keyset's strings hold key material, which [`JsonValue`]'s drop wipes.
    fn string(&mut self) -> Result<String, JsonError> {
        self.expect(b'"')?;
        let mut raw_len = 0;
        let mut escaped = false;
        for &c in &self.s[self.i..] {
            if c == b'"' && !escaped {
                break;
            }
            escaped = c == b'\\' && !escaped;
            raw_len += 1;
        }
        // Wiped if the string turns out malformed half way.
        let mut out = Zeroizing::new(String::with_capacity(raw_len));
        loop {
            let start = self.i;
            while let Some(c) = self.peek() {
                if c == b'"' || c == b'\\' || c < 0x20 {
                    break;
                }
                self.i += 1;
            }
            // The input is a &str and we stopped on ASCII bytes, so this slice is UTF-8.
            out.push_str(core::str::from_utf8(&self.s[start..self.i]).map_err(|_| JsonError)?);
            match self.next() {
                Some(b'"') => return Ok(core::mem::take(&mut *out)),
                Some(b'\\') => {
                    let c = match self.next().ok_or(JsonError)? {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hi = self.hex4()?;
                            let cp = if (0xD800..0xDC00).contains(&hi) {
                                self.expect(b'\\')?;
                                self.expect(b'u')?;
                                let lo = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return Err(JsonError);
                                }
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else {
                                hi
                            };
                            char::from_u32(cp).ok_or(JsonError)?
                        }
                        _ => return Err(JsonError),
                    };
                    out.push(c);
                }
                _ => return Err(JsonError),
            }
        }
    }
}

/// The general JSON reader and the map writer, for the client-side formats (Tink keysets,
/// S3EC metadata).
#[cfg(feature = "cse")]
mod general {
    use super::{JsonError, JsonReader};

    /// A JSON value (RFC 8259) as [`parse_json`] reads it: numbers keep their text, objects keep
    /// member order and never hold a name twice.
    #[derive(Debug, Clone, PartialEq)]
    pub(crate) enum JsonValue {
        Null,
        Bool(bool),
        Number(String),
        String(String),
        Array(Vec<JsonValue>),
        Object(Vec<(String, JsonValue)>),
    }

    /// Strings and numbers are wiped when the tree is dropped: a Tink keyset's `keyData.value`
    /// is the base64 of a serialized key.
    impl Drop for JsonValue {
        fn drop(&mut self) {
            use zeroize::Zeroize as _;
            match self {
                JsonValue::Number(s) | JsonValue::String(s) => s.zeroize(),
                JsonValue::Object(members) => members.iter_mut().for_each(|(k, _)| k.zeroize()),
                JsonValue::Null | JsonValue::Bool(_) | JsonValue::Array(_) => {}
            }
        }
    }

    impl JsonValue {
        /// The member `name` of an object.
        pub(crate) fn get(&self, name: &str) -> Option<&JsonValue> {
            match self {
                JsonValue::Object(m) => m.iter().find(|(k, _)| k == name).map(|(_, v)| v),
                _ => None,
            }
        }

        /// The string, if this is one.
        pub(crate) fn as_str(&self) -> Option<&str> {
            match self {
                JsonValue::String(s) => Some(s),
                _ => None,
            }
        }

        /// The number as an unsigned integer, if it is one that fits (no fraction, no exponent).
        pub(crate) fn as_u64(&self) -> Option<u64> {
            match self {
                JsonValue::Number(n) if !n.contains(['.', 'e', 'E', '-']) => n.parse().ok(),
                _ => None,
            }
        }
    }

    /// How deep [`parse_json`] lets arrays and objects nest.
    const JSON_MAX_DEPTH: usize = 32;

    /// Reads text that is exactly one JSON value: nesting at most 32 deep, a repeated member name
    /// refused, anything after the value (but whitespace) refused.
    pub(crate) fn parse_json(text: &str) -> Result<JsonValue, JsonError> {
        let mut p = JsonReader {
            s: text.as_bytes(),
            i: 0,
        };
        p.ws();
        let v = p.value(0)?;
        p.ws();
        if p.i != p.s.len() {
            return Err(JsonError);
        }
        Ok(v)
    }

    /// Appends `s` as a JSON string: `"`, `\`, control and non-ASCII characters escaped
    /// (`\uXXXX`), so the text is ASCII.
    pub(crate) fn write_string(s: &str, out: &mut String) {
        out.push('"');
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                ' '..='~' => out.push(c),
                _ => {
                    let mut units = [0u16; 2];
                    for u in c.encode_utf16(&mut units) {
                        out.push_str(&format!("\\u{:04x}", u));
                    }
                }
            }
        }
        out.push('"');
    }

    /// Writes `map` as one compact JSON object, names in sorted order; `"`, `\`, control and
    /// non-ASCII characters escaped (`\uXXXX`), so the text is ASCII and survives S3 metadata.
    pub(crate) fn write_string_map<'a>(
        map: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> String {
        let esc = write_string;
        let mut out = String::from("{");
        for (i, (k, v)) in map.into_iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            esc(k, &mut out);
            out.push(':');
            esc(v, &mut out);
        }
        out.push('}');
        out
    }

    /// Whether two members share a name: sorted once when the object closes, so an object
    /// of n members (an instruction file from storage can hold any number) costs n log n,
    /// not n² comparisons.
    fn repeats_a_name(members: &[(String, JsonValue)]) -> bool {
        let mut names: Vec<&str> = members.iter().map(|(n, _)| n.as_str()).collect();
        names.sort_unstable();
        names.windows(2).any(|w| w[0] == w[1])
    }

    impl JsonReader<'_> {
        fn value(&mut self, depth: usize) -> Result<JsonValue, JsonError> {
            if depth > JSON_MAX_DEPTH {
                return Err(JsonError);
            }
            match self.peek().ok_or(JsonError)? {
                b'"' => Ok(JsonValue::String(self.string()?)),
                b'{' => {
                    self.i += 1;
                    let mut members: Vec<(String, JsonValue)> = Vec::new();
                    self.ws();
                    if self.peek() == Some(b'}') {
                        self.i += 1;
                        return Ok(JsonValue::Object(members));
                    }
                    loop {
                        self.ws();
                        let k = self.string()?;
                        self.ws();
                        self.expect(b':')?;
                        self.ws();
                        let v = self.value(depth + 1)?;
                        members.push((k, v));
                        self.ws();
                        match self.next() {
                            Some(b',') => continue,
                            Some(b'}') if repeats_a_name(&members) => return Err(JsonError),
                            Some(b'}') => return Ok(JsonValue::Object(members)),
                            _ => return Err(JsonError),
                        }
                    }
                }
                b'[' => {
                    self.i += 1;
                    let mut items = Vec::new();
                    self.ws();
                    if self.peek() == Some(b']') {
                        self.i += 1;
                        return Ok(JsonValue::Array(items));
                    }
                    loop {
                        self.ws();
                        items.push(self.value(depth + 1)?);
                        self.ws();
                        match self.next() {
                            Some(b',') => continue,
                            Some(b']') => return Ok(JsonValue::Array(items)),
                            _ => return Err(JsonError),
                        }
                    }
                }
                b't' => self.word(b"true", JsonValue::Bool(true)),
                b'f' => self.word(b"false", JsonValue::Bool(false)),
                b'n' => self.word(b"null", JsonValue::Null),
                b'-' | b'0'..=b'9' => self.number(),
                _ => Err(JsonError),
            }
        }
        fn word(&mut self, w: &[u8], v: JsonValue) -> Result<JsonValue, JsonError> {
            if self.s[self.i..].starts_with(w) {
                self.i += w.len();
                Ok(v)
            } else {
                Err(JsonError)
            }
        }
        fn digits(&mut self) -> usize {
            let start = self.i;
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.i += 1;
            }
            self.i - start
        }
        fn number(&mut self) -> Result<JsonValue, JsonError> {
            let start = self.i;
            if self.peek() == Some(b'-') {
                self.i += 1;
            }
            let int_start = self.i;
            let n = self.digits();
            if n == 0 || (n > 1 && self.s[int_start] == b'0') {
                return Err(JsonError);
            }
            if self.peek() == Some(b'.') {
                self.i += 1;
                if self.digits() == 0 {
                    return Err(JsonError);
                }
            }
            if matches!(self.peek(), Some(b'e' | b'E')) {
                self.i += 1;
                if matches!(self.peek(), Some(b'+' | b'-')) {
                    self.i += 1;
                }
                if self.digits() == 0 {
                    return Err(JsonError);
                }
            }
            let text = core::str::from_utf8(&self.s[start..self.i]).map_err(|_| JsonError)?;
            Ok(JsonValue::Number(text.to_owned()))
        }
    }

    #[cfg(test)]
    mod tests {
        use super::super::{Duplicates, parse_string_map};
        use super::*;

        #[test]
        fn json_values() {
            let v = parse_json(r#" {"a": [1, -2.5e3, true, null, {"b": "c"}], "k": 4294967295} "#)
                .unwrap();
            assert_eq!(v.get("k").and_then(JsonValue::as_u64), Some(4294967295));
            assert_eq!(
                v.get("a"),
                Some(&JsonValue::Array(vec![
                    JsonValue::Number("1".into()),
                    JsonValue::Number("-2.5e3".into()),
                    JsonValue::Bool(true),
                    JsonValue::Null,
                    JsonValue::Object(vec![("b".into(), JsonValue::String("c".into()))]),
                ]))
            );
            let deep = "[".repeat(40) + &"]".repeat(40);
            for bad in [
                "",
                "01",
                "1.",
                "-",
                "1e",
                r#"{"a":1,"a":2}"#,
                r#"{"a":1,"b":2,"a":3}"#,
                r#"{"x":{"b":1,"a":2,"b":3}}"#,
                "[1,]",
                "tru",
                "[1] 2",
                deep.as_str(),
            ] {
                assert!(parse_json(bad).is_err(), "{bad}");
            }
            // Many members: distinct names read, one repeat refused (and not in n² time).
            let many: Vec<String> = (0..100_000).map(|i| format!("\"k{i}\":{i}")).collect();
            let obj = format!("{{{}}}", many.join(","));
            assert!(matches!(parse_json(&obj), Ok(JsonValue::Object(ref m)) if m.len() == 100_000));
            let obj = format!("{{{},\"k7\":0}}", many.join(","));
            assert!(parse_json(&obj).is_err());
            let text = write_string_map([("a\"\\", "\u{e9}\u{1F600}\n")]);
            assert_eq!(text, r#"{"a\"\\":"\u00e9\ud83d\ude00\u000a"}"#);
            let back = parse_string_map(&text, Duplicates::Refuse).unwrap();
            assert_eq!(back["a\"\\"], "\u{e9}\u{1F600}\n");
        }
    }
}
#[cfg(feature = "cse")]
pub(crate) use general::{JsonValue, parse_json, write_string, write_string_map};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_matches_jaxb_rules() {
        assert_eq!(&decode_base64_lenient(b"====")[..], &[0xFF]);
        assert_eq!(&decode_base64_lenient(b"QUJD")[..], b"ABC");
        assert_eq!(&decode_base64_lenient(b"Q U\tJ*D")[..], b"ABC");
        assert_eq!(&decode_base64_lenient(b"QUI=")[..], b"AB");
        assert_eq!(&decode_base64_lenient(b"QQ==")[..], b"A");
        assert!(decode_base64_lenient(b"ZZ").is_empty());
        assert_eq!(&decode_base64_lenient(b"QUJDQQ")[..], b"ABC");
        // The third byte depends on the fourth character only (JAXB's sibling `if`s).
        assert_eq!(&decode_base64_lenient(b"AA=A")[..], &[0x00, 0xc0]);
        assert_eq!(&decode_base64_lenient(b"AA==")[..], &[0x00]);
        assert_eq!(&decode_base64_lenient(b"AAA=")[..], &[0x00, 0x00]);
    }

    #[test]
    fn ct_alphabet_matches_the_table() {
        let table = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for c in 0..=255u8 {
            let (v, valid, pad) = b64_value_ct(c);
            match table.iter().position(|&t| t == c) {
                Some(i) => assert_eq!((v, valid, pad), (i as u8, 0xFF, 0), "{c}"),
                None => assert_eq!(
                    (v, valid, pad),
                    (0, 0, if c == b'=' { 0xFF } else { 0 }),
                    "{c}"
                ),
            }
        }
    }

    #[test]
    fn padded_is_strict() {
        assert_eq!(&decode_base64_padded(b"QUJD", false).unwrap()[..], b"ABC");
        assert_eq!(&decode_base64_padded(b"QUI=", false).unwrap()[..], b"AB");
        assert_eq!(&decode_base64_padded(b"QQ==", false).unwrap()[..], b"A");
        assert_eq!(&decode_base64_padded(b"", false).unwrap()[..], b"");
        for bad in [
            &b"QQ"[..],
            b"QQ=",
            b"Q===",
            b"====",
            b"QQ==QUJD",
            b"QU=D",
            b"QUJD\n",
            b"QU JD",
            b"QUJ-",
        ] {
            assert!(decode_base64_padded(bad, false).is_none(), "{bad:?}");
        }
        assert_eq!(
            &decode_base64_padded(b"QU\r\nJD\n", true).unwrap()[..],
            b"ABC"
        );
    }

    #[test]
    fn json_maps() {
        let text = r#" {"a":"b", "c" : "d\u00e9\ud83d\ude00", "a":"z"} "#;
        assert!(parse_string_map(text, Duplicates::Refuse).is_err());
        let m = parse_string_map(text, Duplicates::LastWins).unwrap();
        assert_eq!(m["a"], "z");
        assert_eq!(m["c"], "d\u{e9}\u{1F600}");
        assert!(
            parse_string_map("{}", Duplicates::Refuse)
                .unwrap()
                .is_empty()
        );
        for bad in [
            "",
            "[]",
            r#"{"a":1}"#,
            r#"{"a":{"b":"c"}}"#,
            r#"{"a":"b",}"#,
            r#"{"a":"b"} x"#,
            r#"{"a":"\ud800"}"#,
            "{\"a\":\"\u{1}\"}",
            r#"{"a":"\x"}"#,
            r#"{a:"b"}"#,
            r#"{"a":null}"#,
        ] {
            assert!(
                parse_string_map(bad, Duplicates::LastWins).is_err(),
                "{bad}"
            );
        }
    }
}
