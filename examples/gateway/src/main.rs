//! An encrypting S3 gateway: an S3-compatible HTTPS server on s3s that stores objects in a
//! local directory or — proxy mode — in any S3 backend (Ceph RGW, MinIO, AWS S3), every
//! object encrypted through s3crypt's server kit (SSE-C, SSE-S3, SSE-KMS, bucket default
//! encryption, multipart, copies with key changes).
//!
//! Configuration (environment):
//! - `GATEWAY_ROOT`: data directory (default `target/gateway-data`: git ignores it, and the
//!   TLS private key is never left in a checkout's tracked tree); in proxy mode it holds only
//!   the TLS files and writes in progress;
//! - `GATEWAY_BACKEND`: `local` (default: objects in `GATEWAY_ROOT`, MinIO's layout) or `s3`
//!   (proxy mode: the crate's own layout, which binds names, sizes and part lists), with
//!   `GATEWAY_S3_ENDPOINT`, `GATEWAY_S3_ACCESS_KEY`, `GATEWAY_S3_SECRET_KEY` (the backend's
//!   credentials, separate from the gateway's own), `GATEWAY_S3_REGION` (default
//!   `us-east-1`), `GATEWAY_S3_PATH_STYLE` (default `1`), `GATEWAY_S3_CA_FILE` (PEM
//!   certificates an HTTPS endpoint is verified against) and `GATEWAY_STATE_KEY` (base64 of
//!   32 bytes, the same on every gateway of one backend: seals uploads' binding keys while
//!   they are in flight);
//! - `GATEWAY_ADDR`: HTTPS listen address (default `127.0.0.1:8443`);
//! - `GATEWAY_HTTP_ADDR`: an optional plain-HTTP listener (SSE-C is refused there, as S3 does);
//! - `GATEWAY_ACCESS_KEY`, `GATEWAY_SECRET_KEY`: the SigV4 credentials (required);
//! - `GATEWAY_KMS_KEYS`: `id:base64-32-bytes,…` — static KMS keys for SSE-S3 (the first) and
//!   SSE-KMS (any, by id); or `GATEWAY_KMS=aws-kms:<endpoint url>` — a KMS speaking the AWS
//!   KMS API (`kms.rs` names its settings), asked asynchronously; without either,
//!   SSE-S3/SSE-KMS answer 501;
//! - `GATEWAY_PLAINTEXT=1`: store without encryption (a baseline for benchmarks): every
//!   write that would encrypt — SSE headers on PUT, POST, copy or multipart, a bucket
//!   default encryption — is refused (501);
//! - `RUST_LOG`: log filter. s3s 0.14 logs whole requests — SSE-C keys included — at debug
//!   level, so its level (and hyper's) is capped at info whatever `RUST_LOG` says.
//!
//! TLS: a CA and a server certificate for `localhost`/`127.0.0.1` are generated at first
//! start into `<root>/tls/` (`ca.pem` is what clients verify against).

mod backend;
mod kms;
mod route;
mod s3;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use hyper_util::rt::{TokioExecutor, TokioIo};
use s3crypt::headers::Transport;
use s3s::auth::SimpleAuth;
use s3s::service::S3ServiceBuilder;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::pki_types::pem::PemObject as _;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tracing_subscriber::Layer as _;
use tracing_subscriber::filter::{EnvFilter, FilterExt as _, filter_fn};
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

type Error = Box<dyn std::error::Error + Send + Sync>;

/// Targets whose debug/trace events may carry request headers (and so SSE-C keys).
/// The AWS SDK's (the proxy's backend client) carry the backend's signed requests.
const CAPPED: [&str; 12] = [
    "s3s",
    "hyper",
    "hyper_util",
    "h2",
    "rustls",
    "tokio_rustls",
    "aws_smithy_runtime",
    "aws_smithy_runtime_api",
    "aws_smithy_http_client",
    "aws_sigv4",
    "aws_sdk_s3",
    "aws_runtime",
];

/// Whether an event may be logged: capped targets at info at most, whatever `RUST_LOG` says.
fn within_cap(meta: &tracing::Metadata<'_>) -> bool {
    let t = meta.target();
    let capped = CAPPED
        .iter()
        .any(|c| t == *c || t.strip_prefix(c).is_some_and(|r| r.starts_with("::")));
    !capped || *meta.level() <= tracing::Level::INFO
}

fn init_logging() {
    let env = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().with_filter(env.and(filter_fn(within_cap))))
        .init();
}

