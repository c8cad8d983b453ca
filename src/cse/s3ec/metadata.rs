//! The S3EC content metadata: V1 (read), V2 and V3, as object user metadata and as
//! instruction files. JSON values are parsed as maps, never compared as text.

use std::collections::BTreeMap;

use base64::Engine as _;

use super::S3ecError;
use crate::encoding::{Duplicates, parse_string_map, write_string_map};

/// The default suffix of an instruction file: the object `<key>` has its content metadata
/// in `<key>.instruction`.
pub const INSTRUCTION_SUFFIX: &str = ".instruction";
/// The user-metadata entry that marks an instruction file (value: empty).
pub const INSTRUCTION_FILE_MARKER: &str = "x-amz-crypto-instr-file";

/// The reserved encryption-context key that binds the content algorithm (kms+context).
pub const CEK_ALG_CONTEXT_KEY: &str = "aws:x-amz-cek-alg";

const K_KEY_V1: &str = "x-amz-key";
const K_KEY_V2: &str = "x-amz-key-v2";
const K_IV: &str = "x-amz-iv";
const K_MATDESC: &str = "x-amz-matdesc";
const K_CEK_ALG: &str = "x-amz-cek-alg";
const K_WRAP_ALG: &str = "x-amz-wrap-alg";
const K_TAG_LEN: &str = "x-amz-tag-len";
const K_PT_LEN: &str = "x-amz-unencrypted-content-length";
const K_C: &str = "x-amz-c";
const K_3: &str = "x-amz-3";
const K_W: &str = "x-amz-w";
const K_D: &str = "x-amz-d";
const K_I: &str = "x-amz-i";
const K_T: &str = "x-amz-t";
const K_M: &str = "x-amz-m";

const V1V2_KEYS: [&str; 8] = [
    K_KEY_V1, K_KEY_V2, K_IV, K_MATDESC, K_CEK_ALG, K_WRAP_ALG, K_TAG_LEN, K_PT_LEN,
];
const V3_KEYS: [&str; 7] = [K_C, K_3, K_W, K_D, K_I, K_T, K_M];
/// The V3 keys that stay on the object when the rest is in an instruction file.
const V3_OBJECT_KEYS: [&str; 3] = [K_C, K_D, K_I];

/// The S3EC metadata layout version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// V1 (`x-amz-key`): legacy, read only.
    V1,
    /// V2 (`x-amz-key-v2`).
    V2,
    /// V3 (`x-amz-3`, compressed names, key commitment).
    V3,
}

/// The content encryption algorithm (S3EC algorithm suite).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ContentAlgorithm {
    /// `ALG_AES_256_CBC_IV16_NO_KDF` (0x0070): AES-256-CBC, PKCS#7; unauthenticated, read
    /// only, behind [`super::ReadOptions::legacy_cbc`].
    AesCbc,
    /// `ALG_AES_256_GCM_IV12_TAG16_NO_KDF` (0x0072): AES-256-GCM under the data key (V2).
    AesGcm,
    /// `ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY` (0x0073): AES-256-GCM under an HKDF-SHA512
    /// derived key, with a stored key commitment (V3).
    AesGcmCommitting,
}

impl ContentAlgorithm {
    /// The suite id.
    pub fn id(self) -> u16 {
        match self {
            Self::AesCbc => 0x0070,
            Self::AesGcm => 0x0072,
            Self::AesGcmCommitting => 0x0073,
        }
    }
    /// The name stored in `x-amz-cek-alg` / `x-amz-c` and bound into the wrap
    /// (`AES/CBC/PKCS5Padding`, `AES/GCM/NoPadding`, `115`).
    pub fn name(self) -> &'static str {
        match self {
            Self::AesCbc => "AES/CBC/PKCS5Padding",
            Self::AesGcm => "AES/GCM/NoPadding",
            Self::AesGcmCommitting => "115",
        }
    }
    /// Whether the suite commits to its key.
    pub fn is_committing(self) -> bool {
        self == Self::AesGcmCommitting
    }
}

