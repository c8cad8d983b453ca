//! The segment layout, per-segment crypto, and the sans-IO encryptor, decryptor and random
//! access reader.

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use sha2::{Sha256, Sha512};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

use super::{HashType, StreamingKey, StreamingParams, TinkError};
use crate::backend::{Aead, Algorithm};
use crate::cse::ctr::AesKey;

/// Length of the nonce prefix in the header.
const NONCE_PREFIX_LEN: usize = 7;
/// At most 2^32 segments (the index is a 32-bit counter).
const MAX_SEGMENTS: u64 = 1 << 32;

/// Segment sizes of a key (all in bytes; the ciphertext starts at the header).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Layout {
    seg: u64,
    header: u64,
    offset: u64,
    tag: u64,
}

impl Layout {
    pub(crate) fn new(params: &StreamingParams, offset: u32) -> Result<Self, TinkError> {
        let l = Self {
            seg: u64::from(params.segment_size()),
            header: params.header_len() as u64,
            offset: u64::from(offset),
            tag: params.tag_len() as u64,
        };
        if l.seg <= l.header + l.offset + l.tag {
            return Err(TinkError::InvalidKey(
                "segment size must exceed header, first-segment offset and tag",
            ));
        }
        Ok(l)
    }
    /// Ciphertext bytes of a full first segment (after the header).
    fn first_ct(&self) -> u64 {
        self.seg - self.header - self.offset
    }
    fn first_pt(&self) -> u64 {
        self.first_ct() - self.tag
    }
    fn pt(&self) -> u64 {
        self.seg - self.tag
    }
    /// Plaintext capacity of segment `i`.
    fn pt_cap(&self, i: u64) -> u64 {
        if i == 0 { self.first_pt() } else { self.pt() }
    }
    /// Ciphertext capacity of segment `i`.
    fn ct_cap(&self, i: u64) -> u64 {
        if i == 0 { self.first_ct() } else { self.seg }
    }
    /// Where segment `i` starts in the ciphertext (the header is at 0).
    fn ct_offset(&self, i: u64) -> u64 {
        if i == 0 {
            self.header
        } else {
            self.header + self.first_ct() + (i - 1) * self.seg
        }
    }
    /// Where segment `i` starts in the plaintext.
    fn pt_offset(&self, i: u64) -> u64 {
        if i == 0 {
            0
        } else {
            self.first_pt() + (i - 1) * self.pt()
        }
    }
    /// The segment holding plaintext byte `pos`.
    fn segment_of(&self, pos: u64) -> u64 {
        if pos < self.first_pt() {
            0
        } else {
            1 + (pos - self.first_pt()) / self.pt()
        }
    }
    /// Number of segments of a plaintext of `len` bytes (at least one).
    fn segments_for(&self, len: u64) -> u64 {
        if len <= self.first_pt() {
            1
        } else {
            1 + (len - self.first_pt()).div_ceil(self.pt())
        }
    }
    pub(crate) fn ciphertext_len(&self, pt_len: u64) -> Result<u64, TinkError> {
        let n = self.segments_for(pt_len);
        if n > MAX_SEGMENTS {
            return Err(TinkError::TooLong);
        }
        n.checked_mul(self.tag)
            .and_then(|t| t.checked_add(pt_len))
            .and_then(|t| t.checked_add(self.header))
            .ok_or(TinkError::TooLong)
    }
    /// (segments, plaintext length) of a ciphertext of `len` bytes.
    pub(crate) fn split(&self, len: u64) -> Result<(u64, u64), TinkError> {
        let body = len
            .checked_sub(self.header)
            .ok_or(TinkError::Truncated("shorter than the header"))?;
        let n = if body <= self.first_ct() {
            1
        } else {
            let rest = body - self.first_ct();
            let n = 1 + rest.div_ceil(self.seg);
            let last = rest - (n - 2) * self.seg;
            if last < self.tag {
                return Err(TinkError::Truncated(
                    "the last segment is shorter than a tag",
                ));
            }
            n
        };
        if body < self.tag {
            return Err(TinkError::Truncated(
                "the first segment is shorter than a tag",
            ));
        }
        if n > MAX_SEGMENTS {
            return Err(TinkError::TooLong);
        }
        Ok((n, body - n * self.tag))
    }
}

/// A keyed HMAC, cloned per segment (its state is wiped on drop by `hmac`'s `zeroize`).
#[derive(Clone)]
enum MacKey {
    S1(Hmac<Sha1>),
    S256(Hmac<Sha256>),
    S512(Hmac<Sha512>),
}

