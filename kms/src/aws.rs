//! The AWS KMS API through `aws-sdk-kms`.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_kms::Client;
use aws_sdk_kms::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_kms::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::DataKeySpec;
use s3crypt::keys::DataKey;
use s3crypt::kms::{AsyncKeyProvider, Context, GeneratedKey, KmsError};
use zeroize::Zeroize as _;

/// Where the KMS is and who the server is there.
#[derive(Clone)]
pub struct AwsKmsConfig {
    /// `https://kms.<region>.amazonaws.com`, or another endpoint speaking the API (moto).
    pub endpoint: Option<String>,
    /// The region.
    pub region: String,
    /// Access key id and secret (never logged, never in an error).
    pub access_key: String,
    /// The secret access key.
    pub secret_key: String,
    /// The key SSE-S3 uses (and SSE-KMS when a request names none): an id, alias or ARN.
    pub default_key_id: String,
    /// Per-attempt timeout (connect + answer); the SDK retries transient failures (3
    /// attempts, exponential backoff with jitter) within `operation_timeout`.
    pub attempt_timeout: Duration,
    /// Timeout of one operation, retries included.
    pub operation_timeout: Duration,
}

impl core::fmt::Debug for AwsKmsConfig {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AwsKmsConfig")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("default_key_id", &self.default_key_id)
            .finish_non_exhaustive()
    }
}

/// The AWS KMS API as an [`AsyncKeyProvider`]: `GenerateDataKey` (AES-256) and `Decrypt`,
/// both with the object's encryption context, so a sealed data key opens only for its
/// object.
pub struct AwsKms {
    client: Client,
    default_key_id: String,
}

impl core::fmt::Debug for AwsKms {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AwsKms")
            .field("default_key_id", &self.default_key_id)
            .finish_non_exhaustive()
    }
}

/// An SDK error as the kit's: never the credentials, never a key.
fn kms_err<E: ProvideErrorMetadata, R>(key_id: &str, e: SdkError<E, R>) -> KmsError {
    match &e {
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => {
            KmsError::Unavailable("the KMS did not answer".into())
        }
        SdkError::ServiceError(s) => match s.err().code().unwrap_or("") {
            "NotFoundException" => KmsError::KeyNotFound(key_id.to_owned()),
            "DisabledException" | "KMSInvalidStateException" | "KeyUnavailableException" => {
                KmsError::KeyDisabled(key_id.to_owned())
            }
            "InvalidCiphertextException" | "IncorrectKeyException" => KmsError::DecryptionFailed,
            c @ ("KMSInternalException"
            | "DependencyTimeoutException"
            | "ThrottlingException"
            | "LimitExceededException") => KmsError::Unavailable(c.to_owned()),
            c => KmsError::Provider(format!("the KMS refused: {c}")),
        },
        _ => KmsError::Provider("the KMS request failed".into()),
    }
}

fn context_map(ctx: &Context) -> Option<HashMap<String, String>> {
    let m: HashMap<String, String> = ctx
        .iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    (!m.is_empty()).then_some(m)
}

/// Copies a plaintext key out of an SDK blob and wipes the blob.
fn take_key(blob: Option<Blob>) -> Result<DataKey, KmsError> {
    let mut raw = blob
        .ok_or_else(|| KmsError::Provider("the KMS returned no plaintext".into()))?
        .into_inner();
    let key = DataKey::from_slice(&raw)
        .map_err(|_| KmsError::Provider("the KMS returned a key that is not 32 bytes".into()));
    raw.zeroize();
    key
}

impl AwsKms {
    /// A client of the KMS at `cfg`.
    pub fn new(cfg: &AwsKmsConfig) -> Self {
        let creds = Credentials::new(
            cfg.access_key.clone(),
            cfg.secret_key.clone(),
            None,
            None,
            "s3crypt-kms",
        );
        let mut b = aws_sdk_kms::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(cfg.region.clone()))
            .credentials_provider(creds)
            .timeout_config(
                aws_sdk_kms::config::timeout::TimeoutConfig::builder()
                    .connect_timeout(cfg.attempt_timeout)
                    .operation_attempt_timeout(cfg.attempt_timeout)
                    .operation_timeout(cfg.operation_timeout)
                    .build(),
            )
            .retry_config(aws_sdk_kms::config::retry::RetryConfig::standard().with_max_attempts(3));
        if let Some(e) = &cfg.endpoint {
            b = b.endpoint_url(e.clone());
        }
        Self {
            client: Client::from_conf(b.build()),
            default_key_id: cfg.default_key_id.clone(),
        }
    }
}

