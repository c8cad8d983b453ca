//! No key bytes left on the dead stack: after a call returns, the stack below the caller
//! (where the callee's frames were) is scanned for the raw key. Keys are built in place
//! (their bytes live in one heap block, wiped on drop) and never moved by value, so parsing
//! an SSE-C request and sealing/unsealing an object key leave no copy behind.
//!
//! The probe: a thread with a known stack zeroes the 256 KiB below its frame, runs the
//! operation, then reads that region back (volatile reads below the stack pointer: outside
//! any Rust object, so this is a measurement tool, not sound code; it reads memory the
//! thread's own mapping holds). It counts every offset where the key's first or last 16
//! bytes appear. A control checks the probe sees a key left on purpose.

use std::hint::black_box;

const SCAN: usize = 256 * 1024;

/// The address of a local in a fresh frame: just below the caller's frame, 8-aligned.
#[inline(never)]
fn stack_pointer() -> usize {
    let marker = 0u8;
    (black_box(&marker) as *const u8 as usize) & !7
}

/// Room left at the top of the scanned region for the probe's own frames.
const PAD: usize = 16 * 1024;

/// Zeroes the stack region `[top - SCAN, top - PAD / 2)`.
#[inline(never)]
fn clear_below(top: usize) {
    for a in (top - SCAN..top - PAD / 2).step_by(8) {
        // SAFETY: inside this thread's stack mapping (8 MiB, see `probe`), below every live
        // frame; nothing live is there.
        unsafe { core::ptr::write_volatile(a as *mut u64, 0) };
    }
}

/// Runs `f` below a `PAD`-byte frame, so its frames lie inside the scanned region and the
/// probe's own small frames (above it) do not overwrite them.
#[inline(never)]
fn run_deep(f: impl FnOnce()) {
    let pad = black_box([0u8; PAD]);
    f();
    black_box(&pad);
}

/// Counts the offsets in `[top - SCAN, top - PAD / 2)` where a 16-byte fragment of `key`
/// starts.
#[inline(never)]
fn count_below(top: usize, key: &[u8; 32]) -> usize {
    let len = SCAN - PAD / 2;
    let mut region = vec![0u8; len];
    for (i, b) in region.iter_mut().enumerate() {
        // SAFETY: as in `clear_below`.
        *b = unsafe { core::ptr::read_volatile((top - SCAN + i) as *const u8) };
    }
    let frags = [&key[..16], &key[16..]];
    let n = region
        .windows(16)
        .filter(|w| frags.iter().any(|f| w == f))
        .count();
    // The copy of the region is on the heap; wipe it like any other buffer that saw a key.
    zeroize::Zeroize::zeroize(&mut region);
    n
}

/// Runs `f` on a fresh 8 MiB thread and returns how many key fragments its frames left.
fn probe(key: [u8; 32], f: impl FnOnce() + Send + 'static) -> usize {
    std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(move || {
            let key = black_box(key);
            let top = stack_pointer();
            clear_below(top);
            run_deep(f);
            count_below(top, &key)
        })
        .unwrap()
        .join()
        .unwrap()
}

#[inline(never)]
fn leave_a_copy(key: &[u8; 32]) {
    let mut local = [0u8; 64];
    local[8..40].copy_from_slice(key);
    black_box(&local);
}

#[test]
fn dead_stack_holds_no_key_bytes() {
    use s3crypt::headers::{self, Operation, RequestContext, Transport};
    use s3crypt::keys::{CustomerKey, ObjectKey};
    use s3crypt::sse::{Domain, SealedKey, UnsealOptions};

    let raw: [u8; 32] = core::array::from_fn(|i| (i as u8).wrapping_mul(29).wrapping_add(3));
    // Control: a copy left on purpose is seen (both fragments).
    let control = probe(raw, move || leave_a_copy(&black_box(raw)));
    assert!(
        control >= 2,
        "the probe must see a key left on the stack ({control})"
    );

    let b64 = CustomerKey::new(raw).to_base64().to_string();
    let md5 = CustomerKey::new(raw).key_md5().to_base64();
    let parse = probe(raw, move || {
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
        black_box(&req);
        drop(req);
    });

    let oek_raw: [u8; 32] = core::array::from_fn(|i| (i as u8).wrapping_mul(53) ^ 0x5A);
    let ck = CustomerKey::new(raw);
    let sealed = SealedKey::seal(
        &ObjectKey::new(oek_raw),
        &ck,
        [4; 32],
        Domain::SseC,
        "bucket",
        "object",
    )
    .unwrap();
    let kek_raw = *s3crypt::sse::seal::sealing_key(&ck, &[4; 32], Domain::SseC, "bucket", "object")
        .unwrap()
        .expose_secret();
    let s2 = sealed.clone();
    let unseal_kek = probe(kek_raw, move || {
        let ck = CustomerKey::new(black_box(raw));
        let oek = s2
            .unseal(&ck, Domain::SseC, "bucket", "object", UnsealOptions::new())
            .unwrap();
        black_box(&oek);
    });
    let unseal_oek = probe(oek_raw, move || {
        let ck = CustomerKey::new(black_box(raw));
        let oek = sealed
            .unseal(&ck, Domain::SseC, "bucket", "object", UnsealOptions::new())
            .unwrap();
        black_box(&oek);
    });
    eprintln!(
        "dead-stack key fragments: headers::parse {parse}, unseal KEK {unseal_kek}, unseal OEK {unseal_oek} ({} build)",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    );
    assert_eq!(
        (parse, unseal_kek, unseal_oek),
        (0, 0, 0),
        "key bytes left on the dead stack (headers::parse, unseal KEK, unseal OEK)"
    );
}
