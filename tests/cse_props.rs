//! Property tests of the client-side formats: round trips through every reader, and any
//! flipped bit, cut or extension refused (never other bytes).
#![cfg(feature = "cse")]

use proptest::prelude::*;
use s3crypt::cse::s3ec::{
    self, ContentMetadata, Decryptor as S3ecDecryptor, Encryptor as S3ecEncryptor, Keyring,
    RangeKey, RangePlan, ReadOptions, Release, WriteOptions, WriteRandom,
};
use s3crypt::cse::s3proxy;
use s3crypt::cse::tink::{
    self, Decryptor, Encryptor, HashType, RandomAccess, StreamingKey, StreamingParams,
};
use s3crypt::keys::{DataKey, WrappingKey};

fn tink_key(kind: u8, seg: u32) -> StreamingKey {
    let hash = [HashType::Sha1, HashType::Sha256, HashType::Sha512][usize::from(kind % 3)];
    let k = if kind & 4 == 0 { 16 } else { 32 };
    let params = if kind & 8 == 0 {
        StreamingParams::AesGcmHkdf {
            segment_size: seg,
            derived_key_size: k,
            hkdf_hash: hash,
        }
    } else {
        StreamingParams::AesCtrHmac {
            segment_size: seg + 16,
            derived_key_size: k,
            hkdf_hash: hash,
            hmac_hash: hash,
            tag_size: 10 + kind % 11,
        }
    };
    StreamingKey::new(params, &[kind; 32]).expect("valid key")
}

