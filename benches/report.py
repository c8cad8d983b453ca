#!/usr/bin/env python3
"""Prints the README's DARE tables from the last `cargo bench --bench dare` run
(target/criterion/*/new/estimates.json): GiB/s (median) and the ratio to the raw AEAD of the
same backend in the same run (seal rows against raw-seal, open rows against raw-open), with
the CPU named. Run it right after each backend's bench run:

    cargo bench --bench dare && python3 benches/report.py aws-lc-rs
    cargo bench --no-default-features --features rayon --bench dare && python3 benches/report.py rustcrypto

and the client-side formats' table: `cargo bench --bench cse && python3 benches/report.py cse aws-lc-rs`
(RustCrypto: `cargo bench --no-default-features --features cse --bench cse`).
"""
import json
import os
import sys

ROOT = os.path.join(os.path.dirname(__file__), "..", "target", "criterion")
SIZES = [("64KiB", 64 << 10), ("1MiB", 1 << 20), ("64MiB", 64 << 20)]
ROWS = [
    ("raw-seal", "raw seal, out of place (baseline)", None),
    ("encrypt-buffer", "`encrypt_buffer` (draws its nonce)", "raw-seal"),
    ("stream-encrypt-into", "`Encryptor` into a slice", "raw-seal"),
    ("stream-encrypt-into-end", "`Encryptor` into a slice, last chunk to `finish_with_into`", "raw-seal"),
    ("stream-encrypt-vec", "`Encryptor` into a `Vec`", "raw-seal"),
    ("encrypt-parallel", "`encrypt_buffer_parallel` (rayon)", "raw-seal"),
    ("raw-open", "raw open, out of place (baseline)", None),
    ("decrypt-buffer", "`decrypt_buffer` (bound to the stored size)", "raw-open"),
    ("stream-decrypt-into", "`Decryptor` into a slice", "raw-open"),
    ("stream-decrypt-vec", "`Decryptor` into a `Vec`", "raw-open"),
    ("decrypt-parallel", "`decrypt_buffer_parallel` (rayon)", "raw-open"),
]


def gibs(group, bench, size_label, size):
    p = os.path.join(ROOT, group, bench, size_label, "new", "estimates.json")
    if not os.path.exists(p):
        return None
    ns = json.load(open(p))["median"]["point_estimate"]
    return size / (ns * 1e-9) / (1 << 30)


def cpu():
    model, flags = "?", set()
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name") and model == "?":
            model = line.split(":", 1)[1].strip()
        if line.startswith("flags"):
            flags = set(line.split(":", 1)[1].split())
    has = [f for f in ("aes", "pclmulqdq", "avx2", "vaes", "vpclmulqdq", "avx512f") if f in flags]
    return f"{model} ({os.cpu_count()} cores; {', '.join(has)})"


CSE_SIZES = [("1MiB", 1 << 20), ("64MiB", 64 << 20)]
CSE_ROWS = [
    ("raw-seal", "raw AES-256-GCM seal, out of place (baseline)", None),
    ("s3ec-v3-encrypt", "S3EC V3 `encrypt_into` (AES keyring)", "raw-seal"),
    ("tink-1mb-encrypt", "Tink AES256_GCM_HKDF_1MB `encrypt_into`", "raw-seal"),
    ("tink-4kb-encrypt", "Tink AES256_GCM_HKDF_4KB `encrypt_into`", "raw-seal"),
    ("raw-open", "raw AES-256-GCM open, out of place (baseline)", None),
    ("s3ec-v3-decrypt", "S3EC V3 `decrypt_into` (AES keyring)", "raw-open"),
    ("tink-1mb-decrypt", "Tink AES256_GCM_HKDF_1MB `decrypt_into`", "raw-open"),
    ("tink-4kb-decrypt", "Tink AES256_GCM_HKDF_4KB `decrypt_into`", "raw-open"),
]


def cse():
    """The client-side formats' table (`cargo bench --bench cse`): backend from the build."""
    backend = sys.argv[2] if len(sys.argv) > 2 else "?"
    print(f"CPU: {cpu()}; backend {backend}\n")
    print(f"| client-side formats, {backend} | " + " | ".join(s for s, _ in CSE_SIZES) + " |")
    print("|---|" + "---|" * len(CSE_SIZES))
    for bench, label, base in CSE_ROWS:
        cells = []
        for sl, sz in CSE_SIZES:
            v = gibs("cse", bench, sl, sz)
            if v is None:
                cells.append("")
                continue
            b = gibs("cse", base, sl, sz) if base else None
            cells.append(f"{v:.2f} GiB/s" + (f" ({v / b:.2f}×)" if b else ""))
        print(f"| {label} | " + " | ".join(cells) + " |")


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "cse":
        return cse()
    backend = sys.argv[1] if len(sys.argv) > 1 else "?"
    print(f"CPU: {cpu()}; backend {backend}\n")
    for suite, name in [("aes-256-gcm", "AES-256-GCM"), ("chacha20-poly1305", "ChaCha20-Poly1305")]:
        group = f"dare_{suite}"
        print(f"| {name}, {backend} | " + " | ".join(s for s, _ in SIZES) + " |")
        print("|---|" + "---|" * len(SIZES))
        for bench, label, base in ROWS:
            cells = []
            for sl, sz in SIZES:
                v = gibs(group, bench, sl, sz)
                if v is None:
                    cells.append("")
                    continue
                b = gibs(group, base, sl, sz) if base else None
                cells.append(f"{v:.2f} GiB/s" + (f" ({v / b:.2f}×)" if b else ""))
            if any(cells):
                print(f"| {label} | " + " | ".join(cells) + " |")
        print()
    seq = {s: gibs("dare_aes-256-gcm", "encrypt-buffer", "64MiB", 64 << 20) for s in [0]}
    for suite in ["aes-256-gcm", "chacha20-poly1305"]:
        g = f"dare_{suite}"
        for a, b in [("encrypt-parallel", "encrypt-buffer"), ("decrypt-parallel", "decrypt-buffer")]:
            p, s = gibs(g, a, "64MiB", 64 << 20), gibs(g, b, "64MiB", 64 << 20)
            if p and s:
                print(f"{suite} {a} / {b} at 64 MiB: {p / s:.2f}× on {os.cpu_count()} cores")


main()
