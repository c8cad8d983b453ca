//! I/O adapters over the sans-IO [`Encryptor`] and [`Decryptor`]: `std::io` here,
//! `futures-io` in [`futures`] (feature `futures-io`) and tokio in [`tokio`] (feature
//! `tokio`). All of them return plaintext only from authenticated packages, and after an
//! error every later read fails too (never a clean end of a stream that was cut or forged).

#[cfg(feature = "futures-io")]
pub mod futures;
#[cfg(any(feature = "futures-io", feature = "tokio"))]
mod poll;
#[cfg(feature = "tokio")]
pub mod tokio;

use std::io::{self, Read, Seek, SeekFrom, Write};

use zeroize::Zeroize;

use super::range::{decrypted_size, package_range};
use super::{CipherSuite, DareError, DecryptOptions, Decryptor, Encryptor, MAX_PACKAGE};
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
    enc: Option<Encryptor>,
    buf: Vec<u8>,
}

impl<W: Write> EncryptWriter<W> {
    /// A writer for `key`, `suite` and the stream's fresh random `nonce`.
    pub fn new(inner: W, key: &ObjectKey, suite: CipherSuite, nonce: [u8; 12]) -> Self {
        Self {
            inner,
            enc: Some(Encryptor::new(key, suite, nonce, 0)),
            buf: Vec::with_capacity(2 * MAX_PACKAGE),
        }
    }

    /// Writes the final package, flushes, and returns the inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        if let Some(enc) = self.enc.take() {
            enc.finish(&mut self.buf).map_err(io_err)?;
            self.inner.write_all(&self.buf)?;
            self.buf.clear();
        }
        self.inner.flush()?;
        Ok(self.inner)
    }
}

impl<W: Write> Write for EncryptWriter<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let enc = self
            .enc
            .as_mut()
            .ok_or_else(|| io::Error::other("EncryptWriter already finished"))?;
        enc.update(data, &mut self.buf).map_err(io_err)?;
        self.inner.write_all(&self.buf)?;
        self.buf.clear();
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Decrypts a DARE stream read from `inner`. Returns plaintext only from authenticated
/// packages; an error (`InvalidData`, or `UnexpectedEof` for a truncated stream) ends it.
/// Over `Read + Seek`, [`DecryptReader::new_seekable`] gives a reader that seeks in the
/// plaintext.
pub struct DecryptReader<R> {
    inner: R,
    key: ObjectKey,
    dec: Option<Decryptor>,
    out: Vec<u8>,
    pos_in_out: usize,
    input: Vec<u8>,
    done: bool,
    failed: bool,
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
            dec: Some(Decryptor::new(key, 0)),
            out: Vec::with_capacity(MAX_PACKAGE),
            pos_in_out: 0,
            input: vec![0; MAX_PACKAGE],
            done: false,
            failed: false,
            position: 0,
            size: None,
        }
    }

    fn fill(&mut self) -> io::Result<()> {
        if self.failed {
            // An error is never followed by a clean end of stream.
            return Err(io_err(DareError::Poisoned));
        }
        let r = self.fill_inner();
        if r.is_err() {
            // Never data after an error: drop what this chunk authenticated before it.
            self.failed = true;
            self.out.zeroize();
            self.out.clear();
            self.pos_in_out = 0;
        }
        r
    }

    fn fill_inner(&mut self) -> io::Result<()> {
        self.out.zeroize();
        self.out.clear();
        self.pos_in_out = 0;
        while self.out.is_empty() && !self.done {
            let n = self.inner.read(&mut self.input)?;
            let dec = self
                .dec
                .as_mut()
                .ok_or_else(|| io::Error::other("poisoned"))?;
            if n == 0 {
                self.done = true;
                if let Some(d) = self.dec.take() {
                    d.finish().map_err(io_err)?;
                }
            } else {
                dec.update(&self.input[..n], &mut self.out)
                    .map_err(io_err)?;
            }
        }
        Ok(())
    }
}

impl<R: Read> Read for DecryptReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos_in_out == self.out.len() {
            self.fill()?;
        }
        let n = (self.out.len() - self.pos_in_out).min(buf.len());
        buf[..n].copy_from_slice(&self.out[self.pos_in_out..self.pos_in_out + n]);
        self.pos_in_out += n;
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
        self.dec = Some(Decryptor::with_options(
            &self.key,
            r.sequence_number,
            DecryptOptions::new(),
        ));
        self.done = false;
        self.failed = false;
        self.out.zeroize();
        self.out.clear();
        self.pos_in_out = 0;
        self.position = clamped - r.skip;
        // Drop the bytes of the first package that lie before the target.
        let mut skip = r.skip;
        while skip > 0 {
            if self.pos_in_out == self.out.len() {
                self.fill()?;
                if self.out.is_empty() {
                    break;
                }
            }
            let n = ((self.out.len() - self.pos_in_out) as u64).min(skip) as usize;
            self.pos_in_out += n;
            self.position += n as u64;
            skip -= n as u64;
        }
        self.position = target;
        Ok(target)
    }
}
