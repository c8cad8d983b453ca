//! Async key providers for s3crypt's server kit ([`s3crypt::kms::AsyncKeyProvider`]), with
//! the network I/O the core crate never does:
//!
//! - [`AwsKms`]: the AWS KMS API (`GenerateDataKey` / `Decrypt` with the object's encryption
//!   context; key ids, aliases and ARNs) through the official `aws-sdk-kms` — AWS KMS itself
//!   and every service speaking its wire protocol (moto in this project's tests). Timeouts
//!   and retries with backoff on transient errors are the SDK's, configured here.
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

mod aws;
mod cache;

pub use aws::{AwsKms, AwsKmsConfig};
pub use cache::Cached;
