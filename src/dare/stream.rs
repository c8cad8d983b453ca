//! Sans-IO DARE streams: an encryptor and a decryptor that take bytes of any chunking, and
//! whole-buffer forms that allocate nothing.

use zeroize::Zeroize;

use super::package::{nonce_eq, payload_len};
use super::range::PackageRange;
use super::{
    CipherSuite, DareError, HEADER_LEN, MAX_PACKAGE, MAX_PAYLOAD, OVERHEAD, StreamCipher,
    VERSION_10, VERSION_20,
};
use crate::keys::ObjectKey;

/// How a whole stream is read by a [`Decryptor`], [`decrypt_buffer`] or an
/// [`io`](super::io) reader. (A plaintext range is read with [`decrypt_range`] or
/// [`Decryptor::for_range`], which take their bounds from the
/// [`PackageRange`](super::range::PackageRange).)
///
/// State the stored size whenever it is known ([`stored_size`](Self::stored_size)): it is
/// what makes an object that storage answers cut at a package boundary — or empty — an error.
/// Without it a DARE 2.0 stream still proves its own end with the final flag, except for the
/// empty stream, which is then refused ([`DareError::EmptyStream`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct DecryptOptions {
    legacy_v1: bool,
    start_seq: u32,
    stored_size: Option<u64>,
}

impl DecryptOptions {
    /// DARE 2.0 only, packages numbered from 0, stored size unknown (an empty input is
    /// refused).
    pub fn new() -> Self {
        Self::default()
    }

    /// Also accept DARE 1.0 streams (version detected from the first byte). 1.0 has no final
    /// flag: without [`stored_size`](Self::stored_size), **a 1.0 stream cut at a package
    /// boundary decrypts without error** to a prefix of the plaintext. Enable only to read
    /// old data.
    pub fn allow_legacy_v1(mut self) -> Self {
        self.legacy_v1 = true;
        self
    }

    /// The sequence number of the stream's first package: the `start_seq` the stream was
    /// encrypted with ([`Encryptor::with_nonce`]); 0 for everything this crate and MinIO write.
    pub fn start_sequence(mut self, seq: u32) -> Self {
        self.start_seq = seq;
        self
    }

    /// The stored size of the whole stream, as the storage layer recorded it: fewer bytes
    /// ([`DareError::Truncated`]) or more ([`DareError::TrailingData`]) are an error, and 0
    /// means the empty stream (the empty plaintext, which sio writes as 0 bytes).
    pub fn stored_size(mut self, size: u64) -> Self {
        self.stored_size = Some(size);
        self
    }

    /// The start sequence number set.
    pub fn start_seq(&self) -> u32 {
        self.start_seq
    }

    /// The stored size set, if any.
    pub fn expected_stored_size(&self) -> Option<u64> {
        self.stored_size
    }
}

/// What a read is bound to: the bytes it must consume and the plaintext it hands out.
#[derive(Clone, Copy, Debug)]
struct Bounds {
    legacy_v1: bool,
    /// Stored bytes the input must hold exactly.
    stored: Option<u64>,
    /// The input must end with the final package (a whole stream, or a range through the end).
    require_final: bool,
    /// The input must not hold the final package (a range that stops before the end).
    forbid_final: bool,
    /// Plaintext bytes to drop from the first package.
    skip: u64,
    /// Plaintext bytes to hand out in all (ranges).
    take: Option<u64>,
}

impl Bounds {
    fn whole(opts: DecryptOptions) -> Self {
        Self {
            legacy_v1: opts.legacy_v1,
            stored: opts.stored_size,
            require_final: true,
            forbid_final: false,
            skip: 0,
            take: None,
        }
    }

    fn range(r: &PackageRange) -> Self {
        Self {
            legacy_v1: false,
            stored: Some(r.encrypted_length),
            require_final: r.includes_final,
            forbid_final: !r.includes_final,
            skip: r.skip,
            take: Some(r.plaintext_length),
        }
    }
}

/// Per-stream checks shared by the streaming and the whole-buffer decryptors.
struct State {
    key: ObjectKey,
    bounds: Bounds,
    cipher: Option<StreamCipher>,
    version: u8,
    /// v2: the stream nonce (final flag cleared); v1: header bytes 4..16 with the sequence
    /// number zeroed (its random part).
    nonce: [u8; 12],
    seq: Option<u32>,
    seen: bool,
    finished: bool,
}

impl State {
    fn new(key: &ObjectKey, start_seq: u32, bounds: Bounds) -> Self {
        Self {
            key: key.duplicate(),
            bounds,
            cipher: None,
            version: 0,
            nonce: [0; 12],
            seq: Some(start_seq),
            seen: false,
            finished: false,
        }
    }

