#!/usr/bin/env python3
"""Interop suite: the crate's client-side formats against the real libraries, both directions.

- tink-py (PyPI `tink`): every streaming template, sizes around segment boundaries, random
  associated data, keysets with several keys (older key decrypts, disabled/destroyed keys
  refused, all output prefix types), cleartext and encrypted keysets (JSON and binary), our
  whole/streaming/ranged/seekable reads of its ciphertexts, its reads of ours.
- the AWS S3 Encryption Client for Python (PyPI `amazon-s3-encryption-client-python`) over
  moto's server (S3 + KMS): V3 and V2, encryption contexts with characters that need escaping,
  put_object and multipart (upload_fileobj and the low-level calls); our V2/V3 writes on the
  object and as instruction files read back by it; its default policy refusing our V2; our
  refusals on its objects (flipped body, tampered commitment/message id, changed context,
  CBC substituted for GCM).
- RSA-OAEP-SHA1 (the Java client's RSA keyring; no Java client is reachable): objects built
  from the format's rules with Python `cryptography` read by us, and ours read by the S3EC
  Python client through an RSA keyring written from the same rules.

The crate's side is `examples/interop.rs` (JSON lines over a pipe; KMS calls bridged here).

    python3 tests/interop/interop.py target/release/examples/interop

Prints one line per group with its case count; exits non-zero on the first failure.
"""

import base64
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time

import boto3
import tink
from tink import secret_key_access, streaming_aead
from tink.proto import tink_pb2
from tink.streaming_aead import streaming_aead_key_templates as templates

RNG = random.Random(int(os.environ.get("INTEROP_SEED", "20261207")))
TMP = tempfile.mkdtemp(prefix="s3crypt-interop-")
COUNTS = {}


def count(group, n=1):
    COUNTS[group] = COUNTS.get(group, 0) + n


