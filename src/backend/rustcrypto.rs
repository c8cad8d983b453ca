//! The pure-Rust backend: RustCrypto `aes-gcm` 0.11, `aes-gcm-siv` 0.12 and
//! `chacha20poly1305` 0.11.

#[cfg(feature = "cse")]
use aes_gcm::Aes128Gcm;
use aes_gcm::Aes256Gcm;
use aes_gcm::aead::inout::InOutBuf;
use aes_gcm::aead::{AeadInOut, KeyInit};
#[cfg(feature = "cse")]
use aes_gcm_siv::Aes256GcmSiv;
use chacha20poly1305::ChaCha20Poly1305;

use super::{AeadError, Algorithm, NONCE_LEN, TAG_LEN};

enum Inner {
    Aes(Box<Aes256Gcm>),
    #[cfg(feature = "cse")]
    Aes128(Box<Aes128Gcm>),
    #[cfg(feature = "cse")]
    Siv(Box<Aes256GcmSiv>),
    ChaCha(Box<ChaCha20Poly1305>),
}

/// Runs `$body` with `$c` bound to whichever cipher `$inner` holds.
macro_rules! each {
    ($inner:expr, $c:ident => $body:expr) => {
        match $inner {
            Inner::Aes($c) => $body,
            #[cfg(feature = "cse")]
            Inner::Aes128($c) => $body,
            #[cfg(feature = "cse")]
            Inner::Siv($c) => $body,
            Inner::ChaCha($c) => $body,
        }
    };
}

/// A keyed AEAD instance (the key schedule is computed once and wiped on drop).
pub(crate) struct Aead(Inner);

impl Aead {
    pub(crate) fn new(alg: Algorithm, key: &[u8; 32]) -> Self {
        Self(match alg {
            Algorithm::Aes256Gcm => Inner::Aes(Box::new(Aes256Gcm::new(key.into()))),
            Algorithm::ChaCha20Poly1305 => {
                Inner::ChaCha(Box::new(ChaCha20Poly1305::new(key.into())))
            }
            #[cfg(feature = "cse")]
            Algorithm::Aes256GcmSiv => Inner::Siv(Box::new(Aes256GcmSiv::new(key.into()))),
        })
    }

    /// AES-128-GCM under a 16-byte key.
    #[cfg(feature = "cse")]
    pub(crate) fn aes128_gcm(key: &[u8; 16]) -> Self {
        Self(Inner::Aes128(Box::new(Aes128Gcm::new(key.into()))))
    }

    /// Encrypts `input` into `output` (same length) and returns the tag.
    pub(crate) fn seal(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        input: &[u8],
        output: &mut [u8],
    ) -> Result<[u8; TAG_LEN], AeadError> {
        let buf = InOutBuf::new(input, output).map_err(|_| AeadError)?;
        let tag = each!(&self.0, c => c.encrypt_inout_detached(nonce.into(), aad, buf))
            .map_err(|_| AeadError)?;
        Ok(tag.into())
    }

    /// Encrypts `buf` in place and returns the tag.
    pub(crate) fn seal_in_place(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        buf: &mut [u8],
    ) -> Result<[u8; TAG_LEN], AeadError> {
        let tag = each!(&self.0, c => c.encrypt_inout_detached(nonce.into(), aad, buf.into()))
            .map_err(|_| AeadError)?;
        Ok(tag.into())
    }

    /// Decrypts `input` into `output` (same length) if `tag` authenticates it; on failure
    /// `output` is zeroed.
    pub(crate) fn open(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        input: &[u8],
        output: &mut [u8],
        tag: &[u8; TAG_LEN],
    ) -> Result<(), AeadError> {
        let r = match InOutBuf::new(input, &mut *output) {
            Ok(buf) => {
                each!(&self.0, c => c.decrypt_inout_detached(nonce.into(), aad, buf, tag.into()))
            }
            Err(_) => Err(aes_gcm::aead::Error),
        };
        r.map_err(|_| {
            zeroize::Zeroize::zeroize(output);
            AeadError
        })
    }

    /// Decrypts `buf` in place if `tag` authenticates it; on failure `buf` is zeroed.
    pub(crate) fn open_in_place(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        buf: &mut [u8],
        tag: &[u8; TAG_LEN],
    ) -> Result<(), AeadError> {
        let r = each!(&self.0, c => {
            c.decrypt_inout_detached(nonce.into(), aad, (&mut *buf).into(), tag.into())
        });
        r.map_err(|_| {
            zeroize::Zeroize::zeroize(buf);
            AeadError
        })
    }
}
