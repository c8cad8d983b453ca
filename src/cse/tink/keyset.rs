//! Tink keysets holding streaming keys: the JSON form (`tinkey --out-format json`) and the
//! binary `Keyset` protobuf, read and written (encrypted keysets: `super::encrypted`).

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
    /// The key (`None` when destroyed or disabled: its material is not used).
    pub key: Option<StreamingKey>,
    /// The key data as read (kept so a keyset is written back exactly, disabled keys and
    /// their material included); `None` for a key built here.
    data: Option<KeyData>,
}

impl KeysetKey {
    /// A key to put in a keyset: enabled or disabled keys need `key`; a destroyed key has
    /// none.
    pub fn new(
        key_id: u32,
        status: KeyStatus,
        output_prefix: OutputPrefix,
        key: Option<StreamingKey>,
    ) -> Self {
        Self {
            key_id,
            status,
            output_prefix,
            key,
            data: None,
        }
    }

    /// The key data to write: as read (borrowed), or serialized from the key.
    fn key_data(&self) -> Option<std::borrow::Cow<'_, KeyData>> {
        match (&self.data, &self.key) {
            (Some(d), _) => Some(std::borrow::Cow::Borrowed(d)),
            (None, Some(k)) => Some(std::borrow::Cow::Owned(key_to_proto(k))),
            (None, None) => None,
        }
    }
}

/// A `KeyData` message: type URL, the serialized key (secret, wiped on drop), material type.
#[derive(Clone)]
struct KeyData {
    type_url: String,
    value: Zeroizing<Vec<u8>>,
    material: u64,
}

impl core::fmt::Debug for KeyData {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("KeyData")
            .field("type_url", &self.type_url)
            .field("value", &"<redacted>")
            .finish()
    }
}

/// Tink's `KeyStatusType`: (status, enum value, JSON name).
const STATUSES: [(KeyStatus, u64, &str); 3] = [
    (KeyStatus::Enabled, 1, "ENABLED"),
    (KeyStatus::Disabled, 2, "DISABLED"),
    (KeyStatus::Destroyed, 3, "DESTROYED"),
];

/// Tink's `OutputPrefixType`: (prefix, enum value, JSON name).
const PREFIXES: [(OutputPrefix, u64, &str); 4] = [
    (OutputPrefix::Tink, 1, "TINK"),
    (OutputPrefix::Legacy, 2, "LEGACY"),
    (OutputPrefix::Raw, 3, "RAW"),
    (OutputPrefix::Crunchy, 4, "CRUNCHY"),
];

