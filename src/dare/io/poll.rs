//! The poll-based state shared by the `std::io`, `futures-io` and `tokio` adapters. Each
//! adapter only says how to call its inner reader or writer; the buffering, the order of
//! operations, the error mapping and the rule that nothing but errors follows an error live
//! here once.

use std::io;
use std::task::{Context, Poll};

use zeroize::Zeroize;

use super::io_err;
use super::{StreamDecrypt, StreamEncrypt, sealed};
use crate::dare::{DareError, Decryptor, Encryptor, MAX_PACKAGE, MAX_PAYLOAD};

impl sealed::Sealed for Encryptor {}
impl sealed::Sealed for Decryptor {}

impl StreamEncrypt for Encryptor {
    // 16 packages (about 1 MiB) per write, so the ciphertext held for the inner writer
    // stays bounded.
    const MAX_WRITE: usize = 16 * MAX_PAYLOAD;

    fn io_update(&mut self, data: &[u8], out: &mut Vec<u8>) -> io::Result<()> {
        self.update(data, out).map_err(io_err)
    }

    fn io_finish(self, out: &mut Vec<u8>) -> io::Result<()> {
        self.finish(out).map_err(io_err)
    }
}

impl StreamDecrypt for Decryptor {
    const UNIT: usize = MAX_PACKAGE;

    fn io_step(&mut self, input: &[u8], out: &mut Vec<u8>) -> io::Result<usize> {
        self.step_vec(input, out).map_err(io_err)
    }

    fn io_finish(self, _out: &mut Vec<u8>) -> io::Result<()> {
        self.finish().map_err(io_err)
    }

    fn io_poison(&mut self) {
        self.poison();
    }

    fn io_poisoned() -> io::Error {
        io_err(DareError::Poisoned)
    }
}

/// Encrypting-writer state: the encryptor and the ciphertext not yet taken by the inner
/// writer.
pub(crate) struct EncryptState<E = Encryptor> {
    enc: Option<E>,
    buf: Vec<u8>,
    pos: usize,
}

impl<E: StreamEncrypt> EncryptState<E> {
    pub(crate) fn new(enc: E) -> Self {
        Self {
            enc: Some(enc),
            buf: Vec::new(),
            pos: 0,
        }
    }

