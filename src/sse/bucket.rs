//! A bucket's default encryption: the `ServerSideEncryptionConfiguration` document of
//! `PutBucketEncryption` / `GetBucketEncryption`, parsed strictly and written back.
//!
//! ```xml
//! <ServerSideEncryptionConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
//!   <Rule>
//!     <ApplyServerSideEncryptionByDefault>
//!       <SSEAlgorithm>aws:kms</SSEAlgorithm>
//!       <KMSMasterKeyID>testkey-1</KMSMasterKeyID>
//!     </ApplyServerSideEncryptionByDefault>
//!     <BucketKeyEnabled>true</BucketKeyEnabled>
//!     <BlockedEncryptionTypes><EncryptionType>SSE-C</EncryptionType></BlockedEncryptionTypes>
//!   </Rule>
//! </ServerSideEncryptionConfiguration>
//! ```
//!
//! Amazon S3 takes exactly one `Rule`; `KMSMasterKeyID` only with `aws:kms` or
//! `aws:kms:dsse`; `BlockedEncryptionTypes` lists `SSE-C` (blocked) or `NONE` (nothing
//! blocked). Anything else — an unknown element, a second rule, text where an element
//! belongs, a DOCTYPE — is `MalformedXML`, as S3 answers.
//!
//! ```
//! use s3crypt::sse::bucket::{BucketEncryption, DefaultEncryption};
//!
//! let xml = "<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault>\
//!            <SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault>\
//!            <BlockedEncryptionTypes><EncryptionType>SSE-C</EncryptionType>\
//!            </BlockedEncryptionTypes></Rule></ServerSideEncryptionConfiguration>";
//! let cfg = BucketEncryption::from_xml(xml).unwrap();
//! assert_eq!(cfg.default, Some(DefaultEncryption::SseS3));
//! assert!(cfg.blocks_sse_c);
//! assert_eq!(BucketEncryption::from_xml(&cfg.to_xml()).unwrap(), cfg);
//! ```

use core::fmt;

/// The encryption a bucket applies to writes that ask for none. Parsing trims the
/// surrounding whitespace of values (`KMSMasterKeyID` included).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DefaultEncryption {
    /// `AES256`: SSE-S3.
    SseS3,
    /// `aws:kms`, with the key to use (`None`: the KMS's default key).
    SseKms {
        /// `KMSMasterKeyID`.
        key_id: Option<String>,
    },
    /// `aws:kms:dsse` (stored and echoed; the server kit refuses to write with it).
    DsseKms {
        /// `KMSMasterKeyID`.
        key_id: Option<String>,
    },
}

impl DefaultEncryption {
    /// The `SSEAlgorithm` value.
    pub fn algorithm(&self) -> &'static str {
        match self {
            Self::SseS3 => "AES256",
            Self::SseKms { .. } => "aws:kms",
            Self::DsseKms { .. } => "aws:kms:dsse",
        }
    }

    /// The `KMSMasterKeyID`, if any.
    pub fn key_id(&self) -> Option<&str> {
        match self {
            Self::SseS3 => None,
            Self::SseKms { key_id } | Self::DsseKms { key_id } => key_id.as_deref(),
        }
    }
}

/// A bucket's encryption configuration. `Default` is a bucket without one (no default
/// encryption, nothing blocked).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BucketEncryption {
    /// `ApplyServerSideEncryptionByDefault`.
    pub default: Option<DefaultEncryption>,
    /// `BucketKeyEnabled` (stored and echoed; keys are not cached per bucket).
    pub bucket_key_enabled: Option<bool>,
    /// Whether `BlockedEncryptionTypes` holds `SSE-C`: SSE-C writes answer 403 before any
    /// key is looked at (pass it to [`crate::headers::RequestContext::with_sse_c_blocked`]).
    pub blocks_sse_c: bool,
}

