"""``reviewer tag`` as a whole process on a big project, beside the interpreter's own floor.

    python bench/bench_tag.py bench/data/coco100k [--repeat 7] [--before /path/to/checkout]
        [--image FILE_NAME]

DATA is a folder written by make_coco_like.py. Per checkout (this tree, and ``--before`` if
given) a project is made once in ``bench/out/tag-<label>`` (``reviewer init`` on DATA, which
writes the project cache, then one ``status`` call: the store's review keys adopted, as after a
first opening for writing) and one ``tag`` call is made untimed (bytecode compiled). Then, in
rounds with the order rotated, each entry is one fresh process timed end to end:

- ``python -c pass``: the interpreter alone;
- ``python -c "import numpy"``: the floor of any command that reads the cached table;
- ``reviewer tag`` (and ``before tag``): ``tag PROJECT IMAGE blur -q``, alternately adding and
  removing the tag (``--remove``) so that every call writes one journalled command; IMAGE is the
  last image's file name (a lookup by name, the slower kind; main's lookup read the images in
  order until it found the name, so the last one is its worst case and the first its best).

Bytecode is cached as for an installed package (``PYTHONDONTWRITEBYTECODE`` is dropped for the
children: without .pyc files every process would compile its modules again, ~0.3 s). Prints the
median, min and max wall per entry and the median over ``import numpy``.
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


def _env(checkout: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("REVIEWER_NO_CACHE", None)
    return env


def _run(cmd: list[str], checkout: Path) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=_env(checkout),
                          cwd=str(checkout))
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd[:6])}: exit {proc.returncode}: {proc.stderr.strip()[-400:]}")
    return wall


def _prepare(py: str, data: Path, checkout: Path, label: str, image: str) -> Path:
    proj = BENCH / "out" / f"tag-{label}"
    cli = [py, "-m", "reviewer.cli"]
    if not (proj / "reviewer.json").exists():
        ann = data / "annotations"
        print(f"[{label}] init {proj} ...", file=sys.stderr, flush=True)
        _run([*cli, "init", str(proj), "--images", str(data / "images"), "--gt",
              str(ann / "instances_gt.json"), "--pred", str(ann / "predictions.json"), "-q"],
             checkout)
    _run([*cli, "status", str(proj), image, "unreviewed", "-q"], checkout)
    _run([*cli, "tag", str(proj), image, "blur", "--remove", "-q"], checkout)
    return proj


def _last_image(data: Path) -> str:
    with open(data / "annotations" / "instances_gt.json", encoding="utf-8") as f:
        return json.load(f)["images"][-1]["file_name"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", type=Path)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--before", type=Path, help="another checkout (e.g. main) to time beside")
    ap.add_argument("--image", help="the image to tag (default: the last image's file name)")
    args = ap.parse_args(argv)
    py = sys.executable
    (BENCH / "out").mkdir(exist_ok=True)
    image = args.image or _last_image(args.data)
    checkouts = {"reviewer tag": (REPO, "after")}
    if args.before:
        checkouts["before tag"] = (args.before.resolve(), "before")
    projects = {name: _prepare(py, args.data, c, label, image)
                for name, (c, label) in checkouts.items()}
    entries = {"python -c pass": ([py, "-c", "pass"], REPO),
               "python -c 'import numpy'": ([py, "-c", "import numpy"], REPO)}
    times: dict[str, list[float]] = {name: [] for name in [*entries, *checkouts]}
    for i in range(args.repeat):
        remove = ["--remove"] if i % 2 else []
        round_ = dict(entries)
        for name, (c, _) in checkouts.items():
            round_[name] = ([py, "-m", "reviewer.cli", "tag", str(projects[name]), image, "blur",
                             "-q", *remove], c)
        names = list(round_)
        names = names[i % len(names):] + names[:i % len(names)]
        for name in names:
            cmd, c = round_[name]
            times[name].append(_run(cmd, c))
    floor = statistics.median(times["python -c 'import numpy'"])
    print(f"{'entry':<28} {'median s':>9} {'min s':>7} {'max s':>7} {'- numpy s':>10}")
    for name, walls in times.items():
        med = statistics.median(walls)
        print(f"{name:<28} {med:9.3f} {min(walls):7.3f} {max(walls):7.3f} {med - floor:10.3f}")
    print(f"load average: {os.getloadavg()[0]:.1f}  runs: {args.repeat}  image: {image}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
