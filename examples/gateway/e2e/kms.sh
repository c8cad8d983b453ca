#!/usr/bin/env bash
# The gateway's SSE-KMS and SSE-S3 with a real key manager, driven by the aws cli v2:
# E2E_KMS=aws (moto's server, speaking the AWS KMS API) or E2E_KMS=kmip (PyKMIP's server
# over TLS with client certificates, started by kms/pykmip/pykmip.sh). Default key, named
# keys, encryption context, unknown key, bucket default with a key id, multipart, a copy in
# place to another KMS key and from static keys to the KMS, the KMS unresponsive mid-run
# (503, then success again; nothing half-written), the KMS's own key rotation, a gateway
# restart; with KMIP also a revoked key (400 KMS.DisabledException) and a destroyed one
# (400 KMS.NotFoundException) — moto 5.2.6 refuses neither (its KMS model never checks a
# key's state, and rotation records a date without new key material).
#
#   MOTO_SERVER=target/interop-venv/bin/moto_server PYTHON=target/interop-venv/bin/python \
#     bash examples/gateway/e2e/kms.sh            # AWS KMS API, local store
#   E2E_KMS=kmip PYKMIP_SERVER=target/interop-venv/bin/pykmip-server \
#     PYTHON=target/interop-venv/bin/python bash examples/gateway/e2e/kms.sh
#   E2E_BACKEND=s3 RGW_ENDPOINT=… RGW_ACCESS_KEY=… RGW_SECRET_KEY=… … kms.sh   # proxy mode
set -euo pipefail
cd "$(dirname "$0")/../../.."
ROOT=$(pwd)
PYTHON=${PYTHON:-python3}
MODE=${E2E_BACKEND:-local}
KMS=${E2E_KMS:-aws}
WORK=$(mktemp -d /tmp/s3crypt-kms-e2e.XXXXXX)
KMS_PID_FILE=$WORK/kms.pid
cleanup() {
  if [ "$KMS" = kmip ] && [ -f "$WORK/kmip/env" ]; then
    kill -CONT "$(kms_pid)" 2>/dev/null || true
    bash "$ROOT/kms/pykmip/pykmip.sh" stop "$WORK/kmip" || true
  elif [ -f "$KMS_PID_FILE" ]; then
    kill -CONT "$(cat "$KMS_PID_FILE")" 2>/dev/null; kill "$(cat "$KMS_PID_FILE")" 2>/dev/null
  fi
  kill "$(cat "$WORK/gw.pid" 2>/dev/null)" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
PASS=0
ok() { PASS=$((PASS + 1)); echo "ok $PASS - $*"; }
fail() { echo "FAIL - $*"; echo "--- gateway log (tail)"; tail -n 20 "$WORK/gw.log" || true; exit 1; }

cargo build --release -q -p s3crypt-gateway
GW=$ROOT/target/release/s3crypt-gateway
# A static key beside the KMS: objects sealed under it move to the KMS by CopyObject.
STATIC_KEY=legacy-static:$(head -c 32 /dev/urandom | base64 -w0)

case $KMS in
  aws)
    MOTO_SERVER=${MOTO_SERVER:?MOTO_SERVER must name moto_server (pip install "moto[server]")}
    MPORT=$("$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    "$MOTO_SERVER" -H 127.0.0.1 -p "$MPORT" >"$WORK/moto.log" 2>&1 &
    echo $! >"$KMS_PID_FILE"
    for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$MPORT") 2>/dev/null && break; sleep 0.1; done
    KMS_URL=http://127.0.0.1:$MPORT
    kmsadmin() { AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1 KMS_URL=$KMS_URL "$PYTHON" -c "
import os, sys, boto3
k = boto3.client('kms', endpoint_url=os.environ['KMS_URL'])
$1"; }
    KEY_A=$(kmsadmin "m = k.create_key()['KeyMetadata']; k.create_alias(AliasName='alias/gw-a', TargetKeyId=m['KeyId']); print(m['Arn'])")
    KEY_B=$(kmsadmin "m = k.create_key()['KeyMetadata']; k.create_alias(AliasName='alias/gw-b', TargetKeyId=m['KeyId']); print(m['Arn'])")
    ID_A=alias/gw-a ID_B=alias/gw-b
    rotate_a() { kmsadmin "k.rotate_key_on_demand(KeyId='$KEY_A')" >/dev/null; }
    kms_pid() { cat "$KMS_PID_FILE"; }
    export GATEWAY_KMS=aws-kms:$KMS_URL GATEWAY_KMS_ACCESS_KEY=testing GATEWAY_KMS_SECRET_KEY=testing
    ;;
  kmip)
    PYKMIP_SERVER=${PYKMIP_SERVER:?PYKMIP_SERVER must name pykmip-server (pip install pykmip)}
    PYKMIP_SERVER=$PYKMIP_SERVER bash "$ROOT/kms/pykmip/pykmip.sh" up "$WORK/kmip" >/dev/null
    kmipadmin() { "$PYTHON" "$ROOT/kms/pykmip/admin.py" "$WORK/kmip/env" "$@"; }
    KEY_A=gw-a KEY_B=gw-b ID_A=gw-a ID_B=gw-b
    kmipadmin create gw-a >/dev/null
    kmipadmin create gw-b >/dev/null
    rotate_a() { kmipadmin rotate gw-a >/dev/null; }
    kms_pid() { sed -n 's/^PYKMIP_PID=//p' "$WORK/kmip/env"; }
    # shellcheck disable=SC1091
    source "$WORK/kmip/env"
    export GATEWAY_KMS=kmip://$KMIP_ENDPOINT GATEWAY_KMIP_CA=$KMIP_CA GATEWAY_KMIP_CERT=$KMIP_CERT \
      GATEWAY_KMIP_KEY=$KMIP_KEY
    ;;
  *) echo "E2E_KMS=$KMS: expected aws or kmip" >&2; exit 2 ;;
