//! The KMIP messages s3crypt-kms sends (Discover Versions, Locate, Encrypt, Decrypt) and the
//! reading of their answers: pure, bytes in and out, so any transport can carry them.

use zeroize::Zeroizing;

use super::ttlv::{Item, TtlvError, Value};

/// KMIP tags used here (KMIP 1.4 §9.1.3.1, 2.0 §9.1.3.1).
#[allow(missing_docs)]
pub mod tag {
    pub const ATTRIBUTE: u32 = 0x420008;
    pub const ATTRIBUTE_NAME: u32 = 0x42000A;
    pub const ATTRIBUTE_VALUE: u32 = 0x42000B;
    pub const BATCH_COUNT: u32 = 0x42000D;
    pub const BATCH_ITEM: u32 = 0x42000F;
    pub const BLOCK_CIPHER_MODE: u32 = 0x420011;
    pub const CRYPTOGRAPHIC_ALGORITHM: u32 = 0x420028;
    pub const CRYPTOGRAPHIC_PARAMETERS: u32 = 0x42002B;
    pub const IV_COUNTER_NONCE: u32 = 0x42003D;
    pub const NAME: u32 = 0x420053;
    pub const NAME_TYPE: u32 = 0x420054;
    pub const NAME_VALUE: u32 = 0x420055;
    pub const OPERATION: u32 = 0x42005C;
    pub const PROTOCOL_VERSION: u32 = 0x420069;
    pub const PROTOCOL_VERSION_MAJOR: u32 = 0x42006A;
    pub const PROTOCOL_VERSION_MINOR: u32 = 0x42006B;
    pub const REQUEST_HEADER: u32 = 0x420077;
    pub const REQUEST_MESSAGE: u32 = 0x420078;
    pub const REQUEST_PAYLOAD: u32 = 0x420079;
    pub const RESPONSE_HEADER: u32 = 0x42007A;
    pub const RESPONSE_MESSAGE: u32 = 0x42007B;
    pub const RESPONSE_PAYLOAD: u32 = 0x42007C;
    pub const RESULT_MESSAGE: u32 = 0x42007D;
    pub const RESULT_REASON: u32 = 0x42007E;
    pub const RESULT_STATUS: u32 = 0x42007F;
    pub const UNIQUE_IDENTIFIER: u32 = 0x420094;
    pub const DATA: u32 = 0x4200C2;
    pub const TAG_LENGTH: u32 = 0x4200CE;
    pub const AUTHENTICATED_ENCRYPTION_ADDITIONAL_DATA: u32 = 0x4200FE;
    pub const AUTHENTICATED_ENCRYPTION_TAG: u32 = 0x4200FF;
    pub const ATTRIBUTES: u32 = 0x420125;
}

/// KMIP operations used here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Operation {
    /// 0x08: find objects by attribute (here: by Name).
    Locate,
    /// 0x1E: the protocol versions the server speaks.
    DiscoverVersions,
    /// 0x1F: encrypt at the server with a key that never leaves it.
    Encrypt,
    /// 0x20: decrypt at the server.
    Decrypt,
}

impl Operation {
    /// The operation's enumeration value.
    pub fn code(self) -> u32 {
        match self {
            Operation::Locate => 0x08,
            Operation::DiscoverVersions => 0x1E,
            Operation::Encrypt => 0x1F,
            Operation::Decrypt => 0x20,
        }
    }
}

/// The protocol versions spoken (KMIP 1.4 and 2.0: AES-GCM Encrypt/Decrypt with additional
/// data needs 1.4; 2.0 changed Locate's attribute encoding).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Version {
    /// KMIP 1.4.
    V1_4,
    /// KMIP 2.0.
    V2_0,
}

impl Version {
    fn pair(self) -> (i32, i32) {
        match self {
            Version::V1_4 => (1, 4),
            Version::V2_0 => (2, 0),
        }
    }

    fn item(self) -> Item {
        let (major, minor) = self.pair();
        Item::structure(
            tag::PROTOCOL_VERSION,
            vec![
                Item::new(tag::PROTOCOL_VERSION_MAJOR, Value::Integer(major)),
                Item::new(tag::PROTOCOL_VERSION_MINOR, Value::Integer(minor)),
            ],
        )
    }