/// Why a configuration document was refused: S3's `MalformedXML` (400), or, for a KMS key
/// id with `AES256`, `InvalidArgument`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BucketEncryptionError {
    /// Not well-formed, or not the schema.
    #[error("malformed ServerSideEncryptionConfiguration: {0}")]
    Malformed(&'static str),
    /// `SSEAlgorithm` is not `AES256`, `aws:kms` or `aws:kms:dsse`.
    #[error("unsupported SSEAlgorithm (expected AES256, aws:kms or aws:kms:dsse)")]
    UnknownAlgorithm,
    /// `KMSMasterKeyID` with `AES256`.
    #[error("KMSMasterKeyID is only valid with aws:kms or aws:kms:dsse")]
    KeyIdWithoutKms,
    /// A `BlockedEncryptionTypes` entry that is neither `SSE-C` nor `NONE`.
    #[error("unknown EncryptionType in BlockedEncryptionTypes (expected SSE-C or NONE)")]
    UnknownEncryptionType,
}

impl BucketEncryptionError {
    /// The S3 error code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed(_) => "MalformedXML",
            _ => "InvalidArgument",
        }
    }

    /// The HTTP status (400).
    pub fn http_status(&self) -> u16 {
        400
    }

    /// The S3 error message.
    pub fn message(&self) -> &'static str {
        match self {
            Self::Malformed(_) => {
                "The XML you provided was not well-formed or did not validate against our published schema"
            }
            Self::UnknownAlgorithm => "The encryption method specified is not supported",
            Self::KeyIdWithoutKms => {
                "a KMS master key id was specified, but the SSE algorithm is not aws:kms"
            }
            Self::UnknownEncryptionType => "Invalid BlockedEncryptionTypes value",
        }
    }
}

/// The largest document accepted (S3 configuration documents are small).
const MAX_XML: usize = 64 * 1024;

impl BucketEncryption {
    /// Parses a `ServerSideEncryptionConfiguration` document.
    pub fn from_xml(xml: &str) -> Result<Self, BucketEncryptionError> {
        use BucketEncryptionError::Malformed;
        if xml.len() > MAX_XML {
            return Err(Malformed("document too large"));
        }
        let root = xml::parse(xml).map_err(Malformed)?;
        if root.name != "ServerSideEncryptionConfiguration" {
            return Err(Malformed(
                "root element is not ServerSideEncryptionConfiguration",
            ));
        }
        let rule = match root.children.as_slice() {
            [r] if r.name == "Rule" => r,
            [] => return Err(Malformed("no Rule")),
            _ => return Err(Malformed("exactly one Rule expected")),
        };
        let mut out = Self::default();
        let (mut seen_default, mut seen_bk, mut seen_blocked) = (false, false, false);
        for el in &rule.children {
            match el.name.as_str() {
                "ApplyServerSideEncryptionByDefault" if !seen_default => {
                    seen_default = true;
                    out.default = Some(parse_default(el)?);
                }
                "BucketKeyEnabled" if !seen_bk => {
                    seen_bk = true;
                    out.bucket_key_enabled = Some(match el.leaf()?.trim() {
                        "true" => true,
                        "false" => false,
                        _ => return Err(Malformed("BucketKeyEnabled is not true or false")),
                    });
                }
                "BlockedEncryptionTypes" if !seen_blocked => {
                    seen_blocked = true;
                    for t in &el.children {
                        if t.name != "EncryptionType" {
                            return Err(Malformed("unexpected element in BlockedEncryptionTypes"));
                        }
                        match t.leaf()?.trim() {
                            "SSE-C" => out.blocks_sse_c = true,
                            "NONE" => {}
                            _ => return Err(BucketEncryptionError::UnknownEncryptionType),
                        }
                    }
                    if !el.text.trim().is_empty() {
                        return Err(Malformed("text in BlockedEncryptionTypes"));
                    }
                }
                _ => return Err(Malformed("unexpected or repeated element in Rule")),
            }
        }
        if !rule.text.trim().is_empty() || !root.text.trim().is_empty() {
            return Err(Malformed("text where an element belongs"));
        }
        Ok(out)
    }

