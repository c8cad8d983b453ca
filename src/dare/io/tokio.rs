//! DARE adapters for tokio's I/O traits (feature `tokio`): an encrypting [`AsyncWrite`]
//! and a decrypting [`AsyncRead`]. The inner reader or writer must be `Unpin` (wrap it in
//! `Box::pin` otherwise). Use with `tokio::io::{AsyncReadExt, AsyncWriteExt}` (tokio's
//! `io-util` feature), and call `shutdown` at the end: it writes the final package.
//!
//! ```
//! # #[cfg(feature = "tokio")] {
//! use s3crypt::dare::{CipherSuite, DecryptOptions, io::tokio::{DecryptReader, EncryptWriter}};
//! use s3crypt::keys::ObjectKey;
//! use std::pin::Pin;
//! use std::task::{Context, Poll, Waker};
//! use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
//!
//! let key = ObjectKey::new([7; 32]);
//! let mut cx = Context::from_waker(Waker::noop());
//! // An in-memory writer and reader never return `Pending`, so a bare poll drives them.
//! let mut w = EncryptWriter::new(Vec::new(), &key, CipherSuite::Aes256Gcm)?; // draws the nonce
//! assert!(matches!(Pin::new(&mut w).poll_write(&mut cx, b"hello"), Poll::Ready(Ok(5))));
//! assert!(matches!(Pin::new(&mut w).poll_shutdown(&mut cx), Poll::Ready(Ok(()))));
//! let stored = w.into_inner();
//!
//! let opts = DecryptOptions::new().stored_size(stored.len() as u64);
//! let mut r = DecryptReader::new(&stored[..], &key, opts);
//! let mut buf = [0u8; 16];
//! let mut rb = ReadBuf::new(&mut buf);
//! assert!(Pin::new(&mut r).poll_read(&mut cx, &mut rb).is_ready());
//! assert_eq!(rb.filled(), b"hello");
//! # }
//! # Ok::<(), std::io::Error>(())
//! ```

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use ::tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

super::poll::adapter_types!(AsyncWrite, AsyncRead, poll_shutdown);

impl<R: AsyncRead + Unpin, D: super::StreamDecrypt> AsyncRead for DecryptReader<R, D> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let inner = &mut this.inner;
        let out = buf.initialize_unfilled();
        let r = this.state.poll_read(cx, out, |cx, b| {
            let mut rb = ReadBuf::new(b);
            match Pin::new(&mut *inner).poll_read(cx, &mut rb) {
                Poll::Ready(Ok(())) => Poll::Ready(Ok(rb.filled().len())),
                Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
                Poll::Pending => Poll::Pending,
            }
        });
        match r {
            Poll::Ready(Ok(n)) => {
                buf.advance(n);
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => Poll::Pending,
        }
    }
}
