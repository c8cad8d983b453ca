//! Property tests for DARE: any plaintext and any chunking round-trips; any single-bit flip
//! or cut is rejected; ranges decrypt to the right bytes.

use proptest::prelude::*;
use s3crypt::dare::{self, CipherSuite, DecryptOptions, Decryptor, Encryptor, StreamCipher, range};
use s3crypt::keys::ObjectKey;

fn suite() -> impl Strategy<Value = CipherSuite> {
    prop_oneof![
        Just(CipherSuite::Aes256Gcm),
        Just(CipherSuite::ChaCha20Poly1305)
    ]
}

/// Plaintext lengths around package boundaries, and random ones.
fn length() -> impl Strategy<Value = usize> {
    prop_oneof![
        0usize..200,
        Just(65535usize),
        Just(65536),
        Just(65537),
        Just(131072),
        Just(131073),
        0usize..300_000,
    ]
}

fn encrypt(
    key: &ObjectKey,
    suite: CipherSuite,
    nonce: [u8; 12],
    seq: u32,
    pt: &[u8],
    chunk: usize,
) -> Vec<u8> {
    let mut e = Encryptor::new(key, suite, nonce, seq);
    let mut out = Vec::new();
    for c in pt.chunks(chunk.max(1)) {
        e.update(c, &mut out).unwrap();
    }
    e.finish(&mut out).unwrap();
    out
}

fn decrypt(
    key: &ObjectKey,
    seq: u32,
    ct: &[u8],
    chunk: usize,
    opts: DecryptOptions,
) -> (Vec<u8>, Result<(), dare::DareError>) {
    let mut d = Decryptor::with_options(key, seq, opts);
    let mut out = Vec::new();
    for c in ct.chunks(chunk.max(1)) {
        if let Err(e) = d.update(c, &mut out) {
            return (out, Err(e));
        }
    }
    let r = d.finish();
    (out, r)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn round_trip_any_chunking(
        len in length(), suite in suite(), key in any::<[u8; 32]>(), nonce in any::<[u8; 12]>(),
        seq in prop_oneof![Just(0u32), any::<u32>().prop_map(|s| s % 1000)],
        in_chunk in 1usize..200_000, out_chunk in 1usize..200_000,
    ) {
        let key = ObjectKey::new(key);
        let pt: Vec<u8> = (0..len).map(|i| (i * 31 + 7) as u8).collect();
        let ct = encrypt(&key, suite, nonce, seq, &pt, in_chunk);
        prop_assert_eq!(ct.len() as u64, range::encrypted_size(len as u64).unwrap());
        // Identical to the whole-buffer form.
        let mut buf = vec![0u8; ct.len()];
        let n = dare::encrypt_buffer(&StreamCipher::new(&key, suite), &nonce, seq, &pt, &mut buf).unwrap();
        prop_assert_eq!(&buf[..n], &ct[..]);
        // Identical through the slice form, which writes exactly what `update_len` and
        // `finish_len` announce and refuses a buffer one byte short without consuming input.
        let mut e = Encryptor::new(&key, suite, nonce, seq);
        let mut into = vec![0u8; ct.len()];
        let mut n = 0;
        for chunk in pt.chunks(in_chunk) {
            let want = e.update_len(chunk.len());
            if want > 0 {
                let short = e.update_into(chunk, &mut into[n..n + want - 1]);
                prop_assert!(matches!(short, Err(dare::DareError::BufferTooSmall { .. })), "{:?}", short);
            }
            let w = e.update_into(chunk, &mut into[n..]).unwrap();
            prop_assert_eq!(w, want);
            n += w;
        }
        prop_assert_eq!(e.finish_len(), ct.len() - n);
        n += e.finish_into(&mut into[n..]).unwrap();
        prop_assert_eq!(&into[..n], &ct[..]);
        let (back, r) = decrypt(&key, seq, &ct, out_chunk, DecryptOptions::new());
        prop_assert!(r.is_ok());
        prop_assert_eq!(&back, &pt);
        #[cfg(feature = "rayon")]
        {
            let mut par = vec![0u8; ct.len()];
            let n = dare::encrypt_buffer_parallel(&StreamCipher::new(&key, suite), &nonce, seq, &pt, &mut par).unwrap();
            prop_assert_eq!(&par[..n], &ct[..]);
            let mut back = vec![0u8; pt.len()];
            let m = dare::decrypt_buffer_parallel(&key, seq, DecryptOptions::new(), &ct, &mut back).unwrap();
            prop_assert_eq!(&back[..m], &pt[..]);
        }
    }

    #[test]
    fn any_bit_flip_or_cut_is_rejected(
        len in 1usize..140_000, suite in suite(), bit in any::<prop::sample::Index>(),
        cut in any::<prop::sample::Index>(), chunk in 1usize..100_000,
    ) {
        let key = ObjectKey::new([3; 32]);
        let pt: Vec<u8> = (0..len).map(|i| i as u8).collect();
        let ct = encrypt(&key, suite, [5; 12], 0, &pt, 1 << 20);
        let mut flipped = ct.clone();
        let b = bit.index(ct.len() * 8);
        flipped[b / 8] ^= 1 << (b % 8);
        let (released, r) = decrypt(&key, 0, &flipped, chunk, DecryptOptions::new().allow_legacy_v1());
        prop_assert!(r.is_err(), "bit {} flipped and accepted", b);
        // Only whole authenticated packages before the damage are released.
        prop_assert_eq!(&released[..], &pt[..released.len()]);
        prop_assert!(released.len() % dare::MAX_PAYLOAD == 0);
        #[cfg(feature = "rayon")]
        {
            let mut out = vec![0u8; pt.len() + 65536];
            prop_assert!(dare::decrypt_buffer_parallel(&key, 0, DecryptOptions::new(), &flipped, &mut out).is_err());
            prop_assert!(out.iter().all(|&b| b == 0));
        }
        let at = cut.index(ct.len());
        let (released, r) = decrypt(&key, 0, &ct[..at], chunk, DecryptOptions::new());
        if at > 0 {
            prop_assert!(r.is_err(), "cut at {} accepted", at);
        }
        prop_assert_eq!(&released[..], &pt[..released.len()]);
    }

    #[test]
    fn ranges_decrypt_the_right_bytes(
        len in 0usize..400_000, a in any::<prop::sample::Index>(), b in any::<prop::sample::Index>(),
    ) {
        let key = ObjectKey::new([9; 32]);
        let pt: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
        let ct = encrypt(&key, CipherSuite::Aes256Gcm, [1; 12], 0, &pt, 1 << 20);
        let (mut off, mut end) = (a.index(len + 1), b.index(len + 1));
        if off > end { core::mem::swap(&mut off, &mut end); }
        let r = range::package_range(len as u64, off as u64, (end - off) as u64).unwrap();
        let slice = &ct[r.encrypted_offset as usize..(r.encrypted_offset + r.encrypted_length) as usize];
        let opts = if r.includes_final { DecryptOptions::new() } else { DecryptOptions::new().slice() };
        let (plain, res) = decrypt(&key, r.sequence_number, slice, 1 << 20, opts);
        prop_assert!(res.is_ok());
        let got = &plain[r.skip as usize..r.skip as usize + (end - off)];
        prop_assert_eq!(got, &pt[off..end]);
    }

    #[test]
    fn arbitrary_bytes_never_panic(data in prop::collection::vec(any::<u8>(), 0..3000), chunk in 1usize..100) {
        let key = ObjectKey::new([0; 32]);
        let _ = decrypt(&key, 0, &data, chunk, DecryptOptions::new().allow_legacy_v1());
        let mut out = vec![0u8; 4096];
        let _ = dare::decrypt_buffer(&key, 0, DecryptOptions::new().allow_legacy_v1(), &data, &mut out);
        let _ = range::decrypted_size(data.len() as u64);
    }
}

