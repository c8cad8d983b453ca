//! Property tests for DARE: any plaintext and any chunking round-trips; any single-bit flip
//! or cut is rejected; ranges decrypt to the right bytes or fail, never to other bytes; every
//! read is bound to what it expects (the reproducers of issue #12 are the `#[test]`s below).

use std::io::{self, Cursor, Read, Seek, SeekFrom};

use proptest::prelude::*;
use s3crypt::dare::{self, CipherSuite, DareError, DecryptOptions, Decryptor, Encryptor, range};
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

fn plaintext(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + 3) as u8).collect()
}

fn encrypt(
    key: &ObjectKey,
    suite: CipherSuite,
    nonce: [u8; 12],
    seq: u32,
    pt: &[u8],
    chunk: usize,
) -> Vec<u8> {
    let mut e = Encryptor::with_nonce(key, suite, nonce, seq);
    let mut out = Vec::new();
    for c in pt.chunks(chunk.max(1)) {
        e.update(c, &mut out).unwrap();
    }
    e.finish(&mut out).unwrap();
    out
}

fn decrypt_with(mut d: Decryptor, ct: &[u8], chunk: usize) -> (Vec<u8>, Result<(), DareError>) {
    let mut out = Vec::new();
    for c in ct.chunks(chunk.max(1)) {
        if let Err(e) = d.update(c, &mut out) {
            return (out, Err(e));
        }
    }
    let r = d.finish();
    (out, r)
}

fn decrypt(
    key: &ObjectKey,
    ct: &[u8],
    chunk: usize,
    opts: DecryptOptions,
) -> (Vec<u8>, Result<(), DareError>) {
    decrypt_with(Decryptor::new(key, opts), ct, chunk)
}

/// A reader that hands out its data in pieces of the scripted sizes (cycling), like a
/// socket or a storage client.
struct Pieces<R> {
    inner: R,
    sizes: Vec<usize>,
    i: usize,
}

impl<R> Pieces<R> {
    fn new(inner: R, sizes: Vec<usize>) -> Self {
        Self { inner, sizes, i: 0 }
    }
}

impl<R: Read> Read for Pieces<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let want = self.sizes[self.i % self.sizes.len()].max(1).min(buf.len());
        self.i += 1;
        self.inner.read(&mut buf[..want])
    }
}

