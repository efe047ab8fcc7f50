#!/usr/bin/env bash
# Run Command fan-out benchmark. Not a test: it prints figures (and fails only when a
# run does not end with every invocation Success and `hi\n` stored).
#
# Measures the time from SendCommand (AWS-RunShellScript, `echo hi`, MaxConcurrency
# 100%, all nodes by tag) until ListCommands shows CompletedCount == TargetCount, i.e.
# every invocation terminal and stored with its output, for:
#   - $SWARM_COUNTS (default "1000 10000") simulated agents: one bosun-swarm process
#     (the real agent library, real protocol over real WebSockets, simulated
#     execution: no process per invocation);
#   - $REAL_COUNT (default 100) real bosun-agent processes on loopback, each with its
#     own state dir, each running a real `/bin/sh -c 'echo hi'`.
# Each case gets its own release server over a fresh SQLite data dir; nodes are
# registered, tagged (bench=fanout) and connected before anything is timed, then
# $RUNS (default 3) commands are sent one after the other. The client is
# benches/fanout_client.py: one boto3 session per case, ListCommands every ~5 ms.
# Every run is verified (statuses and output counted in the server's SQLite file,
# three GetCommandInvocation spot checks). Server-side phase times come from the
# invocation rows: started_at = when the server stored the agent's InvocationStarted,
# ended_at = when it stored InvocationFinished.
#
# Binaries: BOSUN_BIN, AGENT_BIN, SWARM_BIN (cargo xtask bench builds release ones).
# Needs python3 with boto3, and the AWS CLI (activations, as benches/agents.sh).
set -euo pipefail
BIN=${BOSUN_BIN:?set BOSUN_BIN to the bosun binary}
AGENT=${AGENT_BIN:?set AGENT_BIN to the bosun-agent binary}
SWARM=${SWARM_BIN:?set SWARM_BIN to the bosun-swarm binary}
SWARM_COUNTS=${SWARM_COUNTS-1000 10000}
REAL_COUNT=${REAL_COUNT-100}
RUNS=${RUNS:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
CLIENT="$HERE/fanout_client.py"
command -v aws >/dev/null || { echo "the AWS CLI is missing (pip install awscli)"; exit 1; }
python3 -c 'import boto3' 2>/dev/null || { echo "python3 boto3 is missing (pip install boto3)"; exit 1; }
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
biggest=$REAL_COUNT
for n in $SWARM_COUNTS; do [ "$n" -gt "$biggest" ] && biggest=$n; done
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((biggest + 1024)) ]; then
  echo "open files limit $(ulimit -n) is too low for $biggest agents (raise ulimit -n)"; exit 1
fi

WORK=$(mktemp -d)
RESULTS="$WORK/results.jsonl"
: >"$RESULTS"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -n "${KEEP_WORK:-}" ] && echo "kept $WORK" || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=""
field() { python3 -c 'import json,sys;print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
# One SQL answer from the server's SQLite file (read-only).
sql() { python3 -c 'import sqlite3,sys;d=sqlite3.connect("file:"+sys.argv[1]+"?mode=ro",uri=True,timeout=30);print(d.execute(sys.argv[2]).fetchone()[0])' "$DB" "$1"; }
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14+$15)/hz}' "/proc/$1/stat"; }
# Runs the timed client; prints the CPU the server (and $3, the swarm process, if
# given) used during the runs, and the load average before them.
timed_runs() {
  local label=$1 n=$2 other=${3:-} s0 o0=0
  echo "load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
  s0=$(cpu_s "$SERVER"); [ -n "$other" ] && o0=$(cpu_s "$other")
  python3 "$CLIENT" run --label "$label" --count "$n" --runs "$RUNS" --db "$DB" --out "$RESULTS"
  echo "CPU during the $RUNS runs (with their checks): server $(python3 -c "print(f'{$(cpu_s "$SERVER")-$s0:.1f}')") s${other:+, swarm $(python3 -c "print(f'{$(cpu_s "$other")-$o0:.1f}')") s}"
}
online() { sql "SELECT COUNT(*) FROM managed_instances WHERE ping_status = 'Online' AND deregistered_at IS NULL"; }

