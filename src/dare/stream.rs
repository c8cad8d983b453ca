//! Sans-IO DARE streams: an encryptor and a decryptor that take bytes of any chunking, and
//! whole-buffer forms that allocate nothing.

use zeroize::Zeroize;

use super::package::{nonce_eq, payload_len};
use super::{
    CipherSuite, DareError, HEADER_LEN, MAX_PACKAGE, MAX_PAYLOAD, OVERHEAD, StreamCipher,
    VERSION_10, VERSION_20,
};
use crate::keys::ObjectKey;

/// How a [`Decryptor`] (or [`decrypt_buffer`]) reads its input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DecryptOptions {
    legacy_v1: bool,
    require_final: bool,
}

impl Default for DecryptOptions {
    fn default() -> Self {
        Self {
            legacy_v1: false,
            require_final: true,
        }
    }
}

impl DecryptOptions {
    /// DARE 2.0 only; the stream must end with its final package.
    pub fn new() -> Self {
        Self::default()
    }

    /// Also accept DARE 1.0 streams (version detected from the first byte). 1.0 has no final
    /// flag: **a 1.0 stream cut at a package boundary decrypts without error** to a prefix of
    /// the plaintext. Enable only to read old data.
    pub fn allow_legacy_v1(mut self) -> Self {
        self.legacy_v1 = true;
        self
    }

    /// The input is a slice of a stream (a range read) that may stop before the stream's
    /// final package. Order, nonces and tags are still checked for every package.
    pub fn slice(mut self) -> Self {
        self.require_final = false;
        self
    }
}