/// How the data key is wrapped (`x-amz-wrap-alg` / `x-amz-w`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WrapAlgorithm {
    /// `kms+context` / `12`: a KMS data key bound to the encryption context.
    KmsContext,
    /// `kms`: legacy KMS wrap (decrypt only, behind [`super::ReadOptions::legacy_wrapping`]).
    Kms,
    /// `AES/GCM` / `02`: AES-256-GCM under a raw AES key, the content algorithm as AAD.
    AesGcm,
    /// `AESWrap`: legacy RFC 3394 AES key wrap (decrypt only, legacy opt-in).
    AesWrap,
    /// V1 without `x-amz-wrap-alg` and a ≤ 48-byte key: AES/ECB/PKCS5Padding (decrypt only,
    /// legacy opt-in).
    AesEcb,
    /// `RSA-OAEP-SHA1` / `22`: RSA-OAEP (SHA-1) of the data key and the content cipher name
    /// (feature `aws-lc`; see `Keyring::Rsa`).
    RsaOaepSha1,
    /// Legacy RSA wraps (`RSA/ECB/OAEPWithSHA-256AndMGF1Padding`, V1 RSA): recognised and
    /// refused (no constant-time implementation of OAEP with SHA-256 and MGF1-SHA-1).
    RsaLegacy,
}

impl WrapAlgorithm {
    fn from_v2(name: &str) -> Result<Self, S3ecError> {
        Ok(match name {
            "kms+context" => Self::KmsContext,
            "kms" => Self::Kms,
            "AES/GCM" => Self::AesGcm,
            "AESWrap" => Self::AesWrap,
            "RSA-OAEP-SHA1" => Self::RsaOaepSha1,
            "RSA/ECB/OAEPWithSHA-256AndMGF1Padding" => Self::RsaLegacy,
            other => return Err(S3ecError::UnknownWrap(other.to_owned())),
        })
    }
    fn v2_name(self) -> Option<&'static str> {
        Some(match self {
            Self::KmsContext => "kms+context",
            Self::Kms => "kms",
            Self::AesGcm => "AES/GCM",
            Self::AesWrap => "AESWrap",
            Self::RsaOaepSha1 => "RSA-OAEP-SHA1",
            Self::RsaLegacy => "RSA/ECB/OAEPWithSHA-256AndMGF1Padding",
            Self::AesEcb => return None,
        })
    }
    fn from_v3(code: &str) -> Result<Self, S3ecError> {
        Ok(match code {
            "02" => Self::AesGcm,
            "12" => Self::KmsContext,
            "22" => Self::RsaOaepSha1,
            other => return Err(S3ecError::UnknownWrap(other.to_owned())),
        })
    }
    fn v3_code(self) -> Option<&'static str> {
        match self {
            Self::AesGcm => Some("02"),
            Self::KmsContext => Some("12"),
            Self::RsaOaepSha1 => Some("22"),
            _ => None,
        }
    }
    /// Whether the KMS encryption context (rather than a material description) goes with it.
    fn uses_kms_context(self) -> bool {
        matches!(self, Self::KmsContext | Self::Kms)
    }
}

/// The IV of the content cipher as stored (`x-amz-iv`; V3 stores none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentIv {
    /// 12 bytes, AES-GCM.
    Gcm([u8; 12]),
    /// 16 bytes, AES-CBC.
    Cbc([u8; 16]),
}

/// An object's S3EC content metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentMetadata {
    /// The layout version.
    pub format: Format,
    /// The content algorithm.
    pub content: ContentAlgorithm,
    /// The key wrap.
    pub wrap: WrapAlgorithm,
    /// The wrapped data key (a KMS ciphertext blob, or a raw-keyring wrap).
    pub encrypted_key: Vec<u8>,
    /// V1/V2: the content IV.
    pub iv: Option<ContentIv>,
    /// V3: the 28-byte message id (the HKDF salt).
    pub message_id: Option<[u8; 28]>,
    /// V3: the 28-byte key commitment.
    pub commitment: Option<[u8; 28]>,
    /// The KMS encryption context (kms wraps) or the material description (raw keyrings).
    pub context: BTreeMap<String, String>,
    /// `x-amz-unencrypted-content-length`, when stored.
    pub plaintext_len: Option<u64>,
}

fn b64(text: &str, what: &'static str) -> Result<Vec<u8>, S3ecError> {
    crate::encoding::decode_base64_padded(text.trim().as_bytes(), false)
        .map(|z| z.to_vec())
        .ok_or(S3ecError::Metadata(what))
}