impl MacKey {
    fn new(hash: HashType, key: &[u8]) -> Self {
        macro_rules! keyed {
            () => {
                Hmac::new_from_slice(key).unwrap_or_else(|_| unreachable!("any key length"))
            };
        }
        match hash {
            HashType::Sha1 => Self::S1(keyed!()),
            HashType::Sha256 => Self::S256(keyed!()),
            HashType::Sha512 => Self::S512(keyed!()),
        }
    }
    /// HMAC of `a ‖ b` into `out` (the first `out.len()` bytes).
    fn tag(&self, a: &[u8], b: &[u8], out: &mut [u8]) {
        macro_rules! run {
            ($m:expr) => {{
                let mut m = $m.clone();
                m.update(a);
                m.update(b);
                let full = m.finalize().into_bytes();
                out.copy_from_slice(&full[..out.len()]);
            }};
        }
        match self {
            Self::S1(m) => run!(m),
            Self::S256(m) => run!(m),
            Self::S512(m) => run!(m),
        }
    }
}

/// HKDF with the key's hash (the crate's `kdf`); outputs here are at most 64 bytes, far
/// below 255 hash lengths.
fn hkdf(hash: HashType, ikm: &[u8], salt: &[u8], info: &[u8], okm: &mut [u8]) {
    let f = match hash {
        HashType::Sha1 => crate::kdf::hkdf_sha1,
        HashType::Sha256 => crate::kdf::hkdf_sha256,
        HashType::Sha512 => crate::kdf::hkdf_sha512,
    };
    f(ikm, salt, info, okm).unwrap_or_else(|_| unreachable!("short HKDF output"));
}

enum Kind {
    Gcm(Aead),
    CtrHmac { aes: AesKey, mac: Box<MacKey> },
}

/// The per-stream segment cipher: derived keys and the nonce prefix.
struct Segments {
    kind: Kind,
    prefix: [u8; NONCE_PREFIX_LEN],
    tag: usize,
}

impl Segments {
    /// Derives the stream keys from the main key, the header's salt and the associated data.
    fn derive(key: &StreamingKey, aad: &[u8], salt: &[u8], prefix: [u8; NONCE_PREFIX_LEN]) -> Self {
        let k = key.params.derived_key_size();
        match key.params {
            StreamingParams::AesGcmHkdf { hkdf_hash, .. } => {
                let mut dk = Zeroizing::new([0u8; 32]);
                hkdf(hkdf_hash, &key.key_value, salt, aad, &mut dk[..k]);
                let aead = if k == 16 {
                    let mut k16 = Zeroizing::new([0u8; 16]);
                    k16.copy_from_slice(&dk[..16]);
                    Aead::aes128_gcm(&k16)
                } else {
                    Aead::new(Algorithm::Aes256Gcm, &dk)
                };
                Self {
                    kind: Kind::Gcm(aead),
                    prefix,
                    tag: 16,
                }
            }
            StreamingParams::AesCtrHmac {
                hkdf_hash,
                hmac_hash,
                tag_size,
                ..
            } => {
                let mut okm = Zeroizing::new([0u8; 64]);
                hkdf(hkdf_hash, &key.key_value, salt, aad, &mut okm[..k + 32]);
                let aes = AesKey::new(&okm[..k]).unwrap_or_else(|| unreachable!("16 or 32"));
                let mac = Box::new(MacKey::new(hmac_hash, &okm[k..k + 32]));
                Self {
                    kind: Kind::CtrHmac { aes, mac },
                    prefix,
                    tag: usize::from(tag_size),
                }
            }
        }
    }

    fn nonce(&self, i: u64, last: bool) -> [u8; 16] {
        let mut n = [0u8; 16];
        n[..7].copy_from_slice(&self.prefix);
        // `i < 2^32`: checked by every caller against MAX_SEGMENTS.
        n[7..11].copy_from_slice(&(i as u32).to_be_bytes());
        n[11] = u8::from(last);
        n
    }

