//! I/O adapters over the sans-IO [`Encryptor`](super::Encryptor) and [`Decryptor`](super::Decryptor): `std::io` here,
//! `futures-io` in [`futures`] (feature `futures-io`) and tokio in [`tokio`] (feature
//! `tokio`). All of them return plaintext only from authenticated packages, and after an
//! error every later read fails too (never a clean end of a stream that was cut or forged).

#[cfg(feature = "futures-io")]
pub mod futures;
mod poll;
#[cfg(feature = "tokio")]
pub mod tokio;

use std::io::{self, Read, Seek, SeekFrom, Write};
use std::task::{Context, Poll, Waker};

use zeroize::Zeroize;

use self::poll::{DecryptState, EncryptState};
use super::range::{decrypted_size, package_range};
use super::{CipherSuite, DareError};
use crate::keys::ObjectKey;

fn io_err(e: DareError) -> io::Error {
    let kind = match e {
        DareError::Truncated => io::ErrorKind::UnexpectedEof,
        _ => io::ErrorKind::InvalidData,
    };
    io::Error::new(kind, e)
}

/// Encrypts everything written to it into DARE 2.0 packages written to `inner`. Call
/// [`finish`](Self::finish) at the end: it writes the final package (dropping the writer
/// without it leaves a truncated stream, which decryption rejects).
pub struct EncryptWriter<W: Write> {
    inner: W,
    state: EncryptState,
}

/// Drives the shared poll state with a blocking call, which never returns `Pending`.
fn blocking<T>(f: impl FnOnce(&mut Context<'_>) -> Poll<io::Result<T>>) -> io::Result<T> {
    match f(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(r) => r,
        Poll::Pending => Err(io::ErrorKind::WouldBlock.into()),
    }
}

/// One blocking write, retried when interrupted (as `write_all` does).
fn write_once(w: &mut impl Write, b: &[u8]) -> Poll<io::Result<usize>> {
    loop {
        match w.write(b) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            r => return Poll::Ready(r),
        }
    }
}

impl<W: Write> EncryptWriter<W> {
    /// A writer for `key`, `suite` and the stream's fresh random `nonce`.
    pub fn new(inner: W, key: &ObjectKey, suite: CipherSuite, nonce: [u8; 12]) -> Self {
        Self {
            inner,
            state: EncryptState::new(key, suite, nonce),
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

impl<W: Write> Write for EncryptWriter<W> {
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
/// packages; an error (`InvalidData`, or `UnexpectedEof` for a truncated stream) ends it, and
/// every later read fails too. Over `Read + Seek`, [`DecryptReader::new_seekable`] gives a
/// reader that seeks in the plaintext.
pub struct DecryptReader<R> {
    inner: R,
    key: ObjectKey,
    state: DecryptState,
    /// Plaintext position and size, for seeking.
    position: u64,
    size: Option<u64>,
}

impl<R: Read> DecryptReader<R> {
    /// Reads a whole DARE 2.0 stream from `inner`.
    pub fn new(inner: R, key: &ObjectKey) -> Self {
        Self {
            inner,
            key: key.duplicate(),
            state: DecryptState::new(key),
            position: 0,
            size: None,
        }
    }
}

impl<R: Read> Read for DecryptReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let inner = &mut self.inner;
        let n = blocking(|cx| {
            self.state.poll_read(cx, buf, |_, b| {
                loop {
                    match inner.read(b) {
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        r => return Poll::Ready(r),
                    }
                }
            })
        })?;
        self.position += n as u64;
        Ok(n)
    }
}

impl<R: Read + Seek> DecryptReader<R> {
    /// A reader over a seekable stored stream (positioned anywhere); its plaintext size is
    /// taken from the stored size.
    pub fn new_seekable(mut inner: R, key: &ObjectKey) -> io::Result<Self> {
        let stored = inner.seek(SeekFrom::End(0))?;
        let size = decrypted_size(stored).map_err(io_err)?;
        inner.seek(SeekFrom::Start(0))?;
        let mut r = Self::new(inner, key);
        r.size = Some(size);
        Ok(r)
    }
}

impl<R: Read + Seek> Seek for DecryptReader<R> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
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
        let r = package_range(size, clamped, size - clamped).map_err(io_err)?;
        self.inner.seek(SeekFrom::Start(r.encrypted_offset))?;
        self.state.restart(&self.key, r.sequence_number);
        self.position = clamped - r.skip;
        // Drop the bytes of the first package that lie before the target.
        let mut scratch = [0u8; 4096];
        let mut skip = r.skip;
        while skip > 0 {
            let want = (scratch.len() as u64).min(skip) as usize;
            let n = self.read(&mut scratch[..want])?;
            if n == 0 {
                break;
            }
            skip -= n as u64;
        }
        scratch.zeroize();
        self.position = target;
        Ok(target)
    }
}
