//! The aws-lc-rs backend (feature `aws-lc`): AES-GCM, AES-256-GCM-SIV and ChaCha20-Poly1305
//! of AWS-LC.

#[cfg(feature = "cse")]
use aws_lc_rs::aead::{AES_128_GCM, AES_256_GCM_SIV};
use aws_lc_rs::aead::{AES_256_GCM, Aad, CHACHA20_POLY1305, LessSafeKey, Nonce, UnboundKey};

use super::{AeadError, Algorithm, NONCE_LEN, TAG_LEN};

/// A keyed AEAD instance.
pub(crate) struct Aead(LessSafeKey);

impl Aead {
    pub(crate) fn new(alg: Algorithm, key: &[u8; 32]) -> Self {
        let a = match alg {
            Algorithm::Aes256Gcm => &AES_256_GCM,
            Algorithm::ChaCha20Poly1305 => &CHACHA20_POLY1305,
            #[cfg(feature = "cse")]
            Algorithm::Aes256GcmSiv => &AES_256_GCM_SIV,
        };
        // A 32-byte key is valid for both algorithms, so this cannot fail.
        let unbound = UnboundKey::new(a, key).unwrap_or_else(|_| unreachable!("32-byte key"));
        Self(LessSafeKey::new(unbound))
    }

    /// AES-128-GCM under a 16-byte key.
    #[cfg(feature = "cse")]
    pub(crate) fn aes128_gcm(key: &[u8; 16]) -> Self {
        let unbound =
            UnboundKey::new(&AES_128_GCM, key).unwrap_or_else(|_| unreachable!("16-byte key"));
        Self(LessSafeKey::new(unbound))
    }

    pub(crate) fn seal(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        input: &[u8],
        output: &mut [u8],
    ) -> Result<[u8; TAG_LEN], AeadError> {
        if input.len() != output.len() {
            return Err(AeadError);
        }
        let mut tag = [0u8; TAG_LEN];
        self.0
            .seal_out_of_place_scatter(
                Nonce::assume_unique_for_key(*nonce),
                Aad::from(aad),
                input,
                output,
                &[],
                &mut tag,
            )
            .map_err(|_| AeadError)?;
        Ok(tag)
    }

    pub(crate) fn seal_in_place(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        buf: &mut [u8],
    ) -> Result<[u8; TAG_LEN], AeadError> {
        let tag = self
            .0
            .seal_in_place_separate_tag(Nonce::assume_unique_for_key(*nonce), Aad::from(aad), buf)
            .map_err(|_| AeadError)?;
        let mut t = [0u8; TAG_LEN];
        t.copy_from_slice(tag.as_ref());
        Ok(t)
    }

    pub(crate) fn open(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        input: &[u8],
        output: &mut [u8],
        tag: &[u8; TAG_LEN],
    ) -> Result<(), AeadError> {
        let r = if input.len() == output.len() {
            self.0.open_separate_gather(
                Nonce::assume_unique_for_key(*nonce),
                Aad::from(aad),
                input,
                tag,
                output,
            )
        } else {
            Err(aws_lc_rs::error::Unspecified)
        };
        r.map_err(|_| {
            zeroize::Zeroize::zeroize(output);
            AeadError
        })
    }

    pub(crate) fn open_in_place(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        buf: &mut [u8],
        tag: &[u8; TAG_LEN],
    ) -> Result<(), AeadError> {
        let r = self.0.open_in_place_separate_tag(
            Nonce::assume_unique_for_key(*nonce),
            Aad::from(aad),
            tag,
            &mut *buf,
        );
        match r {
            Ok(_) => Ok(()),
            Err(_) => {
                zeroize::Zeroize::zeroize(buf);
                Err(AeadError)
            }
        }
    }
}
