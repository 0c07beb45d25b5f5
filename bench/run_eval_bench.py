"""Time Reviewer's scoring against peers, each as a whole process from the same files.

    python bench/run_eval_bench.py DATA_DIR [--iou-type bbox|segm] [--repeat 3]
        [--peers parse,pycocotools,faster,hotcoco,reviewer,reviewer-table,reviewer-eval]
        [--json-out FILE]

Every run is a fresh `python bench/peers.py TOOL DATA_DIR IOU_TYPE` subprocess: wall clock from
the parent (process start, imports, file parsing, evaluation, exit), peak RSS and CPU time as
the child itself reports them at exit (ru_maxrss of RUSAGE_SELF, so per run). Runs are
interleaved round-robin over the tools so drift on a shared machine hits all of them alike.
The table shows the median and min wall time, CPU time, peak RSS, the ratio of the median to
Reviewer's ("x reviewer" > 1 means slower than Reviewer) and to the parse-only baseline, and the
AP/AP50/AP75 each tool reported; every COCO number a tool reports (all 12 for the peers and
`reviewer eval`) is checked against pycocotools within 1e-6 and a mismatch is printed loudly.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))
from peers import MARKER, STAT_NAMES, TOOLS  # noqa: E402

DEFAULT_PEERS = "parse,pycocotools,faster,hotcoco,reviewer,reviewer-table,reviewer-eval"
TOLERANCE = 1e-6


def reviewer_available() -> bool:
    return (REPO / "reviewer" / "cli.py").is_file()


def run_once(python: str, tool: str, data_dir: Path, iou_type: str) -> dict:
    """One child process -> {"wall_s", "metrics", "cpu_s", "maxrss_mb", ...} or {"error": ...}."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    cmd = [python, str(BENCH / "peers.py"), tool, str(data_dir), iou_type]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=str(REPO))
    wall = time.perf_counter() - t0
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(MARKER)]
    if proc.returncode != 0 or not lines:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-8:])
        return {"error": f"exit {proc.returncode}: {tail}", "wall_s": wall}
    result = json.loads(lines[-1][len(MARKER):])
    result["wall_s"] = wall
    return result


def summarize(tool: str, runs: list[dict]) -> dict:
    """Median/min wall, max CPU and RSS over the successful runs of one tool."""
    good = [r for r in runs if "error" not in r]
    if not good:
        return {"tool": tool, "error": runs[-1]["error"] if runs else "not run"}
    walls = [r["wall_s"] for r in good]
    return {"tool": tool, "runs": len(good), "median_s": statistics.median(walls),
            "min_s": min(walls), "cpu_s": statistics.median(r["cpu_s"] for r in good),
            "maxrss_mb": max(r["maxrss_mb"] for r in good), "metrics": good[-1]["metrics"],
            "errors": [r["error"] for r in runs if "error" in r]}


def check_metrics(rows: list[dict]) -> list[str]:
    """Compare every tool's numbers with pycocotools' (all 12 that both report, at least AP,
    AP50 and AP75); returns mismatch messages."""
    oracle = next((r.get("metrics") for r in rows if r["tool"] == "pycocotools"), None)
    problems = []
    for row in rows:
        got = row.get("metrics")
        if got is None or oracle is None or row["tool"] == "pycocotools":
            row["match"] = "-" if got is None else "no oracle" if oracle is None else "oracle"
            continue
        keys = [k for k in STAT_NAMES if k in got or k in ("AP", "AP50", "AP75")]
        bad = [k for k in keys if k not in got or abs(got[k] - oracle[k]) > TOLERANCE]
        row["match"] = "ok" if not bad else "MISMATCH " + ",".join(bad)
        for k in bad:
            problems.append(f"{row['tool']}: {k} = {got.get(k)} but pycocotools says {oracle[k]}")
    return problems


def _fmt(value, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def format_table(rows: list[dict]) -> str:
    """Plain-text table, one line per tool."""
    ref = {r["tool"]: r.get("median_s") for r in rows}
    head = (f"{'tool':<15}{'median s':>10}{'min s':>9}{'cpu s':>9}{'RSS MB':>9}"
            f"{'x reviewer':>12}{'x parse':>9}{'AP':>10}{'AP50':>10}{'AP75':>10}  match")
    out = [head, "-" * len(head)]
    for r in rows:
        if "error" in r:
            out.append(f"{r['tool']:<15}  FAILED: {r['error'].splitlines()[-1][:90]}")
            continue
        m = r.get("metrics") or {}
        vs_rev = r["median_s"] / ref["reviewer"] if ref.get("reviewer") else None
        vs_parse = r["median_s"] / ref["parse"] if ref.get("parse") else None
        out.append(f"{r['tool']:<15}{r['median_s']:>10.2f}{r['min_s']:>9.2f}{r['cpu_s']:>9.2f}"
                   f"{r['maxrss_mb']:>9.0f}{_fmt(vs_rev, '.2f'):>12}{_fmt(vs_parse, '.1f'):>9}"
                   f"{_fmt(m.get('AP'), '.6f'):>10}{_fmt(m.get('AP50'), '.6f'):>10}"
                   f"{_fmt(m.get('AP75'), '.6f'):>10}  {r.get('match', '-')}")
    return "\n".join(out)


def choose_tools(names: str) -> list[str]:
    tools = [t.strip() for t in names.split(",") if t.strip()]
    unknown = [t for t in tools if t not in TOOLS]
    if unknown:
        raise SystemExit(f"unknown peer(s) {unknown}; choose from {sorted(TOOLS)}")
    if not reviewer_available():
        skipped = [t for t in tools if t.startswith("reviewer")]
        if skipped:
            print(f"note: {REPO / 'reviewer' / 'cli.py'} does not exist yet; skipping {skipped}")
        tools = [t for t in tools if not t.startswith("reviewer")]
    return tools


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path, help="folder written by make_coco_like.py")
    parser.add_argument("--iou-type", choices=("bbox", "segm"), default="bbox")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--peers", default=DEFAULT_PEERS)
    parser.add_argument("--python", default=sys.executable, help="interpreter for the children")
    parser.add_argument("--json-out", type=Path, help="also write the summary here")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not (args.data_dir / "annotations" / "instances_gt.json").is_file():
        raise SystemExit(f"{args.data_dir}: no annotations/instances_gt.json; run make_coco_like.py")
    tools = choose_tools(args.peers)
    runs: dict[str, list[dict]] = {t: [] for t in tools}
    for rep in range(args.repeat):
        for tool in tools:
            result = run_once(args.python, tool, args.data_dir.resolve(), args.iou_type)
            runs[tool].append(result)
            status = result.get("error", "").splitlines()[-1:] or [f"{result['wall_s']:.2f} s"]
            print(f"  run {rep + 1}/{args.repeat} {tool:<15} {status[0]}", flush=True)
    rows = [summarize(t, runs[t]) for t in tools]
    problems = check_metrics(rows)
    print(f"\n{args.data_dir} iou={args.iou_type} repeat={args.repeat} "
          f"({time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cpus)")
    print(format_table(rows))
    for msg in problems:
        print(f"!!! METRIC MISMATCH !!! {msg}")
    if args.json_out:
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        args.json_out.write_text(json.dumps({"data": str(args.data_dir), "iou_type": args.iou_type,
                                             "rows": rows, "problems": problems}, indent=2))
    failed = any("error" in r for r in rows)
    return 1 if problems or failed else 0


if __name__ == "__main__":
    sys.exit(main())