fn env(name: &str) -> Result<String, Error> {
    std::env::var(name).map_err(|_| format!("{name} is not set").into())
}

/// Loads `<root>/tls/{cert,key}.pem`, generating a CA and a server certificate first if
/// they are missing.
fn tls_config(root: &Path) -> Result<Arc<tokio_rustls::rustls::ServerConfig>, Error> {
    let dir = root.join("tls");
    let (cert_path, key_path, ca_path) = (
        dir.join("cert.pem"),
        dir.join("key.pem"),
        dir.join("ca.pem"),
    );
    if !cert_path.exists() || !key_path.exists() {
        std::fs::create_dir_all(&dir)?;
        let mut ca = rcgen::CertificateParams::new(Vec::<String>::new())?;
        ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(rcgen::DnType::CommonName, "s3crypt gateway test CA");
        ca.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::CrlSign,
        ];
        let ca_key = rcgen::KeyPair::generate()?;
        let ca_cert = ca.self_signed(&ca_key)?;
        let mut leaf =
            rcgen::CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])?;
        leaf.distinguished_name
            .push(rcgen::DnType::CommonName, "localhost");
        let leaf_key = rcgen::KeyPair::generate()?;
        let leaf_cert = leaf.signed_by(&leaf_key, &ca_cert, &ca_key)?;
        std::fs::write(&ca_path, ca_cert.pem())?;
        std::fs::write(&cert_path, leaf_cert.pem())?;
        write_private(&key_path, leaf_key.serialize_pem().as_bytes())?;
        tracing::info!(ca = %ca_path.display(), "generated a TLS certificate");
    }
    let certs = CertificateDer::pem_file_iter(&cert_path)?.collect::<Result<Vec<_>, _>>()?;
    let key = PrivateKeyDer::from_pem_file(&key_path)?;
    let provider = Arc::new(tokio_rustls::rustls::crypto::aws_lc_rs::default_provider());
    let mut cfg = tokio_rustls::rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(certs, key)?;
    // HTTP/1.1 only, as S3: over h2, s3s 0.14 sends error bodies on HEAD answers.
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(cfg))
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(bytes)
}

