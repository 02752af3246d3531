#!/bin/bash
# SPDX-License-Identifier: ISC
# Show frontdoor working: two small demo apps behind build/frontdoord on
# 127.0.0.1:8080, a little background traffic, and then, on a terminal, the
# dashboard (build/frontdoor): quitting it (q) stops everything this script
# started.  Not on a terminal, or with DEMO_SECONDS, the access log follows
# instead and Ctrl-C stops everything.
#
# Environment:
#   DEMO_SECONDS=N   stop by itself after N seconds (for tests; default: run until Ctrl-C)
#   DEMO_PORT        frontdoord's port (8080); DEMO_NOTES_PORT (9001), DEMO_PHOTOS_PORT (9002),
#                    DEMO_PHOTOS2_PORT (photos + 1), DEMO_HTTPS_PORT (8443)
#   FRONTDOORD       the daemon (build/frontdoord)
#   FRONTDOOR        the client, for the dashboard (build/frontdoor)
#   DEMO_KEEP=1      keep the run directory (config, logs) afterwards
set -u

repo=$(cd "$(dirname "$0")/.." && pwd)
FRONTDOORD=${FRONTDOORD:-$repo/build/frontdoord}
FRONTDOOR=${FRONTDOOR:-$repo/build/frontdoor}
PY=/usr/bin/python3
port=${DEMO_PORT:-8080}
notes_port=${DEMO_NOTES_PORT:-9001}
photos_port=${DEMO_PHOTOS_PORT:-9002}
https_port=${DEMO_HTTPS_PORT:-8443}
photos2_port=${DEMO_PHOTOS2_PORT:-$((photos_port + 1))}
seconds=${DEMO_SECONDS:-}

if [ ! -x "$FRONTDOORD" ]; then
	echo "demo: $FRONTDOORD is not built; run: make build/frontdoord" >&2
	exit 1
fi
for p in "$port" "$notes_port" "$photos_port" "$https_port" ${seconds:+"$seconds"}; do
	case $p in ''|*[!0-9]*) echo "demo: not a number: '$p'" >&2; exit 2 ;; esac
done

rundir=$(mktemp -d "${TMPDIR:-/tmp}/frontdoor-demo.XXXXXX") || exit 1
user_line="; not root: no user to drop to"
if [ "$(id -u)" = 0 ]; then
	# frontdoord drops to nobody after binding; it must still write its
	# state file and reopen its logs in the run directory.
	user_line="user = nobody"
	chmod 0777 "$rundir"
fi
conf=$rundir/frontdoor.ini
sed -e "s|@RUNDIR@|$rundir|g" -e "s|@HTTP_PORT@|$port|g" \
    -e "s|@NOTES_PORT@|$notes_port|g" -e "s|@PHOTOS_PORT@|$photos_port|g" \
    -e "s|@PHOTOS2_PORT@|$photos2_port|g" -e "s|@HTTPS_PORT@|$https_port|g" \
    -e "s|^;@USER_LINE@\$|$user_line|" "$repo/config/demo.ini" > "$conf"
chmod 0644 "$conf"
install -m 0644 "$repo/config/demo.htpasswd" "$rundir/demo.htpasswd"

# A certificate for localhost, made for this run (ECDSA P-256, 30 days).
if ! openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -days 30 -subj /CN=localhost \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$rundir/localhost.key" -out "$rundir/localhost.crt" \
    >/dev/null 2>&1; then
	echo "demo: openssl could not make a certificate" >&2
	exit 1
fi
chmod 0600 "$rundir/localhost.key"
# The daemon reads it again on reload, after dropping to nobody.
[ "$(id -u)" = 0 ] && chown nobody "$rundir/localhost.key"

pids=()		# everything started, stopped in reverse order
fd_pid=
done_cleanup=0