fn b64_fixed<const N: usize>(text: &str, what: &'static str) -> Result<[u8; N], S3ecError> {
    b64(text, what)?
        .try_into()
        .map_err(|_| S3ecError::Metadata(what))
}

fn enc64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn json_map(text: &str, what: &'static str) -> Result<BTreeMap<String, String>, S3ecError> {
    let text = decode_encoded_words(text).ok_or(S3ecError::Metadata(what))?;
    if text.trim().is_empty() {
        return Ok(BTreeMap::new());
    }
    parse_string_map(&text, Duplicates::Refuse).map_err(|_| S3ecError::Metadata(what))
}

/// Undoes S3's transport encoding of a non-ASCII metadata value: S3 returns a stored value
/// that is not US-ASCII as RFC 2047 encoded-words (`=?UTF-8?B?…?=`). A value made only of
/// encoded-words (UTF-8, `B` or `Q`, separated by whitespace) is decoded; any other value is
/// returned as it is. `None` for an encoded-word that does not decode to UTF-8.
pub(crate) fn decode_encoded_words(value: &str) -> Option<std::borrow::Cow<'_, str>> {
    let words: Vec<&str> = value.split_ascii_whitespace().collect();
    let is_word = |w: &str| w.len() > 4 && w.starts_with("=?") && w.ends_with("?=");
    if words.is_empty() || !words.iter().all(|w| is_word(w)) {
        return Some(std::borrow::Cow::Borrowed(value));
    }
    let mut bytes = Vec::new();
    for w in words {
        let mut parts = w[2..w.len() - 2].splitn(3, '?');
        let (charset, enc, text) = (parts.next()?, parts.next()?, parts.next()?);
        if !charset.eq_ignore_ascii_case("utf-8") {
            return None;
        }
        if enc.eq_ignore_ascii_case("b") {
            bytes.extend_from_slice(&crate::encoding::decode_base64_padded(
                text.as_bytes(),
                false,
            )?);
        } else if enc.eq_ignore_ascii_case("q") {
            let mut t = text.bytes();
            while let Some(c) = t.next() {
                match c {
                    b'_' => bytes.push(b' '),
                    b'=' => {
                        let hex = [t.next()?, t.next()?];
                        let hex = core::str::from_utf8(&hex).ok()?;
                        bytes.push(u8::from_str_radix(hex, 16).ok()?);
                    }
                    c => bytes.push(c),
                }
            }
        } else {
            return None;
        }
    }
    String::from_utf8(bytes).ok().map(std::borrow::Cow::Owned)
}

/// The S3EC entries of a metadata listing, names normalised (an `x-amz-meta-` prefix
/// removed, ASCII lowercase); other entries are the caller's and ignored. A name given twice
/// is an error.
fn collect<'a>(
    metadata: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<BTreeMap<&'static str, String>, S3ecError> {
    let mut out = BTreeMap::new();
    for (name, value) in metadata {
        let name = name.trim().to_ascii_lowercase();
        let bare = name.strip_prefix("x-amz-meta-").unwrap_or(&name);
        let known = V1V2_KEYS.iter().chain(V3_KEYS.iter()).find(|k| **k == bare);
        if let Some(k) = known {
            if out.insert(*k, value.to_owned()).is_some() {
                return Err(S3ecError::Conflict(
                    "a content-metadata entry appears twice",
                ));
            }
        }
    }
    Ok(out)
}

impl ContentMetadata {
    /// Reads the content metadata from an object's metadata (user-metadata names, or response
    /// headers with `x-amz-meta-`). `Ok(None)`: the object carries no complete content
    /// metadata — read `<key>.instruction` and call [`ContentMetadata::from_instruction_file`]
    /// (if there is none, the object is not S3EC-encrypted).
    pub fn from_object<'a>(
        metadata: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Option<Self>, S3ecError> {
        let m = collect(metadata)?;
        let keys = [K_KEY_V1, K_KEY_V2, K_3]
            .iter()
            .filter(|k| m.contains_key(*k))
            .count();
        if keys > 1 {
            return Err(S3ecError::Conflict(
                "keys of two format versions (more than one of x-amz-key, x-amz-key-v2, x-amz-3)",
            ));
        }
        if keys == 0 {
            // Only the V3 entries that stay on the object may be here.
            if m.keys().any(|k| !V3_OBJECT_KEYS.contains(k)) {
                return Err(S3ecError::Conflict(
                    "content metadata without a wrapped key (x-amz-key, x-amz-key-v2 or x-amz-3)",
                ));
            }
            return Ok(None);
        }
        Self::decode(&m).map(Some)
    }

