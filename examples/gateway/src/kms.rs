//! The gateway's KMS, chosen at start: static keys in the environment (`GATEWAY_KMS_KEYS`),
//! a KMIP server (`GATEWAY_KMS=kmip://host:port`) or the AWS KMS API
//! (`GATEWAY_KMS=aws-kms:<endpoint>`), both through `s3crypt-kms`. Static keys may stay
//! beside a remote KMS: objects sealed under them stay readable and move to the KMS by
//! CopyObject in place. A remote KMS is reached through the kit's async seam
//! (`s3crypt::kms::with_async_kms`).

use std::time::Duration;

use s3crypt::keys::DataKey;
use s3crypt::kms::{AsyncKeyProvider, Context, GeneratedKey, KeyProvider, KmsError, StaticKeys};
use s3crypt_kms::{AwsKms, AwsKmsConfig, Cached, Kmip, KmipConfig};

/// A KMS the gateway talks to over the network, behind a cache of opened keys (TTL 0: off).
pub enum Remote {
    /// The AWS KMS API.
    Aws(Box<Cached<AwsKms>>),
    /// A KMIP server.
    Kmip(Box<Cached<Kmip>>),
}

pub struct GatewayKms {
    /// Keys in process (`GATEWAY_KMS_KEYS`): answered at once.
    local: Option<StaticKeys>,
    remote: Option<Remote>,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn var(n: &str) -> Result<String, BoxError> {
    std::env::var(n).map_err(|_| format!("{n} is not set").into())
}

/// `GATEWAY_KMS_CACHE_SECONDS` (default 0: no cache; at most 1,024 keys).
fn cache() -> Result<(Duration, usize), BoxError> {
    let ttl: u64 = std::env::var("GATEWAY_KMS_CACHE_SECONDS")
        .ok()
        .map(|s| s.parse())
        .transpose()
        .map_err(|_| "GATEWAY_KMS_CACHE_SECONDS is not a number")?
        .unwrap_or(0);
    Ok((Duration::from_secs(ttl), if ttl == 0 { 0 } else { 1024 }))
}

impl GatewayKms {
    /// The KMS the environment names:
    /// - `GATEWAY_KMS=kmip://host:port` with `GATEWAY_KMIP_CA`, `GATEWAY_KMIP_CERT`,
    ///   `GATEWAY_KMIP_KEY` (PEM files: the server's CA, this gateway's client certificate and
    ///   key), `GATEWAY_KMS_DEFAULT_KEY` (a KMIP key Name: SSE-S3's key),
    ///   `GATEWAY_KMIP_VERSION` (`1.4` or `2.0`; default: asked of the server);
    /// - `GATEWAY_KMS=aws-kms:<endpoint url>` (or `aws-kms://host` for HTTPS, or `aws-kms:`
    ///   for the region's AWS endpoint) with `GATEWAY_KMS_ACCESS_KEY`,
    ///   `GATEWAY_KMS_SECRET_KEY`, `GATEWAY_KMS_DEFAULT_KEY` (id, alias or ARN),
    ///   `GATEWAY_KMS_REGION` (default `us-east-1`);
    /// - either with `GATEWAY_KMS_CACHE_SECONDS`; and `GATEWAY_KMS_KEYS` (static keys) read
    ///   beside either, or alone.
    pub fn from_env() -> Result<Option<Self>, BoxError> {
        let local = match std::env::var("GATEWAY_KMS_KEYS") {
            Ok(v) => Some(StaticKeys::from_env_value(&v)?),
            Err(_) => None,
        };
        let remote = match std::env::var("GATEWAY_KMS").ok().as_deref() {
            Some(v) if v.starts_with("aws-kms:") => {
                // `aws-kms:` + a URL, or `aws-kms://host[:port]` for HTTPS, or `aws-kms:`
                // alone for the region's AWS endpoint.
                let rest = v.trim_start_matches("aws-kms:");
                let endpoint = match rest.strip_prefix("//") {
                    Some(host) => format!("https://{host}"),
                    None => rest.to_owned(),
                };
                let cfg = AwsKmsConfig {
                    endpoint: (!endpoint.is_empty()).then_some(endpoint),
                    region: std::env::var("GATEWAY_KMS_REGION")
                        .unwrap_or_else(|_| "us-east-1".into()),
                    access_key: var("GATEWAY_KMS_ACCESS_KEY")?,
                    secret_key: var("GATEWAY_KMS_SECRET_KEY")?,
                    default_key_id: var("GATEWAY_KMS_DEFAULT_KEY")?,
                    attempt_timeout: Duration::from_secs(3),
                    operation_timeout: Duration::from_secs(10),
                };
                let (ttl, capacity) = cache()?;
                tracing::info!(kms = ?cfg, cache_seconds = ttl.as_secs(), "KMS: the AWS KMS API");
                Some(Remote::Aws(Box::new(Cached::new(
                    AwsKms::new(&cfg),
                    ttl,
                    capacity,
                ))))
            }
            Some(v) if v.starts_with("kmip://") => {
                let endpoint = v.trim_start_matches("kmip://").trim_end_matches('/');
                let mut cfg = KmipConfig::from_files(
                    endpoint,
                    &var("GATEWAY_KMIP_CA")?,
                    &var("GATEWAY_KMIP_CERT")?,
                    &var("GATEWAY_KMIP_KEY")?,
                    &var("GATEWAY_KMS_DEFAULT_KEY")?,
                )?;
                if let Ok(v) = std::env::var("GATEWAY_KMIP_VERSION") {
                    cfg.version = Some(
                        s3crypt_kms::kmip::message::Version::parse(&v)
                            .ok_or("GATEWAY_KMIP_VERSION: expected 1.4 or 2.0")?,
                    );
                }
                let (ttl, capacity) = cache()?;
                tracing::info!(kms = ?cfg, cache_seconds = ttl.as_secs(), "KMS: KMIP");
                Some(Remote::Kmip(Box::new(Cached::new(
                    Kmip::new(cfg)?,
                    ttl,
                    capacity,
                ))))
            }
            Some("static") | None => None,
            Some(other) => {
                return Err(format!(
                    "GATEWAY_KMS={other}: expected kmip://host:port, aws-kms:<endpoint url> or static"
                )
                .into());
            }
        };
        Ok((local.is_some() || remote.is_some()).then_some(Self { local, remote }))
    }

