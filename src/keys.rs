//! Secret key types.
//!
//! Every key is a fixed-size newtype that is zeroized on drop, prints no key material through
//! `Debug`, compares in constant time and has no `Display`. Key bytes leave the type only
//! through an explicitly named accessor (`expose_secret`).

use core::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use md5::{Digest as _, Md5};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// Length in bytes of an SSE-C customer key (AES-256).
pub const CUSTOMER_KEY_LEN: usize = 32;

/// Error building a key from caller-supplied material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The key material had the wrong number of bytes.
    #[error("key has {actual} bytes, expected {expected}")]
    WrongLength {
        /// Bytes expected.
        expected: usize,
        /// Bytes given.
        actual: usize,
    },
    /// The text was not padded standard base64.
    #[error("key is not padded standard base64 (RFC 4648 section 4)")]
    Base64,
}

/// Defines a fixed-size secret key type: zeroized on drop, redacted `Debug`, constant-time
/// equality, no `Display`, no `Clone` (use `duplicate` where a copy is really needed).
///
/// The 32 bytes live in one heap block for the key's whole life: moving a key (into a
/// request, a `Result`, a struct) moves a pointer, never the bytes, so no copy is left in a
/// dead stack frame (`tests/no_stack_residue.rs` counts them). The block is wiped on drop.
macro_rules! secret_key {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        pub struct $name(Box<[u8; 32]>);

        impl $name {
            /// Wraps 32 raw key bytes. The argument is a copy the caller owns; this wipes the
            /// function's own copy of it.
            pub fn new(bytes: [u8; 32]) -> Self {
                let mut bytes = bytes;
                let key = Self::filled(&bytes);
                bytes.zeroize();
                key
            }

            /// A key holding a copy of `bytes`, written straight into its heap block.
            fn filled(bytes: &[u8; 32]) -> Self {
                let mut key = Self(Box::new([0; 32]));
                key.0.copy_from_slice(bytes);
                key
            }

            /// Copies a key from a slice, which must hold exactly 32 bytes.
            pub fn from_slice(bytes: &[u8]) -> Result<Self, KeyError> {
                let bytes: &[u8; 32] = bytes.try_into().map_err(|_| KeyError::WrongLength {
                    expected: 32,
                    actual: bytes.len(),
                })?;
                Ok(Self::filled(bytes))
            }

            /// Takes the key out of `bytes` and wipes them (for keys computed into a
            /// stack buffer).
            #[allow(dead_code)] // not every key type is computed into a buffer
            pub(crate) fn take(bytes: &mut [u8; 32]) -> Self {
                let key = Self::filled(bytes);
                bytes.zeroize();
                key
            }

            /// The raw key bytes. Handle with care: do not log, store or copy them.
            pub fn expose_secret(&self) -> &[u8; 32] {
                &self.0
            }

            /// Duplicates the key. Explicit on purpose: every copy is one more place the
            /// secret lives.
            pub fn duplicate(&self) -> Self {
                Self::filled(&self.0)
            }
        }

        impl Zeroize for $name {
            fn zeroize(&mut self) {
                self.0.zeroize();
            }
        }

        impl Drop for $name {
            fn drop(&mut self) {
                self.zeroize();
            }
        }

        impl ZeroizeOnDrop for $name {}

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "(<redacted>)"))
            }
        }

        impl ConstantTimeEq for $name {
            fn ct_eq(&self, other: &Self) -> subtle::Choice {
                self.0[..].ct_eq(&other.0[..])
            }
        }

        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                self.ct_eq(other).into()
            }
        }

        impl Eq for $name {}
    };
}

secret_key! {
    /// An SSE-C customer-provided key: exactly 32 bytes.
    ///
    /// ```
    /// use s3crypt::keys::CustomerKey;
    /// let key = CustomerKey::from_base64("QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8=").unwrap();
    /// assert_eq!(key.key_md5().to_base64(), "jeuBRyIvpeUGr7P9sHL8dw==");
    /// assert_eq!(format!("{key:?}"), "CustomerKey(<redacted>)");
    /// ```
    CustomerKey
}

secret_key! {
    /// A key that encrypts data directly: a MinIO object encryption key (OEK), a part key,
    /// or any 32-byte DARE stream key.
    ObjectKey
}

secret_key! {
    /// A data key: the plaintext key a KMS generates for one object (SSE-S3, SSE-KMS) and
    /// returns sealed beside it. It is the *external key* MinIO seals the object key under.
    DataKey
}

secret_key! {
    /// The key an object's binding is computed under (the crate's own layout,
    /// [`crate::sse::object::UserMetadataCodec`]): derived from the object key. A multipart
    /// upload hands it out at creation ([`crate::sse::object::UploadPlan::binding_key`]) so
    /// that a server can complete an SSE-C upload whose completion request carries no
    /// customer key (the aws cli sends none); the server keeps it sealed
    /// ([`BindingKey::seal`](crate::keys::BindingKey::seal)) until then.
    BindingKey
}

