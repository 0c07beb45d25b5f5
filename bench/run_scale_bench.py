"""Reviewer's whole pipeline against the peers, each step a whole process, at 5k and 100k images.

    python bench/run_scale_bench.py bench/data/coco5k bench/data/coco100k [--repeat 3]
        [--before /path/to/other/checkout] [--once-above 20000] [--json-out FILE]

Per data set (a folder written by make_coco_like.py), interleaved round-robin, every entry a
fresh process (or a sequence of them, timed end to end, as a user runs them):

- ``hotcoco``, ``faster`` (faster-coco-eval), ``pycocotools``: load + evaluate (bench/peers.py);
- ``reviewer 3 cmds``: ``reviewer init`` on a fresh project folder, then ``reviewer score
  --csv``, then ``reviewer eval --json`` (three processes: the cold pipeline);
- ``reviewer score --eval``: ``init``, then ``reviewer score --eval --metrics-json`` (two);
- ``reviewer score again``: ``reviewer score`` on the already initialised project: re-opening,
  which reads the project cache (``PROJECT/.reviewer-cache``, written by ``init``);
- ``reviewer score no cache``: the same with ``REVIEWER_NO_CACHE=1`` (loads and scores again);
- ``reviewer tag``: one ``reviewer tag`` call on a project opened for writing once before (a
  review-state command: it reads the cached image table, never loads the project);
- with ``--before DIR``: ``before 3 cmds``, the same three commands run from another checkout
  (e.g. main), for before / after in the same run.

Peers whose data set has more than ``--once-above`` images run once (pycocotools at 100k takes
many minutes). Reports per entry the median and min wall, the peak RSS (max over its processes
and runs), the ratio of the median to hotcoco's, and the largest difference of its 12 COCO numbers
to pycocotools' (hotcoco's when pycocotools did not run).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
MARKER = "BENCH_RESULT "
STATS = ("AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl")


def cli_child(argv: list[str]) -> int:
    """In the child: run ``reviewer.cli.main(argv)``, then print the marker line with the peak
    RSS and, for ``eval --json`` / ``--metrics-json``, the 12 numbers."""
    from reviewer.cli import main
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(argv)
    metrics = None
    text = buf.getvalue()
    if "--json" in argv and "{" in text:
        metrics = json.loads(text[text.find("{"):])
    elif "--metrics-json" in argv:
        metrics = json.loads(Path(argv[argv.index("--metrics-json") + 1]).read_text())
    if metrics is not None:
        block = metrics["by_iou_type"]["bbox"]["overall"]
        metrics = {k: float(block[k]) for k in STATS}
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(MARKER + json.dumps({"code": code, "metrics": metrics,
                               "maxrss_mb": usage.ru_maxrss / 1024.0}), flush=True)
    return 0 if code in (0, None) else 1


def run(cmd: list[str], pythonpath: Path, env_extra: dict | None = None) -> dict:
    """One child process. Bytecode caching is on whatever the caller's environment says (an
    installed package has its .pyc files; without them every Reviewer process would compile its
    ~150 modules again, ~0.3-0.5 s)."""
    env = {**os.environ, "PYTHONPATH": str(pythonpath), **(env_extra or {})}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=str(REPO))
    wall = time.perf_counter() - t0
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(MARKER)]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        return {"error": f"{' '.join(cmd[2:5])}: exit {proc.returncode}: {' | '.join(tail)}",
                "wall_s": wall}
    out = json.loads(lines[-1][len(MARKER):])
    out["wall_s"] = wall
    return out


def reviewer_steps(data: Path, tmp: Path, kind: str) -> list[list[str]]:
    """The reviewer command lines of one entry (``{py}`` is the interpreter)."""
    proj = tmp / "proj"
    ann = data / "annotations"
    init = ["init", str(proj), "--images", str(data / "images"), "--gt",
            str(ann / "instances_gt.json"), "--pred", str(ann / "predictions.json"), "-q"]
    score = ["score", str(proj), "--csv", str(tmp / "t.csv"), "-q"]
    if kind == "3 cmds":
        return [init, score, ["eval", str(proj), "--json", "-q"]]
    if kind == "score --eval":
        return [init, [*score, "--eval", "--metrics-json", str(tmp / "m.json")]]
    if kind == "tag":
        return [["tag", str(proj), first_image(data), "blur", "-q"]]
    return [score]  # "score again": the project exists (made by the caller)


_PRE = {"score again": 1, "score no cache": 1, "tag": 2}  # steps made before the timed ones


def _pre_steps(data: Path, tmp: Path, kind: str) -> list[list[str]]:
    init = reviewer_steps(data, tmp, "3 cmds")[0]
    status = ["status", str(tmp / "proj"), first_image(data), "unreviewed", "-q"]
    return [init, status][:_PRE.get(kind, 0)]


def run_reviewer(py: str, data: Path, kind: str, checkout: Path) -> dict:
    """One run of a reviewer entry: its processes one after the other, in a fresh folder."""
    with tempfile.TemporaryDirectory(dir=BENCH / "out") as t:
        tmp = Path(t)
        for argv in _pre_steps(data, tmp, kind):
            pre = run([py, str(BENCH / "run_scale_bench.py"), "--child", *argv], checkout)
            if "error" in pre:
                return pre
        env = {"REVIEWER_NO_CACHE": "1"} if kind == "score no cache" else None
        total, rss, metrics = 0.0, 0.0, None
        for argv in reviewer_steps(data, tmp, kind):
            r = run([py, str(BENCH / "run_scale_bench.py"), "--child", *argv], checkout, env)
            if "error" in r:
                return r
            total += r["wall_s"]
            rss = max(rss, r["maxrss_mb"])
            metrics = r.get("metrics") or metrics
        return {"wall_s": total, "maxrss_mb": rss, "metrics": metrics}


def run_peer(py: str, tool: str, data: Path) -> dict:
    r = run([py, str(BENCH / "peers.py"), tool, str(data), "bbox"], REPO)
    return r


def entries(before: Path | None) -> list[tuple[str, callable]]:
    def rev(kind, checkout=REPO):
        return lambda py, data: run_reviewer(py, data, kind, checkout)
    out = [("hotcoco", lambda py, d: run_peer(py, "hotcoco", d)),
           ("faster-coco-eval", lambda py, d: run_peer(py, "faster", d)),
           ("pycocotools", lambda py, d: run_peer(py, "pycocotools", d)),
           ("reviewer 3 cmds", rev("3 cmds")),
           ("reviewer score --eval", rev("score --eval")),
           ("reviewer score again", rev("score again")),
           ("reviewer score no cache", rev("score no cache")),
           ("reviewer tag", rev("tag"))]
    if before is not None:
        out.append(("before 3 cmds", rev("3 cmds", before)))
    return out


_IMAGES: dict[Path, list] = {}


def _images(data: Path) -> list:
    """The GT's file names, read in a child process: a child's ``ru_maxrss`` starts from its
    parent's peak on Linux (fork keeps the high-water mark), so the parent must stay small."""
    if data not in _IMAGES:
        code = ("import json, sys; gt = json.load(open(sys.argv[1])); "
                "print(json.dumps([im['file_name'] for im in gt['images']]))")
        out = subprocess.run([sys.executable, "-c", code,
                              str(data / "annotations" / "instances_gt.json")],
                             capture_output=True, text=True, check=True).stdout
        _IMAGES[data] = json.loads(out)
    return _IMAGES[data]


