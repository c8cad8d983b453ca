//! I/O adapters over the sans-IO [`Encryptor`] and [`Decryptor`]: `std::io` here,
//! `futures-io` in [`futures`] (feature `futures-io`) and tokio in [`tokio`] (feature
//! `tokio`). All of them return plaintext only from authenticated packages, and after an
//! error every later read fails too (never a clean end of a stream that was cut or forged).

#[cfg(feature = "futures-io")]
pub mod futures;
pub(crate) mod poll;
#[cfg(feature = "tokio")]
pub mod tokio;

use std::io::{self, Read, Seek, SeekFrom, Write};
use std::task::{Context, Poll, Waker};

use self::poll::{DecryptState, EncryptState};
use super::range::{PackageRange, decrypted_size, package_range};
use super::{CipherSuite, DareError, DecryptOptions, Decryptor, Encryptor};
use crate::keys::ObjectKey;

pub(crate) mod sealed {
    /// Seals [`StreamEncrypt`](super::StreamEncrypt) and [`StreamDecrypt`](super::StreamDecrypt).
    pub trait Sealed {}
}

/// A sans-IO encryptor the I/O adapters can drive: [`Encryptor`] (DARE) and
/// [`crate::cse::tink::Encryptor`]. Sealed; its methods are the adapters' business.
pub trait StreamEncrypt: sealed::Sealed + Unpin {
    /// Most plaintext one write takes.
    #[doc(hidden)]
    const MAX_WRITE: usize;
    /// Encrypts `data`, appending ciphertext to `out`.
    #[doc(hidden)]
    fn io_update(&mut self, data: &[u8], out: &mut Vec<u8>) -> io::Result<()>;
    /// Ends the stream, appending the rest to `out`.
    #[doc(hidden)]
    fn io_finish(self, out: &mut Vec<u8>) -> io::Result<()>;
}

/// A sans-IO decryptor the I/O adapters can drive: [`Decryptor`] (DARE) and
/// [`crate::cse::tink::Decryptor`]. Sealed; its methods are the adapters' business.
pub trait StreamDecrypt: sealed::Sealed + Unpin {
    /// Bytes the adapters read from the inner reader at a time.
    #[doc(hidden)]
    const UNIT: usize;
    /// Feeds at most one unit of the stream (a package, a segment), appending any
    /// authenticated plaintext to `out`; returns the bytes used.
    #[doc(hidden)]
    fn io_step(&mut self, input: &[u8], out: &mut Vec<u8>) -> io::Result<usize>;
    /// Ends the stream (the inner reader is at its end), appending any last plaintext.
    #[doc(hidden)]
    fn io_finish(self, out: &mut Vec<u8>) -> io::Result<()>;
    /// Marks the stream failed.
    #[doc(hidden)]
    fn io_poison(&mut self);
    /// The error every read after a failure returns.
    #[doc(hidden)]
    fn io_poisoned() -> io::Error;
}

pub(crate) fn io_err(e: DareError) -> io::Error {
    let kind = match e {
        DareError::Truncated => io::ErrorKind::UnexpectedEof,
        _ => io::ErrorKind::InvalidData,
    };
    io::Error::new(kind, e)
}

/// Encrypts everything written to it into DARE 2.0 packages written to `inner` (or, with
/// `E` = [`crate::cse::tink::Encryptor`], into a Tink stream: see
/// [`crate::cse::tink::io::encrypt_writer`]). Call [`finish`](Self::finish) at the end: it
/// writes the final package (dropping the writer without it leaves a truncated stream, which
/// decryption rejects).
pub struct EncryptWriter<W: Write, E = Encryptor> {
    inner: W,
    state: EncryptState<E>,
}

impl<W: Write, E> core::fmt::Debug for EncryptWriter<W, E> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("EncryptWriter").finish_non_exhaustive()
    }
}

/// Drives the shared poll state with a blocking call, which never returns `Pending`.
pub(crate) fn blocking<T>(
    f: impl FnOnce(&mut Context<'_>) -> Poll<io::Result<T>>,
) -> io::Result<T> {
    match f(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(r) => r,
        Poll::Pending => Err(io::ErrorKind::WouldBlock.into()),
    }
}

/// One blocking read, retried when interrupted (as `read_exact` does).
pub(crate) fn read_once(r: &mut impl Read, b: &mut [u8]) -> Poll<io::Result<usize>> {
    loop {
        match r.read(b) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            r => return Poll::Ready(r),
        }
    }
}

/// One blocking write, retried when interrupted (as `write_all` does).
pub(crate) fn write_once(w: &mut impl Write, b: &[u8]) -> Poll<io::Result<usize>> {
    loop {
        match w.write(b) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            r => return Poll::Ready(r),
        }
    }
}

impl<W: Write> EncryptWriter<W> {
    /// A writer for `key` and `suite` under a fresh random nonce (fails only if the OS has
    /// no randomness to give).
    pub fn new(inner: W, key: &ObjectKey, suite: CipherSuite) -> io::Result<Self> {
        Ok(Self::from_encryptor(
            inner,
            Encryptor::new(key, suite).map_err(io_err)?,
        ))
    }

    /// A writer with a caller-chosen `nonce`: **for test vectors only** (see
    /// [`Encryptor::with_nonce`]).
    pub fn with_nonce(inner: W, key: &ObjectKey, suite: CipherSuite, nonce: [u8; 12]) -> Self {
        Self::from_encryptor(inner, Encryptor::with_nonce(key, suite, nonce, 0))
    }

    /// A writer driving `enc` (any start sequence number).
    pub fn from_encryptor(inner: W, enc: Encryptor) -> Self {
        Self::wrap(inner, enc)
    }
}

