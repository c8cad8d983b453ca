//! DARE adapters for the `futures-io` traits (feature `futures-io`): an encrypting
//! [`AsyncWrite`] and a decrypting [`AsyncRead`], for async-std, smol and other
//! `futures`-based runtimes. The inner reader or writer must be `Unpin` (wrap it in
//! `Box::pin` otherwise).
//!
//! ```
//! # #[cfg(feature = "futures-io")] {
//! use futures_io::{AsyncRead, AsyncWrite};
//! use s3crypt::dare::{CipherSuite, DecryptOptions, io::futures::{DecryptReader, EncryptWriter}};
//! use s3crypt::keys::ObjectKey;
//! use std::pin::Pin;
//! use std::task::{Context, Poll, Waker};
//!
//! let key = ObjectKey::new([7; 32]);
//! let mut cx = Context::from_waker(Waker::noop());
//! // An in-memory writer and reader never return `Pending`, so a bare poll drives them.
//! let mut w = EncryptWriter::new(Vec::new(), &key, CipherSuite::Aes256Gcm)?; // draws the nonce
//! assert!(matches!(Pin::new(&mut w).poll_write(&mut cx, b"hello"), Poll::Ready(Ok(5))));
//! assert!(matches!(Pin::new(&mut w).poll_close(&mut cx), Poll::Ready(Ok(()))));
//! let stored = w.into_inner();
//!
//! let opts = DecryptOptions::new().stored_size(stored.len() as u64);
//! let mut r = DecryptReader::new(&stored[..], &key, opts);
//! let mut buf = [0u8; 16];
//! assert!(matches!(Pin::new(&mut r).poll_read(&mut cx, &mut buf), Poll::Ready(Ok(5))));
//! assert_eq!(&buf[..5], b"hello");
//! # }
//! # Ok::<(), std::io::Error>(())
//! ```

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};

super::poll::adapter_types!(AsyncWrite, AsyncRead, poll_close);

impl<R: AsyncRead + Unpin, D: super::StreamDecrypt> AsyncRead for DecryptReader<R, D> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let inner = &mut this.inner;
        this.state
            .poll_read(cx, buf, |cx, b| Pin::new(&mut *inner).poll_read(cx, b))
    }
}