    /// The document, as `GetBucketEncryption` answers it.
    pub fn to_xml(&self) -> String {
        let mut s = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ServerSideEncryptionConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Rule>",
        );
        if let Some(d) = &self.default {
            s.push_str("<ApplyServerSideEncryptionByDefault><SSEAlgorithm>");
            s.push_str(d.algorithm());
            s.push_str("</SSEAlgorithm>");
            if let Some(id) = d.key_id() {
                s.push_str("<KMSMasterKeyID>");
                xml::escape_into(&mut s, id);
                s.push_str("</KMSMasterKeyID>");
            }
            s.push_str("</ApplyServerSideEncryptionByDefault>");
        }
        if let Some(b) = self.bucket_key_enabled {
            s.push_str(if b {
                "<BucketKeyEnabled>true</BucketKeyEnabled>"
            } else {
                "<BucketKeyEnabled>false</BucketKeyEnabled>"
            });
        }
        if self.blocks_sse_c {
            s.push_str("<BlockedEncryptionTypes><EncryptionType>SSE-C</EncryptionType></BlockedEncryptionTypes>");
        }
        s.push_str("</Rule></ServerSideEncryptionConfiguration>");
        s
    }
}

fn parse_default(el: &xml::Element) -> Result<DefaultEncryption, BucketEncryptionError> {
    use BucketEncryptionError::Malformed;
    let (mut alg, mut key_id) = (None, None);
    for c in &el.children {
        match c.name.as_str() {
            "SSEAlgorithm" if alg.is_none() => alg = Some(c.leaf()?.trim().to_owned()),
            "KMSMasterKeyID" if key_id.is_none() => {
                let v = c.leaf()?.trim();
                if v.is_empty() {
                    return Err(Malformed("empty KMSMasterKeyID"));
                }
                key_id = Some(v.to_owned());
            }
            _ => {
                return Err(Malformed(
                    "unexpected or repeated element in ApplyServerSideEncryptionByDefault",
                ));
            }
        }
    }
    if !el.text.trim().is_empty() {
        return Err(Malformed("text in ApplyServerSideEncryptionByDefault"));
    }
    match alg.as_deref() {
        None => Err(Malformed("SSEAlgorithm is missing")),
        Some("AES256") if key_id.is_some() => Err(BucketEncryptionError::KeyIdWithoutKms),
        Some("AES256") => Ok(DefaultEncryption::SseS3),
        Some("aws:kms") => Ok(DefaultEncryption::SseKms { key_id }),
        Some("aws:kms:dsse") => Ok(DefaultEncryption::DsseKms { key_id }),
        Some(_) => Err(BucketEncryptionError::UnknownAlgorithm),
    }
}

impl fmt::Display for DefaultEncryption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.algorithm())
    }
}

/// A small strict XML reader for configuration documents: elements, attributes (read and
/// ignored: `xmlns`), text with the five predefined entities and numeric references, an
/// optional `<?xml …?>` declaration, comments. No DTD, no CDATA, no processing instructions
/// elsewhere; depth and size are bounded.
mod xml {
    pub(super) struct Element {
        pub name: String,
        pub children: Vec<Element>,
        pub text: String,
    }

    impl Element {
        /// The text of an element that must hold no children.
        pub fn leaf(&self) -> Result<&str, super::BucketEncryptionError> {
            if self.children.is_empty() {
                Ok(&self.text)
            } else {
                Err(super::BucketEncryptionError::Malformed(
                    "element where text belongs",
                ))
            }
        }
    }

    const MAX_DEPTH: usize = 8;

    /// Whether XML 1.0 allows `c` in a document (the `Char` production): tab, newline,
    /// carriage return, and everything from U+0020 but surrogates, U+FFFE and U+FFFF.
    pub(super) fn is_xml_char(c: char) -> bool {
        matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
    }