impl<R: Seek> Seek for Pieces<R> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.inner.seek(pos)
    }
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
        let pt = plaintext(len);
        let ct = encrypt(&key, suite, nonce, seq, &pt, in_chunk);
        prop_assert_eq!(ct.len() as u64, range::encrypted_size(len as u64).unwrap());
        // Identical to the whole-buffer form.
        let mut buf = vec![0u8; ct.len()];
        let n = dare::encrypt_buffer_with_nonce(&key, suite, &nonce, seq, &pt, &mut buf).unwrap();
        prop_assert_eq!(&buf[..n], &ct[..]);
        // Identical through the slice form, which writes exactly what `update_len` and
        // `finish_len` announce and refuses a buffer one byte short without consuming input.
        let mut e = Encryptor::with_nonce(&key, suite, nonce, seq);
        let mut into = vec![0u8; ct.len()];
        let mut n = 0;
        for chunk in pt.chunks(in_chunk) {
            let want = e.update_len(chunk.len());
            if want > 0 {
                let short = e.update_into(chunk, &mut into[n..n + want - 1]);
                prop_assert!(matches!(short, Err(DareError::BufferTooSmall { .. })), "{:?}", short);
            }
            let w = e.update_into(chunk, &mut into[n..]).unwrap();
            prop_assert_eq!(w, want);
            n += w;
        }
        prop_assert_eq!(e.finish_len(), ct.len() - n);
        n += e.finish_into(&mut into[n..]).unwrap();
        prop_assert_eq!(&into[..n], &ct[..]);
        // The same bytes when the last chunk goes to `finish_with_into`, which says exactly
        // what it writes and refuses a buffer one byte short.
        let mut e = Encryptor::with_nonce(&key, suite, nonce, seq);
        let mut with = vec![0u8; ct.len()];
        let mut n = 0;
        let mut chunks: Vec<&[u8]> = pt.chunks(in_chunk).collect();
        let last = chunks.pop().unwrap_or(&[]);
        for chunk in chunks {
            n += e.update_into(chunk, &mut with[n..]).unwrap();
        }
        let want = e.finish_with_len(last.len());
        prop_assert_eq!(want, ct.len() - n);
        if want > 0 {
            let short = vec![0u8; want - 1];
            let mut probe = Encryptor::with_nonce(&key, suite, nonce, seq);
            let mut sink = vec![0u8; ct.len()];
            let mut m = 0;
            for chunk in pt[..pt.len() - last.len()].chunks(in_chunk) {
                m += probe.update_into(chunk, &mut sink[m..]).unwrap();
            }
            let mut short = short;
            let r = probe.finish_with_into(last, &mut short);
            prop_assert!(matches!(r, Err(DareError::BufferTooSmall { .. })), "{:?}", r);
        }
        n += e.finish_with_into(last, &mut with[n..]).unwrap();
        prop_assert_eq!(&with[..n], &ct[..]);
        // Decryption, the mirror image: into a `Vec` and into a slice, bound to the size.
        let opts = DecryptOptions::new().start_sequence(seq).stored_size(ct.len() as u64);
        let (back, r) = decrypt(&key, &ct, out_chunk, opts);
        prop_assert!(r.is_ok(), "{:?}", r);
        prop_assert_eq!(&back, &pt);
        let mut d = Decryptor::new(&key, opts);
        let mut plain = vec![0u8; pt.len()];
        let mut m = 0;
        for chunk in ct.chunks(out_chunk) {
            let want = d.update_len(chunk.len());
            prop_assert!(m + want <= pt.len() || want <= plain.len() - m + dare::MAX_PAYLOAD);
            let mut room = vec![0u8; want];
            let w = d.update_into(chunk, &mut room).unwrap();
            plain[m..m + w].copy_from_slice(&room[..w]);
            m += w;
        }
        d.finish().unwrap();
        prop_assert_eq!(&plain[..m], &pt[..]);
        #[cfg(feature = "rayon")]
        {
            let mut par = vec![0u8; ct.len()];
            let n = dare::encrypt_buffer_parallel_with_nonce(&key, suite, &nonce, seq, &pt, &mut par).unwrap();
            prop_assert_eq!(&par[..n], &ct[..]);
            let mut back = vec![0u8; pt.len()];
            let m = dare::decrypt_buffer_parallel(&key, opts, &ct, &mut back).unwrap();
            prop_assert_eq!(&back[..m], &pt[..]);
        }
    }

    #[test]
    fn any_bit_flip_or_cut_is_rejected(
        len in 1usize..140_000, suite in suite(), bit in any::<prop::sample::Index>(),
        cut in any::<prop::sample::Index>(), chunk in 1usize..100_000,
    ) {
        let key = ObjectKey::new([3; 32]);
        let pt = plaintext(len);
        let ct = encrypt(&key, suite, [5; 12], 0, &pt, 1 << 20);
        let mut flipped = ct.clone();
        let b = bit.index(ct.len() * 8);
        flipped[b / 8] ^= 1 << (b % 8);
        let (released, r) = decrypt(&key, &flipped, chunk, DecryptOptions::new().allow_legacy_v1());
        prop_assert!(r.is_err(), "bit {} flipped and accepted", b);
        // Only whole authenticated packages before the damage are released.
        prop_assert_eq!(&released[..], &pt[..released.len()]);
        prop_assert!(released.len() % dare::MAX_PAYLOAD == 0);
        #[cfg(feature = "rayon")]
        {
            let mut out = vec![0u8; pt.len() + 65536];
            prop_assert!(dare::decrypt_buffer_parallel(&key, DecryptOptions::new(), &flipped, &mut out).is_err());
            prop_assert!(out.iter().all(|&b| b == 0));
        }
        // A cut anywhere (0 bytes included) fails once the stored size is stated, and
        // without it everywhere but at 0 ... which is refused as an empty stream.
        let at = cut.index(ct.len());
        for opts in [DecryptOptions::new(), DecryptOptions::new().stored_size(ct.len() as u64)] {
            let (released, r) = decrypt(&key, &ct[..at], chunk, opts);
            prop_assert!(r.is_err(), "cut at {} accepted", at);
            prop_assert_eq!(&released[..], &pt[..released.len()]);
            let mut out = vec![0xAAu8; pt.len()];
            prop_assert!(dare::decrypt_buffer(&key, opts, &ct[..at], &mut out).is_err());
            prop_assert!(out.iter().all(|&b| b == 0 || b == 0xAA));
        }
    }

    /// Random objects, ranges, and storage answers cut or extended anywhere: a range read
    /// returns exactly the range's bytes or an error, never other or fewer bytes.
    #[test]
    fn range_reads_are_bound(
        len in 0usize..300_000, a in any::<prop::sample::Index>(), b in any::<prop::sample::Index>(),
        answer in prop_oneof![
            Just(None),
            any::<prop::sample::Index>().prop_map(Some),
        ],
        extra in 0usize..3, chunk in 1usize..100_000,
        pieces in prop::collection::vec(1usize..70_000, 1..4),
    ) {
        let key = ObjectKey::new([9; 32]);
        let pt = plaintext(len);
        let ct = encrypt(&key, CipherSuite::Aes256Gcm, [1; 12], 0, &pt, 1 << 20);
        let (mut off, mut end) = (a.index(len + 1), b.index(len + 1));
        if off > end { core::mem::swap(&mut off, &mut end); }
        let r = range::package_range(len as u64, off as u64, (end - off) as u64).unwrap();
        prop_assert!(r.encrypted_offset + r.encrypted_length <= ct.len() as u64);
        if off == end {
            prop_assert_eq!((r.encrypted_length, r.skip), (0, 0));
        }
        let full = &ct[r.encrypted_offset as usize..(r.encrypted_offset + r.encrypted_length) as usize];
        // What storage answers: the right bytes, a prefix of them, or them plus more.
        let answered: Vec<u8> = match answer {
            None => full.to_vec(),
            Some(i) => full[..i.index(full.len() + 1)].to_vec(),
        };
        let mut answered = answered;
        let tail_start = (r.encrypted_offset + r.encrypted_length) as usize;
        answered.extend_from_slice(&ct[tail_start..(tail_start + extra).min(ct.len())]);
        answered.extend(core::iter::repeat_n(0u8, extra.saturating_sub(ct.len() - tail_start)));
        let exact = answered == full;
        let want = &pt[off..end];

        let mut out = vec![0u8; end - off];
        match dare::decrypt_range(&key, &r, &answered, &mut out) {
            Ok(n) => {
                prop_assert!(exact, "decrypt_range accepted {} of {} bytes", answered.len(), full.len());
                prop_assert_eq!(&out[..n], want);
            }
            Err(_) => {
                prop_assert!(!exact);
                prop_assert!(out.iter().all(|&b| b == 0));
            }
        }
        let (got, res) = decrypt_with(Decryptor::for_range(&key, &r), &answered, chunk);
        prop_assert!(want.starts_with(&got), "Decryptor::for_range released other bytes");
        prop_assert_eq!(res.is_ok(), exact);
        if exact { prop_assert_eq!(&got[..], want); }
        let mut reader = dare::io::DecryptReader::for_range(Pieces::new(&answered[..], pieces), &key, &r);
        let mut got = Vec::new();
        let res = reader.read_to_end(&mut got);
        prop_assert!(want.starts_with(&got), "io::DecryptReader::for_range released other bytes");
        prop_assert_eq!(res.is_ok(), exact);
        if exact { prop_assert_eq!(&got[..], want); }
    }

    /// The io reader over an inner reader of random read sizes: whole streams and seeks.
    #[test]
    fn io_reader_any_inner_read_sizes(
        len in 0usize..200_000, pieces in prop::collection::vec(1usize..140_000, 1..5),
        pos in any::<prop::sample::Index>(), want in 1usize..100_000,
    ) {
        let key = ObjectKey::new([6; 32]);
        let pt = plaintext(len);
        let ct = encrypt(&key, CipherSuite::ChaCha20Poly1305, [3; 12], 0, &pt, 1 << 20);
        let opts = DecryptOptions::new().stored_size(ct.len() as u64);
        let mut back = Vec::new();
        dare::io::DecryptReader::new(Pieces::new(&ct[..], pieces.clone()), &key, opts)
            .read_to_end(&mut back).unwrap();
        prop_assert_eq!(&back, &pt);
        let mut r = dare::io::DecryptReader::new_seekable(Pieces::new(Cursor::new(&ct), pieces), &key, DecryptOptions::new()).unwrap();
        let p = pos.index(len + 1);
        r.seek(SeekFrom::Start(p as u64)).unwrap();
        let mut buf = vec![0u8; want];
        let n = r.read(&mut buf).unwrap();
        prop_assert!(n > 0 || p == len);
        prop_assert_eq!(&buf[..n], &pt[p..p + n]);
    }

    #[test]
    fn arbitrary_bytes_never_panic(data in prop::collection::vec(any::<u8>(), 0..3000), chunk in 1usize..100) {
        let key = ObjectKey::new([0; 32]);
        let _ = decrypt(&key, &data, chunk, DecryptOptions::new().allow_legacy_v1());
        let mut out = vec![0u8; 4096];
        let _ = dare::decrypt_buffer(&key, DecryptOptions::new().allow_legacy_v1(), &data, &mut out);
        let _ = range::decrypted_size(data.len() as u64);
    }
}

