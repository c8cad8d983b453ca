//! KMIP (OASIS Key Management Interoperability Protocol, 1.4 and 2.0) as a key provider.
//!
//! **Encrypt/Decrypt at the server, not Locate/Get.** Each object's data key is drawn here
//! (OS randomness) and sealed by the KMIP server's `Encrypt` with AES-256-GCM under the
//! named key, the object's encryption context as additional data; a read sends the sealed
//! key to `Decrypt`. The master key never leaves the KMIP server (a `Get` would copy it into
//! every gateway's memory), a revoked or destroyed key stops reads at once, and every use is
//! in the server's audit log. It needs a server that implements Encrypt/Decrypt with GCM
//! (KMIP 1.4's authenticated-encryption fields): PyKMIP, Cosmian, Fortanix, Thales
//! CipherTrust, Vault Enterprise do.
//!
//! The key id a request names is a KMIP **Name**: `Locate` finds the objects of that name
//! and the first returned (the newest, on servers ordering by Initial Date as PyKMIP does)
//! seals new data keys; its Unique Identifier is stored in the sealed key, so a key rotated
//! by creating a new key under the same name leaves old objects readable with the old one.
//!
//! The sealed data key stored beside each object ([`SealedKey`], `docs/kms.md`):
//!
//! ```text
//! "KMIP" ‖ 0x01 ‖ len(uid) (1 byte, 1..=255) ‖ uid ‖ nonce (12) ‖ tag (16) ‖ ciphertext (32)
//! ```
//!
//! and the additional data the server authenticates with it:
//! `"s3crypt kmip data key v1\0" ‖ be32(len(name)) ‖ name ‖ context.marshal()`.

pub mod message;
pub mod ttlv;

#[cfg(feature = "kmip")]
mod client;

#[cfg(feature = "kmip")]
pub use client::{Kmip, KmipConfig};

use s3crypt::kms::{Context, KmsError};

use message::{Failure, Operation, reason};

/// The sealed data key's magic and format version.
const MAGIC: &[u8; 5] = b"KMIP\x01";

/// A data key sealed by a KMIP server (AES-256-GCM under the key `uid`): what is stored
/// beside the object. Public: it holds no secret a KMIP server's key does not guard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedKey {
    /// The Unique Identifier of the KMIP key that sealed it.
    pub uid: String,
    /// The GCM nonce.
    pub nonce: [u8; 12],
    /// The GCM tag.
    pub tag: [u8; 16],
    /// The sealed 32-byte data key.
    pub ciphertext: [u8; 32],
}

impl SealedKey {
    /// The stored bytes; `None` when the uid is empty or longer than 255 bytes.
    pub fn encode(&self) -> Option<Vec<u8>> {
        let len = u8::try_from(self.uid.len()).ok().filter(|l| *l > 0)?;
        let mut out = Vec::with_capacity(MAGIC.len() + 1 + self.uid.len() + 60);
        out.extend_from_slice(MAGIC);
        out.push(len);
        out.extend_from_slice(self.uid.as_bytes());
        out.extend_from_slice(&self.nonce);
        out.extend_from_slice(&self.tag);
        out.extend_from_slice(&self.ciphertext);
        Some(out)
    }

    /// Reads stored bytes: exact lengths, a UTF-8 uid, nothing after.
    pub fn decode(bytes: &[u8]) -> Result<Self, KmsError> {
        const WHAT: &str = "expected a KMIP sealed key (\"KMIP\" 0x01, uid, 60 bytes)";
        let rest = bytes
            .strip_prefix(MAGIC.as_slice())
            .ok_or(KmsError::InvalidCiphertext(WHAT))?;
        let (&len, rest) = rest
            .split_first()
            .ok_or(KmsError::InvalidCiphertext(WHAT))?;
        let len = usize::from(len);
        if len == 0 || rest.len() != len + 60 {
            return Err(KmsError::InvalidCiphertext(WHAT));
        }
        let (uid, rest) = rest.split_at(len);
        let uid = core::str::from_utf8(uid)
            .map_err(|_| KmsError::InvalidCiphertext("the KMIP key id is not UTF-8"))?;
        let (nonce, rest) = rest.split_at(12);
        let (tag, ct) = rest.split_at(16);
        fn arr<const N: usize>(b: &[u8]) -> Result<[u8; N], KmsError> {
            b.try_into().map_err(|_| KmsError::InvalidCiphertext(WHAT))
        }
        Ok(Self {
            uid: uid.to_owned(),
            nonce: arr(nonce)?,
            tag: arr(tag)?,
            ciphertext: arr(ct)?,
        })
    }
}

/// The additional data a sealed data key is bound to: the key name the request named and
/// the object's encryption context.
pub fn additional_data(name: &str, context: &Context) -> Vec<u8> {
    let mut aad = b"s3crypt kmip data key v1\0".to_vec();
    // Names are short; a name past 4 GiB cannot reach here (it came in an HTTP header).
    aad.extend_from_slice(&u32::try_from(name.len()).unwrap_or(u32::MAX).to_be_bytes());
    aad.extend_from_slice(name.as_bytes());
    aad.extend_from_slice(&context.marshal());
    aad
}

