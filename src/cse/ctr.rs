//! AES-CTR over RustCrypto `aes`/`ctr` (DESIGN rule 3: CTR stays on RustCrypto): the 128-bit
//! big-endian counter of Tink's AES-CTR-HMAC segments and the 32-bit counter of a GCM body
//! read as CTR (the S3 Encryption Client's ranged GET).

use aes::{Aes128, Aes256};
use ctr::cipher::{InnerIvInit, KeyInit, StreamCipher, StreamCipherCoreWrapper};
use ctr::{CtrCore, flavors};

/// An expanded AES key (wiped on drop by `aes`'s `zeroize` feature).
#[derive(Clone)]
pub(crate) enum AesKey {
    A128(Box<Aes128>),
    A256(Box<Aes256>),
}

impl AesKey {
    /// A 16- or 32-byte AES key; `None` for another length.
    pub(crate) fn new(key: &[u8]) -> Option<Self> {
        match key.len() {
            16 => Aes128::new_from_slice(key)
                .ok()
                .map(|k| Self::A128(Box::new(k))),
            32 => Aes256::new_from_slice(key)
                .ok()
                .map(|k| Self::A256(Box::new(k))),
            _ => None,
        }
    }

    /// `output = input ⊕ keystream`, the counter block starting at `iv` and incremented as
    /// a 128-bit big-endian integer (`wide`) or in its last 32 bits (GCM's `inc32`).
    pub(crate) fn xor(&self, iv: &[u8; 16], wide: bool, input: &[u8], output: &mut [u8]) {
        debug_assert_eq!(input.len(), output.len());
        let iv = iv.into();
        macro_rules! run {
            ($c:ty, $k:expr) => {{
                let mut c =
                    StreamCipherCoreWrapper::from_core(<$c>::inner_iv_init((**$k).clone(), iv));
                c.apply_keystream_b2b(input, output);
            }};
        }
        match (self, wide) {
            (Self::A128(k), true) => run!(CtrCore<Aes128, flavors::Ctr128BE>, k),
            (Self::A128(k), false) => run!(CtrCore<Aes128, flavors::Ctr32BE>, k),
            (Self::A256(k), true) => run!(CtrCore<Aes256, flavors::Ctr128BE>, k),
            (Self::A256(k), false) => run!(CtrCore<Aes256, flavors::Ctr32BE>, k),
        }
    }
}
