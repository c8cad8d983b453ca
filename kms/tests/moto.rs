//! `AwsKms` against moto's server, which speaks the AWS KMS wire protocol. The test starts
//! moto itself: `MOTO_SERVER` names its `moto_server` executable (CI:
//! `target/interop-venv/bin/moto_server`); without it the test fails, it does not skip.

mod common;

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use aws_sdk_kms::config::{BehaviorVersion, Credentials, Region};
use s3crypt::kms::{AsyncKeyProvider, Context, KmsError};
use s3crypt::sse::object::KitError;
use s3crypt_kms::{AwsKms, AwsKmsConfig, Cached};

struct Moto(Child, String);

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn moto() -> Moto {
    let bin = std::env::var("MOTO_SERVER").expect(
        "MOTO_SERVER must name moto's `moto_server` executable (pip install 'moto[server]')",
    );
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(bin)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("moto_server starts");
    let m = Moto(child, format!("http://127.0.0.1:{port}"));
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return m;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("moto_server did not start");
}

fn config(endpoint: &str, default_key_id: &str) -> AwsKmsConfig {
    AwsKmsConfig {
        endpoint: Some(endpoint.to_owned()),
        region: "us-east-1".into(),
        access_key: "testing".into(),
        secret_key: "testing".into(),
        default_key_id: default_key_id.into(),
        attempt_timeout: Duration::from_secs(2),
        operation_timeout: Duration::from_secs(10),
    }
}

fn admin(endpoint: &str) -> aws_sdk_kms::Client {
    let conf = aws_sdk_kms::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "test"))
        .endpoint_url(endpoint)
        .build();
    aws_sdk_kms::Client::from_conf(conf)
}

async fn new_key(admin: &aws_sdk_kms::Client) -> (String, String) {
    let k = admin.create_key().send().await.unwrap();
    let meta = k.key_metadata.unwrap();
    (meta.key_id, meta.arn.unwrap())
}

#[tokio::test]
async fn generate_decrypt_errors_and_the_kit_over_the_aws_kms_api() {
    let m = moto().await;
    let admin = admin(&m.1);
    let (id, arn) = new_key(&admin).await;
    admin
        .create_alias()
        .alias_name("alias/s3crypt-test")
        .target_key_id(&id)
        .send()
        .await
        .unwrap();
    let kms = AwsKms::new(&config(&m.1, &id));
    let ctx = Context::for_object("bucket", "a/b");

    // Round trip by id, alias and ARN; the context binds.
    for name in [id.as_str(), "alias/s3crypt-test", arn.as_str()] {
        let g = kms.generate_key(name, &ctx).await.unwrap();
        assert_eq!(g.key_id, arn, "the KMS names the key by its ARN");
        let k = kms
            .decrypt_key(&g.key_id, &g.ciphertext, &ctx)
            .await
            .unwrap();
        assert_eq!(k, g.plaintext);
        let other = Context::for_object("bucket", "elsewhere");
        let e = kms
            .decrypt_key(&g.key_id, &g.ciphertext, &other)
            .await
            .unwrap_err();
        assert!(
            matches!(e, KmsError::DecryptionFailed | KmsError::Provider(_)),
            "{e:?}"
        );
    }
    // An unknown key is the S3 key-id error.
    let e = kms
        .generate_key("alias/no-such-key", &ctx)
        .await
        .unwrap_err();
    assert!(matches!(e, KmsError::KeyNotFound(_)), "{e:?}");

    // The kit's flows through the async seam: PUT and GET with SSE-KMS, no blocking call.
    let body = b"hello through the AWS KMS API";
    let stored = common::kit_put(&kms, "alias/s3crypt-test", "obj", body).await;
    assert_eq!(common::kit_get(&kms, &stored, "obj").await.unwrap(), body);

    // (A disabled key is not refused by moto 5.2.6 — its KMS model never checks a key's
    // state — so the DisabledException mapping is checked in `aws.rs`'s unit test.)

    // The cache: a key opened once is served while the KMS is gone; others are not.
    let cached = Cached::new(AwsKms::new(&config(&m.1, &id)), Duration::from_secs(60), 1);
    let g1 = cached.generate_key(&id, &ctx).await.unwrap();
    let g2 = cached.generate_key(&id, &ctx).await.unwrap();
    cached.decrypt_key(&id, &g1.ciphertext, &ctx).await.unwrap();
    assert_eq!(cached.len(), 1);
    drop(m); // moto stops
    assert_eq!(
        cached.decrypt_key(&id, &g1.ciphertext, &ctx).await.unwrap(),
        g1.plaintext
    );
    let e = cached
        .decrypt_key(&id, &g2.ciphertext, &ctx)
        .await
        .unwrap_err();
    assert!(matches!(e, KmsError::Unavailable(_)), "{e:?}");
    // An unreachable KMS is 503 to the client.
    let e = common::kit_get(&kms, &stored, "obj").await.unwrap_err();
    assert!(matches!(&e, KitError::Object(_)), "{e:?}");
    assert_eq!(
        (e.code(), e.http_status()),
        ("ServiceUnavailable", 503),
        "{e:?}"
    );
}

#[tokio::test]
async fn the_cache_expires_and_evicts() {
    let m = moto().await;
    let admin = admin(&m.1);
    let (id, _) = new_key(&admin).await;
    let ctx = Context::for_object("b", "k");
    let cached = Cached::new(
        AwsKms::new(&config(&m.1, &id)),
        Duration::from_millis(300),
        2,
    );
    let gs = [
        cached.generate_key(&id, &ctx).await.unwrap(),
        cached.generate_key(&id, &ctx).await.unwrap(),
        cached.generate_key(&id, &ctx).await.unwrap(),
    ];
    for g in &gs {
        cached.decrypt_key(&id, &g.ciphertext, &ctx).await.unwrap();
    }
    assert_eq!(cached.len(), 2, "capacity bounds the cache");
    tokio::time::sleep(Duration::from_millis(400)).await;
    drop(m);
    let e = cached
        .decrypt_key(&id, &gs[2].ciphertext, &ctx)
        .await
        .unwrap_err();
    assert!(
        matches!(e, KmsError::Unavailable(_)),
        "an expired key is asked again: {e:?}"
    );
    assert!(cached.is_empty());
}
