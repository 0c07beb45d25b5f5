"""Many reviewers writing at once: commands per second and the latency of one command.

Each writer is a separate process with its own connection to one PostgreSQL schema; all start at
the same moment and each journals ``--commands`` commands shaped like the window's (a review
command: the status write and the journal entry with its target, in one transaction, the way
``History.execute`` runs ``SetStatus``). Every 5th command is a ground-truth edit instead (a
journal entry on an object target, the transaction ``MoveBox`` makes). Writers work on their own
images, as reviewers on a split of the work do, so no command conflicts.

Reported per configuration, as the median over ``--repeat`` runs (a fresh schema each run):
throughput (all commands / wall time from the common start to the last command) and the p50 and
p95 latency of one command (call to return: lock wait, statements, COMMIT). Peers in the same run:
1 writer on PostgreSQL, and 1 writer on a SQLite store (the single-writer backend, fsync on).

    python bench/bench_store_writers.py [--dsn postgresql://…] [--writers 1 20] [--commands 200]
                                        [--repeat 3] [--json-out bench/out/store_writers.json]

The DSN defaults to $REVIEWER_TEST_PG_DSN (``. .ci/postgres.sh && start_test_postgres`` starts a
throw-away server; it runs with fsync=off, so measure a real server for production figures).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def worker(where: str, name: str, n: int, start_at: float) -> dict:
    """One writer: wait for ``start_at``, journal ``n`` commands, return the latencies."""
    from reviewer.core.tags import TagVocabulary
    from reviewer.core.targets import target_key
    from reviewer.io.store import StoreLocation, open_review_store
    location = StoreLocation(*where.split(" ", 1)) if where.startswith("postgres") else where
    store = open_review_store(location, user=name, vocabulary=TagVocabulary())
    latencies = []
    while time.time() < start_at:
        time.sleep(0.001)
    t0 = time.perf_counter()
    for i in range(n):
        key = f"{name}-{i}"
        t = time.perf_counter()
        if i % 5 == 4:
            store.append_command(key, "move_box", {"ann_id": i, "before": {"bbox": [0, 0, 1, 1]},
                                                   "after": {"bbox": [1, 1, 2, 2]}},
                                 [target_key("gt", key, i)])
        else:
            with store.transaction():
                store.set_status(key, "reviewed")
                store.append_command(key, "set_status", {"before": "unreviewed",
                                                          "after": "reviewed"},
                                     [target_key("status", key)])
        latencies.append(time.perf_counter() - t)
    elapsed = time.perf_counter() - t0
    store.close()
    return {"latencies": latencies, "end": time.time(), "elapsed": elapsed}


def run_once(where: str, writers: int, n: int) -> dict:
    start_at = time.time() + 1.5 + 0.05 * writers  # every process connected by then
    procs = [subprocess.Popen([sys.executable, __file__, "--worker", where, f"w{k}", str(n),
                               repr(start_at)], stdout=subprocess.PIPE, text=True, cwd=REPO)
             for k in range(writers)]
    results = []
    for p in procs:
        out, _ = p.communicate(timeout=600)
        if p.returncode:
            raise SystemExit(f"a writer failed (exit {p.returncode})")
        results.append(json.loads(out))
    lat = sorted(x for r in results for x in r["latencies"])
    wall = max(r["end"] for r in results) - start_at
    return {"throughput": len(lat) / wall, "p50_ms": 1000 * lat[len(lat) // 2],
            "p95_ms": 1000 * lat[int(0.95 * (len(lat) - 1))]}


def drop(dsn: str, schema: str) -> None:
    import psycopg
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def measure(label: str, make_where, writers: int, n: int, repeat: int) -> dict:
    runs = []
    for _ in range(repeat):
        where, cleanup = make_where()
        try:
            runs.append(run_once(where, writers, n))
        finally:
            cleanup()
    out = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    out.update(label=label, writers=writers, commands=n * writers, runs=repeat)
    print(f"{label:<28} {writers:>3} writers  {out['throughput']:8.0f} commands/s   "
          f"p50 {out['p50_ms']:6.1f} ms   p95 {out['p95_ms']:6.1f} ms   (median of {repeat})",
          flush=True)
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--dsn", default=os.environ.get("REVIEWER_TEST_PG_DSN", ""))
    p.add_argument("--writers", type=int, nargs="+", default=[1, 20])
    p.add_argument("--commands", type=int, default=200, help="commands per writer")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--json-out")
    p.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        where, name, n, start_at = args.worker
        print(json.dumps(worker(where, name, int(n), float(start_at))))
        return
    if not args.dsn:
        raise SystemExit("no PostgreSQL: pass --dsn or set REVIEWER_TEST_PG_DSN")

    def pg():
        schema = f"rv_bench_{uuid.uuid4().hex[:10]}"
        return f"{args.dsn} {schema}", lambda: drop(args.dsn, schema)

    def sqlite():
        folder = tempfile.TemporaryDirectory(prefix="reviewer-bench-")
        return folder.name, folder.cleanup

    rows = [measure("SQLite (one writer)", sqlite, 1, args.commands, args.repeat)]
    rows += [measure("PostgreSQL", pg, w, args.commands, args.repeat) for w in args.writers]
    if args.json_out:
        Path(args.json_out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json_out).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