impl AsyncKeyProvider for AwsKms {
    fn default_key_id(&self) -> &str {
        &self.default_key_id
    }

    async fn generate_key(
        &self,
        key_id: &str,
        context: &Context,
    ) -> Result<GeneratedKey, KmsError> {
        let out = self
            .client
            .generate_data_key()
            .key_id(key_id)
            .key_spec(DataKeySpec::Aes256)
            .set_encryption_context(context_map(context))
            .send()
            .await
            .map_err(|e| kms_err(key_id, e))?;
        let ciphertext = out
            .ciphertext_blob
            .clone()
            .ok_or_else(|| KmsError::Provider("the KMS returned no ciphertext".into()))?
            .into_inner();
        // The ARN the KMS names the key by: what the object's metadata records.
        let id = out.key_id.clone().unwrap_or_else(|| key_id.to_owned());
        let plaintext = take_key(out.plaintext)?;
        Ok(GeneratedKey {
            key_id: id,
            plaintext,
            ciphertext,
        })
    }

    async fn decrypt_key(
        &self,
        key_id: &str,
        ciphertext: &[u8],
        context: &Context,
    ) -> Result<DataKey, KmsError> {
        let out = self
            .client
            .decrypt()
            .key_id(key_id)
            .ciphertext_blob(Blob::new(ciphertext.to_vec()))
            .set_encryption_context(context_map(context))
            .send()
            .await
            .map_err(|e| kms_err(key_id, e))?;
        take_key(out.plaintext)
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_kms::config::http::HttpResponse;
    use aws_sdk_kms::operation::decrypt::DecryptError;
    use aws_sdk_kms::types::error::{
        DisabledException, InvalidCiphertextException, KmsInternalException,
        KmsInvalidStateException, NotFoundException,
    };
    use aws_smithy_types::body::SdkBody;

    use super::*;

    fn meta(code: &str) -> aws_sdk_kms::error::ErrorMetadata {
        aws_sdk_kms::error::ErrorMetadata::builder()
            .code(code)
            .build()
    }

    fn service(e: DecryptError) -> SdkError<DecryptError, HttpResponse> {
        let raw = HttpResponse::new(400.try_into().unwrap(), SdkBody::empty());
        SdkError::service_error(e, raw)
    }

    /// What the KMS answers maps to what an S3 client should see (moto does not refuse a
    /// disabled key, so this is where the mapping is checked).
    #[test]
    fn kms_answers_map_to_s3_answers() {
        type Check = fn(&KmsError) -> bool;
        let cases: Vec<(DecryptError, Check)> = vec![
            (
                DecryptError::NotFoundException(
                    NotFoundException::builder()
                        .meta(meta("NotFoundException"))
                        .build(),
                ),
                |e| matches!(e, KmsError::KeyNotFound(id) if id == "k"),
            ),
            (
                DecryptError::DisabledException(
                    DisabledException::builder()
                        .meta(meta("DisabledException"))
                        .build(),
                ),
                |e| matches!(e, KmsError::KeyDisabled(_)),
            ),
            (
                DecryptError::KmsInvalidStateException(
                    KmsInvalidStateException::builder()
                        .meta(meta("KMSInvalidStateException"))
                        .build(),
                ),
                |e| matches!(e, KmsError::KeyDisabled(_)),
            ),
            (
                DecryptError::InvalidCiphertextException(
                    InvalidCiphertextException::builder()
                        .meta(meta("InvalidCiphertextException"))
                        .build(),
                ),
                |e| matches!(e, KmsError::DecryptionFailed),
            ),
            (
                DecryptError::KmsInternalException(
                    KmsInternalException::builder()
                        .meta(meta("KMSInternalException"))
                        .build(),
                ),
                |e| matches!(e, KmsError::Unavailable(_)),
            ),
        ];
        for (e, want) in cases {
            let got = kms_err("k", service(e));
            assert!(want(&got), "{got:?}");
        }
        let e = s3crypt::sse::object::KitError::from(KmsError::KeyDisabled("k".into()));
        assert_eq!((e.code(), e.http_status()), ("KMS.DisabledException", 400));
        let e = s3crypt::sse::object::KitError::from(KmsError::Unavailable("x".into()));
        assert_eq!((e.code(), e.http_status()), ("ServiceUnavailable", 503));
    }
}
