#!/usr/bin/env bash
# The PHP binding's test suite (bindings/php) against the emulator:
#   scripts/test-php.sh [phpunit options...]   install what is missing, then run PHPUnit
#   scripts/test-php.sh --deps                 only install/check php-cli, phpunit, opcache, FFI
# Installs php-cli, phpunit and php8.2-opcache (Debian packages) when missing; expects
# `cargo build --release` to have built target/release/libdcimanager.so and
# target/release/dcimanager-emulator. The output ends with PHPUnit's summary line.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

have_php() {
  command -v php >/dev/null 2>&1 && command -v phpunit >/dev/null 2>&1 &&
    php -r 'exit(function_exists("opcache_get_status") ? 0 : 1);' 2>/dev/null
}
if ! have_php; then
  echo "installing: php-cli phpunit php8.2-opcache"
  sudo=""; [[ $(id -u) -eq 0 ]] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq php-cli phpunit php8.2-opcache >/dev/null
fi
php -r 'exit(extension_loaded("ffi") ? 0 : 1);' ||
  { echo "PHP's FFI extension is not loaded (php -m | grep FFI): the binding needs it" >&2; exit 1; }
php -r 'exit(function_exists("opcache_get_status") ? 0 : 1);' ||
  { echo "PHP's opcache is not loaded: the preload test needs it (apt-get install php8.2-opcache)" >&2; exit 1; }
[[ ${1:-} == "--deps" ]] && exit 0

for f in target/release/libdcimanager.so target/release/dcimanager-emulator; do
  [[ -f $root/$f ]] || { echo "$f is missing: run cargo build --release first" >&2; exit 1; }
done
cd "$root"
exec phpunit -c bindings/php/phpunit.xml "$@"