esac

export GATEWAY_ROOT=$WORK/data GATEWAY_ADDR=127.0.0.1:19843
export GATEWAY_ACCESS_KEY=AKIAS3CRYPTKMS GATEWAY_SECRET_KEY=kms-e2e-secret-key-for-the-gateway
export GATEWAY_KMS_DEFAULT_KEY=$ID_A GATEWAY_KMS_KEYS=$STATIC_KEY RUST_LOG=debug
if [ "$MODE" = s3 ]; then
  export GATEWAY_BACKEND=s3 GATEWAY_S3_ENDPOINT=${RGW_ENDPOINT:?} GATEWAY_S3_ACCESS_KEY=${RGW_ACCESS_KEY:?} \
    GATEWAY_S3_SECRET_KEY=${RGW_SECRET_KEY:?} GATEWAY_STATE_KEY=$(head -c 32 /dev/urandom | base64 -w0)
fi
start_gw() {
  "$GW" >>"$WORK/gw.log" 2>&1 &
  echo $! >"$WORK/gw.pid"
  for _ in $(seq 100); do
    [ -f "$GATEWAY_ROOT/tls/ca.pem" ] && (exec 3<>/dev/tcp/127.0.0.1/19843) 2>/dev/null && return 0
    sleep 0.1
  done
  fail "gateway did not start"
}
start_gw

