/// Why a DARE operation failed. Decryption errors release no plaintext of the failing
/// package.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DareError {
    /// The version byte is not 0x20 (or 0x10 where DARE 1.0 is allowed).
    #[error(
        "unsupported DARE version byte {found:#04x}, expected 0x20 (or 0x10 with legacy 1.0 enabled)"
    )]
    UnsupportedVersion {
        /// The byte found.
        found: u8,
    },
    /// A DARE 1.0 stream where only 2.0 is accepted.
    #[error("DARE 1.0 stream: decrypting it needs DecryptOptions::allow_legacy_v1")]
    LegacyVersionNotAllowed,
    /// The cipher id is not 0 (AES-256-GCM) or 1 (ChaCha20-Poly1305).
    #[error("unsupported DARE cipher suite id {found}, expected 0 or 1")]
    UnsupportedCipher {
        /// The id found.
        found: u8,
    },
    /// A package's cipher differs from the first package's.
    #[error("cipher suite changes within the stream")]
    CipherMismatch,
    /// A package's length field does not fit the bytes, or a non-final package is short.
    #[error("invalid package payload size: every package but the last carries 65536 bytes")]
    InvalidPayloadSize,
    /// A package's nonce differs from the stream's (a package from another stream).
    #[error("package nonce differs from the stream nonce")]
    NonceMismatch,
    /// DARE 1.0: the header's sequence number is not the expected one.
    #[error("package sequence number {found}, expected {expected}")]
    PackageOutOfOrder {
        /// The number expected.
        expected: u32,
        /// The number in the header.
        found: u32,
    },
    /// The tag does not authenticate the package: wrong key, tampering, reordering or a wrong
    /// start sequence number.
    #[error("package authentication failed")]
    Authentication,
    /// The stream ended without its final package (truncated), or inside a package.
    #[error("stream truncated: it ends without a final package")]
    Truncated,
    /// Bytes follow the final package.
    #[error("unexpected data after the final package")]
    TrailingData,
    /// A stream would need more than 2^32 packages (sequence numbers are 32 bits).
    #[error("stream too long: sequence number would exceed 2^32 - 1")]
    TooManyPackages,
    /// A size above the format's limit (2^48 plaintext bytes).
    #[error("size exceeds the DARE limit of 2^48 plaintext bytes")]
    SizeTooLarge,
    /// A stored size no DARE stream can have (a last package of 32 bytes or less).
    #[error("not a valid DARE stream size")]
    InvalidSize,
    /// The output buffer is too small.
    #[error("output buffer too small: need {needed} bytes, have {available}")]
    BufferTooSmall {
        /// Bytes needed.
        needed: usize,
        /// Bytes available.
        available: usize,
    },
    /// A payload of 0 or more than 65536 bytes, or a short non-final payload, was given to
    /// the package sealer.
    #[error(
        "payload length {len} is not valid for this package (1..=65536, exactly 65536 unless final)"
    )]
    InvalidPlaintextLength {
        /// The length given.
        len: usize,
    },
    /// An empty input where the stored size was not stated: it may be an object that storage
    /// answered with nothing.
    #[error(
        "empty input: the empty stream is accepted only with an expected stored size of 0 (DecryptOptions::stored_size)"
    )]
    EmptyStream,
    /// A final package where the stream (or the range read) goes on: the stored bytes are not
    /// the object the range was computed for.
    #[error("unexpected final package: the stored object ends before the range or size given")]
    UnexpectedFinal,
    /// The OS random number generator failed (drawing a stream nonce).
    #[error("the OS random number generator is unavailable")]
    RandomUnavailable,
    /// The encryptor or decryptor failed earlier and cannot continue.
    #[error("the stream failed earlier and cannot continue")]
    Poisoned,
}
