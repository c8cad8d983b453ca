//! The kit's PUT and GET of one SSE-KMS object through the async seam, shared by the
//! provider tests.

use s3crypt::headers::{self, Operation, RequestContext, Transport};
use s3crypt::kms::{AsyncKeyProvider, with_async_kms};
use s3crypt::sse::bucket::BucketEncryption;
use s3crypt::sse::object::{
    KitError, Read, ServerKit, StoredObject, StoredPart, UserMetadataCodec, Written,
};

/// An object written through the kit: what a server stores.
pub struct Stored {
    pub written: Written,
    pub bytes: Vec<u8>,
}

/// PUT `body` as `bucket/object` with SSE-KMS under `key_id`.
pub async fn kit_put<K: AsyncKeyProvider>(
    kms: &K,
    key_id: &str,
    object: &str,
    body: &[u8],
) -> Stored {
    let codec = UserMetadataCodec::new();
    let fields = vec![
        (
            "x-amz-server-side-encryption".to_owned(),
            "aws:kms".to_owned(),
        ),
        (
            "x-amz-server-side-encryption-aws-kms-key-id".to_owned(),
            key_id.to_owned(),
        ),
    ];
    let req = headers::parse(
        &RequestContext::new(Operation::PutObject, Transport::Tls),
        &fields,
    )
    .unwrap();
    let plan = with_async_kms(kms, |answers| {
        ServerKit::new(&codec).with_kms(answers).put_object(
            &req,
            &BucketEncryption::default(),
            "bucket",
            object,
        )
    })
    .await
    .unwrap();
    let mut enc = plan.body;
    let mut bytes = Vec::new();
    enc.update(body, &mut bytes).unwrap();
    let (_, stored_size) = enc.finish(&mut bytes).unwrap();
    let md5: [u8; 16] = {
        use md5::Digest as _;
        md5::Md5::digest(body).into()
    };
    let written = plan.object.complete(&md5, stored_size).unwrap();
    Stored { written, bytes }
}

/// GET `stored` as `bucket/object` (another name than it was written under must fail).
pub async fn kit_get<K: AsyncKeyProvider>(
    kms: &K,
    stored: &Stored,
    object: &str,
) -> Result<Vec<u8>, KitError> {
    let codec = UserMetadataCodec::new();
    let get = headers::parse(
        &RequestContext::new(Operation::GetObject, Transport::Tls),
        &Vec::<(String, String)>::new(),
    )
    .unwrap();
    let parts = [StoredPart {
        number: 1,
        stored_size: stored.bytes.len() as u64,
    }];
    let obj = StoredObject {
        metadata: &stored.written.metadata,
        parts: &parts,
        etag: &stored.written.stored_etag,
    };
    let plan = with_async_kms(kms, |answers| {
        ServerKit::new(&codec).with_kms(answers).get_object(
            &get,
            &obj,
            "bucket",
            object,
            Read::Whole,
        )
    })
    .await?;
    let mut dec = plan.body;
    let mut out = Vec::new();
    dec.update(&stored.bytes, &mut out).unwrap();
    dec.finish().unwrap();
    Ok(out)
}
