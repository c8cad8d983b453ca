"""Storage as the adversary: edits an object's record and data directly in the gateway's data
directory (no key needed), as a disk or backend could. Used by run.sh.

    tamper.py OBJECTS_DIR KEY OP [NEW_KEY]

OP: empty (no bytes, size 0), truncate (cut to one package), swap-parts, drop-part,
dup-part (part 1 stored twice), rename (record moved to NEW_KEY)."""

import hashlib
import json
import os
import sys

objects, key, op = sys.argv[1], sys.argv[2], sys.argv[3]
rec_path = os.path.join(objects, hashlib.sha256(key.encode()).hexdigest() + ".json")
with open(rec_path) as f:
    rec = json.load(f)
data_path = os.path.join(objects, rec["data"])
with open(data_path, "rb") as f:
    data = f.read()
parts = rec["parts"]

# The stored bytes of each part, in record order.
segments, at = [], 0
for p in parts:
    segments.append(data[at : at + p["stored_size"]])
    at += p["stored_size"]

PACKAGE = 65536 + 32
if op == "empty":
    segments, parts = [b""], [dict(parts[0], stored_size=0, size=0)]
elif op == "truncate":
    assert len(parts) == 1 and len(data) > PACKAGE, "truncate needs a single-part object of 2+ packages"
    segments, parts = [data[:PACKAGE]], [dict(parts[0], stored_size=PACKAGE, size=PACKAGE - 32)]
elif op == "swap-parts":
    segments[0], segments[1] = segments[1], segments[0]
    parts[0], parts[1] = parts[1], parts[0]
elif op == "drop-part":
    del segments[1], parts[1]
elif op == "dup-part":
    segments.insert(1, segments[0])
    parts.insert(1, dict(parts[0]))
elif op == "rename":
    new = sys.argv[4]
    rec["key"] = new
    os.rename(rec_path, os.path.join(objects, hashlib.sha256(new.encode()).hexdigest() + ".json"))
    rec_path = os.path.join(objects, hashlib.sha256(new.encode()).hexdigest() + ".json")
else:
    sys.exit(f"unknown op {op}")

if op != "rename":
    rec["parts"] = parts
    rec["size"] = sum(p["size"] for p in parts)
    with open(data_path, "wb") as f:
        f.write(b"".join(segments))
with open(rec_path, "w") as f:
    json.dump(rec, f)
