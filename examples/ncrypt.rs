//! `ncrypt`: encrypt and decrypt files in MinIO's DARE 2.0 format.
//!
//! ```text
//! cargo run --release --example ncrypt -- encrypt --key-hex <64 hex> [--cipher aes|chacha] IN OUT
//! cargo run --release --example ncrypt -- decrypt --key-file KEY [--offset N --length N] IN OUT
//! ```
//!
//! The key is 32 bytes, given as hex or as a file holding exactly 32 raw bytes. The stream
//! nonce comes from the OS random source (`/dev/urandom`). A progress bar goes to stderr for
//! inputs over 16 MiB. `--offset/--length` decrypt only a plaintext range, reading just the
//! packages that hold it.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::process::ExitCode;

use s3crypt::dare::io::{DecryptReader, EncryptWriter};
use s3crypt::dare::{CipherSuite, DecryptOptions, range};
use s3crypt::keys::ObjectKey;

struct Args {
    mode: String,
    key: ObjectKey,
    suite: CipherSuite,
    offset: Option<u64>,
    length: Option<u64>,
    input: String,
    output: String,
}

fn usage() -> String {
    "usage: ncrypt (encrypt|decrypt) (--key-hex HEX | --key-file FILE) [--cipher aes|chacha] \
     [--offset N] [--length N] IN OUT"
        .into()
}

fn parse_hex(s: &str) -> Result<Vec<u8>, String> {
    if s.len() % 2 != 0 {
        return Err("hex key has an odd length".into());
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).map_err(|_| "key is not hex".to_string()))
        .collect()
}

fn parse_args() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let mode = it.next().ok_or_else(usage)?;
    if mode != "encrypt" && mode != "decrypt" {
        return Err(usage());
    }
    let (mut key, mut suite, mut offset, mut length) = (None, CipherSuite::preferred(), None, None);
    let mut files = Vec::new();
    while let Some(a) = it.next() {
        let mut val = || it.next().ok_or_else(|| format!("{a} needs a value"));
        match a.as_str() {
            "--key-hex" => {
                let raw = zeroize::Zeroizing::new(parse_hex(&val()?)?);
                key = Some(ObjectKey::from_slice(&raw).map_err(|e| e.to_string())?);
            }
            "--key-file" => {
                let raw =
                    zeroize::Zeroizing::new(std::fs::read(val()?).map_err(|e| e.to_string())?);
                key = Some(ObjectKey::from_slice(&raw).map_err(|e| e.to_string())?);
            }
            "--cipher" => {
                suite = match val()?.as_str() {
                    "aes" => CipherSuite::Aes256Gcm,
                    "chacha" => CipherSuite::ChaCha20Poly1305,
                    c => return Err(format!("unknown cipher {c:?}: aes or chacha")),
                }
            }
            "--offset" => offset = Some(val()?.parse().map_err(|_| "bad --offset")?),
            "--length" => length = Some(val()?.parse().map_err(|_| "bad --length")?),
            f => files.push(f.to_owned()),
        }
    }
    let [input, output]: [String; 2] = files.try_into().map_err(|_| usage())?;
    Ok(Args {
        mode,
        key: key.ok_or("a key is required (--key-hex or --key-file)")?,
        suite,
        offset,
        length,
        input,
        output,
    })
}

/// Copies with a progress bar on stderr for large inputs.
fn copy(mut r: impl Read, mut w: impl Write, total: u64) -> io::Result<u64> {
    let mut buf = vec![0u8; 1 << 20];
    let (mut done, mut last) = (0u64, u64::MAX);
    loop {
        let n = r.read(&mut buf)?;
        if n == 0 {
            break;
        }
        w.write_all(&buf[..n])?;
        done += n as u64;
        if total > 16 << 20 {
            let pct = (done.min(total) * 100 / total.max(1)).min(100);
            if pct != last {
                let bar = "#".repeat((pct / 2) as usize);
                eprint!("\r[{bar:<50}] {pct:3}%");
                last = pct;
            }
        }
    }
    if last != u64::MAX {
        eprintln!();
    }
    w.flush()?;
    Ok(done)
}

fn run(a: Args) -> Result<(), Box<dyn std::error::Error>> {
    let mut input = File::open(&a.input)?;
    let size = input.metadata()?.len();
    if a.mode == "encrypt" {
        let output = BufWriter::new(File::create(&a.output)?);
        // The writer draws the stream's random nonce itself.
        let mut w = EncryptWriter::new(output, &a.key, a.suite)?;
        copy(BufReader::new(input), &mut w, size)?;
        w.finish()?;
        return Ok(());
    }
    let plain_size = range::decrypted_size(size)?;
    if a.offset.is_none() && a.length.is_none() {
        let output = BufWriter::new(File::create(&a.output)?);
        copy(
            DecryptReader::new(
                BufReader::new(input),
                &a.key,
                DecryptOptions::new().stored_size(size),
            ),
            output,
            size,
        )?;
        return Ok(());
    }
    // A range: read only the packages that hold it.
    // Judged before the output file is created: a refused range leaves no empty file.
    let (off, len) = plaintext_range(plain_size, a.offset, a.length)?;
    let r = range::package_range(plain_size, off, len)?;
    let output = BufWriter::new(File::create(&a.output)?);
    input.seek(SeekFrom::Start(r.encrypted_offset))?;
    // Bound to the range: exactly `len` bytes come out, or an error (a file cut or damaged
    // inside the range), never fewer bytes.
    let reader =
        DecryptReader::for_range(BufReader::new(input.take(r.encrypted_length)), &a.key, &r);
    let n = copy(reader, output, r.encrypted_length)?;
    if n != len {
        return Err(format!("range decrypted to {n} bytes, expected {len}").into());
    }
    Ok(())
}

/// The plaintext range `--offset`/`--length` name, judged as S3 judges `Range: bytes=…`: a
/// range that starts at or past the end is refused (S3 answers 416 Requested Range Not
/// Satisfiable), never an empty success; a length running past the end is cut at the end.
fn plaintext_range(
    plain_size: u64,
    offset: Option<u64>,
    length: Option<u64>,
) -> Result<(u64, u64), String> {
    let off = offset.unwrap_or(0);
    if off >= plain_size {
        return Err(format!(
            "--offset {off} is at or past the end of the plaintext ({plain_size} bytes): no byte to \
             decrypt (S3 answers such a range 416 Requested Range Not Satisfiable)"
        ));
    }
    if length == Some(0) {
        return Err("--length 0 names no byte: a range holds at least one".into());
    }
    let len = length.unwrap_or(u64::MAX).min(plain_size - off);
    Ok((off, len))
}

fn main() -> ExitCode {
    match parse_args().map_err(|e| e.into()).and_then(run) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ncrypt: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::plaintext_range;

    #[test]
    fn ranges_are_judged_as_s3_judges_them() {
        assert_eq!(plaintext_range(100, Some(10), Some(5)), Ok((10, 5)));
        assert_eq!(plaintext_range(100, Some(99), None), Ok((99, 1)));
        assert_eq!(plaintext_range(100, None, Some(1000)), Ok((0, 100)));
        assert_eq!(plaintext_range(100, Some(90), Some(u64::MAX)), Ok((90, 10)));
        // At or past the end, or on an empty object: refused, not an empty success.
        for (size, off) in [(100, 100), (100, 101), (100, u64::MAX), (0, 0)] {
            let e = plaintext_range(size, Some(off), None).unwrap_err();
            assert!(e.contains("416"), "{e}");
        }
        assert!(plaintext_range(0, None, Some(5)).is_err());
        assert!(plaintext_range(100, Some(5), Some(0)).is_err());
    }
}