/// The enum value and JSON name of `item` in `table`.
fn lookup<T: PartialEq + Copy>(table: &[(T, u64, &'static str)], item: T) -> (u64, &'static str) {
    table
        .iter()
        .find(|(t, _, _)| *t == item)
        .map(|&(_, v, n)| (v, n))
        .unwrap_or_else(|| unreachable!("every variant is in its table"))
}

/// The entry of `table` with enum value `v` or JSON name `name`.
fn find<T: Copy>(
    table: &[(T, u64, &'static str)],
    v: Option<u64>,
    name: Option<&str>,
) -> Option<T> {
    table
        .iter()
        .find(|(_, tv, tn)| Some(*tv) == v || Some(*tn) == name)
        .map(|&(t, _, _)| t)
}

const MATERIAL_NAMES: [&str; 5] = [
    "UNKNOWN_KEYMATERIAL",
    "SYMMETRIC",
    "ASYMMETRIC_PRIVATE",
    "ASYMMETRIC_PUBLIC",
    "REMOTE",
];

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
            let name = |field| item.get(field).and_then(JsonValue::as_str);
            let status =
                find(&STATUSES, None, name("status")).ok_or(bad("status missing or unknown"))?;
            let output_prefix = find(&PREFIXES, None, name("outputPrefixType"))
                .ok_or(bad("outputPrefixType missing or unknown"))?;
            let data = item.get("keyData").map(json_key_data).transpose()?;
            let key = enabled_key(data.as_ref(), status)?;
            keys.push(KeysetKey {
                key_id,
                status,
                output_prefix,
                key,
                data,
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

    /// A keyset of `keys` with primary `primary_key_id`, checked as a read keyset is: the
    /// primary names exactly one key, which is enabled.
    pub fn new(primary_key_id: u32, keys: Vec<KeysetKey>) -> Result<Self, TinkError> {
        if keys
            .iter()
            .any(|k| k.status != KeyStatus::Destroyed && k.key.is_none() && k.data.is_none())
        {
            return Err(TinkError::InvalidKeyset(
                "an enabled or disabled key needs its key material",
            ));
        }
        Self::checked(primary_key_id, keys)
    }

    /// The binary `google.crypto.tink.Keyset` protobuf (secret: wiped on drop). Keys read
    /// from a keyset are written back as read.
    pub fn to_binary(&self) -> Zeroizing<Vec<u8>> {
        // Sized in advance (each key: its key data plus a few framing bytes) so the buffer
        // holding key material is never reallocated.
        let datas: Vec<_> = self.keys.iter().map(KeysetKey::key_data).collect();
        let cap = 16
            + datas
                .iter()
                .map(|d| d.as_ref().map_or(0, |d| d.type_url.len() + d.value.len()) + 64)
                .sum::<usize>();
        let mut out = ProtoWriter(Zeroizing::new(Vec::with_capacity(cap)));
        out.varint(1, u64::from(self.primary_key_id));
        for (k, data) in self.keys.iter().zip(&datas) {
            let mut key = ProtoWriter(Zeroizing::new(Vec::with_capacity(
                data.as_ref()
                    .map_or(0, |d| d.type_url.len() + d.value.len())
                    + 48,
            )));
            if let Some(d) = data {
                let mut kd = ProtoWriter(Zeroizing::new(Vec::with_capacity(
                    d.type_url.len() + d.value.len() + 24,
                )));
                kd.bytes(1, d.type_url.as_bytes());
                kd.bytes(2, &d.value);
                kd.varint(3, d.material);
                key.bytes(1, &kd.0);
            }
            key.varint(2, lookup(&STATUSES, k.status).0);
            key.varint(3, u64::from(k.key_id));
            key.varint(4, lookup(&PREFIXES, k.output_prefix).0);
            out.bytes(2, &key.0);
        }
        out.0
    }

    /// The JSON form, as Tink writes it (secret: wiped on drop).
    pub fn to_json(&self) -> Zeroizing<String> {
        use base64::engine::general_purpose::STANDARD;
        let datas: Vec<_> = self.keys.iter().map(KeysetKey::key_data).collect();
        let cap = 64
            + datas
                .iter()
                .map(|d| {
                    d.as_ref()
                        .map_or(0, |d| d.type_url.len() + d.value.len() * 4 / 3)
                        + 200
                })
                .sum::<usize>();
        let mut out = Zeroizing::new(String::with_capacity(cap));
        out.push_str("{\"primaryKeyId\":");
        out.push_str(&self.primary_key_id.to_string());
        out.push_str(",\"key\":[");
        for (i, (k, data)) in self.keys.iter().zip(&datas).enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push('{');
            if let Some(d) = data {
                out.push_str("\"keyData\":{\"typeUrl\":");
                crate::encoding::write_string(&d.type_url, &mut out);
                out.push_str(",\"value\":\"");
                // Encoded into a wiping buffer of the exact length, then into `out` (sized
                // in advance): no unwiped copy.
                let n = base64::encoded_len(d.value.len(), true).unwrap_or(0);
                let mut tmp = Zeroizing::new(vec![0u8; n]);
                let n = STANDARD
                    .encode_slice(&d.value[..], &mut tmp[..])
                    .unwrap_or(0);
                out.push_str(core::str::from_utf8(&tmp[..n]).unwrap_or(""));
                out.push_str("\",\"keyMaterialType\":\"");
                out.push_str(
                    MATERIAL_NAMES
                        .get(d.material as usize)
                        .copied()
                        .unwrap_or("UNKNOWN_KEYMATERIAL"),
                );
                out.push_str("\"},");
            }
            out.push_str("\"status\":\"");
            out.push_str(lookup(&STATUSES, k.status).1);
            out.push_str("\",\"keyId\":");
            out.push_str(&k.key_id.to_string());
            out.push_str(",\"outputPrefixType\":\"");
            out.push_str(lookup(&PREFIXES, k.output_prefix).1);
            out.push_str("\"}");
        }
        out.push_str("]}");
        out
    }

    /// The `KeysetInfo` of this keyset (what an encrypted keyset carries in clear): binary.
    pub(super) fn info_binary(&self) -> Vec<u8> {
        let mut out = ProtoWriter::default();
        out.varint(1, u64::from(self.primary_key_id));
        for k in &self.keys {
            let mut info = ProtoWriter::default();
            if let Some(d) = k.key_data() {
                info.bytes(1, d.type_url.as_bytes());
            }
            info.varint(2, lookup(&STATUSES, k.status).0);
            info.varint(3, u64::from(k.key_id));
            info.varint(4, lookup(&PREFIXES, k.output_prefix).0);
            out.bytes(2, &info.0);
        }
        out.0.to_vec()
    }

    /// The `keysetInfo` object of the JSON form.
    pub(super) fn info_json(&self) -> String {
        let mut out = format!("{{\"primaryKeyId\":{},\"keyInfo\":[", self.primary_key_id);
        for (i, k) in self.keys.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push('{');
            if let Some(d) = k.key_data() {
                out.push_str("\"typeUrl\":");
                crate::encoding::write_string(&d.type_url, &mut out);
                out.push(',');
            }
            out.push_str(&format!(
                "\"status\":\"{}\",\"keyId\":{},\"outputPrefixType\":\"{}\"}}",
                lookup(&STATUSES, k.status).1,
                k.key_id,
                lookup(&PREFIXES, k.output_prefix).1
            ));
        }
        out.push_str("]}");
        out
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
            (2, Field::Varint(v)) => {
                status = Some(find(&STATUSES, Some(v), None).ok_or(bad("unknown key status"))?)
            }
            (3, Field::Varint(v)) => {
                id = Some(u32::try_from(v).map_err(|_| bad("key_id too large"))?)
            }
            (4, Field::Varint(v)) => {
                prefix =
                    Some(find(&PREFIXES, Some(v), None).ok_or(bad("unknown output prefix type"))?)
            }
            (1..=4, _) => return Err(bad("wrong wire type in Keyset.Key")),
            _ => {}
        }
    }
    let status = status.ok_or(bad("key status missing"))?;
    let data = data.map(binary_key_data).transpose()?;
    let key = enabled_key(data.as_ref(), status)?;
    Ok(KeysetKey {
        key_id: id.unwrap_or(0),
        status,
        output_prefix: prefix.ok_or(bad("output_prefix_type missing"))?,
        key,
        data,
    })
}

/// The usable key of a keyset entry: an enabled key must carry symmetric key data of a
/// streaming key type; a disabled or destroyed key's data (if any) is kept, not used.
fn enabled_key(
    data: Option<&KeyData>,
    status: KeyStatus,
) -> Result<Option<StreamingKey>, TinkError> {
    let bad = TinkError::InvalidKeyset;
    if status != KeyStatus::Enabled {
        return Ok(None);
    }
    let d = data.ok_or(bad("an enabled key has no key data"))?;
    if d.material != 1 {
        return Err(bad("key material type must be SYMMETRIC"));
    }
    key_from_proto(&d.type_url, &d.value).map(Some)
}

/// A `KeyData` message from its binary form.
fn binary_key_data(bytes: &[u8]) -> Result<KeyData, TinkError> {
    let bad = TinkError::InvalidKeyset;
    let (mut url, mut value, mut material) = (None, None, 0);
    for field in Proto(bytes) {
        match field? {
            (1, Field::Bytes(u)) => {
                url = Some(core::str::from_utf8(u).map_err(|_| bad("type_url not UTF-8"))?)
            }
            (2, Field::Bytes(v)) => value = Some(v),
            (3, Field::Varint(m)) => material = m,
            (1..=3, _) => return Err(bad("wrong wire type in KeyData")),
            _ => {}
        }
    }
    Ok(KeyData {
        type_url: url.ok_or(bad("type_url missing"))?.to_owned(),
        value: Zeroizing::new(value.unwrap_or(&[]).to_vec()),
        material,
    })
}

/// A `keyData` object of the JSON form.
fn json_key_data(data: &JsonValue) -> Result<KeyData, TinkError> {
    let bad = TinkError::InvalidKeyset;
    let url = data
        .get("typeUrl")
        .and_then(JsonValue::as_str)
        .ok_or(bad("typeUrl missing"))?;
    let material = data
        .get("keyMaterialType")
        .and_then(JsonValue::as_str)
        .and_then(|m| MATERIAL_NAMES.iter().position(|n| *n == m))
        .ok_or(bad("keyMaterialType missing or unknown"))?;
    let value = data
        .get("value")
        .and_then(JsonValue::as_str)
        .ok_or(bad("keyData value missing"))?;
    let raw = Zeroizing::new(
        base64::engine::general_purpose::STANDARD
            .decode(value)
            .map_err(|_| bad("keyData value is not base64"))?,
    );
    Ok(KeyData {
        type_url: url.to_owned(),
        value: raw,
        material: material as u64,
    })
}

/// Serializes a streaming key as its `KeyData`.
fn key_to_proto(key: &StreamingKey) -> KeyData {
    let mut params = ProtoWriter::default();
    let (url, hmac) = match key.params {
        StreamingParams::AesGcmHkdf {
            segment_size,
            derived_key_size,
            hkdf_hash,
        } => {
            params.varint(1, u64::from(segment_size));
            params.varint(2, u64::from(derived_key_size));
            params.varint(3, hkdf_hash.proto_value());
            (AES_GCM_HKDF_TYPE_URL, None)
        }
        StreamingParams::AesCtrHmac {
            segment_size,
            derived_key_size,
            hkdf_hash,
            hmac_hash,
            tag_size,
        } => {
            params.varint(1, u64::from(segment_size));
            params.varint(2, u64::from(derived_key_size));
            params.varint(3, hkdf_hash.proto_value());
            let mut h = ProtoWriter::default();
            h.varint(1, hmac_hash.proto_value());
            h.varint(2, u64::from(tag_size));
            (AES_CTR_HMAC_TYPE_URL, Some(h))
        }
    };
    if let Some(h) = hmac {
        params.bytes(4, &h.0);
    }
    let kv = &key.key_value[..];
    // version 0 is the proto3 default and not written; the key value is sized in advance so
    // the buffer holding it is never reallocated (no unwiped copy left behind).
    let mut value = ProtoWriter(Zeroizing::new(Vec::with_capacity(
        params.0.len() + kv.len() + 16,
    )));
    value.bytes(2, &params.0);
    value.bytes(3, kv);
    KeyData {
        type_url: url.to_owned(),
        value: value.0,
        material: 1,
    }
}

/// Writes protobuf fields (varints and length-delimited) into a wiping buffer.
#[derive(Default)]
pub(super) struct ProtoWriter(pub(super) Zeroizing<Vec<u8>>);

impl ProtoWriter {
    fn raw_varint(&mut self, mut v: u64) {
        loop {
            let b = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                self.0.push(b);
                return;
            }
            self.0.push(b | 0x80);
        }
    }

    /// A varint field; zero (the proto3 default) is not written.
    pub(super) fn varint(&mut self, field: u64, v: u64) {
        if v != 0 {
            self.raw_varint(field << 3);
            self.raw_varint(v);
        }
    }

    /// A length-delimited field; empty is not written.
    pub(super) fn bytes(&mut self, field: u64, b: &[u8]) {
        if !b.is_empty() {
            self.raw_varint(field << 3 | 2);
            self.raw_varint(b.len() as u64);
            self.0.extend_from_slice(b);
        }
    }
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
pub(super) enum Field<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
    Fixed,
}

/// Iterates the fields of a protobuf message: (field number, value). Groups and malformed
/// input are errors.
pub(super) struct Proto<'a>(pub(super) &'a [u8]);

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
