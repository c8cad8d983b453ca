//! The pure-Rust backend: RustCrypto `aes-gcm` 0.11 and `chacha20poly1305` 0.11.

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::inout::InOutBuf;
use aes_gcm::aead::{AeadInOut, KeyInit};
use chacha20poly1305::ChaCha20Poly1305;

use super::{AeadError, Algorithm, NONCE_LEN, TAG_LEN};

enum Inner {
    Aes(Box<Aes256Gcm>),
    ChaCha(Box<ChaCha20Poly1305>),
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
        })
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
        let tag = match &self.0 {
            Inner::Aes(c) => c.encrypt_inout_detached(nonce.into(), aad, buf),
            Inner::ChaCha(c) => c.encrypt_inout_detached(nonce.into(), aad, buf),
        }
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
        let tag = match &self.0 {
            Inner::Aes(c) => c.encrypt_inout_detached(nonce.into(), aad, buf.into()),
            Inner::ChaCha(c) => c.encrypt_inout_detached(nonce.into(), aad, buf.into()),
        }
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
            Ok(buf) => match &self.0 {
                Inner::Aes(c) => c.decrypt_inout_detached(nonce.into(), aad, buf, tag.into()),
                Inner::ChaCha(c) => c.decrypt_inout_detached(nonce.into(), aad, buf, tag.into()),
            },
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
        let r = match &self.0 {
            Inner::Aes(c) => {
                c.decrypt_inout_detached(nonce.into(), aad, (&mut *buf).into(), tag.into())
            }
            Inner::ChaCha(c) => {
                c.decrypt_inout_detached(nonce.into(), aad, (&mut *buf).into(), tag.into())
            }
        };
        r.map_err(|_| {
            zeroize::Zeroize::zeroize(buf);
            AeadError
        })
    }
}
