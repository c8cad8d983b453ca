//! A remote, async KMS for the server kit's flows, without I/O in the crate: the flow runs
//! against [`KmsAnswers`], which holds the answers the server fetched so far; a question it
//! cannot answer yet stops the flow with [`KmsError::Pending`] and is handed to the server
//! ([`KmsAnswers::take_request`]), which asks its KMS asynchronously and runs the flow again.
//! [`with_async_kms`] is that loop over any [`AsyncKeyProvider`]: no kit call ever blocks a
//! runtime on the network. Flows are pure (they return plans), so running one again costs
//! only its computation; a copy asks at most two questions (open the source's data key,
//! generate the destination's).
//!
//! ```
//! use s3crypt::kms::{AsyncKeyProvider, Context, GeneratedKey, KeyProvider, KmsError, StaticKms,
//!                    with_async_kms};
//! use s3crypt::keys::DataKey;
//!
//! /// Stands in for a network client (AWS KMS, KMIP, …).
//! struct Remote(StaticKms);
//! impl AsyncKeyProvider for Remote {
//!     fn default_key_id(&self) -> &str { self.0.default_key_id() }
//!     async fn generate_key(&self, id: &str, ctx: &Context) -> Result<GeneratedKey, KmsError> {
//!         self.0.generate_key(id, ctx) // an HTTP round trip in real life
//!     }
//!     async fn decrypt_key(&self, id: &str, blob: &[u8], ctx: &Context) -> Result<DataKey, KmsError> {
//!         self.0.decrypt_key(id, blob, ctx)
//!     }
//! }
//!
//! # async fn demo() -> Result<(), KmsError> {
//! let remote = Remote(StaticKms::from_env_value("k1:Aj06RxBjYserUBpP8611L07FLGT9P+c3k3ZqTiI5KNg=")?);
//! let ctx = Context::for_object("bucket", "key");
//! // Any code taking a `&dyn KeyProvider` — here a direct call; in a server, a kit flow:
//! // `with_async_kms(&remote, |kms| ServerKit::new(&codec).with_kms(kms).put_object(…))`.
//! let dek = with_async_kms(&remote, |kms| kms.generate_key("k1", &ctx)).await?;
//! let again = with_async_kms(&remote, |kms| kms.decrypt_key("k1", &dek.ciphertext, &ctx)).await?;
//! assert_eq!(again, dek.plaintext);
//! # Ok(()) }
//! # fn block_on<F: std::future::Future>(f: F) -> F::Output {
//! #     use std::task::{Context as Cx, Poll, Waker};
//! #     let mut f = std::pin::pin!(f);
//! #     loop { if let Poll::Ready(v) = f.as_mut().poll(&mut Cx::from_waker(Waker::noop())) { return v; } }
//! # }
//! # block_on(demo()).unwrap();
//! ```

use std::sync::Mutex;

use super::{Context, GeneratedKey, KeyProvider, KmsError};
use crate::keys::DataKey;

/// A question a flow asked the KMS.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KmsRequest {
    /// Generate a data key under `key_id`, bound to `context`.
    Generate {
        /// The KMS key.
        key_id: String,
        /// The encryption context.
        context: Context,
    },
    /// Decrypt a sealed data key generated under `key_id` with `context`.
    Decrypt {
        /// The KMS key.
        key_id: String,
        /// The sealed data key (public: it is stored beside the object).
        ciphertext: Vec<u8>,
        /// The encryption context.
        context: Context,
    },
}

/// The answers a server fetched from its KMS so far, as a [`KeyProvider`] for the kit's
/// flows. A question without an answer is recorded and refused with
/// [`KmsError::Pending`]. Keys are held in their zeroizing types and dropped with it.
pub struct KmsAnswers {
    default_key_id: String,
    generated: Mutex<Vec<(String, Context, GeneratedKey)>>,
    decrypted: Mutex<Vec<(KmsRequest, DataKey)>>,
    pending: Mutex<Option<KmsRequest>>,
}

