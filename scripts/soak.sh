#!/usr/bin/env bash
# `make soak`: 1,000,000 requests through the C ABI and 200,000 through Python on one client
# each, against the emulator; RSS and open file descriptors must stay flat after warm-up.
# Writes bench/soak.json (read by bench/report.py into bench/RESULTS.md). SOAK_C / SOAK_PY
# change the counts.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p target/c bench
cc -std=c11 -O2 -Wall -Wextra -Werror -Iinclude tests/soak/soak.c -o target/c/soak \
  -Ltarget/release -ldcimanager -Wl,-rpath,"$PWD/target/release"
c_json=$(scripts/with-emulator.sh --no-log -- target/c/soak "${SOAK_C:-1000000}")
echo "$c_json"
py_json=$(scripts/with-emulator.sh --no-log -- .venv/bin/python tests/soak/soak.py "${SOAK_PY:-200000}")
echo "$py_json"
printf '{"date":"%s","runs":[%s,%s]}\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$c_json" "$py_json" > bench/soak.json
echo "wrote bench/soak.json"
# Put the figures into bench/RESULTS.md when a benchmark run is there to render.
if [[ -f bench/results.json ]]; then
  .venv/bin/python bench/report.py
fi