    /// Encrypts segment `i`: `out = ciphertext ‖ tag`, `out.len() == pt.len() + tag`.
    fn seal(&self, i: u64, last: bool, pt: &[u8], out: &mut [u8]) -> Result<(), TinkError> {
        let n = self.nonce(i, last);
        let (ct, tag_out) = out.split_at_mut(pt.len());
        match &self.kind {
            Kind::Gcm(aead) => {
                let nonce: &[u8; 12] = n[..12].try_into().unwrap_or(&[0; 12]);
                let tag = aead
                    .seal(nonce, b"", pt, ct)
                    .map_err(|_| TinkError::TooLong)?;
                tag_out.copy_from_slice(&tag);
            }
            Kind::CtrHmac { aes, mac } => {
                aes.xor(&n, true, pt, ct);
                mac.tag(&n, ct, tag_out);
            }
        }
        Ok(())
    }

    /// Appends segment `*index` of `pt` to `out` and moves `index` on.
    fn seal_next(
        &self,
        index: &mut u64,
        pt: &[u8],
        last: bool,
        out: &mut Vec<u8>,
    ) -> Result<(), TinkError> {
        check_index(*index)?;
        self.seal(*index, last, pt, grow(out, pt.len() + self.tag))?;
        *index += 1;
        Ok(())
    }

    /// Appends the plaintext of segment `*index` (`ct` = ciphertext ‖ tag) to `out` and
    /// moves `index` on.
    fn open_next(
        &self,
        index: &mut u64,
        ct: &[u8],
        last: bool,
        out: &mut Vec<u8>,
    ) -> Result<(), TinkError> {
        check_index(*index)?;
        let n = ct.len().checked_sub(self.tag).ok_or(TinkError::Truncated(
            "the last segment is shorter than a tag",
        ))?;
        self.open(*index, last, ct, grow(out, n))?;
        *index += 1;
        Ok(())
    }

    /// Decrypts segment `i` (`ct` = ciphertext ‖ tag) into `out` (`ct.len() − tag` bytes);
    /// on failure `out` is zeroed.
    fn open(&self, i: u64, last: bool, ct: &[u8], out: &mut [u8]) -> Result<(), TinkError> {
        let fail = TinkError::Authentication { segment: i };
        let body_len = ct.len().checked_sub(self.tag).ok_or(fail.clone())?;
        if out.len() != body_len {
            return Err(fail);
        }
        let (body, tag) = ct.split_at(body_len);
        let n = self.nonce(i, last);
        match &self.kind {
            Kind::Gcm(aead) => {
                let nonce: &[u8; 12] = n[..12].try_into().unwrap_or(&[0; 12]);
                let tag: &[u8; 16] = tag.try_into().map_err(|_| fail.clone())?;
                aead.open(nonce, b"", body, out, tag).map_err(|_| fail)
            }
            Kind::CtrHmac { aes, mac } => {
                let mut want = [0u8; 64];
                let want = &mut want[..self.tag];
                mac.tag(&n, body, want);
                if bool::from(want.ct_eq(tag)) {
                    aes.xor(&n, true, body, out);
                    Ok(())
                } else {
                    out.zeroize();
                    Err(fail)
                }
            }
        }
    }
}

fn check_index(i: u64) -> Result<(), TinkError> {
    if i >= MAX_SEGMENTS {
        Err(TinkError::TooLong)
    } else {
        Ok(())
    }
}

fn header_of(
    key: &StreamingKey,
    salt: &[u8],
    prefix: &[u8; NONCE_PREFIX_LEN],
) -> Result<Vec<u8>, TinkError> {
    let h = key.params.header_len();
    if salt.len() != key.params.derived_key_size() {
        return Err(TinkError::InvalidKey(
            "the salt must be derived-key-size bytes",
        ));
    }
    let mut header = Vec::with_capacity(h);
    header.push(h as u8);
    header.extend_from_slice(salt);
    header.extend_from_slice(prefix);
    Ok(header)
}

/// Reads the header at the start of `ct`: its length byte, salt and nonce prefix.
fn parse_header(key: &StreamingKey, aad: &[u8], ct: &[u8]) -> Result<Segments, TinkError> {
    let h = key.params.header_len();
    let header = ct
        .get(..h)
        .ok_or(TinkError::Header("shorter than the header"))?;
    if usize::from(header[0]) != h {
        return Err(TinkError::Header("the length byte does not match the key"));
    }
    let k = key.params.derived_key_size();
    let mut prefix = [0u8; NONCE_PREFIX_LEN];
    prefix.copy_from_slice(&header[1 + k..h]);
    Ok(Segments::derive(key, aad, &header[1..1 + k], prefix))
}

