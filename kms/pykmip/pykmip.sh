#!/usr/bin/env bash
# PyKMIP's server on loopback with TLS client authentication, for s3crypt-kms's KMIP tests
# and the gateway's KMS checks. Certificates are generated here (openssl): a CA, the
# server's (IP 127.0.0.1, DNS localhost) and one client's (extendedKeyUsage clientAuth,
# which PyKMIP requires; its CN is the client's identity and owns the keys it creates).
#
#   PYKMIP_SERVER=/path/to/pykmip-server bash kms/pykmip/pykmip.sh up [DIR]
#       -> DIR/env: KMIP_ENDPOINT KMIP_CA KMIP_CERT KMIP_KEY PYKMIP_PID (sourceable)
#   bash kms/pykmip/pykmip.sh stop DIR      (SIGINT: PyKMIP's server ignores SIGTERM)
#   bash kms/pykmip/pykmip.sh start DIR     (again, same certificates, keys and port)
set -euo pipefail

cmd=${1:?usage: pykmip.sh up [DIR] | stop DIR | start DIR}
dir=${2:-}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

certs() {
  local d=$1
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
    -keyout "$d/ca.key" -out "$d/ca.pem" -subj /CN=s3crypt-test-kmip-ca \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
  leaf "$d" server "subjectAltName=IP:127.0.0.1,DNS:localhost
extendedKeyUsage=serverAuth"
  leaf "$d" client "extendedKeyUsage=clientAuth"
}

leaf() {
  local d=$1 name=$2 ext=$3
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$d/$name.key" -out "$d/$name.csr" -subj "/CN=s3crypt-test-$name" 2>/dev/null
  printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n%s\n' "$ext" >"$d/$name.ext"
  openssl x509 -req -in "$d/$name.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
    -days 30 -extfile "$d/$name.ext" -out "$d/$name.pem" 2>/dev/null
}

start() {
  local d=$1 port
  port=$(sed -n 's/^port=//p' "$d/server.conf")
  : "${PYKMIP_SERVER:=$(sed -n 's/^PYKMIP_SERVER=//p' "$d/env")}"
  "$PYKMIP_SERVER" -f "$d/server.conf" -l "$d/server.log" >"$d/stdout.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 200); do
    if python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$port),0.2)" 2>/dev/null; then
      sed -i "s/^PYKMIP_PID=.*/PYKMIP_PID=$pid/" "$d/env"
      echo "pykmip: up on 127.0.0.1:$port (pid $pid, dir $d)" >&2
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || { cat "$d/stdout.log" >&2; echo "pykmip: server exited" >&2; return 1; }
    sleep 0.1
  done
  echo "pykmip: no answer on port $port" >&2
  return 1
}

stop() {
  local d=$1 pid
  pid=$(sed -n 's/^PYKMIP_PID=//p' "$d/env")
  [ -n "$pid" ] || return 0
  kill -INT "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || { sed -i 's/^PYKMIP_PID=.*/PYKMIP_PID=/' "$d/env"; return 0; }
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  sed -i 's/^PYKMIP_PID=.*/PYKMIP_PID=/' "$d/env"
}

case $cmd in
  up)
    : "${PYKMIP_SERVER:?PYKMIP_SERVER must name the pykmip-server executable of PyKMIP (pip install pykmip)}"
    [ -n "$dir" ] || dir=$(mktemp -d /tmp/pykmip.XXXXXX)
    mkdir -p "$dir/policies"
    dir=$(cd "$dir" && pwd)
    certs "$dir"
    port=$(free_port)
    cat >"$dir/server.conf" <<CONF
[server]
hostname=127.0.0.1
port=$port
certificate_path=$dir/server.pem
key_path=$dir/server.key
ca_path=$dir/ca.pem
auth_suite=TLS1.2
policy_path=$dir/policies
enable_tls_client_auth=True
logging_level=INFO
database_path=$dir/pykmip.db
CONF
    cat >"$dir/env" <<ENV
KMIP_ENDPOINT=127.0.0.1:$port
KMIP_CA=$dir/ca.pem
KMIP_CERT=$dir/client.pem
KMIP_KEY=$dir/client.key
PYKMIP_SERVER=$PYKMIP_SERVER
PYKMIP_PID=
ENV
    start "$dir"
    echo "$dir"
    ;;
  start) start "${dir:?DIR}" ;;
  stop) stop "${dir:?DIR}" ;;
  *) echo "usage: pykmip.sh up [DIR] | stop DIR | start DIR" >&2; exit 2 ;;
esac
