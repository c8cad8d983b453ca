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

/// The value of a standard-alphabet base64 character, `None` for anything else.
fn b64_value(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// Amazon S3's lenient key decoding (Java JAXB `parseBase64Binary`): every character outside
/// `A-Z a-z 0-9 + / =` is skipped, the rest is taken four at a time (an incomplete last
/// group is ignored), `=` counts 127, and a group yields one byte, then a second unless its
/// third character is `=`, then a third unless its fourth is `=`.
pub(crate) fn decode_base64_lenient(input: &[u8]) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(input.len() / 4 * 3));
    let mut quad = [0u8; 4];
    let mut is_pad = [false; 4];
    let mut n = 0;
    for &c in input {
        let (v, pad) = match c {
            b'=' => (127u8, true),
            _ => match b64_value(c) {
                Some(v) => (v, false),
                None => continue,
            },
        };
        quad[n] = v;
        is_pad[n] = pad;
        n += 1;
        if n == 4 {
            let q = quad.map(u32::from);
            out.push(((q[0] << 2 | q[1] >> 4) & 0xFF) as u8);
            if !is_pad[2] {
                out.push(((q[1] << 4 | q[2] >> 2) & 0xFF) as u8);
                if !is_pad[3] {
                    out.push(((q[2] << 6 | q[3]) & 0xFF) as u8);
                }
            }
            n = 0;
        }
    }
    quad.fill(0);
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

/// Reads text that is exactly one JSON object (RFC 8259) whose member values are all
/// strings. A repeated name keeps its last value. Whitespace around tokens is allowed;
/// anything else (another value type, trailing data, bad escapes, lone surrogates, raw
/// control characters) is an error.
pub(crate) fn parse_string_map(text: &str) -> Result<BTreeMap<String, String>, JsonError> {
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
            map.insert(k, v);
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
    fn string(&mut self) -> Result<String, JsonError> {
        self.expect(b'"')?;
        let mut out = String::new();
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
                Some(b'"') => return Ok(out),
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
        let m = parse_string_map(r#" {"a":"b", "c" : "d\u00e9\ud83d\ude00", "a":"z"} "#).unwrap();
        assert_eq!(m["a"], "z");
        assert_eq!(m["c"], "d\u{e9}\u{1F600}");
        assert!(parse_string_map("{}").unwrap().is_empty());
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
            assert!(parse_string_map(bad).is_err(), "{bad}");
        }
    }
}