/// Appends `n` zero bytes to `out` and returns the new tail.
fn grow(out: &mut Vec<u8>, n: usize) -> &mut [u8] {
    let start = out.len();
    out.resize(start + n, 0);
    &mut out[start..]
}

/// Draws a salt (derived-key-size bytes) and a nonce prefix from the OS.
fn draw(key: &StreamingKey) -> Result<(Zeroizing<[u8; 32]>, [u8; NONCE_PREFIX_LEN]), TinkError> {
    let mut salt = Zeroizing::new([0u8; 32]);
    getrandom::fill(&mut salt[..key.params.derived_key_size()]).map_err(|_| TinkError::Random)?;
    let prefix = crate::rng::bytes::<NONCE_PREFIX_LEN>().ok_or(TinkError::Random)?;
    Ok((salt, prefix))
}

/// Encrypts a whole plaintext into a new buffer: fresh salt and nonce prefix from the OS.
pub fn encrypt_buffer(
    key: &StreamingKey,
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, TinkError> {
    let total = key.ciphertext_len(plaintext.len() as u64)?;
    let mut out = vec![0u8; usize::try_from(total).map_err(|_| TinkError::TooLong)?];
    encrypt_into(key, aad, plaintext, &mut out)?;
    Ok(out)
}

/// Encrypts a whole plaintext into `out` (at least [`StreamingKey::ciphertext_len`] bytes)
/// and returns the bytes written: fresh salt and nonce prefix from the OS.
pub fn encrypt_into(
    key: &StreamingKey,
    aad: &[u8],
    plaintext: &[u8],
    out: &mut [u8],
) -> Result<usize, TinkError> {
    let (salt, prefix) = draw(key)?;
    encrypt_into_with(
        key,
        aad,
        &salt[..key.params.derived_key_size()],
        prefix,
        plaintext,
        out,
    )
}

/// [`encrypt_into`] with the caller's salt and nonce prefix — for test vectors only.
pub fn encrypt_into_with(
    key: &StreamingKey,
    aad: &[u8],
    salt: &[u8],
    nonce_prefix: [u8; NONCE_PREFIX_LEN],
    plaintext: &[u8],
    out: &mut [u8],
) -> Result<usize, TinkError> {
    let layout = key.layout()?;
    let total = layout.ciphertext_len(plaintext.len() as u64)?;
    if (out.len() as u64) < total {
        return Err(TinkError::OutputSize {
            got: out.len(),
            expected: total,
        });
    }
    let header = header_of(key, salt, &nonce_prefix)?;
    out[..header.len()].copy_from_slice(&header);
    let seg = Segments::derive(key, aad, salt, nonce_prefix);
    let n = layout.segments_for(plaintext.len() as u64);
    for i in 0..n {
        let from = layout.pt_offset(i) as usize;
        let to = (from + layout.pt_cap(i) as usize).min(plaintext.len());
        let at = layout.ct_offset(i) as usize;
        let end = at + (to - from) + seg.tag;
        seg.seal(i, i + 1 == n, &plaintext[from..to], &mut out[at..end])?;
    }
    Ok(total as usize)
}

/// Decrypts a whole ciphertext; every segment is authenticated before the result is returned.
pub fn decrypt_buffer(
    key: &StreamingKey,
    aad: &[u8],
    ciphertext: &[u8],
) -> Result<Vec<u8>, TinkError> {
    let n = key.plaintext_len(ciphertext.len() as u64)?;
    let mut out = vec![0u8; usize::try_from(n).map_err(|_| TinkError::TooLong)?];
    decrypt_into(key, aad, ciphertext, &mut out)?;
    Ok(out)
}

/// Decrypts a whole ciphertext into `out` (at least the plaintext length) and returns the
/// plaintext length; on an error `out` is zeroed.
pub fn decrypt_into(
    key: &StreamingKey,
    aad: &[u8],
    ciphertext: &[u8],
    out: &mut [u8],
) -> Result<usize, TinkError> {
    let ra = RandomAccess::new(key, aad, ciphertext, ciphertext.len() as u64)?;
    let n = usize::try_from(ra.plaintext_len()).map_err(|_| TinkError::TooLong)?;
    let got = out.len();
    let dst = out.get_mut(..n).ok_or(TinkError::OutputSize {
        got,
        expected: n as u64,
    })?;
    ra.decrypt_all(ciphertext, dst)?;
    Ok(n)
}

/// A streaming encryptor: `update` with plaintext as it comes, then `finish`. Each call
/// appends the ciphertext it completes (the header with the first call). A segment is
/// written only once more plaintext follows it, because the last segment is marked as such.
pub struct Encryptor {
    seg: Segments,
    layout: Layout,
    header: Vec<u8>,
    header_out: bool,
    pending: Zeroizing<Vec<u8>>,
    index: u64,
    failed: bool,
}

impl core::fmt::Debug for Encryptor {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("tink::Encryptor")
            .field("segment", &self.index)
            .finish_non_exhaustive()
    }
}

