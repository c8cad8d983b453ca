//! The DARE io readers with seeks, and `decrypt_range`, over arbitrary or near-valid stored
//! bytes and inner reads of arbitrary sizes: no panic, and nothing but the right plaintext.
#![no_main]

use std::io::{Cursor, Read, Seek, SeekFrom};

use libfuzzer_sys::fuzz_target;
use s3crypt::dare::{self, CipherSuite, DecryptOptions, range};
use s3crypt::keys::ObjectKey;

/// Hands out at most `n` bytes per read.
struct Short<R> {
    inner: R,
    n: usize,
}

impl<R: Read> Read for Short<R> {
    fn read(&mut self, b: &mut [u8]) -> std::io::Result<usize> {
        let n = self.n.min(b.len());
        self.inner.read(&mut b[..n])
    }
}

impl<R: Seek> Seek for Short<R> {
    fn seek(&mut self, p: SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(p)
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 6 {
        return;
    }
    let (ctl, rest) = data.split_at(6);
    let key = ObjectKey::new([0x52; 32]);
    // A valid stream of a stretched input, optionally damaged at one byte.
    let pt: Vec<u8> = rest
        .iter()
        .cycle()
        .take(rest.len() * (usize::from(ctl[0] % 8) * 20 + 1))
        .copied()
        .collect();
    let (stored, valid) = if ctl[1] & 1 == 1 {
        let mut ct = vec![0u8; range::encrypted_size(pt.len() as u64).unwrap() as usize];
        dare::encrypt_buffer_with_nonce(
            &key,
            CipherSuite::Aes256Gcm,
            &[ctl[2]; 12],
            0,
            &pt,
            &mut ct,
        )
        .unwrap();
        let damaged = ctl[1] & 2 == 2 && !ct.is_empty();
        if damaged {
            let i = usize::from(u16::from_le_bytes([ctl[3], ctl[4]])) * 13 % ct.len();
            ct[i] ^= 0x10;
        }
        (ct, !damaged)
    } else {
        (rest.to_vec(), false)
    };
    let step = usize::from(ctl[5]) * 300 + 1;
    let size = pt.len() as u64;
    let pos = u64::from(u16::from_le_bytes([ctl[3], ctl[4]])) * 7 % (size + 2);

    // Seekable reader: read from `pos` to the end.
    let inner = Short {
        inner: Cursor::new(&stored),
        n: step,
    };
    if let Ok(mut r) = dare::io::DecryptReader::new_seekable(inner, &key, DecryptOptions::new()) {
        if r.seek(SeekFrom::Start(pos)).is_ok() {
            let mut got = Vec::new();
            let res = r.read_to_end(&mut got);
            if valid {
                res.unwrap();
                assert_eq!(&got[..], &pt[(pos.min(size)) as usize..]);
            } else if ctl[1] & 1 == 1 {
                // Whatever came out is the right plaintext.
                let from = pos.min(size) as usize;
                assert_eq!(&got[..], &pt[from..from + got.len()]);
            }
        }
    }

    // A range read through `decrypt_range` and the range reader.
    let len = (u64::from(ctl[0]) * 1000).min(size.saturating_sub(pos.min(size)));
    if let Ok(r) = range::package_range(size, pos.min(size), len) {
        let start = (r.encrypted_offset as usize).min(stored.len());
        let end = (start + r.encrypted_length as usize).min(stored.len());
        let fetched = &stored[start..end];
        let mut out = vec![0u8; len as usize];
        match dare::decrypt_range(&key, &r, fetched, &mut out) {
            Ok(n) => {
                assert_eq!(n as u64, len);
                assert_eq!(&out[..], &pt[r.plaintext_offset as usize..][..n]);
            }
            Err(_) => {
                assert!(!valid || len == 0 && !fetched.is_empty());
                assert!(out.iter().all(|&b| b == 0));
            }
        }
        let mut got = Vec::new();
        let reader = Short {
            inner: fetched,
            n: step,
        };
        let res = dare::io::DecryptReader::for_range(reader, &key, &r).read_to_end(&mut got);
        if ctl[1] & 1 == 1 {
            assert_eq!(&got[..], &pt[r.plaintext_offset as usize..][..got.len()]);
        }
        assert_eq!(res.is_ok(), got.len() as u64 == len && res.is_ok());
    }
});
