//! RSA-OAEP with SHA-1 and MGF1-SHA-1 (the S3 Encryption Client's `RSA-OAEP-SHA1` wrap)
//! through aws-lc-rs, whose RSA decryption is constant time. Only with the `aws-lc` feature:
//! the pure-Rust build has no RSA (RustCrypto's `rsa` crate is not constant time,
//! RUSTSEC-2023-0071).

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{
    KeySize, OAEP_SHA1_MGF1SHA1, OaepPrivateDecryptingKey, OaepPublicEncryptingKey,
    PrivateDecryptingKey, PublicEncryptingKey,
};
use zeroize::Zeroizing;

/// An RSA private key (2048 to 8192 bits), with the DER of its public half.
pub(crate) struct RsaPrivate {
    key: OaepPrivateDecryptingKey,
    spki: Vec<u8>,
    pkcs8: Zeroizing<Vec<u8>>,
}

/// An RSA public key (2048 to 8192 bits).
pub(crate) struct RsaPublic {
    key: OaepPublicEncryptingKey,
    spki: Vec<u8>,
}

impl RsaPrivate {
    fn from_key(key: PrivateDecryptingKey) -> Option<Self> {
        let pkcs8 = Zeroizing::new(key.as_der().ok()?.as_ref().to_vec());
        let spki = key.public_key().as_der().ok()?.as_ref().to_vec();
        Some(Self {
            key: OaepPrivateDecryptingKey::new(key).ok()?,
            spki,
            pkcs8,
        })
    }

    /// From a PKCS#8 `PrivateKeyInfo` (DER).
    pub(crate) fn from_pkcs8(der: &[u8]) -> Option<Self> {
        Self::from_key(PrivateDecryptingKey::from_pkcs8(der).ok()?)
    }

    /// A fresh key of 2048, 3072 or 4096 bits.
    pub(crate) fn generate(bits: usize) -> Option<Self> {
        let size = match bits {
            2048 => KeySize::Rsa2048,
            3072 => KeySize::Rsa3072,
            4096 => KeySize::Rsa4096,
            _ => return None,
        };
        Self::from_key(PrivateDecryptingKey::generate(size).ok()?)
    }

    /// The public half's `SubjectPublicKeyInfo` DER.
    pub(crate) fn spki(&self) -> &[u8] {
        &self.spki
    }

    /// The PKCS#8 DER (secret).
    pub(crate) fn pkcs8(&self) -> &[u8] {
        &self.pkcs8
    }

    /// Bits of the modulus.
    pub(crate) fn bits(&self) -> usize {
        self.key.key_size_bits()
    }

    /// OAEP-SHA1 decryption into a wiping buffer; `None` on any failure (one answer for
    /// every kind of bad ciphertext).
    pub(crate) fn decrypt_oaep_sha1(&self, ciphertext: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        let mut out = Zeroizing::new(vec![0u8; self.key.min_output_size()]);
        let n = self
            .key
            .decrypt(&OAEP_SHA1_MGF1SHA1, ciphertext, &mut out, None)
            .ok()?
            .len();
        out.truncate(n);
        Some(out)
    }
}

impl RsaPublic {
    /// From an X.509 `SubjectPublicKeyInfo` (DER).
    pub(crate) fn from_spki(der: &[u8]) -> Option<Self> {
        let key = PublicEncryptingKey::from_der(der).ok()?;
        let spki = key.as_der().ok()?.as_ref().to_vec();
        Some(Self {
            key: OaepPublicEncryptingKey::new(key).ok()?,
            spki,
        })
    }

    /// The `SubjectPublicKeyInfo` DER.
    pub(crate) fn spki(&self) -> &[u8] {
        &self.spki
    }

    /// Bits of the modulus.
    pub(crate) fn bits(&self) -> usize {
        self.key.key_size_bits()
    }

    /// OAEP-SHA1 encryption (the OAEP seed is drawn by AWS-LC from the OS).
    pub(crate) fn encrypt_oaep_sha1(&self, plaintext: &[u8]) -> Option<Vec<u8>> {
        let mut out = vec![0u8; self.key.ciphertext_size()];
        let n = self
            .key
            .encrypt(&OAEP_SHA1_MGF1SHA1, plaintext, &mut out, None)
            .ok()?
            .len();
        out.truncate(n);
        Some(out)
    }
}
