#!/usr/bin/env bash
# Runs a command with a fresh dcimanager emulator (HTTPS, its CA trusted through a file):
#   scripts/with-emulator.sh [emulator options --] command args...
# The command sees DCI_URL (the base URL) and DCI_CA (the CA certificate PEM); the emulator is
# stopped when the command ends, whatever happens.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
emulator="${DCIMANAGER_EMULATOR:-$here/target/release/dcimanager-emulator}"
emu_args=()
if [[ " $* " == *" -- "* ]]; then
  while [[ $1 != "--" ]]; do emu_args+=("$1"); shift; done
  shift
fi
dir=$(mktemp -d)
cleanup() {
  local rc=$?
  if [[ -n "${pid:-}" ]]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$dir"
  exit "$rc"
}
trap cleanup EXIT
"$emulator" --listen 127.0.0.1:0 --tls --ca-out "$dir/ca.pem" ${emu_args[@]+"${emu_args[@]}"} \
  >"$dir/url" 2>"$dir/stderr" &
pid=$!
for _ in $(seq 1 200); do
  [[ -s "$dir/url" ]] && break
  kill -0 "$pid" 2>/dev/null || { echo "the emulator did not start:" >&2; cat "$dir/stderr" >&2; exit 1; }
  sleep 0.05
done
DCI_URL=$(head -n 1 "$dir/url")
export DCI_URL DCI_CA="$dir/ca.pem"
"$@"
