//! The KMIP client: TLS with a client certificate (rustls), a small pool of connections,
//! timeouts and retries with backoff, and the provider on top.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use s3crypt::keys::DataKey;
use s3crypt::kms::{AsyncKeyProvider, Context, GeneratedKey, KmsError};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use zeroize::Zeroizing;

use super::message::{self, Failure, Operation, Version, reason, tag};
use super::ttlv::{self, Item};
use super::{SealedKey, additional_data, refusal};

/// Where the KMIP server is, who this client is, and how long to wait for it.
#[derive(Clone)]
pub struct KmipConfig {
    /// `host:port` (KMIP's port is 5696); the host is checked against the server's
    /// certificate (a DNS name or an IP address in its subjectAltName).
    pub endpoint: String,
    /// PEM: the CA certificate(s) the server's certificate chains to.
    pub ca_pem: Vec<u8>,
    /// PEM: this client's certificate chain (extendedKeyUsage clientAuth).
    pub cert_pem: Vec<u8>,
    /// PEM: this client's private key (wiped on drop, never printed).
    pub key_pem: Zeroizing<Vec<u8>>,
    /// The key name SSE-S3 uses (and SSE-KMS when a request names none).
    pub default_key: String,
    /// The protocol version; `None` (the default) asks the server (Discover Versions) and
    /// takes 2.0 if it speaks it, else 1.4.
    pub version: Option<Version>,
    /// Connect + TLS handshake timeout.
    pub connect_timeout: Duration,
    /// Timeout of one request's answer.
    pub request_timeout: Duration,
    /// Timeout of one operation, retries included.
    pub operation_timeout: Duration,
    /// Retries after a transient failure (refused or dropped connection, timeout), with
    /// exponential backoff from `backoff`.
    pub retries: u32,
    /// The first backoff (doubled at each retry).
    pub backoff: Duration,
    /// How long a name → key resolution (`Locate`) is reused before asking again: a key
    /// rotated under the same name seals new objects at most this long after.
    pub locate_ttl: Duration,
    /// Idle connections kept open for reuse.
    pub max_idle_connections: usize,
}

impl core::fmt::Debug for KmipConfig {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("KmipConfig")
            .field("endpoint", &self.endpoint)
            .field("default_key", &self.default_key)
            .field("version", &self.version)
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("operation_timeout", &self.operation_timeout)
            .field("retries", &self.retries)
            .field("locate_ttl", &self.locate_ttl)
            .finish_non_exhaustive()
    }
}

impl KmipConfig {
    /// A configuration with the default timeouts (connect 3 s, request 5 s, operation 10 s,
    /// 2 retries from 100 ms, names re-resolved every 60 s, 8 idle connections).
    pub fn new(
        endpoint: &str,
        ca_pem: Vec<u8>,
        cert_pem: Vec<u8>,
        key_pem: Zeroizing<Vec<u8>>,
        default_key: &str,
    ) -> Self {
        Self {
            endpoint: endpoint.to_owned(),
            ca_pem,
            cert_pem,
            key_pem,
            default_key: default_key.to_owned(),
            version: None,
            connect_timeout: Duration::from_secs(3),
            request_timeout: Duration::from_secs(5),
            operation_timeout: Duration::from_secs(10),
            retries: 2,
            backoff: Duration::from_millis(100),
            locate_ttl: Duration::from_secs(60),
            max_idle_connections: 8,
        }
    }

    /// [`KmipConfig::new`] with the PEM files read from disk.
    pub fn from_files(
        endpoint: &str,
        ca: &str,
        cert: &str,
        key: &str,
        default_key: &str,
    ) -> Result<Self, KmsError> {
        let read = |p: &str| {
            std::fs::read(p).map_err(|e| KmsError::Provider(format!("cannot read {p}: {e}")))
        };
        Ok(Self::new(
            endpoint,
            read(ca)?,
            read(cert)?,
            Zeroizing::new(read(key)?),
            default_key,
        ))
    }
}

/// A KMIP server as an [`AsyncKeyProvider`]: data keys drawn here and sealed by the server's
/// `Encrypt` (AES-256-GCM under the named key, the encryption context as additional data);
/// opened by its `Decrypt`. The master keys never leave the server. See the
/// [module](super) for the format and why not `Get`.
pub struct Kmip {
    connector: TlsConnector,
    server_name: ServerName<'static>,
    cfg: KmipConfig,
    negotiated: Mutex<Option<Version>>,
    idle: Mutex<Vec<TlsStream<TcpStream>>>,
    located: Mutex<HashMap<String, (String, Instant)>>,
}

