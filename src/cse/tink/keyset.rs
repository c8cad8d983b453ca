//! Cleartext Tink keysets holding streaming keys: the JSON form (`tinkey --out-format json`)
//! and the binary `Keyset` protobuf.

use base64::Engine as _;
use zeroize::Zeroizing;

use super::{HashType, StreamingKey, StreamingParams, TinkError};
use crate::encoding::{JsonValue, parse_json};

/// Type URL of AES-GCM-HKDF streaming keys.
pub const AES_GCM_HKDF_TYPE_URL: &str =
    "type.googleapis.com/google.crypto.tink.AesGcmHkdfStreamingKey";
/// Type URL of AES-CTR-HMAC streaming keys.
pub const AES_CTR_HMAC_TYPE_URL: &str =
    "type.googleapis.com/google.crypto.tink.AesCtrHmacStreamingKey";

/// A key's status in the keyset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyStatus {
    /// Usable.
    Enabled,
    /// Kept but not used.
    Disabled,
    /// Key material gone.
    Destroyed,
}

/// A key's output prefix type (streaming ciphertexts never carry a prefix; kept for
/// information).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OutputPrefix {
    /// `TINK`.
    Tink,
    /// `LEGACY`.
    Legacy,
    /// `RAW`.
    Raw,
    /// `CRUNCHY`.
    Crunchy,
}

/// One key of a keyset.
#[derive(Debug)]
pub struct KeysetKey {
    /// The key id.
    pub key_id: u32,
    /// Its status.
    pub status: KeyStatus,
    /// Its output prefix type.
    pub output_prefix: OutputPrefix,
    /// The key (`None` when destroyed or disabled: its material is not read).
    pub key: Option<StreamingKey>,
}

/// A cleartext Tink keyset of streaming keys.
///
/// Encrypt with [`Keyset::primary`]; decrypt by trying every enabled key, as Tink does
/// ([`Keyset::decrypt_buffer`]), since a streaming ciphertext names no key.
#[derive(Debug)]
pub struct Keyset {
    /// The primary key's id.
    pub primary_key_id: u32,
    /// The keys, in keyset order.
    pub keys: Vec<KeysetKey>,
}

fn status_of(v: u64) -> Result<KeyStatus, TinkError> {
    match v {
        1 => Ok(KeyStatus::Enabled),
        2 => Ok(KeyStatus::Disabled),
        3 => Ok(KeyStatus::Destroyed),
        _ => Err(TinkError::InvalidKeyset("unknown key status")),
    }
}

fn prefix_of(v: u64) -> Result<OutputPrefix, TinkError> {
    match v {
        1 => Ok(OutputPrefix::Tink),
        2 => Ok(OutputPrefix::Legacy),
        3 => Ok(OutputPrefix::Raw),
        4 => Ok(OutputPrefix::Crunchy),
        _ => Err(TinkError::InvalidKeyset("unknown output prefix type")),
    }
}

impl Keyset {
    /// Reads the JSON form: `{"primaryKeyId": …, "key": [{"keyData": {"typeUrl", "value"
    /// (base64 of the key proto), "keyMaterialType"}, "status", "keyId",
    /// "outputPrefixType"}]}`.
    pub fn from_json(text: &str) -> Result<Self, TinkError> {
        let bad = TinkError::InvalidKeyset;
        let root = parse_json(text).map_err(|_| bad("not JSON"))?;
        let primary = root
            .get("primaryKeyId")
            .and_then(JsonValue::as_u64)
            .and_then(|v| u32::try_from(v).ok())
            .ok_or(bad("primaryKeyId missing or not a 32-bit integer"))?;
        let Some(JsonValue::Array(items)) = root.get("key") else {
            return Err(bad("key missing or not an array"));
        };
        let mut keys = Vec::with_capacity(items.len());
        for item in items {
            let key_id = item
                .get("keyId")
                .and_then(JsonValue::as_u64)
                .and_then(|v| u32::try_from(v).ok())
                .ok_or(bad("keyId missing or not a 32-bit integer"))?;
            let status = match item.get("status").and_then(JsonValue::as_str) {
                Some("ENABLED") => KeyStatus::Enabled,
                Some("DISABLED") => KeyStatus::Disabled,
                Some("DESTROYED") => KeyStatus::Destroyed,
                _ => return Err(bad("status missing or unknown")),
            };
            let output_prefix = match item.get("outputPrefixType").and_then(JsonValue::as_str) {
                Some("TINK") => OutputPrefix::Tink,
                Some("LEGACY") => OutputPrefix::Legacy,
                Some("RAW") => OutputPrefix::Raw,
                Some("CRUNCHY") => OutputPrefix::Crunchy,
                _ => return Err(bad("outputPrefixType missing or unknown")),
            };
            let key = if status == KeyStatus::Enabled {
                let data = item.get("keyData").ok_or(bad("keyData missing"))?;
                let url = data
                    .get("typeUrl")
                    .and_then(JsonValue::as_str)
                    .ok_or(bad("typeUrl missing"))?;
                match data.get("keyMaterialType").and_then(JsonValue::as_str) {
                    Some("SYMMETRIC") => {}
                    _ => return Err(bad("keyMaterialType must be SYMMETRIC")),
                }
                let value = data
                    .get("value")
                    .and_then(JsonValue::as_str)
                    .ok_or(bad("keyData value missing"))?;
                let raw = Zeroizing::new(
                    base64::engine::general_purpose::STANDARD
                        .decode(value)
                        .map_err(|_| bad("keyData value is not base64"))?,
                );
                Some(key_from_proto(url, &raw)?)
            } else {
                None
            };
            keys.push(KeysetKey {
                key_id,
                status,
                output_prefix,
                key,
            });
        }
        Self::checked(primary, keys)
    }

