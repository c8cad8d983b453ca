//! Async key providers for s3crypt's server kit ([`s3crypt::kms::AsyncKeyProvider`]), with
//! the network I/O the core crate never does:
//!
//! - [`AwsKms`]: the AWS KMS API (`GenerateDataKey` / `Decrypt` with the object's encryption
//!   context; key ids, aliases and ARNs) through the official `aws-sdk-kms` — AWS KMS itself
//!   and every service speaking its wire protocol (moto in this project's tests). Timeouts
//!   and retries with backoff on transient errors are the SDK's, configured here.
//! - [`Kmip`]: a KMIP server (1.4 or 2.0, negotiated) over TLS with a client certificate:
//!   data keys sealed by the server's `Encrypt` (AES-256-GCM, the encryption context as
//!   additional data) and opened by its `Decrypt`, under a key found by its Name (`Locate`)
//!   — Thales CipherTrust, Fortanix, Entrust, Vault Enterprise, Cosmian, PyKMIP.
//! - [`Cached`]: a bounded cache of opened data keys in front of any provider (off unless
//!   you wrap a provider in it; its TTL and size are named; keys are zeroized on eviction).
//!
//! Errors map to what an S3 client should see ([`s3crypt::kms::KmsError`]): an unknown key
//! is `KeyNotFound` (400 `KMS.NotFoundException`), a disabled one `KeyDisabled` (400
//! `KMS.DisabledException`), an unreachable or throttling KMS `Unavailable` (503).
//!
//! The KMS's master keys never leave it: the server sees data keys only, and stores them
//! sealed by the KMS (the `CiphertextBlob`) beside each object.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "aws")]
mod aws;
#[cfg(any(feature = "aws", feature = "kmip"))]
mod cache;
pub mod kmip;

#[cfg(feature = "aws")]
pub use aws::{AwsKms, AwsKmsConfig};
#[cfg(any(feature = "aws", feature = "kmip"))]
pub use cache::Cached;
#[cfg(feature = "kmip")]
pub use kmip::{Kmip, KmipConfig};