    /// The version named `1.4` or `2.0`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "1.4" => Some(Version::V1_4),
            "2.0" => Some(Version::V2_0),
            _ => None,
        }
    }
}

/// KMIP's Result Reason values this crate acts on.
#[allow(missing_docs)]
pub mod reason {
    pub const ITEM_NOT_FOUND: u32 = 0x01;
    pub const AUTHENTICATION_NOT_SUCCESSFUL: u32 = 0x03;
    pub const OPERATION_NOT_SUPPORTED: u32 = 0x05;
    pub const INVALID_FIELD: u32 = 0x07;
    pub const FEATURE_NOT_SUPPORTED: u32 = 0x08;
    pub const CRYPTOGRAPHIC_FAILURE: u32 = 0x0A;
    pub const PERMISSION_DENIED: u32 = 0x0C;
    pub const OBJECT_ARCHIVED: u32 = 0x0D;
    pub const BAD_CRYPTOGRAPHIC_PARAMETERS: u32 = 0x24;
    pub const OBJECT_DESTROYED: u32 = 0x36;
    pub const OBJECT_NOT_FOUND: u32 = 0x37;
    pub const NOT_AUTHORISED: u32 = 0x39;
    pub const SERVER_LIMIT_EXCEEDED: u32 = 0x3A;
    pub const UNSUPPORTED_CRYPTOGRAPHIC_PARAMETERS: u32 = 0x3E;
    pub const WRONG_KEY_LIFECYCLE_STATE: u32 = 0x43;
    pub const PROTECTION_STORAGE_UNAVAILABLE: u32 = 0x44;
    pub const GENERAL_FAILURE: u32 = 0x100;
}

/// A request message of one batch item.
pub fn request(version: Version, op: Operation, payload: Vec<Item>) -> Item {
    Item::structure(
        tag::REQUEST_MESSAGE,
        vec![
            Item::structure(
                tag::REQUEST_HEADER,
                vec![
                    version.item(),
                    Item::new(tag::BATCH_COUNT, Value::Integer(1)),
                ],
            ),
            Item::structure(
                tag::BATCH_ITEM,
                vec![
                    Item::new(tag::OPERATION, Value::Enumeration(op.code())),
                    Item::structure(tag::REQUEST_PAYLOAD, payload),
                ],
            ),
        ],
    )
}

/// Discover Versions, offering 2.0 and 1.4 (preferred first).
pub fn discover_versions() -> Item {
    request(
        Version::V1_4,
        Operation::DiscoverVersions,
        vec![Version::V2_0.item(), Version::V1_4.item()],
    )
}

/// Locate the objects named `name` (newest first on servers that order by Initial Date).
pub fn locate(version: Version, name: &str) -> Item {
    let name_item = Item::structure(
        tag::NAME,
        vec![
            Item::new(tag::NAME_VALUE, Value::TextString(name.to_owned())),
            // Uninterpreted Text String.
            Item::new(tag::NAME_TYPE, Value::Enumeration(1)),
        ],
    );
    let payload = match version {
        Version::V1_4 => vec![Item::structure(
            tag::ATTRIBUTE,
            vec![
                Item::new(tag::ATTRIBUTE_NAME, Value::TextString("Name".into())),
                Item {
                    tag: tag::ATTRIBUTE_VALUE,
                    value: name_item.value,
                },
            ],
        )],
        Version::V2_0 => vec![Item::structure(tag::ATTRIBUTES, vec![name_item])],
    };
    request(version, Operation::Locate, payload)
}

/// AES-256-GCM with a 16-byte tag.
fn gcm_parameters() -> Item {
    Item::structure(
        tag::CRYPTOGRAPHIC_PARAMETERS,
        vec![
            // GCM
            Item::new(tag::BLOCK_CIPHER_MODE, Value::Enumeration(0x09)),
            // AES
            Item::new(tag::CRYPTOGRAPHIC_ALGORITHM, Value::Enumeration(0x03)),
            Item::new(tag::TAG_LENGTH, Value::Integer(16)),
        ],
    )
}

fn bytes(tag: u32, b: &[u8]) -> Item {
    Item::new(tag, Value::ByteString(Zeroizing::new(b.to_vec())))
}

