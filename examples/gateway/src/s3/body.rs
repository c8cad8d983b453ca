//! Bodies: a request body (or a decrypted copy source) through the kit's encryptor into a
//! local temp file of exactly the stored size; stored bytes from the backend through the
//! kit's decryptor into a response body.

use futures::StreamExt as _;
use md5::{Digest as _, Md5};
use s3crypt::sse::object::{BodyDecryptor, BodyEncryptor};
use s3s::dto::StreamingBlob;
use s3s::{S3Result, s3_error};
use tokio::io::AsyncWriteExt as _;

use super::{io_err, kit_err};
use crate::backend::{Backend, ByteStream};

const CHUNK: usize = 1 << 20;

/// Where a body comes from, for the error when it cannot be read to its end.
#[derive(Clone, Copy)]
pub(super) enum BodySource {
    /// The request body (PUT, UploadPart): `IncompleteBody`.
    Request,
    /// A stored copy source decrypted on the fly (CopyObject, UploadPartCopy): the source
    /// is short or does not authenticate, `InternalError`.
    CopySource,
}

/// What a gateway started with `GATEWAY_PLAINTEXT=1` answers a write that would encrypt.
pub fn plaintext_refusal() -> s3s::S3Error {
    s3_error!(
        NotImplemented,
        "this gateway stores without encryption (GATEWAY_PLAINTEXT=1): SSE headers and bucket default encryption are refused"
    )
}

/// How much of a refused request's body is read (and discarded) before the error is
/// answered: a client still sending when the connection closes reports a broken pipe or
/// an SSL EOF instead of the S3 error.
const DRAIN_LIMIT: u64 = 64 << 20;

/// Reads what is left of a request body, up to [`DRAIN_LIMIT`], so a refusal answered before
/// the body was needed reaches the client as an S3 error.
pub(super) async fn drain(body: Option<StreamingBlob>) {
    let Some(mut body) = body else { return };
    let mut n = 0u64;
    while let Some(Ok(chunk)) = body.next().await {
        n += chunk.len() as u64;
        if n > DRAIN_LIMIT {
            break;
        }
    }
}

/// A body written through the encryptor: its temp file, plaintext MD5, plaintext size and
/// stored size.
pub(super) struct Spooled {
    pub path: std::path::PathBuf,
    pub md5: [u8; 16],
    pub size: u64,
    pub stored: u64,
}

/// Streams `body` through `enc` into a temp file of the backend's (removed on failure).
pub(super) async fn write_body(
    backend: &dyn Backend,
    body: Option<StreamingBlob>,
    enc: BodyEncryptor,
    from: BodySource,
) -> S3Result<Spooled> {
    let path = backend.temp_path();
    let r = spool(&path, body, enc, from).await;
    if r.is_err() {
        let _ = tokio::fs::remove_file(&path).await;
    }
    let (md5, size, stored) = r?;
    Ok(Spooled {
        path,
        md5,
        size,
        stored,
    })
}

async fn spool(
    path: &std::path::Path,
    mut body: Option<StreamingBlob>,
    mut enc: BodyEncryptor,
    from: BodySource,
) -> S3Result<([u8; 16], u64, u64)> {
    let mut file = tokio::fs::File::create(path).await.map_err(io_err)?;
    let mut md5 = Md5::new();
    let mut buf = Vec::with_capacity(CHUNK + 64 * 1024);
    if let Some(body) = body.as_mut() {
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| match from {
                BodySource::Request => {
                    s3_error!(IncompleteBody, "the body could not be read: {e}")
                }
                BodySource::CopySource => {
                    s3_error!(InternalError, "the copy source could not be read: {e}")
                }
            })?;
            md5.update(&chunk);
            enc.update(&chunk, &mut buf)
                .map_err(|e| kit_err(e.into()))?;
            file.write_all(&buf).await.map_err(io_err)?;
            buf.clear();
        }
    }
    let (plain, stored) = enc.finish(&mut buf).map_err(|e| kit_err(e.into()))?;
    file.write_all(&buf).await.map_err(io_err)?;
    file.sync_all().await.map_err(io_err)?;
    Ok((md5.finalize().into(), plain, stored))
}

/// `stored` (exactly the bytes the kit named, or an error) through `dec` as a response
/// body: a short, long or unauthentic answer from storage ends the body with an error.
pub(super) fn read_body(stored: ByteStream, dec: BodyDecryptor) -> StreamingBlob {
    let stream = futures::stream::unfold((stored, Some(dec)), |(mut stored, mut dec)| async move {
        let d = dec.as_mut()?;
        let fail = |m: String| Some((Err(std::io::Error::other(m)), (empty(), None)));
        match stored.next().await {
            Some(Ok(chunk)) => {
                let mut out = Vec::with_capacity(chunk.len());
                if let Err(e) = d.update(&chunk, &mut out) {
                    return fail(format!("stored object does not authenticate: {e}"));
                }
                Some((Ok(bytes::Bytes::from(out)), (stored, dec)))
            }
            Some(Err(e)) => fail(format!("stored object could not be read: {e}")),
            None => {
                let d = dec.take()?;
                if let Err(e) = d.finish() {
                    return fail(format!("stored object does not authenticate: {e}"));
                }
                Some((Ok(bytes::Bytes::new()), (stored, None)))
            }
        }
    });
    fn empty() -> ByteStream {
        Box::pin(futures::stream::empty())
    }
    let stream = stream.filter(|r| {
        let keep = !matches!(r, Ok(b) if b.is_empty());
        async move { keep }
    });
    StreamingBlob::wrap(SyncStream(std::sync::Mutex::new(Box::pin(stream))))
}

/// A `Send` stream made `Sync` (what s3s asks of a body) without locking: it is only ever
/// polled through `&mut`, so the mutex is never contended.
struct SyncStream<S>(std::sync::Mutex<S>);

impl<S: futures::Stream + Unpin> futures::Stream for SyncStream<S> {
    type Item = S::Item;

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<S::Item>> {
        let s = match self.get_mut().0.get_mut() {
            Ok(s) => s,
            Err(poisoned) => poisoned.into_inner(),
        };
        std::pin::Pin::new(s).poll_next(cx)
    }
}