impl Encryptor {
    /// An encryptor with a fresh random salt and nonce prefix.
    pub fn new(key: &StreamingKey, aad: &[u8]) -> Result<Self, TinkError> {
        let (salt, prefix) = draw(key)?;
        Self::new_with(key, aad, &salt[..key.params.derived_key_size()], prefix)
    }

    /// An encryptor with the caller's salt (derived-key-size bytes) and nonce prefix — for
    /// test vectors only: repeating them under one key and AD repeats keystream.
    pub fn new_with(
        key: &StreamingKey,
        aad: &[u8],
        salt: &[u8],
        nonce_prefix: [u8; NONCE_PREFIX_LEN],
    ) -> Result<Self, TinkError> {
        let layout = key.layout()?;
        let header = header_of(key, salt, &nonce_prefix)?;
        Ok(Self {
            seg: Segments::derive(key, aad, salt, nonce_prefix),
            layout,
            header,
            header_out: false,
            pending: Zeroizing::new(Vec::new()),
            index: 0,
            failed: false,
        })
    }

    /// The header (written with the first `update` or `finish`).
    pub fn header(&self) -> &[u8] {
        &self.header
    }

    /// Writes the header before the first segment.
    fn start(&mut self, out: &mut Vec<u8>) {
        if !self.header_out {
            out.extend_from_slice(&self.header);
            self.header_out = true;
        }
    }

    /// Encrypts `input`, appending every segment it completes to `out`.
    pub fn update(&mut self, mut input: &[u8], out: &mut Vec<u8>) -> Result<(), TinkError> {
        if self.failed {
            return Err(TinkError::Finished);
        }
        self.start(out);
        let r = (|| {
            while !input.is_empty() {
                let cap = self.layout.pt_cap(self.index) as usize;
                if self.pending.is_empty() && input.len() > cap {
                    let (seg, rest) = input.split_at(cap);
                    self.seg.seal_next(&mut self.index, seg, false, out)?;
                    input = rest;
                    continue;
                }
                let take = (cap - self.pending.len()).min(input.len());
                self.pending.extend_from_slice(&input[..take]);
                input = &input[take..];
                if self.pending.len() == cap && !input.is_empty() {
                    self.seg
                        .seal_next(&mut self.index, &self.pending, false, out)?;
                    self.pending.zeroize();
                }
            }
            Ok(())
        })();
        if r.is_err() {
            self.failed = true;
        }
        r
    }

    /// Encrypts what is pending as the last segment and appends it.
    pub fn finish(mut self, out: &mut Vec<u8>) -> Result<(), TinkError> {
        if self.failed {
            return Err(TinkError::Finished);
        }
        self.start(out);
        self.seg
            .seal_next(&mut self.index, &self.pending, true, out)
    }
}

enum DecState {
    Header(Vec<u8>),
    Body(Box<Segments>),
}

/// A streaming decryptor: `update` with ciphertext as it comes, then `finish`. Plaintext is
/// appended only from authenticated segments; a segment is opened once the byte after it
/// has arrived (or at `finish`, as the last one). On an error the bytes this call appended
/// are wiped and removed, and the decryptor refuses further input.
pub struct Decryptor {
    key: StreamingKey,
    aad: Vec<u8>,
    layout: Layout,
    state: DecState,
    pending: Vec<u8>,
    index: u64,
    failed: bool,
}

impl core::fmt::Debug for Decryptor {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("tink::Decryptor")
            .field("segment", &self.index)
            .finish_non_exhaustive()
    }
}

impl Decryptor {
    /// A decryptor for a ciphertext written under `key` with associated data `aad`.
    pub fn new(key: &StreamingKey, aad: &[u8]) -> Result<Self, TinkError> {
        Ok(Self {
            layout: key.layout()?,
            key: key.clone(),
            aad: aad.to_vec(),
            state: DecState::Header(Vec::new()),
            pending: Vec::new(),
            index: 0,
            failed: false,
        })
    }