#[test]
fn empty_input_is_the_empty_stream_only_when_stated() {
    let key = ObjectKey::new([1; 32]);
    // sio writes the empty plaintext as 0 bytes: readable when the stored size says 0.
    let (got, r) = decrypt(&key, &[], 7, DecryptOptions::new().stored_size(0));
    assert_eq!((got.len(), r), (0, Ok(())));
    assert_eq!(
        dare::decrypt_buffer(&key, DecryptOptions::new().stored_size(0), &[], &mut []),
        Ok(0)
    );
    // Without a size, an empty input may be an object storage answered with nothing.
    let (_, r) = decrypt(&key, &[], 7, DecryptOptions::new());
    assert_eq!(r, Err(DareError::EmptyStream));
    assert_eq!(
        dare::decrypt_buffer(&key, DecryptOptions::new(), &[], &mut []),
        Err(DareError::EmptyStream)
    );
    // An object of 1000 bytes that storage answers with 0 bytes.
    let ct = encrypt(
        &key,
        CipherSuite::Aes256Gcm,
        [1; 12],
        0,
        &plaintext(1000),
        1 << 20,
    );
    let opts = DecryptOptions::new().stored_size(ct.len() as u64);
    assert_eq!(decrypt(&key, &[], 7, opts).1, Err(DareError::Truncated));
    assert_eq!(
        dare::decrypt_buffer(&key, opts, &[], &mut []),
        Err(DareError::Truncated)
    );
    let e = dare::io::DecryptReader::new(&[][..], &key, opts)
        .read_to_end(&mut Vec::new())
        .unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof);
    // More bytes than stated are refused before anything is decrypted.
    let mut long = ct.clone();
    long.push(0);
    let (got, r) = decrypt(&key, &long, 1 << 20, opts);
    assert_eq!((got.len(), r), (0, Err(DareError::TrailingData)));
}

