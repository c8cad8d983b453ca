//! The pure-Rust backend: RustCrypto `aes-gcm` 0.11, `aes-gcm-siv` 0.12, and
//! ChaCha20-Poly1305 (RFC 8439) composed here from RustCrypto `chacha20` 0.10 and `poly1305`
//! 0.9 (see [`ChaChaPoly`]).

#[cfg(feature = "cse")]
use aes_gcm::Aes128Gcm;
use aes_gcm::Aes256Gcm;
use aes_gcm::aead::inout::InOutBuf;
use aes_gcm::aead::{AeadInOut, KeyInit};
#[cfg(feature = "cse")]
use aes_gcm_siv::Aes256GcmSiv;
use chacha20::ChaCha20;
use chacha20::cipher::{KeyIvInit, StreamCipher, StreamCipherSeek};
use poly1305::Poly1305;
use poly1305::universal_hash::UniversalHash;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::{AeadError, Algorithm, NONCE_LEN, TAG_LEN};

enum Inner {
    Aes(Box<Aes256Gcm>),
    #[cfg(feature = "cse")]
    Aes128(Box<Aes128Gcm>),
    #[cfg(feature = "cse")]
    Siv(Box<Aes256GcmSiv>),
    ChaCha(Box<ChaChaPoly>),
}

/// Runs `$body` with `$c` bound to whichever cipher `$inner` holds.
macro_rules! each {
    ($inner:expr, $c:ident => $body:expr) => {
        match $inner {
            Inner::Aes($c) => $body,
            #[cfg(feature = "cse")]
            Inner::Aes128($c) => $body,
            #[cfg(feature = "cse")]
            Inner::Siv($c) => $body,
            Inner::ChaCha($c) => $body,
        }
    };
}

/// A keyed AEAD instance (the key schedule is computed once and wiped on drop).
pub(crate) struct Aead(Inner);

impl Aead {
    pub(crate) fn new(alg: Algorithm, key: &[u8; 32]) -> Self {
        built(|| Self::build(alg, key))
    }

    fn build(alg: Algorithm, key: &[u8; 32]) -> Self {
        Self(match alg {
            Algorithm::Aes256Gcm => Inner::Aes(Box::new(Aes256Gcm::new(key.into()))),
            Algorithm::ChaCha20Poly1305 => {
                Inner::ChaCha(Box::new(ChaChaPoly(Zeroizing::new(*key))))
            }
            #[cfg(feature = "cse")]
            Algorithm::Aes256GcmSiv => Inner::Siv(Box::new(Aes256GcmSiv::new(key.into()))),
        })
    }

    /// AES-128-GCM under a 16-byte key.
    #[cfg(feature = "cse")]
    pub(crate) fn aes128_gcm(key: &[u8; 16]) -> Self {
        built(|| Self(Inner::Aes128(Box::new(Aes128Gcm::new(key.into())))))
    }

    /// Encrypts `input` into `output` (same length) and returns the tag.
    pub(crate) fn seal(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        input: &[u8],
        output: &mut [u8],
    ) -> Result<[u8; TAG_LEN], AeadError> {
        let buf = InOutBuf::new(input, output).map_err(|_| AeadError)?;
        let tag = each!(&self.0, c => c.encrypt_inout_detached(nonce.into(), aad, buf))
            .map_err(|_| AeadError);
        wipe_after(input.len());
        Ok(tag?.into())
    }

    /// Encrypts `buf` in place and returns the tag.
    pub(crate) fn seal_in_place(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        buf: &mut [u8],
    ) -> Result<[u8; TAG_LEN], AeadError> {
        let n = buf.len();
        let tag = each!(&self.0, c => c.encrypt_inout_detached(nonce.into(), aad, buf.into()))
            .map_err(|_| AeadError);
        wipe_after(n);
        Ok(tag?.into())
    }

    /// Decrypts `input` into `output` (same length) if `tag` authenticates it; on failure
    /// `output` is zeroed.
    pub(crate) fn open(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        input: &[u8],
        output: &mut [u8],
        tag: &[u8; TAG_LEN],
    ) -> Result<(), AeadError> {
        let r = match InOutBuf::new(input, &mut *output) {
            Ok(buf) => {
                each!(&self.0, c => c.decrypt_inout_detached(nonce.into(), aad, buf, tag.into()))
            }
            Err(_) => Err(aes_gcm::aead::Error),
        };
        wipe_after(input.len());
        r.map_err(|_| {
            zeroize::Zeroize::zeroize(output);
            AeadError
        })
    }

    /// Decrypts `buf` in place if `tag` authenticates it; on failure `buf` is zeroed.
    pub(crate) fn open_in_place(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        buf: &mut [u8],
        tag: &[u8; TAG_LEN],
    ) -> Result<(), AeadError> {
        let r = each!(&self.0, c => {
            c.decrypt_inout_detached(nonce.into(), aad, (&mut *buf).into(), tag.into())
        });
        wipe_after(buf.len());
        r.map_err(|_| {
            zeroize::Zeroize::zeroize(buf);
            AeadError
        })
    }
}

/// Bytes of dead stack [`wipe_dead_stack`] overwrites: more than RustCrypto's AEAD frames use.
const STACK_WIPE: usize = 16 * 1024;

