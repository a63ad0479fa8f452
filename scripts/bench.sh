#!/usr/bin/env bash
# `make bench` (after `cargo build --release` and `make python`): installs the benchmark tools
# that are missing, builds the Rust and C bench programs, runs every client against the
# emulator (bench/run.py) and writes bench/results.json, bench/RESULTS.md and bench/chart.svg
# (bench/report.py). A benchmark, not a test: nothing here is part of `make test`.
#
#   scripts/bench.sh                  the full run (about 5-10 minutes on 2 cores)
#   BENCH_QUICK=1 scripts/bench.sh    a smoke run of a few seconds that writes the same files
#   BENCH_TLS=0                       without the two TLS rows
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

# 1. Tools (Debian packages): wrk (the ceiling), strace (system calls), PHP CLI with FFI and
# the curl extension (the PHP rows), curl (a baseline), GNU time (peak RSS of processes the
# driver does not write).
need=()
command -v wrk >/dev/null 2>&1 || need+=(wrk)
command -v strace >/dev/null 2>&1 || need+=(strace)
command -v curl >/dev/null 2>&1 || need+=(curl)
[[ -x /usr/bin/time ]] || need+=(time)
command -v cc >/dev/null 2>&1 || need+=(gcc libc6-dev)
command -v php >/dev/null 2>&1 || need+=(php-cli)
if ! command -v php >/dev/null 2>&1 || ! php -m 2>/dev/null | grep -qix curl; then need+=(php-curl); fi
if ((${#need[@]})); then
  echo "bench: installing ${need[*]}"
  sudo=""; [[ $(id -u) -eq 0 ]] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi
php -m 2>/dev/null | grep -qx FFI || { echo "bench: PHP has no FFI extension" >&2; exit 1; }

# 2. What `make build` and `make python` made.
for f in target/release/libdcimanager.so target/release/dcimanager-emulator .venv/bin/python; do
  [[ -e $f ]] || { echo "bench: $f is missing: run 'make build python' first" >&2; exit 1; }
done
.venv/bin/python -c 'import dcimanager.compat, requests, urllib3' 2>/dev/null ||
  { echo "bench: .venv lacks dcimanager (with compat), requests or urllib3: run 'make python'" >&2; exit 1; }

# 3. The bench programs, into target/bench. The Rust one is its own cargo workspace that
# depends on the crate by path, resolved with the main Cargo.lock (same dependency versions).
echo "bench: building bench/rust and bench/c/bench.c into target/bench"
cp Cargo.lock bench/rust/Cargo.lock
(
  cd bench/rust
  export CARGO_TARGET_DIR="$here/target/bench"
  cargo build --release --quiet --offline 2>/dev/null || cargo build --release --quiet
)
mkdir -p target/bench/c
cc -std=c11 -O2 -Wall -Wextra -Werror -Iinclude bench/c/bench.c -o target/bench/c/dci-bench-c \
  -Ltarget/release -ldcimanager -Wl,-rpath,"$here/target/release" -lpthread

# 4. Run, then render.
.venv/bin/python bench/run.py
.venv/bin/python bench/report.py
echo "bench: bench/RESULTS.md, bench/chart.svg, bench/results.json"
