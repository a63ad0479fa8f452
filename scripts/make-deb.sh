#!/usr/bin/env bash
# Debian packages of this checkout's release build, with the standard tools (dpkg-deb,
# dpkg-shlibdeps), into dist/:
#   libdcimanager<abi>      the shared library (named after its SONAME, libdcimanager.so.<abi>),
#                           in the multiarch directory /usr/lib/<triplet>, with its shlibs file
#                           and the ldconfig trigger
#   libdcimanager-dev       headers, the unversioned link, the static library, pkg-config and
#                           CMake files
#   dcimanager              the command-line tool and its completions
# The files come from `make install DESTDIR=... PREFIX=/usr LIBDIR_REL=lib/<triplet>`, so the
# packages hold exactly what a source install does. Run by `make deb` (after `make build`).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if ! command -v dpkg-shlibdeps >/dev/null 2>&1; then
  sudo=""; [[ $(id -u) -eq 0 ]] || sudo=sudo
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq dpkg-dev >/dev/null
fi
version=$(sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' Cargo.toml)
soname=$(scripts/soname.sh)
abi=${soname#libdcimanager.so.}
arch=$(dpkg --print-architecture)
triplet=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)
libpkg="libdcimanager$abi"
maintainer="dcimanager developers <dcimanager@example.com>"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
stage="$work/stage"
make -s install DESTDIR="$stage" PREFIX=/usr LIBDIR_REL="lib/$triplet" >/dev/null
libdir="usr/lib/$triplet"

# The files of each package, taken from the staged install.
move() { # package, paths relative to the stage...
  local pkg=$1; shift
  for p in "$@"; do
    mkdir -p "$work/$pkg/$(dirname "$p")"
    mv "$stage/$p" "$work/$pkg/$p"
  done
}
move "$libpkg" "$libdir/libdcimanager.so.$version" "$libdir/libdcimanager.so.$abi"
move libdcimanager-dev usr/include "$libdir/libdcimanager.so" "$libdir/libdcimanager.a" \
  "$libdir/pkgconfig" "$libdir/cmake"
move dcimanager usr/bin usr/share
gzip -9n "$work/dcimanager/usr/share/man/man1/dcimanager.1"   # policy: manual pages compressed
left=$(find "$stage" -type f -o -type l | wc -l)
[[ $left -eq 0 ]] || { echo "make-deb: files of the install in no package:" >&2; find "$stage" -type f -o -type l >&2; exit 1; }

date_rfc=$(date -R -d "@$(git log -1 --format=%ct 2>/dev/null || date +%s)")
docs() { # package: copyright and changelog, as policy asks of every package
  local pkg=$1 doc="$work/$1/usr/share/doc/$1"
  mkdir -p "$doc"
  cat > "$doc/copyright" <<EOF
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: dcimanager
Source: https://github.com/dcimanager/dcimanager

Files: *
Copyright: 2026 dcimanager developers
License: MIT or Apache-2.0
 Permission is hereby granted, free of charge, to any person obtaining a copy of this
 software, to deal in the Software without restriction, under the terms of the MIT license,
 or, at your option, of the Apache License, Version 2.0.
 .
 On Debian systems, the full text of the Apache License, Version 2.0 can be found in
 the file '/usr/share/common-licenses/Apache-2.0'.
EOF
  printf '%s (%s) unstable; urgency=medium\n\n  * Release %s: see CHANGELOG.md of the source.\n\n -- %s  %s\n' \
    "$pkg" "$version" "$version" "$maintainer" "$date_rfc" | gzip -9n > "$doc/changelog.gz"
}

# Run-time dependencies, as dpkg-shlibdeps computes them from the ELF files.
shlibdeps() { # package, files...
  local pkg=$1; shift
  mkdir -p "$work/shlibdeps/debian"
  printf 'Source: dcimanager\n\nPackage: %s\nArchitecture: any\n' "$pkg" > "$work/shlibdeps/debian/control"
  (cd "$work/shlibdeps" && dpkg-shlibdeps -O "$@" 2>/dev/null) | sed -n 's/^shlibs:Depends=//p'
}

control() { # package, section, depends, multi-arch, synopsis, description
  local pkg=$1 dir="$work/$1/DEBIAN"
  mkdir -p "$dir"
  local size
  size=$(du -k -s --exclude=DEBIAN "$work/$pkg" | cut -f1)
  {
    echo "Package: $pkg"
    echo "Source: dcimanager"
    echo "Version: $version"
    echo "Architecture: $arch"
    echo "Maintainer: $maintainer"
    echo "Installed-Size: $size"
    [[ -n $3 ]] && echo "Depends: $3"
    echo "Section: $2"
    echo "Priority: optional"
    [[ -n $4 ]] && echo "Multi-Arch: $4"
    echo "Homepage: https://github.com/dcimanager/dcimanager"
    echo "Description: $5"
    echo "$6" | fold -s -w 78 | sed 's/ *$//; s/^/ /'
  } > "$dir/control"
  (cd "$work/$pkg" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | sort -z | xargs -0 md5sum) > "$dir/md5sums"
}

docs "$libpkg"
control "$libpkg" libs "$(shlibdeps "$libpkg" "$work/$libpkg/$libdir/libdcimanager.so.$version")" same \
  "client library for the DCImanager 6 REST API" \
  "One engine for every language: login, long-lived tokens, single sign-on keys, retries while the platform wakes from suspension (HTTP 503), one re-login when a session expires, TLS verified by default, proxies. This package holds the shared library (C ABI)."
echo "libdcimanager $abi $libpkg (>= $version)" > "$work/$libpkg/DEBIAN/shlibs"
echo "activate-noawait ldconfig" > "$work/$libpkg/DEBIAN/triggers"

docs libdcimanager-dev
control libdcimanager-dev libdevel "$libpkg (= $version)" same \
  "client library for the DCImanager 6 REST API - development files" \
  "The C header (generated from the library's C ABI), the header-only C++17 wrapper, the static library, and pkg-config and CMake files (find_package(dcimanager CONFIG))."

docs dcimanager
control dcimanager utils "$(shlibdeps dcimanager "$work/dcimanager/usr/bin/dcimanager")" foreign \
  "command-line client for the DCImanager 6 REST API" \
  "Log in once, call the API as gh api does (fields, paging, jq filters), make single sign-on links and learn a server's certificate pin, with retries while the platform wakes from suspension and the session token kept in a private file."

mkdir -p dist
rm -f dist/*.deb
for pkg in "$libpkg" libdcimanager-dev dcimanager; do
  find "$work/$pkg" -type d -exec chmod 755 {} +
  dpkg-deb --root-owner-group -Zxz --build "$work/$pkg" "dist/${pkg}_${version}_${arch}.deb" >/dev/null
  echo "dist/${pkg}_${version}_${arch}.deb"
done
