//! The `futures-io` and tokio adapters over an inner reader/writer that returns `Pending`
//! every other call and moves few bytes at a time: round trips for any sizes, truncation and
//! tampering rejected, and an error never followed by a clean end of stream.
#![cfg(any(feature = "futures-io", feature = "tokio"))]

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use proptest::prelude::*;
#[cfg(feature = "cse")]
use s3crypt::cse::tink::{self, StreamingKey, Template};
use s3crypt::dare::CipherSuite;
use s3crypt::keys::ObjectKey;

/// A slow, flaky peer: every other poll is `Pending` (after waking the task), the others
/// move at most `step` bytes.
struct Flaky {
    data: Vec<u8>,
    pos: usize,
    step: usize,
    tick: bool,
}

impl Flaky {
    fn new(data: Vec<u8>, step: usize) -> Self {
        Self {
            data,
            pos: 0,
            step,
            tick: false,
        }
    }

    fn gate(&mut self, cx: &mut Context<'_>) -> bool {
        self.tick = !self.tick;
        if self.tick {
            cx.waker().wake_by_ref();
        }
        self.tick
    }

    fn read_into(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        if self.gate(cx) {
            return Poll::Pending;
        }
        let n = buf.len().min(self.step).min(self.data.len() - self.pos);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Poll::Ready(Ok(n))
    }

    fn write_from(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        if self.gate(cx) {
            return Poll::Pending;
        }
        let n = buf.len().min(self.step);
        self.data.extend_from_slice(&buf[..n]);
        Poll::Ready(Ok(n))
    }
}

/// Polls `f` until it is ready (the flaky peer always wakes before `Pending`).
fn block_on<T>(mut f: impl FnMut(&mut Context<'_>) -> Poll<T>) -> T {
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = f(&mut cx) {
            return v;
        }
    }
}

fn plaintext(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 13 + 1) as u8).collect()
}

fn reference(key: &ObjectKey, pt: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut e = s3crypt::dare::Encryptor::with_nonce(key, CipherSuite::Aes256Gcm, [5; 12], 0);
    e.update(pt, &mut out).unwrap();
    e.finish(&mut out).unwrap();
    out
}

#[cfg(feature = "futures-io")]
mod futures {
    use super::*;
    use futures_io::{AsyncRead, AsyncWrite};
    #[cfg(feature = "cse")]
    use s3crypt::cse::tink::io::futures as tink_io;
    use s3crypt::dare::io::futures::{DecryptReader, EncryptWriter};

    impl AsyncRead for Flaky {
        fn poll_read(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut [u8],
        ) -> Poll<io::Result<usize>> {
            self.get_mut().read_into(cx, buf)
        }
    }

    impl AsyncWrite for Flaky {
        fn poll_write(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            self.get_mut().write_from(cx, buf)
        }
        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
        fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    /// Writes `pt` in `chunk`s, flushes and closes.
    fn write_all(w: &mut (impl AsyncWrite + Unpin), pt: &[u8], chunk: usize) {
        let mut rest = pt;
        while !rest.is_empty() {
            let c = &rest[..chunk.min(rest.len())];
            let n = block_on(|cx| Pin::new(&mut *w).poll_write(cx, c)).unwrap();
            rest = &rest[n..];
        }
        block_on(|cx| Pin::new(&mut *w).poll_flush(cx)).unwrap();
        block_on(|cx| Pin::new(&mut *w).poll_close(cx)).unwrap();
    }

    pub(super) fn encrypt(key: &ObjectKey, pt: &[u8], chunk: usize, step: usize) -> Vec<u8> {
        let mut w = EncryptWriter::with_nonce(
            Flaky::new(Vec::new(), step),
            key,
            CipherSuite::Aes256Gcm,
            [5; 12],
        );
        write_all(&mut w, pt, chunk);
        w.into_inner().data
    }

    #[cfg(feature = "cse")]
    pub(super) fn tink_encrypt(
        key: &StreamingKey,
        pt: &[u8],
        chunk: usize,
        step: usize,
    ) -> Vec<u8> {
        let mut w = tink_io::encrypt_writer(Flaky::new(Vec::new(), step), key, b"ad").unwrap();
        write_all(&mut w, pt, chunk);
        w.into_inner().data
    }

    #[cfg(feature = "cse")]
    pub(super) fn tink_decrypt(
        key: &StreamingKey,
        ct: &[u8],
        chunk: usize,
        step: usize,
    ) -> (Vec<u8>, io::Result<()>) {
        let r = tink_io::decrypt_reader(Flaky::new(ct.to_vec(), step), key, b"ad").unwrap();
        read_to_end(r, chunk)
    }

