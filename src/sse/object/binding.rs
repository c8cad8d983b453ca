//! The object binding of the crate's own layout ([`super::UserMetadataCodec`]): one MAC under
//! the object key over everything storage could otherwise change to make a reader serve
//! other bytes — the object's name, whether it is multipart, and its part list (numbers,
//! stored sizes, order). MinIO's layout has none (`docs/sse.md` says what that leaves open).
//!
//! ```text
//! binding key = HMAC-SHA256(OEK, "s3crypt object binding v1")
//! binding     = HMAC-SHA256(binding key,
//!                 be32(len name) ‖ name ‖ multipart (1 byte) ‖ be32(part count)
//!                 ‖ for each part, in order: be32(number, 0 for a single-part object) ‖ be64(stored size))
//! name        = sse::binding_name(bucket, object)
//! stored      = base64 of the 32 bytes, in the codec's `binding` entry
//! ```
//!
//! Stored sizes determine plaintext sizes (DARE), so the total size is bound too. An object
//! storage empties (size 0, no part), cuts, extends, renames, or whose parts it drops,
//! swaps, duplicates or renumbers fails this check; serving an older version of the same
//! object (with its older binding) is the one change a stateless reader cannot see.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use subtle::ConstantTimeEq;

use super::flows::{KitError, StoredPart};
use crate::kdf::hmac_sha256;
use crate::keys::{BindingKey, ObjectKey, WrappingKey};
use crate::keywrap::AesGcmWrap;
use crate::sse::binding_name;
use crate::sse::seal::{derived_key, random};

/// The label of the binding key.
const LABEL: &[u8] = b"s3crypt object binding v1";

/// The binding of an object's name and parts under its object key.
pub(super) fn tag(
    bk: &BindingKey,
    bucket: &str,
    key: &str,
    multipart: bool,
    parts: &[StoredPart],
) -> Result<[u8; 32], KitError> {
    let name = binding_name(bucket, key)?;
    let len = |n: usize| u32::try_from(n).map_err(|_| crate::dare::DareError::SizeTooLarge);
    let mut msg = Vec::with_capacity(4 + name.len() + 5 + parts.len() * 12);
    msg.extend_from_slice(&len(name.len())?.to_be_bytes());
    msg.extend_from_slice(name.as_bytes());
    msg.push(u8::from(multipart));
    msg.extend_from_slice(&len(parts.len())?.to_be_bytes());
    for p in parts {
        let number = if multipart { p.number } else { 0 };
        msg.extend_from_slice(&number.to_be_bytes());
        msg.extend_from_slice(&p.stored_size.to_be_bytes());
    }
    Ok(hmac_sha256(bk.expose_secret(), &[&msg]))
}

/// The binding key of an object key.
pub(super) fn key_of(oek: &ObjectKey) -> BindingKey {
    BindingKey::from_slice(derived_key(oek, LABEL).expose_secret())
        .unwrap_or_else(|_| unreachable!("a derived key is 32 bytes"))
}

/// What a sealed binding key is bound to: its purpose and the caller's context.
fn seal_aad(context: &[u8]) -> Vec<u8> {
    let mut aad = Vec::with_capacity(SEAL_LABEL.len() + context.len());
    aad.extend_from_slice(SEAL_LABEL);
    aad.extend_from_slice(context);
    aad
}

/// The associated-data label of a sealed binding key.
const SEAL_LABEL: &[u8] = b"s3crypt upload binding key v1\0";

impl BindingKey {
    /// Seals the key for keeping beside an upload in storage: AES-256-GCM under the
    /// server's own `kek` (a fresh random IV), bound to `context` — give the bucket, the
    /// object name and the upload id, so a sealed key moved to another upload does not
    /// open. The result is base64 of `iv (12) ‖ ciphertext (32) ‖ tag (16)`.
    pub fn seal(&self, kek: &WrappingKey, context: &[u8]) -> Result<String, KitError> {
        let iv = random::<12>()?;
        let mut out = [0u8; 60];
        AesGcmWrap::new(kek)
            .wrap_with_iv(self.expose_secret(), &seal_aad(context), &iv, &mut out)
            .unwrap_or_else(|_| unreachable!("32 bytes wrap into 60"));
        Ok(STANDARD.encode(out))
    }

    /// Opens a key [`seal`](Self::seal) made, under the same `kek` and `context`; anything
    /// else (other bytes, another context or KEK) is
    /// [`KitError::StoredObjectTampered`].
    pub fn open(sealed: &str, kek: &WrappingKey, context: &[u8]) -> Result<Self, KitError> {
        const BAD: KitError =
            KitError::StoredObjectTampered("the upload's sealed binding key does not open");
        let raw = STANDARD.decode(sealed.trim()).map_err(|_| BAD)?;
        let raw: &[u8; 60] = raw.as_slice().try_into().map_err(|_| BAD)?;
        let dk = AesGcmWrap::new(kek)
            .unwrap_key32(raw, &seal_aad(context))
            .map_err(|_| BAD)?;
        BindingKey::from_slice(dk.expose_secret()).map_err(|_| BAD)
    }
}

/// The binding entry among an object's stored entries (names in any ASCII case).
pub(super) fn stored<'m>(
    metadata: &'m std::collections::BTreeMap<String, String>,
    entry: &str,
) -> Option<&'m String> {
    metadata
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(entry))
        .map(|(_, v)| v)
}

/// The entry value of a binding.
pub(super) fn encode(tag: &[u8; 32]) -> String {
    STANDARD.encode(tag)
}

/// Checks the stored binding (`None`: the entry is missing) against the object's name and
/// parts, in constant time.
pub(super) fn verify(
    oek: &ObjectKey,
    bucket: &str,
    key: &str,
    multipart: bool,
    parts: &[StoredPart],
    stored: Option<&str>,
) -> Result<(), KitError> {
    let stored = stored.ok_or(KitError::StoredObjectTampered(
        "the object's binding entry is missing",
    ))?;
    let want = tag(&key_of(oek), bucket, key, multipart, parts)?;
    let ok = STANDARD
        .decode(stored.trim())
        .ok()
        .filter(|b| b.len() == 32)
        .is_some_and(|b| bool::from(b.ct_eq(&want[..])));
    if ok {
        Ok(())
    } else {
        Err(KitError::StoredObjectTampered(
            "the object's name, size or part list does not match its binding",
        ))
    }
}
