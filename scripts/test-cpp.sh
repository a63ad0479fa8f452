#!/usr/bin/env bash
# C++ checks run by `make test-cpp` (after `cargo build --release`):
#  1. the headers compile under -Wall -Wextra -Werror -pedantic as C99, C11 and C++17, each
#     included twice in one program;
#  2. the wrapper's tests, its failures (errors that name their request, interrupt() from a
#     thread and a signal handler), its log callbacks (per client and process-wide, a callback
#     that throws, removal), its batches (send_all: at once, in order, each failure with its
#     own facts), the conformance matrix and the network tests
#     (self-signed certificate, pins, proxies: the real parts of scripts/net-fixture.sh)
#     under AddressSanitizer and UndefinedBehaviorSanitizer (zero reports);
#  3. the C++ example;
#  4. `make install` into a temporary prefix, a consumer project outside the tree built with
#     pkg-config and with CMake (shared and static) and run, then `make uninstall`.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
need=()
command -v g++ >/dev/null || need+=(g++)
command -v cmake >/dev/null || need+=(cmake)
command -v pkg-config >/dev/null || need+=(pkg-config)
if ((${#need[@]})); then
  echo "installing: ${need[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
strict=(-Wall -Wextra -Werror -pedantic)
passed=0

echo "== headers under strict warnings, included twice"
printf '#include "dcimanager.h"\n#include "dcimanager.h"\nint main(void) { return dci_version() == 0; }\n' >"$work/twice.c"
printf '#include "dcimanager.hpp"\n#include "dcimanager.h"\n#include "dcimanager.hpp"\nint main() { return dci::version().empty(); }\n' >"$work/twice.cpp"
for std in c99 c11; do
  gcc -std=$std "${strict[@]}" -Iinclude -c "$work/twice.c" -o "$work/twice-$std.o"; passed=$((passed + 1))
done
g++ -std=c++17 "${strict[@]}" -Iinclude -x c++ -c "$work/twice.c" -o "$work/twice-cxx.o"; passed=$((passed + 1))
g++ -std=c++17 "${strict[@]}" -Wshadow -Wconversion -Iinclude -c "$work/twice.cpp" -o "$work/twice-hpp.o"; passed=$((passed + 1))

echo "== wrapper tests under ASan/UBSan"
g++ -std=c++17 "${strict[@]}" -g -fsanitize=address,undefined -fno-sanitize-recover=undefined -Iinclude \
  tests/cpp/test_wrapper.cpp -o "$work/test_wrapper" -Ltarget/release -ldcimanager -Wl,-rpath,"$root/target/release" -lpthread
ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  scripts/with-emulator.sh "$work/test_wrapper"

echo "== failures under ASan/UBSan: errors that name their request, interrupt() from a thread and a signal"
g++ -std=c++17 "${strict[@]}" -g -fsanitize=address,undefined -fno-sanitize-recover=undefined -Iinclude \
  tests/cpp/test_failures.cpp -o "$work/test_failures" -Ltarget/release -ldcimanager -Wl,-rpath,"$root/target/release" -lpthread
ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  scripts/with-emulator.sh "$work/test_failures"

for t in test_logging test_batch; do
  case $t in
    test_logging) echo "== log callbacks under ASan/UBSan: per client, process-wide, throwing, removed, outliving the Client" ;;
    test_batch) echo "== batches under ASan/UBSan: send_all at once, in order, each failure with its own facts" ;;
  esac
  g++ -std=c++17 "${strict[@]}" -g -fsanitize=address,undefined -fno-sanitize-recover=undefined -Iinclude \
    tests/cpp/$t.cpp -o "$work/$t" -Ltarget/release -ldcimanager -Wl,-rpath,"$root/target/release" -lpthread
  ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    scripts/with-emulator.sh "$work/$t"
done

echo "== the conformance matrix (tests/operations.json) under ASan/UBSan"
python3 scripts/operations_to_c.py tests/operations.json > "$work/operations_table.h"
g++ -std=c++17 "${strict[@]}" -Wno-missing-field-initializers -g -fsanitize=address,undefined -fno-sanitize-recover=undefined \
  -Iinclude -I"$work" tests/cpp/test_conformance.cpp -o "$work/test_conformance" -Ltarget/release -ldcimanager \
  -Wl,-rpath,"$root/target/release" -lpthread
ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  scripts/with-emulator.sh "$work/test_conformance"

echo "== networks under ASan/UBSan: self-signed certificate, pins, proxies (scripts/net-fixture.sh)"
g++ -std=c++17 "${strict[@]}" -g -fsanitize=address,undefined -fno-sanitize-recover=undefined -Iinclude \
  tests/cpp/test_networks.cpp -o "$work/test_networks" -Ltarget/release -ldcimanager -Wl,-rpath,"$root/target/release" -lpthread
ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  scripts/net-fixture.sh run "$work/test_networks"

echo "== examples/cpp/quickstart.cpp"
g++ -std=c++17 "${strict[@]}" -Iinclude examples/cpp/quickstart.cpp -o "$work/quickstart" \
  -Ltarget/release -ldcimanager -Wl,-rpath,"$root/target/release"
scripts/with-emulator.sh "$work/quickstart" | grep -q "^9. logout  *ok"; passed=$((passed + 1))

echo "== install, consumer project outside the tree, uninstall"
prefix="$work/prefix"
make -s install PREFIX="$prefix" >/dev/null
cp -r tests/cpp/consumer "$work/consumer"
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
crate_version=$(sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' Cargo.toml)
[[ $(pkg-config --modversion dcimanager) == "$crate_version" ]]; passed=$((passed + 1))
(cd "$work/consumer" && g++ -std=c++17 main.cpp $(pkg-config --cflags --libs dcimanager) -o consumer-pc)
LD_LIBRARY_PATH="$prefix/lib" scripts/with-emulator.sh "$work/consumer/consumer-pc"
cmake -S "$work/consumer" -B "$work/consumer/build" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/consumer/build" >/dev/null
LD_LIBRARY_PATH="$prefix/lib" scripts/with-emulator.sh "$work/consumer/build/consumer"
scripts/with-emulator.sh "$work/consumer/build/consumer_static"
# The command-line tool: installed stripped, with its completions, and it runs.
"$prefix/bin/dcimanager" --version | grep -q "^dcimanager $crate_version$"
grep -q paginate "$prefix/share/bash-completion/completions/dcimanager"
make -s uninstall PREFIX="$prefix" >/dev/null
left=$(find "$prefix" -type f | wc -l)
[[ $left -eq 0 ]] || { echo "uninstall left $left files" >&2; exit 1; }
passed=$((passed + 1))
echo "cpp checks: $passed passed, 0 failed"
