//! Steps 1–3 of the procedure: field syntax, header-section size, and field handling
//! (case-insensitive names, trimmed values, repeated lines joined with `,`).

use zeroize::Zeroizing;

use super::{HeaderSource, MAX_HEADER_SECTION, SseError};

/// The fields the SSE procedures read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Field {
    Sse,
    Algorithm,
    Key,
    KeyMd5,
    SrcAlgorithm,
    SrcKey,
    SrcKeyMd5,
    KmsKeyId,
    KmsContext,
    BucketKeyEnabled,
    Authorization,
}

const NAMES: [(&str, Field); 11] = [
    ("x-amz-server-side-encryption", Field::Sse),
    (
        "x-amz-server-side-encryption-customer-algorithm",
        Field::Algorithm,
    ),
    ("x-amz-server-side-encryption-customer-key", Field::Key),
    (
        "x-amz-server-side-encryption-customer-key-md5",
        Field::KeyMd5,
    ),
    (
        "x-amz-copy-source-server-side-encryption-customer-algorithm",
        Field::SrcAlgorithm,
    ),
    (
        "x-amz-copy-source-server-side-encryption-customer-key",
        Field::SrcKey,
    ),
    (
        "x-amz-copy-source-server-side-encryption-customer-key-md5",
        Field::SrcKeyMd5,
    ),
    (
        "x-amz-server-side-encryption-aws-kms-key-id",
        Field::KmsKeyId,
    ),
    ("x-amz-server-side-encryption-context", Field::KmsContext),
    (
        "x-amz-server-side-encryption-bucket-key-enabled",
        Field::BucketKeyEnabled,
    ),
    ("authorization", Field::Authorization),
];

fn lookup(name: &[u8]) -> Option<Field> {
    // Every SSE name starts with "x-amz-"; checking the length first keeps this cheap for the
    // dozen unrelated headers a real client sends.
    NAMES
        .iter()
        .find(|(n, _)| n.len() == name.len() && n.as_bytes().eq_ignore_ascii_case(name))
        .map(|&(_, f)| f)
}

/// The value of one field: absent, one line (borrowed), or several joined (owned, wiped on
/// drop because key lines may be among them).
#[derive(Default)]
enum Slot<'a> {
    #[default]
    Absent,
    One(&'a [u8]),
    Joined(Zeroizing<Vec<u8>>),
}

/// Appends `,value` to a joined value. Growing moves the bytes to a new block and wipes the
/// old one (a plain `Vec` reallocation would free it unwiped: key lines may be in it).
fn append(v: &mut Zeroizing<Vec<u8>>, value: &[u8]) {
    let need = v.len() + 1 + value.len();
    if need > v.capacity() {
        let mut grown = Zeroizing::new(Vec::with_capacity(need.saturating_mul(2)));
        grown.extend_from_slice(v);
        core::mem::swap(v, &mut grown); // `grown` (the old block) is wiped on drop
    }
    v.push(b',');
    v.extend_from_slice(value);
}

/// The SSE fields of a request after steps 1–3.
pub(crate) struct Fields<'a> {
    slots: [Slot<'a>; NAMES.len()],
}

fn trim(v: &[u8]) -> &[u8] {
    let is_ows = |c: &u8| *c == b' ' || *c == b'\t';
    let start = v.iter().position(|c| !is_ows(c)).unwrap_or(v.len());
    let end = v.iter().rposition(|c| !is_ows(c)).map_or(start, |e| e + 1);
    &v[start..end]
}

impl<'a> Fields<'a> {
    /// Collects the SSE fields. Amazon S3 rules (`first_wins == false`): every line is
    /// checked for CR/LF/NUL (step 1), the section size is limited (step 2), values are
    /// trimmed of SP/HTAB and repeated lines joined with `,` (step 3). MinIO rules
    /// (`first_wins == true`, Go's `Header.Get`): the first line of a name wins, values are
    /// taken as given, and no size limit applies here (Go's server has its own).
    pub(crate) fn collect<H: HeaderSource + ?Sized>(
        headers: &'a H,
        first_wins: bool,
    ) -> Result<Self, SseError> {
        let mut slots: [Slot<'a>; NAMES.len()] = Default::default();
        let mut size = 0usize;
        let mut malformed = false;
        for (name, value) in headers.fields() {
            // No early exit: a plain fold vectorises, and most values are clean.
            malformed |= value
                .iter()
                .fold(false, |bad, &c| bad | matches!(c, 0 | b'\n' | b'\r'));
            size = size.saturating_add(name.len() + value.len() + 4);
            let Some(field) = lookup(name) else { continue };
            let slot = &mut slots[field as usize];
            if first_wins {
                if matches!(slot, Slot::Absent) {
                    *slot = Slot::One(value);
                }
                continue;
            }
            let value = trim(value);
            *slot = match core::mem::replace(slot, Slot::Absent) {
                Slot::Absent => Slot::One(value),
                Slot::One(first) => {
                    let mut v =
                        Zeroizing::new(Vec::with_capacity(2 * (first.len() + 1 + value.len())));
                    v.extend_from_slice(first);
                    append(&mut v, value);
                    Slot::Joined(v)
                }
                Slot::Joined(mut v) => {
                    append(&mut v, value);
                    Slot::Joined(v)
                }
            };
        }
        let fields = Fields { slots };
        if malformed {
            return Err(SseError::MalformedField);
        }
        if !first_wins && size > MAX_HEADER_SECTION {
            return Err(SseError::HeaderSectionTooLarge);
        }
        Ok(fields)
    }

    /// The field's value, `None` when no line carried it (an empty line is present).
    pub(crate) fn get(&self, field: Field) -> Option<&[u8]> {
        match &self.slots[field as usize] {
            Slot::Absent => None,
            Slot::One(v) => Some(v),
            Slot::Joined(v) => Some(v.as_slice()),
        }
    }

    /// Whether any line carried the field.
    pub(crate) fn has(&self, field: Field) -> bool {
        !matches!(self.slots[field as usize], Slot::Absent)
    }
}
