//! KMIP's binary encoding, TTLV (tag, type, length, value), as specified in KMIP 1.4 §9.1
//! and 2.0 §9.1: a 3-byte tag, a 1-byte type, a 4-byte big-endian length, and the value
//! padded with zeros to a multiple of 8 bytes. Pure: bytes in, bytes out.
//!
//! The decoder takes untrusted bytes (a KMIP server's answer, or anything on the wire): it
//! never panics, checks every length against what is left (checked arithmetic), bounds the
//! nesting depth, checks the fixed lengths of fixed-size types and that text is UTF-8, and
//! refuses unknown types and trailing bytes.

use core::fmt;

use zeroize::Zeroizing;

/// The largest message this codec frames (1 MiB): the answers of the operations used here
/// are a few hundred bytes.
pub const MAX_MESSAGE: usize = 1 << 20;

/// The deepest nesting of structures decoded (KMIP's own messages nest 5 deep).
pub const MAX_DEPTH: usize = 16;

/// A TTLV item: a tag (`0x42xxxx` for KMIP's own, `0x54xxxx` for extensions) and a value.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Item {
    /// The 3-byte tag, in the low 24 bits.
    pub tag: u32,
    /// The value.
    pub value: Value,
}

/// A TTLV value, one variant per KMIP item type.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Value {
    /// 0x01: a sequence of items.
    Structure(Vec<Item>),
    /// 0x02: a 32-bit signed integer.
    Integer(i32),
    /// 0x03: a 64-bit signed integer.
    LongInteger(i64),
    /// 0x04: a big-endian two's-complement integer, a multiple of 8 bytes long.
    BigInteger(Vec<u8>),
    /// 0x05: a 32-bit enumeration value.
    Enumeration(u32),
    /// 0x06: a boolean (encoded as 8 bytes, 0 or 1).
    Boolean(bool),
    /// 0x07: UTF-8 text.
    TextString(String),
    /// 0x08: bytes (may be key material: wiped on drop, redacted in `Debug`).
    ByteString(Zeroizing<Vec<u8>>),
    /// 0x09: seconds since the Unix epoch.
    DateTime(i64),
    /// 0x0A: a duration in seconds.
    Interval(u32),
    /// 0x0B (KMIP 2.0): microseconds since the Unix epoch.
    DateTimeExtended(i64),
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Structure(items) => f.debug_list().entries(items).finish(),
            Value::Integer(v) => write!(f, "Integer({v})"),
            Value::LongInteger(v) => write!(f, "LongInteger({v})"),
            Value::BigInteger(v) => write!(f, "BigInteger({} bytes)", v.len()),
            Value::Enumeration(v) => write!(f, "Enumeration({v:#x})"),
            Value::Boolean(v) => write!(f, "Boolean({v})"),
            Value::TextString(v) => write!(f, "TextString({v:?})"),
            Value::ByteString(v) => write!(f, "ByteString({} bytes, redacted)", v.len()),
            Value::DateTime(v) => write!(f, "DateTime({v})"),
            Value::Interval(v) => write!(f, "Interval({v})"),
            Value::DateTimeExtended(v) => write!(f, "DateTimeExtended({v})"),
        }
    }
}

impl Value {
    fn type_byte(&self) -> u8 {
        match self {
            Value::Structure(_) => 0x01,
            Value::Integer(_) => 0x02,
            Value::LongInteger(_) => 0x03,
            Value::BigInteger(_) => 0x04,
            Value::Enumeration(_) => 0x05,
            Value::Boolean(_) => 0x06,
            Value::TextString(_) => 0x07,
            Value::ByteString(_) => 0x08,
            Value::DateTime(_) => 0x09,
            Value::Interval(_) => 0x0A,
            Value::DateTimeExtended(_) => 0x0B,
        }
    }
}