    /// The static keys, when they are the only KMS: they answer the kit's flows at once.
    pub fn only_static(&self) -> Option<&StaticKeys> {
        self.local.as_ref().filter(|_| self.remote.is_none())
    }

    /// The key ids a bucket default may name, when the KMS can tell (static keys alone); a
    /// remote KMS judges ids when they are used (`KMS.NotFoundException`).
    pub fn known_key_ids(&self) -> Option<Vec<String>> {
        self.only_static()
            .map(|k| k.key_ids().map(str::to_owned).collect())
    }

    /// The static keys if they hold `key_id` (or there is nothing else).
    fn local_for(&self, key_id: &str) -> Option<&StaticKeys> {
        let local = self.local.as_ref()?;
        (self.remote.is_none() || local.key_ids().any(|k| k == key_id)).then_some(local)
    }
}

impl AsyncKeyProvider for GatewayKms {
    fn default_key_id(&self) -> &str {
        match (&self.remote, &self.local) {
            (Some(Remote::Aws(k)), _) => k.default_key_id(),
            (Some(Remote::Kmip(k)), _) => k.default_key_id(),
            (None, Some(l)) => l.default_key_id(),
            (None, None) => "",
        }
    }

    async fn generate_key(
        &self,
        key_id: &str,
        context: &Context,
    ) -> Result<GeneratedKey, KmsError> {
        if let Some(l) = self.local_for(key_id) {
            return l.generate_key(key_id, context);
        }
        match &self.remote {
            Some(Remote::Aws(k)) => k.generate_key(key_id, context).await,
            Some(Remote::Kmip(k)) => k.generate_key(key_id, context).await,
            None => Err(KmsError::KeyNotFound(key_id.to_owned())),
        }
    }

    async fn decrypt_key(
        &self,
        key_id: &str,
        ciphertext: &[u8],
        context: &Context,
    ) -> Result<DataKey, KmsError> {
        if let Some(l) = self.local_for(key_id) {
            return l.decrypt_key(key_id, ciphertext, context);
        }
        match &self.remote {
            Some(Remote::Aws(k)) => k.decrypt_key(key_id, ciphertext, context).await,
            Some(Remote::Kmip(k)) => k.decrypt_key(key_id, ciphertext, context).await,
            None => Err(KmsError::KeyNotFound(key_id.to_owned())),
        }
    }
}