fn stream_decrypt(
    key: &StreamingKey,
    ad: &[u8],
    ct: &[u8],
    sizes: &[usize],
) -> Result<Vec<u8>, tink::TinkError> {
    let mut d = Decryptor::new(key, ad)?;
    let mut out = Vec::new();
    let mut rest = ct;
    let mut i = 0;
    while !rest.is_empty() {
        let n = sizes[i % sizes.len()].min(rest.len());
        d.update(&rest[..n], &mut out)?;
        rest = &rest[n..];
        i += 1;
    }
    d.finish(&mut out)?;
    Ok(out)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn tink_round_trips_and_refuses_changes(
        kind in 0u8..16,
        seg in 64u32..400,
        pt in proptest::collection::vec(any::<u8>(), 0..3000),
        ad in proptest::collection::vec(any::<u8>(), 0..20),
        sizes in proptest::collection::vec(1usize..700, 1..5),
        salt_prefix in any::<[u8; 39]>(),
        flip in any::<proptest::sample::Index>(),
        bit in 0u8..8,
        range in any::<(proptest::sample::Index, proptest::sample::Index)>(),
    ) {
        let key = tink_key(kind, seg);
        let k = match key.params() {
            StreamingParams::AesGcmHkdf { derived_key_size, .. } | StreamingParams::AesCtrHmac { derived_key_size, .. } => usize::from(*derived_key_size),
            _ => unreachable!(),
        };
        let prefix: [u8; 7] = salt_prefix[32..].try_into().unwrap();
        // The same bytes whatever the write sizes.
        let mut ct = Vec::new();
        let mut e = Encryptor::new_with(&key, &ad, &salt_prefix[..k], prefix).unwrap();
        e.update(&pt, &mut ct).unwrap();
        e.finish(&mut ct).unwrap();
        let mut ct2 = Vec::new();
        let mut e = Encryptor::new_with(&key, &ad, &salt_prefix[..k], prefix).unwrap();
        let mut rest = &pt[..];
        let mut i = 0;
        while !rest.is_empty() {
            let n = sizes[i % sizes.len()].min(rest.len());
            e.update(&rest[..n], &mut ct2).unwrap();
            rest = &rest[n..];
            i += 1;
        }
        e.finish(&mut ct2).unwrap();
        prop_assert_eq!(&ct, &ct2);
        prop_assert_eq!(ct.len() as u64, key.ciphertext_len(pt.len() as u64).unwrap());
        prop_assert_eq!(&tink::decrypt_buffer(&key, &ad, &ct).unwrap(), &pt);
        prop_assert_eq!(&stream_decrypt(&key, &ad, &ct, &sizes).unwrap(), &pt);
        // Random access to any range.
        let ra = RandomAccess::new(&key, &ad, &ct, ct.len() as u64).unwrap();
        let (a, b) = (range.0.index(pt.len() + 1), range.1.index(pt.len() + 1));
        let (lo, hi) = (a.min(b), a.max(b));
        let plan = ra.plan(lo as u64, (hi - lo) as u64).unwrap();
        let s = plan.ciphertext_offset() as usize;
        let fetched = &ct[s.min(ct.len())..(s + plan.ciphertext_len() as usize).min(ct.len())];
        let mut got = vec![0; hi - lo];
        ra.decrypt_range(&plan, fetched, &mut got).unwrap();
        prop_assert_eq!(&got[..], &pt[lo..hi]);
        // A flipped bit anywhere, a cut anywhere, an extension: refused by every reader.
        let mut bad = ct.clone();
        let at = flip.index(bad.len());
        bad[at] ^= 1 << bit;
        prop_assert!(tink::decrypt_buffer(&key, &ad, &bad).is_err());
        prop_assert!(stream_decrypt(&key, &ad, &bad, &sizes).is_err());
        let cut = &ct[..at];
        prop_assert!(tink::decrypt_buffer(&key, &ad, cut).is_err());
        prop_assert!(stream_decrypt(&key, &ad, cut, &sizes).is_err());
        let mut longer = ct.clone();
        longer.extend_from_slice(&ct[..(at % 40) + 1]);
        prop_assert!(tink::decrypt_buffer(&key, &ad, &longer).is_err());
        prop_assert!(stream_decrypt(&key, &ad, &longer, &sizes).is_err());
        // Wrong associated data.
        let mut other = ad.clone();
        other.push(0);
        prop_assert!(tink::decrypt_buffer(&key, &other, &ct).is_err());
    }

    #[test]
    fn s3ec_round_trips_and_refuses_changes(
        v3 in any::<bool>(),
        pt in proptest::collection::vec(any::<u8>(), 0..3000),
        splits in proptest::collection::vec(1usize..900, 1..5),
        flip in any::<proptest::sample::Index>(),
        bit in 0u8..8,
        range in any::<(proptest::sample::Index, proptest::sample::Index)>(),
    ) {
        let kek = WrappingKey::new([3; 32]);
        let keyring = Keyring::aes(&kek);
        let write = if v3 { WriteOptions::v3() } else { WriteOptions::v2() };
        let read = if v3 { ReadOptions::default() } else {
            ReadOptions::default().commitment(s3ec::CommitmentPolicy::ForbidEncryptAllowDecrypt)
        };
        let random = || WriteRandom { data_key: DataKey::new([5; 32]), wrap_iv: [6; 12], iv: [7; 12], message_id: [8; 28] };
        let obj = s3ec::encrypt_with(&keyring, &write, random(), &pt).unwrap();
        // Metadata through both layouts.
        let m = obj.metadata.to_object_metadata().unwrap();
        let md = ContentMetadata::from_object(m.iter().map(|(k, v)| (k.as_str(), v.as_str()))).unwrap().unwrap();
        prop_assert_eq!(&md, &obj.metadata);
        let (on_object, file) = md.to_instruction_file().unwrap();
        let md2 = ContentMetadata::from_instruction_file(on_object.iter().map(|(k, v)| (k.as_str(), v.as_str())), file.as_bytes()).unwrap();
        prop_assert_eq!(&md2, &md);
        prop_assert_eq!(&s3ec::decrypt(&md, &keyring, &read, &obj.body).unwrap(), &pt);
        // Multipart pieces: the same bytes.
        let mut e = S3ecEncryptor::new_with(&keyring, &write, random()).unwrap();
        let mut body = Vec::new();
        let mut rest = &pt[..];
        let mut i = 0;
        while rest.len() > splits[i % splits.len()] {
            let n = splits[i % splits.len()];
            body.extend(e.update(&rest[..n]).unwrap());
            rest = &rest[n..];
            i += 1;
        }
        body.extend(e.finish(rest).unwrap());
        prop_assert_eq!(&body, &obj.body);
        for mode in [Release::Authenticated, Release::Unauthenticated] {
            let mut d = S3ecDecryptor::new(&md, &keyring, &read, mode).unwrap();
            let mut got = Vec::new();
            for piece in obj.body.chunks(splits[0]) {
                got.extend(d.update(piece).unwrap());
            }
            got.extend(d.finish().unwrap());
            prop_assert_eq!(&got, &pt);
        }
        // Ranged GET (unauthenticated) of any range.
        if !pt.is_empty() {
            let (a, b) = (range.0.index(pt.len()), range.1.index(pt.len()));
            let (lo, hi) = (a.min(b), a.max(b));
            let plan = RangePlan::new(lo as u64, Some(hi as u64), obj.body.len() as u64).unwrap();
            let key = RangeKey::new(&md, &keyring, &read.unauthenticated_ranges(true)).unwrap();
            let fetched = &obj.body[plan.fetch_first() as usize..=plan.fetch_last() as usize];
            prop_assert_eq!(&key.decrypt_unauthenticated(&plan, fetched).unwrap()[..], &pt[lo..=hi]);
            prop_assert!(RangeKey::new(&md, &keyring, &read).is_err());
        }
        // Any flipped body bit or cut is refused by every authenticated reader.
        let mut bad = obj.body.clone();
        let at = flip.index(bad.len());
        bad[at] ^= 1 << bit;
        for body in [&bad[..], &obj.body[..at]] {
            prop_assert!(s3ec::decrypt(&md, &keyring, &read, body).is_err());
            for mode in [Release::Authenticated, Release::Unauthenticated] {
                let mut d = S3ecDecryptor::new(&md, &keyring, &read, mode).unwrap();
                let _ = d.update(body);
                prop_assert!(d.finish().is_err());
            }
        }
        // A changed wrapped key, IV, message id or commitment is refused.
        let mut m2 = md.clone();
        let n = m2.encrypted_key.len();
        m2.encrypted_key[at % n] ^= 1 << bit;
        prop_assert!(s3ec::decrypt(&m2, &keyring, &read, &obj.body).is_err());
        let mut m3 = md.clone();
        if let Some(c) = m3.commitment.as_mut() { c[at % 28] ^= 1 << bit; }
        if let Some(s3ec::ContentIv::Gcm(iv)) = m3.iv.as_mut() { iv[at % 12] ^= 1 << bit; }
        prop_assert!(s3ec::decrypt(&m3, &keyring, &read, &obj.body).is_err());
        // The other keyring kind and the default policy (V2).
        if !v3 {
            prop_assert!(s3ec::decrypt(&md, &keyring, &ReadOptions::default(), &obj.body).is_err());
        }
    }

    #[test]
    fn s3proxy_round_trips_and_refuses_changes(
        pt in proptest::collection::vec(any::<u8>(), 0..3000),
        flip in any::<proptest::sample::Index>(),
        bit in 0u8..8,
    ) {
        let kek = WrappingKey::new([9; 32]);
        let obj = s3proxy::encrypt(&kek, &pt).unwrap();
        let (name, value) = obj.metadata();
        let dek = s3proxy::wrapped_dek([(name, value.as_str())]).unwrap().unwrap();
        prop_assert_eq!(&s3proxy::decrypt(&kek, &dek, &obj.body).unwrap(), &pt);
        let mut bad = obj.body.clone();
        let at = flip.index(bad.len());
        bad[at] ^= 1 << bit;
        prop_assert!(s3proxy::decrypt(&kek, &dek, &bad).is_err());
        prop_assert!(s3proxy::decrypt(&kek, &dek, &obj.body[..at]).is_err());
        let mut w = *dek.as_bytes();
        w[at % 40] ^= 1 << bit;
        let hex: String = w.iter().map(|b| format!("{b:02x}")).collect();
        let changed = s3proxy::WrappedDek::from_hex(&hex).unwrap();
        prop_assert!(s3proxy::decrypt(&kek, &changed, &obj.body).is_err());
        // Two encryptions of one plaintext share neither DEK nor nonce.
        let again = s3proxy::encrypt(&kek, &pt).unwrap();
        prop_assert_ne!(&again.body[..12], &obj.body[..12]);
        prop_assert_ne!(again.wrapped_dek, obj.wrapped_dek);
    }
}