/// Why bytes are not a TTLV item.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TtlvError {
    /// Fewer bytes than a header or a length announces.
    #[error("TTLV truncated: {0}")]
    Truncated(&'static str),
    /// An item type this codec does not know (KMIP defines 0x01..=0x0B).
    #[error("unknown TTLV item type {0:#04x} (expected 0x01..=0x0B)")]
    UnknownType(u8),
    /// A fixed-size type with the wrong length, or a length that is not what its type needs.
    #[error("bad TTLV length: {0}")]
    BadLength(&'static str),
    /// A value that its type does not allow (a boolean other than 0 or 1, text not UTF-8).
    #[error("bad TTLV value: {0}")]
    BadValue(&'static str),
    /// Structures nested deeper than [`MAX_DEPTH`].
    #[error("TTLV structures nested deeper than {MAX_DEPTH}")]
    TooDeep,
    /// A message longer than [`MAX_MESSAGE`].
    #[error("TTLV message of {0} bytes is longer than the {MAX_MESSAGE} accepted")]
    TooLong(u64),
    /// Bytes after the item.
    #[error("{0} bytes after the TTLV item")]
    Trailing(usize),
}

impl Item {
    /// An item.
    pub fn new(tag: u32, value: Value) -> Self {
        Self { tag, value }
    }

    /// A structure of `items`.
    pub fn structure(tag: u32, items: Vec<Item>) -> Self {
        Self::new(tag, Value::Structure(items))
    }

    /// The items of a structure (none for any other type).
    pub fn children(&self) -> &[Item] {
        match &self.value {
            Value::Structure(items) => items,
            _ => &[],
        }
    }

    /// The first child with `tag`.
    pub fn child(&self, tag: u32) -> Option<&Item> {
        self.children().iter().find(|i| i.tag == tag)
    }

    /// Every child with `tag`.
    pub fn children_with(&self, tag: u32) -> impl Iterator<Item = &Item> {
        self.children().iter().filter(move |i| i.tag == tag)
    }

    /// The item's bytes, appended to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.tag.to_be_bytes()[1..]);
        out.push(self.value.type_byte());
        let len_at = out.len();
        out.extend_from_slice(&[0; 4]);
        let start = out.len();
        match &self.value {
            Value::Structure(items) => items.iter().for_each(|i| i.encode(out)),
            Value::Integer(v) => out.extend_from_slice(&v.to_be_bytes()),
            Value::Enumeration(v) | Value::Interval(v) => out.extend_from_slice(&v.to_be_bytes()),
            Value::LongInteger(v) | Value::DateTime(v) | Value::DateTimeExtended(v) => {
                out.extend_from_slice(&v.to_be_bytes())
            }
            Value::Boolean(v) => out.extend_from_slice(&u64::from(*v).to_be_bytes()),
            Value::BigInteger(v) => out.extend_from_slice(v),
            Value::TextString(v) => out.extend_from_slice(v.as_bytes()),
            Value::ByteString(v) => out.extend_from_slice(v),
        }
        let len = out.len() - start;
        // A message is built by this crate from small fields; saturate rather than wrap.
        let len32 = u32::try_from(len).unwrap_or(u32::MAX);
        out[len_at..start].copy_from_slice(&len32.to_be_bytes());
        out.resize(start + padded(len), 0);
    }

    /// The item's bytes in a buffer wiped on drop (a request may carry key material).
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(Vec::new());
        self.encode(&mut out);
        out
    }

    /// Decodes exactly one item from `bytes` (no trailing bytes).
    pub fn decode(bytes: &[u8]) -> Result<Item, TtlvError> {
        if bytes.len() > MAX_MESSAGE {
            return Err(TtlvError::TooLong(bytes.len() as u64));
        }
        let (item, used) = decode_at(bytes, 0)?;
        match bytes.len() - used {
            0 => Ok(item),
            n => Err(TtlvError::Trailing(n)),
        }
    }
}

/// `len` rounded up to a multiple of 8 (`len` is at most [`MAX_MESSAGE`] here).
fn padded(len: usize) -> usize {
    len.div_ceil(8) * 8
}

