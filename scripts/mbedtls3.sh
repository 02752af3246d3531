#!/bin/bash
# SPDX-License-Identifier: ISC
# Build mbedTLS 3.6 (Debian 13's source package) into build/mbedtls3/prefix,
# so that "make MBEDTLS=3" can build and test frontdoor against it.
#
# usage: scripts/mbedtls3.sh [DIR]       (DIR defaults to build/mbedtls3)
#
# Idempotent: when DIR/prefix/lib/libmbedtls.a exists it does nothing.  As
# root it adds a deb-src line for trixie in its own sources file when apt has
# none, runs apt-get update, and installs what the build needs (dpkg-dev for
# apt-get source, cmake, python3).  Static libraries only, with Debian's
# configuration changes (threading among them) applied the same way
# debian/rules does.  Prints the prefix on its last line.

set -euo pipefail

prog=${0##*/}
top=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$top/build/mbedtls3}
prefix=$dir/prefix
list=/etc/apt/sources.list.d/frontdoor-trixie-src.sources

if [ -f "$prefix/lib/libmbedtls.a" ] &&
    [ -f "$prefix/include/mbedtls/build_info.h" ]; then
	echo "$prog: already built"
	echo "$prefix"
	exit 0
fi

need=()
for p in dpkg-dev cmake python3 make gcc; do
	[ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" = \
	    installed ] || need+=("$p")
done

have_src()
{
	apt-cache showsrc mbedtls 2>/dev/null |
	    sed -n 's/^Version: //p' | grep -q '^3\.6\.'
}

if ! have_src; then
	if [ "$(id -u)" != 0 ]; then
		echo "$prog: apt knows no mbedtls 3.6 source package;" \
		    "run me as root once to add a deb-src line for trixie" >&2
		exit 1
	fi
	if ! grep -rqs 'trixie' /etc/apt/sources.list \
	    /etc/apt/sources.list.d/ ||
	    ! grep -rqs 'deb-src' /etc/apt/sources.list \
		/etc/apt/sources.list.d/; then
		cat >"$list" <<-'EOF'
		# Added by frontdoor's scripts/mbedtls3.sh: sources only, to
		# build mbedTLS 3.6 for testing.  Safe to remove.
		Types: deb-src
		URIs: http://deb.debian.org/debian
		Suites: trixie
		Components: main
		Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
		EOF
	fi
	apt-get update
	if ! have_src; then
		echo "$prog: still no mbedtls 3.6 source after apt-get update" >&2
		exit 1
	fi
fi

if [ ${#need[@]} -gt 0 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "$prog: missing packages: ${need[*]}" >&2
		exit 1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y \
	    --no-install-recommends "${need[@]}"
fi

version=$(apt-cache showsrc mbedtls | sed -n 's/^Version: //p' |
    grep '^3\.6\.' | sort -V | tail -1)
echo "$prog: mbedtls $version"

src=$dir/src
rm -rf "$src" "$dir/build"
mkdir -p "$src"
(cd "$src" && apt-get source --only-source "mbedtls=$version")
tree=$(find "$src" -mindepth 1 -maxdepth 1 -type d -name 'mbedtls-*' | head -1)
if [ -z "$tree" ]; then
	echo "$prog: apt-get source left no mbedtls-* directory in $src" >&2
	exit 1
fi

# Apply the configuration changes Debian's rules make (threading, which the
# shared session cache and ticket keys rely on, among them), so this build
# matches what Debian 13 users get.  Context serialisation, for parked
# connections, is on by default in 3.6.
opts=$(sed -n 's/.*scripts\/config\.py set \([A-Z0-9_]*\).*/\1/p' \
    "$tree/debian/rules")
for opt in $opts MBEDTLS_THREADING_C MBEDTLS_THREADING_PTHREAD; do
	(cd "$tree" && python3 scripts/config.py set "$opt")
done
(cd "$tree" && python3 scripts/config.py get MBEDTLS_SSL_CONTEXT_SERIALIZATION)

cmake -S "$tree" -B "$dir/build" \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_INSTALL_PREFIX="$prefix" \
    -DCMAKE_POSITION_INDEPENDENT_CODE=ON \
    -DUSE_STATIC_MBEDTLS_LIBRARY=ON \
    -DUSE_SHARED_MBEDTLS_LIBRARY=OFF \
    -DENABLE_PROGRAMS=OFF \
    -DENABLE_TESTING=OFF \
    -DMBEDTLS_FATAL_WARNINGS=OFF
cmake --build "$dir/build" -j"$(nproc 2>/dev/null || echo 2)"
cmake --install "$dir/build"
echo "$prog: installed into $prefix"
echo "$prefix"