#[test]
fn fresh_randomness_per_write() {
    let key = StreamingKey::generate(tink::Template::Aes256GcmHkdf4Kb).unwrap();
    let a = tink::encrypt_buffer(&key, b"", b"same").unwrap();
    let b = tink::encrypt_buffer(&key, b"", b"same").unwrap();
    assert_ne!(
        a[..40],
        b[..40],
        "salt and nonce prefix are drawn per stream"
    );
    let kek = WrappingKey::new([1; 32]);
    let x = s3ec::encrypt(&Keyring::aes(&kek), &WriteOptions::v3(), b"same").unwrap();
    let y = s3ec::encrypt(&Keyring::aes(&kek), &WriteOptions::v3(), b"same").unwrap();
    assert_ne!(x.metadata.message_id, y.metadata.message_id);
    assert_ne!(x.metadata.encrypted_key, y.metadata.encrypted_key);
    assert_ne!(x.body, y.body);
}

#[test]
fn secrets_are_redacted() {
    let key = StreamingKey::from_template(tink::Template::Aes256GcmHkdf1Mb, &[0xAB; 32]).unwrap();
    let text = format!("{key:?}");
    assert!(
        !text.contains("171") && !text.to_lowercase().contains("ab, ab"),
        "{text}"
    );
    let r = WriteRandom::generate().unwrap();
    assert_eq!(format!("{r:?}"), "WriteRandom(<redacted>)");
    let kek = WrappingKey::new([0xCD; 32]);
    let k = Keyring::aes(&kek);
    assert!(!format!("{k:?}").contains("205"));
    let rk = RangeKey::from_raw(&DataKey::new([0xEF; 32]), [0; 12]);
    assert_eq!(format!("{rk:?}"), "RangeKey(<redacted>)");
}

