//! The HTTP `Range` header of a GET, parsed and resolved as MinIO (`cmd/httprange.go`) does:
//! one `bytes=` range, `a-b`, `a-` or `-n`.

use core::fmt;

/// A parsed byte range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RangeSpec {
    /// `bytes=a-b` (a ≤ b).
    FromTo(u64, u64),
    /// `bytes=a-`.
    From(u64),
    /// `bytes=-n` (n > 0): the last n bytes.
    Suffix(u64),
}

/// Why a `Range` header was not served as a range.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RangeError {
    /// `bytes=a-b` with a > b, or `bytes=-0`: 416 InvalidRange.
    Invalid,
    /// The header is not a single byte range (no `bytes=` prefix, a list, a sign, not a
    /// number…). MinIO ignores such a header and serves the whole object.
    Syntax(String),
    /// The range starts at or after the end of the object: 416 InvalidRange.
    Unsatisfiable(RangeSpec),
}

impl RangeError {
    /// The HTTP status a GET answers with, or `None` when the header is ignored.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Self::Syntax(_) => None,
            _ => Some(416),
        }
    }

    /// The S3 error code, when the request fails.
    pub fn code(&self) -> Option<&'static str> {
        self.http_status().map(|_| "InvalidRange")
    }
}

impl fmt::Display for RangeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Invalid => f.write_str("Invalid range"),
            Self::Syntax(m) => f.write_str(m),
            Self::Unsatisfiable(spec) => {
                let (start, end) = spec.minio_bounds();
                write!(
                    f,
                    "The requested range 'bytes={start}-{end}' is not satisfiable"
                )
            }
        }
    }
}

impl std::error::Error for RangeError {}

/// A byte position as Go's `strconv.ParseInt(s, 10, 64)` reads it, `+` refused first.
fn position(s: &str, which: &str, header: &str) -> Result<Option<i64>, RangeError> {
    if s.is_empty() {
        return Ok(None);
    }
    if s.starts_with('+') {
        return Err(RangeError::Syntax(format!(
            "Byte position ('{s}') must not have a sign"
        )));
    }
    let v: i64 = s.parse().map_err(|_| {
        RangeError::Syntax(format!(
            "'{header}' does not have a valid {which} byte position value"
        ))
    })?;
    if v < 0 {
        let which = if which == "first" { "First" } else { "Last" };
        return Err(RangeError::Syntax(format!(
            "{which} byte position is negative ('{v}')"
        )));
    }
    Ok(Some(v))
}

impl RangeSpec {
    /// Parses a `Range` header value.
    pub fn parse(header: &str) -> Result<Self, RangeError> {
        let Some(spec) = header.strip_prefix("bytes=") else {
            return Err(RangeError::Syntax(format!(
                "'{header}' does not start with 'bytes='"
            )));
        };
        let Some(dash) = spec.find('-') else {
            return Err(RangeError::Syntax(format!(
                "'{header}' does not have a valid range value"
            )));
        };
        let first = position(&spec[..dash], "first", header)?;
        let last = position(&spec[dash + 1..], "last", header)?;
        match (first, last) {
            (Some(a), Some(b)) if a > b => Err(RangeError::Invalid),
            (Some(a), Some(b)) => Ok(Self::FromTo(a as u64, b as u64)),
            (Some(a), None) => Ok(Self::From(a as u64)),
            (None, Some(0)) => Err(RangeError::Invalid),
            (None, Some(n)) => Ok(Self::Suffix(n as u64)),
            (None, None) => Err(RangeError::Syntax(format!(
                "'{header}' does not have valid range value"
            ))),
        }
    }

    /// The `(start, end)` MinIO's `HTTPRangeSpec` holds (-1 for an open end, −n as the start
    /// of a suffix).
    pub fn minio_bounds(&self) -> (i128, i128) {
        match *self {
            Self::FromTo(a, b) => (a.into(), b.into()),
            Self::From(a) => (a.into(), -1),
            Self::Suffix(n) => (-i128::from(n), -1),
        }
    }

    /// The `(offset, length)` of the range in an object of `size` bytes: a suffix longer than
    /// the object is the whole object; an end past the object is clamped; a start at or past
    /// the end is unsatisfiable. A spec [`parse`](Self::parse) cannot give (`FromTo(a, b)`
    /// with a > b, `Suffix(0)`, built by hand) is [`RangeError::Invalid`].
    pub fn resolve(&self, size: u64) -> Result<(u64, u64), RangeError> {
        match *self {
            Self::FromTo(a, b) if a > b => Err(RangeError::Invalid),
            Self::Suffix(0) => Err(RangeError::Invalid),
            Self::Suffix(n) => {
                let len = n.min(size);
                Ok((size - len, len))
            }
            Self::FromTo(a, _) | Self::From(a) if a >= size => {
                Err(RangeError::Unsatisfiable(*self))
            }
            // a < size here, so size - 1 and the length cannot wrap.
            Self::FromTo(a, b) => Ok((a, b.min(size - 1) - a + 1)),
            Self::From(a) => Ok((a, size - a)),
        }
    }
}
