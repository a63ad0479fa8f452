#!/usr/bin/env bash
# The real parts of the network tests, shared by every language's suite:
#
#   scripts/net-fixture.sh start DIR   starts them, writes DIR/env (NAME=value lines), prints DIR
#   scripts/net-fixture.sh stop DIR    stops them and removes DIR
#   scripts/net-fixture.sh run CMD...  starts them, runs CMD with DIR/env exported, stops them
#
# What runs (each on 127.0.0.1, a free port):
#   - the emulator over HTTPS with the self-signed certificate `openssl req -x509` makes, as the
#     platform installs with (scripts/make-test-certs.sh);
#   - tinyproxy as an HTTP proxy, open, and a second one that requires Basic credentials;
#   - microsocks as a SOCKS5 proxy that requires a user name and password.
# Each proxy logs what it tunnelled, so a test can prove its traffic went through it.
#
# DIR/env:
#   DCI_NET_URL            https://127.0.0.1:PORT (the self-signed emulator)
#   DCI_NET_HOST_URL       https://localhost:PORT (the same, by name)
#   DCI_NET_CERT           its certificate (PEM; CA:TRUE, SAN localhost, 127.0.0.1, ::1)
#   DCI_NET_PIN            its key's pin (sha256//..., by openssl's recipe)
#   DCI_NET_OTHER_PIN      a pin of another key
#   DCI_NET_CERTS          the directory of make-test-certs.sh (company CA, leaf, expired...)
#   DCI_NET_LEAF_URL       https://127.0.0.1:PORT, an emulator whose certificate the company
#                          CA ($DCI_NET_CERTS/ca.pem) signed: trusted through the system
#                          store (SSL_CERT_FILE=$DCI_NET_CERTS/ca.pem, or SSL_CERT_DIR=
#                          $DCI_NET_CERTS/certdir)
#   DCI_NET_HTTP_PROXY     http://127.0.0.1:PORT (tinyproxy, open); DCI_NET_HTTP_PROXY_LOG
#   DCI_NET_AUTH_PROXY     http://dci:proxy-pass@127.0.0.1:PORT (tinyproxy, Basic);
#                          DCI_NET_AUTH_PROXY_BARE (the same without credentials);
#                          DCI_NET_AUTH_PROXY_LOG
#   DCI_NET_SOCKS_PROXY    socks5h://dci:socks-pass@127.0.0.1:PORT (microsocks);
#                          DCI_NET_SOCKS_PROXY_LOG
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
emulator="${DCIMANAGER_EMULATOR:-$here/target/release/dcimanager-emulator}"

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_port() { # port, pid, name, log
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    kill -0 "$2" 2>/dev/null || { echo "net-fixture: $3 did not start:" >&2; cat "$4" >&2; return 1; }
    sleep 0.05
  done
  echo "net-fixture: $3 is not listening on port $1" >&2
  return 1
}

tinyproxy_conf() { # dir, name, port, auth?
  cat > "$1/$2.conf" <<EOF
Port $3
Listen 127.0.0.1
Timeout 60
LogFile "$1/$2.log"
LogLevel Info
MaxClients 100
Allow 127.0.0.1
DisableViaHeader Yes
EOF
  if [[ -n ${4:-} ]]; then echo "BasicAuth $4" >> "$1/$2.conf"; fi
}

start() {
  local dir=$1
  mkdir -p "$dir"
  for tool in tinyproxy microsocks openssl; do
    command -v "$tool" >/dev/null || { echo "net-fixture: $tool is missing: run scripts/install-deps.sh" >&2; exit 1; }
  done
  "$here/scripts/make-test-certs.sh" "$here/target/certs"
  local certs=$here/target/certs
  : > "$dir/pids"

  emulator_with() { # name, certificate
    "$emulator" --listen 127.0.0.1:0 --tls --cert "$certs/$2.pem" --key "$certs/$2.key" \
      >"$dir/$1.url" 2>"$dir/$1.log" &
    local pid=$!
    echo "$pid" >> "$dir/pids"
    for _ in $(seq 1 200); do
      [[ -s "$dir/$1.url" ]] && return 0
      kill -0 "$pid" 2>/dev/null || { echo "net-fixture: the emulator did not start:" >&2; cat "$dir/$1.log" >&2; exit 1; }
      sleep 0.05
    done
    echo "net-fixture: the emulator did not print its URL" >&2
    exit 1
  }
  emulator_with emulator selfsigned
  emulator_with emulator-leaf leaf
  local url port
  url=$(head -n 1 "$dir/emulator.url")
  port=${url##*:}

  local http_port auth_port socks_port
  http_port=$(free_port)
  tinyproxy_conf "$dir" tinyproxy-open "$http_port"
  tinyproxy -d -c "$dir/tinyproxy-open.conf" >"$dir/tinyproxy-open.out" 2>&1 &
  echo $! >> "$dir/pids"
  wait_port "$http_port" $! tinyproxy "$dir/tinyproxy-open.out"

  auth_port=$(free_port)
  tinyproxy_conf "$dir" tinyproxy-auth "$auth_port" "dci proxy-pass"
  tinyproxy -d -c "$dir/tinyproxy-auth.conf" >"$dir/tinyproxy-auth.out" 2>&1 &
  echo $! >> "$dir/pids"
  wait_port "$auth_port" $! tinyproxy "$dir/tinyproxy-auth.out"

  socks_port=$(free_port)
  microsocks -i 127.0.0.1 -p "$socks_port" -u dci -P socks-pass >"$dir/microsocks.log" 2>&1 &
  echo $! >> "$dir/pids"
  wait_port "$socks_port" $! microsocks "$dir/microsocks.log"

  cat > "$dir/env" <<EOF
DCI_NET_URL=$url
DCI_NET_HOST_URL=https://localhost:$port
DCI_NET_CERT=$certs/selfsigned.pem
DCI_NET_PIN=$(cat "$certs/selfsigned.pin")
DCI_NET_OTHER_PIN=$(cat "$certs/leaf.pin")
DCI_NET_CERTS=$certs
DCI_NET_LEAF_URL=$(head -n 1 "$dir/emulator-leaf.url")
DCI_NET_HTTP_PROXY=http://127.0.0.1:$http_port
DCI_NET_HTTP_PROXY_LOG=$dir/tinyproxy-open.log
DCI_NET_AUTH_PROXY=http://dci:proxy-pass@127.0.0.1:$auth_port
DCI_NET_AUTH_PROXY_BARE=http://127.0.0.1:$auth_port
DCI_NET_AUTH_PROXY_LOG=$dir/tinyproxy-auth.log
DCI_NET_SOCKS_PROXY=socks5h://dci:socks-pass@127.0.0.1:$socks_port
DCI_NET_SOCKS_PROXY_LOG=$dir/microsocks.log
EOF
  echo "$dir"
}

stop() {
  local dir=$1
  if [[ -f "$dir/pids" ]]; then
    while read -r pid; do kill "$pid" 2>/dev/null || true; done < "$dir/pids"
    while read -r pid; do wait "$pid" 2>/dev/null || true; done < "$dir/pids"
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  start) start "${2:?usage: net-fixture.sh start DIR}" ;;
  stop) stop "${2:?usage: net-fixture.sh stop DIR}" ;;
  run)
    shift
    dir=$(mktemp -d)
    trap 'stop "$dir"' EXIT
    start "$dir" >/dev/null
    set -a
    # shellcheck disable=SC1091
    . "$dir/env"
    set +a
    "$@"
    ;;
  *) echo "usage: net-fixture.sh start DIR | stop DIR | run CMD..." >&2; exit 2 ;;
esac
