#!/usr/bin/env python3
"""The timing client of benches/fanout.sh (boto3, one session and one client per case).

  fanout_client.py tag --ids FILE
      Tags every managed node listed in FILE (one instance id a line) with
      bench=fanout through AddTagsToResource (setup, not timed).
  fanout_client.py run --label L --count N --runs R --db SQLITE_FILE --out FILE
      R timed runs: SendCommand (AWS-RunShellScript, `echo hi`, MaxConcurrency 100%,
      Targets tag:bench=fanout), then ListCommands --command-id every ~5 ms until
      CompletedCount == TargetCount. Each run is then verified: every invocation
      Success with stdout `hi\\n` (counted in the server's SQLite file, read-only),
      the command Success, and three GetCommandInvocation spot checks. Appends one
      JSON line per run to FILE.

Credentials, region and endpoint come from the environment (AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION, BOSUN_URL).
"""
import argparse
import concurrent.futures
import json
import os
import random
import sqlite3
import statistics
import sys
import time

import boto3
from botocore.config import Config

POLL_EVERY = 0.005
RUN_TIMEOUT = 120.0


def client():
    session = boto3.session.Session()
    return session.client(
        "ssm",
        endpoint_url=os.environ["BOSUN_URL"],
        config=Config(
            retries={"max_attempts": 1, "mode": "standard"},
            max_pool_connections=16,
            connect_timeout=5,
            read_timeout=120,
        ),
    )


def tag(args):
    ssm = client()
    with open(args.ids) as f:
        ids = [line.strip() for line in f if line.strip()]
    started = time.perf_counter()

    def one(node):
        ssm.add_tags_to_resource(
            ResourceType="ManagedInstance",
            ResourceId=node,
            Tags=[{"Key": "bench", "Value": "fanout"}],
        )

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        for _ in pool.map(one, ids):
            pass
    print(f"tagged {len(ids)} nodes in {time.perf_counter() - started:.1f} s")


def open_db(path):
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    db.execute("PRAGMA busy_timeout = 30000")
    return db


def verify(ssm, db, command_id, count):
    """Raises unless every invocation succeeded with `hi\\n`; returns server times."""
    statuses = db.execute(
        "SELECT status, status_details, COUNT(*) FROM command_invocations "
        "WHERE command_id = ? GROUP BY status, status_details",
        (command_id,),
    ).fetchall()
    if statuses != [("Success", "Success", count)]:
        raise SystemExit(f"{command_id}: invocation statuses {statuses}, want {count} Success")
    # Output is one stdout chunk per invocation, exactly "hi\n".
    prefix = command_id + "-%"
    good, chunks = db.execute(
        "SELECT SUM(CASE WHEN stream = 1 AND data = ? THEN 1 ELSE 0 END), COUNT(*) "
        "FROM command_output WHERE invocation_id LIKE ?",
        ("hi\n", prefix),
    ).fetchone()
    if good != count or chunks != count:
        raise SystemExit(f"{command_id}: {good} outputs are 'hi\\n' of {chunks} chunks, want {count}")
    (requested, status, completed, errors) = db.execute(
        "SELECT requested_at, status, completed_count, error_count FROM commands WHERE command_id = ?",
        (command_id,),
    ).fetchone()
    if (status, completed, errors) != ("Success", count, 0):
        raise SystemExit(f"{command_id}: command {status} {completed}/{count}, {errors} errors")
    first_start, last_start, first_end, last_end = db.execute(
        "SELECT MIN(started_at), MAX(started_at), MIN(ended_at), MAX(ended_at) "
        "FROM command_invocations WHERE command_id = ?",
        (command_id,),
    ).fetchone()
    nodes = [
        r[0]
        for r in db.execute(
            "SELECT instance_id FROM command_invocations WHERE command_id = ?", (command_id,)
        ).fetchall()
    ]
    for node in random.sample(nodes, min(3, len(nodes))):
        inv = ssm.get_command_invocation(CommandId=command_id, InstanceId=node)
        if (inv["Status"], inv["StandardOutputContent"], inv["ResponseCode"]) != ("Success", "hi\n", 0):
            raise SystemExit(
                f"{command_id} on {node}: {inv['Status']} {inv['StandardOutputContent']!r} {inv['ResponseCode']}"
            )
    return {
        "requested_at": requested,
        "first_started": first_start,
        "last_started": last_start,
        "first_ended": first_end,
        "last_ended": last_end,
    }


