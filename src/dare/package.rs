//! One DARE package: header codec and stateless seal/open.

use subtle::ConstantTimeEq;

use super::{
    CipherSuite, DareError, HEADER_LEN, MAX_PAYLOAD, OVERHEAD, TAG_LEN, VERSION_10, VERSION_20,
};
use crate::backend::Aead;
use crate::keys::ObjectKey;

/// A stream key bound to a cipher suite, with its key schedule computed once. Seals and opens
/// single packages by sequence number, so packages can be processed in any order or in
/// parallel (`StreamCipher` is `Sync`).
pub struct StreamCipher {
    aead: Aead,
    suite: CipherSuite,
}

impl core::fmt::Debug for StreamCipher {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("StreamCipher")
            .field("suite", &self.suite)
            .field("key", &"<redacted>")
            .finish()
    }
}

/// What [`StreamCipher::open_package`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpenedPackage {
    /// Plaintext bytes written.
    pub len: usize,
    /// Whether the package is the stream's last.
    pub is_final: bool,
    /// The stream nonce (header bytes 4..16 with the final flag cleared).
    pub stream_nonce: [u8; 12],
}

/// The AEAD nonce of a 2.0 package: the header nonce with the sequence number XORed into its
/// last four bytes (little-endian).
pub(crate) fn v2_nonce(header_nonce: &[u8; 12], seq: u32) -> [u8; 12] {
    let mut n = *header_nonce;
    let s = seq.to_le_bytes();
    for i in 0..4 {
        n[8 + i] ^= s[i];
    }
    n
}

/// Writes a 2.0 header for a payload of `len` bytes (1..=65536).
pub(crate) fn v2_header(
    suite: CipherSuite,
    len: usize,
    nonce: &[u8; 12],
    is_final: bool,
) -> [u8; HEADER_LEN] {
    let mut h = [0u8; HEADER_LEN];
    h[0] = VERSION_20;
    h[1] = suite.id();
    h[2..4].copy_from_slice(&((len - 1) as u16).to_le_bytes());
    h[4..16].copy_from_slice(nonce);
    if is_final {
        h[4] |= 0x80;
    } else {
        h[4] &= 0x7F;
    }
    h
}

/// Payload length from a header's length field.
pub(crate) fn payload_len(header: &[u8]) -> usize {
    usize::from(u16::from_le_bytes([header[2], header[3]])) + 1
}

fn split_tag(buf: &[u8]) -> (&[u8], [u8; TAG_LEN]) {
    let (body, tag) = buf.split_at(buf.len() - TAG_LEN);
    let mut t = [0u8; TAG_LEN];
    t.copy_from_slice(tag);
    (body, t)
}

impl StreamCipher {
    /// Keys `suite` with `key`.
    pub fn new(key: &ObjectKey, suite: CipherSuite) -> Self {
        Self {
            aead: Aead::new(suite.algorithm(), key.expose_secret()),
            suite,
        }
    }

    /// The cipher suite.
    pub fn suite(&self) -> CipherSuite {
        self.suite
    }

    /// Seals one DARE 2.0 package of `plaintext` into `out` and returns its length
    /// (`plaintext.len() + 32`). `nonce` is the stream's random nonce (its top bit is
    /// replaced by the final flag), `seq` the package's sequence number. A non-final package
    /// carries exactly 65536 bytes, a final one 1 to 65536.
    pub fn seal_package(
        &self,
        nonce: &[u8; 12],
        seq: u32,
        is_final: bool,
        plaintext: &[u8],
        out: &mut [u8],
    ) -> Result<usize, DareError> {
        let len = plaintext.len();
        if len == 0 || len > MAX_PAYLOAD || (!is_final && len != MAX_PAYLOAD) {
            return Err(DareError::InvalidPlaintextLength { len });
        }
        let total = len + OVERHEAD;
        if out.len() < total {
            return Err(DareError::BufferTooSmall {
                needed: total,
                available: out.len(),
            });
        }
        let header = v2_header(self.suite, len, nonce, is_final);
        let mut aead_nonce = [0u8; 12];
        aead_nonce.copy_from_slice(&header[4..16]);
        let aead_nonce = v2_nonce(&aead_nonce, seq);
        out[..HEADER_LEN].copy_from_slice(&header);
        let (body, rest) = out[HEADER_LEN..].split_at_mut(len);
        let tag = self
            .aead
            .seal(&aead_nonce, &header[..4], plaintext, body)
            .map_err(|_| DareError::InvalidPlaintextLength { len })?;
        rest[..TAG_LEN].copy_from_slice(&tag);
        Ok(total)
    }

    /// Opens one DARE 2.0 package (exactly one: `package` is header, ciphertext and tag) with
    /// sequence number `seq`, writing the plaintext to `out`. Checks the version, the cipher
    /// suite, the length field and the tag; the caller checks the nonce against the stream's
    /// and the final flag against the package's position. On failure `out` holds no
    /// plaintext.
    pub fn open_package(
        &self,
        seq: u32,
        package: &[u8],
        out: &mut [u8],
    ) -> Result<OpenedPackage, DareError> {
        let header = self.check_header(package, VERSION_20)?;
        let mut hn = [0u8; 12];
        hn.copy_from_slice(&header[4..16]);
        let len = self.open_body(package, &v2_nonce(&hn, seq), out)?;
        let is_final = hn[0] & 0x80 != 0;
        hn[0] &= 0x7F;
        Ok(OpenedPackage {
            len,
            is_final,
            stream_nonce: hn,
        })
    }

    /// Opens one DARE 1.0 package, checking that its header carries `seq`.
    pub(crate) fn open_package_v1(
        &self,
        seq: u32,
        package: &[u8],
        out: &mut [u8],
    ) -> Result<usize, DareError> {
        let header = self.check_header(package, VERSION_10)?;
        let found = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
        if found != seq {
            return Err(DareError::PackageOutOfOrder {
                expected: seq,
                found,
            });
        }
        let mut nonce = [0u8; 12];
        nonce.copy_from_slice(&header[4..16]);
        self.open_body(package, &nonce, out)
    }

    /// Opens the body of a package whose header passed `check_header`, with `nonce`.
    fn open_body(
        &self,
        package: &[u8],
        nonce: &[u8; 12],
        out: &mut [u8],
    ) -> Result<usize, DareError> {
        let len = payload_len(package);
        if out.len() < len {
            return Err(DareError::BufferTooSmall {
                needed: len,
                available: out.len(),
            });
        }
        let (body, tag) = split_tag(&package[HEADER_LEN..]);
        self.aead
            .open(nonce, &package[..4], body, &mut out[..len], &tag)
            .map_err(|_| DareError::Authentication)?;
        Ok(len)
    }

    /// Version, cipher and length checks shared by both versions (sio's order).
    fn check_header<'p>(&self, package: &'p [u8], version: u8) -> Result<&'p [u8], DareError> {
        if package.len() <= OVERHEAD {
            return Err(DareError::InvalidPayloadSize);
        }
        let header = &package[..HEADER_LEN];
        if header[0] != version {
            return Err(DareError::UnsupportedVersion { found: header[0] });
        }
        if CipherSuite::from_id(header[1])? != self.suite {
            return Err(DareError::CipherMismatch);
        }
        if payload_len(header) + OVERHEAD != package.len() {
            return Err(DareError::InvalidPayloadSize);
        }
        Ok(header)
    }
}

/// Whether two 12-byte stream nonces are equal (constant time).
pub(crate) fn nonce_eq(a: &[u8; 12], b: &[u8; 12]) -> bool {
    a.ct_eq(b).into()
}