    /// Reads to the end; returns the plaintext and the first error.
    pub(super) fn decrypt(
        key: &ObjectKey,
        ct: &[u8],
        chunk: usize,
        step: usize,
    ) -> (Vec<u8>, io::Result<()>) {
        let opts = s3crypt::dare::DecryptOptions::new().stored_size(ct.len() as u64);
        read_to_end(
            DecryptReader::new(Flaky::new(ct.to_vec(), step), key, opts),
            chunk,
        )
    }

    fn read_to_end(mut r: impl AsyncRead + Unpin, chunk: usize) -> (Vec<u8>, io::Result<()>) {
        let mut out = Vec::new();
        let mut buf = vec![0u8; chunk];
        loop {
            match block_on(|cx| Pin::new(&mut r).poll_read(cx, &mut buf)) {
                Ok(0) => return (out, Ok(())),
                Ok(n) => out.extend_from_slice(&buf[..n]),
                Err(e) => {
                    // Still failing afterwards: never a clean end.
                    let again = block_on(|cx| Pin::new(&mut r).poll_read(cx, &mut buf));
                    assert!(again.is_err(), "read after an error returned {again:?}");
                    return (out, Err(e));
                }
            }
        }
    }
}

#[cfg(feature = "tokio")]
mod tokio_io {
    use super::*;
    #[cfg(feature = "cse")]
    use s3crypt::cse::tink::io::tokio as tink_io;
    use s3crypt::dare::io::tokio::{DecryptReader, EncryptWriter};
    use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

    impl AsyncRead for Flaky {
        fn poll_read(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            let this = self.get_mut();
            match this.read_into(cx, buf.initialize_unfilled()) {
                Poll::Ready(Ok(n)) => {
                    buf.advance(n);
                    Poll::Ready(Ok(()))
                }
                Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
                Poll::Pending => Poll::Pending,
            }
        }
    }

    impl AsyncWrite for Flaky {
        fn poll_write(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            self.get_mut().write_from(cx, buf)
        }
        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
        fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    fn write_all(w: &mut (impl AsyncWrite + Unpin), pt: &[u8], chunk: usize) {
        let mut rest = pt;
        while !rest.is_empty() {
            let c = &rest[..chunk.min(rest.len())];
            let n = block_on(|cx| Pin::new(&mut *w).poll_write(cx, c)).unwrap();
            rest = &rest[n..];
        }
        block_on(|cx| Pin::new(&mut *w).poll_shutdown(cx)).unwrap();
    }

    pub(super) fn encrypt(key: &ObjectKey, pt: &[u8], chunk: usize, step: usize) -> Vec<u8> {
        let mut w = EncryptWriter::with_nonce(
            Flaky::new(Vec::new(), step),
            key,
            CipherSuite::Aes256Gcm,
            [5; 12],
        );
        write_all(&mut w, pt, chunk);
        w.into_inner().data
    }

    #[cfg(feature = "cse")]
    pub(super) fn tink_encrypt(
        key: &StreamingKey,
        pt: &[u8],
        chunk: usize,
        step: usize,
    ) -> Vec<u8> {
        let mut w = tink_io::encrypt_writer(Flaky::new(Vec::new(), step), key, b"ad").unwrap();
        write_all(&mut w, pt, chunk);
        w.into_inner().data
    }

    #[cfg(feature = "cse")]
    pub(super) fn tink_decrypt(
        key: &StreamingKey,
        ct: &[u8],
        chunk: usize,
        step: usize,
    ) -> (Vec<u8>, io::Result<()>) {
        let r = tink_io::decrypt_reader(Flaky::new(ct.to_vec(), step), key, b"ad").unwrap();
        read_to_end(r, chunk)
    }

    pub(super) fn decrypt(
        key: &ObjectKey,
        ct: &[u8],
        chunk: usize,
        step: usize,
    ) -> (Vec<u8>, io::Result<()>) {
        let opts = s3crypt::dare::DecryptOptions::new().stored_size(ct.len() as u64);
        read_to_end(
            DecryptReader::new(Flaky::new(ct.to_vec(), step), key, opts),
            chunk,
        )
    }