#[test]
fn policy_and_options_are_enforced() {
    let kek = WrappingKey::new([2; 32]);
    let keyring = Keyring::aes(&kek);
    let v2 = s3ec::encrypt(&keyring, &WriteOptions::v2(), b"x").unwrap();
    assert_eq!(v2.metadata.format, s3ec::Format::V2);
    assert!(matches!(
        s3ec::decrypt(&v2.metadata, &keyring, &ReadOptions::default(), &v2.body),
        Err(s3ec::S3ecError::CommitmentPolicy(_))
    ));
    let allow =
        ReadOptions::default().commitment(s3ec::CommitmentPolicy::RequireEncryptAllowDecrypt);
    assert_eq!(
        s3ec::decrypt(&v2.metadata, &keyring, &allow, &v2.body).unwrap(),
        b"x"
    );
    // A changed x-amz-unencrypted-content-length is refused.
    let mut md = v2.metadata.clone();
    md.plaintext_len = Some(2);
    assert!(s3ec::decrypt(&md, &keyring, &allow, &v2.body).is_err());
}

/// An empty plaintext is one empty segment, and a whole-object read authenticates it (found
/// by the `tink_stream` fuzz target: `decrypt_buffer` once returned an empty plaintext for
/// any 16 bytes after a valid-looking header).
#[test]
fn tink_empty_plaintext_is_authenticated() {
    for template in [
        tink::Template::Aes256GcmHkdf4Kb,
        tink::Template::Aes256CtrHmacSha256_4Kb,
    ] {
        let key = StreamingKey::generate(template).unwrap();
        let ct = tink::encrypt_buffer(&key, b"ad", b"").unwrap();
        assert!(tink::decrypt_buffer(&key, b"ad", &ct).unwrap().is_empty());
        for i in 0..ct.len() {
            let mut bad = ct.clone();
            bad[i] ^= 0x80;
            assert!(tink::decrypt_buffer(&key, b"ad", &bad).is_err(), "byte {i}");
            assert!(
                tink::decrypt_into(&key, b"ad", &bad, &mut []).is_err(),
                "byte {i}"
            );
            assert!(stream_decrypt(&key, b"ad", &bad, &[7]).is_err(), "byte {i}");
        }
        assert!(tink::decrypt_buffer(&key, b"other", &ct).is_err());
        // An empty range reads nothing and needs nothing.
        let ra = RandomAccess::new(&key, b"ad", &ct, ct.len() as u64).unwrap();
        let plan = ra.plan(0, 0).unwrap();
        assert_eq!((plan.ciphertext_len(), plan.http_range()), (0, None));
        ra.decrypt_range(&plan, &[], &mut []).unwrap();
    }
}

/// A reader that hands out at most `step` bytes per `read`.
struct Trickle<'a> {
    data: &'a [u8],
    step: usize,
}

