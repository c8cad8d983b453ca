#!/usr/bin/env bash
# End-to-end: real S3 clients (aws cli v2, boto3, rclone) against the encrypting gateway.
#
#   bash examples/gateway/e2e/run.sh            # local store; needs aws, rclone, PYTHON with boto3
#   E2E_BACKEND=s3 RGW_ENDPOINT=http://127.0.0.1:18080 RGW_ACCESS_KEY=… RGW_SECRET_KEY=… \
#     bash examples/gateway/e2e/run.sh          # proxy mode in front of an S3 backend (Ceph RGW)
#
# Every download is compared byte for byte with its upload; the data directory (proxy: every
# object the backend holds, read straight from it) must hold no plaintext marker; the
# gateway's log (RUST_LOG=trace) must hold no key or backend credential; the gateway is
# killed in the middle of a PUT and of a multipart upload and restarted. Storage attacks are
# made on the stored objects directly (local: tamper.py; proxy: tamper_s3.py on the backend)
# and read back through the gateway. Proxy mode also runs two gateways on one backend.
# Proxy mode deletes every bucket the backend user owns first: give it a throwaway backend.
set -euo pipefail
cd "$(dirname "$0")/../../.."
ROOT=$(pwd)
PYTHON=${PYTHON:-python3}
WORK=$(mktemp -d /tmp/s3crypt-e2e.XXXXXX)
trap 'kill $(cat "$WORK/gw.pid" 2>/dev/null) 2>/dev/null || true; rm -rf "$WORK"' EXIT

PASS=0
ok() { PASS=$((PASS + 1)); echo "ok $PASS - $*"; }
fail() { echo "FAIL - $*"; echo "--- gateway log (tail)"; tail -n 30 "$WORK/gw.log" || true; exit 1; }

cargo build --release -q -p s3crypt-gateway
GW=$ROOT/target/release/s3crypt-gateway

export GATEWAY_ROOT=$WORK/data
export GATEWAY_ADDR=127.0.0.1:19443
export GATEWAY_HTTP_ADDR=127.0.0.1:19080
export GATEWAY_ACCESS_KEY=AKIAS3CRYPTE2E
export GATEWAY_SECRET_KEY=e2e-secret-key-for-the-gateway-0000
KMS_UUID=4f9d3c2a-0b7e-4e0c-9a61-2f6b8d1e5c70
KMS1=$(head -c 32 /dev/urandom | base64 -w0)
KMS2=$(head -c 32 /dev/urandom | base64 -w0)
export GATEWAY_KMS_KEYS="testkey-1:$KMS1,$KMS_UUID:$KMS2"
export RUST_LOG=trace
MODE=${E2E_BACKEND:-local}
if [ "$MODE" = s3 ]; then
  : "${RGW_ENDPOINT:?proxy mode needs RGW_ENDPOINT (see ceph-rgw-up.sh env)}"
  RGW_AK=${RGW_ACCESS_KEY:?proxy mode needs RGW_ACCESS_KEY} RGW_SK=${RGW_SECRET_KEY:?proxy mode needs RGW_SECRET_KEY}
  export GATEWAY_BACKEND=s3 GATEWAY_S3_ENDPOINT=$RGW_ENDPOINT GATEWAY_S3_ACCESS_KEY=$RGW_AK GATEWAY_S3_SECRET_KEY=$RGW_SK
  GATEWAY_STATE_KEY=$(head -c 32 /dev/urandom | base64 -w0)
  export GATEWAY_STATE_KEY
fi

start_gw() {
  "$GW" >>"$WORK/gw.log" 2>&1 &
  echo $! >"$WORK/gw.pid"
  for _ in $(seq 100); do
    [ -f "$GATEWAY_ROOT/tls/ca.pem" ] && (exec 3<>/dev/tcp/127.0.0.1/19443) 2>/dev/null && return 0
    sleep 0.1
  done
  fail "gateway did not start"
}
kill_gw() { kill -9 "$(cat "$WORK/gw.pid")"; wait "$(cat "$WORK/gw.pid")" 2>/dev/null || true; }
start_gw