    /// Reads the binary `google.crypto.tink.Keyset` protobuf.
    pub fn from_binary(bytes: &[u8]) -> Result<Self, TinkError> {
        let bad = TinkError::InvalidKeyset;
        let mut primary = 0u32;
        let mut keys = Vec::new();
        for field in Proto(bytes) {
            match field? {
                (1, Field::Varint(v)) => {
                    primary = u32::try_from(v).map_err(|_| bad("primary_key_id too large"))?
                }
                (2, Field::Bytes(k)) => keys.push(key_from_binary(k)?),
                (1 | 2, _) => return Err(bad("wrong wire type in Keyset")),
                _ => {}
            }
        }
        Self::checked(primary, keys)
    }

    fn checked(primary: u32, keys: Vec<KeysetKey>) -> Result<Self, TinkError> {
        if keys.is_empty() {
            return Err(TinkError::InvalidKeyset("no keys"));
        }
        let n = keys.iter().filter(|k| k.key_id == primary).count();
        if n != 1 {
            return Err(TinkError::InvalidKeyset(
                "the primary key id must name exactly one key",
            ));
        }
        let ks = Self {
            primary_key_id: primary,
            keys,
        };
        ks.primary()?;
        Ok(ks)
    }

    /// The primary key (enabled), which encrypts.
    pub fn primary(&self) -> Result<&StreamingKey, TinkError> {
        self.keys
            .iter()
            .find(|k| k.key_id == self.primary_key_id)
            .and_then(|k| k.key.as_ref())
            .ok_or(TinkError::InvalidKeyset("the primary key is not enabled"))
    }

    /// The enabled keys, the primary first: the ones to try when decrypting.
    pub fn decryption_keys(&self) -> impl Iterator<Item = &StreamingKey> {
        let primary = self.primary().ok();
        primary.into_iter().chain(
            self.keys
                .iter()
                .filter(|k| k.key_id != self.primary_key_id)
                .filter_map(|k| k.key.as_ref()),
        )
    }

    /// Decrypts a whole ciphertext with the first enabled key that authenticates it.
    pub fn decrypt_buffer(&self, aad: &[u8], ciphertext: &[u8]) -> Result<Vec<u8>, TinkError> {
        self.decryption_keys()
            .find_map(|k| super::decrypt_buffer(k, aad, ciphertext).ok())
            .ok_or(TinkError::NoMatchingKey)
    }
}

fn key_from_binary(bytes: &[u8]) -> Result<KeysetKey, TinkError> {
    let bad = TinkError::InvalidKeyset;
    let (mut data, mut status, mut id, mut prefix) = (None, None, None, None);
    for field in Proto(bytes) {
        match field? {
            (1, Field::Bytes(d)) => data = Some(d),
            (2, Field::Varint(v)) => status = Some(status_of(v)?),
            (3, Field::Varint(v)) => {
                id = Some(u32::try_from(v).map_err(|_| bad("key_id too large"))?)
            }
            (4, Field::Varint(v)) => prefix = Some(prefix_of(v)?),
            (1..=4, _) => return Err(bad("wrong wire type in Keyset.Key")),
            _ => {}
        }
    }
    let status = status.ok_or(bad("key status missing"))?;
    let key = if status == KeyStatus::Enabled {
        let data = data.ok_or(bad("key_data missing"))?;
        let (mut url, mut value, mut material) = (None, None, None);
        for field in Proto(data) {
            match field? {
                (1, Field::Bytes(u)) => {
                    url = Some(core::str::from_utf8(u).map_err(|_| bad("type_url not UTF-8"))?)
                }
                (2, Field::Bytes(v)) => value = Some(v),
                (3, Field::Varint(m)) => material = Some(m),
                (1..=3, _) => return Err(bad("wrong wire type in KeyData")),
                _ => {}
            }
        }
        if material != Some(1) {
            return Err(bad("key_material_type must be SYMMETRIC"));
        }
        Some(key_from_proto(
            url.ok_or(bad("type_url missing"))?,
            value.unwrap_or(&[]),
        )?)
    } else {
        None
    };
    Ok(KeysetKey {
        key_id: id.unwrap_or(0),
        status,
        output_prefix: prefix.ok_or(bad("output_prefix_type missing"))?,
        key,
    })
}