    /// Hands the held ciphertext to `write` until it is all taken.
    fn poll_drain(
        &mut self,
        cx: &mut Context<'_>,
        write: &mut impl FnMut(&mut Context<'_>, &[u8]) -> Poll<io::Result<usize>>,
    ) -> Poll<io::Result<()>> {
        while self.pos < self.buf.len() {
            match write(cx, &self.buf[self.pos..]) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => self.pos += n,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        self.buf.clear();
        self.pos = 0;
        Poll::Ready(Ok(()))
    }

    pub(crate) fn poll_write(
        &mut self,
        cx: &mut Context<'_>,
        data: &[u8],
        mut write: impl FnMut(&mut Context<'_>, &[u8]) -> Poll<io::Result<usize>>,
    ) -> Poll<io::Result<usize>> {
        match self.poll_drain(cx, &mut write) {
            Poll::Ready(Ok(())) => {}
            other => return other.map(|r| r.map(|()| 0)),
        }
        let Some(enc) = self.enc.as_mut() else {
            return Poll::Ready(Err(io::Error::other(
                "the encrypting writer is already closed",
            )));
        };
        let data = &data[..data.len().min(E::MAX_WRITE)];
        enc.io_update(data, &mut self.buf)?;
        // Start handing the packages over now; what the inner writer does not take yet
        // goes at the next write, flush or close.
        if let Poll::Ready(Err(e)) = self.poll_drain(cx, &mut write) {
            return Poll::Ready(Err(e));
        }
        Poll::Ready(Ok(data.len()))
    }

    pub(crate) fn poll_flush(
        &mut self,
        cx: &mut Context<'_>,
        mut write: impl FnMut(&mut Context<'_>, &[u8]) -> Poll<io::Result<usize>>,
    ) -> Poll<io::Result<()>> {
        self.poll_drain(cx, &mut write)
    }

    /// Writes the final package and everything held; the caller then closes its inner
    /// writer.
    pub(crate) fn poll_finish(
        &mut self,
        cx: &mut Context<'_>,
        mut write: impl FnMut(&mut Context<'_>, &[u8]) -> Poll<io::Result<usize>>,
    ) -> Poll<io::Result<()>> {
        match self.poll_drain(cx, &mut write) {
            Poll::Ready(Ok(())) => {}
            other => return other,
        }
        if let Some(enc) = self.enc.take() {
            enc.io_finish(&mut self.buf)?;
            return self.poll_drain(cx, &mut write);
        }
        Poll::Ready(Ok(()))
    }
}

/// Decrypting-reader state: the decryptor, the ciphertext read but not yet taken by it and
/// the authenticated plaintext not yet returned.
///
/// The decryptor is fed at most one package at a time, and plaintext is returned as soon as
/// a package authenticates: a read of intact bytes never fails because the same inner read
/// also delivered a damaged later package (that error comes at the read that reaches it).
pub(crate) struct DecryptState<D = Decryptor> {
    dec: Option<D>,
    input: Vec<u8>,
    /// `input[start..end]` is read but not yet fed.
    start: usize,
    end: usize,
    out: Vec<u8>,
    pos: usize,
    failed: bool,
}

impl<D> Drop for DecryptState<D> {
    fn drop(&mut self) {
        self.out.zeroize();
    }
}

impl<D: StreamDecrypt> DecryptState<D> {
    pub(crate) fn new(dec: D) -> Self {
        Self {
            dec: Some(dec),
            input: Vec::new(),
            start: 0,
            end: 0,
            out: Vec::new(),
            pos: 0,
            failed: false,
        }
    }

    /// Starts over with `dec` (after the caller moved its reader to where `dec` begins),
    /// dropping held input and plaintext and any earlier failure.
    pub(crate) fn restart(&mut self, dec: D) {
        self.dec = Some(dec);
        (self.start, self.end) = (0, 0);
        self.out.zeroize();
        self.out.clear();
        self.pos = 0;
        self.failed = false;
    }

    /// Copies plaintext to `buf`, reading and authenticating more through `read` when none
    /// is held. `Ok(0)` is the end of an authenticated stream that met its bounds.
    pub(crate) fn poll_read(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
        mut read: impl FnMut(&mut Context<'_>, &mut [u8]) -> Poll<io::Result<usize>>,
    ) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        while self.pos == self.out.len() {
            if self.failed {
                return Poll::Ready(Err(D::io_poisoned()));
            }
            self.out.zeroize();
            self.out.clear();
            self.pos = 0;
            let Some(dec) = self.dec.as_mut() else {
                return Poll::Ready(Ok(0));
            };
            let r = if self.start < self.end {
                // Feed what was read, up to the end of one package.
                match dec.io_step(&self.input[self.start..self.end], &mut self.out) {
                    Ok(used) => {
                        self.start += used;
                        Ok(())
                    }
                    Err(e) => Err(e),
                }
            } else {
                if self.input.len() < D::UNIT {
                    self.input.resize(D::UNIT, 0);
                }
                let n = match read(cx, &mut self.input) {
                    Poll::Ready(Ok(n)) => n,
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Pending => return Poll::Pending,
                };
                (self.start, self.end) = (0, n);
                if n == 0 {
                    let out = &mut self.out;
                    self.dec.take().map_or(Ok(()), |d| d.io_finish(out))
                } else {
                    Ok(())
                }
            };
            if let Err(e) = r {
                // Every later read fails too: an error is never followed by a clean end or
                // by more data.
                if let Some(d) = self.dec.as_mut() {
                    d.io_poison();
                }
                self.failed = true;
                self.out.zeroize();
                self.out.clear();
                self.pos = 0;
                return Poll::Ready(Err(e));
            }
        }
        let n = (self.out.len() - self.pos).min(buf.len());
        buf[..n].copy_from_slice(&self.out[self.pos..self.pos + n]);
        self.pos += n;
        Poll::Ready(Ok(n))
    }
}

#[cfg(any(feature = "futures-io", feature = "tokio"))]
/// The adapter types both async modules share: the structs, their constructors, `Debug` and
/// the writer's trait (the same three methods in both runtimes; `$close` is `poll_close` or
/// `poll_shutdown`). Each module implements its reader trait itself (the signatures differ).
macro_rules! adapter_types {
    ($write:ident, $read:ident, $close:ident) => {
        #[doc = concat!("Encrypts everything written to it into DARE 2.0 packages written to `inner`. `", stringify!($close), "` writes the final package and closes `inner`; a stream not closed is truncated, which decryption rejects.")]
        pub struct EncryptWriter<W, E = $crate::dare::Encryptor> {
            inner: W,
            state: $crate::dare::io::poll::EncryptState<E>,
        }

        impl<W, E: $crate::dare::io::StreamEncrypt> EncryptWriter<W, E> {
            /// A writer driving `enc`, any stream type the adapters support.
            pub(crate) fn wrap(inner: W, enc: E) -> Self {
                Self {
                    inner,
                    state: $crate::dare::io::poll::EncryptState::new(enc),
                }
            }

            #[doc = concat!("The inner writer (after `", stringify!($close), "`, it holds the whole stream).")]
            pub fn into_inner(self) -> W {
                self.inner
            }
        }

        impl<W, E> core::fmt::Debug for EncryptWriter<W, E> {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.debug_struct("EncryptWriter").finish_non_exhaustive()
            }
        }

        impl<W: $write + Unpin> EncryptWriter<W> {
            /// A writer for `key` and `suite` under a fresh random nonce (fails only if the OS
            /// has no randomness to give).
            pub fn new(
                inner: W,
                key: &$crate::keys::ObjectKey,
                suite: $crate::dare::CipherSuite,
            ) -> std::io::Result<Self> {
                let enc = $crate::dare::Encryptor::new(key, suite).map_err($crate::dare::io::io_err)?;
                Ok(Self::from_encryptor(inner, enc))
            }

            /// A writer with a caller-chosen `nonce`: **for test vectors only** (see
            /// [`Encryptor::with_nonce`]($crate::dare::Encryptor::with_nonce)).
            pub fn with_nonce(
                inner: W,
                key: &$crate::keys::ObjectKey,
                suite: $crate::dare::CipherSuite,
                nonce: [u8; 12],
            ) -> Self {
                let enc = $crate::dare::Encryptor::with_nonce(key, suite, nonce, 0);
                Self::from_encryptor(inner, enc)
            }

            /// A writer driving `enc` (any start sequence number).
            pub fn from_encryptor(inner: W, enc: $crate::dare::Encryptor) -> Self {
                Self::wrap(inner, enc)
            }
        }

        impl<W: $write + Unpin, E: $crate::dare::io::StreamEncrypt> $write for EncryptWriter<W, E> {
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                data: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let this = self.get_mut();
                let inner = &mut this.inner;
                this.state.poll_write(cx, data, |cx, b| {
                    std::pin::Pin::new(&mut *inner).poll_write(cx, b)
                })
            }

            fn poll_flush(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                let this = self.get_mut();
                let inner = &mut this.inner;
                match this.state.poll_flush(cx, |cx, b| {
                    std::pin::Pin::new(&mut *inner).poll_write(cx, b)
                }) {
                    std::task::Poll::Ready(Ok(())) => std::pin::Pin::new(inner).poll_flush(cx),
                    other => other,
                }
            }

            fn $close(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                let this = self.get_mut();
                let inner = &mut this.inner;
                match this.state.poll_finish(cx, |cx, b| {
                    std::pin::Pin::new(&mut *inner).poll_write(cx, b)
                }) {
                    std::task::Poll::Ready(Ok(())) => std::pin::Pin::new(inner).$close(cx),
                    other => other,
                }
            }
        }

        /// Decrypts a DARE 2.0 stream read from `inner`, returning plaintext only from
        /// authenticated packages; an error (`InvalidData`, or `UnexpectedEof` for a truncated
        /// stream) ends it.
        pub struct DecryptReader<R, D = $crate::dare::Decryptor> {
            inner: R,
            state: $crate::dare::io::poll::DecryptState<D>,
        }

        impl<R, D: $crate::dare::io::StreamDecrypt> DecryptReader<R, D> {
            /// A reader driving `dec`, any stream type the adapters support.
            pub(crate) fn wrap(inner: R, dec: D) -> Self {
                Self {
                    inner,
                    state: $crate::dare::io::poll::DecryptState::new(dec),
                }
            }

            /// The inner reader.
            pub fn into_inner(self) -> R {
                self.inner
            }
        }

        impl<R, D> core::fmt::Debug for DecryptReader<R, D> {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.debug_struct("DecryptReader").finish_non_exhaustive()
            }
        }

        impl<R: $read + Unpin> DecryptReader<R> {
            /// Reads a whole stream from `inner`, bound by `opts` (state the stored size:
            /// see [`DecryptOptions`]($crate::dare::DecryptOptions)).
            pub fn new(
                inner: R,
                key: &$crate::keys::ObjectKey,
                opts: $crate::dare::DecryptOptions,
            ) -> Self {
                Self::from_decryptor(inner, $crate::dare::Decryptor::new(key, opts))
            }

            /// Reads a plaintext range from `inner`, which yields exactly the stored bytes
            /// `range` names; returns exactly the range's plaintext, or an error.
            pub fn for_range(
                inner: R,
                key: &$crate::keys::ObjectKey,
                range: &$crate::dare::range::PackageRange,
            ) -> Self {
                Self::from_decryptor(inner, $crate::dare::Decryptor::for_range(key, range))
            }

            /// A reader driving `dec`.
            pub fn from_decryptor(inner: R, dec: $crate::dare::Decryptor) -> Self {
                Self::wrap(inner, dec)
            }
        }
    };
}
#[cfg(any(feature = "futures-io", feature = "tokio"))]
pub(super) use adapter_types;
