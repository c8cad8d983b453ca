//! The body transformers the flows hand out: an encryptor for what a client uploads and a
//! decryptor bound to exactly the stored bytes a GET fetches (across parts, each with its
//! own key). Unencrypted objects get the same shapes, passing bytes through, so a server
//! has one code path.

use std::collections::VecDeque;

use crate::dare::{DareError, Decryptor, Encryptor};

/// Turns an uploaded body into the bytes to store.
#[derive(Debug)]
pub struct BodyEncryptor {
    inner: Option<Encryptor>,
    plaintext_len: u64,
    stored_len: u64,
}

impl BodyEncryptor {
    pub(super) fn plain() -> Self {
        Self {
            inner: None,
            plaintext_len: 0,
            stored_len: 0,
        }
    }

    pub(super) fn dare(enc: Encryptor) -> Self {
        Self {
            inner: Some(enc),
            plaintext_len: 0,
            stored_len: 0,
        }
    }

    /// Whether the body is encrypted (false: bytes pass through).
    pub fn is_encrypted(&self) -> bool {
        self.inner.is_some()
    }

    /// Appends the stored form of `input` to `out` (whole packages as they fill).
    pub fn update(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(), DareError> {
        let before = out.len();
        match &mut self.inner {
            Some(e) => e.update(input, out)?,
            None => out.extend_from_slice(input),
        }
        self.count(input.len(), out.len() - before)
    }

    /// Appends the last stored bytes to `out`; returns `(plaintext size, stored size)`.
    pub fn finish(mut self, out: &mut Vec<u8>) -> Result<(u64, u64), DareError> {
        let before = out.len();
        if let Some(e) = self.inner.take() {
            e.finish(out)?;
        }
        self.count(0, out.len() - before)?;
        Ok((self.plaintext_len, self.stored_len))
    }

    fn count(&mut self, plain: usize, stored: usize) -> Result<(), DareError> {
        let add = |a: u64, b: usize| {
            u64::try_from(b)
                .ok()
                .and_then(|b| a.checked_add(b))
                .ok_or(DareError::SizeTooLarge)
        };
        self.plaintext_len = add(self.plaintext_len, plain)?;
        self.stored_len = add(self.stored_len, stored)?;
        Ok(())
    }
}

/// One stretch of stored bytes and how to read it.
#[derive(Debug)]
pub(super) enum Segment {
    /// Unencrypted bytes: passed through.
    Plain { stored: u64 },
    /// A DARE stream range (one part), bound to exactly `stored` bytes.
    Dare { dec: Decryptor, stored: u64 },
}

/// Turns the stored bytes a GET fetched into the plaintext to answer with. Bound: it takes
/// exactly [`stored_len`](Self::stored_len) bytes and yields exactly the plaintext length
/// the plan announced; fewer bytes at [`finish`](Self::finish), more in an
/// [`update`](Self::update), or any damage is an error, and the call that fails appends
/// nothing to `out`.
#[derive(Debug)]
pub struct BodyDecryptor {
    segments: VecDeque<Segment>,
    /// Stored bytes left in the front segment.
    left: u64,
    stored_len: u64,
}

impl BodyDecryptor {
    pub(super) fn new(segments: Vec<Segment>) -> Self {
        let stored_len = segments
            .iter()
            .map(|s| match s {
                Segment::Plain { stored } | Segment::Dare { stored, .. } => *stored,
            })
            .sum();
        let mut d = Self {
            segments: segments.into(),
            left: 0,
            stored_len,
        };
        d.left = d.front_len();
        d
    }

    fn front_len(&self) -> u64 {
        match self.segments.front() {
            Some(Segment::Plain { stored } | Segment::Dare { stored, .. }) => *stored,
            None => 0,
        }
    }

    /// The stored bytes this decryptor reads in all.
    pub fn stored_len(&self) -> u64 {
        self.stored_len
    }

    /// Appends the plaintext of `input` (the next fetched stored bytes) to `out`.
    pub fn update(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(), DareError> {
        let before = out.len();
        let r = self.update_inner(input, out);
        if r.is_err() {
            zeroize::Zeroize::zeroize(&mut out[before..]);
            out.truncate(before);
            self.segments.clear();
        }
        r
    }

    fn update_inner(&mut self, mut input: &[u8], out: &mut Vec<u8>) -> Result<(), DareError> {
        while !input.is_empty() {
            if self.segments.is_empty() {
                return Err(DareError::TrailingData);
            }
            let n = usize::try_from(self.left).map_or(input.len(), |l| l.min(input.len()));
            let (now, rest) = input.split_at(n);
            match self.segments.front_mut() {
                Some(Segment::Plain { .. }) => out.extend_from_slice(now),
                Some(Segment::Dare { dec, .. }) => dec.update(now, out)?,
                None => return Err(DareError::TrailingData),
            }
            self.left -= n as u64;
            input = rest;
            if self.left == 0 {
                self.close_front()?;
            }
        }
        // Zero-length segments (an empty part) close without input.
        while self.left == 0 && !self.segments.is_empty() {
            self.close_front()?;
        }
        Ok(())
    }

    fn close_front(&mut self) -> Result<(), DareError> {
        if let Some(Segment::Dare { dec, .. }) = self.segments.pop_front() {
            dec.finish()?;
        }
        self.left = self.front_len();
        Ok(())
    }

    /// Checks that every stored byte arrived and authenticated.
    pub fn finish(mut self) -> Result<(), DareError> {
        while self.left == 0 && !self.segments.is_empty() {
            self.close_front()?;
        }
        if self.segments.is_empty() {
            Ok(())
        } else {
            Err(DareError::Truncated)
        }
    }
}
