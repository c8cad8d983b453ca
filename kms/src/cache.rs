//! A bounded cache of opened data keys.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use s3crypt::keys::DataKey;
use s3crypt::kms::{AsyncKeyProvider, Context, GeneratedKey, KmsError};

/// One opened data key: what opened it, the key, when it expires.
struct Entry {
    key_id: String,
    ciphertext: Vec<u8>,
    context: Context,
    key: DataKey,
    expires: Instant,
}

/// A bounded cache of opened data keys in front of a provider: a GET of an object whose
/// data key was opened within `ttl` makes no KMS round trip. At most `capacity` keys are
/// held (the oldest evicted first); an evicted or expired key is dropped, and [`DataKey`]
/// wipes itself on drop. Generation is never cached (every object gets its own data key).
/// A key disabled or deleted in the KMS stays usable here until its entry expires: choose
/// `ttl` as the longest such delay you accept.
pub struct Cached<K> {
    inner: K,
    ttl: Duration,
    capacity: usize,
    entries: Mutex<Vec<Entry>>,
}

impl<K> core::fmt::Debug for Cached<K> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Cached")
            .field("ttl", &self.ttl)
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}

impl<K> Cached<K> {
    /// `inner` with a cache of at most `capacity` opened keys, each kept for `ttl`.
    pub fn new(inner: K, ttl: Duration, capacity: usize) -> Self {
        Self {
            inner,
            ttl,
            capacity,
            entries: Mutex::new(Vec::new()),
        }
    }

    /// How many keys are held now.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no key is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Entry>> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl<K: AsyncKeyProvider> AsyncKeyProvider for Cached<K> {
    fn default_key_id(&self) -> &str {
        self.inner.default_key_id()
    }

    async fn generate_key(
        &self,
        key_id: &str,
        context: &Context,
    ) -> Result<GeneratedKey, KmsError> {
        self.inner.generate_key(key_id, context).await
    }

    async fn decrypt_key(
        &self,
        key_id: &str,
        ciphertext: &[u8],
        context: &Context,
    ) -> Result<DataKey, KmsError> {
        let now = Instant::now();
        {
            let mut entries = self.lock();
            entries.retain(|e| e.expires > now);
            if let Some(e) = entries
                .iter()
                .find(|e| e.key_id == key_id && e.ciphertext == ciphertext && e.context == *context)
            {
                return Ok(e.key.duplicate());
            }
        }
        let key = self.inner.decrypt_key(key_id, ciphertext, context).await?;
        if self.capacity > 0 {
            let mut entries = self.lock();
            while entries.len() >= self.capacity {
                entries.remove(0);
            }
            entries.push(Entry {
                key_id: key_id.to_owned(),
                ciphertext: ciphertext.to_vec(),
                context: context.clone(),
                key: key.duplicate(),
                expires: now + self.ttl,
            });
        }
        Ok(key)
    }
}
