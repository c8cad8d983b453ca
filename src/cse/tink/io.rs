//! I/O adapters over the sans-IO Tink [`Encryptor`] and [`Decryptor`]: `std::io` here,
//! `futures-io` in [`futures`] (feature `futures-io`) and tokio in [`tokio`] (feature
//! `tokio`) — the same poll machinery as [`crate::dare::io`]. Plaintext comes only from
//! authenticated segments; after an error every later read fails too.
//!
//! ```
//! use std::io::{Read, Write};
//! use s3crypt::cse::tink::io::{decrypt_reader, encrypt_writer};
//! use s3crypt::cse::tink::{StreamingKey, Template};
//!
//! let key = StreamingKey::generate(Template::Aes256GcmHkdf4Kb)?;
//! let mut w = encrypt_writer(Vec::new(), &key, b"s3://bucket/key")?; // draws salt and nonce prefix
//! w.write_all(&[1u8; 10_000])?;
//! let stored = w.finish()?;
//!
//! let mut r = decrypt_reader(&stored[..], &key, b"s3://bucket/key")?;
//! let mut back = Vec::new();
//! r.read_to_end(&mut back)?;
//! assert_eq!(back, [1u8; 10_000]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::io::{self, Read, Write};

use super::{Decryptor, Encryptor, StreamingKey, TinkError};
use crate::dare::io::poll::DecryptState;
use crate::dare::io::{StreamDecrypt, StreamEncrypt, blocking, read_once, sealed};

/// A `Read + Seek` plaintext view of a Tink ciphertext held by a `Read + Seek` source (a
/// file, or a ranged-GET adapter over an object store): reads fetch and authenticate whole
/// segments through [`RandomAccess`](super::RandomAccess), one segment cached.
///
/// The object's length is the source's (`seek(End(0))`); reaching the end verifies the last
/// segment (it is bound to being last), so a source cut at a segment boundary is an error,
/// never an early end. After an error every later read fails.
///
/// ```
/// use std::io::{Cursor, Read, Seek, SeekFrom};
/// use s3crypt::cse::tink::{self, io::SeekableReader, StreamingKey, Template};
///
/// let key = StreamingKey::generate(Template::Aes256GcmHkdf4Kb)?;
/// let pt: Vec<u8> = (0..50_000u32).map(|i| i as u8).collect();
/// let stored = tink::encrypt_buffer(&key, b"ad", &pt)?;
/// let mut r = SeekableReader::new(Cursor::new(stored), &key, b"ad")?;
/// r.seek(SeekFrom::Start(30_000))?;
/// let mut buf = [0u8; 100];
/// r.read_exact(&mut buf)?;
/// assert_eq!(buf[..], pt[30_000..30_100]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct SeekableReader<R: Read + io::Seek> {
    inner: R,
    ra: super::RandomAccess,
    pos: u64,
    /// The decrypted segment starting at plaintext byte `cache_start` (empty: none).
    cache: zeroize::Zeroizing<Vec<u8>>,
    cache_start: u64,
    end_checked: bool,
    poisoned: bool,
}

impl<R: Read + io::Seek> core::fmt::Debug for SeekableReader<R> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SeekableReader")
            .field("pos", &self.pos)
            .field("plaintext_len", &self.ra.plaintext_len())
            .finish_non_exhaustive()
    }
}

impl<R: Read + io::Seek> SeekableReader<R> {
    /// Reads the header of the ciphertext `inner` holds (its whole length, from the start).
    pub fn new(mut inner: R, key: &StreamingKey, aad: &[u8]) -> io::Result<Self> {
        let len = inner.seek(io::SeekFrom::End(0))?;
        let header_len = super::RandomAccess::header_len(key);
        if len < header_len as u64 {
            return Err(io_err(TinkError::Truncated("shorter than the header")));
        }
        inner.seek(io::SeekFrom::Start(0))?;
        let mut header = vec![0u8; header_len];
        inner.read_exact(&mut header)?;
        let ra = super::RandomAccess::new(key, aad, &header, len).map_err(io_err)?;
        Ok(Self {
            inner,
            ra,
            pos: 0,
            cache: zeroize::Zeroizing::new(Vec::new()),
            cache_start: 0,
            end_checked: false,
            poisoned: false,
        })
    }

    /// The plaintext length.
    pub fn plaintext_len(&self) -> u64 {
        self.ra.plaintext_len()
    }

    /// The source back.
    pub fn into_inner(self) -> R {
        self.inner
    }

