//! Incremental AES-256-GCM (12-byte IV) for the S3EC stream modes: one GCM message produced
//! or read in pieces (AES-CTR from `aes`/`ctr`, GHASH from `ghash`). The one-shot paths use
//! the backend instead.

use ghash::GHash;
use ghash::universal_hash::UniversalHash;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::cse::ctr::AesKey;

/// GCM's plaintext limit per message: 2^36 − 32 bytes.
pub(crate) const MAX_LEN: u64 = (1 << 36) - 32;

/// One GCM message in progress (either direction).
pub(crate) struct GcmStream {
    aes: AesKey,
    ghash: GHash,
    /// E_K(J0), XORed into the tag.
    ek_j0: Zeroizing<[u8; 16]>,
    iv: [u8; 12],
    /// Ciphertext bytes not yet hashed (less than a block).
    partial: Zeroizing<Vec<u8>>,
    aad_len: u64,
    len: u64,
}

impl GcmStream {
    pub(crate) fn new(key: &[u8; 32], iv: &[u8; 12], aad: &[u8]) -> Self {
        let aes = AesKey::new(key).unwrap_or_else(|| unreachable!("32-byte key"));
        let mut h = Zeroizing::new([0u8; 16]);
        let zero = [0u8; 16];
        aes.xor(&zero, true, &zero, &mut h[..]);
        let mut ghash = GHash::new((&*h).into());
        ghash.update_padded(aad);
        let mut j0 = [0u8; 16];
        j0[..12].copy_from_slice(iv);
        j0[15] = 1;
        let mut ek_j0 = Zeroizing::new([0u8; 16]);
        aes.xor(&j0, false, &zero, &mut ek_j0[..]);
        Self {
            aes,
            ghash,
            ek_j0,
            iv: *iv,
            partial: Zeroizing::new(Vec::with_capacity(16)),
            aad_len: aad.len() as u64,
            len: 0,
        }
    }

    /// The CTR keystream at byte `self.len` XORed into `input` → `output`.
    fn ctr(&self, input: &[u8], output: &mut [u8]) {
        let block = self.len / 16;
        let skip = (self.len % 16) as usize;
        let mut cb = [0u8; 16];
        cb[..12].copy_from_slice(&self.iv);
        // Counter 2 is the first data block; `len ≤ 2^36 − 32` keeps it within 32 bits.
        cb[12..].copy_from_slice(&((2 + block) as u32).to_be_bytes());
        if skip == 0 {
            self.aes.xor(&cb, false, input, output);
        } else {
            // Start mid-block: run the keystream over a padded copy of the first block.
            let first = (16 - skip).min(input.len());
            let mut tmp = Zeroizing::new([0u8; 16]);
            tmp[skip..skip + first].copy_from_slice(&input[..first]);
            let mut ks = Zeroizing::new([0u8; 16]);
            self.aes.xor(&cb, false, &tmp[..], &mut ks[..]);
            output[..first].copy_from_slice(&ks[skip..skip + first]);
            if input.len() > first {
                cb[12..].copy_from_slice(&((3 + block) as u32).to_be_bytes());
                self.aes
                    .xor(&cb, false, &input[first..], &mut output[first..]);
            }
        }
    }

    fn hash(&mut self, mut ct: &[u8]) {
        if !self.partial.is_empty() {
            let take = (16 - self.partial.len()).min(ct.len());
            self.partial.extend_from_slice(&ct[..take]);
            ct = &ct[take..];
            if self.partial.len() == 16 {
                self.ghash.update_padded(&self.partial);
                self.partial.clear();
            }
        }
        let whole = ct.len() / 16 * 16;
        self.ghash.update_padded(&ct[..whole]);
        self.partial.extend_from_slice(&ct[whole..]);
    }

    fn room(&self, n: usize) -> bool {
        self.len
            .checked_add(n as u64)
            .is_some_and(|end| end <= MAX_LEN)
    }

    /// Encrypts `pt` into `out` (same length). `false` past GCM's limit.
    pub(crate) fn encrypt(&mut self, pt: &[u8], out: &mut [u8]) -> bool {
        if !self.room(pt.len()) {
            return false;
        }
        self.ctr(pt, out);
        self.hash(out);
        self.len += pt.len() as u64;
        true
    }

    /// Decrypts `ct` into `out` (same length) *before* the tag is known. `false` past the limit.
    pub(crate) fn decrypt(&mut self, ct: &[u8], out: &mut [u8]) -> bool {
        if !self.room(ct.len()) {
            return false;
        }
        self.hash(ct);
        self.ctr(ct, out);
        self.len += ct.len() as u64;
        true
    }

    /// The tag of everything processed.
    pub(crate) fn tag(mut self) -> [u8; 16] {
        if !self.partial.is_empty() {
            self.ghash.update_padded(&self.partial);
        }
        let mut lens = [0u8; 16];
        lens[..8].copy_from_slice(&(self.aad_len * 8).to_be_bytes());
        lens[8..].copy_from_slice(&(self.len * 8).to_be_bytes());
        self.ghash.update_padded(&lens);
        let s = self.ghash.finalize();
        let mut tag = [0u8; 16];
        for (t, (a, b)) in tag.iter_mut().zip(s.iter().zip(self.ek_j0.iter())) {
            *t = a ^ b;
        }
        tag
    }

    /// Whether `tag` is the tag of everything processed (constant time).
    pub(crate) fn verify(self, tag: &[u8; 16]) -> bool {
        bool::from(self.tag().ct_eq(tag))
    }
}