/// Overwrites the stack just below the caller's frame, where the frames of the RustCrypto
/// calls it made lay (key schedules built there, key-sized plaintext in their block loops).
/// Safe Rust: a local array, zeroized so the writes are not optimised away.
#[inline(never)]
fn wipe_dead_stack() {
    let mut pad = [0u8; STACK_WIPE];
    zeroize::Zeroize::zeroize(&mut pad[..]);
    core::hint::black_box(&pad);
}

/// Runs `make` (which builds a key schedule) in a frame of its own, then overwrites the dead
/// stack below: the schedule, whose first round keys are the key, was built on the stack and
/// moved into its box.
fn built<T>(make: impl FnOnce() -> T) -> T {
    #[inline(never)]
    fn in_own_frame<T>(make: impl FnOnce() -> T) -> T {
        make()
    }
    let a = in_own_frame(make);
    wipe_dead_stack();
    a
}

/// After a seal or open of `len` bytes: key-sized payloads (sealed object keys, wrapped data
/// keys, keysets) are followed by a stack wipe; bulk data is not (its frames hold data
/// blocks, and a 16 KiB wipe per 4 KiB Tink segment would cost a tenth of the speed).
fn wipe_after(len: usize) {
    if len <= 512 {
        wipe_dead_stack();
    }
}

type Array<N> = aes_gcm::aead::array::Array<u8, N>;
type U12 = aes_gcm::aead::consts::U12;
type U16 = aes_gcm::aead::consts::U16;

/// ChaCha20-Poly1305 (RFC 8439 §2.8) from RustCrypto's `chacha20` and `poly1305`.
///
/// The `chacha20poly1305` crate feeds Poly1305 the padded AAD and then the ciphertext in one
/// call; after an AAD of 1 to 3 blocks (DARE's is one: 4 bytes) `poly1305`'s AVX2 backend is
/// left with cached blocks and takes its block-at-a-time fallback for the whole message,
/// which made DARE's ChaCha20-Poly1305 0.75× the same AEAD without AAD. Here the first 1 to 3
/// ciphertext blocks after the AAD are fed on their own, so the rest runs 4 blocks at a time;
/// the MAC input (and so the tag) is the RFC's, checked against Wycheproof's and RFC 8439's
/// vectors and, in `tests/backend_chacha.rs`, against `chacha20poly1305` itself.
pub(crate) struct ChaChaPoly(Zeroizing<[u8; 32]>);

/// Blocks Poly1305 needs after `aad` to be 4-block aligned again (0 to 3).
fn blocks_to_align(aad: &[u8]) -> usize {
    (4 - aad.len().div_ceil(16) % 4) % 4
}

impl ChaChaPoly {
    /// The keystream positioned at block 1 and the Poly1305 keyed from block 0.
    fn start(
        &self,
        nonce: &Array<U12>,
        len: usize,
    ) -> Result<(ChaCha20, Poly1305), aes_gcm::aead::Error> {
        // Block 0 keys the MAC, so the message may use 2^32 - 1 blocks.
        if len as u64 > (u64::from(u32::MAX) - 1) * 64 {
            return Err(aes_gcm::aead::Error);
        }
        let mut cipher = ChaCha20::new((&*self.0).into(), nonce);
        let mut mac_key = Zeroizing::new([0u8; 32]);
        cipher.apply_keystream(&mut *mac_key);
        let mac = Poly1305::new((&*mac_key).into());
        cipher.seek(64u64);
        Ok((cipher, mac))
    }

    /// The tag over `aad` and `ct`.
    fn tag(mut mac: Poly1305, aad: &[u8], ct: &[u8]) -> Array<U16> {
        mac.update_padded(aad);
        let lead = (blocks_to_align(aad) * 16).min(ct.len() / 16 * 16);
        // Whole blocks: no padding between the two calls.
        mac.update_padded(&ct[..lead]);
        mac.update_padded(&ct[lead..]);
        let mut lens = Array::<U16>::default();
        lens[..8].copy_from_slice(&(aad.len() as u64).to_le_bytes());
        lens[8..].copy_from_slice(&(ct.len() as u64).to_le_bytes());
        mac.update(core::slice::from_ref(&lens));
        mac.finalize()
    }

    fn encrypt_inout_detached(
        &self,
        nonce: &Array<U12>,
        aad: &[u8],
        mut buf: InOutBuf<'_, '_, u8>,
    ) -> Result<Array<U16>, aes_gcm::aead::Error> {
        let (mut cipher, mac) = self.start(nonce, buf.len())?;
        cipher.apply_keystream_inout(buf.reborrow());
        Ok(Self::tag(mac, aad, buf.get_out()))
    }

    fn decrypt_inout_detached(
        &self,
        nonce: &Array<U12>,
        aad: &[u8],
        buf: InOutBuf<'_, '_, u8>,
        tag: &Array<U16>,
    ) -> Result<(), aes_gcm::aead::Error> {
        let (mut cipher, mac) = self.start(nonce, buf.len())?;
        let expected = Self::tag(mac, aad, buf.get_in());
        if !bool::from(expected.as_slice().ct_eq(tag.as_slice())) {
            return Err(aes_gcm::aead::Error);
        }
        cipher.apply_keystream_inout(buf);
        Ok(())
    }
}