    /// Escapes text for element content. Tab, newline and carriage return are written as
    /// character references (a reader would normalise them if raw); a character XML 1.0
    /// forbids even as a reference (a control character, U+FFFE, U+FFFF), which only a value
    /// built by hand can hold, is written as U+FFFD: the document stays well-formed.
    pub(super) fn escape_into(out: &mut String, text: &str) {
        for c in text.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&apos;"),
                '\t' => out.push_str("&#9;"),
                '\n' => out.push_str("&#10;"),
                '\r' => out.push_str("&#13;"),
                c if !is_xml_char(c) => out.push('\u{FFFD}'),
                c => out.push(c),
            }
        }
    }

    struct Reader<'a> {
        s: &'a str,
        pos: usize,
    }

    pub(super) fn parse(input: &str) -> Result<Element, &'static str> {
        if !input.chars().all(is_xml_char) {
            return Err("a character XML 1.0 does not allow in a document");
        }
        let mut r = Reader { s: input, pos: 0 };
        r.skip_ws();
        if r.rest().starts_with("<?xml") {
            let end = r.rest().find("?>").ok_or("unterminated XML declaration")?;
            r.pos += end + 2;
        }
        r.skip_misc()?;
        let root = r.element(0)?;
        r.skip_misc()?;
        if r.pos != r.s.len() {
            return Err("content after the root element");
        }
        Ok(root)
    }

    impl<'a> Reader<'a> {
        fn rest(&self) -> &'a str {
            &self.s[self.pos..]
        }

        fn skip_ws(&mut self) {
            let r = self.rest();
            self.pos += r.len() - r.trim_start_matches([' ', '\t', '\r', '\n']).len();
        }

        /// Whitespace and comments outside the root.
        fn skip_misc(&mut self) -> Result<(), &'static str> {
            loop {
                self.skip_ws();
                if self.rest().starts_with("<!--") {
                    self.comment()?;
                } else {
                    return Ok(());
                }
            }
        }

        fn comment(&mut self) -> Result<(), &'static str> {
            let end = self.rest()[4..].find("-->").ok_or("unterminated comment")?;
            self.pos += 4 + end + 3;
            Ok(())
        }

        fn name(&mut self) -> Result<&'a str, &'static str> {
            let r = self.rest();
            let n = r
                .find(|c: char| c.is_ascii_whitespace() || c == '>' || c == '/' || c == '=')
                .unwrap_or(r.len());
            let name = &r[..n];
            let valid = name
                .chars()
                .next()
                .is_some_and(|c| c.is_alphabetic() || c == '_' || c == ':')
                && name
                    .chars()
                    .all(|c| c.is_alphanumeric() || matches!(c, '_' | ':' | '-' | '.'));
            if !valid {
                return Err("invalid element or attribute name");
            }
            self.pos += n;
            Ok(name)
        }

        fn element(&mut self, depth: usize) -> Result<Element, &'static str> {
            if depth > MAX_DEPTH {
                return Err("nesting too deep");
            }
            if !self.rest().starts_with('<') {
                return Err("expected an element");
            }
            self.pos += 1;
            let name = self.name()?;
            // Attributes: name="value" or name='value'.
            loop {
                self.skip_ws();
                let r = self.rest();
                if r.starts_with("/>") {
                    self.pos += 2;
                    return Ok(Element {
                        name: name.to_owned(),
                        children: Vec::new(),
                        text: String::new(),
                    });
                }
                if r.starts_with('>') {
                    self.pos += 1;
                    break;
                }
                self.name()?;
                self.skip_ws();
                if !self.rest().starts_with('=') {
                    return Err("attribute without a value");
                }
                self.pos += 1;
                self.skip_ws();
                let q = self.rest().chars().next().ok_or("unterminated attribute")?;
                if q != '"' && q != '\'' {
                    return Err("unquoted attribute value");
                }
                let end = self.rest()[1..].find(q).ok_or("unterminated attribute")?;
                if self.rest()[1..1 + end].contains('<') {
                    return Err("'<' in an attribute value");
                }
                self.pos += end + 2;
            }
            let mut el = Element {
                name: name.to_owned(),
                children: Vec::new(),
                text: String::new(),
            };
            loop {
                let r = self.rest();
                if r.is_empty() {
                    return Err("unterminated element");
                }
                if let Some(after) = r.strip_prefix("</") {
                    self.pos += 2;
                    let close = self.name()?;
                    if close != name {
                        return Err("mismatched closing tag");
                    }
                    self.skip_ws();
                    if !self.rest().starts_with('>') {
                        return Err("malformed closing tag");
                    }
                    let _ = after;
                    self.pos += 1;
                    return Ok(el);
                }
                if r.starts_with("<!--") {
                    self.comment()?;
                } else if r.starts_with("<!") || r.starts_with("<?") {
                    return Err("DTD, CDATA or processing instruction inside the document");
                } else if r.starts_with('<') {
                    el.children.push(self.element(depth + 1)?);
                } else {
                    let n = r.find('<').unwrap_or(r.len());
                    unescape_into(&mut el.text, &r[..n])?;
                    self.pos += n;
                }
            }
        }
    }

    fn unescape_into(out: &mut String, mut text: &str) -> Result<(), &'static str> {
        while let Some(i) = text.find('&') {
            out.push_str(&text[..i]);
            let rest = &text[i + 1..];
            let end = rest.find(';').ok_or("unterminated entity")?;
            let ent = &rest[..end];
            let c = match ent {
                "amp" => '&',
                "lt" => '<',
                "gt" => '>',
                "quot" => '"',
                "apos" => '\'',
                _ => {
                    // `&#` digits `;` or `&#x` hex digits `;` (no sign, no space), naming a
                    // character XML 1.0 allows.
                    let digits = |t: &str, radix: u32| {
                        (!t.is_empty() && t.chars().all(|c| c.is_digit(radix)))
                            .then(|| u32::from_str_radix(t, radix).ok())
                            .flatten()
                    };
                    let code = if let Some(h) = ent.strip_prefix("#x") {
                        digits(h, 16)
                    } else if let Some(d) = ent.strip_prefix('#') {
                        digits(d, 10)
                    } else {
                        return Err("unknown entity");
                    };
                    code.and_then(char::from_u32)
                        .filter(|&c| is_xml_char(c))
                        .ok_or("a character reference to a character XML 1.0 does not allow")?
                }
            };
            out.push(c);
            text = &rest[end + 1..];
        }
        if text.contains('>') && text.contains("]]>") {
            return Err("']]>' in text");
        }
        out.push_str(text);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kms_default_with_key_and_flags() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<ServerSideEncryptionConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <!-- a comment -->
  <Rule>
    <ApplyServerSideEncryptionByDefault>
      <SSEAlgorithm>aws:kms</SSEAlgorithm>
      <KMSMasterKeyID>a&amp;b</KMSMasterKeyID>
    </ApplyServerSideEncryptionByDefault>
    <BucketKeyEnabled>true</BucketKeyEnabled>
  </Rule>
