#!/usr/bin/env bash
# Agent benchmarks (issue: managed nodes). Not a test: it prints figures, asserts nothing.
#
#  1. Agent idle cost: one real bosun-agent connected to a real server for
#     $IDLE_SECONDS (default 60): RSS and PSS (/proc/PID/smaps_rollup), and CPU per
#     second of wall time from /proc/PID/schedstat (nanoseconds, not 10 ms ticks).
#  2. Server memory per connected agent: the server's RSS and PSS before and after
#     $SWARM_COUNT (default 1000) agents connect from one bosun-swarm process (the
#     real agent library, one state directory per node), after they have settled.
#
# Starts its own server on a free port over a fresh SQLite data dir. Binaries:
# BOSUN_BIN, AGENT_BIN, SWARM_BIN (cargo xtask bench builds release ones). The
# activation is created with the AWS CLI (`aws ssm create-activation`) against the
# server, signed with an access key from `bosun access-key create`.
set -euo pipefail
BIN=${BOSUN_BIN:?set BOSUN_BIN to the bosun binary}
AGENT=${AGENT_BIN:?set AGENT_BIN to the bosun-agent binary}
SWARM=${SWARM_BIN:?set SWARM_BIN to the bosun-swarm binary}
IDLE_SECONDS=${IDLE_SECONDS:-60}
SWARM_COUNT=${SWARM_COUNT:-1000}
command -v aws >/dev/null || { echo "the AWS CLI is missing (pip install awscli)"; exit 1; }
ulimit -n 65536 2>/dev/null || ulimit -n 8192

PORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
WORK=$(mktemp -d)
URL="http://127.0.0.1:$PORT"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

BOSUN_ADMIN_PASSWORD="bench password 123456" "$BIN" serve --listen 127.0.0.1:$PORT --data-dir "$WORK/data" \
  --agent-binary "$AGENT" >"$WORK/server.log" 2>&1 &
SERVER=$!
PIDS+=("$SERVER")
for _ in $(seq 100); do curl -fs "$URL/healthz" >/dev/null && break; sleep 0.1; done

KEY=$("$BIN" access-key create --user admin --json --data-dir "$WORK/data")
export AWS_ACCESS_KEY_ID=$(python3 -c 'import json,sys;print(json.loads(sys.argv[1])["AccessKeyId"])' "$KEY")
export AWS_SECRET_ACCESS_KEY=$(python3 -c 'import json,sys;print(json.loads(sys.argv[1])["SecretAccessKey"])' "$KEY")
export AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=""
activation() {
  aws ssm create-activation --endpoint-url "$URL" --iam-role bench --registration-limit "$1" --output json
}
field() { python3 -c 'import json,sys;print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

kb() { awk -v k="$2" '$1==k":" {print $2}' "/proc/$1/smaps_rollup"; }
cpu_ns() { awk '{print $1}' "/proc/$1/schedstat"; }

echo "== 1. agent idle ($IDLE_SECONDS s)"
A=$(activation 1)
ID=$(echo "$A" | field ActivationId)
CODE=$(echo "$A" | field ActivationCode)
BOSUN_ACTIVATION_CODE=$CODE "$AGENT" register --server "$URL" --activation-id "$ID" --state-dir "$WORK/agent" >/dev/null
RUST_LOG=warn "$AGENT" run --state-dir "$WORK/agent" 2>"$WORK/agent.log" &
AGENT_PID=$!
PIDS+=("$AGENT_PID")
sleep 5 # connect, report, first heartbeat
c0=$(cpu_ns "$AGENT_PID"); t0=$(date +%s%N)
sleep "$IDLE_SECONDS"
c1=$(cpu_ns "$AGENT_PID"); t1=$(date +%s%N)
echo "agent RSS $(kb "$AGENT_PID" Rss) kB, PSS $(kb "$AGENT_PID" Pss) kB"
python3 -c "import sys; c=int(sys.argv[2])-int(sys.argv[1]); t=int(sys.argv[4])-int(sys.argv[3]); print(f'agent CPU {c/1e6:.2f} ms over {t/1e9:.1f} s = {c/1e6/(t/1e9):.3f} ms per second')" "$c0" "$c1" "$t0" "$t1"
kill "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null || true

echo "== 2. server memory with $SWARM_COUNT agents connected"
A=$(activation "$SWARM_COUNT")
ID=$(echo "$A" | field ActivationId)
CODE=$(echo "$A" | field ActivationCode)
# Register first (the registrations are not what is measured), then measure idle → connected.
BOSUN_ACTIVATION_CODE=$CODE "$SWARM" --server "$URL" --activation-id "$ID" --count "$SWARM_COUNT" --dir "$WORK/swarm" --register-only >"$WORK/swarm-register.log"
cat "$WORK/swarm-register.log"
sleep 3
rss0=$(kb "$SERVER" Rss); pss0=$(kb "$SERVER" Pss)
echo "server before: RSS $rss0 kB, PSS $pss0 kB"
"$SWARM" --server "$URL" --count "$SWARM_COUNT" --dir "$WORK/swarm" --hold 40 >"$WORK/swarm.log" 2>&1 &
SWARM_PID=$!
PIDS+=("$SWARM_PID")
for _ in $(seq 600); do grep -q "^connected" "$WORK/swarm.log" && break; sleep 0.1; done
grep "^connected" "$WORK/swarm.log" || { echo "the swarm did not connect"; cat "$WORK/swarm.log"; exit 1; }
sleep 20 # a heartbeat round for everyone
rss1=$(kb "$SERVER" Rss); pss1=$(kb "$SERVER" Pss)
echo "server with $SWARM_COUNT agents: RSS $rss1 kB, PSS $pss1 kB"
echo "per connected agent: RSS $(( (rss1 - rss0) * 1024 / SWARM_COUNT )) B, PSS $(( (pss1 - pss0) * 1024 / SWARM_COUNT )) B"
echo "swarm process (client side, $SWARM_COUNT agents): RSS $(kb "$SWARM_PID" Rss) kB"
ONLINE=$(aws ssm describe-instance-information --endpoint-url "$URL" --filters Key=PingStatus,Values=Online --query 'InstanceInformationList[].InstanceId' --output text | wc -w)
echo "DescribeInstanceInformation (PingStatus=Online) lists $ONLINE nodes"
wait "$SWARM_PID" || true
tail -1 "$WORK/swarm.log"