    /// Checks a package header against the stream; returns the package length.
    fn header(&mut self, h: &[u8]) -> Result<usize, DareError> {
        if self.finished {
            return Err(DareError::TrailingData);
        }
        if self.seq.is_none() {
            return Err(DareError::TooManyPackages);
        }
        let mut n = [0u8; 12];
        n.copy_from_slice(&h[4..16]);
        if !self.seen {
            match h[0] {
                VERSION_20 => {}
                VERSION_10 if self.bounds.legacy_v1 => {}
                VERSION_10 => return Err(DareError::LegacyVersionNotAllowed),
                found => return Err(DareError::UnsupportedVersion { found }),
            }
            let suite = CipherSuite::from_id(h[1])?;
            self.cipher = Some(StreamCipher::new(&self.key, suite));
            self.version = h[0];
        } else if h[0] != self.version {
            return Err(DareError::UnsupportedVersion { found: h[0] });
        }
        let suite = self.cipher.as_ref().map(StreamCipher::suite);
        if suite.map(CipherSuite::id) != Some(h[1]) {
            CipherSuite::from_id(h[1])?;
            return Err(DareError::CipherMismatch);
        }
        let len = payload_len(h);
        if self.version == VERSION_20 {
            let is_final = n[0] & 0x80 != 0;
            if !is_final && len != MAX_PAYLOAD {
                return Err(DareError::InvalidPayloadSize);
            }
            if is_final && self.bounds.forbid_final {
                return Err(DareError::UnexpectedFinal);
            }
            n[0] &= 0x7F;
        } else {
            n[..4].fill(0);
        }
        if !self.seen {
            self.nonce = n;
            self.seen = true;
        } else if !nonce_eq(&n, &self.nonce) {
            return Err(DareError::NonceMismatch);
        }
        Ok(len + OVERHEAD)
    }

    /// Opens a package whose header passed [`header`](Self::header) into `out`.
    fn open(&mut self, pkg: &[u8], out: &mut [u8]) -> Result<usize, DareError> {
        let (Some(cipher), Some(seq)) = (&self.cipher, self.seq) else {
            return Err(DareError::Poisoned);
        };
        let len = if self.version == VERSION_20 {
            let p = cipher.open_package(seq, pkg, out)?;
            self.finished = p.is_final;
            p.len
        } else {
            cipher.open_package_v1(seq, pkg, out)?
        };
        self.seq = seq.checked_add(1);
        Ok(len)
    }

    /// The `input` a stream may still take after `fed` bytes: all of it without a stated
    /// stored size, else up to that size; more is [`DareError::TrailingData`].
    fn admit<'i>(&self, fed: u64, input: &'i [u8]) -> Result<&'i [u8], DareError> {
        let Some(stored) = self.bounds.stored else {
            return Ok(input);
        };
        let left = usize::try_from(stored.saturating_sub(fed)).unwrap_or(usize::MAX);
        if left == 0 && !input.is_empty() {
            return Err(DareError::TrailingData);
        }
        Ok(&input[..input.len().min(left)])
    }

    /// The end of input after `fed` bytes, `buffered` of them not yet a whole package.
    fn finish(&self, fed: u64, buffered: bool) -> Result<(), DareError> {
        if buffered {
            return Err(DareError::Truncated);
        }
        match self.bounds.stored {
            Some(s) if fed < s => return Err(DareError::Truncated),
            Some(_) => {}
            None if !self.seen => return Err(DareError::EmptyStream),
            None => {}
        }
        if self.version == VERSION_20 && self.seen && !self.finished && self.bounds.require_final {
            return Err(DareError::Truncated);
        }
        Ok(())
    }
}

/// A sans-IO DARE decryptor, the mirror of [`Encryptor`]: feed ciphertext in chunks of any
/// size with [`update`](Self::update) (appending to a `Vec`) or
/// [`update_into`](Self::update_into) (into a slice), get the plaintext of each package once
/// it is authenticated, and call [`finish`](Self::finish) at the end of input, which fails
/// if the stream stopped before its final package or before the stated stored size.
///
/// **After an error**, the call that failed has written nothing: `update` leaves `out` as it
/// was before the call (the bytes it had appended are wiped and removed) and `update_into`
/// leaves the slice zeroed where it had written. Plaintext returned by *earlier* calls came
/// from authenticated packages. The decryptor is then poisoned: every later call fails.
/// A caller that needs all-or-nothing for a whole object uses [`decrypt_buffer`].
///
/// One package (64 KiB) of ciphertext is buffered at most, allocated at the first package
/// split across calls; nothing is allocated per package.
pub struct Decryptor {
    state: State,
    /// Ciphertext of a package split across calls.
    buf: Vec<u8>,
    /// Plaintext of a package handed out only in part (the ends of a range).
    scratch: Vec<u8>,
    /// Ciphertext bytes taken so far.
    fed: u64,
    failed: bool,
}

impl core::fmt::Debug for Decryptor {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Decryptor")
            .field("version", &self.state.version)
            .field("next_seq", &self.state.seq)
            .field("finished", &self.state.finished)
            .finish_non_exhaustive()
    }
}

impl Drop for Decryptor {
    fn drop(&mut self) {
        // The scratch holds plaintext of a range's end packages.
        self.scratch.fill(0);
        core::hint::black_box(&mut self.scratch);
    }
}

impl Decryptor {
    /// A decryptor of a whole stream (DARE 2.0 unless `opts` allows 1.0; see
    /// [`DecryptOptions`] for the stored size and the start sequence number).
    pub fn new(key: &ObjectKey, opts: DecryptOptions) -> Self {
        Self::with_bounds(key, opts.start_seq, Bounds::whole(opts))
    }