def fail(msg):
    print(f"interop: FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def path(name):
    return os.path.join(TMP, name)


def write(name, data):
    with open(path(name), "wb") as f:
        f.write(data)
    return path(name)


def read(name):
    with open(path(name), "rb") as f:
        return f.read()


class Ours:
    """The crate's interop binary: one request per line; KMS requests answered by `kms`."""

    def __init__(self, binary):
        self.p = subprocess.Popen(
            [binary], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1
        )
        self.kms = None

    def call(self, req):
        self.p.stdin.write(json.dumps(req) + "\n")
        self.p.stdin.flush()
        while True:
            line = self.p.stdout.readline()
            if not line:
                fail(f"interop binary exited on {req.get('op')}")
            msg = json.loads(line)
            if "kms" in msg:
                self.p.stdin.write(json.dumps(self.answer_kms(msg)) + "\n")
                self.p.stdin.flush()
                continue
            return msg

    def answer_kms(self, msg):
        ctx = msg.get("context") or {}
        try:
            if msg["kms"] == "generate":
                r = self.kms.generate_data_key(
                    KeyId=msg["key_id"], KeySpec="AES_256", EncryptionContext=ctx
                )
                return {
                    "plaintext": base64.b64encode(r["Plaintext"]).decode(),
                    "ciphertext": base64.b64encode(r["CiphertextBlob"]).decode(),
                }
            r = self.kms.decrypt(
                KeyId=msg["key_id"],
                CiphertextBlob=base64.b64decode(msg["ciphertext"]),
                EncryptionContext=ctx,
            )
            return {"plaintext": base64.b64encode(r["Plaintext"]).decode()}
        except Exception as e:  # the KMS refused: tell the crate, which must refuse the read
            return {"error": f"{type(e).__name__}: {e}"}

    def ok(self, req):
        r = self.call(req)
        if not r.get("ok"):
            fail(f"{req['op']} failed: {r.get('error')} (request {short(req)})")
        return r

    def refused(self, req, what):
        r = self.call(req)
        if r.get("ok"):
            fail(f"{what}: the crate accepted it (request {short(req)})")
        return r["error"]


def short(req):
    return {k: (v if not isinstance(v, str) or len(v) < 80 else v[:80] + "…") for k, v in req.items()}


# ---------------------------------------------------------------------------------------------
# Tink
# ---------------------------------------------------------------------------------------------

TEMPLATE_NAMES = [
    "AES128_GCM_HKDF_4KB",
    "AES128_GCM_HKDF_1MB",
    "AES256_GCM_HKDF_4KB",
    "AES256_GCM_HKDF_1MB",
    "AES128_CTR_HMAC_SHA256_4KB",
    "AES128_CTR_HMAC_SHA256_1MB",
    "AES256_CTR_HMAC_SHA256_4KB",
    "AES256_CTR_HMAC_SHA256_1MB",
]


def tink_encrypt(handle, aad, pt):
    prim = handle.primitive(streaming_aead.StreamingAead)
    sink = BytesSink()
    with prim.new_encrypting_stream(sink, aad) as s:
        # Several writes, as a client streaming a file.
        at = 0
        while at < len(pt):
            n = RNG.choice([1, 100, 4096, 65536, 1 << 20])
            s.write(pt[at : at + n])
            at += n
    return sink.data


def tink_decrypt(handle, aad, ct):
    import io

    prim = handle.primitive(streaming_aead.StreamingAead)
    with prim.new_decrypting_stream(io.BytesIO(ct), aad) as s:
        return s.read()


class BytesSink:
    """A BinaryIO sink that keeps what tink writes after tink closes it."""

    def __init__(self):
        self.data = b""
        self.closed = False

    def write(self, b):
        self.data += bytes(b)
        return len(b)

    def flush(self):
        pass

    def close(self):
        self.closed = True

    def writable(self):
        return True


def keyset_json(handle):
    return tink.json_proto_keyset_format.serialize(handle, secret_key_access.TOKEN)


def keyset_proto(handle):
    ks = tink_pb2.Keyset()
    ks.ParseFromString(tink.proto_keyset_format.serialize(handle, secret_key_access.TOKEN))
    return ks


def handle_of(ks):
    return tink.proto_keyset_format.parse(ks.SerializeToString(), secret_key_access.TOKEN)


def layout(handle):
    """(first segment plaintext size, later segment plaintext size) of the primary key."""
    ks = keyset_proto(handle)
    key = ks.key[0].key_data
    if key.type_url.endswith("AesGcmHkdfStreamingKey"):
        from tink.proto import aes_gcm_hkdf_streaming_pb2 as pb

        k = pb.AesGcmHkdfStreamingKey()
        k.ParseFromString(key.value)
        seg, dk, tag = k.params.ciphertext_segment_size, k.params.derived_key_size, 16
    else:
        from tink.proto import aes_ctr_hmac_streaming_pb2 as pb

        k = pb.AesCtrHmacStreamingKey()
        k.ParseFromString(key.value)
        seg, dk, tag = (
            k.params.ciphertext_segment_size,
            k.params.derived_key_size,
            k.params.hmac_params.tag_size,
        )
    header = 1 + dk + 7
    return seg - header - tag, seg - tag


def keyset_fields(handle, binary):
    if binary:
        return {"keyset_binary_hex": tink.proto_keyset_format.serialize(handle, secret_key_access.TOKEN).hex()}
    return {"keyset_json": keyset_json(handle)}


def our_reads(ours, fields, aad, ct, pt, label):
    """Whole, streaming, ranged and seekable reads of `ct`; each must give `pt` (or its range)."""
    ctf = write("tink.ct", ct)
    base = dict(fields, op="tink-decrypt", aad_hex=aad.hex(), **{"in": ctf, "out": path("tink.out")})
    ours.ok(dict(base, mode="whole"))
    check(read("tink.out") == pt, f"{label}: whole read differs")
    ours.ok(dict(base, mode="stream", chunk=RNG.choice([1, 7, 4096, 65537, 1 << 20])))
    check(read("tink.out") == pt, f"{label}: streaming read differs")
    n = 2
    if pt:
        for mode in ("range", "seek"):
            off = RNG.randrange(len(pt))
            ln = RNG.randrange(1, len(pt) - off + 1)
            ours.ok(dict(base, mode=mode, offset=off, len=ln))
            check(read("tink.out") == pt[off : off + ln], f"{label}: {mode} {off}+{ln} differs")
            n += 1
    return n


def tink_templates(ours):
    for name in TEMPLATE_NAMES:
        handle = tink.new_keyset_handle(getattr(templates, name))
        first, later = layout(handle)
        sizes = [0, 1, first - 1, first, first + 1, first + later - 1, first + later, first + later + 1]
        sizes.append(3 * (1 << 20) + 17)
        # And a few anywhere in the first three segments.
        sizes += [RNG.randrange(0, 3 * (first + later)) for _ in range(4)]
        for size in sizes:
            pt = os.urandom(size)
            aad = os.urandom(RNG.randrange(0, 40))
            binary = RNG.random() < 0.5
            fields = keyset_fields(handle, binary)
            # Theirs -> ours.
            ct = tink_encrypt(handle, aad, pt)
            count("tink: tink-py wrote, we read", our_reads(ours, fields, aad, ct, pt, f"{name} {size}"))
            # Ours -> theirs.
            ours.ok(dict(fields, op="tink-encrypt", aad_hex=aad.hex(), chunk=RNG.choice([0, 1000, 65536]),
                         **{"in": write("tink.pt", pt), "out": path("tink.ours")}))
            check(tink_decrypt(handle, aad, read("tink.ours")) == pt, f"{name} {size}: tink cannot read ours")
            count("tink: we wrote, tink-py read")
            # A flipped byte of theirs is refused by ours; a wrong AD too.
            if ct:
                bad = bytearray(ct)
                bad[RNG.randrange(len(bad))] ^= 1 << RNG.randrange(8)
                ours.refused(dict(fields, op="tink-decrypt", aad_hex=aad.hex(), mode="whole",
                                  **{"in": write("tink.bad", bytes(bad)), "out": path("tink.out")}),
                             f"{name} {size}: flipped byte")
                ours.refused(dict(fields, op="tink-decrypt", aad_hex=(aad + b"x").hex(), mode="stream", chunk=4096,
                                  **{"in": write("tink.bad", ct), "out": path("tink.out")}),
                             f"{name} {size}: other associated data")
                count("tink: refusals of tink-py ciphertexts", 2)


def tink_keysets(ours):
    """Keysets of several keys: rotation, disabled and destroyed keys, output prefix types."""
    old = keyset_proto(tink.new_keyset_handle(templates.AES256_GCM_HKDF_4KB))
    new = keyset_proto(tink.new_keyset_handle(templates.AES128_CTR_HMAC_SHA256_4KB))
    third = keyset_proto(tink.new_keyset_handle(templates.AES256_GCM_HKDF_1MB))
    pt = os.urandom(10_000)
    aad = b"s3://bucket/rotated"
    ct_old = tink_encrypt(handle_of(old), aad, pt)

    def combined(old_status=tink_pb2.ENABLED, destroy=False):
        ks = tink_pb2.Keyset()
        for part in (old, new, third):
            ks.key.append(part.key[0])
        ks.primary_key_id = new.key[0].key_id
        ks.key[0].status = old_status
        if destroy:
            ks.key[0].ClearField("key_data")
        return ks

    for binary in (False, True):
        ks = combined()
        h = handle_of(ks)
        fields = keyset_fields(h, binary)
        count("tink keysets: older key decrypts", our_reads(ours, fields, aad, ct_old, pt, "older key"))
        # Ours encrypt with the primary; tink reads with the whole keyset and with the new key alone.
        ours.ok(dict(fields, op="tink-encrypt", aad_hex=aad.hex(), chunk=0,
                     **{"in": write("ks.pt", pt), "out": path("ks.ours")}))
        check(tink_decrypt(h, aad, read("ks.ours")) == pt, "tink cannot read ours (keyset)")
        check(tink_decrypt(handle_of(new), aad, read("ks.ours")) == pt, "ours did not use the primary key")
        count("tink keysets: we encrypt with the primary, tink-py reads")
        for status, destroy, label in ((tink_pb2.DISABLED, False, "disabled"), (tink_pb2.DESTROYED, True, "destroyed")):
            ks = combined(status, destroy)
            try:
                h2 = handle_of(ks)
                fields2 = keyset_fields(h2, binary)
            except Exception:
                # tink-py does not write it: hand the crate the proto itself.
                fields2 = {"keyset_binary_hex": ks.SerializeToString().hex()}
            ours.refused(dict(fields2, op="tink-decrypt", aad_hex=aad.hex(), mode="whole",
                              **{"in": write("ks.ct", ct_old), "out": path("ks.out")}), f"{label} key decrypted")
            count(f"tink keysets: {label} key refused")

    # Every output prefix type: tink-py streaming ciphertexts never carry a prefix.
    for prefix in (tink_pb2.TINK, tink_pb2.LEGACY, tink_pb2.RAW, tink_pb2.CRUNCHY):
        ks = tink_pb2.Keyset()
        ks.CopyFrom(old)
        ks.key[0].output_prefix_type = prefix
        try:
            h = handle_of(ks)
            ct = tink_encrypt(h, aad, pt)
        except Exception as e:
            print(f"  tink-py refuses output prefix {tink_pb2.OutputPrefixType.Name(prefix)}: {e}")
            continue
        for binary in (False, True):
            fields = keyset_fields(h, binary)
            count("tink keysets: output prefix types", our_reads(ours, fields, aad, ct, pt, f"prefix {prefix}"))
            ours.ok(dict(fields, op="tink-encrypt", aad_hex=aad.hex(), chunk=0,
                         **{"in": write("ks.pt", pt), "out": path("ks.ours")}))
            check(tink_decrypt(h, aad, read("ks.ours")) == pt, f"prefix {prefix}: tink cannot read ours")
            count("tink keysets: output prefix types")


def tink_encrypted_keysets(ours):
    """Keysets encrypted under a master AEAD (Tink's EncryptedKeyset), JSON and binary."""
    from tink import aead

    aead.register()
    master_key = os.urandom(32)
    # tink-py's AES-GCM master: a keyset of one raw AES256_GCM key we know the bytes of.
    from tink.proto import aes_gcm_pb2

    def master_aead(prefix, key_id):
        k = aes_gcm_pb2.AesGcmKey(version=0, key_value=master_key)
        mks = tink_pb2.Keyset(primary_key_id=key_id)
        key = mks.key.add()
        key.key_data.type_url = "type.googleapis.com/google.crypto.tink.AesGcmKey"
        key.key_data.value = k.SerializeToString()
        key.key_data.key_material_type = tink_pb2.KeyData.SYMMETRIC
        key.status = tink_pb2.ENABLED
        key.key_id = key_id
        key.output_prefix_type = prefix
        return handle_of(mks).primitive(aead.Aead)

    handle = tink.new_keyset_handle(templates.AES256_GCM_HKDF_4KB)
    pt = os.urandom(5000)
    aad = b"ad"
    ct = tink_encrypt(handle, aad, pt)
    # A keyset of several keys (one disabled), so what goes through encryption is a real one.
    ks = keyset_proto(handle)
    second = keyset_proto(tink.new_keyset_handle(templates.AES128_CTR_HMAC_SHA256_4KB)).key[0]
    second.status = tink_pb2.DISABLED
    ks.key.append(second)
    handle = handle_of(ks)
    for prefix_name, prefix, key_id in (("RAW", tink_pb2.RAW, 1), ("TINK", tink_pb2.TINK, 0x5EC12E7)):
        master = master_aead(prefix, key_id)
        m = {"master_hex": master_key.hex(), "master_prefix": prefix_name, "master_key_id": key_id}
        for assoc in (b"", b"keyset-associated-data"):
            for fmt, mod in (("json", tink.json_proto_keyset_format), ("binary", tink.proto_keyset_format)):
                enc = mod.serialize_encrypted(handle, master, assoc)
                enc_text = enc if isinstance(enc, str) else enc.hex()
                base = dict(m, format=fmt, keyset=enc_text, keyset_aad_hex=assoc.hex())
                ours.ok(dict(base, op="tink-decrypt-encrypted-keyset", aad_hex=aad.hex(), mode="whole",
                             **{"in": write("ek.ct", ct), "out": path("ek.out")}))
                check(read("ek.out") == pt, f"encrypted keyset ({fmt}, {prefix_name}) read differs")
                count("tink encrypted keysets: tink-py wrote, we read")
                # Ours -> theirs: the crate writes the keyset again; tink parses it, gets the
                # same keyset (disabled key and all), and decrypts with it.
                r = ours.ok(dict(base, op="tink-encrypt-keyset"))
                ours_enc = r["keyset"] if fmt == "json" else bytes.fromhex(r["keyset"])
                h2 = mod.parse_encrypted(ours_enc, master, assoc)
                check(keyset_proto(h2) == keyset_proto(handle), f"our encrypted keyset ({fmt}) holds another keyset")
                check(tink_decrypt(h2, aad, ct) == pt, f"tink cannot use our encrypted keyset ({fmt})")
                count("tink encrypted keysets: we wrote, tink-py read")
                # Wrong associated data, master key or prefix, or a flipped byte: refused.
                for what, change in (
                    ("other associated data", {"keyset_aad_hex": (assoc + b"!").hex()}),
                    ("another master key", {"master_hex": os.urandom(32).hex()}),
                    ("another prefix", {"master_prefix": "LEGACY" if prefix_name == "TINK" else "TINK"}),
                ):
                    ours.refused(dict(base, op="tink-decrypt-encrypted-keyset", aad_hex=aad.hex(),
                                      mode="whole", **change, **{"in": path("ek.ct"), "out": path("ek.out")}),
                                 f"encrypted keyset ({fmt}) under {what}")
                    count("tink encrypted keysets: refusals")


# ---------------------------------------------------------------------------------------------
# S3 Encryption Client over moto
# ---------------------------------------------------------------------------------------------


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_moto():
    port = free_port()
    moto = os.path.join(os.path.dirname(sys.executable), "moto_server")
    log = open(path("moto.log"), "w")
    p = subprocess.Popen([moto, "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return p, url
        except OSError:
            time.sleep(0.1)
    p.kill()
    fail("moto_server did not start")


def s3ec_suite(ours):
    from s3_encryption import S3EncryptionClient, S3EncryptionClientConfig
    from s3_encryption.materials.kms_keyring import KmsKeyring
    from s3_encryption.materials.materials import AlgorithmSuite, CommitmentPolicy

    moto, url = start_moto()
    try:
        cfg = dict(endpoint_url=url, region_name="us-east-1", aws_access_key_id="test",
                   aws_secret_access_key="test")
        s3 = boto3.client("s3", **cfg)
        kms = boto3.client("kms", **cfg)
        ours.kms = kms
        key_id = kms.create_key()["KeyMetadata"]["KeyId"]
        other_key = kms.create_key()["KeyMetadata"]["KeyId"]
        s3.create_bucket(Bucket="interop")

        def client(suite=None, policy=None, legacy=False):
            kw = {}
            if suite:
                kw["encryption_algorithm"] = suite
            if policy:
                kw["commitment_policy"] = policy
            conf = S3EncryptionClientConfig(keyring=KmsKeyring(kms_client=kms, kms_key_id=key_id),
                                            enable_legacy_unauthenticated_modes=legacy, **kw)
            return S3EncryptionClient(wrapped_s3_client=boto3.client("s3", **cfg), config=conf)

        v3 = client()
        v2 = client(AlgorithmSuite.ALG_AES_256_GCM_IV12_TAG16_NO_KDF, CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT)

        def client_for_keyring(keyring):
            conf = S3EncryptionClientConfig(keyring=keyring,
                                            commitment_policy=CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT)
            return S3EncryptionClient(wrapped_s3_client=boto3.client("s3", **cfg), config=conf)

        if os.environ.get("INTEROP_RSA", "1") == "1":
            rsa_suite(ours, s3, client_for_keyring)
        v2_reader = client(policy=CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT)

        contexts = [
            {},
            {"tenant": "acme"},
            # The client takes ASCII contexts only; these need JSON and XML escaping.
            {"path": "a b/c&d=e?f<g>", "quote\"back\\slash": "tab\tnew\nline", "{[json]}": "',:"},
        ]

        def raw(key):
            o = s3.get_object(Bucket="interop", Key=key)
            return o["Body"].read(), o.get("Metadata", {})

        def our_read(key, ctx, policy="forbid", mode="whole", instruction=None, keyring_key=key_id, **kw):
            body, meta = raw(key)
            req = {"op": "s3ec-decrypt", "keyring": {"kms": {"key_id": keyring_key, "context": ctx}},
                   "metadata": meta, "instruction": instruction, "policy": policy, "mode": mode,
                   "in": write("s3ec.body", body), "out": path("s3ec.out")}
            req.update(kw)
            return req

        # Theirs -> ours: put_object, V3 and V2, each context, a few sizes, both our read modes.
        for name, c in (("v3", v3), ("v2", v2)):
            for ctx in contexts:
                for size in (0, 1, 100_000):
                    pt = os.urandom(size)
                    key = f"theirs/{name}/{size}/{len(ctx)}"
                    c.put_object(Bucket="interop", Key=key, Body=pt, EncryptionContext=ctx or None)
                    for mode in ("whole", "stream"):
                        ours.ok(our_read(key, ctx, mode=mode))
                        check(read("s3ec.out") == pt, f"{key}: our {mode} read differs")
                        count(f"s3ec: {name} put_object written by the client, we read")
                    if name == "v3":
                        # Our default policy reads V3.
                        ours.ok(our_read(key, ctx, policy="require"))
                    else:
                        ours.refused(our_read(key, ctx, policy="require"), "V2 under RequireEncryptRequireDecrypt")
                        count("s3ec: refusals of client objects")
                    if size:
                        their_refusals(ours, s3, our_read, key, ctx, name)

        # Multipart: upload_fileobj (above the 8 MiB threshold) and the low-level calls.
        import io

        for name, c in (("v3", v3), ("v2", v2)):
            ctx = contexts[2]
            pt = os.urandom(12 * (1 << 20) + 5)
            key = f"theirs/{name}/fileobj"
            c.upload_fileobj(io.BytesIO(pt), "interop", key, EncryptionContext=ctx)
            ours.ok(our_read(key, ctx, mode="stream"))
            check(read("s3ec.out") == pt, f"{key}: our read differs")
            count(f"s3ec: multipart written by the client, we read")
            key = f"theirs/{name}/lowlevel"
            up = c.create_multipart_upload(Bucket="interop", Key=key, EncryptionContext=ctx)
            parts, at, n = [], 0, 1
            sizes = [5 * (1 << 20), 5 * (1 << 20) + 16, 1234]
            for i, sz in enumerate(sizes):
                r = c.upload_part(Bucket="interop", Key=key, UploadId=up["UploadId"], PartNumber=n,
                                  Body=pt[at : at + sz], IsLastPart=(i == len(sizes) - 1))
                parts.append({"PartNumber": n, "ETag": r["ETag"]})
                at += sz
                n += 1
            c.complete_multipart_upload(Bucket="interop", Key=key, UploadId=up["UploadId"],
                                        MultipartUpload={"Parts": parts})
            ours.ok(our_read(key, ctx))
            check(read("s3ec.out") == pt[:at], f"{key}: our read differs")
            count(f"s3ec: multipart written by the client, we read")

        # Ours -> theirs: V3 and V2, on the object and as instruction files, one call or streamed.
        for fmt in ("v3", "v2"):
            for layout in ("object", "instruction"):
                for ctx in contexts:
                    for size, parts in ((0, 0), (1, 0), (100_000, 0), (300_000, 65_536)):
                        pt = os.urandom(size)
                        key = f"ours/{fmt}/{layout}/{size}/{len(ctx)}"
                        r = ours.ok({"op": "s3ec-encrypt", "keyring": {"kms": {"key_id": key_id, "context": ctx}},
                                     "format": fmt, "layout": layout, "parts": parts,
                                     "in": write("s3ec.pt", pt), "out": path("s3ec.ours")})
                        s3.put_object(Bucket="interop", Key=key, Body=read("s3ec.ours"), Metadata=r["metadata"])
                        if r["instruction"] is not None:
                            s3.put_object(Bucket="interop", Key=key + ".instruction",
                                          Body=r["instruction"].encode(),
                                          Metadata={"x-amz-crypto-instr-file": ""})
                        reader = v3 if fmt == "v3" else v2_reader
                        got = reader.get_object(Bucket="interop", Key=key, EncryptionContext=ctx or None)
                        check(got["Body"].read() == pt, f"{key}: the client reads other bytes")
                        count(f"s3ec: we wrote {fmt} ({layout}), the client read")
                        if fmt == "v2":
                            try:
                                v3.get_object(Bucket="interop", Key=key, EncryptionContext=ctx or None)["Body"].read()
                                read_it = True
                            except Exception:
                                read_it = False
                            check(not read_it, f"{key}: the client's default policy read our V2")
                            count("s3ec: the client's default policy refuses our V2")
                        # And we read back what we wrote, with the instruction file.
                        instr = None
                        if r["instruction"] is not None:
                            instr = r["instruction"]
                        ours.ok(our_read(key, ctx, instruction=instr))
                        check(read("s3ec.out") == pt, f"{key}: our read of ours differs")
    finally:
        moto.terminate()
        moto.wait()


def rsa_suite(ours, s3, client_for_keyring, pipelines_ok=True):
    """RSA-OAEP-SHA1 keyrings (the Java client's RSA keyring; no client that writes it is
    reachable here): objects built from the format's rules with an independent implementation
    (Python `cryptography` for RSA-OAEP and AES-GCM, the S3EC Python client's own HKDF for V3)
    read by us; ours read by the S3EC Python client through an RSA keyring written from the
    same rules (the client's RSA-OAEP-SHA1 metadata and content paths are its own)."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from s3_encryption.key_derivation import derive_keys
    from s3_encryption.materials.keyring import S3Keyring
    from s3_encryption.materials.materials import AlgorithmSuite

    oaep = padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA1()), algorithm=hashes.SHA1(), label=None)
    priv = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pkcs8 = priv.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                               serialization.NoEncryption()).hex()
    spki = priv.public_key().public_bytes(serialization.Encoding.DER,
                                          serialization.PublicFormat.SubjectPublicKeyInfo).hex()
    other_pkcs8 = other.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()).hex()
    b64 = lambda b: base64.b64encode(b).decode()

    class RsaOaepSha1Keyring(S3Keyring):
        """Decrypt-only RSA-OAEP-SHA1 keyring, from the Java client's rules."""

        def on_encrypt(self, enc_materials):
            raise NotImplementedError

        def on_decrypt(self, dec_materials, encrypted_data_keys=None):
            dec_materials = super().on_decrypt(dec_materials, encrypted_data_keys)
            edk = (encrypted_data_keys or dec_materials.encrypted_data_keys)[0]
            check(edk.key_provider_info == "RSA-OAEP-SHA1", f"wrap {edk.key_provider_info}")
            pseudo = priv.decrypt(edk.encrypted_data_key, oaep)
            n = pseudo[0]
            dek, name = pseudo[1 : 1 + n], pseudo[1 + n :]
            # The client builds V2 materials with the content IV and V3 ones without.
            committing = dec_materials.iv is None
            want = {b"115", b"AES/GCM/NoPadding"} if committing else {b"AES/GCM/NoPadding"}
            if n != 32 or name not in want:
                raise ValueError(f"pseudo data key: length {n}, cipher name {name!r}")
            dec_materials.plaintext_data_key = dek
            return dec_materials

    def construct(fmt, pt, name=b"AES/GCM/NoPadding"):
        dek = os.urandom(32)
        wrapped = priv.public_key().encrypt(bytes([32]) + dek + name, oaep)
        if fmt == "v2":
            iv = os.urandom(12)
            body = AESGCM(dek).encrypt(iv, pt, None)
            meta = {"x-amz-key-v2": b64(wrapped), "x-amz-iv": b64(iv), "x-amz-wrap-alg": "RSA-OAEP-SHA1",
                    "x-amz-cek-alg": "AES/GCM/NoPadding", "x-amz-tag-len": "128", "x-amz-matdesc": "{}"}
        else:
            suite = AlgorithmSuite.ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY
            mid = os.urandom(28)
            key, commit = derive_keys(dek, mid, suite)
            body = AESGCM(key).encrypt(suite.kc_gcm_iv, pt, suite.suite_id_bytes)
            meta = {"x-amz-3": b64(wrapped), "x-amz-w": "22", "x-amz-c": "115", "x-amz-d": b64(commit),
                    "x-amz-i": b64(mid), "x-amz-m": '{"owner":"team-a"}'}
        return body, meta

    for fmt in ("v2", "v3"):
        for size in (0, 1, 70_000):
            pt = os.urandom(size)
            names = [b"AES/GCM/NoPadding"] + ([b"115"] if fmt == "v3" else [])
            for name in names:
                body, meta = construct(fmt, pt, name)
                req = {"op": "s3ec-decrypt", "keyring": {"rsa": pkcs8}, "metadata": meta, "instruction": None,
                       "policy": "forbid", "mode": "whole", "in": write("rsa.body", body), "out": path("rsa.out")}
                ours.ok(req)
                check(read("rsa.out") == pt, f"rsa {fmt} {size}: our read differs")
                count("s3ec rsa: built from the format's rules, we read")
                ours.refused(dict(req, keyring={"rsa": other_pkcs8}), f"rsa {fmt}: another private key")
                bad = dict(meta)
                k = "x-amz-key-v2" if fmt == "v2" else "x-amz-3"
                raw = bytearray(base64.b64decode(bad[k]))
                raw[len(raw) // 2] ^= 1
                bad[k] = b64(bytes(raw))
                ours.refused(dict(req, metadata=bad), f"rsa {fmt}: changed wrapped key")
                count("s3ec rsa: refusals", 2)
            # A wrap made for CBC, on a GCM object: the wrap's cipher name gives it away.
            body, meta = construct(fmt, pt, b"AES/CBC/PKCS5Padding")
            ours.refused({"op": "s3ec-decrypt", "keyring": {"rsa": pkcs8}, "metadata": meta, "instruction": None,
                          "policy": "forbid", "mode": "whole", "legacy_cbc": True,
                          "in": write("rsa.body", body), "out": path("rsa.out")}, f"rsa {fmt}: CBC cipher name")
            count("s3ec rsa: refusals")

    reader = client_for_keyring(RsaOaepSha1Keyring())
    for fmt in ("v3", "v2"):
        for layout in ("object", "instruction"):
            for kr in ({"rsa": pkcs8}, {"rsa_public": spki}):
                for size in (0, 1, 70_000):
                    pt = os.urandom(size)
                    key = f"ours/rsa/{fmt}/{layout}/{list(kr)[0]}/{size}"
                    r = ours.ok({"op": "s3ec-encrypt", "keyring": kr, "format": fmt, "layout": layout, "parts": 0,
                                 "in": write("rsa.pt", pt), "out": path("rsa.ours")})
                    check((r["metadata"].get("x-amz-wrap-alg") or r["metadata"].get("x-amz-w")
                           or json.loads(r["instruction"] or "{}").get("x-amz-wrap-alg")
                           or json.loads(r["instruction"] or "{}").get("x-amz-w")) in ("RSA-OAEP-SHA1", "22"),
                          f"{key}: not an RSA-OAEP-SHA1 wrap")
                    s3.put_object(Bucket="interop", Key=key, Body=read("rsa.ours"), Metadata=r["metadata"])
                    if r["instruction"] is not None:
                        s3.put_object(Bucket="interop", Key=key + ".instruction", Body=r["instruction"].encode(),
                                      Metadata={"x-amz-crypto-instr-file": ""})
                    got = reader.get_object(Bucket="interop", Key=key)["Body"].read()
                    check(got == pt, f"{key}: the client reads other bytes")
                    count("s3ec rsa: we wrote, the client read (RSA keyring from the format's rules)")


def their_refusals(ours, s3, our_read, key, ctx, name):
    """Our refusals on the client's object `key`: each mutation stored, then read by us."""
    body, meta = s3.get_object(Bucket="interop", Key=key)["Body"].read(), None
    meta = s3.head_object(Bucket="interop", Key=key)["Metadata"]

    def store(new_body, new_meta):
        s3.put_object(Bucket="interop", Key=key + ".bad", Body=new_body, Metadata=new_meta)

    def refuse(what, **kw):
        ours.refused(our_read(key + ".bad", ctx, **kw), f"{key}: {what}")
        count("s3ec: refusals of client objects")

    flipped = bytearray(body)
    flipped[RNG.randrange(len(flipped))] ^= 1
    store(bytes(flipped), meta)
    refuse("flipped body byte")
    store(body[:-1], meta)
    refuse("body cut by one byte")
    store(body, meta)
    ours.refused(our_read(key + ".bad", dict(ctx, extra="x")), f"{key}: added context entry")
    count("s3ec: refusals of client objects")
    if ctx:
        ours.refused(our_read(key + ".bad", {}), f"{key}: context left out")
        count("s3ec: refusals of client objects")
    if name == "v3":
        for field in ("x-amz-d", "x-amz-i"):
            m = dict(meta)
            raw = bytearray(base64.b64decode(m[field]))
            raw[0] ^= 1
            m[field] = base64.b64encode(bytes(raw)).decode()
            store(body, m)
            refuse(f"tampered {field}")
        m = dict(meta)
        m["x-amz-c"] = "112"  # ALG_AES_256_CBC_IV16_NO_KDF's id: CBC in place of the committing suite
        store(body, m)
        refuse("CBC substituted for the committing suite", legacy_cbc=True, legacy_wrapping=True)
    else:
        m = dict(meta)
        m["x-amz-cek-alg"] = "AES/CBC/PKCS5Padding"
        store(body, m)
        refuse("CBC substituted for GCM", legacy_cbc=True, legacy_wrapping=True)


def main():
    if len(sys.argv) != 2:
        fail("usage: interop.py PATH/TO/examples/interop")
    started = time.time()
    ours = Ours(sys.argv[1])
    streaming_aead.register()
    groups = {"templates": tink_templates, "keysets": tink_keysets,
              "encrypted-keysets": tink_encrypted_keysets, "s3ec": s3ec_suite}
    only = os.environ.get("INTEROP_ONLY")
    for name, run in groups.items():
        if not only or name in only.split(","):
            run(ours)
    ours.p.stdin.close()
    ours.p.wait()
    for group, n in COUNTS.items():
        print(f"{group}: {n} cases")
    from importlib.metadata import version

    libs = ", ".join(f"{n} {version(n)}" for n in ("tink", "amazon-s3-encryption-client-python", "moto", "boto3"))
    print(f"interop: all {sum(COUNTS.values())} cases passed in {time.time() - started:.0f} s ({libs})")


if __name__ == "__main__":
    main()