secret_key! {
    /// A 256-bit key-encryption key: the KEK of [`crate::keywrap`], or the master key of a
    /// static KMS ([`crate::kms::StaticKms`]).
    WrappingKey
}

/// A key an object key can be sealed under (MinIO's *external key*): the customer key for
/// SSE-C, the KMS data key for SSE-S3 and SSE-KMS. Implemented by [`CustomerKey`] and
/// [`DataKey`] only.
pub trait ExternalKey: private::Sealed {
    /// The raw key bytes.
    fn external_key_bytes(&self) -> &[u8; 32];
}

impl ExternalKey for CustomerKey {
    fn external_key_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl ExternalKey for DataKey {
    fn external_key_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

mod private {
    pub trait Sealed {}
    impl Sealed for super::CustomerKey {}
    impl Sealed for super::DataKey {}
}

impl CustomerKey {
    /// Decodes padded standard base64 (as the `...-customer-key` header carries it when a
    /// client is well behaved). For the lenient decoding Amazon S3 applies to request headers
    /// use [`crate::headers`].
    pub fn from_base64(text: &str) -> Result<Self, KeyError> {
        let raw = crate::encoding::decode_base64_padded(text.as_bytes(), false)
            .ok_or(KeyError::Base64)?;
        Self::from_slice(&raw)
    }

    /// The padded standard base64 of the key, as the `...-customer-key` header carries it.
    /// The returned string is wiped when dropped.
    pub fn to_base64(&self) -> zeroize::Zeroizing<String> {
        zeroize::Zeroizing::new(STANDARD.encode(&self.0[..]))
    }

    /// MD5 of the raw key, as sent in `...-customer-key-MD5` and echoed by S3.
    pub fn key_md5(&self) -> KeyMd5 {
        KeyMd5::of(&self.0[..])
    }
}

/// The MD5 digest of a customer key (16 bytes).
///
/// It is public information in S3 (clients send it, servers echo it and store it to recognise
/// the key), so it prints as base64; comparisons are still constant time because it is
/// checked against a value derived from a secret.
#[derive(Clone, Copy)]
pub struct KeyMd5([u8; 16]);

impl KeyMd5 {
    /// MD5 of arbitrary key bytes.
    pub fn of(key: &[u8]) -> Self {
        // The hasher holds the key in its block buffer: it is updated and finalized in place
        // (never moved by value, which would leave a copy in a dead frame) and wiped on drop.
        let mut h = Md5::new();
        h.update(key);
        let mut out = [0u8; 16];
        h.finalize_into_reset((&mut out).into());
        Self(out)
    }

    /// Wraps a digest.
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(bytes)
    }

    /// The digest bytes.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// Padded standard base64, the form of the `...-customer-key-MD5` header.
    pub fn to_base64(self) -> String {
        STANDARD.encode(self.0)
    }

    /// Padded standard base64 written into a stack buffer (no allocation).
    pub(crate) fn to_base64_array(self) -> [u8; 24] {
        let mut out = [0u8; 24];
        // 16 bytes always encode to exactly 24 characters.
        let n = STANDARD.encode_slice(self.0, &mut out).unwrap_or(0);
        debug_assert_eq!(n, 24);
        out
    }

    /// Lowercase hex.
    pub fn to_hex(self) -> String {
        crate::encoding::hex(&self.0)
    }
}

impl fmt::Debug for KeyMd5 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyMd5({})", self.to_base64())
    }
}

impl fmt::Display for KeyMd5 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_base64())
    }
}

impl ConstantTimeEq for KeyMd5 {
    fn ct_eq(&self, other: &Self) -> subtle::Choice {
        self.0.ct_eq(&other.0)
    }
}

impl PartialEq for KeyMd5 {
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq(other).into()
    }
}

impl Eq for KeyMd5 {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customer_key_basics() {
        let k = CustomerKey::new([0x40; 32]);
        assert_eq!(k, CustomerKey::from_slice(&[0x40; 32]).unwrap());
        assert_ne!(k, CustomerKey::new([0x41; 32]));
        assert_eq!(
            CustomerKey::from_slice(&[0; 31]),
            Err(KeyError::WrongLength {
                expected: 32,
                actual: 31
            })
        );
        let b64 = k.to_base64();
        assert_eq!(CustomerKey::from_base64(&b64).unwrap(), k);
        assert_eq!(
            CustomerKey::from_base64("QUFB"),
            Err(KeyError::WrongLength {
                expected: 32,
                actual: 3
            })
        );
        assert_eq!(CustomerKey::from_base64("QUF"), Err(KeyError::Base64));
        assert!(!format!("{k:?}").contains("40"));
    }
}