impl std::io::Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(self.step).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// The `std::io` Tink adapters: round trips for any write and read sizes; a flipped bit
    /// or a cut is an error, and what was read before it is a prefix of the plaintext.
    #[test]
    fn tink_std_io(
        len in prop_oneof![0usize..3, 4038usize..4044, 0usize..20_000],
        wchunk in 1usize..9000,
        step in 1usize..9000,
        flip in any::<proptest::sample::Index>(),
    ) {
        use std::io::{Read, Write};
        let key = StreamingKey::from_template(tink::Template::Aes256CtrHmacSha256_4Kb, &[6; 32]).unwrap();
        let pt: Vec<u8> = (0..len).map(|i| (i * 31) as u8).collect();
        let mut w = tink::io::encrypt_writer(Vec::new(), &key, b"x").unwrap();
        for c in pt.chunks(wchunk) {
            w.write_all(c).unwrap();
        }
        let ct = w.finish().unwrap();
        prop_assert_eq!(&tink::decrypt_buffer(&key, b"x", &ct).unwrap(), &pt);
        let read = |data: &[u8]| {
            let mut r = tink::io::DecryptReader::new(Trickle { data, step }, &key, b"x").unwrap();
            let mut out = Vec::new();
            let res = r.read_to_end(&mut out);
            if res.is_err() {
                let mut more = [0u8; 8];
                assert!(r.read(&mut more).is_err(), "a read after an error succeeded");
            }
            (out, res)
        };
        let (back, r) = read(&ct);
        prop_assert!(r.is_ok());
        prop_assert_eq!(&back, &pt);
        let i = flip.index(ct.len());
        let mut bad = ct.clone();
        bad[i] ^= 4;
        let (got, r) = read(&bad);
        prop_assert!(r.is_err());
        prop_assert!(pt.starts_with(&got));
        let (got, r) = read(&ct[..i]);
        prop_assert!(r.is_err());
        prop_assert!(pt.starts_with(&got));
    }
}

/// A plan made for one object and used on another (smaller) one is refused, never a panic
/// or other bytes: the plan types cannot be built or edited by hand (fields private), and
/// what they carry is checked against the object they are used on.
#[test]
fn range_plans_used_on_another_object_are_refused() {
    let key = StreamingKey::generate(tink::Template::Aes256GcmHkdf4Kb).unwrap();
    let big = tink::encrypt_buffer(&key, b"", &vec![1u8; 100_000]).unwrap();
    let small = tink::encrypt_buffer(&key, b"", &[2u8; 1000]).unwrap();
    let ra_big = RandomAccess::new(&key, b"", &big, big.len() as u64).unwrap();
    let ra_small = RandomAccess::new(&key, b"", &small, small.len() as u64).unwrap();
    for (off, len) in [(90_000u64, 5000u64), (0, 100_000), (99_999, 1), (4000, 200)] {
        let plan = ra_big.plan(off, len).unwrap();
        let s = plan.ciphertext_offset() as usize;
        let fetched = &big[s..s + plan.ciphertext_len() as usize];
        let mut out = vec![0xEE; plan.plaintext_len() as usize];
        assert!(ra_small.decrypt_range(&plan, fetched, &mut out).is_err());
        assert!(out.iter().all(|&b| b == 0), "out wiped on error");
    }

    let kek = WrappingKey::new([4; 32]);
    let keyring = Keyring::aes(&kek);
    let obj = s3ec::encrypt(&keyring, &WriteOptions::v3(), &[3u8; 100]).unwrap();
    let opts = ReadOptions::default().unauthenticated_ranges(true);
    let rk = RangeKey::new(&obj.metadata, &keyring, &opts).unwrap();
    for plan in [
        RangePlan::new(u64::MAX - 40, None, u64::MAX).unwrap(),
        RangePlan::new(0, Some(u64::MAX - 1), u64::MAX).unwrap(),
        RangePlan::suffix(u64::MAX, u64::MAX).unwrap(),
    ] {
        assert!(plan.http_range().starts_with("bytes="));
        assert!(rk.decrypt_unauthenticated(&plan, &obj.body).is_err());
    }
}

