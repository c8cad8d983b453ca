//! The gateway's KMS, chosen at start: static keys in the environment (`GATEWAY_KMS_KEYS`),
//! or the AWS KMS API (`GATEWAY_KMS=aws-kms:<endpoint>`, through `s3crypt-kms`). Either is
//! reached through the kit's async seam (`s3crypt::kms::with_async_kms`).

use std::time::Duration;

use s3crypt::keys::DataKey;
use s3crypt::kms::{AsyncKeyProvider, Context, GeneratedKey, KeyProvider, KmsError, StaticKeys};
use s3crypt_kms::{AwsKms, AwsKmsConfig, Cached};

pub enum GatewayKms {
    /// Keys in process (`GATEWAY_KMS_KEYS`): answered at once.
    Static(StaticKeys),
    /// A KMS speaking the AWS KMS API, behind a cache of opened keys (TTL 0: off).
    Aws(Box<Cached<AwsKms>>),
}

impl GatewayKms {
    /// The KMS the environment names: `GATEWAY_KMS=aws-kms:<endpoint url>` with
    /// `GATEWAY_KMS_ACCESS_KEY`, `GATEWAY_KMS_SECRET_KEY`, `GATEWAY_KMS_DEFAULT_KEY` (id,
    /// alias or ARN: SSE-S3's key), `GATEWAY_KMS_REGION` (default `us-east-1`),
    /// `GATEWAY_KMS_CACHE_SECONDS` (default 0: no cache; at most 1,024 keys); otherwise the
    /// static keys of `GATEWAY_KMS_KEYS`, or none.
    pub fn from_env() -> Result<Option<Self>, Box<dyn std::error::Error + Send + Sync>> {
        let var = |n: &str| std::env::var(n).map_err(|_| format!("{n} is not set"));
        match std::env::var("GATEWAY_KMS").ok().as_deref() {
            Some(v) if v.starts_with("aws-kms:") => {
                let endpoint = v.trim_start_matches("aws-kms:").to_owned();
                let cfg = AwsKmsConfig {
                    endpoint: (!endpoint.is_empty()).then_some(endpoint),
                    region: std::env::var("GATEWAY_KMS_REGION").unwrap_or_else(|_| "us-east-1".into()),
                    access_key: var("GATEWAY_KMS_ACCESS_KEY")?,
                    secret_key: var("GATEWAY_KMS_SECRET_KEY")?,
                    default_key_id: var("GATEWAY_KMS_DEFAULT_KEY")?,
                    attempt_timeout: Duration::from_secs(3),
                    operation_timeout: Duration::from_secs(10),
                };
                let ttl: u64 = std::env::var("GATEWAY_KMS_CACHE_SECONDS")
                    .ok()
                    .map(|s| s.parse())
                    .transpose()
                    .map_err(|_| "GATEWAY_KMS_CACHE_SECONDS is not a number")?
                    .unwrap_or(0);
                let capacity = if ttl == 0 { 0 } else { 1024 };
                tracing::info!(kms = ?cfg, cache_seconds = ttl, "KMS: the AWS KMS API");
                Ok(Some(Self::Aws(Box::new(Cached::new(
                    AwsKms::new(&cfg),
                    Duration::from_secs(ttl),
                    capacity,
                )))))
            }
            Some("static") | None => match std::env::var("GATEWAY_KMS_KEYS") {
                Ok(v) => Ok(Some(Self::Static(StaticKeys::from_env_value(&v)?))),
                Err(_) => Ok(None),
            },
            Some(other) => Err(format!(
                "GATEWAY_KMS={other}: expected aws-kms:<endpoint url> or static (KMIP is not built yet)"
            )
            .into()),
        }
    }

    /// The key ids a bucket default may name, when the KMS can tell (static keys); a remote
    /// KMS judges ids when they are used (`KMS.NotFoundException`).
    pub fn known_key_ids(&self) -> Option<Vec<String>> {
        match self {
            Self::Static(k) => Some(k.key_ids().map(str::to_owned).collect()),
            Self::Aws(_) => None,
        }
    }
}

impl AsyncKeyProvider for GatewayKms {
    fn default_key_id(&self) -> &str {
        match self {
            Self::Static(k) => k.default_key_id(),
            Self::Aws(k) => k.default_key_id(),
        }
    }

    async fn generate_key(
        &self,
        key_id: &str,
        context: &Context,
    ) -> Result<GeneratedKey, KmsError> {
        match self {
            Self::Static(k) => k.generate_key(key_id, context),
            Self::Aws(k) => k.generate_key(key_id, context).await,
        }
    }

    async fn decrypt_key(
        &self,
        key_id: &str,
        ciphertext: &[u8],
        context: &Context,
    ) -> Result<DataKey, KmsError> {
        match self {
            Self::Static(k) => k.decrypt_key(key_id, ciphertext, context),
            Self::Aws(k) => k.decrypt_key(key_id, ciphertext, context).await,
        }
    }
}