    /// A decryptor of a plaintext range: fed exactly the
    /// [`encrypted_length`](PackageRange::encrypted_length) stored bytes the range names, it
    /// hands out exactly its [`plaintext_length`](PackageRange::plaintext_length) bytes (the
    /// first package's leading [`skip`](PackageRange::skip) bytes and the last package's
    /// bytes past the range are dropped). Fewer or more stored bytes, a package out of place
    /// or a final package where the range says the object goes on are errors.
    pub fn for_range(key: &ObjectKey, range: &PackageRange) -> Self {
        Self::with_bounds(key, range.sequence_number, Bounds::range(range))
    }

    fn with_bounds(key: &ObjectKey, start_seq: u32, bounds: Bounds) -> Self {
        Self {
            state: State::new(key, start_seq, bounds),
            buf: Vec::new(),
            scratch: Vec::new(),
            fed: 0,
            failed: false,
        }
    }

    /// The most plaintext [`update_into`](Self::update_into) writes when fed `input_len`
    /// more bytes (what `out` must hold): the payloads of the packages those bytes can
    /// complete, at most the bytes left of a range.
    pub fn update_len(&self, input_len: usize) -> usize {
        // Packages starting in the input: full ones give 65536 bytes, a last (final) one its
        // length less the overhead.
        let from_input = |t: usize| {
            (t / MAX_PACKAGE)
                .saturating_mul(MAX_PAYLOAD)
                .saturating_add((t % MAX_PACKAGE).saturating_sub(OVERHEAD))
        };
        let bound = if self.buf.len() >= HEADER_LEN {
            // The package in progress has a known length.
            let need = payload_len(&self.buf) + OVERHEAD;
            match input_len.checked_sub(need - self.buf.len()) {
                None => 0,
                Some(rest) => (need - OVERHEAD).saturating_add(from_input(rest)),
            }
        } else {
            from_input(self.buf.len().saturating_add(input_len))
        };
        match self.state.bounds.take {
            Some(left) => bound.min(usize::try_from(left).unwrap_or(usize::MAX)),
            None => bound,
        }
    }

    /// Feeds ciphertext; writes the plaintext of every package it completes and
    /// authenticates to the start of `out` (which needs
    /// [`update_len`](Self::update_len)`(input.len())` bytes; nothing is consumed when it is
    /// shorter) and returns the bytes written.
    pub fn update_into(&mut self, mut input: &[u8], out: &mut [u8]) -> Result<usize, DareError> {
        if self.failed {
            return Err(DareError::Poisoned);
        }
        let needed = self.update_len(input.len());
        if out.len() < needed {
            return Err(DareError::BufferTooSmall {
                needed,
                available: out.len(),
            });
        }
        let mut written = 0;
        let r = (|| {
            while !input.is_empty() {
                let (used, w) = self.step(input, &mut out[written..])?;
                input = &input[used..];
                written += w;
            }
            Ok(())
        })();
        match r {
            Ok(()) => Ok(written),
            Err(e) => {
                self.failed = true;
                out[..written].zeroize();
                Err(e)
            }
        }
    }