/// A KMIP server's refusal of `op` as the answer an S3 client should see. `name` is the key
/// id the request named.
pub fn refusal(name: &str, op: Operation, f: &Failure) -> KmsError {
    match f.reason {
        Some(reason::ITEM_NOT_FOUND | reason::OBJECT_NOT_FOUND | reason::OBJECT_DESTROYED) => {
            KmsError::KeyNotFound(name.to_owned())
        }
        Some(
            reason::PERMISSION_DENIED
            | reason::WRONG_KEY_LIFECYCLE_STATE
            | reason::OBJECT_ARCHIVED
            | reason::NOT_AUTHORISED,
        ) => KmsError::KeyDisabled(name.to_owned()),
        Some(reason::CRYPTOGRAPHIC_FAILURE) => KmsError::DecryptionFailed,
        // PyKMIP answers a GCM tag mismatch (a sealed key moved to another object or
        // altered) with General Failure: not a transient failure to retry.
        Some(reason::GENERAL_FAILURE) if op == Operation::Decrypt => KmsError::DecryptionFailed,
        Some(reason::SERVER_LIMIT_EXCEEDED | reason::PROTECTION_STORAGE_UNAVAILABLE) => {
            KmsError::Unavailable(format!("the KMIP server failed: {}", f.message))
        }
        Some(reason::AUTHENTICATION_NOT_SUCCESSFUL) => {
            KmsError::Provider("the KMIP server did not accept the client certificate".into())
        }
        Some(
            reason::OPERATION_NOT_SUPPORTED
            | reason::FEATURE_NOT_SUPPORTED
            | reason::INVALID_FIELD
            | reason::BAD_CRYPTOGRAPHIC_PARAMETERS
            | reason::UNSUPPORTED_CRYPTOGRAPHIC_PARAMETERS,
        ) => KmsError::Provider(format!(
            "the KMIP server does not do AES-256-GCM Encrypt/Decrypt as asked: {}",
            f.message
        )),
        r => KmsError::Provider(format!(
            "the KMIP server refused (reason {:#x}): {}",
            r.unwrap_or(0),
            f.message
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> SealedKey {
        SealedKey {
            uid: "42".into(),
            nonce: [1; 12],
            tag: [2; 16],
            ciphertext: [3; 32],
        }
    }

    #[test]
    fn sealed_key_round_trips_and_refuses_every_other_length() {
        let b = sample().encode().unwrap();
        assert_eq!(b.len(), 5 + 1 + 2 + 60);
        assert_eq!(SealedKey::decode(&b).unwrap(), sample());
        for n in 0..b.len() {
            assert!(SealedKey::decode(&b[..n]).is_err(), "{n}");
        }
        let mut long = b.clone();
        long.push(0);
        assert!(SealedKey::decode(&long).is_err());
        let mut other = b.clone();
        other[4] = 2;
        assert!(SealedKey::decode(&other).is_err());
        let none = SealedKey {
            uid: String::new(),
            ..sample()
        };
        assert!(none.encode().is_none());
        let huge = SealedKey {
            uid: "x".repeat(256),
            ..sample()
        };
        assert!(huge.encode().is_none());
    }

    #[test]
    fn additional_data_binds_name_and_context() {
        let c = Context::for_object("b", "o");
        assert_ne!(additional_data("a", &c), additional_data("b", &c));
        assert_ne!(
            additional_data("a", &c),
            additional_data("a", &Context::for_object("b", "p"))
        );
    }

    #[test]
    fn refusals_map_to_s3_answers() {
        let f = |r| Failure {
            reason: Some(r),
            message: "m".into(),
        };
        let (e, d) = (Operation::Encrypt, Operation::Decrypt);
        assert!(
            matches!(refusal("k", e, &f(reason::ITEM_NOT_FOUND)), KmsError::KeyNotFound(k) if k == "k")
        );
        assert!(matches!(
            refusal("k", d, &f(reason::PERMISSION_DENIED)),
            KmsError::KeyDisabled(_)
        ));
        assert!(matches!(
            refusal("k", d, &f(reason::CRYPTOGRAPHIC_FAILURE)),
            KmsError::DecryptionFailed
        ));
        assert!(matches!(
            refusal("k", d, &f(reason::GENERAL_FAILURE)),
            KmsError::DecryptionFailed
        ));
        assert!(matches!(
            refusal("k", e, &f(reason::GENERAL_FAILURE)),
            KmsError::Provider(_)
        ));
        assert!(matches!(
            refusal("k", e, &f(reason::SERVER_LIMIT_EXCEEDED)),
            KmsError::Unavailable(_)
        ));
        assert!(matches!(refusal("k", e, &f(0x999)), KmsError::Provider(_)));
    }
}
