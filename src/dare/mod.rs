//! DARE, MinIO's streaming AEAD format (minio/sio), byte-compatible with sio v0.4.1.
//!
//! A stream is a sequence of *packages*: a 16-byte header, 1 to 65536 bytes of ciphertext and
//! a 16-byte tag. DARE 2.0 (what MinIO writes) authenticates the package order and the end of
//! the stream; DARE 1.0 is read only, behind [`DecryptOptions::allow_legacy_v1`], because it
//! cannot detect a stream cut at a package boundary. The byte layout is in `docs/dare.md`.
//!
//! Layers, from the bottom:
//! - [`StreamCipher::seal_package`] / [`StreamCipher::open_package`]: one package,
//!   stateless (key, stream nonce, sequence number, final flag), so packages can be handled
//!   out of order or in parallel;
//! - [`encrypt_buffer`] / [`decrypt_buffer`]: a whole stream between caller buffers, no
//!   allocation (with feature `rayon`, `encrypt_buffer_parallel` / `decrypt_buffer_parallel`:
//!   the same bytes, packages spread over rayon's pool);
//! - [`decrypt_range`]: a plaintext range from exactly the stored bytes
//!   [`range::package_range`] names;
//! - [`Encryptor`] / [`Decryptor`]: sans-IO streams, mirror images: feed bytes of any
//!   chunking, get packages or authenticated plaintext, into a `Vec` or a slice;
//! - [`range`]: sizes and plaintext range → stored byte range;
//! - [`io`]: `std::io` adapters (and `futures-io`, tokio behind features).
//!
//! The encrypting forms draw the stream nonce from the OS; the `*_with_nonce` forms exist
//! for test vectors. Every decrypting form is bound to what it expects: give the stored size
//! ([`DecryptOptions::stored_size`]) or the [`range::PackageRange`], and a short, long or
//! empty answer from storage is an error, never fewer bytes.
//!
//! ```
//! use s3crypt::dare::{self, CipherSuite, DecryptOptions, Decryptor, Encryptor};
//! use s3crypt::keys::ObjectKey;
//!
//! let key = ObjectKey::new([7; 32]);
//! let mut enc = Encryptor::new(&key, CipherSuite::Aes256Gcm)?; // draws the nonce
//! let mut stored = Vec::new();
//! enc.update(b"hello, ", &mut stored)?;
//! enc.update(b"world", &mut stored)?;
//! enc.finish(&mut stored)?;
//! assert_eq!(stored.len() as u64, dare::range::encrypted_size(12)?);
//!
//! let opts = DecryptOptions::new().stored_size(stored.len() as u64);
//! let mut dec = Decryptor::new(&key, opts);
//! let mut plain = Vec::new();
//! dec.update(&stored, &mut plain)?;
//! dec.finish()?;
//! assert_eq!(plain, b"hello, world");
//!
//! // An object storage answers with nothing is not the empty stream.
//! let mut dec = Decryptor::new(&key, opts);
//! dec.update(&[], &mut plain)?;
//! assert!(dec.finish().is_err());
//! # Ok::<(), s3crypt::dare::DareError>(())
//! ```

mod error;
pub mod io;
mod package;
pub mod range;
mod stream;

pub use error::DareError;
pub use package::{OpenedPackage, StreamCipher};
#[cfg(feature = "rayon")]
pub use stream::par::{
    decrypt_buffer_parallel, encrypt_buffer_parallel, encrypt_buffer_parallel_with_nonce,
};
pub use stream::{
    DecryptOptions, Decryptor, Encryptor, decrypt_buffer, decrypt_range, encrypt_buffer,
    encrypt_buffer_with_nonce,
};

/// Header length of a package.
pub const HEADER_LEN: usize = 16;
/// Tag length of a package.
pub const TAG_LEN: usize = 16;
/// Header plus tag: what a package adds to its payload.
pub const OVERHEAD: usize = HEADER_LEN + TAG_LEN;
/// Payload of every package but the last (64 KiB).
pub const MAX_PAYLOAD: usize = 1 << 16;
/// Largest package: 65568 bytes.
pub const MAX_PACKAGE: usize = MAX_PAYLOAD + OVERHEAD;
/// Largest plaintext a stream may hold (2^48 bytes, as sio).
pub const MAX_DECRYPTED_SIZE: u64 = 1 << 48;

/// Version byte of DARE 2.0.
pub const VERSION_20: u8 = 0x20;
/// Version byte of DARE 1.0.
pub const VERSION_10: u8 = 0x10;

/// The AEAD of a stream (header byte 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CipherSuite {
    /// AES-256-GCM (id 0).
    Aes256Gcm,
    /// ChaCha20-Poly1305 (id 1).
    ChaCha20Poly1305,
}

impl CipherSuite {
    /// The id in the package header.
    pub fn id(self) -> u8 {
        match self {
            Self::Aes256Gcm => 0,
            Self::ChaCha20Poly1305 => 1,
        }
    }

    /// The suite with that header id.
    pub fn from_id(id: u8) -> Result<Self, DareError> {
        match id {
            0 => Ok(Self::Aes256Gcm),
            1 => Ok(Self::ChaCha20Poly1305),
            found => Err(DareError::UnsupportedCipher { found }),
        }
    }

    /// What sio (and so MinIO) picks on this CPU: AES-256-GCM where the CPU has AES and
    /// carry-less-multiply instructions, ChaCha20-Poly1305 otherwise.
    pub fn preferred() -> Self {
        if crate::backend::has_aes_hardware() {
            Self::Aes256Gcm
        } else {
            Self::ChaCha20Poly1305
        }
    }

    pub(crate) fn algorithm(self) -> crate::backend::Algorithm {
        match self {
            Self::Aes256Gcm => crate::backend::Algorithm::Aes256Gcm,
            Self::ChaCha20Poly1305 => crate::backend::Algorithm::ChaCha20Poly1305,
        }
    }
}