export AWS_ACCESS_KEY_ID=$GATEWAY_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$GATEWAY_SECRET_KEY
export AWS_DEFAULT_REGION=us-east-1 AWS_CA_BUNDLE=$GATEWAY_ROOT/tls/ca.pem
export AWS_CONFIG_FILE=$WORK/aws-config AWS_SHARED_CREDENTIALS_FILE=$WORK/aws-creds
: >"$AWS_CONFIG_FILE"
# The aws cli v2 (Debian's package), not a pip-installed v1 that may come first on PATH.
AWS_BIN=$(command -v aws || echo /usr/bin/aws)
"$AWS_BIN" --version 2>&1 | grep -q '^aws-cli/2' || AWS_BIN=/usr/bin/aws
"$AWS_BIN" --version 2>&1 | grep -q '^aws-cli/2' || fail "the aws cli v2 is required"
echo "clients: $("$AWS_BIN" --version 2>&1 | cut -d' ' -f1), $(rclone version | head -1), boto3 $("$PYTHON" -c 'import boto3; print(boto3.__version__)')"
aws() { "$AWS_BIN" --endpoint-url "https://127.0.0.1:19443" "$@"; }
awsq() { aws "$@" >/dev/null; }
# The backend itself, with its own credentials (proxy mode).
rgw() { env -u AWS_CA_BUNDLE AWS_ACCESS_KEY_ID="$RGW_AK" AWS_SECRET_ACCESS_KEY="$RGW_SK" "$AWS_BIN" --endpoint-url "$RGW_ENDPOINT" "$@"; }
if [ "$MODE" = s3 ]; then
  echo "proxy mode: backend $RGW_ENDPOINT"
  for b in $(rgw s3api list-buckets --query 'Buckets[].Name' --output text); do
    rgw s3 rb --force "s3://$b" >/dev/null
  done
fi

