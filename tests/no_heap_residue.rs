//! No key bytes left in freed heap: a global allocator scans every block as it is freed (or
//! moved by a reallocation) for 16-byte fragments of the secrets in play, while the crate
//! parses SSE-C headers, seals and unseals object keys, wraps and unwraps keys, decrypts KMS
//! blobs and runs DARE streams. One `#[test]`, so no other test thread allocates meanwhile.
//!
//! (The test's own inputs are held in wiping buffers; allocations inside aws-lc go through
//! its own allocator, which cleanses on free, and are not seen here.)

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};

use zeroize::Zeroizing;

const FRAG: usize = 16;
const MAX_NEEDLES: usize = 16;

static ARMED: AtomicBool = AtomicBool::new(false);
static NEEDLE_COUNT: AtomicUsize = AtomicUsize::new(0);
static NEEDLES: [[AtomicU8; FRAG]; MAX_NEEDLES] =
    [const { [const { AtomicU8::new(0) }; FRAG] }; MAX_NEEDLES];
static HITS: AtomicUsize = AtomicUsize::new(0);
static SCANNED: AtomicUsize = AtomicUsize::new(0);

struct Scanning;

/// Looks for every needle in a block about to be freed.
fn scan(ptr: *const u8, len: usize) {
    if !ARMED.load(Ordering::Relaxed) || len < FRAG {
        return;
    }
    // SAFETY: the block is live and `len` bytes long until it is freed right after this.
    let block = unsafe { core::slice::from_raw_parts(ptr, len) };
    SCANNED.fetch_add(1, Ordering::Relaxed);
    let n = NEEDLE_COUNT.load(Ordering::Relaxed);
    for needle in NEEDLES.iter().take(n) {
        let first = needle[0].load(Ordering::Relaxed);
        'at: for start in 0..=len - FRAG {
            if block[start] != first {
                continue;
            }
            for (j, b) in needle.iter().enumerate() {
                if block[start + j] != b.load(Ordering::Relaxed) {
                    continue 'at;
                }
            }
            HITS.fetch_add(1, Ordering::Relaxed);
            break;
        }
    }
}

// SAFETY: forwards to the system allocator; scanning only reads blocks still owned.
unsafe impl GlobalAlloc for Scanning {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        scan(p, l.size());
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new_size: usize) -> *mut u8 {
        // Move by hand so the old block is scanned before it is freed.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, l.align()) };
        let q = unsafe { System.alloc(new_layout) };
        if !q.is_null() {
            unsafe { core::ptr::copy_nonoverlapping(p, q, l.size().min(new_size)) };
            scan(p, l.size());
            unsafe { System.dealloc(p, l) };
        }
        q
    }
}

#[global_allocator]
static GLOBAL: Scanning = Scanning;

/// Arms the scanner for the first and last 16 bytes of each secret while `f` runs; fails if
/// a freed block held one.
fn scan_while(what: &str, secrets: &[&[u8]], f: impl FnOnce()) {
    let hits = hits_while(secrets, f);
    assert_eq!(hits, 0, "{what}: {hits} freed block(s) held key material");
    eprintln!(
        "{what}: {} freed blocks scanned, clean",
        SCANNED.load(Ordering::Relaxed)
    );
}

/// The number of freed blocks that held a fragment of a secret while `f` ran.
fn hits_while(secrets: &[&[u8]], f: impl FnOnce()) -> usize {
    let mut n = 0;
    for s in secrets {
        for frag in [&s[..FRAG], &s[s.len() - FRAG..]] {
            for (slot, b) in NEEDLES[n].iter().zip(frag) {
                slot.store(*b, Ordering::Relaxed);
            }
            n += 1;
        }
    }
    NEEDLE_COUNT.store(n, Ordering::Relaxed);
    HITS.store(0, Ordering::Relaxed);
    SCANNED.store(0, Ordering::Relaxed);
    ARMED.store(true, Ordering::SeqCst);
    f();
    ARMED.store(false, Ordering::SeqCst);
    HITS.load(Ordering::Relaxed)
}