/// Parses a serialized `AesGcmHkdfStreamingKey` or `AesCtrHmacStreamingKey`.
fn key_from_proto(type_url: &str, bytes: &[u8]) -> Result<StreamingKey, TinkError> {
    let bad = TinkError::InvalidKey;
    let gcm = match type_url {
        AES_GCM_HKDF_TYPE_URL => true,
        AES_CTR_HMAC_TYPE_URL => false,
        other => return Err(TinkError::UnsupportedKeyType(other.to_owned())),
    };
    let (mut version, mut params, mut key_value) = (0u64, None, None);
    for field in Proto(bytes) {
        match field? {
            (1, Field::Varint(v)) => version = v,
            (2, Field::Bytes(p)) => params = Some(p),
            (3, Field::Bytes(k)) => key_value = Some(k),
            (1..=3, _) => return Err(bad("wrong wire type in the key proto")),
            _ => {}
        }
    }
    if version != 0 {
        return Err(bad("unknown key version (only 0 exists)"));
    }
    let (mut seg, mut dks, mut hkdf_hash, mut hmac) = (0u64, 0u64, 0u64, None);
    for field in Proto(params.unwrap_or(&[])) {
        match field? {
            (1, Field::Varint(v)) => seg = v,
            (2, Field::Varint(v)) => dks = v,
            (3, Field::Varint(v)) => hkdf_hash = v,
            (4, Field::Bytes(h)) if !gcm => hmac = Some(h),
            (1..=3, _) => return Err(bad("wrong wire type in the key params")),
            (4, _) if !gcm => return Err(bad("wrong wire type in the key params")),
            _ => {}
        }
    }
    let segment_size = u32::try_from(seg).map_err(|_| bad("segment size too large"))?;
    let derived_key_size = u8::try_from(dks).map_err(|_| bad("derived key size too large"))?;
    let hkdf_hash = HashType::from_proto(hkdf_hash).ok_or(bad("unsupported HKDF hash"))?;
    let params = if gcm {
        StreamingParams::AesGcmHkdf {
            segment_size,
            derived_key_size,
            hkdf_hash,
        }
    } else {
        let (mut hash, mut tag) = (0u64, 0u64);
        for field in Proto(hmac.unwrap_or(&[])) {
            match field? {
                (1, Field::Varint(v)) => hash = v,
                (2, Field::Varint(v)) => tag = v,
                (1 | 2, _) => return Err(bad("wrong wire type in HmacParams")),
                _ => {}
            }
        }
        StreamingParams::AesCtrHmac {
            segment_size,
            derived_key_size,
            hkdf_hash,
            hmac_hash: HashType::from_proto(hash).ok_or(bad("unsupported HMAC hash"))?,
            tag_size: u8::try_from(tag).map_err(|_| bad("HMAC tag size too large"))?,
        }
    };
    StreamingKey::new(params, key_value.unwrap_or(&[]))
}

/// One protobuf field's value.
enum Field<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
    Fixed,
}

/// Iterates the fields of a protobuf message: (field number, value). Groups and malformed
/// input are errors.
struct Proto<'a>(&'a [u8]);

impl Proto<'_> {
    fn varint(&mut self) -> Option<u64> {
        let mut v = 0u64;
        for i in 0..10 {
            let (&b, rest) = self.0.split_first()?;
            self.0 = rest;
            if i == 9 && b > 1 {
                return None;
            }
            v |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    }
    fn bytes(&mut self, n: u64) -> Option<&[u8]> {
        let n = usize::try_from(n).ok()?;
        if n > self.0.len() {
            return None;
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Some(a)
    }
}

impl<'a> Iterator for Proto<'a> {
    type Item = Result<(u64, Field<'a>), TinkError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.0.is_empty() {
            return None;
        }
        let bad = Err(TinkError::InvalidKeyset("malformed protobuf"));
        let Some(tag) = self.varint() else {
            self.0 = &[];
            return Some(bad);
        };
        let number = tag >> 3;
        let mut this = Proto(self.0);
        let value = match tag & 7 {
            0 => this.varint().map(Field::Varint),
            1 => this.bytes(8).map(|_| Field::Fixed),
            2 => this
                .varint()
                .and_then(|n| {
                    let s: &'a [u8] = this.0;
                    let n = usize::try_from(n).ok().filter(|&n| n <= s.len())?;
                    this.0 = &s[n..];
                    Some(&s[..n])
                })
                .map(Field::Bytes),
            5 => this.bytes(4).map(|_| Field::Fixed),
            _ => None,
        };
        match value {
            Some(v) if number > 0 => {
                self.0 = this.0;
                Some(Ok((number, v)))
            }
            _ => {
                self.0 = &[];
                Some(bad)
            }
        }
    }
}