# Test data: random bytes with a plaintext marker the data directory must never show.
MARKER="S3CRYPT-PLAINTEXT-MARKER-7f3a9c"
mkfile() { head -c "$2" /dev/urandom >"$1"; printf '%s' "$MARKER" >>"$1"; }
cd "$WORK"
mkfile small.bin 100000
mkfile big.bin 20000000          # > 8 MiB: the aws cli goes multipart (3 parts)
head -c 32 /dev/urandom >key1.bin
head -c 32 /dev/urandom >key2.bin
SSEC1=(--sse-customer-algorithm AES256 --sse-customer-key fileb://key1.bin)
SSEC2=(--sse-customer-algorithm AES256 --sse-customer-key fileb://key2.bin)

# ----- aws cli ---------------------------------------------------------------------------
awsq s3 mb s3://e2e
aws s3 cp big.bin s3://e2e/big.bin --sse-c AES256 --sse-c-key fileb://key1.bin >/dev/null
aws s3 cp s3://e2e/big.bin big.out --sse-c AES256 --sse-c-key fileb://key1.bin >/dev/null
cmp big.bin big.out || fail "aws s3 cp --sse-c multipart round trip"
ok "aws s3 cp --sse-c up and down (20 MB, multipart)"

awsq s3api get-object --bucket e2e --key big.bin --range bytes=8388000-8389999 "${SSEC1[@]}" range.out
cmp range.out <(tail -c +8388001 big.bin | head -c 2000) || fail "ranged GET across a part boundary"
ok "aws s3api get-object --range across a part boundary"

aws s3api get-object --bucket e2e --key big.bin --part-number 2 "${SSEC1[@]}" part.out >part.json
cmp part.out <(tail -c +8388609 big.bin | head -c 8388608) || fail "GET --part-number 2"
grep -q '"PartsCount": 3' part.json || fail "PartsCount"
ok "aws s3api get-object --part-number 2 (PartsCount 3)"

if aws s3api get-object --bucket e2e --key big.bin nokey.out 2>err.txt; then fail "GET without key succeeded"; fi
grep -q "InvalidRequest" err.txt || fail "GET without key: $(cat err.txt)"
if aws s3api get-object --bucket e2e --key big.bin "${SSEC2[@]}" wrong.out 2>err.txt; then fail "GET with wrong key succeeded"; fi
grep -q -E "403|Forbidden|AccessDenied" err.txt || fail "GET with wrong key: $(cat err.txt)"
ok "aws cli: no key -> InvalidRequest, wrong key -> 403"

awsq s3api copy-object --bucket e2e --key big.bin --copy-source e2e/big.bin \
  --copy-source-sse-customer-algorithm AES256 --copy-source-sse-customer-key fileb://key1.bin "${SSEC2[@]}"
awsq s3api get-object --bucket e2e --key big.bin "${SSEC2[@]}" rotated.out
cmp big.bin rotated.out || fail "GET after key change"
if aws s3api get-object --bucket e2e --key big.bin "${SSEC1[@]}" old.out 2>/dev/null; then fail "old key still works"; fi
ok "aws s3api copy-object changing the SSE-C key in place (old key refused)"

awsq s3api copy-object --bucket e2e --key copy.bin --copy-source e2e/big.bin \
  --copy-source-sse-customer-algorithm AES256 --copy-source-sse-customer-key fileb://key2.bin \
  --server-side-encryption aws:kms --ssekms-key-id "$KMS_UUID"
awsq s3api get-object --bucket e2e --key copy.bin copy.out
cmp big.bin copy.out || fail "SSE-C -> SSE-KMS copy"
ok "aws s3api copy-object SSE-C -> SSE-KMS to another key"

aws s3 cp small.bin s3://e2e/kms.bin --sse aws:kms --sse-kms-key-id "$KMS_UUID" >/dev/null
aws s3api head-object --bucket e2e --key kms.bin >head.json
grep -q "$KMS_UUID" head.json || fail "head-object does not show the KMS key id"
aws s3 cp s3://e2e/kms.bin kms.out >/dev/null && cmp small.bin kms.out || fail "SSE-KMS round trip"
ok "aws s3 cp --sse aws:kms --sse-kms-key-id <uuid> (head shows the key id)"

aws s3 cp big.bin s3://e2e/s3.bin --sse AES256 >/dev/null
aws s3 cp s3://e2e/s3.bin s3.out >/dev/null && cmp big.bin s3.out || fail "SSE-S3 round trip"
aws s3api head-object --bucket e2e --key s3.bin | grep -q '"ServerSideEncryption": "AES256"' || fail "SSE-S3 header"
ok "aws s3 cp --sse AES256 (multipart)"

awsq s3 mb s3://e2e-default
aws s3api put-bucket-encryption --bucket e2e-default --server-side-encryption-configuration \
  '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms","KMSMasterKeyID":"testkey-1"}}]}'
aws s3api get-bucket-encryption --bucket e2e-default | grep -q testkey-1 || fail "get-bucket-encryption"
aws s3 cp small.bin s3://e2e-default/d.bin >/dev/null
aws s3api head-object --bucket e2e-default --key d.bin | grep -q testkey-1 || fail "bucket default not applied"
aws s3 cp s3://e2e-default/d.bin d.out >/dev/null && cmp small.bin d.out || fail "bucket default round trip"
aws s3 cp small.bin s3://e2e-default/c.bin --sse-c AES256 --sse-c-key fileb://key1.bin >/dev/null
aws s3api head-object --bucket e2e-default --key c.bin "${SSEC1[@]}" | grep -q SSECustomerKeyMD5 || fail "explicit SSE-C over a default"
awsq s3api delete-bucket-encryption --bucket e2e-default
if aws s3api get-bucket-encryption --bucket e2e-default 2>err.txt; then fail "encryption not deleted"; fi
grep -q ServerSideEncryptionConfigurationNotFoundError err.txt || fail "delete-bucket-encryption: $(cat err.txt)"
ok "aws s3api put/get/delete-bucket-encryption; default applied, explicit SSE-C wins"

aws s3 ls s3://e2e/ >ls.txt && grep -q big.bin ls.txt || fail "ls"
awsq s3api list-objects --bucket e2e
awsq s3api list-object-versions --bucket e2e
ok "aws s3 ls, list-objects v1, list-object-versions"

# ----- boto3 -----------------------------------------------------------------------------
E2E_BACKEND=$MODE ENDPOINT=https://127.0.0.1:19443 HTTP_ENDPOINT=http://127.0.0.1:19080 MARKER=$MARKER KEYS_OUT=$WORK/boto3-keys \
  "$PYTHON" "$ROOT/examples/gateway/e2e/boto3_e2e.py" || fail "boto3"
ok "boto3: client API, transfer manager, failure cases, PostObject, 8 concurrent clients x 32 MiB"

# ----- rclone ----------------------------------------------------------------------------
export RCLONE_CONFIG=$WORK/rclone.conf
RCLONE_KEY=$(head -c 32 /dev/urandom | base64 -w0 | head -c 32)
cat >"$RCLONE_CONFIG" <<EOF
[gw]
type = s3
provider = Other
access_key_id = $GATEWAY_ACCESS_KEY
secret_access_key = $GATEWAY_SECRET_KEY
endpoint = https://127.0.0.1:19443
region = us-east-1
sse_customer_algorithm = AES256
sse_customer_key = $RCLONE_KEY
EOF
# rclone's own S3 SDK would try AWS_CA_BUNDLE and fail; it gets the CA from --ca-cert.
rcl() { env -u AWS_CA_BUNDLE rclone --ca-cert "$GATEWAY_ROOT/tls/ca.pem" "$@"; }
mkdir -p tree/sub && cp small.bin tree/a.bin && cp big.bin tree/sub/b.bin && mkfile tree/c.bin 5
rcl mkdir gw:e2e-rclone
rcl copy tree gw:e2e-rclone/tree
rcl copy gw:e2e-rclone/tree tree.out
diff -r tree tree.out || fail "rclone copy round trip"
mkfile tree/d.bin 70000 && rm tree/a.bin
rcl sync tree gw:e2e-rclone/tree
rm -rf tree.out && rcl copy gw:e2e-rclone/tree tree.out
diff -r tree tree.out || fail "rclone sync round trip"
rcl cat gw:e2e-rclone/tree/sub/b.bin | cmp - big.bin || fail "rclone cat"
ok "rclone copy/sync/cat with --s3-sse-customer-key"

# ----- crash safety ----------------------------------------------------------------------
mkfile huge.bin 300000000
(aws s3api put-object --bucket e2e --key crash.bin --body huge.bin >/dev/null 2>&1 || true) &
for _ in $(seq 200); do [ -n "$(find "$GATEWAY_ROOT/tmp" -type f)" ] && break; sleep 0.05; done
sleep 0.3
kill_gw; wait || true
start_gw
if aws s3api head-object --bucket e2e --key crash.bin >/dev/null 2>&1; then fail "half-written PUT visible"; fi
[ -z "$(find "$GATEWAY_ROOT/tmp" -type f)" ] || fail "temp files left after restart"
aws s3 cp s3://e2e/kms.bin kms2.out >/dev/null && cmp small.bin kms2.out || fail "finished object lost on restart"
ok "gateway killed mid-PUT: nothing visible after restart; earlier objects intact"

# The aws cli v2 takes fileb:// keys for some s3api operations only (not
# create-multipart-upload): this section uses a 32-character text key, which it encodes.
KEY3=$(head -c 24 /dev/urandom | base64 -w0)
SSEC3=(--sse-customer-algorithm AES256 --sse-customer-key "$KEY3")
UPLOAD=$(aws s3api create-multipart-upload --bucket e2e --key mp.bin "${SSEC3[@]}" --query UploadId --output text)
dd if=huge.bin of=p1.bin bs=1M count=6 status=none
dd if=huge.bin of=p2.bin bs=1M skip=6 count=100 status=none
E1=$(aws s3api upload-part --bucket e2e --key mp.bin --upload-id "$UPLOAD" --part-number 1 --body p1.bin "${SSEC3[@]}" --query ETag --output text)
(aws s3api upload-part --bucket e2e --key mp.bin --upload-id "$UPLOAD" --part-number 2 --body p2.bin "${SSEC3[@]}" >/dev/null 2>&1 || true) &
for _ in $(seq 200); do [ -n "$(find "$GATEWAY_ROOT/tmp" -type f)" ] && break; sleep 0.05; done
sleep 0.3
kill_gw; wait || true
start_gw
aws s3api list-parts --bucket e2e --key mp.bin --upload-id "$UPLOAD" >parts.json
grep -q '"PartNumber": 1' parts.json && ! grep -q '"PartNumber": 2' parts.json || fail "parts after crash: $(cat parts.json)"
E2=$(aws s3api upload-part --bucket e2e --key mp.bin --upload-id "$UPLOAD" --part-number 2 --body p2.bin "${SSEC3[@]}" --query ETag --output text)
awsq s3api complete-multipart-upload --bucket e2e --key mp.bin --upload-id "$UPLOAD" "${SSEC3[@]}" \
  --multipart-upload "{\"Parts\":[{\"PartNumber\":1,\"ETag\":$E1},{\"PartNumber\":2,\"ETag\":$E2}]}"
awsq s3api get-object --bucket e2e --key mp.bin "${SSEC3[@]}" mp.out
cmp mp.out <(cat p1.bin p2.bin) || fail "multipart completed after crash"
ok "gateway killed mid-UploadPart: upload survives restart, part re-sent, completed, read back"

# (For get-object-attributes the aws cli 2.9 neither encodes the key nor sends its MD5: both given.)
KEY3_B64=$(printf '%s' "$KEY3" | base64 -w0)
KEY3_MD5=$(printf '%s' "$KEY3" | openssl md5 -binary | base64 -w0)
aws s3api get-object-attributes --bucket e2e --key mp.bin --object-attributes ETag ObjectSize ObjectParts StorageClass \
  --sse-customer-algorithm AES256 --sse-customer-key "$KEY3_B64" --sse-customer-key-md5 "$KEY3_MD5" >attrs.json \
  || fail "get-object-attributes"
grep -q "\"ObjectSize\": $(cat p1.bin p2.bin | wc -c)" attrs.json && grep -q '"TotalPartsCount": 2' attrs.json \
  || fail "get-object-attributes: $(cat attrs.json)"
grep -q "$(aws s3api head-object --bucket e2e --key mp.bin "${SSEC3[@]}" --query ETag --output text | tr -d '"')" attrs.json \
  || fail "get-object-attributes ETag differs from HEAD's"
if aws s3api get-object-attributes --bucket e2e --key mp.bin --object-attributes ETag >/dev/null 2>&1; then
  fail "get-object-attributes of an SSE-C object without its key"
fi
ok "aws s3api get-object-attributes (plaintext size, 2 parts, HEAD's ETag; refused without the SSE-C key)"

if [ "$MODE" = local ]; then
# ----- storage as the adversary: edited records and data are refused, never served ------
# Each attack edits an object's record and data directly in the data directory (no key), as
# a disk or backend could, then reads the object back through the gateway: the read must
# fail, never answer other bytes.
TAMPER=("$PYTHON" "$ROOT/examples/gateway/e2e/tamper.py" "$GATEWAY_ROOT/buckets/e2e/objects")
KEYA=(--sse-customer-algorithm AES256 --sse-customer-key "$KEY3")
refused_read() { # refused_read <key> <what> [sse args...]
  local k=$1 what=$2; shift 2
  # Refused before the body (500, 403) or cut with an error after the headers: either way
  # the client gets an error, not the object.
  if aws s3api get-object --bucket e2e --key "$k" "$@" out.bin >/dev/null 2>err.txt; then
    fail "$what: the read succeeded"
  fi
}
# What MinIO's layout (the gateway's) can detect; docs/gateway.md lists what it cannot
# (parts dropped or reordered, an emptied SSE-C/SSE-KMS object).
for op in empty truncate; do
  aws s3 cp small.bin "s3://e2e/atk-s3-$op" --sse AES256 >/dev/null # single part, 2 packages
  "${TAMPER[@]}" "atk-s3-$op" "$op" || fail "tamper $op"
  refused_read "atk-s3-$op" "SSE-S3 object, $op"
done
aws s3 cp small.bin s3://e2e/atk-c-truncate --sse-c AES256 --sse-c-key "$KEY3" >/dev/null
"${TAMPER[@]}" atk-c-truncate truncate || fail "tamper truncate"
refused_read atk-c-truncate "SSE-C object, truncate" "${KEYA[@]}"
aws s3 cp small.bin s3://e2e/atk-name --sse-c AES256 --sse-c-key "$KEY3" >/dev/null
"${TAMPER[@]}" atk-name rename atk-moved || fail "tamper rename"
refused_read atk-moved "object moved to another name" "${KEYA[@]}"
ok "storage attacks MinIO's layout can see (SSE-S3 emptied, objects truncated, moved to another name): every read refused"
else
# ----- storage as the adversary (proxy mode: the crate's bound layout on the backend) ----
# Each attack rewrites an object straight on the backend (its credentials, no key), keeping
# or adjusting the gateway's and the kit's metadata as an attacker would, then reads it back
# through the gateway: every read must fail, never answer other bytes.
TAMPER=(env AWS_ACCESS_KEY_ID="$RGW_AK" AWS_SECRET_ACCESS_KEY="$RGW_SK" "$PYTHON" "$ROOT/examples/gateway/e2e/tamper_s3.py" "$RGW_ENDPOINT" e2e)
KEYA=(--sse-customer-algorithm AES256 --sse-customer-key "$KEY3")
refused_read() { # refused_read <key> <what> [sse args...]
  local k=$1 what=$2; shift 2
  if aws s3api get-object --bucket e2e --key "$k" "$@" out.bin >/dev/null 2>err.txt; then
    fail "$what: the read succeeded"
  fi
}
for enc in s3 c; do
  if [ $enc = s3 ]; then ARGS=(); PUTARGS=(--sse AES256); else ARGS=("${KEYA[@]}"); PUTARGS=(--sse-c AES256 --sse-c-key "$KEY3"); fi
  for op in empty truncate extend size; do
    aws s3 cp small.bin "s3://e2e/atk-$enc-$op" "${PUTARGS[@]}" >/dev/null
    "${TAMPER[@]}" "atk-$enc-$op" "$op" || fail "tamper $op"
    refused_read "atk-$enc-$op" "SSE-$enc object, $op" "${ARGS[@]}"
  done
  for op in swap-parts drop-part dup-part renumber; do
    aws s3 cp big.bin "s3://e2e/atk-$enc-$op" "${PUTARGS[@]}" >/dev/null # 3 parts
    "${TAMPER[@]}" "atk-$enc-$op" "$op" || fail "tamper $op"
    refused_read "atk-$enc-$op" "SSE-$enc multipart object, $op" "${ARGS[@]}"
  done
  aws s3 cp small.bin "s3://e2e/atk-$enc-name" "${PUTARGS[@]}" >/dev/null
  "${TAMPER[@]}" "atk-$enc-name" rename "atk-$enc-moved" || fail "tamper rename"
  refused_read "atk-$enc-moved" "SSE-$enc object moved to another name" "${ARGS[@]}"
done
ok "storage attacks on the backend's objects (emptied, truncated, extended, size claimed, parts swapped/dropped/duplicated/renumbered, moved): every read refused"

# ----- two gateways on one backend ------------------------------------------------------
B_ROOT=$WORK/data-b
env -u GATEWAY_HTTP_ADDR GATEWAY_ROOT="$B_ROOT" GATEWAY_ADDR=127.0.0.1:19445 "$GW" >>"$WORK/gw-b.log" 2>&1 &
B_PID=$!
for _ in $(seq 100); do
  [ -f "$B_ROOT/tls/ca.pem" ] && (exec 3<>/dev/tcp/127.0.0.1/19445) 2>/dev/null && break
  sleep 0.1
done
awsb() { AWS_CA_BUNDLE=$B_ROOT/tls/ca.pem "$AWS_BIN" --endpoint-url "https://127.0.0.1:19445" "$@"; }
awsb s3 cp s3://e2e/kms.bin kms-b.out >/dev/null && cmp small.bin kms-b.out || fail "gateway B reads A's object"
awsb s3api copy-object --bucket e2e --key copied-by-b --copy-source e2e/s3.bin --server-side-encryption AES256 >/dev/null \
  || fail "gateway B copies A's object"
aws s3 cp s3://e2e/copied-by-b cb.out >/dev/null && cmp big.bin cb.out || fail "A reads B's copy"
UP2=$(aws s3api create-multipart-upload --bucket e2e --key two-gw.bin "${SSEC3[@]}" --query UploadId --output text)
F1=$(aws s3api upload-part --bucket e2e --key two-gw.bin --upload-id "$UP2" --part-number 1 --body p1.bin "${SSEC3[@]}" --query ETag --output text)
F2=$(awsb s3api upload-part --bucket e2e --key two-gw.bin --upload-id "$UP2" --part-number 2 --body small.bin "${SSEC3[@]}" --query ETag --output text)
# Completed through B without the key headers (the aws cli sends none on `s3 cp`): B opens
# the binding key A sealed under the shared GATEWAY_STATE_KEY.
awsb s3api complete-multipart-upload --bucket e2e --key two-gw.bin --upload-id "$UP2" \
  --multipart-upload "{\"Parts\":[{\"PartNumber\":1,\"ETag\":$F1},{\"PartNumber\":2,\"ETag\":$F2}]}" >/dev/null \
  || fail "gateway B completes A's upload"
aws s3api get-object --bucket e2e --key two-gw.bin "${SSEC3[@]}" two.out >/dev/null
cmp two.out <(cat p1.bin small.bin) || fail "the upload completed through B reads back through A"
kill "$B_PID"; wait "$B_PID" 2>/dev/null || true
ok "two gateways on one backend: B reads and copies A's objects, completes A's upload (no key on completion)"

# ----- the backend goes away ------------------------------------------------------------
# radosgw killed (the cluster keeps the data): requests answer 503 (clients retry), nothing
# half-written becomes visible, and an upload begun before finishes once RGW is back.
: "${CEPH_RGW_DIR:?proxy mode needs CEPH_RGW_DIR (ceph-rgw-up.sh env) to restart radosgw}"
rgw_pid() { awk '$1 == "rgw.a" {p = $2} END {print p}' "$CEPH_RGW_DIR/pids"; }
kill_rgw() { local p; p=$(rgw_pid); kill -9 "$p"; while [ -d "/proc/$p" ]; do sleep 0.1; done; }
start_rgw() {
  setsid radosgw -c "$CEPH_CONF" -n client.rgw.a -f >>"$CEPH_RGW_DIR/log/rgw.a.out" 2>&1 </dev/null &
  echo "rgw.a $!" >>"$CEPH_RGW_DIR/pids"
  for _ in $(seq 120); do curl -fsS -o /dev/null "$RGW_ENDPOINT/" 2>/dev/null && return 0; sleep 1; done
  fail "radosgw did not come back"
}
UP3=$(aws s3api create-multipart-upload --bucket e2e --key after-rgw.bin "${SSEC3[@]}" --query UploadId --output text)
G1=$(aws s3api upload-part --bucket e2e --key after-rgw.bin --upload-id "$UP3" --part-number 1 --body p1.bin "${SSEC3[@]}" --query ETag --output text)
# A PUT in flight when radosgw dies: it either completed whole or left nothing.
(aws s3api put-object --bucket e2e --key inflight.bin --body huge.bin --server-side-encryption AES256 >/dev/null 2>&1 \
  && touch inflight.ok || true) &
INFLIGHT=$!
sleep 2
kill_rgw
for what in put upload-part complete; do
  case $what in
    put) cmd=(s3api put-object --bucket e2e --key down.bin --body small.bin --server-side-encryption AES256) ;;
    upload-part) cmd=(s3api upload-part --bucket e2e --key after-rgw.bin --upload-id "$UP3" --part-number 2 --body small.bin "${SSEC3[@]}") ;;
    complete) cmd=(s3api complete-multipart-upload --bucket e2e --key after-rgw.bin --upload-id "$UP3" --multipart-upload "{\"Parts\":[{\"PartNumber\":1,\"ETag\":$G1}]}") ;;
  esac
  if AWS_MAX_ATTEMPTS=1 aws "${cmd[@]}" >/dev/null 2>err.txt; then fail "$what succeeded with radosgw down"; fi
  grep -q -E 'ServiceUnavailable|503' err.txt || fail "$what with radosgw down: $(cat err.txt)"