    fn feed(&mut self, mut input: &[u8], out: &mut Vec<u8>) -> Result<(), TinkError> {
        if let DecState::Header(h) = &mut self.state {
            let need = self.layout.header as usize;
            let take = (need - h.len()).min(input.len());
            h.extend_from_slice(&input[..take]);
            input = &input[take..];
            if h.len() < need {
                return Ok(());
            }
            let seg = parse_header(&self.key, &self.aad, h)?;
            self.state = DecState::Body(Box::new(seg));
        }
        let DecState::Body(seg) = &self.state else {
            return Ok(());
        };
        while !input.is_empty() {
            let cap = self.layout.ct_cap(self.index) as usize;
            if self.pending.is_empty() && input.len() > cap {
                let (ct, rest) = input.split_at(cap);
                seg.open_next(&mut self.index, ct, false, out)?;
                input = rest;
                continue;
            }
            let take = (cap - self.pending.len()).min(input.len());
            self.pending.extend_from_slice(&input[..take]);
            input = &input[take..];
            if self.pending.len() == cap && !input.is_empty() {
                seg.open_next(&mut self.index, &self.pending, false, out)?;
                self.pending.clear();
            }
        }
        Ok(())
    }

    /// Runs `f`, removing (wiped) whatever it appended to `out` if it fails.
    fn undoing(
        out: &mut Vec<u8>,
        f: impl FnOnce(&mut Vec<u8>) -> Result<(), TinkError>,
    ) -> Result<(), TinkError> {
        let start = out.len();
        let r = f(out);
        if r.is_err() {
            out[start..].zeroize();
            out.truncate(start);
        }
        r
    }

    /// Feeds at most up to the end of the header or of the current segment (one byte past
    /// a full segment, to learn it is not the last), for the I/O adapters; returns the bytes
    /// used.
    pub(crate) fn step(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<usize, TinkError> {
        let n = match &self.state {
            DecState::Header(h) => self.layout.header as usize - h.len(),
            DecState::Body(_) => {
                let cap = self.layout.ct_cap(self.index) as usize;
                cap.saturating_sub(self.pending.len()).max(1)
            }
        };
        let take = n.min(input.len());
        self.update(&input[..take], out)?;
        Ok(take)
    }

    /// Refuses everything from now on.
    pub(crate) fn poison(&mut self) {
        self.failed = true;
    }

    /// Decrypts `input`, appending the plaintext of every segment it completes to `out`.
    pub fn update(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(), TinkError> {
        if self.failed {
            return Err(TinkError::Finished);
        }
        let r = Self::undoing(out, |out| self.feed(input, out));
        self.failed = r.is_err();
        r
    }

    /// Decrypts the last segment and appends its plaintext; a stream that ends without it
    /// (or inside the header) is an error.
    pub fn finish(mut self, out: &mut Vec<u8>) -> Result<(), TinkError> {
        if self.failed {
            return Err(TinkError::Finished);
        }
        let DecState::Body(seg) = &self.state else {
            return Err(TinkError::Truncated("the stream ends inside the header"));
        };
        Self::undoing(out, |out| {
            seg.open_next(&mut self.index, &self.pending, true, out)
        })
    }
}

/// Random access to a stored ciphertext of known length: which bytes to fetch for a
/// plaintext range, and their authenticated decryption segment by segment.
///
/// ```
/// use s3crypt::cse::tink::{self, RandomAccess, StreamingKey, Template};
///
/// let key = StreamingKey::generate(Template::Aes256GcmHkdf4Kb)?;
/// let pt: Vec<u8> = (0..20_000u32).map(|i| i as u8).collect();
/// let stored = tink::encrypt_buffer(&key, b"ad", &pt)?;
/// // GET the header (40 bytes) and know the object's size (HEAD):
/// let ra = RandomAccess::new(&key, b"ad", &stored[..40], stored.len() as u64)?;
/// let plan = ra.plan(9_000, 100)?;
/// let s = plan.ciphertext_offset() as usize;
/// let fetched = &stored[s..s + plan.ciphertext_len() as usize]; // GET Range: plan.http_range()
/// let mut out = vec![0; 100];
/// ra.decrypt_range(&plan, fetched, &mut out)?;
/// assert_eq!(out, pt[9_000..9_100]);
/// # Ok::<(), s3crypt::cse::tink::TinkError>(())
/// ```
pub struct RandomAccess {
    seg: Segments,
    layout: Layout,
    segments: u64,
    plaintext_len: u64,
    ciphertext_len: u64,
}

impl core::fmt::Debug for RandomAccess {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RandomAccess")
            .field("segments", &self.segments)
            .field("plaintext_len", &self.plaintext_len)
            .finish_non_exhaustive()
    }
}

/// The ciphertext bytes to fetch for a plaintext range. Built only by
/// [`RandomAccess::plan`], so its fields always agree with each other and with the object; a
/// plan cannot be edited by hand:
///
/// ```compile_fail
/// # use s3crypt::cse::tink::{self, RandomAccess, StreamingKey, Template};
/// # let key = StreamingKey::generate(Template::Aes256GcmHkdf4Kb).unwrap();
/// # let stored = tink::encrypt_buffer(&key, b"", b"abc").unwrap();
/// # let ra = RandomAccess::new(&key, b"", &stored, stored.len() as u64).unwrap();
/// let mut plan = ra.plan(0, 1).unwrap();
/// plan.ciphertext_offset = u64::MAX; // http_range() would overflow
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RangePlan {
    ciphertext_offset: u64,
    ciphertext_len: u64,
    plaintext_offset: u64,
    plaintext_len: u64,
    first_segment: u64,
}

impl RangePlan {
    /// First ciphertext byte to fetch (from the start of the object).
    pub fn ciphertext_offset(&self) -> u64 {
        self.ciphertext_offset
    }