#[test]
fn seek_reader_matches_plaintext() {
    use std::io::{Cursor, Read, Seek, SeekFrom};
    let key = ObjectKey::new([4; 32]);
    let pt: Vec<u8> = (0..300_000).map(|i| (i * 13) as u8).collect();
    let ct = encrypt(&key, CipherSuite::Aes256Gcm, [2; 12], 0, &pt, 70_000);
    let mut r = dare::io::DecryptReader::new_seekable(Cursor::new(ct), &key).unwrap();
    for &pos in &[0u64, 1, 65535, 65536, 65537, 200_000, 299_999, 300_000] {
        r.seek(SeekFrom::Start(pos)).unwrap();
        let mut got = Vec::new();
        r.read_to_end(&mut got).unwrap();
        assert_eq!(&got[..], &pt[pos as usize..], "from {pos}");
    }
    // Writer round trip.
    let mut w =
        dare::io::EncryptWriter::new(Vec::new(), &key, CipherSuite::ChaCha20Poly1305, [8; 12]);
    std::io::Write::write_all(&mut w, &pt).unwrap();
    let stored = w.finish().unwrap();
    let mut back = Vec::new();
    dare::io::DecryptReader::new(&stored[..], &key)
        .read_to_end(&mut back)
        .unwrap();
    assert_eq!(back, pt);
    // A truncated stream is an UnexpectedEof.
    let e = dare::io::DecryptReader::new(&stored[..65568], &key)
        .read_to_end(&mut Vec::new())
        .unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::UnexpectedEof);
}

#[test]
fn std_reader_error_is_sticky() {
    use std::io::Read;
    let key = ObjectKey::new([4; 32]);
    let pt = vec![1u8; 70_000];
    let ct = encrypt(&key, CipherSuite::Aes256Gcm, [2; 12], 0, &pt, 1000);
    // Cut inside the last package: the first package reads, then an error, then errors.
    let mut r = dare::io::DecryptReader::new(&ct[..ct.len() - 5], &key);
    let mut got = Vec::new();
    let err = r.read_to_end(&mut got).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
    assert_eq!(&got[..], &pt[..65536]);
    let mut buf = [0u8; 10];
    assert!(
        r.read(&mut buf).is_err(),
        "a read after an error must not look like EOF"
    );
}
