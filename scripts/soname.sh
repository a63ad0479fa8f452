#!/usr/bin/env bash
# Prints the library's SONAME for the workspace's version (Cargo.toml), by build.rs's rule:
# libdcimanager.so.0.<minor> while the major version is 0, libdcimanager.so.<major> after.
# The one shell copy of that rule: the Makefile, make-deb.sh and test-packages.sh ask here
# (test-packages.sh checks the built library's SONAME is this).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
version=$(sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' "$root/Cargo.toml")
major=${version%%.*}
rest=${version#*.}
minor=${rest%%.*}
if [[ $major == 0 ]]; then echo "libdcimanager.so.0.$minor"; else echo "libdcimanager.so.$major"; fi