    /// Feeds ciphertext; appends the plaintext of every package it completes and
    /// authenticates to `out`.
    pub fn update(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(), DareError> {
        append_chunked(
            self,
            input,
            16 * MAX_PACKAGE,
            out,
            Self::update_len,
            Self::update_into,
        )
    }

    /// Takes input up to the end of at most one package, appending its plaintext to `out`;
    /// returns the bytes taken. On error `out` keeps what earlier packages appended (the io
    /// readers hand those out before the error). Does not poison: the caller does.
    pub(crate) fn step_vec(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<usize, DareError> {
        let old = out.len();
        let room = self.update_len(input.len()).min(MAX_PAYLOAD);
        out.resize(old + room, 0);
        let r = self.step(input, &mut out[old..]);
        let w = r.as_ref().map_or(0, |&(_, w)| w);
        out.truncate(old + w);
        r.map(|(used, _)| used)
    }

    /// Takes input up to the end of at most one package; returns (bytes taken, plaintext
    /// bytes written to `out`, which holds at least the package's share of the output).
    fn step(&mut self, input: &[u8], out: &mut [u8]) -> Result<(usize, usize), DareError> {
        // Never take a byte past the stated stored size.
        let input = self.state.admit(self.fed, input)?;
        if self.buf.is_empty() && input.len() >= HEADER_LEN {
            // Fast path: a whole package straight from the input, no copy.
            let need = self.state.header(&input[..HEADER_LEN])?;
            if input.len() >= need {
                let w = self.deliver(&input[..need], out)?;
                self.fed += need as u64;
                return Ok((need, w));
            }
            self.buf.reserve_exact(MAX_PACKAGE);
            self.buf.extend_from_slice(input);
            self.fed += input.len() as u64;
            return Ok((input.len(), 0));
        }
        let mut used = 0;
        if self.buf.len() < HEADER_LEN {
            let take = (HEADER_LEN - self.buf.len()).min(input.len());
            self.buf.reserve_exact(MAX_PACKAGE);
            self.buf.extend_from_slice(&input[..take]);
            used = take;
            self.fed += take as u64;
            if self.buf.len() < HEADER_LEN {
                return Ok((used, 0));
            }
            let mut h = [0u8; HEADER_LEN];
            h.copy_from_slice(&self.buf[..HEADER_LEN]);
            self.state.header(&h)?;
        }
        let need = payload_len(&self.buf) + OVERHEAD;
        let take = (need - self.buf.len()).min(input.len() - used);
        self.buf.extend_from_slice(&input[used..used + take]);
        used += take;
        self.fed += take as u64;
        if self.buf.len() < need {
            return Ok((used, 0));
        }
        let pkg = core::mem::take(&mut self.buf);
        let r = self.deliver(&pkg, out);
        self.buf = pkg;
        self.buf.clear();
        Ok((used, r?))
    }

    /// Opens one whole package (header already checked) and writes its share of the output:
    /// all of it, or for a range the part after `skip` and up to `take`.
    fn deliver(&mut self, pkg: &[u8], out: &mut [u8]) -> Result<usize, DareError> {
        let len = pkg.len() - OVERHEAD;
        let b = &mut self.state.bounds;
        let skip = b.skip;
        if skip >= len as u64 {
            // A range whose first byte is not in its first package: bounds that do not fit
            // the stored object.
            return Err(DareError::UnexpectedFinal);
        }
        let avail = len - skip as usize;
        let give = b.take.map_or(avail, |t| {
            avail.min(usize::try_from(t).unwrap_or(usize::MAX))
        });
        if give > out.len() {
            return Err(DareError::BufferTooSmall {
                needed: give,
                available: out.len(),
            });
        }
        if skip == 0 && give == len {
            self.state.open(pkg, &mut out[..len])?;
        } else {
            if self.scratch.len() < MAX_PAYLOAD {
                self.scratch.resize(MAX_PAYLOAD, 0);
            }
            let r = self.state.open(pkg, &mut self.scratch[..len]);
            if r.is_ok() {
                out[..give].copy_from_slice(&self.scratch[skip as usize..skip as usize + give]);
            }
            self.scratch[..len].fill(0);
            r?;
        }
        let b = &mut self.state.bounds;
        b.skip = 0;
        if let Some(t) = b.take.as_mut() {
            *t -= give as u64;
        }
        Ok(give)
    }

    /// Ends the input: fails if it stopped inside a package, before the stated stored size,
    /// or (for a whole stream or a range through the end) before the final package; and for
    /// an empty input without a stated stored size of 0.
    pub fn finish(self) -> Result<(), DareError> {
        if self.failed {
            return Err(DareError::Poisoned);
        }
        self.state.finish(self.fed, !self.buf.is_empty())
    }

    /// Marks the decryptor failed (the io readers, after a `step_vec` error).
    pub(crate) fn poison(&mut self) {
        self.failed = true;
    }
}

/// Decrypts a whole stream from `ciphertext` into `out` and returns the plaintext length.
/// All or nothing: on any error the bytes written to `out` are zeroed. `out` needs
/// [`decrypted_size`](super::range::decrypted_size)`(ciphertext.len())` bytes.
///
/// `ciphertext` is checked against [`DecryptOptions::stored_size`] when set; without it an
/// empty `ciphertext` is refused ([`DareError::EmptyStream`]), since it may be an object
/// storage answered with nothing.
pub fn decrypt_buffer(
    key: &ObjectKey,
    opts: DecryptOptions,
    ciphertext: &[u8],
    out: &mut [u8],
) -> Result<usize, DareError> {
    let mut d = Decryptor::new(key, opts);
    let n = d.update_into(ciphertext, out)?;
    if let Err(e) = d.finish() {
        out[..n].zeroize();
        return Err(e);
    }
    Ok(n)
}

/// Decrypts a plaintext range: `fetched` must be exactly the stored bytes `range` names
/// (`range.encrypted_length` bytes from `range.encrypted_offset`); writes exactly
/// `range.plaintext_length` bytes to the start of `out` and returns that length. Any other
/// length, a package out of place, a tag that fails, or a final package where the range says
/// the object goes on is an error, and `out[..plaintext_length]` is then zeroed. The one way
/// to serve a `Range` GET of a single-part object:
///
/// ```
/// use s3crypt::dare::{self, CipherSuite};
/// use s3crypt::keys::ObjectKey;
///
/// let key = ObjectKey::new([1; 32]);
/// let plaintext = vec![0x61; 100_000];
/// let mut stored = vec![0; dare::range::encrypted_size(100_000)? as usize];
/// dare::encrypt_buffer(&key, CipherSuite::Aes256Gcm, &plaintext, &mut stored)?;
///
/// let r = dare::range::package_range(100_000, 70_000, 10)?;
/// let fetched = &stored[r.encrypted_offset as usize..][..r.encrypted_length as usize];
/// let mut out = [0u8; 10];
/// assert_eq!(dare::decrypt_range(&key, &r, fetched, &mut out)?, 10);
/// assert_eq!(&out[..], &plaintext[70_000..70_010]);
/// // Storage answering short is an error, never fewer bytes.
/// assert!(dare::decrypt_range(&key, &r, &fetched[..100], &mut out).is_err());
/// # Ok::<(), s3crypt::dare::DareError>(())
/// ```
pub fn decrypt_range(
    key: &ObjectKey,
    range: &PackageRange,
    fetched: &[u8],
    out: &mut [u8],
) -> Result<usize, DareError> {
    let want = usize::try_from(range.plaintext_length).map_err(|_| DareError::SizeTooLarge)?;
    if out.len() < want {
        return Err(DareError::BufferTooSmall {
            needed: want,
            available: out.len(),
        });
    }
    let r = (|| {
        let mut d = Decryptor::for_range(key, range);
        let n = d.update_into(fetched, &mut out[..want])?;
        d.finish()?;
        if n == want {
            Ok(n)
        } else {
            Err(DareError::Truncated)
        }
    })();
    if r.is_err() {
        out[..want].zeroize();
    }
    r
}

/// Packages and stored bytes of a 2.0 stream of `len` plaintext bytes starting at
/// `start_seq`, checked against the output room and the 2^32-package limit.
fn stream_layout(len: usize, start_seq: u32, room: usize) -> Result<(usize, usize), DareError> {
    let packages = len.div_ceil(MAX_PAYLOAD);
    let needed = len + packages * OVERHEAD;
    if room < needed {
        return Err(DareError::BufferTooSmall {
            needed,
            available: room,
        });
    }
    if packages as u64 > (1u64 << 32) - u64::from(start_seq) {
        return Err(DareError::TooManyPackages);
    }
    Ok((packages, needed))
}

/// Encrypts `plaintext` as one DARE 2.0 stream under a fresh random nonce (12 bytes from the
/// OS) into `out`, which needs [`encrypted_size`](super::range::encrypted_size) bytes, and
/// returns the bytes written. Allocates nothing.
pub fn encrypt_buffer(
    key: &ObjectKey,
    suite: CipherSuite,
    plaintext: &[u8],
    out: &mut [u8],
) -> Result<usize, DareError> {
    encrypt_buffer_with_nonce(key, suite, &random_nonce()?, 0, plaintext, out)
}

/// [`encrypt_buffer`] with a caller-chosen `nonce` and first sequence number: **for test
/// vectors and reproducing another writer's bytes only**. The nonce must never repeat under
/// a key (see `docs/dare.md`: a counter or a derived nonce shares keystream between
/// streams). Output identical to [`Encryptor::with_nonce`]'s.
pub fn encrypt_buffer_with_nonce(
    key: &ObjectKey,
    suite: CipherSuite,
    nonce: &[u8; 12],
    start_seq: u32,
    plaintext: &[u8],
    out: &mut [u8],
) -> Result<usize, DareError> {
    let w = WholeStream::new(key, suite, nonce, start_seq, plaintext.len(), out.len())?;
    for (i, (pt, o)) in plaintext
        .chunks(MAX_PAYLOAD)
        .zip(out[..w.needed].chunks_mut(MAX_PACKAGE))
        .enumerate()
    {
        w.seal(i, pt, o)?;
    }
    Ok(w.needed)
}

/// A whole 2.0 stream sealed package by package, in any order (the sequential and the
/// parallel whole-buffer forms share it): the keyed cipher, the layout, and package `i`.
pub(crate) struct WholeStream<'n> {
    cipher: StreamCipher,
    nonce: &'n [u8; 12],
    start_seq: u32,
    packages: usize,
    /// Stored bytes of the whole stream.
    pub(crate) needed: usize,
}

impl<'n> WholeStream<'n> {
    pub(crate) fn new(
        key: &ObjectKey,
        suite: CipherSuite,
        nonce: &'n [u8; 12],
        start_seq: u32,
        len: usize,
        room: usize,
    ) -> Result<Self, DareError> {
        let (packages, needed) = stream_layout(len, start_seq, room)?;
        Ok(Self {
            cipher: StreamCipher::new(key, suite),
            nonce,
            start_seq,
            packages,
            needed,
        })
    }