impl core::fmt::Debug for KmsAnswers {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("KmsAnswers")
            .field("default_key_id", &self.default_key_id)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl KmsAnswers {
    /// No answers yet; `default_key_id` is the KMS's default key (SSE-S3).
    pub fn new(default_key_id: &str) -> Self {
        Self {
            default_key_id: default_key_id.to_owned(),
            generated: Mutex::new(Vec::new()),
            decrypted: Mutex::new(Vec::new()),
            pending: Mutex::new(None),
        }
    }

    /// The question the last run stopped at, if any (taken: asked once).
    pub fn take_request(&self) -> Option<KmsRequest> {
        lock(&self.pending).take()
    }

    /// Records the KMS's answer to a [`KmsRequest::Generate`].
    pub fn answer_generate(&self, key_id: &str, context: &Context, key: GeneratedKey) {
        lock(&self.generated).push((key_id.to_owned(), context.clone(), key));
    }

    /// Records the KMS's answer to a [`KmsRequest::Decrypt`].
    pub fn answer_decrypt(&self, key_id: &str, ciphertext: &[u8], context: &Context, key: DataKey) {
        let q = KmsRequest::Decrypt {
            key_id: key_id.to_owned(),
            ciphertext: ciphertext.to_vec(),
            context: context.clone(),
        };
        lock(&self.decrypted).push((q, key));
    }

    fn ask(&self, q: KmsRequest) -> KmsError {
        *lock(&self.pending) = Some(q);
        KmsError::Pending
    }
}

impl KeyProvider for KmsAnswers {
    fn default_key_id(&self) -> &str {
        &self.default_key_id
    }

    fn generate_key(&self, key_id: &str, context: &Context) -> Result<GeneratedKey, KmsError> {
        let answers = lock(&self.generated);
        match answers.iter().find(|(k, c, _)| k == key_id && c == context) {
            Some((_, _, g)) => Ok(GeneratedKey {
                key_id: g.key_id.clone(),
                plaintext: g.plaintext.duplicate(),
                ciphertext: g.ciphertext.clone(),
            }),
            None => Err(self.ask(KmsRequest::Generate {
                key_id: key_id.to_owned(),
                context: context.clone(),
            })),
        }
    }

    fn decrypt_key(
        &self,
        key_id: &str,
        ciphertext: &[u8],
        context: &Context,
    ) -> Result<DataKey, KmsError> {
        let q = KmsRequest::Decrypt {
            key_id: key_id.to_owned(),
            ciphertext: ciphertext.to_vec(),
            context: context.clone(),
        };
        let answers = lock(&self.decrypted);
        match answers.iter().find(|(a, _)| *a == q) {
            Some((_, k)) => Ok(k.duplicate()),
            None => Err(self.ask(q)),
        }
    }
}

/// A key provider reached asynchronously (a KMS over the network). The futures must be
/// `Send`, so a server's handlers stay `Send`.
pub trait AsyncKeyProvider: Send + Sync {
    /// The key id used when a request names none (SSE-S3).
    fn default_key_id(&self) -> &str;

    /// Generates a data key under `key_id`, bound to `context`.
    fn generate_key(
        &self,
        key_id: &str,
        context: &Context,
    ) -> impl Future<Output = Result<GeneratedKey, KmsError>> + Send;

    /// Decrypts a data key generated under `key_id` with the same `context`.
    fn decrypt_key(
        &self,
        key_id: &str,
        ciphertext: &[u8],
        context: &Context,
    ) -> impl Future<Output = Result<DataKey, KmsError>> + Send;
}

/// How many KMS questions one flow may ask (a copy asks two).
const MAX_QUESTIONS: usize = 4;

/// Runs `flow` (any code taking a [`KeyProvider`], e.g. a kit call) against `kms`: each
/// question the flow stops at is asked asynchronously and the flow run again with the
/// answer, until it finishes. The KMS's own errors are returned as the flow would return
/// them (`E: From<KmsError>`).
pub async fn with_async_kms<T, E, K>(
    kms: &K,
    mut flow: impl FnMut(&KmsAnswers) -> Result<T, E>,
) -> Result<T, E>
where
    K: AsyncKeyProvider + ?Sized,
    E: From<KmsError>,
{
    let answers = KmsAnswers::new(kms.default_key_id());
    for _ in 0..=MAX_QUESTIONS {
        let r = flow(&answers);
        let Some(q) = answers.take_request() else {
            return r;
        };
        drop(r);
        match q {
            KmsRequest::Generate { key_id, context } => {
                let k = kms.generate_key(&key_id, &context).await?;
                answers.answer_generate(&key_id, &context, k);
            }
            KmsRequest::Decrypt {
                key_id,
                ciphertext,
                context,
            } => {
                let k = kms.decrypt_key(&key_id, &ciphertext, &context).await?;
                answers.answer_decrypt(&key_id, &ciphertext, &context, k);
            }
        }
    }
    Err(KmsError::Provider("a flow asked the KMS more questions than any flow needs".into()).into())
}