# Starts a server over a fresh data dir; sets URL, DB, SERVER, the access key.
start_server() {
  local dir=$WORK/$1
  mkdir -p "$dir"
  PORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
  URL="http://127.0.0.1:$PORT"
  DB="$dir/data/bosun.db"
  SERVER_LOG="$dir/server.log"
  BOSUN_ADMIN_PASSWORD="bench password 123456" RUST_LOG=${SERVER_LOG_LEVEL:-info} \
    "$BIN" serve --listen "127.0.0.1:$PORT" --data-dir "$dir/data" --agent-binary "$AGENT" >"$SERVER_LOG" 2>&1 &
  SERVER=$!
  PIDS+=("$SERVER")
  for _ in $(seq 100); do curl -fs "$URL/healthz" >/dev/null && break; sleep 0.1; done
  curl -fs "$URL/healthz" >/dev/null || { echo "the server did not start"; cat "$SERVER_LOG"; exit 1; }
  local key
  key=$("$BIN" access-key create --user admin --json --data-dir "$dir/data")
  AWS_ACCESS_KEY_ID=$(echo "$key" | field AccessKeyId)
  AWS_SECRET_ACCESS_KEY=$(echo "$key" | field SecretAccessKey)
  export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
  export BOSUN_URL=$URL
}

stop() { # PID...: TERM and wait
  for p in "$@"; do kill "$p" 2>/dev/null || true; done
  for p in "$@"; do wait "$p" 2>/dev/null || true; done
}

# An activation for $1 nodes; sets ACT_ID, ACT_CODE.
activation() {
  local a
  a=$(aws ssm create-activation --endpoint-url "$URL" --iam-role bench --registration-limit "$1" --output json)
  ACT_ID=$(echo "$a" | field ActivationId)
  ACT_CODE=$(echo "$a" | field ActivationCode)
}

wait_online() { # N: every node Online in the database
  for _ in $(seq 600); do [ "$(online)" -ge "$1" ] && return 0; sleep 0.1; done
  echo "only $(online) of $1 nodes are Online"; tail -20 "$SERVER_LOG"; exit 1
}

swarm_case() {
  local n=$1 label="swarm-$1"
  echo
  echo "== $label: $n simulated agents (bosun-swarm), $RUNS runs"
  start_server "$label"
  local dir=$WORK/$label/swarm done=0 t0
  t0=$(date +%s.%N)
  # An activation registers at most 1,000 nodes: one per thousand.
  while [ "$done" -lt "$n" ]; do
    local upto=$((done + 1000 < n ? done + 1000 : n))
    activation $((upto - done))
    BOSUN_ACTIVATION_CODE=$ACT_CODE "$SWARM" --server "$URL" --activation-id "$ACT_ID" --count "$upto" \
      --dir "$dir" --register-only >/dev/null
    done=$upto
  done
  echo "registered $n nodes in $(python3 -c "import time,sys;print(f'{time.time()-float(sys.argv[1]):.1f}')" "$t0") s"
  python3 -c 'import json,pathlib,sys
for p in sorted(pathlib.Path(sys.argv[1]).glob("node-*/state.json")): print(json.loads(p.read_text())["instance_id"])' "$dir" >"$WORK/$label/ids"
  python3 "$CLIENT" tag --ids "$WORK/$label/ids"
  "$SWARM" --server "$URL" --count "$n" --dir "$dir" >"$WORK/$label/swarm.log" 2>&1 &
  local swarm=$!
  PIDS+=("$swarm")
  for _ in $(seq 1200); do grep -q "^connected" "$WORK/$label/swarm.log" && break; sleep 0.1; done
  grep "^connected" "$WORK/$label/swarm.log" || { echo "the swarm did not connect"; cat "$WORK/$label/swarm.log"; exit 1; }
  wait_online "$n"
  sleep 2 # let the first reports and heartbeats pass
  timed_runs "$label" "$n" "$swarm"
  kill -INT "$swarm" 2>/dev/null || true # prints how many invocations it finished
  wait "$swarm" 2>/dev/null || true
  tail -1 "$WORK/$label/swarm.log"
  stop "$SERVER"
}

