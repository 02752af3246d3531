#!/bin/bash
# SPDX-License-Identifier: ISC
# Run every test suite in turn and end with "check: N passed, N failed".
#
# Suites: format-check, build, docs, unit, e2e, fuzz-replay, then an
# ASan+UBSan build with unit and e2e again.  A failed suite does not stop the
# run; suites that need a failed build are counted as failed without running.
# Each suite has a time limit; together they stay under 80 minutes (a run takes about 15).
# WERROR=1 in the environment makes warnings errors.  Exit status: 0 when
# every suite passed, 1 otherwise.

set -uo pipefail

cd "$(dirname "$0")/.." || exit 1

# Called from make: drop the parent's flags (and its jobserver) so each
# build below is configured only by what is passed on its command line.
unset MAKEFLAGS MFLAGS MAKELEVEL

WERROR=${WERROR:-}
JOBS=$(nproc 2>/dev/null || echo 2)
PYTHON=/usr/bin/python3		# Debian's, with python3-pytest
MAKE_ARGS=(-j"$JOBS" WERROR="$WERROR")
ASAN=build-asan

npass=0
nfail=0
results=()

# suite NAME TIMEOUT COMMAND... : run one suite and record its result.
suite()
{
	local name=$1 limit=$2 start rc
	shift 2

	echo
	echo "=== $name"
	start=$(date +%s)
	timeout -k 10 "$limit" "$@"
	rc=$?
	if [ "$rc" = 0 ]; then
		record "$name" ok "$(( $(date +%s) - start ))s"
	elif [ "$rc" = 124 ]; then
		record "$name" FAILED "timed out after $limit"
	else
		record "$name" FAILED "exit status $rc"
	fi
	return "$rc"
}

# record NAME ok|FAILED|skipped DETAIL
record()
{
	case "$2" in
	ok)	npass=$((npass + 1)) ;;
	FAILED)	nfail=$((nfail + 1)) ;;
	esac
	results+=("$(printf '%-14s %-8s %s' "$1" "$2" "$3")")
	echo "--- $1: $2 ($3)"
}

# Run each unit test program under DIR/tests; fail if any fails or none exist.
run_unit()
{
	local dir=$1 t n=0 bad=()

	for t in "$dir"/tests/test-*; do
		[ -x "$t" ] || continue
		n=$((n + 1))
		echo "== $t"
		"$t" || bad+=("$t")
	done
	if [ "$n" = 0 ]; then
		echo "no unit test programs in $dir/tests"
		return 1
	fi
	if [ ${#bad[@]} -gt 0 ]; then
		echo "unit tests failed: ${bad[*]}"
		return 1
	fi
	echo "$n unit test programs passed"
}

run_e2e()
{
	FRONTDOORD="$1/frontdoord" FRONTDOOR="$1/frontdoor" \
	    "$PYTHON" -m pytest -q -p no:cacheprovider tests/e2e
}

# The man pages render without warnings and the example config is valid.
run_docs()
{
	local m rc=0 out

	for m in man/frontdoord.8 man/frontdoor.ini.5 man/frontdoor.1; do
		out=$(groff -ww -man -z "$m" 2>&1)
		if [ -n "$out" ] || [ ! -s "$m" ]; then
			echo "$m: groff warnings:"
			echo "$out"
			rc=1
		fi
	done
	# The example leaves "user" unset, so check it as a user would, not
	# as root (which would need "user").
	if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
		setpriv --reuid=nobody --regid=nogroup --clear-groups \
		    build/frontdoord -t -c config/frontdoor.ini || rc=1
	else
		build/frontdoord -t -c config/frontdoor.ini || rc=1
	fi
	return "$rc"
}

# Suites that are shell functions run through this script again, so that
# timeout(1) can run (and kill) them like any other command.
if [ "${1:-}" = --run ]; then
	shift
	"$@"
	exit
fi
self=("$PWD/tests/check.sh" --run)

suite format-check 60 make format-check
suite layers 60 make layer-check

built=0
suite build 300 make "${MAKE_ARGS[@]}" all unit-build && built=1

if [ "$built" = 1 ]; then
	suite docs 60 "${self[@]}" run_docs
	suite unit 180 "${self[@]}" run_unit build
	suite e2e 800 "${self[@]}" run_e2e build
	# A few seconds of load: fails on errors or a dead daemon, never on speed.
	suite bench-smoke 180 /usr/bin/python3 bench/smoke build/frontdoord
	# The TLS unit and end-to-end tests again against mbedTLS 3.6 (TLS 1.3).
	suite tls-mbedtls3 900 make WERROR="$WERROR" check-tls
else
	for s in docs unit e2e bench-smoke tls-mbedtls3; do
		record "$s" FAILED "not run: build failed"
	done
fi

if [ -f fuzz/fuzz.mk ]; then
	suite fuzz-replay 300 make "${MAKE_ARGS[@]}" fuzz-replay
else
	record fuzz-replay skipped "fuzz/fuzz.mk is not there yet"
fi

asan_built=0
suite asan-build 300 make "${MAKE_ARGS[@]}" asan && asan_built=1

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
if [ "$asan_built" = 1 ]; then
	suite asan-unit 300 "${self[@]}" run_unit "$ASAN"
	suite asan-e2e 1200 "${self[@]}" run_e2e "$ASAN"
else
	for s in asan-unit asan-e2e; do
		record "$s" FAILED "not run: asan build failed"
	done
fi
unset ASAN_OPTIONS UBSAN_OPTIONS

echo
echo "=== summary"
printf '%s\n' "${results[@]}"
echo "check: $npass passed, $nfail failed"
[ "$nfail" = 0 ]
