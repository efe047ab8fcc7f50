#!/usr/bin/env bash
# SSR benchmark: latency (p50/p99) and requests/s of a signed-in console page at 8
# connections, with wrk (Debian package). Starts its own server on a free port over a
# fresh SQLite data dir; BOSUN_BIN names the binary (cargo xtask bench builds release).
# Not a test: it prints figures, it asserts nothing.
set -euo pipefail
BIN=${BOSUN_BIN:?set BOSUN_BIN to the bosun binary}
DURATION=${BENCH_DURATION:-15s}
PAGE=${BENCH_PAGE:-/settings}
command -v wrk >/dev/null || { [ "$(id -u)" = 0 ] && apt-get install -y wrk >/dev/null; } || { echo "wrk is missing (apt-get install wrk)"; exit 1; }
PORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
DATA=$(mktemp -d)
PW="bench password 123456"
BOSUN_ADMIN_PASSWORD="$PW" "$BIN" serve --listen 127.0.0.1:$PORT --data-dir "$DATA" >"$DATA/log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; rm -rf "$DATA"' EXIT
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
COOKIE=$(curl -s -D - -o /dev/null -X POST "http://127.0.0.1:$PORT/api/login" \
  -H "Origin: http://127.0.0.1:$PORT" --data-urlencode "username=admin" --data-urlencode "password=$PW" \
  | tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: \(bosun_session=[^;]*\).*/\1/p')
[ -n "$COOKIE" ] || { echo "sign-in failed"; cat "$DATA/log"; exit 1; }
STATUS=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $COOKIE" "http://127.0.0.1:$PORT$PAGE")
[ "$STATUS" = 200 ] || { echo "GET $PAGE answered $STATUS"; exit 1; }
echo "GET $PAGE signed in, 8 connections, 2 threads, $DURATION:"
wrk -t2 -c8 -d"$DURATION" --latency -H "Cookie: $COOKIE" -H "Accept-Encoding: gzip" "http://127.0.0.1:$PORT$PAGE" \
  | grep -E "Requests/sec|Latency|50%|75%|90%|99%|requests in|Non-2xx"