    /// Fetches, authenticates and caches the segment holding `pos`.
    fn load(&mut self, pos: u64) -> io::Result<()> {
        let plan = self.ra.segment_plan(pos);
        self.inner
            .seek(io::SeekFrom::Start(plan.ciphertext_offset()))?;
        let n = usize::try_from(plan.ciphertext_len())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "segment too large"))?;
        let mut fetched = vec![0u8; n];
        // A short source is an error (read_exact), never fewer bytes.
        self.inner.read_exact(&mut fetched)?;
        self.cache.clear();
        self.cache.resize(plan.plaintext_len() as usize, 0);
        if let Err(e) = self.ra.decrypt_range(&plan, &fetched, &mut self.cache) {
            self.poisoned = true;
            return Err(io_err(e));
        }
        self.cache_start = plan.plaintext_offset();
        Ok(())
    }
}

impl<R: Read + io::Seek> Read for SeekableReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.poisoned {
            return Err(io_err(TinkError::Finished));
        }
        let end = self.ra.plaintext_len();
        if self.pos >= end {
            if !self.end_checked {
                // The last segment proves the end: a source cut at a segment boundary fails here.
                self.load(end.saturating_sub(1))
                    .inspect_err(|_| self.poisoned = true)?;
                self.end_checked = true;
            }
            return Ok(0);
        }
        if buf.is_empty() {
            return Ok(0);
        }
        // A load that failed poisoned the reader, so a non-empty cache is always current.
        let covered =
            self.pos >= self.cache_start && self.pos - self.cache_start < self.cache.len() as u64;
        if !covered {
            self.load(self.pos).inspect_err(|_| self.poisoned = true)?;
        }
        let at = (self.pos - self.cache_start) as usize;
        let n = buf.len().min(self.cache.len() - at);
        buf[..n].copy_from_slice(&self.cache[at..at + n]);
        self.pos += n as u64;
        if self.pos == end
            && self
                .ra
                .segment_plan(end.saturating_sub(1))
                .plaintext_offset()
                == self.cache_start
        {
            // The cached segment was the last one: the end is proven.
            self.end_checked = true;
        }
        Ok(n)
    }
}

impl<R: Read + io::Seek> io::Seek for SeekableReader<R> {
    fn seek(&mut self, to: io::SeekFrom) -> io::Result<u64> {
        let base = match to {
            io::SeekFrom::Start(n) => Some(n),
            io::SeekFrom::End(d) => self.ra.plaintext_len().checked_add_signed(d),
            io::SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        let pos = base.ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "seek before the start of the plaintext or past 2^64",
            )
        })?;
        self.pos = pos;
        Ok(pos)
    }
}

fn io_err(e: TinkError) -> io::Error {
    let kind = match e {
        TinkError::Truncated(_) => io::ErrorKind::UnexpectedEof,
        _ => io::ErrorKind::InvalidData,
    };
    io::Error::new(kind, e)
}

impl sealed::Sealed for Encryptor {}
impl sealed::Sealed for Decryptor {}

impl StreamEncrypt for Encryptor {
    const MAX_WRITE: usize = 1 << 20;

    fn io_update(&mut self, data: &[u8], out: &mut Vec<u8>) -> io::Result<()> {
        self.update(data, out).map_err(io_err)
    }

    fn io_finish(self, out: &mut Vec<u8>) -> io::Result<()> {
        self.finish(out).map_err(io_err)
    }
}

impl StreamDecrypt for Decryptor {
    const UNIT: usize = 64 << 10;

    fn io_step(&mut self, input: &[u8], out: &mut Vec<u8>) -> io::Result<usize> {
        self.step(input, out).map_err(io_err)
    }

    fn io_finish(self, out: &mut Vec<u8>) -> io::Result<()> {
        self.finish(out).map_err(io_err)
    }

    fn io_poison(&mut self) {
        self.poison();
    }

    fn io_poisoned() -> io::Error {
        io_err(TinkError::Finished)
    }
}

/// Encrypts everything written to it into a Tink stream written to `inner`; its
/// `finish` writes the last segment (a stream without it does not decrypt). The `std::io`
/// writer type shared with DARE: make one with [`encrypt_writer`].
pub type EncryptWriter<W> = crate::dare::io::EncryptWriter<W, Encryptor>;

