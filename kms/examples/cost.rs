//! What a KMS adds to a PUT and a GET plan of the server kit, against the static provider,
//! in one run:
//! `MOTO_SERVER=… PYKMIP_SERVER=… cargo run --release -p s3crypt-kms --example cost [N]`.
//! Starts moto's server (the AWS KMS API over HTTP on loopback) and PyKMIP's (KMIP over TLS
//! with client certificates, through `kms/pykmip/pykmip.sh`), each when named, and stops them.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use s3crypt::headers::{self, Operation, RequestContext, Transport};
use s3crypt::keys::DataKey;
use s3crypt::kms::{
    AsyncKeyProvider, Context, GeneratedKey, KeyProvider, KmsError, StaticKms, with_async_kms,
};
use s3crypt::sse::bucket::BucketEncryption;
use s3crypt::sse::object::{Read, ServerKit, StoredObject, StoredPart, UserMetadataCodec};
use s3crypt_kms::{AwsKms, AwsKmsConfig, Cached, Kmip, KmipConfig};

/// The static provider behind the async seam (answers at once).
struct Local(StaticKms);

impl AsyncKeyProvider for Local {
    fn default_key_id(&self) -> &str {
        self.0.default_key_id()
    }
    async fn generate_key(&self, id: &str, ctx: &Context) -> Result<GeneratedKey, KmsError> {
        self.0.generate_key(id, ctx)
    }
    async fn decrypt_key(&self, id: &str, blob: &[u8], ctx: &Context) -> Result<DataKey, KmsError> {
        self.0.decrypt_key(id, blob, ctx)
    }
}

/// Mean time of a PUT plan (+ completion) and of a GET plan of one SSE-S3 object.
async fn measure<K: AsyncKeyProvider>(kms: &K, n: u32) -> (Duration, Duration) {
    let codec = UserMetadataCodec::new();
    let put = headers::parse(
        &RequestContext::new(Operation::PutObject, Transport::Tls),
        &vec![(
            "x-amz-server-side-encryption".to_owned(),
            "AES256".to_owned(),
        )],
    )
    .unwrap();
    let get = headers::parse(
        &RequestContext::new(Operation::GetObject, Transport::Tls),
        &Vec::<(String, String)>::new(),
    )
    .unwrap();
    let (mut tp, mut tg) = (Duration::ZERO, Duration::ZERO);
    for i in 0..n {
        let key = format!("k{i}");
        let t = Instant::now();
        let plan = with_async_kms(kms, |a| {
            ServerKit::new(&codec).with_kms(a).put_object(
                &put,
                &BucketEncryption::default(),
                "b",
                &key,
            )
        })
        .await
        .unwrap();
        // An empty body (MD5 of nothing, no stored byte): only the key work is timed.
        let md5_empty = [
            0xd4, 0x1d, 0x8c, 0xd9, 0x8f, 0x00, 0xb2, 0x04, 0xe9, 0x80, 0x09, 0x98, 0xec, 0xf8,
            0x42, 0x7e,
        ];
        let w = plan.object.complete(&md5_empty, 0).unwrap();
        tp += t.elapsed();
        let parts = [StoredPart {
            number: 1,
            stored_size: 0,
        }];
        let obj = StoredObject {
            metadata: &w.metadata,
            parts: &parts,
            etag: &w.stored_etag,
        };
        for _ in 0..2 {
            // Two reads of each object: the second is what a cache saves.
            let t = Instant::now();
            with_async_kms(kms, |a| {
                ServerKit::new(&codec)
                    .with_kms(a)
                    .get_object(&get, &obj, "b", &key, Read::Whole)
            })
            .await
            .unwrap();
            tg += t.elapsed();
        }
    }
    (tp / n, tg / (2 * n))
}

/// PyKMIP's server with one key named `cost`; stopped on drop.
struct PyKmip(std::path::PathBuf);

impl Drop for PyKmip {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/pykmip/pykmip.sh"))
            .arg("stop")
            .arg(&self.0)
            .status();
    }
}