#[test]
fn short_range_answers_are_errors() {
    // The README's range example: 100,000 bytes, read 70,000..70,010.
    let key = ObjectKey::new([1; 32]);
    let pt = vec![0x61; 100_000];
    let mut stored = vec![0; range::encrypted_size(100_000).unwrap() as usize];
    dare::encrypt_buffer(&key, CipherSuite::Aes256Gcm, &pt, &mut stored).unwrap();
    let r = range::package_range(100_000, 70_000, 10).unwrap();
    let fetched = &stored[r.encrypted_offset as usize..][..r.encrypted_length as usize];
    let mut out = [0u8; 10];
    assert_eq!(dare::decrypt_range(&key, &r, fetched, &mut out), Ok(10));
    assert_eq!(&out, &pt[70_000..70_010]);
    // Storage answers with nothing.
    assert!(dare::decrypt_range(&key, &r, &[], &mut out).is_err());
    assert_eq!(out, [0; 10]);
    // A range over 3 packages answered with 1 of them (not the final one).
    let pt: Vec<u8> = plaintext(200_000);
    let mut stored = vec![0; range::encrypted_size(200_000).unwrap() as usize];
    dare::encrypt_buffer(&key, CipherSuite::Aes256Gcm, &pt, &mut stored).unwrap();
    let r = range::package_range(200_000, 10, 150_000).unwrap();
    assert_eq!(r.encrypted_length, 3 * dare::MAX_PACKAGE as u64);
    assert!(!r.includes_final);
    let mut out = vec![0u8; 150_000];
    assert_eq!(
        dare::decrypt_range(&key, &r, &stored[..dare::MAX_PACKAGE], &mut out),
        Err(DareError::Truncated)
    );
    assert!(out.iter().all(|&b| b == 0));
    let (got, res) = decrypt_with(
        Decryptor::for_range(&key, &r),
        &stored[..dare::MAX_PACKAGE],
        1000,
    );
    assert_eq!(res, Err(DareError::Truncated));
    assert_eq!(&got[..], &pt[10..dare::MAX_PAYLOAD]);
    // A final package where the range says the object goes on (another, shorter object).
    let short = encrypt(
        &key,
        CipherSuite::Aes256Gcm,
        [1; 12],
        0,
        &pt[..3 * 65536],
        1 << 20,
    );
    let mut fake = short.clone();
    fake.truncate(3 * dare::MAX_PACKAGE);
    let (_, res) = decrypt_with(Decryptor::for_range(&key, &r), &fake, 1 << 20);
    assert_eq!(res, Err(DareError::UnexpectedFinal));
}