/// Serves one connection, telling the S3 handlers which transport it came over.
fn serve<IO>(io: IO, service: s3s::service::S3Service, transport: Transport)
where
    IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    tokio::spawn(async move {
        let svc =
            hyper::service::service_fn(move |mut req: http::Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(transport);
                // Method and path only: headers may carry SSE-C keys.
                let (method, path) = (req.method().clone(), req.uri().path().to_owned());
                let s = service.clone();
                async move {
                    let resp = hyper::service::Service::call(&s, req).await;
                    if let Ok(r) = &resp {
                        tracing::debug!(%method, %path, status = r.status().as_u16(), "request");
                    }
                    resp
                }
            });
        let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
        if let Err(e) = builder.serve_connection(TokioIo::new(io), svc).await {
            tracing::debug!(error = %e, "connection closed");
        }
    });
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    init_logging();
    let root = std::path::PathBuf::from(
        std::env::var("GATEWAY_ROOT").unwrap_or_else(|_| "target/gateway-data".into()),
    );
    let addr: SocketAddr = std::env::var("GATEWAY_ADDR")
        .unwrap_or_else(|_| "127.0.0.1:8443".into())
        .parse()?;
    let access = env("GATEWAY_ACCESS_KEY")?;
    let secret = env("GATEWAY_SECRET_KEY")?;
    let kms = kms::GatewayKms::from_env()?;
    let plaintext = std::env::var("GATEWAY_PLAINTEXT").is_ok_and(|v| v == "1");

    let kms_key_ids = match &kms {
        Some(k) => k.known_key_ids(),
        None => Some(Vec::new()),
    };
    let mode = std::env::var("GATEWAY_BACKEND").unwrap_or_else(|_| "local".into());
    let (backend, codec, state_key, hidden): (
        Arc<dyn backend::Backend>,
        Box<dyn s3crypt::sse::object::MetadataCodec>,
        _,
        _,
    ) = match mode.as_str() {
        "local" => (
            Arc::new(backend::local::Store::open(&root)?),
            Box::new(s3crypt::sse::object::MinioCodec),
            None,
            None,
        ),
        "s3" => {
            let pem = match std::env::var("GATEWAY_S3_CA_FILE") {
                Ok(f) => {
                    Some(std::fs::read(&f).map_err(|e| format!("GATEWAY_S3_CA_FILE {f}: {e}"))?)
                }
                Err(_) => None,
            };
            let cfg = backend::s3::S3Config {
                endpoint: env("GATEWAY_S3_ENDPOINT")?,
                access_key: env("GATEWAY_S3_ACCESS_KEY")?,
                secret_key: env("GATEWAY_S3_SECRET_KEY")?,
                region: std::env::var("GATEWAY_S3_REGION").unwrap_or_else(|_| "us-east-1".into()),
                path_style: std::env::var("GATEWAY_S3_PATH_STYLE").map_or(true, |v| v != "0"),
                ca_pem: pem,
            };
            let state_key = s3crypt::keys::WrappingKey::from_slice(
                &base64::Engine::decode(
                    &base64::engine::general_purpose::STANDARD,
                    env("GATEWAY_STATE_KEY")?.trim(),
                )
                .map_err(|_| "GATEWAY_STATE_KEY is not base64")?,
            )
            .map_err(|_| "GATEWAY_STATE_KEY must be base64 of 32 bytes")?;
            tracing::info!(endpoint = %cfg.endpoint, "proxy mode: objects go to an S3 backend");
            (
                Arc::new(backend::s3::S3Backend::new(&cfg, &root.join("tmp"))?),
                Box::new(s3crypt::sse::object::UserMetadataCodec::new()),
                Some(state_key),
                Some(backend::s3::HIDDEN),
            )
        }
        other => return Err(format!("GATEWAY_BACKEND={other}: expected local or s3").into()),
    };
    let gateway = s3::Gateway::new(backend.clone(), codec, kms, plaintext, state_key, hidden);
    let mut builder = S3ServiceBuilder::new(gateway);
    builder.set_auth(SimpleAuth::from_single(access, secret));
    // Bucket encryption documents go to the kit's parser (BlockedEncryptionTypes included).
    builder.set_route(route::BucketEncryptionRoute {
        backend,
        kms_key_ids,
        plaintext,
    });
    let service = builder.build();

    let tls = TlsAcceptor::from(tls_config(&root)?);
    let listener = TcpListener::bind(addr).await?;
    tracing::info!(%addr, root = %root.display(), "gateway listening (HTTPS)");
    if let Ok(http_addr) = std::env::var("GATEWAY_HTTP_ADDR") {
        let plain = TcpListener::bind(http_addr.parse::<SocketAddr>()?).await?;
        tracing::info!(addr = %http_addr, "gateway listening (plain HTTP: SSE-C refused)");
        let service = service.clone();
        tokio::spawn(async move {
            while let Ok((tcp, _)) = plain.accept().await {
                serve(tcp, service.clone(), Transport::Plaintext);
            }
        });
    }
    loop {
        let (tcp, _) = listener.accept().await?;
        let tls = tls.clone();
        let service = service.clone();
        tokio::spawn(async move {
            match tls.accept(tcp).await {
                Ok(stream) => serve(stream, service, Transport::Tls),
                Err(e) => tracing::debug!(error = %e, "TLS handshake failed"),
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// s3s 0.14 logs whole requests (SSE-C key header included) at debug: with RUST_LOG at
    /// trace, such events must still be dropped, and everything else kept.
    #[test]
    fn s3s_and_hyper_debug_events_are_dropped_at_trace() {
        let buf = Buf::default();
        let w = buf.clone();
        let subscriber = tracing_subscriber::registry().with(
            tracing_subscriber::fmt::layer()
                .with_writer(move || w.clone())
                .with_filter(EnvFilter::new("trace").and(filter_fn(within_cap))),
        );
        tracing::subscriber::with_default(subscriber, || {
            tracing::debug!(target: "s3s::service", "x-amz-server-side-encryption-customer-key: SECRET-A");
            tracing::trace!(target: "hyper::proto::h1", "SECRET-B");
            tracing::debug!(target: "s3s", "SECRET-C");
            tracing::info!(target: "s3s::service", "visible-info");
            tracing::debug!(target: "s3crypt_gateway", "visible-debug");
            tracing::trace!(target: "s3sx", "visible-other-crate");
        });
        let out = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        assert!(!out.contains("SECRET"), "{out}");
        for v in ["visible-info", "visible-debug", "visible-other-crate"] {
            assert!(out.contains(v), "{v} missing: {out}");
        }
    }
}
