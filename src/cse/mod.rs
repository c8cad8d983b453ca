//! Client-side encryption formats of other tools, read and (where safe) written: the AWS S3
//! Encryption Client ([`s3ec`]), Tink streaming AEAD ([`tink`]) and Constellation s3proxy
//! ([`s3proxy`]). The byte layouts are in `docs/cse.md`.
//!
//! The same rules hold here as in [`crate::dare`]: the convenient forms draw keys, IVs and
//! nonces from the OS, the `_with` forms take them for test vectors; plaintext is released
//! only from authenticated data (the unauthenticated modes — S3EC ranged GET, S3EC AES-CBC,
//! the S3EC streaming decryptor — are explicit opt-ins); a short or cut input is an error.

pub(crate) mod ctr;
pub mod s3ec;
pub mod s3proxy;
pub mod tink;