fn pykmip(server: &str) -> (PyKmip, KmipConfig) {
    let out = Command::new("bash")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/pykmip/pykmip.sh"))
        .arg("up")
        .env("PYKMIP_SERVER", server)
        .stderr(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "pykmip.sh up");
    let dir = std::path::PathBuf::from(String::from_utf8(out.stdout).unwrap().trim());
    let p = PyKmip(dir.clone());
    let python = std::path::Path::new(server).with_file_name("python");
    let st = Command::new(python)
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/pykmip/admin.py"))
        .arg(dir.join("env"))
        .args(["create", "cost"])
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(st.success(), "admin.py create");
    let env = std::fs::read_to_string(dir.join("env")).unwrap();
    let get = |k: &str| {
        env.lines()
            .find_map(|l| l.strip_prefix(&format!("{k}=")).map(str::to_owned))
            .unwrap()
    };
    let cfg = KmipConfig::from_files(
        &get("KMIP_ENDPOINT"),
        &get("KMIP_CA"),
        &get("KMIP_CERT"),
        &get("KMIP_KEY"),
        "cost",
    )
    .unwrap();
    (p, cfg)
}

#[tokio::main]
async fn main() {
    let n: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200);
    let local =
        Local(StaticKms::from_env_value("k:Aj06RxBjYserUBpP8611L07FLGT9P+c3k3ZqTiI5KNg=").unwrap());
    let mut rows = vec![("static (in process)", measure(&local, n).await)];
    if let Ok(bin) = std::env::var("MOTO_SERVER") {
        rows.extend(aws_rows(&bin, n).await);
    }
    if let Ok(server) = std::env::var("PYKMIP_SERVER") {
        let (_p, cfg) = pykmip(&server);
        let kmip = Kmip::new(cfg.clone()).unwrap();
        let cached = Cached::new(Kmip::new(cfg).unwrap(), Duration::from_secs(300), 4096);
        measure(&kmip, 5).await; // negotiate the version, warm the connection pool
        measure(&cached, 5).await;
        rows.push(("KMIP (PyKMIP, loopback TLS)", measure(&kmip, n).await));
        rows.push(("KMIP + cache (300 s)", measure(&cached, n).await));
    }
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    println!("kit PUT/GET plans of one SSE-S3 object, mean of {n} (GET: 2 reads per object)");
    println!("{:<34} {:>12} {:>12}", "provider", "PUT µs", "GET µs");
    for (name, (p, g)) in rows {
        println!("{name:<34} {:>12.0} {:>12.0}", us(p), us(g));
    }
}

async fn aws_rows(bin: &str, n: u32) -> Vec<(&'static str, (Duration, Duration))> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut moto = Command::new(bin)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let endpoint = format!("http://127.0.0.1:{port}");
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let cfg = |id: &str| AwsKmsConfig {
        endpoint: Some(endpoint.clone()),
        region: "us-east-1".into(),
        access_key: "testing".into(),
        secret_key: "testing".into(),
        default_key_id: id.into(),
        attempt_timeout: Duration::from_secs(3),
        operation_timeout: Duration::from_secs(10),
    };
    // A key to use: created through the API (moto accepts any credentials).
    let admin = aws_sdk_kms::Client::from_conf(
        aws_sdk_kms::Config::builder()
            .behavior_version(aws_sdk_kms::config::BehaviorVersion::latest())
            .region(aws_sdk_kms::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_kms::config::Credentials::new(
                "t", "t", None, None, "t",
            ))
            .endpoint_url(&endpoint)
            .build(),
    );
    let id = admin
        .create_key()
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap()
        .key_id;
    let aws = AwsKms::new(&cfg(&id));
    let cached = Cached::new(AwsKms::new(&cfg(&id)), Duration::from_secs(300), 4096);
    measure(&aws, 5).await; // warm the connection pool
    let rows = vec![
        ("AWS KMS API (moto, loopback)", measure(&aws, n).await),
        ("AWS KMS API + cache (300 s)", measure(&cached, n).await),
    ];
    let _ = moto.kill();
    let _ = moto.wait();
    rows
}
