#!/bin/bash
# SPDX-License-Identifier: ISC
# Install (as root) or name (otherwise) the Debian packages a goal needs.
#
# usage: scripts/deps.sh [build|demo|check|bench ...]
#
# With no goal, only what building needs.  Each goal adds to the build set.
# Already-installed packages are left alone; when nothing is missing this
# touches neither the network nor apt.  Works on Debian 12 and 13.

set -euo pipefail

prog=${0##*/}

usage()
{
	echo "usage: $prog [build|demo|check|bench ...]" >&2
	exit 2
}

build_pkgs=(gcc make pkg-config libuv1-dev libinih-dev libcmocka-dev libmbedtls-dev
	libncurses-dev libmaxminddb-dev libcrypt-dev zlib1g-dev libzstd-dev)
check_pkgs=(curl python3 python3-pytest socat clang CLANG_RT clang-format
	tmux openssl apache2-utils groff-base testssl.sh libmaxmind-db-writer-perl
	nginx-light wrk zstd)
demo_pkgs=(python3 curl openssl)
bench_pkgs=(nginx-light haproxy wrk lighttpd lighttpd-mod-mbedtls openssl libssl-dev)

apt_updated=0

apt_update_once()
{
	if [ "$apt_updated" = 0 ]; then
		echo "$prog: apt-get update" >&2
		apt-get update
		apt_updated=1
	fi
}

# Whether apt has any package lists at all (a fresh container has none).
apt_has_lists()
{
	compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null
}

installed()
{
	[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]
}

known_to_apt()
{
	apt-cache show "$1" >/dev/null 2>&1
}

# The compiler-rt package that gives clang its sanitizer and libFuzzer
# runtimes.  Debian 12 ships it as libclang-rt-14-dev, Debian 13 as
# libclang-rt-19-dev; llvm-defaults adds the unversioned libclang-rt-dev on
# both.  Prefer whatever already satisfies the installed clang.
clang_rt_pkg()
{
	local v=""

	if command -v clang >/dev/null 2>&1; then
		v=$(clang -dumpversion 2>/dev/null | cut -d. -f1)
		if [ -n "$v" ] && installed "libclang-rt-$v-dev"; then
			echo "libclang-rt-$v-dev"
			return
		fi
	fi
	if installed libclang-rt-dev || known_to_apt libclang-rt-dev; then
		echo libclang-rt-dev
		return
	fi
	if [ -z "$v" ]; then
		v=$(apt-cache policy clang 2>/dev/null |
		    sed -n 's/^ *Candidate: *\([0-9]*:\)\{0,1\}\([0-9]*\).*/\2/p')
	fi
	if [ -z "$v" ]; then
		# apt knows nothing yet: go by the release.
		. /etc/os-release
		case "${VERSION_ID:-}" in
		12)	v=14 ;;
		*)	v=19 ;;
		esac
	fi
	echo "libclang-rt-$v-dev"
}

goals=("$@")
[ ${#goals[@]} -gt 0 ] || goals=(build)

wanted=("${build_pkgs[@]}")
for g in "${goals[@]}"; do
	case "$g" in
	build)	;;
	check)	wanted+=("${check_pkgs[@]}") ;;
	demo)	wanted+=("${demo_pkgs[@]}") ;;
	bench)	wanted+=("${bench_pkgs[@]}") ;;
	*)	usage ;;
	esac
done

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "$prog: this script knows Debian packages only; needed:" \
	    "${wanted[*]}" >&2
	exit 1
fi

root=0
[ "$(id -u)" = 0 ] && root=1

# Resolving the compiler-rt name may need package lists.
for p in "${wanted[@]}"; do
	if [ "$p" = CLANG_RT ] && [ "$root" = 1 ] && ! apt_has_lists; then
		apt_update_once
	fi
done

missing=()
declare -A seen=()
for p in "${wanted[@]}"; do
	[ "$p" = CLANG_RT ] && p=$(clang_rt_pkg)
	[ -n "${seen[$p]:-}" ] && continue
	seen[$p]=1
	installed "$p" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "$prog: all packages for ${goals[*]} are installed"
	exit 0
fi

if [ "$root" = 0 ]; then
	echo "$prog: missing packages: ${missing[*]}" >&2
	echo "$prog: as root, run:" >&2
	echo "sudo apt-get install -y --no-install-recommends ${missing[*]}"
	exit 1
fi

apt_update_once
echo "$prog: apt-get install ${missing[*]}" >&2
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    "${missing[@]}"
