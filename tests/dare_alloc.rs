//! A counting allocator shows that the DARE encryptor and decryptor allocate nothing per
//! package in steady state (once the caller's output `Vec` has capacity).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use s3crypt::dare::{CipherSuite, DecryptOptions, Decryptor, Encryptor};
use s3crypt::keys::ObjectKey;

struct Counting;
static ALLOCS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// Only the test's own thread counts: libtest's main thread allocates now and then
    /// while it waits for the test (its channel), which made the count flaky.
    static COUNTING: core::cell::Cell<bool> = const { core::cell::Cell::new(false) };
}

fn count() {
    if COUNTING.with(|c| c.get()) {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
    }
}

// Delegates to the system allocator and only counts (test-only unsafe: the crate itself
// forbids it).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new: usize) -> *mut u8 {
        count();
        unsafe { System.realloc(ptr, layout, new) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn zero_allocations_per_package() {
    COUNTING.with(|c| c.set(true));
    let key = ObjectKey::new([1; 32]);
    let pt = vec![0x33u8; 64 * 65536 + 123];
    let chunk = 10_000; // odd chunking: packages straddle calls
    for suite in [CipherSuite::Aes256Gcm, CipherSuite::ChaCha20Poly1305] {
        let mut ct = Vec::with_capacity(pt.len() + 65 * 32);
        let mut e = Encryptor::new(&key, suite).unwrap();
        let mut chunks = pt.chunks(chunk);
        // The first byte held back allocates the 64 KiB package buffer (once per stream).
        let before = ALLOCS.load(Ordering::Relaxed);
        e.update(chunks.next().unwrap(), &mut ct).unwrap();
        assert!(ALLOCS.load(Ordering::Relaxed) - before <= 1);
        let before = ALLOCS.load(Ordering::Relaxed);
        for c in chunks {
            e.update(c, &mut ct).unwrap();
        }
        e.finish(&mut ct).unwrap();
        let enc_allocs = ALLOCS.load(Ordering::Relaxed) - before;
        assert_eq!(
            enc_allocs, 0,
            "encryptor allocated {enc_allocs} times for 65 packages"
        );

        let mut d = Decryptor::new(&key, DecryptOptions::new().stored_size(ct.len() as u64));
        let mut back = Vec::with_capacity(pt.len());
        let mut chunks = ct.chunks(chunk);
        // The first header keys the cipher (one allocation per stream); count from there.
        d.update(chunks.next().unwrap(), &mut back).unwrap();
        let before = ALLOCS.load(Ordering::Relaxed);
        for c in chunks {
            d.update(c, &mut back).unwrap();
        }
        d.finish().unwrap();
        let dec_allocs = ALLOCS.load(Ordering::Relaxed) - before;
        assert_eq!(
            dec_allocs, 0,
            "decryptor allocated {dec_allocs} times for 65 packages"
        );
        assert_eq!(back, pt);
    }
}
