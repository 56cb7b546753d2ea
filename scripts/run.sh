#!/bin/sh
# make run: the development site.  Starts the development database (unless
# MONGODB_URI names a real server), the mock provider and lighttpd, prints
# the URLs, and stops all three on Ctrl-C or SIGTERM.
set -u
B=${1:-build}
ROOT=$(pwd)
PORT=${PORT:-8000}
MOCK_PORT=${MOCK_PORT:-8001}
DEVDB_PORT=${DEVDB_PORT:-27018}
RUN=$ROOT/run
mkdir -p "$RUN"
pids=""

# Stops what was started; exits with $1 (0 after Ctrl-C or SIGTERM).
stop() {
	trap - INT TERM EXIT
	[ -n "$pids" ] && kill $pids 2>/dev/null
	for p in $pids; do wait "$p" 2>/dev/null; done
	[ -n "$pids" ] && echo "cgiauth: stopped"
	exit "${1:-0}"
}
trap 'stop 0' INT TERM
trap 'stop 1' EXIT

# Waits for host:port to accept connections (20 s at most).
await() {
	/usr/bin/python3 - "$1" "$2" <<'PY' || { echo "cgiauth: $3 did not start on port $2" >&2; stop 1; }
import socket, sys, time
end = time.time() + 20
while time.time() < end:
    try:
        socket.create_connection((sys.argv[1], int(sys.argv[2])), 0.5).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)
PY
}

for p in "$PORT" "$MOCK_PORT" "$DEVDB_PORT"; do
	if /usr/bin/python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $p), 0.3)" 2>/dev/null; then
		echo "cgiauth: port $p is already in use (set PORT, MOCK_PORT or DEVDB_PORT)" >&2
		stop 1
	fi
done

# Development settings: a .env of the site's own first, then ours.
ENVF=$RUN/dev.env
: > "$ENVF"
[ -f "$ROOT/.env" ] && cat "$ROOT/.env" >> "$ENVF"
{
	echo "ENVIRONMENT=development"
	echo "SITE_URL=http://127.0.0.1:$PORT"
	echo "MONGODB_URI=${MONGODB_URI:-mongodb://127.0.0.1:$DEVDB_PORT/cgiauth}"
	echo "MOCK_URL=http://127.0.0.1:$MOCK_PORT"
	echo "SESSION_KEY=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')"
} >> "$ENVF"

if [ -z "${MONGODB_URI:-}" ]; then
	/usr/bin/python3 devdb/devdb.py --port "$DEVDB_PORT" &
	pids="$pids $!"
	await 127.0.0.1 "$DEVDB_PORT" "the development database"
fi
"$B/mock-provider/mock-provider" --port "$MOCK_PORT" \
    --fixtures fixtures/mock-provider/users.json &
pids="$pids $!"
await 127.0.0.1 "$MOCK_PORT" "the mock provider"

PORT=$PORT CGIAUTH_BIN=$ROOT/$B/cgi-bin CGIAUTH_ROOT=$ROOT \
    CGIAUTH_ENV_FILE=$ENVF CGIAUTH_TUNE_FILE=$ROOT/tune.json \
    lighttpd -D -f "$ROOT/lighttpd.conf" &
pids="$pids $!"
await 127.0.0.1 "$PORT" "lighttpd"

cat <<MSG

cgiauth is running.
  sign in:        http://127.0.0.1:$PORT/auth/login
  dashboard:      http://127.0.0.1:$PORT/dashboard
  mock provider:  http://127.0.0.1:$MOCK_PORT/.well-known/openid-configuration
  database:       ${MONGODB_URI:-mongodb://127.0.0.1:$DEVDB_PORT/cgiauth (devdb, in memory)}
Press Ctrl-C to stop.

MSG
# Until Ctrl-C or SIGTERM; the three ending by themselves is an error.
wait
stop 1
