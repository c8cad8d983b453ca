//! HTTP Range parsing and resolution, DARE size and range math, and `multipart_range`, on
//! arbitrary input: no panic, and every answer inside the object.
#![no_main]

use libfuzzer_sys::fuzz_target;
use s3crypt::dare::range::{decrypted_size, encrypted_size, package_range};
use s3crypt::headers::range::RangeSpec;
use s3crypt::sse::multipart::{decrypted_object_size, multipart_range};

fn u64_at(d: &[u8], i: usize) -> u64 {
    let mut b = [0u8; 8];
    for (j, x) in b.iter_mut().enumerate() {
        *x = d.get(i * 8 + j).copied().unwrap_or(0);
    }
    u64::from_le_bytes(b)
}

fuzz_target!(|data: &[u8]| {
    let Some((&ctl, rest)) = data.split_first() else {
        return;
    };
    // Small numbers most of the time, so the interesting branches are reached.
    let shrink = |v: u64| if ctl & 1 == 0 { v % (1 << 24) } else { v };
    let size = shrink(u64_at(rest, 0));
    let (off, len) = (shrink(u64_at(rest, 1)), shrink(u64_at(rest, 2)));

    let header = String::from_utf8_lossy(rest);
    if let Ok(spec) = RangeSpec::parse(&header) {
        if let Ok((o, l)) = spec.resolve(size) {
            assert!(o.checked_add(l).is_some_and(|e| e <= size));
        }
    }
    for spec in [
        RangeSpec::FromTo(off, len),
        RangeSpec::From(off),
        RangeSpec::Suffix(len),
    ] {
        if let Ok((o, l)) = spec.resolve(size) {
            assert!(o.checked_add(l).is_some_and(|e| e <= size));
        }
    }

    if let Ok(e) = encrypted_size(size) {
        assert_eq!(decrypted_size(e), Ok(size));
        if let Ok(r) = package_range(size, off, len) {
            assert!(
                r.encrypted_offset
                    .checked_add(r.encrypted_length)
                    .is_some_and(|x| x <= e)
            );
            assert!(r.skip < 65536);
            assert_eq!(r.plaintext_length, len);
            if len == 0 {
                assert_eq!((r.encrypted_length, r.skip), (0, 0));
            }
        }
    }
    let _ = decrypted_size(u64_at(rest, 3));

    let parts: Vec<u64> = (4..rest.len() / 8)
        .map(|i| shrink(u64_at(rest, i)))
        .collect();
    if let Ok(total) = decrypted_object_size(&parts) {
        if let Ok(r) = multipart_range(&parts, off, len) {
            assert!(len > 0 && off + len <= total);
            assert!(r.first_part <= r.last_part && r.last_part < parts.len());
            let stored: u64 = parts.iter().sum();
            assert!(r.encrypted_offset + r.encrypted_length <= stored);
        }
    } else {
        let _ = multipart_range(&parts, off, len);
    }
});
