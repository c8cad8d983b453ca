//! `Kmip` against PyKMIP's server, started by the test through the project's own script
//! (`kms/pykmip/pykmip.sh`: generated certificates, TLS client authentication) and driven by
//! PyKMIP's own client for the operator's side (`kms/pykmip/admin.py`: create, rotate,
//! revoke, destroy). `PYKMIP_SERVER` names the `pykmip-server` executable of a Python
//! environment with PyKMIP (CI: `target/interop-venv/bin/pykmip-server`); without it the test
//! fails, it does not skip.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use s3crypt::kms::{AsyncKeyProvider, Context, KmsError};
use s3crypt::sse::object::KitError;
use s3crypt_kms::kmip::SealedKey;
use s3crypt_kms::kmip::message::Version;
use s3crypt_kms::{Cached, Kmip, KmipConfig};

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("pykmip")
}

/// A PyKMIP server in its own directory, stopped (SIGINT) on drop.
struct PyKmip {
    dir: PathBuf,
}

impl PyKmip {
    fn up() -> Self {
        let server = std::env::var("PYKMIP_SERVER").expect(
            "PYKMIP_SERVER must name PyKMIP's `pykmip-server` executable (pip install pykmip)",
        );
        let out = Command::new("bash")
            .arg(script().join("pykmip.sh"))
            .arg("up")
            .env("PYKMIP_SERVER", &server)
            .output()
            .expect("bash runs");
        assert!(
            out.status.success(),
            "pykmip.sh up failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let dir = String::from_utf8(out.stdout).unwrap().trim().to_owned();
        Self { dir: dir.into() }
    }

    fn env(&self, key: &str) -> String {
        let env = std::fs::read_to_string(self.dir.join("env")).unwrap();
        env.lines()
            .find_map(|l| l.strip_prefix(&format!("{key}=")).map(str::to_owned))
            .unwrap()
    }

    fn script(&self, action: &str) {
        let st = Command::new("bash")
            .arg(script().join("pykmip.sh"))
            .args([action, self.dir.to_str().unwrap()])
            .status()
            .unwrap();
        assert!(st.success(), "pykmip.sh {action}");
    }

    /// PyKMIP's own client: the operator creating, rotating, revoking, destroying keys.
    fn admin(&self, action: &str, name: &str) -> String {
        let server = PathBuf::from(self.env("PYKMIP_SERVER"));
        let python = server.parent().unwrap().join("python");
        let out = Command::new(python)
            .arg(script().join("admin.py"))
            .arg(self.dir.join("env"))
            .args([action, name])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "admin.py {action} {name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    fn config(&self, default_key: &str) -> KmipConfig {
        let mut c = KmipConfig::from_files(
            &self.env("KMIP_ENDPOINT"),
            &self.env("KMIP_CA"),
            &self.env("KMIP_CERT"),
            &self.env("KMIP_KEY"),
            default_key,
        )
        .unwrap();
        c.operation_timeout = Duration::from_secs(4);
        c.request_timeout = Duration::from_secs(2);
        c
    }
}

impl Drop for PyKmip {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(script().join("pykmip.sh"))
            .args(["stop", self.dir.to_str().unwrap()])
            .status();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kmip_round_trips_refusals_rotation_and_outage() {
    let p = PyKmip::up();
    let uid1 = p.admin("create", "s3crypt-test");
    let ctx = Context::for_object("bucket", "obj");

    // Both protocol versions, and the negotiated one (PyKMIP speaks 2.0).
    for version in [Some(Version::V1_4), Some(Version::V2_0), None] {
        let mut cfg = p.config("s3crypt-test");
        cfg.version = version;
        let kms = Kmip::new(cfg).unwrap();
        let g = kms.generate_key("s3crypt-test", &ctx).await.unwrap();
        assert_eq!(g.key_id, "s3crypt-test");
        assert_eq!(SealedKey::decode(&g.ciphertext).unwrap().uid, uid1);
        let k = kms
            .decrypt_key("s3crypt-test", &g.ciphertext, &ctx)
            .await
            .unwrap();
        assert_eq!(k, g.plaintext, "{version:?}");
        if version.is_none() {
            assert_eq!(kms.version().await.unwrap(), Version::V2_0);
        }
    }

    let mut cfg = p.config("s3crypt-test");
    cfg.locate_ttl = Duration::ZERO;
    let kms = Kmip::new(cfg).unwrap();
    let g = kms.generate_key("s3crypt-test", &ctx).await.unwrap();
    // Another object's context, another key name, an altered sealed key: refused.
    let other = Context::for_object("bucket", "other");
    let e = kms
        .decrypt_key("s3crypt-test", &g.ciphertext, &other)
        .await
        .unwrap_err();
    assert!(matches!(e, KmsError::DecryptionFailed), "{e:?}");
    let e = kms
        .decrypt_key("another-name", &g.ciphertext, &ctx)
        .await
        .unwrap_err();
    assert!(matches!(e, KmsError::DecryptionFailed), "{e:?}");
    let mut bad = g.ciphertext.clone();
    *bad.last_mut().unwrap() ^= 1;
    let e = kms
        .decrypt_key("s3crypt-test", &bad, &ctx)
        .await
        .unwrap_err();
    assert!(matches!(e, KmsError::DecryptionFailed), "{e:?}");
    let e = kms
        .decrypt_key("s3crypt-test", &bad[..bad.len() - 1], &ctx)
        .await
        .unwrap_err();
    assert!(matches!(e, KmsError::InvalidCiphertext(_)), "{e:?}");
    // A name the server does not know.
    let e = kms.generate_key("no-such-key", &ctx).await.unwrap_err();
    assert!(
        matches!(&e, KmsError::KeyNotFound(k) if k == "no-such-key"),
        "{e:?}"
    );

    // The kit's PUT and GET through the async seam.
    kit_put_get(&kms).await;

    // Rotation: a new key under the same name seals new objects; old ones still open.
    let uid2 = p.admin("rotate", "s3crypt-test");
    assert_ne!(uid1, uid2);
    let g2 = kms.generate_key("s3crypt-test", &ctx).await.unwrap();
    assert_eq!(SealedKey::decode(&g2.ciphertext).unwrap().uid, uid2);
    for blob in [&g.ciphertext, &g2.ciphertext] {
        kms.decrypt_key("s3crypt-test", blob, &ctx).await.unwrap();
    }

    // The KMS stops: 503-class errors (after the retries), then success when it is back.
    let cached = Cached::new(
        Kmip::new(p.config("s3crypt-test")).unwrap(),
        Duration::from_secs(60),
        8,
    );
    cached
        .decrypt_key("s3crypt-test", &g2.ciphertext, &ctx)
        .await
        .unwrap();
    p.script("stop");
    let e = kms.generate_key("s3crypt-test", &ctx).await.unwrap_err();
    assert!(matches!(e, KmsError::Unavailable(_)), "{e:?}");
    let e = kms
        .decrypt_key("s3crypt-test", &g.ciphertext, &ctx)
        .await
        .unwrap_err();
    assert!(matches!(e, KmsError::Unavailable(_)), "{e:?}");
    // The cache serves what it opened while the KMS is away.
    cached
        .decrypt_key("s3crypt-test", &g2.ciphertext, &ctx)
        .await
        .unwrap();
    p.script("start");
    kms.decrypt_key("s3crypt-test", &g.ciphertext, &ctx)
        .await
        .unwrap();

    // Disabled (revoked): reads and writes refused with the disabled answer; destroyed:
    // not found.
    p.admin("create", "to-disable");
    let gd = kms.generate_key("to-disable", &ctx).await.unwrap();
    p.admin("disable", "to-disable");
    let e = kms
        .decrypt_key("to-disable", &gd.ciphertext, &ctx)
        .await
        .unwrap_err();
    assert!(matches!(e, KmsError::KeyDisabled(_)), "{e:?}");
    let e = kms.generate_key("to-disable", &ctx).await.unwrap_err();
    assert!(matches!(e, KmsError::KeyDisabled(_)), "{e:?}");
    p.admin("create", "to-delete");
    let gx = kms.generate_key("to-delete", &ctx).await.unwrap();
    p.admin("delete", "to-delete");
    let e = kms
        .decrypt_key("to-delete", &gx.ciphertext, &ctx)
        .await
        .unwrap_err();
    assert!(matches!(e, KmsError::KeyNotFound(_)), "{e:?}");
    let e = kms.generate_key("to-delete", &ctx).await.unwrap_err();
    assert!(matches!(e, KmsError::KeyNotFound(_)), "{e:?}");

    // A client certificate from another CA is refused by the server: a configuration error,
    // not an outage to retry.
    let other_ca = tempdir();
    let st = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
        ])
        .args([
            "-days",
            "1",
            "-subj",
            "/CN=stranger",
            "-addext",
            "extendedKeyUsage=clientAuth",
        ])
        .arg("-keyout")
        .arg(other_ca.join("k.pem"))
        .arg("-out")
        .arg(other_ca.join("c.pem"))
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(st.success());
    let mut cfg = p.config("s3crypt-test");
    cfg.cert_pem = std::fs::read(other_ca.join("c.pem")).unwrap();
    cfg.key_pem = zeroize::Zeroizing::new(std::fs::read(other_ca.join("k.pem")).unwrap());
    let e = Kmip::new(cfg)
        .unwrap()
        .generate_key("s3crypt-test", &ctx)
        .await
        .unwrap_err();
    assert!(!matches!(e, KmsError::Unavailable(_)), "{e:?}");
    // A client with no KMIP key at all in its files is refused at construction.
    let mut cfg = p.config("s3crypt-test");
    cfg.key_pem = zeroize::Zeroizing::new(b"not a key".to_vec());
    assert!(matches!(Kmip::new(cfg), Err(KmsError::InvalidConfig(_))));
    let _ = std::fs::remove_dir_all(other_ca);
}

fn tempdir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("s3crypt-kmip-test-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

async fn kit_put_get(kms: &Kmip) {
    let body = b"hello through KMIP";
    let stored = common::kit_put(kms, "s3crypt-test", "obj", body).await;
    assert_eq!(common::kit_get(kms, &stored, "obj").await.unwrap(), body);
    // Read as another object: the sealed key does not open.
    let e = common::kit_get(kms, &stored, "moved").await.unwrap_err();
    assert!(matches!(e, KitError::Object(_)), "{e:?}");
}
