//! SSE-KMS with a remote, async KMS: the KMS round trip happens in your async code, the
//! s3crypt calls stay synchronous and never block on the network.
//!
//! The "remote KMS" here is simulated by a task that answers over a channel; in a server it
//! is your Vault/KES/AWS KMS client. Run: `cargo run --example remote_kms`.

use std::sync::mpsc;
use std::thread;

use s3crypt::keys::WrappingKey;
use s3crypt::kms::{Context, GeneratedKey, KeyProvider, KmsError, StaticKms};
use s3crypt::sse::metadata::EncryptionMetadata;
use s3crypt::sse::object::{self, KeySource, PutRandom};
use s3crypt::sse::{Domain, UnsealOptions};

/// A request to the remote KMS.
enum Request {
    Generate(
        String,
        Context,
        mpsc::Sender<Result<GeneratedKey, KmsError>>,
    ),
    Decrypt(
        String,
        Vec<u8>,
        Context,
        mpsc::Sender<Result<s3crypt::keys::DataKey, KmsError>>,
    ),
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The remote side (here a thread holding the master key).
    let (tx, rx) = mpsc::channel::<Request>();
    thread::spawn(move || {
        let kms = StaticKms::new("app-key", WrappingKey::new([0x42; 32]));
        for req in rx {
            match req {
                Request::Generate(id, ctx, reply) => drop(reply.send(kms.generate_key(&id, &ctx))),
                Request::Decrypt(id, blob, ctx, reply) => {
                    drop(reply.send(kms.decrypt_key(&id, &blob, &ctx)))
                }
            }
        }
    });

    let (bucket, object) = ("invoices", "2026/11/inv-42.pdf");
    let client_context: Context = [("department", "billing")].into_iter().collect();

    // PUT: 1) compute the context s3crypt will bind, 2) ask the KMS (await, in real code),
    // 3) hand the data key to s3crypt.
    let ctx = object::kms_context(Domain::SseKms, Some(&client_context), bucket, object);
    let (reply, answer) = mpsc::channel();
    tx.send(Request::Generate("app-key".into(), ctx, reply))?;
    let data_key = answer.recv()??;
    let put = object::put_with_data_key(
        Domain::SseKms,
        data_key,
        Some(client_context),
        bucket,
        object,
        PutRandom::generate()?,
    )?;
    let stored = put.metadata.to_minio();
    println!("stored {} metadata entries:", stored.len());
    for (k, v) in &stored {
        println!("  {k}: {v}");
    }

    // GET: decode the metadata, ask the KMS to decrypt the data key, then unseal.
    let meta =
        EncryptionMetadata::from_minio(stored.iter().map(|(k, v)| (k.as_str(), v.as_str())))?
            .ok_or("not encrypted")?;
    let stored_key = meta.data_key.as_ref().ok_or("no data key")?;
    let ctx = object::kms_context(meta.domain, meta.context.as_ref(), bucket, object);
    let (reply, answer) = mpsc::channel();
    tx.send(Request::Decrypt(
        stored_key.key_id.clone(),
        stored_key.ciphertext.clone(),
        ctx,
        reply,
    ))?;
    let dek = answer.recv()??;
    let oek = object::object_key(
        &meta,
        KeySource::DataKey(&dek),
        bucket,
        object,
        UnsealOptions::new(),
    )?;
    assert_eq!(oek, put.object_key);
    println!("GET recovered the object key through the remote KMS: {oek:?}");
    Ok(())
}
