"""Storage as the adversary, proxy mode: rewrites an object straight on the S3 backend (its
own credentials from the environment, no key), as the backend's operators, disks or bugs
could, adjusting the gateway's part list (`s3gw-parts`) to match so only the object binding
can tell. Used by run.sh.

    tamper_s3.py ENDPOINT BUCKET KEY OP [NEW_KEY]

OP: empty (no bytes), truncate (cut to one package), extend (100 bytes appended), size (the
part list claims one package), swap-parts (parts 1 and 2 in the other order), drop-part
(part 2 gone), dup-part (part 1 stored twice), renumber (the last part renamed 7), rename
(the object, metadata and all, moved to NEW_KEY)."""

import sys

import boto3
import botocore.config

endpoint, bucket, key, op = sys.argv[1:5]
s3 = boto3.client(
    "s3",
    endpoint_url=endpoint,
    config=botocore.config.Config(s3={"addressing_style": "path"}),
)

if op == "rename":
    new = sys.argv[5]
    s3.copy_object(Bucket=bucket, Key=new, CopySource={"Bucket": bucket, "Key": key}, MetadataDirective="COPY")
    s3.delete_object(Bucket=bucket, Key=key)
    sys.exit(0)

obj = s3.get_object(Bucket=bucket, Key=key)
data = obj["Body"].read()
meta = obj["Metadata"]
ctype = obj.get("ContentType", "application/octet-stream")


def parse(v):
    out = []
    for run in v.split(","):
        nums, size = run.split(":")
        a, _, b = nums.partition("-")
        out += [[n, int(size)] for n in range(int(a), int(b or a) + 1)]
    return out


parts = parse(meta["s3gw-parts"]) if "s3gw-parts" in meta else [[1, len(data)]]
segments, at = [], 0
for _, size in parts:
    segments.append(data[at : at + size])
    at += size

PACKAGE = 65536 + 32
if op == "empty":
    segments, parts = [b""], [[1, 0]]
elif op == "truncate":
    assert len(parts) == 1 and len(data) > PACKAGE, "truncate needs a single-part object of 2+ packages"
    segments, parts = [data[:PACKAGE]], [[1, PACKAGE]]
elif op == "extend":
    segments[-1] += b"\0" * 100
    parts[-1][1] += 100
elif op == "size":
    parts = [[1, PACKAGE]]
elif op == "swap-parts":
    segments[0], segments[1] = segments[1], segments[0]
    parts[0], parts[1] = parts[1], parts[0]
elif op == "drop-part":
    del segments[1], parts[1]
elif op == "dup-part":
    segments.insert(1, segments[0])
    parts.insert(1, list(parts[0]))
elif op == "renumber":
    parts[-1][0] = 7
else:
    sys.exit(f"unknown op {op}")

meta["s3gw-parts"] = ",".join(f"{n}:{size}" for n, size in parts)
s3.put_object(Bucket=bucket, Key=key, Body=b"".join(segments), Metadata=meta, ContentType=ctype)
