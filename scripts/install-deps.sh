#!/usr/bin/env bash
# Installs what `make test` and `make demo` need beyond the Rust toolchain, when missing:
# a C compiler and valgrind (Debian packages), strace, and the real parts of the network
# tests: openssl (certificates made as users make them), tinyproxy (HTTP proxy) and
# microsocks (SOCKS5 proxy). Idempotent and quiet when all is there.
set -euo pipefail
need=()
command -v cc >/dev/null 2>&1 || need+=(gcc libc6-dev)
command -v valgrind >/dev/null 2>&1 || need+=(valgrind)
command -v strace >/dev/null 2>&1 || need+=(strace)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v tinyproxy >/dev/null 2>&1 || need+=(tinyproxy)
command -v microsocks >/dev/null 2>&1 || need+=(microsocks)
if ((${#need[@]})); then
  echo "installing: ${need[*]}"
  sudo=""; [[ $(id -u) -eq 0 ]] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi
command -v cargo >/dev/null 2>&1 || { echo "cargo (Rust) is required: https://rustup.rs" >&2; exit 1; }