/// Encrypt `data` at the server with the key `uid`, AES-GCM, the caller's nonce and `aad`.
pub fn encrypt(version: Version, uid: &str, data: &[u8], nonce: &[u8], aad: &[u8]) -> Item {
    request(
        version,
        Operation::Encrypt,
        vec![
            Item::new(tag::UNIQUE_IDENTIFIER, Value::TextString(uid.to_owned())),
            gcm_parameters(),
            bytes(tag::DATA, data),
            bytes(tag::IV_COUNTER_NONCE, nonce),
            bytes(tag::AUTHENTICATED_ENCRYPTION_ADDITIONAL_DATA, aad),
        ],
    )
}

/// Decrypt at the server with the key `uid`, AES-GCM.
pub fn decrypt(
    version: Version,
    uid: &str,
    ciphertext: &[u8],
    nonce: &[u8],
    aad: &[u8],
    auth_tag: &[u8],
) -> Item {
    request(
        version,
        Operation::Decrypt,
        vec![
            Item::new(tag::UNIQUE_IDENTIFIER, Value::TextString(uid.to_owned())),
            gcm_parameters(),
            bytes(tag::DATA, ciphertext),
            bytes(tag::IV_COUNTER_NONCE, nonce),
            bytes(tag::AUTHENTICATED_ENCRYPTION_ADDITIONAL_DATA, aad),
            bytes(tag::AUTHENTICATED_ENCRYPTION_TAG, auth_tag),
        ],
    )
}

/// A request the server refused (Result Status: Operation Failed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The Result Reason, when given.
    pub reason: Option<u32>,
    /// The Result Message, when given (the server's words; never carries key material).
    pub message: String,
}