/// Per-stream checks shared by the streaming and the whole-buffer decryptors.
struct State {
    key: ObjectKey,
    opts: DecryptOptions,
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
    fn new(key: &ObjectKey, start_seq: u32, opts: DecryptOptions) -> Self {
        Self {
            key: key.duplicate(),
            opts,
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
                VERSION_10 if self.opts.legacy_v1 => {}
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
            if n[0] & 0x80 == 0 && len != MAX_PAYLOAD {
                return Err(DareError::InvalidPayloadSize);
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

    /// The length of the whole package at the start of `rest` (a buffer holding the rest of
    /// the stream), after checking its header.
    fn next_package(&mut self, rest: &[u8]) -> Result<usize, DareError> {
        if rest.len() < HEADER_LEN {
            return Err(if self.finished {
                DareError::TrailingData
            } else {
                DareError::Truncated
            });
        }
        let need = self.header(&rest[..HEADER_LEN])?;
        if rest.len() < need {
            return Err(DareError::Truncated);
        }
        Ok(need)
    }

    fn finish(&self, buffered: bool) -> Result<(), DareError> {
        if buffered {
            return Err(DareError::Truncated);
        }
        if self.version == VERSION_20 && self.seen && !self.finished && self.opts.require_final {
            return Err(DareError::Truncated);
        }
        Ok(())
    }
}

/// A sans-IO DARE decryptor: feed ciphertext in chunks of any size with
/// [`update`](Self::update), get the plaintext of each package once it is authenticated, and
/// call [`finish`](Self::finish) at the end of input, which fails if the stream stopped
/// before its final package.
///
/// After an error the decryptor is poisoned. Plaintext appended by earlier calls came from
/// authenticated packages; a caller that needs all-or-nothing uses [`decrypt_buffer`].
/// One package (64 KiB) is buffered at most; nothing is allocated per package.
pub struct Decryptor {
    state: State,
    buf: Vec<u8>,
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

impl Decryptor {
    /// A DARE 2.0 decryptor whose first package has sequence number `start_seq` (0 for a
    /// whole stream; the first package's index for a range read).
    pub fn new(key: &ObjectKey, start_seq: u32) -> Self {
        Self::with_options(key, start_seq, DecryptOptions::new())
    }

    /// A decryptor with explicit options (legacy 1.0, slices).
    pub fn with_options(key: &ObjectKey, start_seq: u32, opts: DecryptOptions) -> Self {
        Self {
            state: State::new(key, start_seq, opts),
            buf: Vec::with_capacity(MAX_PACKAGE),
            failed: false,
        }
    }

    /// Feeds ciphertext; appends the plaintext of every package completed and authenticated
    /// by it to `out`.
    pub fn update(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(), DareError> {
        if self.failed {
            return Err(DareError::Poisoned);
        }
        let r = self.update_inner(input, out);
        if r.is_err() {
            self.failed = true;
        }
        r
    }

    fn open_into(&mut self, pkg: &[u8], out: &mut Vec<u8>) -> Result<(), DareError> {
        let old = out.len();
        out.resize(old + pkg.len() - OVERHEAD, 0);
        match self.state.open(pkg, &mut out[old..]) {
            Ok(_) => Ok(()),
            Err(e) => {
                out[old..].zeroize();
                out.truncate(old);
                Err(e)
            }
        }
    }

    fn update_inner(&mut self, mut input: &[u8], out: &mut Vec<u8>) -> Result<(), DareError> {
        while !input.is_empty() {
            if self.state.finished {
                return Err(DareError::TrailingData);
            }
            // Fast path: a whole package straight from the input, no copy.
            if self.buf.is_empty() && input.len() >= HEADER_LEN {
                let need = self.state.header(&input[..HEADER_LEN])?;
                if input.len() >= need {
                    self.open_into(&input[..need], out)?;
                    input = &input[need..];
                    continue;
                }
                self.buf.extend_from_slice(input);
                return Ok(());
            }
            if self.buf.len() < HEADER_LEN {
                let take = (HEADER_LEN - self.buf.len()).min(input.len());
                self.buf.extend_from_slice(&input[..take]);
                input = &input[take..];
                if self.buf.len() < HEADER_LEN {
                    return Ok(());
                }
                let mut h = [0u8; HEADER_LEN];
                h.copy_from_slice(&self.buf[..HEADER_LEN]);
                self.state.header(&h)?;
            }
            let need = payload_len(&self.buf) + OVERHEAD;
            let take = (need - self.buf.len()).min(input.len());
            self.buf.extend_from_slice(&input[..take]);
            input = &input[take..];
            if self.buf.len() == need {
                let pkg = core::mem::take(&mut self.buf);
                let r = self.open_into(&pkg, out);
                self.buf = pkg;
                self.buf.clear();
                r?;
            }
        }
        Ok(())
    }

    /// Ends the input: fails if it stopped inside a package or (unless reading a slice)
    /// before the final package. An empty input is the empty stream.
    pub fn finish(self) -> Result<(), DareError> {
        if self.failed {
            return Err(DareError::Poisoned);
        }
        self.state.finish(!self.buf.is_empty())
    }
}

/// Decrypts a whole stream (or, with [`DecryptOptions::slice`], a run of packages) from
/// `ciphertext` into `out` and returns the plaintext length. All or nothing: on any error the
/// bytes written to `out` are zeroed. `out` needs
/// [`decrypted_size`](super::range::decrypted_size) bytes for 2.0 streams.
pub fn decrypt_buffer(
    key: &ObjectKey,
    start_seq: u32,
    opts: DecryptOptions,
    ciphertext: &[u8],
    out: &mut [u8],
) -> Result<usize, DareError> {
    let mut state = State::new(key, start_seq, opts);
    let mut written = 0;
    let r = (|| {
        let mut rest = ciphertext;
        while !rest.is_empty() {
            let need = state.next_package(rest)?;
            let room = out.len() - written;
            let n = state.open(
                &rest[..need],
                &mut out[written..written + room.min(need - OVERHEAD)],
            )?;
            written += n;
            rest = &rest[need..];
        }
        state.finish(false)
    })();
    match r {
        Ok(()) => Ok(written),
        Err(e) => {
            out[..written].zeroize();
            Err(e)
        }
    }
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

/// Encrypts `plaintext` as one DARE 2.0 stream into `out` (which needs
/// [`encrypted_size`](super::range::encrypted_size) bytes) and returns the bytes written.
/// Allocates nothing; output identical to [`Encryptor`]'s.
pub fn encrypt_buffer(
    cipher: &StreamCipher,
    nonce: &[u8; 12],
    start_seq: u32,
    plaintext: &[u8],
    out: &mut [u8],
) -> Result<usize, DareError> {
    let (packages, _) = stream_layout(plaintext.len(), start_seq, out.len())?;
    let mut written = 0;
    for (i, chunk) in plaintext.chunks(MAX_PAYLOAD).enumerate() {
        let seq = start_seq.wrapping_add(i as u32);
        written +=
            cipher.seal_package(nonce, seq, i + 1 == packages, chunk, &mut out[written..])?;
    }
    Ok(written)
}

/// A sans-IO DARE 2.0 encryptor: feed plaintext in chunks of any size with
/// [`update`](Self::update), which appends every completed package to the output, then
/// [`finish`](Self::finish), which writes the final package. Output is byte-identical to
/// sio's for the same key, nonce and start sequence number.
///
/// The nonce must be fresh for every stream under a key: draw it from a CSPRNG (12 random
/// bytes, as sio does). The encryptor keeps one package of plaintext (64 KiB, wiped on drop)
/// and allocates nothing per package.
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
    /// An encryptor for `key` and `suite` with the stream's random `nonce`, numbering
    /// packages from `start_seq` (0 unless the caller splits streams itself).
    pub fn new(key: &ObjectKey, suite: CipherSuite, nonce: [u8; 12], start_seq: u32) -> Self {
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
        let old = out.len();
        out.resize(old + self.update_len(input.len()), 0);
        let r = self.update_into(input, &mut out[old..]);
        out.truncate(old + *r.as_ref().unwrap_or(&0));
        r.map(|_| ())
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
}

/// Parallel forms of [`encrypt_buffer`] and [`decrypt_buffer`] (feature `rayon`).
#[cfg(feature = "rayon")]
pub(crate) mod par {
    use rayon::prelude::*;
    use zeroize::Zeroize;

    use super::{DecryptOptions, State, stream_layout};
    use crate::dare::{DareError, MAX_PACKAGE, MAX_PAYLOAD, OVERHEAD, StreamCipher, VERSION_20};
    use crate::keys::ObjectKey;

    /// [`encrypt_buffer`](super::encrypt_buffer) with the packages sealed in parallel on
    /// rayon's pool; the bytes are identical.
    pub fn encrypt_buffer_parallel(
        cipher: &StreamCipher,
        nonce: &[u8; 12],
        start_seq: u32,
        plaintext: &[u8],
        out: &mut [u8],
    ) -> Result<usize, DareError> {
        let (packages, needed) = stream_layout(plaintext.len(), start_seq, out.len())?;
        plaintext
            .par_chunks(MAX_PAYLOAD)
            .zip(out[..needed].par_chunks_mut(MAX_PACKAGE))
            .enumerate()
            .try_for_each(|(i, (pt, o))| {
                let seq = start_seq.wrapping_add(i as u32);
                cipher
                    .seal_package(nonce, seq, i + 1 == packages, pt, o)
                    .map(|_| ())
            })?;
        Ok(needed)
    }

    /// [`decrypt_buffer`](super::decrypt_buffer) with the packages opened in parallel: every
    /// header is checked first, in order (version, cipher, sizes, nonce, final flag), then
    /// the tags and plaintexts in parallel. All or nothing, like the sequential form.
    pub fn decrypt_buffer_parallel(
        key: &ObjectKey,
        start_seq: u32,
        opts: DecryptOptions,
        ciphertext: &[u8],
        out: &mut [u8],
    ) -> Result<usize, DareError> {
        let mut state = State::new(key, start_seq, opts);
        // (ciphertext offset, package length, plaintext offset, sequence number)
        let mut jobs = Vec::with_capacity(ciphertext.len() / MAX_PACKAGE + 1);
        let (mut at, mut plain) = (0usize, 0usize);
        while at < ciphertext.len() {
            let rest = &ciphertext[at..];
            let need = state.next_package(rest)?;
            let seq = state.seq.ok_or(DareError::TooManyPackages)?;
            jobs.push((at, need, plain, seq));
            if state.version == VERSION_20 {
                state.finished = rest[4] & 0x80 != 0;
            }
            state.seq = seq.checked_add(1);
            at += need;
            plain += need - OVERHEAD;
        }
        state.finish(false)?;
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
        for &(_, need, _, _) in &jobs {
            let (head, tail) = rest.split_at_mut(need - OVERHEAD);
            slices.push(head);
            rest = tail;
        }
        let r =
            jobs.par_iter()
                .zip(slices.par_iter_mut())
                .try_for_each(|(&(at, need, _, seq), o)| {
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