/// A writer of a Tink stream into `inner`, under `key` and associated data `aad`, with a
/// fresh random salt and nonce prefix.
pub fn encrypt_writer<W: Write>(
    inner: W,
    key: &StreamingKey,
    aad: &[u8],
) -> io::Result<EncryptWriter<W>> {
    Ok(EncryptWriter::wrap(
        inner,
        Encryptor::new(key, aad).map_err(io_err)?,
    ))
}

/// A writer driving `enc` (e.g. made with [`Encryptor::new_with`] for test vectors).
pub fn encrypt_writer_from<W: Write>(inner: W, enc: Encryptor) -> EncryptWriter<W> {
    EncryptWriter::wrap(inner, enc)
}

/// A reader of a Tink stream from `inner`, written under `key` with `aad` (the same as
/// [`DecryptReader::new`]).
pub fn decrypt_reader<R: Read>(
    inner: R,
    key: &StreamingKey,
    aad: &[u8],
) -> io::Result<DecryptReader<R>> {
    DecryptReader::new(inner, key, aad)
}

/// Decrypts a Tink stream read from `inner`, returning plaintext only from authenticated
/// segments; an error (`InvalidData`, or `UnexpectedEof` for a cut stream) ends it.
pub struct DecryptReader<R: Read> {
    inner: R,
    state: DecryptState<Decryptor>,
}

impl<R: Read> core::fmt::Debug for DecryptReader<R> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("tink::io::DecryptReader")
            .finish_non_exhaustive()
    }
}

impl<R: Read> DecryptReader<R> {
    /// A reader of a stream written under `key` with associated data `aad`.
    pub fn new(inner: R, key: &StreamingKey, aad: &[u8]) -> io::Result<Self> {
        Ok(Self {
            inner,
            state: DecryptState::new(Decryptor::new(key, aad).map_err(io_err)?),
        })
    }

    /// The inner reader.
    pub fn into_inner(self) -> R {
        self.inner
    }
}

impl<R: Read> Read for DecryptReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let inner = &mut self.inner;
        blocking(|cx| self.state.poll_read(cx, buf, |_, b| read_once(inner, b)))
    }
}

/// Defines a runtime's Tink adapters: the DARE adapter types of that runtime, driving the
/// Tink stream types, with Tink constructors.
#[cfg(any(feature = "futures-io", feature = "tokio"))]
macro_rules! tink_async {
    ($runtime:ident, $write:path, $read:path, $close:literal) => {
        #[doc = concat!("Encrypts everything written to it into a Tink stream written to `inner`; `", $close, "` writes the last segment.")]
        pub type EncryptWriter<W> = $crate::dare::io::$runtime::EncryptWriter<W, $crate::cse::tink::Encryptor>;
        /// Decrypts a Tink stream read from `inner`, plaintext only from authenticated segments.
        pub type DecryptReader<R> = $crate::dare::io::$runtime::DecryptReader<R, $crate::cse::tink::Decryptor>;

        /// A writer of a Tink stream into `inner`, under `key` and `aad`, with a fresh random
        /// salt and nonce prefix. (A free function: the adapter type is shared with DARE,
        /// whose `new` it keeps.)
        pub fn encrypt_writer<W: $write + Unpin>(
            inner: W,
            key: &$crate::cse::tink::StreamingKey,
            aad: &[u8],
        ) -> std::io::Result<EncryptWriter<W>> {
            let enc = $crate::cse::tink::Encryptor::new(key, aad).map_err(super::io_err)?;
            Ok(EncryptWriter::wrap(inner, enc))
        }

        /// A reader of a Tink stream from `inner`, written under `key` with `aad`.
        pub fn decrypt_reader<R: $read + Unpin>(
            inner: R,
            key: &$crate::cse::tink::StreamingKey,
            aad: &[u8],
        ) -> std::io::Result<DecryptReader<R>> {
            let dec = $crate::cse::tink::Decryptor::new(key, aad).map_err(super::io_err)?;
            Ok(DecryptReader::wrap(inner, dec))
        }
    };
}

/// Tink adapters for the `futures-io` traits (feature `futures-io`).
#[cfg(feature = "futures-io")]
pub mod futures {
    tink_async!(
        futures,
        futures_io::AsyncWrite,
        futures_io::AsyncRead,
        "poll_close"
    );
}

/// Tink adapters for tokio's I/O traits (feature `tokio`).
#[cfg(feature = "tokio")]
pub mod tokio {
    tink_async!(
        tokio,
        ::tokio::io::AsyncWrite,
        ::tokio::io::AsyncRead,
        "poll_shutdown"
    );
}