    /// Ciphertext bytes to fetch (0 for an empty range).
    pub fn ciphertext_len(&self) -> u64 {
        self.ciphertext_len
    }

    /// First plaintext byte of the range.
    pub fn plaintext_offset(&self) -> u64 {
        self.plaintext_offset
    }

    /// Plaintext bytes the range holds.
    pub fn plaintext_len(&self) -> u64 {
        self.plaintext_len
    }

    /// The HTTP `Range` header value for the fetch (`None` for an empty range).
    pub fn http_range(&self) -> Option<String> {
        (self.ciphertext_len > 0).then(|| {
            format!(
                "bytes={}-{}",
                self.ciphertext_offset,
                self.ciphertext_offset + self.ciphertext_len - 1
            )
        })
    }
}

impl RandomAccess {
    /// Reads the header (`header` holds at least the first header-length bytes of the
    /// object) of a ciphertext of `ciphertext_len` bytes.
    pub fn new(
        key: &StreamingKey,
        aad: &[u8],
        header: &[u8],
        ciphertext_len: u64,
    ) -> Result<Self, TinkError> {
        let layout = key.layout()?;
        let seg = parse_header(key, aad, header)?;
        let (segments, plaintext_len) = layout.split(ciphertext_len)?;
        Ok(Self {
            seg,
            layout,
            segments,
            plaintext_len,
            ciphertext_len,
        })
    }

    /// The plaintext length of the object.
    pub fn plaintext_len(&self) -> u64 {
        self.plaintext_len
    }

    /// The header length of this key (the bytes [`RandomAccess::new`] needs).
    pub fn header_len(key: &StreamingKey) -> usize {
        key.params.header_len()
    }

    fn ct_len_of(&self, i: u64) -> u64 {
        if i + 1 == self.segments {
            self.ciphertext_len - self.layout.ct_offset(i)
        } else {
            self.layout.ct_cap(i)
        }
    }

    /// The plan of the whole segment holding plaintext byte `pos` (the last segment for a
    /// `pos` at or past the end, also the one empty segment of an empty plaintext): what a
    /// reader that caches whole segments fetches. Decrypting it authenticates the segment,
    /// including whether it is the last one.
    pub fn segment_plan(&self, pos: u64) -> RangePlan {
        let i = self.layout.segment_of(pos).min(self.segments - 1);
        let ciphertext_len = self.ct_len_of(i);
        RangePlan {
            ciphertext_offset: self.layout.ct_offset(i),
            ciphertext_len,
            plaintext_offset: self.layout.pt_offset(i),
            plaintext_len: ciphertext_len - self.seg.tag as u64,
            first_segment: i,
        }
    }