export AWS_ACCESS_KEY_ID=$GATEWAY_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$GATEWAY_SECRET_KEY
export AWS_DEFAULT_REGION=us-east-1 AWS_CA_BUNDLE=$GATEWAY_ROOT/tls/ca.pem
export AWS_CONFIG_FILE=$WORK/aws-config AWS_SHARED_CREDENTIALS_FILE=$WORK/aws-creds
: >"$AWS_CONFIG_FILE"
aws() { /usr/bin/aws --endpoint-url https://127.0.0.1:19843 "$@"; }
cd "$WORK"
head -c 100000 /dev/urandom >small.bin
head -c 20000000 /dev/urandom >big.bin
B=kms-e2e-$KMS-$MODE
aws s3 mb "s3://$B" >/dev/null

aws s3 cp small.bin "s3://$B/s3.bin" --sse AES256 >/dev/null
aws s3 cp "s3://$B/s3.bin" s3.out >/dev/null && cmp small.bin s3.out || fail "SSE-S3 round trip"
aws s3api head-object --bucket "$B" --key s3.bin | grep -q '"ServerSideEncryption": "AES256"' || fail "SSE-S3 header"
ok "SSE-S3 with the KMS's default key ($ID_A)"

aws s3 cp small.bin "s3://$B/kms.bin" --sse aws:kms --sse-kms-key-id "$ID_B" >/dev/null
aws s3api head-object --bucket "$B" --key kms.bin >head.json
grep -q "\"SSEKMSKeyId\": \".*$KEY_B\"" head.json || fail "head-object does not name key B: $(cat head.json)"
aws s3 cp "s3://$B/kms.bin" kms.out >/dev/null && cmp small.bin kms.out || fail "SSE-KMS round trip"
ok "SSE-KMS by a named key ($ID_B); HEAD names the key ($KEY_B)"

CTX=$(printf '{"project":"s3crypt","team":"storage"}' | base64 -w0)
aws s3api put-object --bucket "$B" --key ctx.bin --body small.bin --server-side-encryption aws:kms \
  --ssekms-key-id "$ID_B" --ssekms-encryption-context "$CTX" >/dev/null
aws s3api get-object --bucket "$B" --key ctx.bin ctx.out >/dev/null && cmp small.bin ctx.out || fail "context round trip"
ok "SSE-KMS with --ssekms-encryption-context: written and read back"

if aws s3api put-object --bucket "$B" --key nokey.bin --body small.bin --server-side-encryption aws:kms \
  --ssekms-key-id alias/no-such-key >/dev/null 2>err.txt; then fail "unknown key accepted"; fi
grep -q 'KMS.NotFoundException' err.txt || fail "unknown key: $(cat err.txt)"
ok "a key id the KMS does not know: 400 KMS.NotFoundException"

aws s3 mb "s3://$B-default" >/dev/null
aws s3api put-bucket-encryption --bucket "$B-default" --server-side-encryption-configuration \
  '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms","KMSMasterKeyID":"'"$ID_B"'"}}]}'
aws s3 cp big.bin "s3://$B-default/d.bin" >/dev/null
aws s3api head-object --bucket "$B-default" --key d.bin | grep -q "$KEY_B" || fail "bucket default key not applied"
aws s3 cp "s3://$B-default/d.bin" d.out >/dev/null && cmp big.bin d.out || fail "bucket default round trip"
ok "bucket default SSE-KMS with a key id (multipart, 20 MB)"

aws s3api copy-object --bucket "$B" --key kms.bin --copy-source "$B/kms.bin" \
  --server-side-encryption aws:kms --ssekms-key-id "$ID_A" >/dev/null
aws s3api head-object --bucket "$B" --key kms.bin | grep -q "$KEY_A" || fail "copy in place did not move to key A"
aws s3 cp "s3://$B/kms.bin" moved.out >/dev/null && cmp small.bin moved.out || fail "read after the move"
ok "CopyObject in place moves an object to another KMS key (re-seal)"

kill -STOP "$(kms_pid)"
if AWS_MAX_ATTEMPTS=1 aws s3api put-object --bucket "$B" --key during.bin --body small.bin \
  --server-side-encryption aws:kms --ssekms-key-id "$ID_B" >/dev/null 2>err.txt; then fail "PUT with the KMS stopped"; fi
grep -q -E 'ServiceUnavailable|503' err.txt || fail "PUT with the KMS stopped: $(cat err.txt)"
if AWS_MAX_ATTEMPTS=1 aws s3api get-object --bucket "$B" --key s3.bin x.out >/dev/null 2>err.txt; then fail "GET with the KMS stopped"; fi
grep -q -E 'ServiceUnavailable|503' err.txt || fail "GET with the KMS stopped: $(cat err.txt)"
kill -CONT "$(kms_pid)"
if aws s3api head-object --bucket "$B" --key during.bin >/dev/null 2>&1; then fail "a refused PUT is visible"; fi
aws s3api put-object --bucket "$B" --key during.bin --body small.bin --server-side-encryption aws:kms \
  --ssekms-key-id "$ID_B" >/dev/null || fail "PUT after the KMS returned"
aws s3 cp "s3://$B/during.bin" during.out >/dev/null && cmp small.bin during.out || fail "read after the KMS returned"
ok "the KMS unresponsive: PUT and GET answer 503, nothing half-written; both succeed once it answers again"

# From static keys to the KMS: written under the static key, moved in place.
aws s3api put-object --bucket "$B" --key static.bin --body small.bin --server-side-encryption aws:kms \
  --ssekms-key-id legacy-static >/dev/null || fail "PUT under the static key"
aws s3api head-object --bucket "$B" --key static.bin | grep -q '"SSEKMSKeyId": ".*legacy-static"' || fail "static key not named"
aws s3api copy-object --bucket "$B" --key static.bin --copy-source "$B/static.bin" \
  --server-side-encryption aws:kms --ssekms-key-id "$ID_B" >/dev/null || fail "copy from the static key to the KMS"
aws s3api head-object --bucket "$B" --key static.bin | grep -q "\"SSEKMSKeyId\": \".*$KEY_B\"" || fail "the copy did not move to the KMS key"
aws s3 cp "s3://$B/static.bin" static.out >/dev/null && cmp small.bin static.out || fail "read after the move from static keys"
ok "CopyObject in place moves an object from a static key to the KMS"

# The KMS's own rotation of key A (KMIP: a new key under the same name; moto: recorded only).
rotate_a
kill "$(cat "$WORK/gw.pid")"; wait "$(cat "$WORK/gw.pid")" 2>/dev/null || true
start_gw
aws s3 cp small.bin "s3://$B/after-rotation.bin" --sse aws:kms --sse-kms-key-id "$ID_A" >/dev/null
for k in s3.bin kms.bin ctx.bin during.bin static.bin after-rotation.bin; do
  aws s3api get-object --bucket "$B" --key "$k" r.out >/dev/null && cmp small.bin r.out || fail "$k after rotation and restart"
done
aws s3 cp "s3://$B-default/d.bin" d.out >/dev/null && cmp big.bin d.out || fail "multipart object after restart"
ok "the KMS rotates key A and the gateway restarts: every object stays readable, new ones sealed"

if [ "$KMS" = kmip ]; then
  kmipadmin create gw-c >/dev/null
  aws s3 cp small.bin "s3://$B/c.bin" --sse aws:kms --sse-kms-key-id gw-c >/dev/null
  kmipadmin disable gw-c >/dev/null
  if aws s3api get-object --bucket "$B" --key c.bin c.out >/dev/null 2>err.txt; then fail "read under a revoked key"; fi
  grep -q 'KMS.DisabledException' err.txt || fail "revoked key, GET: $(cat err.txt)"
  if aws s3api put-object --bucket "$B" --key c2.bin --body small.bin --server-side-encryption aws:kms \
    --ssekms-key-id gw-c >/dev/null 2>err.txt; then fail "write under a revoked key"; fi
  grep -q 'KMS.DisabledException' err.txt || fail "revoked key, PUT: $(cat err.txt)"
  ok "a key revoked at the KMS: GET and PUT answer 400 KMS.DisabledException"
  kmipadmin create gw-d >/dev/null
  aws s3 cp small.bin "s3://$B/d.bin" --sse aws:kms --sse-kms-key-id gw-d >/dev/null
  kmipadmin delete gw-d >/dev/null
  if aws s3api get-object --bucket "$B" --key d.bin d.out >/dev/null 2>err.txt; then fail "read under a destroyed key"; fi
  grep -q 'KMS.NotFoundException' err.txt || fail "destroyed key, GET: $(cat err.txt)"
  ok "a key destroyed at the KMS: GET answers 400 KMS.NotFoundException"
fi

echo "kms e2e ($KMS, $MODE): $PASS checks passed"