#[test]
fn empty_range_points_inside_the_data() {
    // `ncrypt --offset 3 --length 0` used to panic: skip 3 with nothing fetched.
    for (size, off) in [
        (100u64, 3u64),
        (100, 100),
        (65536, 65536),
        (65537, 65537),
        (0, 0),
        (131072, 70_000),
    ] {
        let r = range::package_range(size, off, 0).unwrap();
        let stored = range::encrypted_size(size).unwrap();
        assert_eq!((r.encrypted_length, r.skip, r.plaintext_length), (0, 0, 0));
        assert!(r.encrypted_offset <= stored, "{size} {off}: {r:?}");
        let key = ObjectKey::new([2; 32]);
        assert_eq!(dare::decrypt_range(&key, &r, &[], &mut []), Ok(0));
        assert!(dare::decrypt_range(&key, &r, &[0], &mut []).is_err());
    }
}

#[test]
fn io_reader_serves_intact_bytes_before_later_damage() {
    // 65,538-byte object, last stored byte flipped, seek to 1000, read 10 bytes, the first
    // inner read returning 65,535 bytes: the 10 bytes are intact and must be served.
    let key = ObjectKey::new([4; 32]);
    let pt = plaintext(65_538);
    let mut ct = encrypt(&key, CipherSuite::Aes256Gcm, [2; 12], 0, &pt, 1 << 20);
    let last = ct.len() - 1;
    ct[last] ^= 1;
    let inner = Pieces::new(Cursor::new(ct.clone()), vec![65_535, 1 << 20]);
    let mut r = dare::io::DecryptReader::new_seekable(inner, &key, DecryptOptions::new()).unwrap();
    r.seek(SeekFrom::Start(1000)).unwrap();
    let mut buf = [0u8; 10];
    r.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, &pt[1000..1010]);
    // The damage is reported when the read reaches it, and sticks.
    let mut rest = Vec::new();
    assert!(r.read_to_end(&mut rest).is_err());
    assert_eq!(&rest[..], &pt[1010..65_536]);
    assert!(r.read(&mut buf).is_err());
    // The same through a whole-stream reader whose inner read delivers both packages.
    let inner = Pieces::new(&ct[..], vec![1 << 20]);
    let mut r = dare::io::DecryptReader::new(inner, &key, DecryptOptions::new());
    r.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, &pt[..10]);
}

#[test]
fn seek_reader_matches_plaintext() {
    let key = ObjectKey::new([4; 32]);
    let pt: Vec<u8> = (0..300_000).map(|i| (i * 13) as u8).collect();
    for seq in [0u32, 77] {
        let ct = encrypt(&key, CipherSuite::Aes256Gcm, [2; 12], seq, &pt, 70_000);
        let opts = DecryptOptions::new().start_sequence(seq);
        let mut r = dare::io::DecryptReader::new_seekable(Cursor::new(ct), &key, opts).unwrap();
        for &pos in &[0u64, 1, 65535, 65536, 65537, 200_000, 299_999, 300_000] {
            r.seek(SeekFrom::Start(pos)).unwrap();
            let mut got = Vec::new();
            r.read_to_end(&mut got).unwrap();
            assert_eq!(&got[..], &pt[pos as usize..], "from {pos}, start {seq}");
        }
    }
    // Writer round trip, the nonce drawn by the writer.
    let mut w =
        dare::io::EncryptWriter::new(Vec::new(), &key, CipherSuite::ChaCha20Poly1305).unwrap();
    std::io::Write::write_all(&mut w, &pt).unwrap();
    let stored = w.finish().unwrap();
    let opts = DecryptOptions::new().stored_size(stored.len() as u64);
    let mut back = Vec::new();
    dare::io::DecryptReader::new(&stored[..], &key, opts)
        .read_to_end(&mut back)
        .unwrap();
    assert_eq!(back, pt);
    // A stream cut at a package boundary is an UnexpectedEof, sized or not.
    for opts in [opts, DecryptOptions::new()] {
        let e = dare::io::DecryptReader::new(&stored[..65568], &key, opts)
            .read_to_end(&mut Vec::new())
            .unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof);
    }
}