done
wait "$INFLIGHT" || true
start_rgw
if aws s3api head-object --bucket e2e --key down.bin >/dev/null 2>&1; then fail "a PUT refused with RGW down is visible"; fi
if [ -f inflight.ok ]; then
  aws s3api get-object --bucket e2e --key inflight.bin inflight.out >/dev/null && cmp huge.bin inflight.out || fail "in-flight PUT"
elif aws s3api head-object --bucket e2e --key inflight.bin >/dev/null 2>&1; then
  fail "a PUT that failed with RGW down left an object"
fi
G2=$(aws s3api upload-part --bucket e2e --key after-rgw.bin --upload-id "$UP3" --part-number 2 --body small.bin "${SSEC3[@]}" --query ETag --output text)
awsq s3api complete-multipart-upload --bucket e2e --key after-rgw.bin --upload-id "$UP3" \
  --multipart-upload "{\"Parts\":[{\"PartNumber\":1,\"ETag\":$G1},{\"PartNumber\":2,\"ETag\":$G2}]}"
awsq s3api get-object --bucket e2e --key after-rgw.bin "${SSEC3[@]}" after.out
cmp after.out <(cat p1.bin small.bin) || fail "upload finished after radosgw came back"
ok "radosgw killed: PUT, UploadPart, Complete answer 503; nothing half-written visible (in-flight PUT: $([ -f inflight.ok ] && echo completed whole || echo left nothing)); the upload finishes after it returns"
fi

