#!/usr/bin/env bash
# Proxy mode's cost, side by side in one run (a measurement, not a test):
#   - `aws s3 cp` of SIZE_MIB (default 256) MiB up and down: through the gateway in front of
#     RGW with SSE-C, against RGW directly without encryption, and against RGW's own SSE-C;
#     interleaved, REPS times (default 3), median of each;
#   - ListObjectsV2 of 1,000 objects through the gateway against RGW directly (the same
#     bucket), median of 5.
#
#   source <(examples/gateway/e2e/ceph-rgw-up.sh env)   # RGW_ENDPOINT and its keys
#   PYTHON=target/e2e-venv/bin/python bash examples/gateway/e2e/bench_proxy.sh [REPS] [SIZE_MIB]
#   (REPS=0: the listing only)
#
# RGW takes SSE-C over plain HTTP only with rgw_crypt_require_ssl = false (ceph-rgw-up.sh
# sets it). The machine's CPU is printed with the figures.
set -euo pipefail
cd "$(dirname "$0")/../../.."
REPS=${1:-3}
SIZE_MIB=${2:-256}
PYTHON=${PYTHON:-python3}
: "${RGW_ENDPOINT:?source ceph-rgw-up.sh env first}"
RGW_AK=${RGW_ACCESS_KEY:-${AWS_ACCESS_KEY_ID:?}} RGW_SK=${RGW_SECRET_KEY:-${AWS_SECRET_ACCESS_KEY:?}}
WORK=$(mktemp -d /tmp/s3crypt-bench-proxy.XXXXXX)
trap 'kill $(cat "$WORK/gw.pid" 2>/dev/null) 2>/dev/null || true; rm -rf "$WORK"' EXIT

cargo build --release -q -p s3crypt-gateway
AWS_BIN=/usr/bin/aws
GW_AK=AKIABENCHPROXY GW_SK=bench-proxy-secret-0000000000000000
GATEWAY_ROOT=$WORK/gw GATEWAY_ADDR=127.0.0.1:19743 GATEWAY_ACCESS_KEY=$GW_AK GATEWAY_SECRET_KEY=$GW_SK \
  GATEWAY_BACKEND=s3 GATEWAY_S3_ENDPOINT=$RGW_ENDPOINT GATEWAY_S3_ACCESS_KEY=$RGW_AK GATEWAY_S3_SECRET_KEY=$RGW_SK \
  GATEWAY_STATE_KEY=$(head -c 32 /dev/urandom | base64 -w0) RUST_LOG=warn \
  GATEWAY_KMS_KEYS="bench:$(head -c 32 /dev/urandom | base64 -w0)" \
  target/release/s3crypt-gateway >"$WORK/gw.log" 2>&1 &
echo $! >"$WORK/gw.pid"
for _ in $(seq 100); do
  [ -f "$WORK/gw/tls/ca.pem" ] && (exec 3<>/dev/tcp/127.0.0.1/19743) 2>/dev/null && break
  sleep 0.1
done

export AWS_DEFAULT_REGION=us-east-1 AWS_CONFIG_FILE=$WORK/aws-config
: >"$AWS_CONFIG_FILE"
gw() { AWS_ACCESS_KEY_ID=$GW_AK AWS_SECRET_ACCESS_KEY=$GW_SK AWS_CA_BUNDLE=$WORK/gw/tls/ca.pem \
  "$AWS_BIN" --endpoint-url https://127.0.0.1:19743 "$@"; }
rgw() { AWS_ACCESS_KEY_ID=$RGW_AK AWS_SECRET_ACCESS_KEY=$RGW_SK "$AWS_BIN" --endpoint-url "$RGW_ENDPOINT" "$@"; }

head -c $((SIZE_MIB << 20)) /dev/urandom >"$WORK/obj.bin"
head -c 32 /dev/urandom >"$WORK/key.bin"
SSEC=(--sse-c AES256 --sse-c-key "fileb://$WORK/key.bin")
gw s3 mb s3://bench-proxy >/dev/null
rgw s3 mb s3://bench-direct >/dev/null

secs() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null; t1=$(date +%s.%N); awk "BEGIN {print $t1 - $t0}"; }
declare -A T
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores;" \
  "flags: $(grep -m1 flags /proc/cpuinfo | tr ' ' '\n' | grep -E '^(aes|vaes|avx2|avx512f|vpclmulqdq)$' | tr '\n' ' ')"
