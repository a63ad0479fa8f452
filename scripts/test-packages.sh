#!/usr/bin/env bash
# The packaging, as a distribution and a user meet it (run by `make test-packages`, after
# `make build`):
#  1. the library's SONAME; `make install` into a temporary prefix: the real file stripped and
#     under 5 MB with its two links; a C program built against it needs the SONAME, runs, and
#     refuses to start when only another name is there;
#  2. the ABI check (scripts/abi.py) on scratch copies: a removed declaration, a changed
#     prototype and a library missing an export all fail with the fix; an addition passes;
#  3. `make deb`: lintian finds no error; the packages extracted into a temporary root (never
#     the machine's /usr) build and run a C program, the C++ consumer (pkg-config and CMake),
#     the command-line tool, and PHP finds the library by its SONAME with no DCIMANAGER_LIB.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
need=()
command -v lintian >/dev/null 2>&1 || need+=(lintian)
command -v dpkg-shlibdeps >/dev/null 2>&1 || need+=(dpkg-dev)
command -v cmake >/dev/null 2>&1 || need+=(cmake)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
command -v g++ >/dev/null 2>&1 || need+=(g++)
command -v php >/dev/null 2>&1 || need+=(php-cli)
if ((${#need[@]})); then
  echo "installing: ${need[*]}"
  sudo=""; [[ $(id -u) -eq 0 ]] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi
version=$(sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' Cargo.toml)
soname=$(scripts/soname.sh)
abi=${soname#libdcimanager.so.}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
ok() { passed=$((passed + 1)); echo "  ok: $*"; }

echo "== the SONAME and make install"
readelf -d target/release/libdcimanager.so | grep -q "Library soname: \[$soname\]"
ok "target/release/libdcimanager.so has SONAME $soname"
prefix="$work/prefix"
make -s install PREFIX="$prefix" >/dev/null
lib="$prefix/lib"
[[ -f $lib/libdcimanager.so.$version && ! -L $lib/libdcimanager.so.$version ]]
[[ $(readlink "$lib/$soname") == "libdcimanager.so.$version" ]]
[[ $(readlink "$lib/libdcimanager.so") == "$soname" ]]
ok "libdcimanager.so.$version with the links $soname and libdcimanager.so"
size=$(stat -c %s "$lib/libdcimanager.so.$version")
((size < 5 * 1024 * 1024)) || { echo "the installed library is $size bytes" >&2; exit 1; }
! readelf -S "$lib/libdcimanager.so.$version" | grep -q '\.debug_info'
ok "installed library stripped: $((size / 1024)) KiB (debug info stays in target/release)"
cc examples/c/demo.c -I"$prefix/include" -L"$lib" -ldcimanager -o "$work/demo"
readelf -d "$work/demo" | grep NEEDED | grep -q "\[$soname\]"
LD_LIBRARY_PATH="$lib" scripts/with-emulator.sh "$work/demo" | grep -q "^9. logout  *ok"
ok "a C program built against the install needs $soname and runs"
mkdir "$work/other"
cp "$lib/libdcimanager.so.$version" "$work/other/libdcimanager.so"
if LD_LIBRARY_PATH="$work/other" "$work/demo" 2>"$work/refused"; then
  echo "the program started without $soname" >&2; exit 1
fi
grep -q "$soname: cannot open shared object file" "$work/refused"
ok "without $soname the program refuses to start (the loader names it)"

echo "== the ABI check"
python3 scripts/abi.py check abi/dcimanager.abi include/dcimanager.h target/release/libdcimanager.so >/dev/null
ok "this build keeps the baseline"
expect_break() { # description, header, library, what the message must name
  if python3 scripts/abi.py check abi/dcimanager.abi "$2" "$3" 2>"$work/abi.err" >/dev/null; then
    echo "the ABI check accepted $1" >&2; exit 1
  fi
  grep -q -- "$4" "$work/abi.err" && grep -q "make abi-baseline" "$work/abi.err" \
    || { echo "the ABI check's message for $1:" >&2; cat "$work/abi.err" >&2; exit 1; }
  ok "refused: $1"
}
grep -v 'dci_client_interrupt(' include/dcimanager.h > "$work/removed.h"
expect_break "a removed function" "$work/removed.h" target/release/libdcimanager.so "dci_client_interrupt"
sed 's/dci_status dci_client_set_timeout_ms(dci_client \*client, uint64_t ms);/dci_status dci_client_set_timeout_ms(dci_client *client, uint32_t ms);/' \
  include/dcimanager.h > "$work/changed.h"
! cmp -s include/dcimanager.h "$work/changed.h"
expect_break "a changed parameter type" "$work/changed.h" target/release/libdcimanager.so "dci_client_set_timeout_ms"
sed 's/DCI_ERROR_TIMEOUT = 3,/DCI_ERROR_TIMEOUT = 30,/' include/dcimanager.h > "$work/enum.h"
! cmp -s include/dcimanager.h "$work/enum.h"
expect_break "a changed enum value" "$work/enum.h" target/release/libdcimanager.so "DCI_ERROR_TIMEOUT"
# A library without one export: stubs for every other one, with the same SONAME.
nm -D --defined-only target/release/libdcimanager.so | awk '$3 ~ /^dci_/ && $3 != "dci_client_free" { print "void " $3 "(void) {}" }' > "$work/stubs.c"
cc -shared -fPIC -w "$work/stubs.c" -Wl,-soname,"$soname" -o "$work/libstub.so"
expect_break "a library missing an export" include/dcimanager.h "$work/libstub.so" "export dci_client_free"
{ cat include/dcimanager.h; echo 'dci_status dci_added_later(int x);'; } > "$work/added.h"
python3 scripts/abi.py check abi/dcimanager.abi "$work/added.h" target/release/libdcimanager.so | grep -q "1 added"
ok "an added function is compatible"

echo "== make deb, lintian, the packages extracted"
scripts/make-deb.sh > "$work/debs"
mapfile -t debs < "$work/debs"
((${#debs[@]} == 3))
[[ $(basename "${debs[0]}") == libdcimanager${abi}_${version}_*.deb ]]
lintian --fail-on error "${debs[@]}" | tee "$work/lintian" | sed 's/^/    lintian: /' || {
  echo "lintian found errors" >&2; exit 1; }
ok "lintian: no error in ${debs[*]##*/}"
sysroot="$work/root"
for d in "${debs[@]}"; do dpkg-deb -x "$d" "$sysroot"; done
triplet=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)
plib="$sysroot/usr/lib/$triplet"
[[ -f $plib/libdcimanager.so.$version && -L $plib/$soname && -L $plib/libdcimanager.so ]]
cc examples/c/demo.c -I"$sysroot/usr/include" -L"$plib" -ldcimanager -o "$work/deb-demo"
LD_LIBRARY_PATH="$plib" scripts/with-emulator.sh "$work/deb-demo" | grep -q "^9. logout  *ok"
ok "C against the extracted packages"
cp -r tests/cpp/consumer "$work/consumer"
export PKG_CONFIG_SYSROOT_DIR="$sysroot" PKG_CONFIG_LIBDIR="$plib/pkgconfig"
[[ $(pkg-config --modversion dcimanager) == "$version" ]]
(cd "$work/consumer" && g++ -std=c++17 main.cpp $(pkg-config --cflags --libs dcimanager) -o consumer-pc)
unset PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_LIBDIR
LD_LIBRARY_PATH="$plib" scripts/with-emulator.sh "$work/consumer/consumer-pc"
cmake -S "$work/consumer" -B "$work/consumer/build" -DCMAKE_PREFIX_PATH="$sysroot/usr" >/dev/null
cmake --build "$work/consumer/build" >/dev/null
readelf -d "$work/consumer/build/consumer" | grep NEEDED | grep -q "\[$soname\]"
LD_LIBRARY_PATH="$plib" scripts/with-emulator.sh "$work/consumer/build/consumer"
scripts/with-emulator.sh "$work/consumer/build/consumer_static"
ok "C++ consumer against the extracted packages (pkg-config, CMake shared and static)"
"$sysroot/usr/bin/dcimanager" --version | grep -q "^dcimanager $version$"
[[ -f $sysroot/usr/share/bash-completion/completions/dcimanager ]]
zcat "$sysroot/usr/share/man/man1/dcimanager.1.gz" | grep -q '^\.TH dcimanager 1'
ok "the command-line tool, its completions and its manual page"
# PHP: the package copied out of the checkout, the library only where the loader looks.
mkdir -p "$work/php"
cp -r bindings/php/src bindings/php/include bindings/php/autoload.php "$work/php/"
cat > "$work/php/check.php" <<'EOF'
<?php
require __DIR__ . '/autoload.php';
$c = new DciManager\Client(getenv('DCI_URL'), ['ca_file' => getenv('DCI_CA')]);
$c->login('admin@example.com', 'secret');
echo DciManager\Native::libraryPath(), ' ', $c->get('dci/v3/server/1')['id'], "\n";
EOF
out=$(env -u DCIMANAGER_LIB LD_LIBRARY_PATH="$plib" scripts/with-emulator.sh php "$work/php/check.php")
[[ $out == "$soname 1" ]] || { echo "PHP said: $out" >&2; exit 1; }
ok "PHP loads $soname from the loader's path, no DCIMANAGER_LIB"
echo "packages: $passed passed, 0 failed"