</ServerSideEncryptionConfiguration>"#;
        let cfg = BucketEncryption::from_xml(xml).unwrap();
        assert_eq!(
            cfg.default,
            Some(DefaultEncryption::SseKms {
                key_id: Some("a&b".into())
            })
        );
        assert_eq!(cfg.bucket_key_enabled, Some(true));
        assert!(!cfg.blocks_sse_c);
        assert_eq!(BucketEncryption::from_xml(&cfg.to_xml()).unwrap(), cfg);
    }

    #[test]
    fn character_references_follow_xml_1_0() {
        let doc = |id: &str| {
            format!(
                "<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms</SSEAlgorithm><KMSMasterKeyID>{id}</KMSMasterKeyID></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>"
            )
        };
        for bad in [
            "&#0;",
            "&#x0;",
            "&#x1b;",
            "&#27;",
            "&#xFFFE;",
            "&#xD800;",
            "&#x110000;",
            "&#x+41;",
            "&#+65;",
            "&#-65;",
            "&#x 41;",
            "&#;",
            "&#x;",
            "&#65a;",
            "\u{1b}",
            "\u{0}",
            "\u{FFFE}",
        ] {
            assert!(
                BucketEncryption::from_xml(&doc(bad)).is_err(),
                "{bad:?} accepted"
            );
        }
        for (good, want) in [
            ("&#65;", "A"),
            ("&#x41;", "A"),
            ("&#X41;", ""),
            ("a&#x9;b&#10;c&#13;d", "a\tb\nc\rd"),
            ("&#x1F600;", "\u{1F600}"),
        ] {
            let r = BucketEncryption::from_xml(&doc(good));
            if want.is_empty() {
                assert!(
                    r.is_err(),
                    "{good:?} accepted (XML writes the x in lower case)"
                );
                continue;
            }
            let cfg = r.unwrap();
            assert_eq!(cfg.default.as_ref().and_then(|d| d.key_id()), Some(want));
            assert_eq!(BucketEncryption::from_xml(&cfg.to_xml()).unwrap(), cfg);
        }
        // A hand-built value with characters no XML document can hold writes well-formed XML.
        let cfg = BucketEncryption {
            default: Some(DefaultEncryption::SseKms {
                key_id: Some("a\u{0}b\u{1b}c\u{FFFE}".into()),
            }),
            ..BucketEncryption::default()
        };
        let back = BucketEncryption::from_xml(&cfg.to_xml()).unwrap();
        assert_eq!(
            back.default.as_ref().and_then(|d| d.key_id()),
            Some("a\u{FFFD}b\u{FFFD}c\u{FFFD}")
        );
    }

    #[test]
    fn refusals() {
        let wrap = |rule: &str| {
            format!("<ServerSideEncryptionConfiguration>{rule}</ServerSideEncryptionConfiguration>")
        };
        let d = |inner: &str| {
            wrap(&format!(
                "<Rule><ApplyServerSideEncryptionByDefault>{inner}</ApplyServerSideEncryptionByDefault></Rule>"
            ))
        };
        let cases = [
            (wrap(""), "MalformedXML"),
            (wrap("<Rule></Rule><Rule></Rule>"), "MalformedXML"),
            (d("<SSEAlgorithm>AES128</SSEAlgorithm>"), "InvalidArgument"),
            (
                d("<SSEAlgorithm>AES256</SSEAlgorithm><KMSMasterKeyID>k</KMSMasterKeyID>"),
                "InvalidArgument",
            ),
            (d(""), "MalformedXML"),
            (
                d("<SSEAlgorithm>AES256</SSEAlgorithm><SSEAlgorithm>AES256</SSEAlgorithm>"),
                "MalformedXML",
            ),
            (
                d("<SSEAlgorithm>AES256</SSEAlgorithm><Other/>"),
                "MalformedXML",
            ),
            (
                wrap(
                    "<Rule><BlockedEncryptionTypes><EncryptionType>SSE-KMS</EncryptionType></BlockedEncryptionTypes></Rule>",
                ),
                "InvalidArgument",
            ),
            (
                "<ServerSideEncryptionConfiguration><Rule>".into(),
                "MalformedXML",
            ),
            (
                "<!DOCTYPE x><ServerSideEncryptionConfiguration/>".into(),
                "MalformedXML",
            ),
            (format!("{}<x/>", wrap("<Rule/>")), "MalformedXML"),
            ("<Other><Rule/></Other>".into(), "MalformedXML"),
            (d("<SSEAlgorithm>&bogus;</SSEAlgorithm>"), "MalformedXML"),
        ];
        for (xml, code) in cases {
            let err = BucketEncryption::from_xml(&xml).unwrap_err();
            assert_eq!(err.code(), code, "{xml}");
        }
    }

    #[test]
    fn rule_without_default_blocks_only() {
        let cfg = BucketEncryption::from_xml(
            "<ServerSideEncryptionConfiguration><Rule><BlockedEncryptionTypes><EncryptionType>NONE</EncryptionType></BlockedEncryptionTypes></Rule></ServerSideEncryptionConfiguration>",
        )
        .unwrap();
        assert_eq!(cfg, BucketEncryption::default());
    }
}