    /// The ciphertext to fetch for the plaintext bytes `offset .. offset + len`.
    pub fn plan(&self, offset: u64, len: u64) -> Result<RangePlan, TinkError> {
        let end = offset.checked_add(len).filter(|&e| e <= self.plaintext_len);
        let Some(end) = end else {
            return Err(TinkError::Range {
                offset,
                len,
                plaintext_len: self.plaintext_len,
            });
        };
        if len == 0 {
            return Ok(RangePlan {
                ciphertext_offset: self.ciphertext_len,
                ciphertext_len: 0,
                plaintext_offset: offset,
                plaintext_len: 0,
                first_segment: 0,
            });
        }
        let first = self.layout.segment_of(offset);
        let last = self.layout.segment_of(end - 1).min(self.segments - 1);
        let start = self.layout.ct_offset(first);
        let stop = self.layout.ct_offset(last) + self.ct_len_of(last);
        Ok(RangePlan {
            ciphertext_offset: start,
            ciphertext_len: stop - start,
            plaintext_offset: offset,
            plaintext_len: len,
            first_segment: first,
        })
    }

    /// Decrypts the whole object (`ciphertext` from its first byte) into `out` (exactly the
    /// plaintext length).
    fn decrypt_all(&self, ciphertext: &[u8], out: &mut [u8]) -> Result<(), TinkError> {
        // Every segment, also the one empty segment of an empty plaintext: a whole-object
        // read authenticates everything, where an empty range reads nothing.
        let start = self.layout.header;
        let plan = RangePlan {
            ciphertext_offset: start,
            ciphertext_len: self.ciphertext_len - start,
            plaintext_offset: 0,
            plaintext_len: self.plaintext_len,
            first_segment: 0,
        };
        let body = ciphertext
            .get(start as usize..)
            .ok_or(TinkError::Truncated("shorter than the header"))?;
        self.decrypt_range(&plan, body, out)
    }

    /// Decrypts the fetched ciphertext of `plan` (exactly `plan.ciphertext_len` bytes) into
    /// `out` (exactly `plan.plaintext_len` bytes). Every segment touched is authenticated;
    /// on an error `out` is zeroed.
    pub fn decrypt_range(
        &self,
        plan: &RangePlan,
        fetched: &[u8],
        out: &mut [u8],
    ) -> Result<(), TinkError> {
        if fetched.len() as u64 != plan.ciphertext_len {
            return Err(TinkError::FetchedLength {
                got: fetched.len(),
                expected: plan.ciphertext_len,
            });
        }
        if out.len() as u64 != plan.plaintext_len {
            return Err(TinkError::OutputSize {
                got: out.len(),
                expected: plan.plaintext_len,
            });
        }
        let r = self.decrypt_segments(plan, fetched, out);
        if r.is_err() {
            out.zeroize();
        }
        r
    }

    fn decrypt_segments(
        &self,
        plan: &RangePlan,
        fetched: &[u8],
        out: &mut [u8],
    ) -> Result<(), TinkError> {
        let end = plan.plaintext_offset + plan.plaintext_len;
        let mut i = plan.first_segment;
        let mut at = 0usize; // into `fetched`
        let mut written = 0usize; // into `out`
        let mut scratch = Zeroizing::new(Vec::new());
        // Segment by segment over everything fetched (the plan covers whole segments).
        while at < fetched.len() {
            check_index(i)?;
            if i >= self.segments {
                return Err(TinkError::FetchedLength {
                    got: fetched.len(),
                    expected: plan.ciphertext_len,
                });
            }
            let ct_len = self.ct_len_of(i) as usize;
            let ct = fetched.get(at..at + ct_len).ok_or(TinkError::Truncated(
                "the fetched range ends inside a segment",
            ))?;
            let pt_len = ct_len - self.seg.tag;
            let seg_start = self.layout.pt_offset(i);
            let seg_end = seg_start + pt_len as u64;
            let from = plan.plaintext_offset.clamp(seg_start, seg_end) - seg_start;
            let to = end.clamp(seg_start, seg_end) - seg_start;
            let last = i + 1 == self.segments;
            let want = (to - from) as usize;
            let dst = out
                .get_mut(written..written + want)
                .ok_or(TinkError::OutputSize {
                    got: written + want,
                    expected: plan.plaintext_len,
                })?;
            if from == 0 && want == pt_len {
                self.seg.open(i, last, ct, dst)?;
            } else {
                scratch.resize(pt_len, 0);
                self.seg.open(i, last, ct, &mut scratch)?;
                dst.copy_from_slice(&scratch[from as usize..to as usize]);
            }
            written += want;
            at += ct_len;
            i += 1;
        }
        if written != out.len() {
            return Err(TinkError::Truncated("the fetched range ends early"));
        }
        Ok(())
    }
}