for r in $(seq "$REPS"); do
  T[gw_up]+="$(secs gw s3 cp "$WORK/obj.bin" s3://bench-proxy/o "${SSEC[@]}") "
  T[plain_up]+="$(secs rgw s3 cp "$WORK/obj.bin" s3://bench-direct/p) "
  T[rgwssec_up]+="$(secs rgw s3 cp "$WORK/obj.bin" s3://bench-direct/c "${SSEC[@]}") "
  T[gw_down]+="$(secs gw s3 cp s3://bench-proxy/o "$WORK/o.out" "${SSEC[@]}") "
  T[plain_down]+="$(secs rgw s3 cp s3://bench-direct/p "$WORK/p.out") "
  T[rgwssec_down]+="$(secs rgw s3 cp s3://bench-direct/c "$WORK/c.out" "${SSEC[@]}") "
  for f in o p c; do cmp -s "$WORK/obj.bin" "$WORK/$f.out" || { echo "round trip $f differs"; exit 1; }; done
  rm -f "$WORK"/*.out
  echo "rep $r done" >&2
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
[ "$REPS" -gt 0 ] && {
echo "client: $("$AWS_BIN" --version 2>&1 | cut -d' ' -f1); RGW $(ceph --version 2>/dev/null | awk '{print $3}'); ${SIZE_MIB} MiB, median of $REPS"
printf '%-10s %14s %14s %14s %12s %12s\n' "" "gateway SSE-C" "RGW plaintext" "RGW SSE-C" "gw/plain" "gw/RGW SSE-C"
for d in up down; do
  g=$(echo "${T[gw_$d]}" | median); p=$(echo "${T[plain_$d]}" | median); c=$(echo "${T[rgwssec_$d]}" | median)
  printf '%-10s %13.2fs %13.2fs %13.2fs %12.2f %12.2f\n' "$d" "$g" "$p" "$c" "$(awk "BEGIN {print $g / $p}")" "$(awk "BEGIN {print $g / $c}")"
done
}

# ----- listing -------------------------------------------------------------------------
GW_AK=$GW_AK GW_SK=$GW_SK RGW_AK=$RGW_AK RGW_SK=$RGW_SK CA=$WORK/gw/tls/ca.pem "$PYTHON" - <<'EOF'
import concurrent.futures, os, statistics, time
import boto3, botocore.config
cfg = botocore.config.Config(s3={"addressing_style": "path"}, max_pool_connections=32)
gw = boto3.client("s3", endpoint_url="https://127.0.0.1:19743", verify=os.environ["CA"], config=cfg,
                  aws_access_key_id=os.environ["GW_AK"], aws_secret_access_key=os.environ["GW_SK"])
rgw = boto3.client("s3", endpoint_url=os.environ["RGW_ENDPOINT"], config=cfg,
                   aws_access_key_id=os.environ["RGW_AK"], aws_secret_access_key=os.environ["RGW_SK"])
gw.create_bucket(Bucket="bench-list")
with concurrent.futures.ThreadPoolExecutor(16) as ex:
    list(ex.map(lambda i: gw.put_object(Bucket="bench-list", Key=f"k{i:04}", Body=b"x" * 100,
                                        **({"ServerSideEncryption": "AES256"} if i % 2 else {})),
                range(1000)))
def t(c):
    # Every page (a page through the gateway may hold fewer keys than asked: the backend's
    # page counts the hidden .s3crypt-gateway/ entries the gateway leaves out).
    t0 = time.perf_counter()
    n = 0
    for page in c.get_paginator("list_objects_v2").paginate(Bucket="bench-list"):
        n += len([o for o in page.get("Contents", []) if not o["Key"].startswith(".s3crypt-gateway/")])
    return time.perf_counter() - t0, n
runs_gw, runs_rgw = [], []
for _ in range(5):
    d, n = t(gw); assert n == 1000, n; runs_gw.append(d)
    d, n = t(rgw); assert n == 1000, n; runs_rgw.append(d)
g, r = statistics.median(runs_gw), statistics.median(runs_rgw)
print(f"ListObjectsV2 of 1,000 objects (half SSE-S3): gateway {g*1000:.0f} ms, RGW directly {r*1000:.0f} ms, ratio {g/r:.1f} (median of 5)")
EOF