stop_pid()
{
	local pid=$1 i
	kill -TERM "$pid" 2>/dev/null || return 0
	for i in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

cleanup()
{
	local i
	[ "$done_cleanup" = 1 ] && return
	done_cleanup=1
	trap - INT TERM EXIT
	echo
	echo "demo: stopping"
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		stop_pid "${pids[i]}"
	done
	if [ "${DEMO_KEEP:-0}" = 1 ]; then
		echo "demo: run directory kept: $rundir"
	else
		rm -rf "$rundir"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

wait_http()	# URL SECONDS: until something answers at URL
{
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		curl -s -o /dev/null --max-time 1 --noproxy '*' "$1" && return 0
		sleep 0.1
	done
	return 1
}

"$PY" "$repo/demo/notes.py" --port "$notes_port" & pids+=($!)
"$PY" "$repo/demo/photos.py" --port "$photos_port" & pids+=($!)
"$PY" "$repo/demo/photos.py" --port "$photos2_port" & pids+=($!)
wait_http "http://127.0.0.1:$notes_port/healthz" 10 || { echo "demo: notes app did not start" >&2; exit 1; }
wait_http "http://127.0.0.1:$photos_port/healthz" 10 || { echo "demo: photos app did not start" >&2; exit 1; }
wait_http "http://127.0.0.1:$photos2_port/healthz" 10 || { echo "demo: second photos app did not start" >&2; exit 1; }

"$FRONTDOORD" -t -c "$conf" || { echo "demo: generated config $conf is not valid" >&2; exit 1; }
"$FRONTDOORD" -c "$conf" & fd_pid=$!
pids+=("$fd_pid")
if ! wait_http "http://127.0.0.1:$port/" 10; then
	echo "demo: frontdoord did not come up on 127.0.0.1:$port" >&2
	cat "$rundir/error.log" >&2 2>/dev/null
	exit 1
fi

base=http://127.0.0.1:$port
dashboard=0
if [ -z "$seconds" ] && [ -t 0 ] && [ -t 1 ] && [ -x "$FRONTDOOR" ]; then
	dashboard=1
	follow="The dashboard opens in 3 s; q (or Ctrl-C) quits it and stops everything."
else
	follow="Access log follows; Ctrl-C stops everything."
fi
cat <<MSG

frontdoor demo is running (frontdoord pid $fd_pid, run dir $rundir)
  $base/notes/              notes app (HTML)
  $base/notes/api/notes     notes app (JSON API; POST {"text": "..."} to add)
  $base/photos/             photos app, two copies taking turns
  https://localhost:$https_port/notes/   the same over HTTPS
                            (curl --cacert $rundir/localhost.crt ...)
  $base/photos/slow?ms=1500 a slow page
  curl -H 'Host: photos.localhost' $base/    photos by host name
  $base/private/            behind basic auth: user demo, password frontdoor
  $base/limited/            rate limited: 2/s, bursts of 4, then 429
  $base/attic/              a disabled route (503)
  $base/missing             no route (404)
Error log: $rundir/error.log.  $follow

MSG

# background traffic: bounded (each request and the number of rounds)
(
	child=
	trap '[ -n "$child" ] && kill "$child" 2>/dev/null; exit 0' TERM
	paths=(/notes/ /notes/api/notes /photos/ /photos/photo/3 /photos/img/2.svg
	       "/photos/slow?ms=300" /missing /attic/)
	for ((round = 0; round < 2400; round++)); do
		p=${paths[round % ${#paths[@]}]}
		if ((round % 7 == 3)); then
			curl -s -o /dev/null --max-time 5 --noproxy '*' \
			    --cacert "$rundir/localhost.crt" -A demo-traffic/1.0 \
			    "https://localhost:$https_port/notes/" &
		elif ((round % 5 == 4)); then
			curl -s -o /dev/null --max-time 5 --noproxy '*' \
			    -H 'Host: photos.localhost' -A demo-traffic/1.0 "$base/photo/1" &
		else
			curl -s -o /dev/null --max-time 5 --noproxy '*' \
			    -A demo-traffic/1.0 -e "$base/" "$base$p" &
		fi
		child=$!; wait "$child"
		sleep 0.5 & child=$!; wait "$child"
	done
) & pids+=($!)

if [ "$dashboard" = 1 ]; then
	# The dashboard in the foreground; its end is the demo's end.
	sleep 3
	"$FRONTDOOR" -s "$rundir/control.sock"
	exit 0
fi

tail -n +1 -F "$rundir/access.log" 2>/dev/null & pids+=($!)
tail_pid=$!

if [ -n "$seconds" ]; then
	sleep "$seconds" & pids+=($!)
	wait "$!"
else
	wait "$tail_pid"
fi
exit 0