    /// Seals package `i` (its plaintext `pt`) into `out`.
    pub(crate) fn seal(&self, i: usize, pt: &[u8], out: &mut [u8]) -> Result<usize, DareError> {
        let seq = self.start_seq.wrapping_add(i as u32);
        let is_final = i + 1 == self.packages;
        self.cipher.seal_package(self.nonce, seq, is_final, pt, out)
    }
}

/// An `update_into`: feeds input, writes to the slice, returns the bytes written.
type IntoSlice<S> = fn(&mut S, &[u8], &mut [u8]) -> Result<usize, DareError>;

/// The `update` of both directions: `input` in pieces of `piece` bytes (a megabyte of
/// packages), each given the room `len` says it needs, zero-filled (safe Rust cannot hand
/// uninitialised capacity to the AEAD) and written by `into`, so the zero-fill stays in cache
/// just before the AEAD overwrites it. On error `out` is as before the call: what earlier
/// pieces appended is wiped and removed (`into` wipes its own).
fn append_chunked<S>(
    s: &mut S,
    input: &[u8],
    piece: usize,
    out: &mut Vec<u8>,
    len: fn(&S, usize) -> usize,
    into: IntoSlice<S>,
) -> Result<(), DareError> {
    let start = out.len();
    // At least one call, so a poisoned stream fails even on empty input.
    let mut pieces = input.chunks(piece);
    let first = pieces.next().unwrap_or_default();
    for chunk in core::iter::once(first).chain(pieces) {
        let at = out.len();
        out.resize(at + len(s, chunk.len()), 0);
        match into(s, chunk, &mut out[at..]) {
            Ok(n) => out.truncate(at + n),
            Err(e) => {
                out[start..at].zeroize();
                out.truncate(start);
                return Err(e);
            }
        }
    }
    Ok(())
}

/// 12 random bytes from the OS: a stream nonce.
pub(crate) fn random_nonce() -> Result<[u8; 12], DareError> {
    crate::rng::bytes().ok_or(DareError::RandomUnavailable)
}

/// A sans-IO DARE 2.0 encryptor: feed plaintext in chunks of any size with
/// [`update`](Self::update) (appending to a `Vec`) or [`update_into`](Self::update_into)
/// (into a slice), which write every completed package, then [`finish`](Self::finish) or
/// [`finish_into`](Self::finish_into), which write the final package. Output is
/// byte-identical to sio's for the same key, nonce and start sequence number.
///
/// [`new`](Self::new) draws the stream's 12-byte nonce from the OS, as sio does;
/// [`with_nonce`](Self::with_nonce) takes it from the caller, for vectors only. The
/// encryptor keeps one package of plaintext (64 KiB, wiped on drop) and allocates nothing
/// per package. After an error it is poisoned.
///
/// **Speed.** A chunk that ends the input cannot be known to end the stream, so the last
/// package fed to `update`/`update_into` is copied and held back until the next call; for a
/// one-package object that copy (and its wipe) is 7–16 % of the work. A caller that knows
/// where its input ends gives the last chunk to [`finish_with_into`](Self::finish_with_into)
/// (or [`finish_with`](Self::finish_with)), which seals it straight from the caller's bytes.
/// [`update_into`](Self::update_into) into a reused slice is the fastest form; `update`
/// zero-fills the `Vec` it grows first (safe Rust cannot hand uninitialised capacity to the
/// AEAD). Measured ratios: the README's Performance section.
pub struct Encryptor {
    cipher: StreamCipher,
    nonce: [u8; 12],
    seq: Option<u32>,
    pending: Vec<u8>,
    failed: bool,
}

impl core::fmt::Debug for Encryptor {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Encryptor")
            .field("suite", &self.cipher.suite())
            .field("next_seq", &self.seq)
            .finish_non_exhaustive()
    }
}

