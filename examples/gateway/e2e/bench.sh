#!/usr/bin/env bash
# The end-to-end cost of encryption: `aws s3 cp` of a 256 MiB file up and down, against the
# gateway storing with SSE-C and against the same gateway storing without encryption
# (GATEWAY_PLAINTEXT=1), alternating, RUNS times each; prints medians and ratios.
#
#   bash examples/gateway/e2e/bench.sh [RUNS]      # default 5
set -euo pipefail
cd "$(dirname "$0")/../../.."
RUNS=${1:-5}
WORK=$(mktemp -d /tmp/s3crypt-bench.XXXXXX)
trap 'kill $(cat "$WORK"/*.pid 2>/dev/null) 2>/dev/null || true; rm -rf "$WORK"' EXIT
cargo build --release -q -p s3crypt-gateway
GW=$(pwd)/target/release/s3crypt-gateway

export GATEWAY_ACCESS_KEY=AKIAS3CRYPTBENCH GATEWAY_SECRET_KEY=bench-secret-key-0000000000
export AWS_ACCESS_KEY_ID=$GATEWAY_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$GATEWAY_SECRET_KEY AWS_DEFAULT_REGION=us-east-1
export AWS_CONFIG_FILE=$WORK/aws-config AWS_SHARED_CREDENTIALS_FILE=$WORK/aws-creds RUST_LOG=warn
: >"$AWS_CONFIG_FILE"
start() { # name port plaintext
  mkdir -p "$WORK/$1"
  GATEWAY_ROOT=$WORK/$1/data GATEWAY_ADDR=127.0.0.1:$2 GATEWAY_PLAINTEXT=$3 "$GW" >"$WORK/$1/log" 2>&1 &
  echo $! >"$WORK/$1.pid"
  for _ in $(seq 100); do [ -f "$WORK/$1/data/tls/ca.pem" ] && (exec 3<>/dev/tcp/127.0.0.1/$2) 2>/dev/null && break; sleep 0.1; done
}
start enc 19543 0
start plain 19544 1
head -c $((256 << 20)) /dev/urandom >"$WORK/file"
head -c 32 /dev/urandom >"$WORK/key"
# The aws cli v2 (Debian's package), not a pip-installed v1 earlier on PATH.
AWS=$(command -v aws)
"$AWS" --version 2>&1 | grep -q '^aws-cli/2' || AWS=/usr/bin/aws
cli() { # name port args...
  local n=$1 p=$2; shift 2
  AWS_CA_BUNDLE=$WORK/$n/data/tls/ca.pem "$AWS" --endpoint-url "https://127.0.0.1:$p" "$@"
}
cli enc 19543 s3 mb s3://bench >/dev/null
cli plain 19544 s3 mb s3://bench >/dev/null
SSE=(--sse-c AES256 --sse-c-key "fileb://$WORK/key")
t() { local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); echo "$e - $s" | bc; }
declare -a EU PU ED PD
for i in $(seq "$RUNS"); do
  EU+=("$(t cli enc 19543 s3 cp "$WORK/file" s3://bench/f "${SSE[@]}" --no-progress)")
  PU+=("$(t cli plain 19544 s3 cp "$WORK/file" s3://bench/f --no-progress)")
  ED+=("$(t cli enc 19543 s3 cp s3://bench/f "$WORK/out" "${SSE[@]}" --no-progress)")
  cmp "$WORK/file" "$WORK/out"
  PD+=("$(t cli plain 19544 s3 cp s3://bench/f "$WORK/out" --no-progress)")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
eu=$(median "${EU[@]}"); pu=$(median "${PU[@]}"); ed=$(median "${ED[@]}"); pd=$(median "${PD[@]}")
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'); $("$AWS" --version 2>&1 | cut -d' ' -f1); 256 MiB; median of $RUNS"
printf '| direction | SSE-C gateway | plaintext gateway | plaintext / SSE-C time |\n|---|---|---|---|\n'
printf '| upload   | %.2f s (%.0f MiB/s) | %.2f s (%.0f MiB/s) | %.2f |\n' "$eu" "$(echo "256/$eu" | bc -l)" "$pu" "$(echo "256/$pu" | bc -l)" "$(echo "$pu/$eu" | bc -l)"
printf '| download | %.2f s (%.0f MiB/s) | %.2f s (%.0f MiB/s) | %.2f |\n' "$ed" "$(echo "256/$ed" | bc -l)" "$pd" "$(echo "256/$pd" | bc -l)" "$(echo "$pd/$ed" | bc -l)"
