//! A test-only [`KeyProvider`] speaking moto's mock-KMS blob format (moto 5.2.5
//! `moto/kms/utils.py`), which the S3EC vectors were generated against. **Not real AWS KMS**
//! and not part of the crate: its blobs are an AES-256-GCM wrap under a master key anyone
//! holding the vectors knows.
//!
//! ```text
//! blob = key_id (36 ASCII) ‖ iv (12) ‖ tag (16) ‖ ciphertext
//! AAD  = concatenation over the encryption context, sorted by key, of key ‖ value
//! ```

use std::sync::Mutex;

use s3crypt::__private::RawAead;
use s3crypt::keys::DataKey;
use s3crypt::kms::{Context, GeneratedKey, KeyProvider, KmsError};

pub struct MotoKms {
    key_id: String,
    master: RawAead,
    /// Recorded draws for `generate_key`: (data key, blob IV) in order.
    draws: Mutex<Vec<([u8; 32], [u8; 12])>>,
}

impl MotoKms {
    pub fn new(key_id: &str, master: &[u8; 32]) -> Self {
        Self {
            key_id: key_id.to_owned(),
            master: RawAead::new(false, master),
            draws: Mutex::new(Vec::new()),
        }
    }

    /// Queues the values the next `generate_key` uses (moto draws them from `os.urandom`).
    pub fn queue(&self, dek: [u8; 32], iv: [u8; 12]) {
        self.draws.lock().unwrap().push((dek, iv));
    }

    fn aad(context: &Context) -> Vec<u8> {
        let mut aad = Vec::new();
        for (k, v) in context.iter() {
            aad.extend_from_slice(k.as_bytes());
            aad.extend_from_slice(v.as_bytes());
        }
        aad
    }
}

impl KeyProvider for MotoKms {
    fn default_key_id(&self) -> &str {
        &self.key_id
    }

    fn generate_key(&self, key_id: &str, context: &Context) -> Result<GeneratedKey, KmsError> {
        if key_id != self.key_id {
            return Err(KmsError::KeyNotFound(key_id.to_owned()));
        }
        let (dek, iv) = {
            let mut q = self.draws.lock().unwrap();
            if q.is_empty() {
                let mut d = [0u8; 32];
                let mut i = [0u8; 12];
                getrandom::fill(&mut d).map_err(|_| KmsError::Random)?;
                getrandom::fill(&mut i).map_err(|_| KmsError::Random)?;
                (d, i)
            } else {
                q.remove(0)
            }
        };
        let mut ct = [0u8; 32];
        let tag = self
            .master
            .seal(&iv, &Self::aad(context), &dek, &mut ct)
            .ok_or(KmsError::Provider("seal".into()))?;
        let mut blob = Vec::with_capacity(96);
        blob.extend_from_slice(self.key_id.as_bytes());
        blob.extend_from_slice(&iv);
        blob.extend_from_slice(&tag);
        blob.extend_from_slice(&ct);
        Ok(GeneratedKey {
            key_id: self.key_id.clone(),
            plaintext: DataKey::new(dek),
            ciphertext: blob,
        })
    }

    fn decrypt_key(
        &self,
        _key_id: &str,
        blob: &[u8],
        context: &Context,
    ) -> Result<DataKey, KmsError> {
        if blob.len() != 36 + 12 + 16 + 32 {
            return Err(KmsError::InvalidCiphertext("moto blob length"));
        }
        if &blob[..36] != self.key_id.as_bytes() {
            return Err(KmsError::KeyNotFound(
                String::from_utf8_lossy(&blob[..36]).into_owned(),
            ));
        }
        let iv: [u8; 12] = blob[36..48].try_into().unwrap();
        let tag: [u8; 16] = blob[48..64].try_into().unwrap();
        let mut dek = [0u8; 32];
        if !self
            .master
            .open(&iv, &Self::aad(context), &blob[64..], &mut dek, &tag)
        {
            return Err(KmsError::DecryptionFailed);
        }
        Ok(DataKey::new(dek))
    }
}