/// The two opt-ins are separate: reading AES-CBC content does not allow unauthenticated
/// ranges, and unauthenticated ranges do not allow AES-CBC content.
#[test]
fn s3ec_cbc_and_unauthenticated_ranges_are_separate_opt_ins() {
    use base64::Engine as _;
    use cbc::cipher::{BlockModeEncrypt, KeyIvInit};
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let dek = DataKey::new([0x21; 32]);
    let iv = [0x5A; 16];
    let pt = b"written by an S3EC V1 client, long ago";
    let mut body = pt.to_vec();
    let pad = 16 - body.len() % 16;
    body.extend(std::iter::repeat_n(pad as u8, pad));
    let mut enc = cbc::Encryptor::<aes::Aes256>::new(dek.expose_secret().into(), (&iv).into());
    for block in body.chunks_exact_mut(16) {
        enc.encrypt_block(block.try_into().unwrap());
    }
    let (wrapped, ivb) = (b64(&[7; 40]), b64(&iv));
    let md = ContentMetadata::from_object([
        ("x-amz-key-v2", wrapped.as_str()),
        ("x-amz-iv", ivb.as_str()),
        ("x-amz-cek-alg", "AES/CBC/PKCS5Padding"),
        ("x-amz-wrap-alg", "AES/GCM"),
        ("x-amz-matdesc", "{}"),
    ])
    .unwrap()
    .unwrap();
    let base = ReadOptions::default().commitment(s3ec::CommitmentPolicy::ForbidEncryptAllowDecrypt);
    let cbc_only = base.legacy_cbc(true);
    let ranges_only = base.unauthenticated_ranges(true);
    for opts in [base, ranges_only] {
        let e = s3ec::decrypt_with_data_key(&md, &dek, &opts, &body).unwrap_err();
        assert!(
            matches!(e, s3ec::S3ecError::LegacyDisabled(_)),
            "{opts:?}: {e}"
        );
        assert!(e.to_string().contains("legacy_cbc"), "{e}");
    }
    assert_eq!(
        s3ec::decrypt_with_data_key(&md, &dek, &cbc_only, &body).unwrap(),
        pt
    );

    // A GCM object: ranges need their own opt-in, which CBC's does not give.
    let kek = WrappingKey::new([4; 32]);
    let keyring = Keyring::aes(&kek);
    let obj = s3ec::encrypt(&keyring, &WriteOptions::v3(), &[3u8; 100]).unwrap();
    for opts in [
        ReadOptions::default(),
        ReadOptions::default().legacy_cbc(true),
    ] {
        let e = RangeKey::new(&obj.metadata, &keyring, &opts).unwrap_err();
        assert!(e.to_string().contains("unauthenticated_ranges"), "{e}");
    }
    let opts = ReadOptions::default().unauthenticated_ranges(true);
    assert!(RangeKey::new(&obj.metadata, &keyring, &opts).is_ok());
}

/// Tink's seekable reader: any seek and read returns the plaintext's bytes; a source cut at a
/// segment boundary fails at the end (never an early EOF); a flipped byte fails the read of
/// its segment and every read after it.
#[test]
fn tink_seekable_reader() {
    use std::io::{Cursor, Read, Seek, SeekFrom};
    use tink::io::SeekableReader;
    let key = StreamingKey::generate(tink::Template::Aes128GcmHkdf4Kb).unwrap();
    for len in [0usize, 1, 4055, 4056, 4057, 8152, 8153, 20_000] {
        let pt: Vec<u8> = (0..len as u32).map(|i| (i * 7) as u8).collect();
        let ct = tink::encrypt_buffer(&key, b"ad", &pt).unwrap();
        let mut r = SeekableReader::new(Cursor::new(ct.clone()), &key, b"ad").unwrap();
        assert_eq!(r.plaintext_len(), len as u64);
        let mut all = Vec::new();
        r.read_to_end(&mut all).unwrap();
        assert_eq!(all, pt, "len {len}");
        for (at, n) in [
            (0, 10),
            (len / 2, 5000),
            (len.saturating_sub(3), 3),
            (4050, 20),
        ] {
            let at = at.min(len);
            let n = n.min(len - at);
            r.seek(SeekFrom::Start(at as u64)).unwrap();
            let mut buf = vec![0; n];
            r.read_exact(&mut buf).unwrap();
            assert_eq!(buf, pt[at..at + n], "len {len} at {at}");
        }
        r.seek(SeekFrom::End(-(len.min(7) as i64))).unwrap();
        let mut tail = Vec::new();
        r.read_to_end(&mut tail).unwrap();
        assert_eq!(tail, pt[len - len.min(7)..]);
        assert!(r.seek(SeekFrom::Current(-(len as i64) - 1)).is_err());

        // Cut after a whole segment: reads up to the cut succeed, the end fails.
        let cut = 4096; // header (24) + segment 0 (4072): a segment boundary
        if ct.len() > cut + 16 {
            let mut r = SeekableReader::new(Cursor::new(ct[..cut].to_vec()), &key, b"ad").unwrap();
            let mut all = Vec::new();
            assert!(
                r.read_to_end(&mut all).is_err(),
                "len {len}: cut stream read to its end"
            );
        }
        // A flipped byte: the segment holding it fails, and so does everything after.
        for flip in [24, ct.len() - 1] {
            if flip >= ct.len() {
                continue;
            }
            let mut bad = ct.clone();
            bad[flip] ^= 1;
            let mut r = SeekableReader::new(Cursor::new(bad), &key, b"ad").unwrap();
            let mut all = Vec::new();
            assert!(r.read_to_end(&mut all).is_err(), "len {len} flip {flip}");
            assert!(r.read(&mut [0; 4]).is_err(), "poisoned");
        }
    }
}