impl Drop for Encryptor {
    fn drop(&mut self) {
        // Wipe the buffered plaintext. Plaintext is not key material, so this uses one
        // memset over the buffer (kept alive by `black_box`) rather than `zeroize`'s
        // byte-by-byte volatile stores, which cost more than sealing a 64 KiB stream.
        let cap = self.pending.capacity();
        self.pending.clear();
        self.pending.resize(cap, 0);
        core::hint::black_box(&mut self.pending);
    }
}

impl Encryptor {
    /// An encryptor for `key` and `suite` under a fresh random nonce, packages numbered
    /// from 0. Fails only if the OS has no randomness to give.
    pub fn new(key: &ObjectKey, suite: CipherSuite) -> Result<Self, DareError> {
        Ok(Self::with_nonce(key, suite, random_nonce()?, 0))
    }

    /// An encryptor with a caller-chosen `nonce`, numbering packages from `start_seq`:
    /// **for test vectors and reproducing another writer's bytes only**. A nonce that
    /// repeats under a key, or is a counter or derived from anything a second write can
    /// repeat, shares keystream between streams (see `docs/dare.md`).
    pub fn with_nonce(
        key: &ObjectKey,
        suite: CipherSuite,
        nonce: [u8; 12],
        start_seq: u32,
    ) -> Self {
        Self {
            cipher: StreamCipher::new(key, suite),
            nonce,
            seq: Some(start_seq),
            pending: Vec::new(),
            failed: false,
        }
    }

    /// Seals one package (`pt`, or the pending plaintext) into `out`; returns its length.
    fn emit(
        &mut self,
        pt: Option<&[u8]>,
        is_final: bool,
        out: &mut [u8],
    ) -> Result<usize, DareError> {
        let seq = self.seq.ok_or(DareError::TooManyPackages)?;
        let pt: &[u8] = match pt {
            Some(p) => p,
            None => &self.pending,
        };
        let n = self
            .cipher
            .seal_package(&self.nonce, seq, is_final, pt, out)?;
        self.seq = seq.checked_add(1);
        Ok(n)
    }

    /// The bytes [`update_into`](Self::update_into) writes when fed `input_len` more bytes:
    /// one full package (65568 bytes) for every package the input completes.
    pub fn update_len(&self, input_len: usize) -> usize {
        self.pending
            .len()
            .saturating_add(input_len)
            .saturating_sub(1)
            / MAX_PAYLOAD
            * MAX_PACKAGE
    }