    /// Reads the content metadata of an object whose metadata is in an instruction file:
    /// `object_metadata` is the data object's metadata, `body` the instruction file's body
    /// (one JSON object of strings). V1/V2: everything is in the file and nothing on the
    /// object. V3: `x-amz-c`, `x-amz-d` and `x-amz-i` are on the object and must not be in
    /// the file; the rest is in the file.
    pub fn from_instruction_file<'a>(
        object_metadata: impl IntoIterator<Item = (&'a str, &'a str)>,
        body: &[u8],
    ) -> Result<Self, S3ecError> {
        let on_object = collect(object_metadata)?;
        let text = core::str::from_utf8(body)
            .map_err(|_| S3ecError::Metadata("the instruction file is not UTF-8"))?;
        let map = parse_string_map(text, Duplicates::Refuse).map_err(|_| {
            S3ecError::Metadata("the instruction file is not a JSON object of strings")
        })?;
        let mut in_file = BTreeMap::new();
        for (k, v) in &map {
            let known = V1V2_KEYS
                .iter()
                .chain(V3_KEYS.iter())
                .find(|n| **n == k.as_str());
            match known {
                Some(n) => {
                    in_file.insert(*n, v.clone());
                }
                None => {
                    return Err(S3ecError::Conflict(
                        "the instruction file holds an entry that is not S3EC content metadata",
                    ));
                }
            }
        }
        if in_file.contains_key(K_3) {
            if in_file.keys().any(|k| V3_OBJECT_KEYS.contains(k)) {
                return Err(S3ecError::Conflict(
                    "x-amz-c, x-amz-d and x-amz-i must stay on the object, not in the instruction file",
                ));
            }
            if on_object.keys().any(|k| !V3_OBJECT_KEYS.contains(k)) {
                return Err(S3ecError::Conflict(
                    "content metadata both on the object and in the instruction file",
                ));
            }
            let mut all = on_object;
            all.extend(in_file);
            Self::decode(&all)
        } else {
            if !on_object.is_empty() {
                return Err(S3ecError::Conflict(
                    "content metadata both on the object and in the instruction file",
                ));
            }
            if in_file
                .keys()
                .filter(|k| [K_KEY_V1, K_KEY_V2].contains(k))
                .count()
                != 1
            {
                return Err(S3ecError::Conflict(
                    "the instruction file must hold exactly one wrapped key",
                ));
            }
            Self::decode(&in_file)
        }
    }

    fn decode(m: &BTreeMap<&'static str, String>) -> Result<Self, S3ecError> {
        let get = |k: &str| m.get(k).map(String::as_str);
        if let Some(edk) = get(K_3) {
            if m.keys().any(|k| V1V2_KEYS.contains(k)) {
                return Err(S3ecError::Conflict("V3 metadata with V1/V2 entries"));
            }
            let c = get(K_C).ok_or(S3ecError::Metadata("V3 without x-amz-c"))?;
            if c.trim() != "115" {
                return Err(S3ecError::UnknownContent(c.to_owned()));
            }
            let wrap = WrapAlgorithm::from_v3(
                get(K_W)
                    .ok_or(S3ecError::Metadata("V3 without x-amz-w"))?
                    .trim(),
            )?;
            let (ctx_key, other) = if wrap.uses_kms_context() {
                (K_T, K_M)
            } else {
                (K_M, K_T)
            };
            if get(other).is_some_and(|v| !v.trim().is_empty()) {
                return Err(S3ecError::Conflict(
                    "x-amz-t belongs to KMS wraps and x-amz-m to raw-key wraps; the other is set",
                ));
            }
            return Ok(Self {
                format: Format::V3,
                content: ContentAlgorithm::AesGcmCommitting,
                wrap,
                encrypted_key: b64(edk, "x-amz-3 is not base64")?,
                iv: None,
                message_id: Some(b64_fixed(
                    get(K_I).ok_or(S3ecError::Metadata("V3 without x-amz-i"))?,
                    "x-amz-i is not 28 bytes of base64",
                )?),
                commitment: Some(b64_fixed(
                    get(K_D).ok_or(S3ecError::Metadata("V3 without x-amz-d"))?,
                    "x-amz-d is not 28 bytes of base64",
                )?),
                context: json_map(
                    get(ctx_key).unwrap_or(""),
                    "x-amz-t/x-amz-m is not a JSON object of strings",
                )?,
                plaintext_len: None,
            });
        }
        if m.keys().any(|k| V3_KEYS.contains(k)) {
            return Err(S3ecError::Conflict("V1/V2 metadata with V3 entries"));
        }
        let iv_text = get(K_IV).ok_or(S3ecError::Metadata("no x-amz-iv"))?;
        let iv = b64(iv_text, "x-amz-iv is not base64")?;
        let context = json_map(
            get(K_MATDESC).unwrap_or(""),
            "x-amz-matdesc is not a JSON object of strings",
        )?;
        let plaintext_len = get(K_PT_LEN)
            .map(|v| {
                let v = v.trim();
                if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(S3ecError::Metadata(
                        "x-amz-unencrypted-content-length is not a number",
                    ));
                }
                v.parse::<u64>().map_err(|_| {
                    S3ecError::Metadata("x-amz-unencrypted-content-length is not a number")
                })
            })
            .transpose()?;
        let (format, content, wrap, edk) = if let Some(edk) = get(K_KEY_V2) {
            let content = match get(K_CEK_ALG).map(str::trim) {
                Some("AES/GCM/NoPadding") => ContentAlgorithm::AesGcm,
                Some("AES/CBC/PKCS5Padding") => ContentAlgorithm::AesCbc,
                Some(other) => return Err(S3ecError::UnknownContent(other.to_owned())),
                None => return Err(S3ecError::Metadata("V2 without x-amz-cek-alg")),
            };
            let wrap = WrapAlgorithm::from_v2(
                get(K_WRAP_ALG)
                    .ok_or(S3ecError::Metadata("V2 without x-amz-wrap-alg"))?
                    .trim(),
            )?;
            (
                Format::V2,
                content,
                wrap,
                b64(edk, "x-amz-key-v2 is not base64")?,
            )
        } else {
            let edk = b64(
                get(K_KEY_V1).ok_or(S3ecError::Metadata("no wrapped key"))?,
                "x-amz-key is not base64",
            )?;
            if get(K_CEK_ALG).is_some() || get(K_WRAP_ALG).is_some() || get(K_TAG_LEN).is_some() {
                return Err(S3ecError::Conflict(
                    "V1 metadata (x-amz-key) with V2 algorithm entries",
                ));
            }
            let wrap = if edk.len() <= 48 {
                WrapAlgorithm::AesEcb
            } else {
                WrapAlgorithm::RsaLegacy
            };
            (Format::V1, ContentAlgorithm::AesCbc, wrap, edk)
        };
        let iv = match content {
            ContentAlgorithm::AesGcm => {
                match get(K_TAG_LEN).map(str::trim) {
                    None | Some("128") => {}
                    Some(_) => return Err(S3ecError::Metadata("x-amz-tag-len must be 128")),
                }
                ContentIv::Gcm(
                    iv.try_into()
                        .map_err(|_| S3ecError::Metadata("a GCM x-amz-iv must be 12 bytes"))?,
                )
            }
            _ => {
                if get(K_TAG_LEN).is_some() {
                    return Err(S3ecError::Conflict("x-amz-tag-len on a CBC object"));
                }
                ContentIv::Cbc(
                    iv.try_into()
                        .map_err(|_| S3ecError::Metadata("a CBC x-amz-iv must be 16 bytes"))?,
                )
            }
        };
        Ok(Self {
            format,
            content,
            wrap,
            encrypted_key: edk,
            iv: Some(iv),
            message_id: None,
            commitment: None,
            context,
            plaintext_len,
        })
    }

    /// The entries to store as object user metadata (names without `x-amz-meta-`).
    /// V1 cannot be written.
    pub fn to_object_metadata(&self) -> Result<Vec<(String, String)>, S3ecError> {
        let mut out = Vec::new();
        let ctx = write_string_map(self.context.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        match self.format {
            Format::V1 => return Err(S3ecError::Unsupported("writing V1 metadata")),
            Format::V2 => {
                let wrap = self
                    .wrap
                    .v2_name()
                    .ok_or(S3ecError::Unsupported("this wrap in V2 metadata"))?;
                let iv = match self.iv {
                    Some(ContentIv::Gcm(iv)) => enc64(&iv),
                    Some(ContentIv::Cbc(iv)) => enc64(&iv),
                    None => return Err(S3ecError::Metadata("V2 without an IV")),
                };
                out.push((K_KEY_V2.to_owned(), enc64(&self.encrypted_key)));
                out.push((K_IV.to_owned(), iv));
                out.push((K_CEK_ALG.to_owned(), self.content.name().to_owned()));
                out.push((K_WRAP_ALG.to_owned(), wrap.to_owned()));
                if self.content == ContentAlgorithm::AesGcm {
                    out.push((K_TAG_LEN.to_owned(), "128".to_owned()));
                }
                out.push((K_MATDESC.to_owned(), ctx));
                if let Some(n) = self.plaintext_len {
                    out.push((K_PT_LEN.to_owned(), n.to_string()));
                }
            }
            Format::V3 => {
                let (Some(i), Some(d)) = (self.message_id, self.commitment) else {
                    return Err(S3ecError::Metadata("V3 without message id and commitment"));
                };
                let w = self
                    .wrap
                    .v3_code()
                    .ok_or(S3ecError::Unsupported("this wrap in V3 metadata"))?;
                out.push((K_C.to_owned(), "115".to_owned()));
                out.push((K_3.to_owned(), enc64(&self.encrypted_key)));
                out.push((K_W.to_owned(), w.to_owned()));
                out.push((K_D.to_owned(), enc64(&d)));
                out.push((K_I.to_owned(), enc64(&i)));
                if !self.context.is_empty() {
                    let k = if self.wrap.uses_kms_context() {
                        K_T
                    } else {
                        K_M
                    };
                    out.push((k.to_owned(), ctx));
                }
            }
        }
        Ok(out)
    }

    /// The instruction-file form: (entries to store on the data object, the instruction
    /// file's JSON body). Store the body as `<key>` + [`INSTRUCTION_SUFFIX`] with user
    /// metadata [`INSTRUCTION_FILE_MARKER`] = `""`.
    pub fn to_instruction_file(&self) -> Result<(Vec<(String, String)>, String), S3ecError> {
        let all = self.to_object_metadata()?;
        let (object, file): (Vec<_>, Vec<_>) = all
            .into_iter()
            .partition(|(k, _)| self.format == Format::V3 && V3_OBJECT_KEYS.contains(&k.as_str()));
        let body = write_string_map(file.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        Ok((object, body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_encoded_words() {
        // {"dept":"é"} as S3 returns it, B and Q, and split over two words.
        let json = "{\"dept\":\"\u{e9}\"}";
        let b = format!(
            "=?UTF-8?B?{}?=",
            base64::engine::general_purpose::STANDARD.encode(json)
        );
        assert_eq!(decode_encoded_words(&b).unwrap(), json);
        assert_eq!(
            decode_encoded_words("=?utf-8?q?{\"dept\":\"=C3=A9\"}?=").unwrap(),
            json
        );
        assert_eq!(
            decode_encoded_words("=?UTF-8?Q?{\"dept\":?= =?UTF-8?Q?\"=C3=A9\"}?=").unwrap(),
            json
        );
        assert_eq!(json_map(&b, "x").unwrap()["dept"], "\u{e9}");
        // Plain values pass through; broken words are refused.
        assert_eq!(
            decode_encoded_words("{\"a\":\"b\"}").unwrap(),
            "{\"a\":\"b\"}"
        );
        assert!(decode_encoded_words("=?ISO-8859-1?Q?=E9?=").is_none());
        assert!(decode_encoded_words("=?UTF-8?B?w6?=").is_none());
        assert!(decode_encoded_words("=?UTF-8?Q?=FF?=").is_none());
        assert!(decode_encoded_words("=?UTF-8?Q?=F?=").is_none());
    }
}