def n_images(data: Path) -> int:
    return len(_images(data))


def first_image(data: Path) -> str:
    return _images(data)[0]


def summarize(name: str, runs: list[dict]) -> dict:
    good = [r for r in runs if "error" not in r]
    if not good:
        return {"entry": name, "error": runs[-1]["error"] if runs else "not run"}
    walls = [r["wall_s"] for r in good]
    return {"entry": name, "runs": len(good), "median_s": statistics.median(walls),
            "min_s": min(walls), "maxrss_mb": max(r["maxrss_mb"] for r in good),
            "metrics": good[-1].get("metrics")}


def compare(rows: list[dict]) -> None:
    """Adds ``x hotcoco`` and ``max |d|`` (largest difference of the 12 numbers to the oracle)."""
    by = {r["entry"]: r for r in rows}
    oracle = (by.get("pycocotools") or {}).get("metrics") or (by.get("hotcoco") or {}).get(
        "metrics")
    ref = (by.get("hotcoco") or {}).get("median_s")
    for r in rows:
        if "median_s" in r and ref:
            r["x_hotcoco"] = r["median_s"] / ref
        m = r.get("metrics")
        if m and oracle:
            r["max_diff"] = max(abs(m[k] - oracle[k]) for k in STATS)


def table(title: str, rows: list[dict]) -> str:
    out = [title, f"{'entry':<24}{'runs':>5}{'median s':>10}{'min s':>8}{'RSS MB':>8}"
                  f"{'x hotcoco':>10}{'max |d| of 12':>15}"]
    for r in rows:
        if "error" in r:
            out.append(f"{r['entry']:<24} FAILED {r['error'][:100]}")
            continue
        d = r.get("max_diff")
        out.append(f"{r['entry']:<24}{r['runs']:>5}{r['median_s']:>10.2f}{r['min_s']:>8.2f}"
                   f"{r['maxrss_mb']:>8.0f}{r.get('x_hotcoco', float('nan')):>10.2f}"
                   f"{'-' if d is None else format(d, '.1e'):>15}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        return cli_child(argv[1:])
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("data", nargs="+", type=Path)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--before", type=Path, help="another checkout to time as 'before'")
    p.add_argument("--once-above", type=int, default=20000,
                   help="peers other than hotcoco run once on larger sets")
    p.add_argument("--skip", default="", help="comma-separated entries to leave out")
    p.add_argument("--json-out", type=Path)
    args = p.parse_args(argv)
    (BENCH / "out").mkdir(exist_ok=True)
    for checkout in filter(None, (REPO, args.before)):  # .pyc files, as an install has them
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(checkout / "reviewer")],
                       check=False, env={k: v for k, v in os.environ.items()
                                         if k != "PYTHONDONTWRITEBYTECODE"})
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    todo = [(n, f) for n, f in entries(args.before) if n not in skip]
    report = []
    for data in args.data:
        data = data.resolve()
        big = n_images(data) > args.once_above
        runs: dict[str, list] = {n: [] for n, _ in todo}
        for rep in range(args.repeat):
            for name, fn in todo:
                if rep and big and name in ("pycocotools", "faster-coco-eval"):
                    continue
                r = fn(sys.executable, data)
                runs[name].append(r)
                status = r.get("error") or f"{r['wall_s']:.2f} s, {r['maxrss_mb']:.0f} MB"
                print(f"  {data.name} run {rep + 1}/{args.repeat} {name:<22} {status}",
                      flush=True)
        rows = [summarize(n, runs[n]) for n, _ in todo]
        compare(rows)
        print("\n" + table(f"{data.name} ({time.strftime('%Y-%m-%d %H:%M')}, "
                           f"{os.cpu_count()} cpus)", rows) + "\n", flush=True)
        report.append({"data": str(data), "rows": rows})
    if args.json_out:
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        args.json_out.write_text(json.dumps(report, indent=2))
    shutil.rmtree(BENCH / "out" / "__pycache__", ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