/// Encrypted keysets: written and read back in both forms, under a caller's key or a data key
/// opened through a KeyProvider, with and without an output prefix; the wrong key,
/// associated data, prefix or any flipped byte of the ciphertext is refused.
#[test]
fn tink_encrypted_keysets_round_trip_and_refuse_changes() {
    use s3crypt::cse::tink::{KeyStatus, Keyset, KeysetKey, KeysetMaster, OutputPrefix};
    use s3crypt::kms::{Context, KeyProvider, StaticKms};
    let k1 = StreamingKey::generate(tink::Template::Aes256GcmHkdf4Kb).unwrap();
    let k2 = StreamingKey::generate(tink::Template::Aes128CtrHmacSha256_4Kb).unwrap();
    let ks = Keyset::new(
        42,
        vec![
            KeysetKey::new(7, KeyStatus::Disabled, OutputPrefix::Tink, Some(k2)),
            KeysetKey::new(42, KeyStatus::Enabled, OutputPrefix::Raw, Some(k1)),
            KeysetKey::new(9, KeyStatus::Destroyed, OutputPrefix::Raw, None),
        ],
    )
    .unwrap();
    let clear = ks.to_binary();
    assert_eq!(*Keyset::from_binary(&clear).unwrap().to_binary(), *clear);
    assert_eq!(
        *Keyset::from_json(&ks.to_json()).unwrap().to_binary(),
        *clear
    );

    let kms = StaticKms::new("master", WrappingKey::new([0x33; 32]));
    let ctx = Context::for_object("keysets", "team-a");
    let generated = kms.generate_key("master", &ctx).unwrap();
    let masters = [
        KeysetMaster::aes256_gcm(&WrappingKey::new([0x44; 32])),
        KeysetMaster::aes256_gcm(&WrappingKey::new([0x44; 32]))
            .with_output_prefix(OutputPrefix::Tink, 5),
        KeysetMaster::from_provider(&kms, "master", &generated.ciphertext, &ctx).unwrap(),
    ];
    for (i, m) in masters.iter().enumerate() {
        for ad in [&b""[..], b"bound"] {
            let bin = ks.to_encrypted_binary(m, ad).unwrap();
            let json = ks.to_encrypted_json(m, ad).unwrap();
            assert_ne!(
                bin,
                ks.to_encrypted_binary(m, ad).unwrap(),
                "a fresh IV per write"
            );
            assert_eq!(
                *Keyset::from_encrypted_binary(&bin, m, ad)
                    .unwrap()
                    .to_binary(),
                *clear
            );
            assert_eq!(
                *Keyset::from_encrypted_json(&json, m, ad)
                    .unwrap()
                    .to_binary(),
                *clear
            );
            assert!(Keyset::from_encrypted_binary(&bin, m, b"other").is_err());
            assert!(Keyset::from_encrypted_json(&json, m, b"other").is_err());
            let other = &masters[(i + 1) % masters.len()];
            assert!(
                Keyset::from_encrypted_binary(&bin, other, ad).is_err(),
                "master {i}"
            );
            for at in 0..bin.len() {
                let mut bad = bin.clone();
                bad[at] ^= 0x01;
                if let Ok(k) = Keyset::from_encrypted_binary(&bad, m, ad) {
                    // Only the cleartext keyset info may change undetected, and it is not used.
                    assert_eq!(*k.to_binary(), *clear, "byte {at}");
                }
            }
        }
    }
    // The key provider refuses another context: no master key.
    let wrong = Context::for_object("keysets", "team-b");
    assert!(KeysetMaster::from_provider(&kms, "master", &generated.ciphertext, &wrong).is_err());
    // A keyset without material for an enabled key is refused.
    assert!(
        Keyset::new(
            1,
            vec![KeysetKey::new(
                1,
                KeyStatus::Enabled,
                OutputPrefix::Raw,
                None
            )]
        )
        .is_err()
    );
}