impl core::fmt::Debug for Kmip {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Kmip")
            .field("config", &self.cfg)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// How an exchange failed: worth a retry, or not.
enum Exchange {
    Transient(String),
    Fatal(KmsError),
}

/// The most names remembered (only names the server knows are).
const MAX_LOCATED: usize = 1024;

impl Kmip {
    /// A client of the server in `cfg` (no connection is made until the first request:
    /// a server that starts before its KMS answers 503 until the KMS is up).
    pub fn new(cfg: KmipConfig) -> Result<Self, KmsError> {
        let bad = |what: &'static str| KmsError::InvalidConfig(what);
        let mut roots = rustls::RootCertStore::empty();
        for c in CertificateDer::pem_slice_iter(&cfg.ca_pem) {
            roots
                .add(c.map_err(|_| bad("the KMIP CA file is not PEM certificates"))?)
                .map_err(|_| bad("the KMIP CA certificate is not usable"))?;
        }
        if roots.is_empty() {
            return Err(bad("the KMIP CA file holds no certificate"));
        }
        let chain = CertificateDer::pem_slice_iter(&cfg.cert_pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| bad("the KMIP client certificate file is not PEM certificates"))?;
        if chain.is_empty() {
            return Err(bad("the KMIP client certificate file holds no certificate"));
        }
        let key = PrivateKeyDer::from_pem_slice(&cfg.key_pem)
            .map_err(|_| bad("the KMIP client key file holds no PEM private key"))?;
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|_| bad("TLS versions"))?
            .with_root_certificates(roots)
            .with_client_auth_cert(chain, key)
            .map_err(|_| bad("the KMIP client certificate and key do not match"))?;
        let host = host_of(&cfg.endpoint).ok_or(bad(
            "the KMIP endpoint is host:port (e.g. kms.example:5696)",
        ))?;
        let server_name = ServerName::try_from(host.to_owned())
            .map_err(|_| bad("the KMIP endpoint's host is neither a DNS name nor an IP"))?;
        Ok(Self {
            connector: TlsConnector::from(Arc::new(tls)),
            server_name,
            cfg,
            negotiated: Mutex::new(None),
            idle: Mutex::new(Vec::new()),
            located: Mutex::new(HashMap::new()),
        })
    }

    /// The protocol version in use (asked of the server once, unless configured).
    pub async fn version(&self) -> Result<Version, KmsError> {
        let deadline = Instant::now() + self.cfg.operation_timeout;
        self.version_by(deadline).await
    }

    async fn version_by(&self, deadline: Instant) -> Result<Version, KmsError> {
        if let Some(v) = self.cfg.version.or(*lock(&self.negotiated)) {
            return Ok(v);
        }
        let req = message::discover_versions().to_bytes();
        let v = match self
            .exchange_retrying(Operation::DiscoverVersions, &req, deadline)
            .await?
        {
            Ok(payload) => *message::versions(&payload).first().ok_or_else(|| {
                KmsError::Provider("the KMIP server speaks neither KMIP 2.0 nor 1.4".into())
            })?,
            Err(f) if f.reason == Some(reason::OPERATION_NOT_SUPPORTED) => Version::V1_4,
            Err(f) => return Err(refusal("", Operation::DiscoverVersions, &f)),
        };
        *lock(&self.negotiated) = Some(v);
        Ok(v)
    }

    /// One operation: the request built for the version in use, sent with retries.
    async fn call(
        &self,
        op: Operation,
        build: impl Fn(Version) -> Item,
    ) -> Result<Result<Item, Failure>, KmsError> {
        let deadline = Instant::now() + self.cfg.operation_timeout;
        let version = self.version_by(deadline).await?;
        let req = build(version).to_bytes();
        self.exchange_retrying(op, &req, deadline).await
    }