    /// The bytes [`finish_into`](Self::finish_into) writes: the final package, or nothing
    /// for an empty stream.
    pub fn finish_len(&self) -> usize {
        match self.pending.len() {
            0 => 0,
            n => n + OVERHEAD,
        }
    }

    /// Encrypts `input`, writing every package it completes to the start of `out` (which
    /// needs [`update_len`](Self::update_len)`(input.len())` bytes; nothing is consumed when
    /// it is shorter) and returns the bytes written. The last 1 to 65536 bytes fed are held
    /// back until more input or [`finish_into`](Self::finish_into) tells whether they end the
    /// stream. Writing into a reused buffer this way is the fastest streaming form: no
    /// zero-fill of a growing `Vec`.
    pub fn update_into(&mut self, mut input: &[u8], out: &mut [u8]) -> Result<usize, DareError> {
        if self.failed {
            return Err(DareError::Poisoned);
        }
        let needed = self.update_len(input.len());
        if out.len() < needed {
            return Err(DareError::BufferTooSmall {
                needed,
                available: out.len(),
            });
        }
        let mut written = 0;
        while !input.is_empty() {
            if self.pending.len() == MAX_PAYLOAD {
                let r = self.emit(None, false, &mut out[written..]);
                self.failed = r.is_err();
                written += r?;
                self.pending.clear();
            }
            if self.pending.is_empty() && input.len() > MAX_PAYLOAD {
                let r = self.emit(Some(&input[..MAX_PAYLOAD]), false, &mut out[written..]);
                self.failed = r.is_err();
                written += r?;
                input = &input[MAX_PAYLOAD..];
                continue;
            }
            let take = (MAX_PAYLOAD - self.pending.len()).min(input.len());
            // Allocated once, at the first held-back byte (never for an empty stream).
            self.pending.reserve_exact(MAX_PAYLOAD - self.pending.len());
            self.pending.extend_from_slice(&input[..take]);
            input = &input[take..];
        }
        Ok(written)
    }

    /// Encrypts `input`, appending each package completed to `out`. The last 1 to 65536
    /// bytes fed are held back until more input or [`finish`](Self::finish) tells whether
    /// they end the stream.
    pub fn update(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(), DareError> {
        append_chunked(
            self,
            input,
            16 * MAX_PAYLOAD,
            out,
            Self::update_len,
            Self::update_into,
        )
    }

    /// Writes the final package (nothing for an empty stream) to the start of `out`, which
    /// needs [`finish_len`](Self::finish_len) bytes, and returns its length.
    pub fn finish_into(mut self, out: &mut [u8]) -> Result<usize, DareError> {
        if self.failed {
            return Err(DareError::Poisoned);
        }
        if self.pending.is_empty() {
            return Ok(0);
        }
        self.emit(None, true, out)
    }

    /// Appends the final package (nothing for an empty stream) to `out`.
    pub fn finish(self, out: &mut Vec<u8>) -> Result<(), DareError> {
        let old = out.len();
        out.resize(old + self.finish_len(), 0);
        let r = self.finish_into(&mut out[old..]);
        out.truncate(old + *r.as_ref().unwrap_or(&0));
        r.map(|_| ())
    }

    /// The bytes [`finish_with_into`](Self::finish_with_into) writes for a last chunk of
    /// `last_len` bytes: the rest of the stream.
    pub fn finish_with_len(&self, last_len: usize) -> usize {
        let n = self.pending.len().saturating_add(last_len);
        (n / MAX_PAYLOAD).saturating_mul(MAX_PACKAGE)
            + match n % MAX_PAYLOAD {
                0 => 0,
                r => r + OVERHEAD,
            }
    }

    /// Encrypts `last` as the end of the stream — [`update_into`](Self::update_into) then
    /// [`finish_into`](Self::finish_into) in one call, for a caller that knows where its
    /// input ends (an S3 PUT with its content length). Nothing of `last` is copied into the
    /// held-back buffer: its packages are sealed straight from it. `out` needs
    /// [`finish_with_len`](Self::finish_with_len)`(last.len())` bytes; returns the bytes
    /// written. The output is identical to `update_into(last)` + `finish_into`.
    pub fn finish_with_into(mut self, mut last: &[u8], out: &mut [u8]) -> Result<usize, DareError> {
        if self.failed {
            return Err(DareError::Poisoned);
        }
        let needed = self.finish_with_len(last.len());
        if out.len() < needed {
            return Err(DareError::BufferTooSmall {
                needed,
                available: out.len(),
            });
        }
        let mut written = 0;
        if !self.pending.is_empty() {
            // Top up the held-back package; it is final if `last` ends inside it.
            let take = (MAX_PAYLOAD - self.pending.len()).min(last.len());
            self.pending.extend_from_slice(&last[..take]);
            last = &last[take..];
            written += self.emit(None, last.is_empty(), &mut out[written..])?;
        }
        let mut chunks = last.chunks(MAX_PAYLOAD).peekable();
        while let Some(chunk) = chunks.next() {
            let is_final = chunks.peek().is_none();
            written += self.emit(Some(chunk), is_final, &mut out[written..])?;
        }
        Ok(written)
    }

    /// [`finish_with_into`](Self::finish_with_into), appending to `out`.
    pub fn finish_with(self, last: &[u8], out: &mut Vec<u8>) -> Result<(), DareError> {
        let old = out.len();
        out.resize(old + self.finish_with_len(last.len()), 0);
        let r = self.finish_with_into(last, &mut out[old..]);
        out.truncate(old + *r.as_ref().unwrap_or(&0));
        r.map(|_| ())
    }
}

/// Parallel forms of [`encrypt_buffer`] and [`decrypt_buffer`] (feature `rayon`).
#[cfg(feature = "rayon")]
pub(crate) mod par {
    use rayon::prelude::*;
    use zeroize::Zeroize;