/// Why bytes are not the answer to the request sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MessageError {
    /// Not TTLV.
    #[error(transparent)]
    Ttlv(#[from] TtlvError),
    /// TTLV, but not the response message expected.
    #[error("not the KMIP response expected: {0}")]
    Unexpected(&'static str),
}

/// Reads the response to a one-item request of `op`: the Response Payload on success (an
/// empty structure when the server sent none), the [`Failure`] when the server refused.
pub fn response(bytes: &[u8], op: Operation) -> Result<Result<Item, Failure>, MessageError> {
    use MessageError::Unexpected;
    let msg = Item::decode(bytes)?;
    if msg.tag != tag::RESPONSE_MESSAGE {
        return Err(Unexpected("the message is not a Response Message"));
    }
    let header = msg
        .child(tag::RESPONSE_HEADER)
        .ok_or(Unexpected("the Response Header is missing"))?;
    match header.child(tag::BATCH_COUNT).map(|i| &i.value) {
        Some(Value::Integer(1)) => {}
        _ => return Err(Unexpected("the Batch Count is not 1")),
    }
    let mut items = msg.children_with(tag::BATCH_ITEM);
    let item = items
        .next()
        .ok_or(Unexpected("the Batch Item is missing"))?;
    if items.next().is_some() {
        return Err(Unexpected("more than one Batch Item"));
    }
    if let Some(o) = item.child(tag::OPERATION)
        && o.value != Value::Enumeration(op.code())
    {
        return Err(Unexpected("the answer is for another operation"));
    }
    match item.child(tag::RESULT_STATUS).map(|i| &i.value) {
        Some(Value::Enumeration(0)) => Ok(Ok(item
            .child(tag::RESPONSE_PAYLOAD)
            .cloned()
            .unwrap_or_else(|| Item::structure(tag::RESPONSE_PAYLOAD, Vec::new())))),
        Some(Value::Enumeration(1)) => Ok(Err(Failure {
            reason: match item.child(tag::RESULT_REASON).map(|i| &i.value) {
                Some(Value::Enumeration(r)) => Some(*r),
                _ => None,
            },
            message: match item.child(tag::RESULT_MESSAGE).map(|i| &i.value) {
                Some(Value::TextString(m)) => m.chars().take(200).collect(),
                _ => String::new(),
            },
        })),
        Some(Value::Enumeration(_)) => Err(Unexpected(
            "the Result Status is neither Success nor Operation Failed (asynchronous answers are not requested)",
        )),
        _ => Err(Unexpected("the Result Status is missing")),
    }
}

/// The versions a Discover Versions answer lists, in the server's order of preference
/// (unknown ones skipped).
pub fn versions(payload: &Item) -> Vec<Version> {
    payload
        .children_with(tag::PROTOCOL_VERSION)
        .filter_map(|v| {
            match (
                v.child(tag::PROTOCOL_VERSION_MAJOR).map(|i| &i.value),
                v.child(tag::PROTOCOL_VERSION_MINOR).map(|i| &i.value),
            ) {
                (Some(Value::Integer(2)), Some(Value::Integer(0))) => Some(Version::V2_0),
                (Some(Value::Integer(1)), Some(Value::Integer(4))) => Some(Version::V1_4),
                _ => None,
            }
        })
        .collect()
}

/// The Unique Identifiers of a Locate answer, in the server's order.
pub fn unique_identifiers(payload: &Item) -> Vec<String> {
    payload
        .children_with(tag::UNIQUE_IDENTIFIER)
        .filter_map(|i| match &i.value {
            Value::TextString(s) => Some(s.clone()),
            _ => None,
        })
        .collect()
}

/// The byte string with `tag` in a payload.
pub fn byte_field(payload: &Item, tag: u32) -> Option<&[u8]> {
    match &payload.child(tag)?.value {
        Value::ByteString(b) => Some(b),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u32, op: u32, payload: Vec<Item>, extra: Vec<Item>) -> Vec<u8> {
        let mut bi = vec![
            Item::new(tag::OPERATION, Value::Enumeration(op)),
            Item::new(tag::RESULT_STATUS, Value::Enumeration(status)),
        ];
        bi.extend(extra);
        bi.push(Item::structure(tag::RESPONSE_PAYLOAD, payload));
        Item::structure(
            tag::RESPONSE_MESSAGE,
            vec![
                Item::structure(
                    tag::RESPONSE_HEADER,
                    vec![
                        Version::V1_4.item(),
                        Item::new(0x420092, Value::DateTime(0)),
                        Item::new(tag::BATCH_COUNT, Value::Integer(1)),
                    ],
                ),
                Item::structure(tag::BATCH_ITEM, bi),
            ],
        )
        .to_bytes()
        .to_vec()
    }

    #[test]
    fn reads_success_failure_and_refuses_the_wrong_answer() {
        let ok = answer(
            0,
            0x08,
            vec![
                Item::new(tag::UNIQUE_IDENTIFIER, Value::TextString("7".into())),
                Item::new(tag::UNIQUE_IDENTIFIER, Value::TextString("3".into())),
            ],
            vec![],
        );
        let p = response(&ok, Operation::Locate).unwrap().unwrap();
        assert_eq!(unique_identifiers(&p), ["7", "3"]);
        assert!(matches!(
            response(&ok, Operation::Encrypt),
            Err(MessageError::Unexpected(_))
        ));
        let failed = answer(
            1,
            0x20,
            vec![],
            vec![
                Item::new(
                    tag::RESULT_REASON,
                    Value::Enumeration(reason::PERMISSION_DENIED),
                ),
                Item::new(tag::RESULT_MESSAGE, Value::TextString("not active".into())),
            ],
        );
        assert_eq!(
            response(&failed, Operation::Decrypt).unwrap(),
            Err(Failure {
                reason: Some(reason::PERMISSION_DENIED),
                message: "not active".into()
            })
        );
        let pending = answer(2, 0x20, vec![], vec![]);
        assert!(response(&pending, Operation::Decrypt).is_err());
        assert!(response(&ok[..ok.len() - 8], Operation::Locate).is_err());
    }

    #[test]
    fn locate_encodings_differ_by_version() {
        let v1 = locate(Version::V1_4, "k").to_bytes();
        let v2 = locate(Version::V2_0, "k").to_bytes();
        let p1 = Item::decode(&v1).unwrap();
        let p2 = Item::decode(&v2).unwrap();
        let pay = |m: &Item| {
            m.child(tag::BATCH_ITEM)
                .unwrap()
                .child(tag::REQUEST_PAYLOAD)
                .cloned()
                .unwrap()
        };
        assert!(pay(&p1).child(tag::ATTRIBUTE).is_some());
        assert!(
            pay(&p2)
                .child(tag::ATTRIBUTES)
                .unwrap()
                .child(tag::NAME)
                .is_some()
        );
    }
}