real_case() {
  local n=$1 label="agents-$1"
  echo
  echo "== $label: $n real bosun-agent processes, $RUNS runs"
  start_server "$label"
  activation "$n"
  local base=$WORK/$label t0 i
  t0=$(date +%s.%N)
  local regs=()
  for i in $(seq -w 1 "$n"); do
    BOSUN_ACTIVATION_CODE=$ACT_CODE "$AGENT" register --server "$URL" --activation-id "$ACT_ID" \
      --state-dir "$base/agent-$i" >>"$base/ids" 2>>"$base/register.log" &
    regs+=("$!")
    # at most 8 registrations at once (waits for these only, not the server)
    if [ "${#regs[@]}" -ge 8 ]; then wait "${regs[@]}" || true; regs=(); fi
  done
  [ "${#regs[@]}" -eq 0 ] || wait "${regs[@]}" || true
  [ "$(wc -l <"$base/ids")" -eq "$n" ] || { echo "registration failed"; cat "$base/register.log"; exit 1; }
  echo "registered $n nodes in $(python3 -c "import time,sys;print(f'{time.time()-float(sys.argv[1]):.1f}')" "$t0") s"
  python3 "$CLIENT" tag --ids "$base/ids"
  local agents=()
  for i in $(seq -w 1 "$n"); do
    RUST_LOG=warn "$AGENT" run --state-dir "$base/agent-$i" 2>>"$base/agents.log" &
    agents+=("$!")
    PIDS+=("$!")
  done
  wait_online "$n"
  echo "$n agents Online"
  sleep 2
  timed_runs "$label" "$n"
  stop "${agents[@]}"
  stop "$SERVER"
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr); open files $(ulimit -n)"
for n in $SWARM_COUNTS; do swarm_case "$n"; done
if [ "$REAL_COUNT" -gt 0 ] 2>/dev/null; then real_case "$REAL_COUNT"; fi

echo
echo "== summary (seconds from SendCommand to all invocations terminal and stored; $RUNS runs each)"
python3 - "$RESULTS" <<'EOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
targets = {"swarm-1000": 0.5, "swarm-10000": 1.5, "agents-100": 0.6}
labels = []
for r in rows:
    if r["label"] not in labels:
        labels.append(r["label"])
med = lambda rs, k: statistics.median(r[k] for r in rs)
print(f"{'case':<13} {'nodes':>6} {'min':>7} {'median':>7} {'target':>7}  {'met':<4} | median phases: {'SendCmd':>7} {'lastStart':>9} {'lastEnd':>7}")
for label in labels:
    rs = [r for r in rows if r["label"] == label]
    t = targets.get(label)
    mn, md = min(r["total_s"] for r in rs), med(rs, "total_s")
    met = "-" if t is None else ("yes" if md <= t else "NO")
    print(f"{label:<13} {rs[0]['count']:>6} {mn:>7.3f} {md:>7.3f} {(f'{t:.2f}' if t else '-'):>7}  {met:<4} | "
          f"{'':>15}{med(rs, 'send_command_s'):>7.3f} {med(rs, 'last_started_s'):>9.3f} {med(rs, 'last_ended_s'):>7.3f}")
print("phases: SendCmd = SendCommand's response; lastStart / lastEnd = the server stored the last")
print("InvocationStarted / InvocationFinished (server clock, ms), all from the client's send.")
EOF