    fn read_to_end<R: AsyncRead + Unpin>(mut r: R, chunk: usize) -> (Vec<u8>, io::Result<()>) {
        let mut out = Vec::new();
        let mut buf = vec![0u8; chunk];
        let read = |r: &mut R, buf: &mut [u8]| {
            block_on(|cx| {
                let mut rb = ReadBuf::new(buf);
                Pin::new(&mut *r)
                    .poll_read(cx, &mut rb)
                    .map_ok(|()| rb.filled().len())
            })
        };
        loop {
            match read(&mut r, &mut buf) {
                Ok(0) => return (out, Ok(())),
                Ok(n) => out.extend_from_slice(&buf[..n]),
                Err(e) => {
                    let again = read(&mut r, &mut buf);
                    assert!(again.is_err(), "read after an error returned {again:?}");
                    return (out, Err(e));
                }
            }
        }
    }
}

type Enc = fn(&ObjectKey, &[u8], usize, usize) -> Vec<u8>;
type Dec = fn(&ObjectKey, &[u8], usize, usize) -> (Vec<u8>, io::Result<()>);

#[cfg(feature = "cse")]
type TinkEnc = fn(&StreamingKey, &[u8], usize, usize) -> Vec<u8>;
#[cfg(feature = "cse")]
type TinkDec = fn(&StreamingKey, &[u8], usize, usize) -> (Vec<u8>, io::Result<()>);

#[cfg(feature = "cse")]
#[allow(clippy::vec_init_then_push)] // the pushes are feature-gated
fn tink_adapters() -> Vec<(&'static str, TinkEnc, TinkDec)> {
    let mut v: Vec<(&'static str, TinkEnc, TinkDec)> = Vec::new();
    #[cfg(feature = "futures-io")]
    v.push(("futures-io", futures::tink_encrypt, futures::tink_decrypt));
    #[cfg(feature = "tokio")]
    v.push(("tokio", tokio_io::tink_encrypt, tokio_io::tink_decrypt));
    v
}

#[allow(clippy::vec_init_then_push)] // the pushes are feature-gated
fn adapters() -> Vec<(&'static str, Enc, Dec)> {
    let mut v: Vec<(&'static str, Enc, Dec)> = Vec::new();
    #[cfg(feature = "futures-io")]
    v.push(("futures-io", futures::encrypt, futures::decrypt));
    #[cfg(feature = "tokio")]
    v.push(("tokio", tokio_io::encrypt, tokio_io::decrypt));
    v
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn round_trip_and_tamper(
        len in prop_oneof![0usize..3, 65530usize..65540, 0usize..300_000],
        wchunk in 1usize..100_000, rchunk in 1usize..100_000, step in 1usize..70_000,
        flip in any::<prop::sample::Index>(),
    ) {
        let key = ObjectKey::new([3; 32]);
        let pt = plaintext(len);
        let want = reference(&key, &pt);
        for (name, enc, dec) in adapters() {
            let ct = enc(&key, &pt, wchunk, step);
            prop_assert!(ct == want, "{} encryption differs from Encryptor", name);
            let (back, r) = dec(&key, &ct, rchunk, step);
            prop_assert!(r.is_ok(), "{}: {:?}", name, r);
            prop_assert!(back == pt, "{} round trip", name);
            if !ct.is_empty() {
                // A flipped bit or a cut stream: an error, and only authenticated bytes.
                let i = flip.index(ct.len());
                let mut bad = ct.clone();
                bad[i] ^= 1;
                let (got, r) = dec(&key, &bad, rchunk, step);
                prop_assert!(r.is_err(), "{} accepted a flipped bit", name);
                prop_assert!(pt.starts_with(&got));
                // (A cut to zero bytes is the empty stream, valid by the format: the
                // server knows the stored size and must check it.)
                let cut = i.max(1);
                let (got, r) = dec(&key, &ct[..cut], rchunk, step);
                prop_assert!(r.is_err(), "{} accepted a cut at {}", name, cut);
                prop_assert!(pt.starts_with(&got));
            }
        }
    }

    #[cfg(feature = "cse")]
    #[test]
    fn tink_round_trip_and_tamper(
        len in prop_oneof![0usize..3, 4038usize..4044, 0usize..30_000],
        wchunk in 1usize..10_000, rchunk in 1usize..10_000, step in 1usize..9_000,
        flip in any::<prop::sample::Index>(),
    ) {
        let key = StreamingKey::from_template(Template::Aes256GcmHkdf4Kb, &[4; 32]).unwrap();
        let pt = plaintext(len);
        for (name, enc, dec) in tink_adapters() {
            let ct = enc(&key, &pt, wchunk, step);
            prop_assert!(tink::decrypt_buffer(&key, b"ad", &ct).unwrap() == pt, "{} encryption", name);
            let (back, r) = dec(&key, &ct, rchunk, step);
            prop_assert!(r.is_ok(), "{}: {:?}", name, r);
            prop_assert!(back == pt, "{} round trip", name);
            let i = flip.index(ct.len());
            let mut bad = ct.clone();
            bad[i] ^= 1;
            let (got, r) = dec(&key, &bad, rchunk, step);
            prop_assert!(r.is_err(), "{} accepted a flipped bit", name);
            prop_assert!(pt.starts_with(&got));
            let (got, r) = dec(&key, &ct[..i], rchunk, step);
            prop_assert!(r.is_err(), "{} accepted a cut at {}", name, i);
            prop_assert!(pt.starts_with(&got));
        }
    }
}