def one_run(ssm, count):
    wall0 = time.time()
    t0 = time.perf_counter()
    sent = ssm.send_command(
        DocumentName="AWS-RunShellScript",
        Targets=[{"Key": "tag:bench", "Values": ["fanout"]}],
        Parameters={"commands": ["echo hi"]},
        MaxConcurrency="100%",
        TimeoutSeconds=600,
    )
    t1 = time.perf_counter()
    cmd = sent["Command"]
    command_id = cmd["CommandId"]
    if cmd["TargetCount"] != count:
        raise SystemExit(f"SendCommand targeted {cmd['TargetCount']} nodes, want {count}")
    polls = 0
    while True:
        c = ssm.list_commands(CommandId=command_id)["Commands"][0]
        polls += 1
        if c["CompletedCount"] == c["TargetCount"]:
            t2 = time.perf_counter()
            break
        if time.perf_counter() - t0 > RUN_TIMEOUT:
            raise SystemExit(
                f"{command_id}: {c['CompletedCount']}/{c['TargetCount']} after {RUN_TIMEOUT} s ({c['Status']})"
            )
        time.sleep(POLL_EVERY)
    return command_id, wall0, t1 - t0, t2 - t0, polls, c["Status"]


def run(args):
    ssm = client()
    # Warm the client (endpoint resolution, connection pool) outside the timing.
    ssm.list_commands(MaxResults=1)
    db = open_db(args.db)
    results = []
    for i in range(args.runs):
        command_id, wall0, send_s, total_s, polls, status = one_run(ssm, args.count)
        times = verify(ssm, db, command_id, args.count)
        ms = lambda t: (t / 1000.0 - wall0) if t is not None else float("nan")  # noqa: E731
        r = {
            "label": args.label,
            "count": args.count,
            "run": i + 1,
            "command_id": command_id,
            "status": status,
            "total_s": round(total_s, 4),
            "send_command_s": round(send_s, 4),
            "polls": polls,
            # Server times (ms resolution) relative to the client's start of SendCommand.
            "requested_s": round(ms(times["requested_at"]), 4),
            "first_started_s": round(ms(times["first_started"]), 4),
            "last_started_s": round(ms(times["last_started"]), 4),
            "first_ended_s": round(ms(times["first_ended"]), 4),
            "last_ended_s": round(ms(times["last_ended"]), 4),
        }
        results.append(r)
        with open(args.out, "a") as f:
            f.write(json.dumps(r) + "\n")
        print(
            f"{args.label} run {i + 1}: all {args.count} terminal in {total_s:.3f} s "
            f"(SendCommand answered at {send_s:.3f} s; server: last Started ingested at "
            f"{r['last_started_s']:.3f} s, last Finished at {r['last_ended_s']:.3f} s; {polls} polls) — verified",
            flush=True,
        )
        time.sleep(args.pause)
    totals = [r["total_s"] for r in results]
    print(
        f"{args.label}: min {min(totals):.3f} s, median {statistics.median(totals):.3f} s over {len(totals)} runs",
        flush=True,
    )


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("tag")
    t.add_argument("--ids", required=True)
    r = sub.add_parser("run")
    r.add_argument("--label", required=True)
    r.add_argument("--count", type=int, required=True)
    r.add_argument("--runs", type=int, default=3)
    r.add_argument("--db", required=True)
    r.add_argument("--out", required=True)
    r.add_argument("--pause", type=float, default=1.0)
    args = p.parse_args()
    {"tag": tag, "run": run}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