    use super::{Bounds, DecryptOptions, State, WholeStream, random_nonce};
    use crate::dare::{CipherSuite, DareError, MAX_PACKAGE, MAX_PAYLOAD, OVERHEAD, VERSION_20};
    use crate::keys::ObjectKey;

    /// [`encrypt_buffer`](super::encrypt_buffer) with the packages sealed in parallel on
    /// rayon's pool, under a fresh random nonce.
    pub fn encrypt_buffer_parallel(
        key: &ObjectKey,
        suite: CipherSuite,
        plaintext: &[u8],
        out: &mut [u8],
    ) -> Result<usize, DareError> {
        encrypt_buffer_parallel_with_nonce(key, suite, &random_nonce()?, 0, plaintext, out)
    }

    /// [`encrypt_buffer_with_nonce`](super::encrypt_buffer_with_nonce) in parallel: the same
    /// bytes. **For test vectors only**; the nonce must never repeat under a key.
    pub fn encrypt_buffer_parallel_with_nonce(
        key: &ObjectKey,
        suite: CipherSuite,
        nonce: &[u8; 12],
        start_seq: u32,
        plaintext: &[u8],
        out: &mut [u8],
    ) -> Result<usize, DareError> {
        let w = WholeStream::new(key, suite, nonce, start_seq, plaintext.len(), out.len())?;
        plaintext
            .par_chunks(MAX_PAYLOAD)
            .zip(out[..w.needed].par_chunks_mut(MAX_PACKAGE))
            .enumerate()
            .try_for_each(|(i, (pt, o))| w.seal(i, pt, o).map(|_| ()))?;
        Ok(w.needed)
    }

    /// [`decrypt_buffer`](super::decrypt_buffer) with the packages opened in parallel: every
    /// header is checked first, in order (version, cipher, sizes, nonce, final flag, stored
    /// size), then the tags and plaintexts in parallel. All or nothing, like the sequential
    /// form.
    pub fn decrypt_buffer_parallel(
        key: &ObjectKey,
        opts: DecryptOptions,
        ciphertext: &[u8],
        out: &mut [u8],
    ) -> Result<usize, DareError> {
        let mut state = State::new(key, opts.start_seq(), Bounds::whole(opts));
        if state.admit(0, ciphertext)?.len() < ciphertext.len() {
            return Err(DareError::TrailingData);
        }
        // (ciphertext offset, package length, sequence number)
        let mut jobs = Vec::with_capacity(ciphertext.len() / MAX_PACKAGE + 1);
        let (mut at, mut plain) = (0usize, 0usize);
        while at < ciphertext.len() {
            let rest = &ciphertext[at..];
            if rest.len() < crate::dare::HEADER_LEN {
                return Err(DareError::Truncated);
            }
            let need = state.header(&rest[..crate::dare::HEADER_LEN])?;
            if rest.len() < need {
                return Err(DareError::Truncated);
            }
            let seq = state.seq.ok_or(DareError::TooManyPackages)?;
            jobs.push((at, need, seq));
            if state.version == VERSION_20 {
                state.finished = rest[4] & 0x80 != 0;
            }
            state.seq = seq.checked_add(1);
            at += need;
            plain += need - OVERHEAD;
        }
        state.finish(ciphertext.len() as u64, false)?;
        if out.len() < plain {
            return Err(DareError::BufferTooSmall {
                needed: plain,
                available: out.len(),
            });
        }
        let Some(cipher) = state.cipher.as_ref() else {
            return Ok(0);
        };
        let v2 = state.version == VERSION_20;
        // Hand each job its own slice of the output.
        let mut slices = Vec::with_capacity(jobs.len());
        let mut rest = &mut out[..plain];
        for &(_, need, _) in &jobs {
            let (head, tail) = rest.split_at_mut(need - OVERHEAD);
            slices.push(head);
            rest = tail;
        }
        let r = jobs
            .par_iter()
            .zip(slices.par_iter_mut())
            .try_for_each(|(&(at, need, seq), o)| {
                let pkg = &ciphertext[at..at + need];
                if v2 {
                    cipher.open_package(seq, pkg, o).map(|_| ())
                } else {
                    cipher.open_package_v1(seq, pkg, o).map(|_| ())
                }
            });
        match r {
            Ok(()) => Ok(plain),
            Err(e) => {
                out[..plain].zeroize();
                Err(e)
            }
        }
    }
}
