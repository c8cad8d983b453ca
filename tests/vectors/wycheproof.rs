//! Wycheproof AES-GCM and ChaCha20-Poly1305 through the crate's backend seam.

use s3crypt::__private::RawAead;

use crate::util::{Outcome, Value, Vectors, str_of, unhex};

/// Runs every 256-bit-key, 96-bit-IV, 128-bit-tag case (the only shape the crate's AEADs
/// take); the others are counted as skipped.
pub fn check(v: &Vectors, chacha: bool, skipped: &mut usize) -> Outcome {
    let mut out = Outcome::new(v);
    out.declared = None; // numberOfTests counts the skipped ones too
    for group in v.root["testGroups"].as_array().into_iter().flatten() {
        let fits = group["keySize"] == 256 && group["ivSize"] == 96 && group["tagSize"] == 128;
        for t in group["tests"].as_array().into_iter().flatten() {
            if !fits {
                *skipped += 1;
                continue;
            }
            let name = format!("tcId {}", t["tcId"]);
            out.case(&name, check_case(t, chacha));
        }
    }
    out
}

fn check_case(t: &Value, chacha: bool) -> Result<(), String> {
    let key: [u8; 32] = unhex(str_of(t, "key")).try_into().map_err(|_| "key")?;
    let iv: [u8; 12] = unhex(str_of(t, "iv")).try_into().map_err(|_| "iv")?;
    let aad = unhex(str_of(t, "aad"));
    let msg = unhex(str_of(t, "msg"));
    let ct = unhex(str_of(t, "ct"));
    let tag: [u8; 16] = unhex(str_of(t, "tag")).try_into().map_err(|_| "tag")?;
    let aead = RawAead::new(chacha, &key);
    let valid = match str_of(t, "result") {
        "valid" => true,
        "invalid" => false,
        r => return Err(format!("unexpected result {r:?}")),
    };
    let mut buf = ct.clone();
    let opened = aead.open_in_place(&iv, &aad, &mut buf, &tag);
    if opened != valid {
        return Err(format!("open: got {opened}, want {valid}"));
    }
    if valid {
        if buf != msg {
            return Err("open: wrong plaintext".into());
        }
        let mut buf = msg.clone();
        let got = aead
            .seal_in_place(&iv, &aad, &mut buf)
            .ok_or("seal failed")?;
        if buf != ct || got != tag {
            return Err("seal: wrong ciphertext or tag".into());
        }
    } else if buf.iter().any(|&b| b != 0) {
        return Err("open failed but left bytes in the buffer".into());
    }
    Ok(())
}