    async fn exchange_retrying(
        &self,
        op: Operation,
        req: &[u8],
        deadline: Instant,
    ) -> Result<Result<Item, Failure>, KmsError> {
        let mut attempt = 0u32;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let why =
                match tokio::time::timeout(left.min(self.cfg.request_timeout), self.exchange(req))
                    .await
                {
                    Ok(Ok(bytes)) => {
                        return message::response(&bytes, op).map_err(|e| {
                            KmsError::Provider(format!(
                                "the KMIP server's answer is malformed: {e}"
                            ))
                        });
                    }
                    Ok(Err(Exchange::Fatal(e))) => return Err(e),
                    Ok(Err(Exchange::Transient(why))) => why,
                    Err(_) => "the KMIP server did not answer in time".to_owned(),
                };
            let backoff = self
                .cfg
                .backoff
                .saturating_mul(1u32.checked_shl(attempt).unwrap_or(u32::MAX));
            attempt += 1;
            if attempt > self.cfg.retries || Instant::now() + backoff >= deadline {
                return Err(KmsError::Unavailable(why));
            }
            tokio::time::sleep(backoff).await;
        }
    }

    /// Sends `req` and reads one answer: on an idle connection if there is one (a server may
    /// have closed it: then once more on a new one), else on a new one.
    async fn exchange(&self, req: &[u8]) -> Result<Zeroizing<Vec<u8>>, Exchange> {
        let pooled = lock(&self.idle).pop();
        if let Some(mut conn) = pooled
            && let Ok(answer) = round_trip(&mut conn, req).await
        {
            self.keep(conn);
            return Ok(answer);
        }
        let mut conn = self.connect().await?;
        let answer = round_trip(&mut conn, req).await?;
        self.keep(conn);
        Ok(answer)
    }

    fn keep(&self, conn: TlsStream<TcpStream>) {
        let mut idle = lock(&self.idle);
        if idle.len() < self.cfg.max_idle_connections {
            idle.push(conn);
        }
    }

    async fn connect(&self) -> Result<TlsStream<TcpStream>, Exchange> {
        let ep = &self.cfg.endpoint;
        let setup = async {
            let tcp = TcpStream::connect(ep.as_str()).await.map_err(|e| {
                Exchange::Transient(format!("cannot connect to the KMIP server {ep}: {e}"))
            })?;
            let _ = tcp.set_nodelay(true);
            self.connector
                .connect(self.server_name.clone(), tcp)
                .await
                .map_err(
                    |e| match e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
                        // A certificate or protocol refusal is configuration, not weather.
                        Some(tls) => Exchange::Fatal(KmsError::Provider(format!(
                            "TLS with the KMIP server {ep} failed: {tls}"
                        ))),
                        None => Exchange::Transient(format!(
                            "TLS with the KMIP server {ep} was cut: {e}"
                        )),
                    },
                )
        };
        match tokio::time::timeout(self.cfg.connect_timeout, setup).await {
            Ok(r) => r,
            Err(_) => Err(Exchange::Transient(format!(
                "the KMIP server {ep} did not accept a connection in time"
            ))),
        }
    }

    /// The Unique Identifier sealing new keys under `name`: the first `Locate` answer.
    async fn locate(&self, name: &str, fresh: bool) -> Result<String, KmsError> {
        if !fresh
            && let Some((uid, at)) = lock(&self.located).get(name)
            && at.elapsed() < self.cfg.locate_ttl
        {
            return Ok(uid.clone());
        }
        let payload = self
            .call(Operation::Locate, |v| message::locate(v, name))
            .await?
            .map_err(|f| refusal(name, Operation::Locate, &f))?;
        let uid = message::unique_identifiers(&payload)
            .into_iter()
            .next()
            .ok_or_else(|| KmsError::KeyNotFound(name.to_owned()))?;
        let mut located = lock(&self.located);
        if located.len() >= MAX_LOCATED {
            located.clear();
        }
        located.insert(name.to_owned(), (uid.clone(), Instant::now()));
        Ok(uid)
    }

    fn forget(&self, name: &str) {
        lock(&self.located).remove(name);
    }

    async fn seal(
        &self,
        uid: &str,
        dek: &[u8; 32],
        aad: &[u8],
    ) -> Result<Result<Vec<u8>, Failure>, KmsError> {
        let nonce = random::<12>()?;
        let payload = match self
            .call(Operation::Encrypt, |v| {
                message::encrypt(v, uid, dek, &nonce, aad)
            })
            .await?
        {
            Ok(p) => p,
            Err(f) => return Ok(Err(f)),
        };
        let malformed = |what: &str| {
            KmsError::Provider(format!(
                "the KMIP server's Encrypt answer is malformed: {what}"
            ))
        };
        let ct = message::byte_field(&payload, tag::DATA)
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .ok_or_else(|| malformed("Data is not 32 bytes"))?;
        let auth = message::byte_field(&payload, tag::AUTHENTICATED_ENCRYPTION_TAG)
            .and_then(|b| <[u8; 16]>::try_from(b).ok())
            .ok_or_else(|| malformed("the Authenticated Encryption Tag is not 16 bytes"))?;
        // A server may choose its own nonce; it then returns it.
        let nonce = match message::byte_field(&payload, tag::IV_COUNTER_NONCE) {
            None => nonce,
            Some(n) => n
                .try_into()
                .map_err(|_| malformed("the IV/Counter/Nonce is not 12 bytes"))?,
        };
        let sealed = SealedKey {
            uid: uid.to_owned(),
            nonce,
            tag: auth,
            ciphertext: ct,
        };
        sealed
            .encode()
            .map(Ok)
            .ok_or_else(|| malformed("the key's Unique Identifier is empty or over 255 bytes"))
    }
}