# ----- nothing in plaintext, no key in the logs -------------------------------------------
if grep -r -l -F "$MARKER" "$GATEWAY_ROOT"; then fail "plaintext marker found in the data directory"; fi
if [ "$MODE" = s3 ]; then
  # Every object the backend holds, read straight from it (hidden records and parts included).
  mkdir -p raw
  for b in $(rgw s3api list-buckets --query 'Buckets[].Name' --output text); do
    rgw s3 cp --recursive --only-show-errors "s3://$b" "raw/$b"
  done
  [ -n "$(find raw -type f)" ] || fail "nothing read from the backend"
  if grep -r -l -F "$MARKER" raw; then fail "plaintext marker found in an object the backend holds"; fi
  ok "no object the backend holds contains the plaintext marker ($(find raw -type f | wc -l) objects read straight from it)"
fi
ok "no stored file contains the plaintext marker"
[ "$(wc -l <"$WORK/gw.log")" -gt 3 ] || fail "the gateway logged nothing"
for k in key1.bin key2.bin; do
  b64=$(base64 -w0 "$k")
  if grep -F -q "$b64" "$WORK/gw.log"; then fail "an SSE-C key appears in the log"; fi
done
RCLONE_B64=$(printf '%s' "$RCLONE_KEY" | base64 -w0)
while read -r s; do
  if [ -n "$s" ] && grep -F -q "$s" "$WORK/gw.log"; then fail "a key appears in the log"; fi