/// RSA keyrings (RSA-OAEP-SHA1): V2 and V3, on the object and in instruction files, written
/// with the key pair or the public key alone, read with the private key; another key, a
/// changed wrapped key or content algorithm is refused.
#[cfg(feature = "aws-lc")]
#[test]
fn s3ec_rsa_keyring_round_trips_and_refuses_changes() {
    use s3ec::{RsaPrivateKey, RsaPublicKey, WrapAlgorithm};
    let key = RsaPrivateKey::generate(2048).unwrap();
    let other = RsaPrivateKey::generate(2048).unwrap();
    let public = RsaPublicKey::from_spki_der(&key.public_key_der()).unwrap();
    let again = RsaPrivateKey::from_pkcs8_der(&key.to_pkcs8_der()).unwrap();
    assert_eq!(again.public_key_der(), key.public_key_der());
    assert!(!format!("{key:?}").contains(&format!("{:?}", &key.to_pkcs8_der()[40..48])));
    let pt = b"an object the Java client wrote under an RSA key pair".repeat(50);
    let read = ReadOptions::default().commitment(s3ec::CommitmentPolicy::ForbidEncryptAllowDecrypt);
    for opts in [WriteOptions::v3(), WriteOptions::v2()] {
        for writer in [Keyring::rsa(&key), Keyring::rsa_public(&public)] {
            let obj = s3ec::encrypt(&writer, &opts, &pt).unwrap();
            assert_eq!(obj.metadata.wrap, WrapAlgorithm::RsaOaepSha1);
            // Through both metadata layouts.
            let stored = obj.metadata.to_object_metadata().unwrap();
            let md =
                ContentMetadata::from_object(stored.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                    .unwrap()
                    .unwrap();
            assert_eq!(
                s3ec::decrypt(&md, &Keyring::rsa(&key), &read, &obj.body).unwrap(),
                pt
            );
            assert_eq!(
                s3ec::decrypt(&md, &Keyring::rsa(&again), &read, &obj.body).unwrap(),
                pt
            );
            let (on_object, file) = obj.metadata.to_instruction_file().unwrap();
            let md2 = ContentMetadata::from_instruction_file(
                on_object.iter().map(|(k, v)| (k.as_str(), v.as_str())),
                file.as_bytes(),
            )
            .unwrap();
            assert_eq!(
                s3ec::decrypt(&md2, &Keyring::rsa(&key), &read, &obj.body).unwrap(),
                pt
            );
            // Refusals: another private key, the public key alone, a changed wrapped key.
            assert!(s3ec::decrypt(&md, &Keyring::rsa(&other), &read, &obj.body).is_err());
            assert!(s3ec::decrypt(&md, &Keyring::rsa_public(&public), &read, &obj.body).is_err());
            for at in [0, md.encrypted_key.len() / 2, md.encrypted_key.len() - 1] {
                let mut bad = md.clone();
                bad.encrypted_key[at] ^= 1;
                assert_eq!(
                    s3ec::decrypt(&bad, &Keyring::rsa(&key), &read, &obj.body),
                    Err(s3ec::S3ecError::Unwrap)
                );
            }
            // The wrap binds the content algorithm: the same wrapped key under CBC metadata is
            // refused even with CBC allowed.
            if md.format == s3ec::Format::V2 {
                let mut cbc = md.clone();
                cbc.content = s3ec::ContentAlgorithm::AesCbc;
                cbc.iv = Some(s3ec::ContentIv::Cbc([7; 16]));
                let e = s3ec::decrypt(
                    &cbc,
                    &Keyring::rsa(&key),
                    &read.legacy_cbc(true),
                    &obj.body[..32],
                )
                .unwrap_err();
                assert_eq!(e, s3ec::S3ecError::ContentAlgorithmMismatch);
            }
        }
    }
    assert!(RsaPrivateKey::from_pkcs8_der(b"not a key").is_err());
    assert!(RsaPublicKey::from_spki_der(&key.to_pkcs8_der()).is_err());
    assert!(RsaPrivateKey::generate(1024).is_err());
}

#[test]
fn s3ec_suffix_ranges() {
    let kek = WrappingKey::new([4; 32]);
    let keyring = Keyring::aes(&kek);
    let pt: Vec<u8> = (0..1000u32).map(|i| i as u8).collect();
    let obj = s3ec::encrypt(&keyring, &WriteOptions::v3(), &pt).unwrap();
    let opts = ReadOptions::default().unauthenticated_ranges(true);
    let key = RangeKey::new(&obj.metadata, &keyring, &opts).unwrap();
    for n in [1u64, 15, 16, 17, 999, 1000, 5000] {
        let plan = RangePlan::suffix(n, obj.body.len() as u64).unwrap();
        let fetched = &obj.body[plan.fetch_first() as usize..=plan.fetch_last() as usize];
        let got = key.decrypt_unauthenticated(&plan, fetched).unwrap();
        let want = &pt[pt.len() - (n as usize).min(pt.len())..];
        assert_eq!(got, want, "bytes=-{n}");
    }
    assert!(RangePlan::suffix(0, obj.body.len() as u64).is_err());
    assert!(RangePlan::new(1000, None, obj.body.len() as u64).is_err());
}