fn random<const N: usize>() -> Result<[u8; N], KmsError> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|_| KmsError::Random)?;
    Ok(b)
}

fn host_of(endpoint: &str) -> Option<&str> {
    let (host, port) = endpoint.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    (!host.is_empty()).then_some(host)
}

/// Writes one request and reads one whole answer (its length from its header, bounded).
async fn round_trip(
    conn: &mut TlsStream<TcpStream>,
    req: &[u8],
) -> Result<Zeroizing<Vec<u8>>, Exchange> {
    let cut = |e: std::io::Error| Exchange::Transient(format!("the KMIP connection failed: {e}"));
    conn.write_all(req).await.map_err(cut)?;
    conn.flush().await.map_err(cut)?;
    let mut header = [0u8; 8];
    conn.read_exact(&mut header).await.map_err(cut)?;
    let len = ttlv::message_len(&header).map_err(|e| {
        Exchange::Fatal(KmsError::Provider(format!(
            "the KMIP server's answer is malformed: {e}"
        )))
    })?;
    let mut answer = Zeroizing::new(vec![0u8; len]);
    answer[..8].copy_from_slice(&header);
    conn.read_exact(&mut answer[8..]).await.map_err(cut)?;
    Ok(answer)
}

impl AsyncKeyProvider for Kmip {
    fn default_key_id(&self) -> &str {
        &self.cfg.default_key
    }

    async fn generate_key(
        &self,
        key_id: &str,
        context: &Context,
    ) -> Result<GeneratedKey, KmsError> {
        let dek = Zeroizing::new(random::<32>()?);
        let aad = additional_data(key_id, context);
        // A cached name may point at a key revoked or destroyed since: ask again once.
        for fresh in [false, true] {
            let uid = self.locate(key_id, fresh).await?;
            match self.seal(&uid, &dek, &aad).await? {
                Ok(ciphertext) => {
                    return Ok(GeneratedKey {
                        key_id: key_id.to_owned(),
                        plaintext: DataKey::from_slice(&dek[..]).map_err(|_| KmsError::Random)?,
                        ciphertext,
                    });
                }
                Err(f) => {
                    let e = refusal(key_id, Operation::Encrypt, &f);
                    self.forget(key_id);
                    if fresh || !matches!(e, KmsError::KeyNotFound(_) | KmsError::KeyDisabled(_)) {
                        return Err(e);
                    }
                }
            }
        }
        Err(KmsError::KeyNotFound(key_id.to_owned()))
    }

    async fn decrypt_key(
        &self,
        key_id: &str,
        ciphertext: &[u8],
        context: &Context,
    ) -> Result<DataKey, KmsError> {
        let sealed = SealedKey::decode(ciphertext)?;
        let aad = additional_data(key_id, context);
        let payload = self
            .call(Operation::Decrypt, |v| {
                message::decrypt(
                    v,
                    &sealed.uid,
                    &sealed.ciphertext,
                    &sealed.nonce,
                    &aad,
                    &sealed.tag,
                )
            })
            .await?
            .map_err(|f| refusal(key_id, Operation::Decrypt, &f))?;
        let data = message::byte_field(&payload, tag::DATA).ok_or_else(|| {
            KmsError::Provider("the KMIP server's Decrypt answer has no Data".into())
        })?;
        DataKey::from_slice(data).map_err(|_| {
            KmsError::Provider("the KMIP server's Decrypt answer is not a 32-byte key".into())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints() {
        assert_eq!(host_of("127.0.0.1:5696"), Some("127.0.0.1"));
        assert_eq!(host_of("[::1]:5696"), Some("::1"));
        assert_eq!(host_of("kms.example:5696"), Some("kms.example"));
        assert_eq!(host_of("kms.example"), None);
        assert_eq!(host_of(":5696"), None);
        assert_eq!(host_of("h:99999"), None);
    }
}