done < <(printf '%s\n' "$KMS1" "$KMS2" "$RCLONE_KEY" "$RCLONE_B64" "$KEY3" "$(printf '%s' "$KEY3" | base64 -w0)" \
  "${GATEWAY_S3_SECRET_KEY:-}" "${GATEWAY_S3_ACCESS_KEY:-}" "${GATEWAY_STATE_KEY:-}"; cat "$WORK/boto3-keys")
ok "no key in the gateway's log at RUST_LOG=trace ($(wc -l <"$WORK/gw.log") lines)"

if [ "$MODE" = local ]; then
# ----- GATEWAY_PLAINTEXT=1 refuses every write that would encrypt --------------------------
PT_ROOT=$WORK/plain
env -u GATEWAY_HTTP_ADDR GATEWAY_ROOT="$PT_ROOT" GATEWAY_ADDR=127.0.0.1:19444 GATEWAY_PLAINTEXT=1 \
  "$GW" >>"$WORK/gw-plain.log" 2>&1 &
PT_PID=$!
for _ in $(seq 100); do
  [ -f "$PT_ROOT/tls/ca.pem" ] && (exec 3<>/dev/tcp/127.0.0.1/19444) 2>/dev/null && break
  sleep 0.1
done
awsp() { AWS_CA_BUNDLE=$PT_ROOT/tls/ca.pem "$AWS_BIN" --endpoint-url "https://127.0.0.1:19444" "$@"; }
awsp s3 mb s3://plain >/dev/null
awsp s3 cp small.bin s3://plain/small.bin >/dev/null || fail "plaintext gateway: plain PUT"
refused() { if "$@" >/dev/null 2>err.txt; then kill "$PT_PID"; fail "plaintext gateway accepted: $*"; fi
  grep -q NotImplemented err.txt || { kill "$PT_PID"; fail "plaintext gateway: $* answered $(cat err.txt)"; }; }
refused awsp s3api put-object --bucket plain --key s3.bin --body small.bin --server-side-encryption AES256
refused awsp s3api copy-object --bucket plain --key c.bin --copy-source plain/small.bin --server-side-encryption AES256
refused awsp s3api create-multipart-upload --bucket plain --key mp.bin --server-side-encryption AES256
refused awsp s3api put-bucket-encryption --bucket plain --server-side-encryption-configuration \
  '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256"}}]}'
kill "$PT_PID"; wait "$PT_PID" 2>/dev/null || true
ok "GATEWAY_PLAINTEXT=1: SSE on PUT, copy and multipart and a bucket default are refused (501)"
fi

echo "e2e ($MODE): $PASS checks passed"