#[test]
fn std_reader_error_is_sticky() {
    let key = ObjectKey::new([4; 32]);
    let pt = vec![1u8; 70_000];
    let ct = encrypt(&key, CipherSuite::Aes256Gcm, [2; 12], 0, &pt, 1000);
    // Cut inside the last package: the first package reads, then an error, then errors.
    let mut r = dare::io::DecryptReader::new(&ct[..ct.len() - 5], &key, DecryptOptions::new());
    let mut got = Vec::new();
    let err = r.read_to_end(&mut got).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
    assert_eq!(&got[..], &pt[..65536]);
    let mut buf = [0u8; 10];
    assert!(
        r.read(&mut buf).is_err(),
        "a read after an error must not look like EOF"
    );
}

#[test]
fn decryptor_error_leaves_the_call_unwritten() {
    let key = ObjectKey::new([4; 32]);
    let pt = plaintext(200_000);
    let mut ct = encrypt(&key, CipherSuite::Aes256Gcm, [2; 12], 0, &pt, 1 << 20);
    ct[2 * dare::MAX_PACKAGE + 40] ^= 1; // damage the third package
    // One call with all of it: the Vec is as before the call, the slice zeroed.
    let mut d = Decryptor::new(&key, DecryptOptions::new());
    let mut out = b"kept".to_vec();
    assert_eq!(d.update(&ct, &mut out), Err(DareError::Authentication));
    assert_eq!(out, b"kept");
    assert_eq!(d.update(&ct[..1], &mut out), Err(DareError::Poisoned));
    assert_eq!(d.update(&[], &mut out), Err(DareError::Poisoned));
    let mut d = Decryptor::new(&key, DecryptOptions::new());
    let mut slice = vec![0u8; d.update_len(ct.len())];
    assert!(d.update_into(&ct, &mut slice).is_err());
    assert!(slice.iter().all(|&b| b == 0));
    // Damage past the first megabyte `update` opens in one piece: the plaintext the call
    // appended before it is removed too.
    let pt = plaintext(1_500_000);
    let mut ct = encrypt(&key, CipherSuite::Aes256Gcm, [2; 12], 0, &pt, 1 << 20);
    ct[20 * dare::MAX_PACKAGE + 40] ^= 1;
    let mut d = Decryptor::new(&key, DecryptOptions::new());
    let mut out = b"kept".to_vec();
    assert_eq!(d.update(&ct, &mut out), Err(DareError::Authentication));
    assert_eq!(out, b"kept");
}

#[test]
fn encryptors_draw_fresh_nonces() {
    let key = ObjectKey::new([5; 32]);
    let pt = plaintext(1000);
    let mut a = vec![0u8; range::encrypted_size(1000).unwrap() as usize];
    let mut b = a.clone();
    dare::encrypt_buffer(&key, CipherSuite::Aes256Gcm, &pt, &mut a).unwrap();
    dare::encrypt_buffer(&key, CipherSuite::Aes256Gcm, &pt, &mut b).unwrap();
    assert_ne!(a[4..16], b[4..16], "two streams, one nonce");
    let mut e = Encryptor::new(&key, CipherSuite::Aes256Gcm).unwrap();
    let mut c = Vec::new();
    e.update(&pt, &mut c).unwrap();
    e.finish(&mut c).unwrap();
    assert_ne!(a[4..16], c[4..16]);
    // Re-uploading a multipart part gets a new nonce each time.
    let oek = ObjectKey::new([6; 32]);
    let mut parts = Vec::new();
    for _ in 0..2 {
        let mut e =
            s3crypt::sse::multipart::part_encryptor(&oek, 3, CipherSuite::Aes256Gcm).unwrap();
        let mut out = Vec::new();
        e.update(&pt, &mut out).unwrap();
        e.finish(&mut out).unwrap();
        parts.push(out);
    }
    assert_ne!(parts[0][4..16], parts[1][4..16]);
    let mut back = Vec::new();
    let mut d = s3crypt::sse::multipart::part_decryptor(&oek, 3, parts[1].len() as u64);
    d.update(&parts[1], &mut back).unwrap();
    d.finish().unwrap();
    assert_eq!(back, pt);
}