impl<W: Write, E: StreamEncrypt> EncryptWriter<W, E> {
    /// A writer driving `enc`, any stream type the adapters support.
    pub(crate) fn wrap(inner: W, enc: E) -> Self {
        Self {
            inner,
            state: EncryptState::new(enc),
        }
    }

    /// Writes the final package, flushes, and returns the inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        let inner = &mut self.inner;
        blocking(|cx| self.state.poll_finish(cx, |_, b| write_once(inner, b)))?;
        self.inner.flush()?;
        Ok(self.inner)
    }
}

impl<W: Write, E: StreamEncrypt> Write for EncryptWriter<W, E> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let inner = &mut self.inner;
        blocking(|cx| self.state.poll_write(cx, data, |_, b| write_once(inner, b)))
    }

    fn flush(&mut self) -> io::Result<()> {
        let inner = &mut self.inner;
        blocking(|cx| self.state.poll_flush(cx, |_, b| write_once(inner, b)))?;
        self.inner.flush()
    }
}

/// Decrypts a DARE stream read from `inner`. Returns plaintext only from authenticated
/// packages, as soon as each authenticates; an error (`InvalidData`, or `UnexpectedEof` for a
/// truncated stream) ends it, and every later read fails too. Bound like a [`Decryptor`]: to
/// the stored size in [`DecryptOptions`] ([`new`](Self::new)), to a
/// [`PackageRange`] ([`for_range`](Self::for_range)), or, over `Read + Seek`, to the stored
/// size `inner` reports ([`new_seekable`](Self::new_seekable), which also seeks in the
/// plaintext).
pub struct DecryptReader<R> {
    inner: R,
    key: ObjectKey,
    /// The whole stream's options, for seeking; `None` for a range reader, which cannot seek.
    opts: Option<DecryptOptions>,
    state: DecryptState,
    /// Plaintext position and size, for seeking.
    position: u64,
    size: Option<u64>,
}

impl<R> core::fmt::Debug for DecryptReader<R> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DecryptReader")
            .field("position", &self.position)
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

impl<R: Read> DecryptReader<R> {
    /// Reads a whole stream from `inner`, bound by `opts` (state the stored size).
    pub fn new(inner: R, key: &ObjectKey, opts: DecryptOptions) -> Self {
        Self {
            inner,
            key: key.duplicate(),
            opts: Some(opts),
            state: DecryptState::new(Decryptor::new(key, opts)),
            position: 0,
            size: None,
        }
    }

    /// Reads a plaintext range from `inner`, which yields exactly the stored bytes `range`
    /// names (`range.encrypted_length` bytes from `range.encrypted_offset`): returns exactly
    /// the range's plaintext, or an error.
    pub fn for_range(inner: R, key: &ObjectKey, range: &PackageRange) -> Self {
        Self {
            inner,
            key: key.duplicate(),
            opts: None,
            state: DecryptState::new(Decryptor::for_range(key, range)),
            position: range.plaintext_offset,
            size: None,
        }
    }

    /// The inner reader.
    pub fn into_inner(self) -> R {
        self.inner
    }
}

impl<R: Read> Read for DecryptReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let inner = &mut self.inner;
        let n = blocking(|cx| self.state.poll_read(cx, buf, |_, b| read_once(inner, b)))?;
        self.position += n as u64;
        Ok(n)
    }
}

impl<R: Read + Seek> DecryptReader<R> {
    /// A reader over a seekable stored stream (positioned anywhere), bound to the stored
    /// size `inner` reports; `opts` gives the start sequence number (its stored size, if
    /// set, must match). DARE 2.0 and, with `opts` allowing it, 1.0 written with 64 KiB
    /// packages.
    pub fn new_seekable(mut inner: R, key: &ObjectKey, opts: DecryptOptions) -> io::Result<Self> {
        let stored = inner.seek(SeekFrom::End(0))?;
        if opts.expected_stored_size().is_some_and(|s| s != stored) {
            return Err(io_err(DareError::Truncated));
        }
        let size = decrypted_size(stored).map_err(io_err)?;
        inner.seek(SeekFrom::Start(0))?;
        let mut r = Self::new(inner, key, opts.stored_size(stored));
        r.size = Some(size);
        Ok(r)
    }
}

impl<R: Read + Seek> Seek for DecryptReader<R> {
    /// Seeks in the plaintext. On a reader made by [`new`](Self::new) the stored size is
    /// taken from `inner` at the first seek; a reader made by [`for_range`](Self::for_range)
    /// cannot seek.
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let Some(opts) = self.opts else {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "a range reader cannot seek",
            ));
        };
        let size = match self.size {
            Some(s) => s,
            None => {
                let stored = self.inner.seek(SeekFrom::End(0))?;
                decrypted_size(stored).map_err(io_err)?
            }
        };
        self.size = Some(size);
        let target = match pos {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::End(d) => size.checked_add_signed(d),
            SeekFrom::Current(d) => self.position.checked_add_signed(d),
        }
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before start"))?;
        let clamped = target.min(size);
        // The rest of the object from the target: its packages, bound to the stored size.
        let r = package_range(size, clamped, size - clamped)
            .and_then(|r| r.starting_at(opts.start_seq()))
            .map_err(io_err)?;
        if r.encrypted_length == 0 {
            // At the end: nothing to read, and the inner reader at its end too.
            self.inner.seek(SeekFrom::End(0))?;
        } else {
            self.inner.seek(SeekFrom::Start(r.encrypted_offset))?;
        }
        self.state.restart(Decryptor::for_range(&self.key, &r));
        self.position = target;
        Ok(target)
    }
}