/// The total length of the message whose first 8 bytes are `header` (header included), for
/// reading a message off a stream; refuses a length over [`MAX_MESSAGE`] or one that is not
/// a structure's (a multiple of 8).
pub fn message_len(header: &[u8; 8]) -> Result<usize, TtlvError> {
    if header[3] != 0x01 {
        return Err(TtlvError::BadValue(
            "a KMIP message is a structure (type 0x01)",
        ));
    }
    let len = u32::from_be_bytes([header[4], header[5], header[6], header[7]]);
    let total = u64::from(len) + 8;
    if total > MAX_MESSAGE as u64 {
        return Err(TtlvError::TooLong(total));
    }
    if !len.is_multiple_of(8) {
        return Err(TtlvError::BadLength(
            "a structure's length is a multiple of 8",
        ));
    }
    Ok(total as usize)
}

fn fixed<const N: usize>(v: &[u8], what: &'static str) -> Result<[u8; N], TtlvError> {
    v.try_into().map_err(|_| TtlvError::BadLength(what))
}

/// Decodes the item at the start of `bytes`; returns it and the bytes it took (padding
/// included, except that a last item's padding may be absent only if the spec allowed it,
/// which it does not: padding is required).
fn decode_at(bytes: &[u8], depth: usize) -> Result<(Item, usize), TtlvError> {
    if depth > MAX_DEPTH {
        return Err(TtlvError::TooDeep);
    }
    let header: &[u8; 8] = bytes
        .get(..8)
        .and_then(|h| h.try_into().ok())
        .ok_or(TtlvError::Truncated("an item header is 8 bytes"))?;
    let tag = u32::from_be_bytes([0, header[0], header[1], header[2]]);
    let ty = header[3];
    let len = u32::from_be_bytes([header[4], header[5], header[6], header[7]]) as usize;
    let body = &bytes[8..];
    let v = body
        .get(..len)
        .ok_or(TtlvError::Truncated("an item is shorter than its length"))?;
    let take = padded(len);
    if body.len() < take {
        return Err(TtlvError::Truncated("an item's padding is missing"));
    }
    let value = match ty {
        0x01 => {
            if !len.is_multiple_of(8) {
                return Err(TtlvError::BadLength(
                    "a structure's length is a multiple of 8",
                ));
            }
            let mut items = Vec::new();
            let mut at = 0;
            while at < v.len() {
                let (item, used) = decode_at(&v[at..], depth + 1)?;
                items.push(item);
                at += used;
            }
            Value::Structure(items)
        }
        0x02 => Value::Integer(i32::from_be_bytes(fixed(v, "an Integer is 4 bytes")?)),
        0x03 => Value::LongInteger(i64::from_be_bytes(fixed(v, "a Long Integer is 8 bytes")?)),
        0x04 => {
            if len == 0 || !len.is_multiple_of(8) {
                return Err(TtlvError::BadLength(
                    "a Big Integer is a non-zero multiple of 8 bytes",
                ));
            }
            Value::BigInteger(v.to_vec())
        }
        0x05 => Value::Enumeration(u32::from_be_bytes(fixed(v, "an Enumeration is 4 bytes")?)),
        0x06 => match u64::from_be_bytes(fixed(v, "a Boolean is 8 bytes")?) {
            0 => Value::Boolean(false),
            1 => Value::Boolean(true),
            _ => return Err(TtlvError::BadValue("a Boolean is 0 or 1")),
        },
        0x07 => Value::TextString(
            core::str::from_utf8(v)
                .map_err(|_| TtlvError::BadValue("a Text String is UTF-8"))?
                .to_owned(),
        ),
        0x08 => Value::ByteString(Zeroizing::new(v.to_vec())),
        0x09 => Value::DateTime(i64::from_be_bytes(fixed(v, "a Date-Time is 8 bytes")?)),
        0x0A => Value::Interval(u32::from_be_bytes(fixed(v, "an Interval is 4 bytes")?)),
        0x0B => Value::DateTimeExtended(i64::from_be_bytes(fixed(
            v,
            "a Date-Time Extended is 8 bytes",
        )?)),
        t => return Err(TtlvError::UnknownType(t)),
    };
    Ok((Item { tag, value }, 8 + take))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// KMIP 1.4 §9.1.2's own examples of each type's encoding.
    #[test]
    fn spec_examples() {
        let cases: Vec<(Item, &str)> = vec![
            (
                Item::new(0x420020, Value::Integer(8)),
                "42002002000000040000000800000000",
            ),
            (
                Item::new(0x420020, Value::LongInteger(123456789000000000)),
                "420020030000000801B69B4BA5749200",
            ),
            (
                Item::new(0x420020, Value::Enumeration(255)),
                "4200200500000004000000FF00000000",
            ),
            (
                Item::new(0x420020, Value::Boolean(true)),
                "42002006000000080000000000000001",
            ),
            (
                Item::new(0x420020, Value::TextString("Hello World".into())),
                "420020070000000B48656C6C6F20576F726C640000000000",
            ),
            (
                Item::new(0x420020, Value::ByteString(Zeroizing::new(vec![1, 2, 3]))),
                "42002008000000030102030000000000",
            ),
            (
                Item::new(0x420020, Value::DateTime(0x47DA67F8)),
                "42002009000000080000000047DA67F8",
            ),
            (
                Item::new(0x420020, Value::Interval(864000)),
                "4200200A00000004000D2F0000000000",
            ),
            (
                Item::structure(
                    0x420020,
                    vec![
                        Item::new(0x420004, Value::Enumeration(254)),
                        Item::new(0x420005, Value::Integer(255)),
                    ],
                ),
                "42002001000000204200040500000004000000FE000000004200050200000004000000FF00000000",
            ),
        ];
        for (item, hex) in cases {
            let bytes = item.to_bytes();
            let got: String = bytes.iter().map(|b| format!("{b:02X}")).collect();
            assert_eq!(got, hex, "{item:?}");
            assert_eq!(Item::decode(&bytes).unwrap(), item);
        }
    }

    #[test]
    fn refusals() {
        let ok = Item::new(0x420020, Value::Integer(8)).to_bytes();
        assert!(matches!(
            Item::decode(&ok[..15]),
            Err(TtlvError::Truncated(_))
        ));
        let mut bad = ok.to_vec();
        bad[3] = 0x0C;
        assert_eq!(Item::decode(&bad), Err(TtlvError::UnknownType(0x0C)));
        let mut bad = ok.to_vec();
        bad[7] = 5;
        assert!(matches!(Item::decode(&bad), Err(TtlvError::BadLength(_))));
        let mut extra = ok.to_vec();
        extra.extend_from_slice(&[0; 8]);
        assert_eq!(Item::decode(&extra), Err(TtlvError::Trailing(8)));
        let b = Item::new(1, Value::Boolean(true)).to_bytes();
        let mut bad = b.to_vec();
        bad[15] = 2;
        assert!(matches!(Item::decode(&bad), Err(TtlvError::BadValue(_))));
        let t = Item::new(1, Value::TextString("ab".into())).to_bytes();
        let mut bad = t.to_vec();
        bad[8] = 0xFF;
        assert!(matches!(Item::decode(&bad), Err(TtlvError::BadValue(_))));
        // Nesting past the bound.
        let mut item = Item::new(1, Value::Integer(0));
        for _ in 0..=MAX_DEPTH {
            item = Item::structure(1, vec![item]);
        }
        assert_eq!(Item::decode(&item.to_bytes()), Err(TtlvError::TooDeep));
        assert!(message_len(&[0x42, 0, 0x7B, 1, 0, 0x20, 0, 0]).is_err());
        assert_eq!(message_len(&[0x42, 0, 0x7B, 1, 0, 0, 1, 0]), Ok(264));
        assert!(message_len(&[0x42, 0, 0x7B, 2, 0, 0, 1, 0]).is_err());
    }

    #[test]
    fn debug_redacts_byte_strings() {
        let i = Item::new(0x4200C2, Value::ByteString(Zeroizing::new(vec![0xAB; 32])));
        let s = format!("{i:?}");
        assert!(s.contains("redacted") && !s.contains("171"), "{s}");
    }
}