#[test]
fn freed_heap_holds_no_key_bytes() {
    use s3crypt::dare::{CipherSuite, DecryptOptions, Decryptor, Encryptor};
    use s3crypt::headers::{self, Operation, RequestContext, Transport, minio};
    use s3crypt::keys::{CustomerKey, DataKey, ObjectKey, WrappingKey};
    use s3crypt::keywrap::{AesGcmWrap, AesKw, AesKwp};
    use s3crypt::kms::{Context, KeyProvider, StaticKms};
    use s3crypt::sse::{Domain, SealedKey, UnsealOptions, seal};

    let raw: [u8; 32] = core::array::from_fn(|i| (i as u8).wrapping_mul(37).wrapping_add(11));

    // Control: the scanner sees a key left in a freed block, whole, split across a
    // and a block a reallocation left behind (what a joined key line did before).
    let control = hits_while(&[&raw], || {
        let v = raw.to_vec();
        drop(v);
        let mut grow = Vec::with_capacity(8);
        grow.extend_from_slice(&raw);
        grow.extend_from_slice(&[0; 100]);
        drop(Zeroizing::new(grow));
    });
    // Two blocks, each holding both 16-byte fragments (first and last) of the key.
    assert_eq!(control, 4, "the scanner must see unwiped copies");
    let customer = CustomerKey::new(raw);
    let b64 = Zeroizing::new(customer.to_base64().to_string());
    let md5 = customer.key_md5().to_base64();

    // Headers: one line per field, and the key split over two lines (joined).
    scan_while("headers::parse", &[&raw, b64.as_bytes()], || {
        let fields = [
            ("x-amz-server-side-encryption-customer-algorithm", "AES256"),
            ("x-amz-server-side-encryption-customer-key", b64.as_str()),
            (
                "x-amz-server-side-encryption-customer-key-MD5",
                md5.as_str(),
            ),
        ];
        let ctx = RequestContext::new(Operation::PutObject, Transport::Tls);
        let req = headers::parse(&ctx, &fields).unwrap();
        drop(req);
        let (a, b) = b64.split_at(20);
        let split = [
            ("x-amz-server-side-encryption-customer-algorithm", "AES256"),
            ("x-amz-server-side-encryption-customer-key", a),
            ("x-amz-server-side-encryption-customer-key", b),
            ("x-amz-server-side-encryption-customer-key", ""),
            (
                "x-amz-server-side-encryption-customer-key-MD5",
                md5.as_str(),
            ),
        ];
        let _ = headers::parse(&ctx, &split);
        let _ = minio::parse_sse_c(&fields).unwrap();
    });

    // Sealing: the customer key, the object key and the sealing key.
    let oek_raw: [u8; 32] = core::array::from_fn(|i| (i as u8).wrapping_mul(91).wrapping_add(5));
    let oek = ObjectKey::new(oek_raw);
    let iv = [7u8; 32];
    let kek = seal::sealing_key(&customer, &iv, Domain::SseC, "bucket", "obj").unwrap();
    let kek_raw = *kek.expose_secret();
    scan_while("seal/unseal", &[&raw, &oek_raw, &kek_raw], || {
        let s = SealedKey::seal(&oek, &customer, iv, Domain::SseC, "bucket", "obj").unwrap();
        let back = s
            .unseal(
                &customer,
                Domain::SseC,
                "bucket",
                "obj",
                UnsealOptions::new(),
            )
            .unwrap();
        assert_eq!(back, oek);
        let _ = s.unseal(
            &customer,
            Domain::SseC,
            "bucket",
            "other",
            UnsealOptions::new(),
        );
    });

    // Key wrap: the KEK and the wrapped key.
    let wk_raw = [0x5Cu8; 32].map(|b| b ^ 0x3A).map(|b| b.rotate_left(3));
    let wk_raw: [u8; 32] = core::array::from_fn(|i| wk_raw[i] ^ i as u8);
    let dk_raw: [u8; 32] = core::array::from_fn(|i| 200u8.wrapping_sub(i as u8 * 3));
    scan_while("keywrap", &[&wk_raw, &dk_raw], || {
        let wk = WrappingKey::new(wk_raw);
        let dk = DataKey::new(dk_raw);
        let w = AesKw::new(&wk).wrap_key32(&dk);
        assert_eq!(AesKw::new(&wk).unwrap_key32(&w).unwrap(), dk);
        let w = AesKwp::new(&wk).wrap_key32(&dk);
        assert_eq!(AesKwp::new(&wk).unwrap_key32(&w).unwrap(), dk);
        let g = AesGcmWrap::new(&wk);
        let w = g.wrap_key32(&dk, b"aad").unwrap();
        assert_eq!(g.unwrap_key32(&w, b"aad").unwrap(), dk);
    });

    // KMS: the master key and the data key it hands out.
    let master_raw: [u8; 32] = core::array::from_fn(|i| (i as u8) ^ 0xA5);
    let kms = StaticKms::new("k1", WrappingKey::new(master_raw));
    let ctx = Context::for_object("bucket", "obj");
    let generated = kms.generate_key("k1", &ctx).unwrap();
    let dek_raw = *generated.plaintext.expose_secret();
    scan_while("kms decrypt", &[&master_raw, &dek_raw], || {
        let dek = kms.decrypt_key("k1", &generated.ciphertext, &ctx).unwrap();
        assert_eq!(dek, generated.plaintext);
        let g2 = kms.generate_key("k1", &ctx).unwrap();
        drop(g2);
    });

    // A Tink keyset in JSON: the base64 text of `keyData.value` (the serialized key) and the
    // key inside it. Before the fix the parsed JSON tree freed that text unwiped.
    #[cfg(feature = "cse")]
    {
        use base64::Engine as _;
        let tink_raw: [u8; 32] = core::array::from_fn(|i| (i as u8).wrapping_mul(13) ^ 0x6C);
        let mut proto = Zeroizing::new(vec![0x12, 7, 8, 0x80, 0x20, 0x10, 0x20, 0x18, 3, 0x1a, 32]);
        proto.extend_from_slice(&tink_raw);
        let value = Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(&proto[..]));
        let json = Zeroizing::new(format!(
            r#"{{"primaryKeyId": 7, "key": [{{"keyData": {{"typeUrl": "type.googleapis.com/google.crypto.tink.AesGcmHkdfStreamingKey", "value": "{}", "keyMaterialType": "SYMMETRIC"}}, "status": "ENABLED", "keyId": 7, "outputPrefixType": "RAW"}}]}}"#,
            value.as_str()
        ));
        // A refused keyset (a key after the good one is malformed) must free as cleanly.
        let bad = Zeroizing::new(json.replace(r#""RAW"}]"#, r#""RAW"}, 5]"#));
        scan_while("tink keyset json", &[&tink_raw, value.as_bytes()], || {
            use s3crypt::cse::tink::{Keyset, KeysetMaster};
            let ks = Keyset::from_json(&json).unwrap();
            // Written back in every form, and an encrypted keyset read again.
            drop(ks.to_binary());
            drop(ks.to_json());
            let master = KeysetMaster::aes256_gcm(&WrappingKey::new([0x77; 32]));
            let enc = ks.to_encrypted_binary(&master, b"ad").unwrap();
            drop(Keyset::from_encrypted_binary(&enc, &master, b"ad").unwrap());
            let enc = ks.to_encrypted_json(&master, b"").unwrap();
            drop(Keyset::from_encrypted_json(&enc, &master, b"").unwrap());
            drop(ks);
            assert!(s3crypt::cse::tink::Keyset::from_json(&bad).is_err());
        });
    }

    // DARE streams: the stream key.
    scan_while("dare streams", &[&oek_raw], || {
        for suite in [CipherSuite::Aes256Gcm, CipherSuite::ChaCha20Poly1305] {
            let pt = vec![0x33u8; 200_000];
            let mut e = Encryptor::new(&oek, suite).unwrap();
            let mut ct = Vec::new();
            for c in pt.chunks(7000) {
                e.update(c, &mut ct).unwrap();
            }
            e.finish(&mut ct).unwrap();
            let mut d = Decryptor::new(&oek, DecryptOptions::new().stored_size(ct.len() as u64));
            let mut back = Vec::new();
            for c in ct.chunks(9000) {
                d.update(c, &mut back).unwrap();
            }
            d.finish().unwrap();
            assert_eq!(back, pt);
        }
    });
}
