"""Time ``reviewer compare`` of several models against one pycocotools run per model.

    python bench/bench_compare.py [--images 5000] [--models 3] [--repeat 3] [--data DIR]

Data: ``make_coco_like.py`` (COCO val2017-scale boxes, seed 0) gives the GT and the first model;
models 2..M are derived from it with their own seeds (scores rescaled by a random factor per
prediction, 10 % of the predictions dropped, boxes jittered by up to 5 % of their size), so all
models score the same images. Each timed run is a fresh process (wall clock from the parent,
runs interleaved round-robin): ``reviewer compare DIR --json -q`` (every model loaded, scored and
evaluated, per class, per image, 1,000 paired bootstrap resamples), the same with
``--resamples 1`` (what the bootstrap costs) and, as the peer, one
``pycocotools`` process per model (COCO, loadRes, evaluate, accumulate, summarize), summed. The
12 COCO numbers of every model in compare's JSON are checked against pycocotools' (1e-6) and a
mismatch prints ``!!! METRIC MISMATCH !!!``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
KEYS = ["AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl"]
PYCOCO = """
import contextlib, io, json, sys
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval
with contextlib.redirect_stdout(io.StringIO()):
    gt = COCO(sys.argv[1]); ev = COCOeval(gt, gt.loadRes(sys.argv[2]), "bbox")
    ev.evaluate(); ev.accumulate(); ev.summarize()
print(json.dumps([float(x) for x in ev.stats]))
"""


def make_data(folder: Path, images: int, models: int) -> list[tuple[str, Path]]:
    """The project (made once) and its models: [(name, predictions file)]."""
    pred = folder / "annotations" / "predictions.json"
    names = [("m1", pred)] + [(f"m{k}", folder / "annotations" / f"predictions_m{k}.json")
                              for k in range(2, models + 1)]
    if not pred.exists():
        sys.path.insert(0, str(BENCH))
        import make_coco_like
        make_coco_like.main(["--images", str(images), "--out", str(folder)])
    results = json.loads(pred.read_text())
    for k, (_, path) in enumerate(names[1:], start=2):
        if not path.exists():
            path.write_text(json.dumps(derive(results, k)))
    config = json.loads((folder / "reviewer.json").read_text())
    section = config["detection"]
    section.pop("pred", None)
    section["models"] = [{"name": n, "pred": str(p.relative_to(folder))} for n, p in names]
    section["current_model"] = "m1"
    config["reviewer_project"] = 2
    (folder / "reviewer.json").write_text(json.dumps(config, indent=2))
    return names


def derive(results: list[dict], seed: int) -> list[dict]:
    rng = np.random.default_rng(seed)
    keep = rng.random(len(results)) >= 0.10
    factor = rng.uniform(0.7, 1.3, len(results))
    jitter = rng.uniform(-0.05, 0.05, (len(results), 4))
    out = []
    for i, r in enumerate(results):
        if keep[i]:
            x, y, w, h = r["bbox"]
            box = [x + jitter[i, 0] * w, y + jitter[i, 1] * h, w * (1 + jitter[i, 2]),
                   h * (1 + jitter[i, 3])]
            out.append({**r, "bbox": [round(v, 2) for v in box],
                        "score": round(float(min(1.0, r["score"] * factor[i])), 5)})
    return out


def timed(cmd: list[str]) -> tuple[float, str]:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=str(REPO),
                          env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    wall = time.perf_counter() - t0
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr[-2000:]}")
    return wall, proc.stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=5000)
    parser.add_argument("--models", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data", type=Path, help="project folder (default bench/data/"
                        "compare<IMAGES>)")
    args = parser.parse_args(argv)
    folder = args.data or BENCH / "data" / f"compare{args.images}"
    names = make_data(folder, args.images, args.models)
    gt = folder / "annotations" / "instances_gt.json"
    py = sys.executable
    ours, bare, peers, payload, stats = [], [], [], None, {}
    compare = [py, "-m", "reviewer.cli", "compare", str(folder), "--json", "-q"]
    for _ in range(args.repeat):
        wall, out = timed(compare)
        ours.append(wall)
        payload = json.loads(out)
        bare.append(timed([*compare, "--resamples", "1"])[0])
        total = 0.0
        for name, pred in names:
            wall, out = timed([py, "-c", PYCOCO, str(gt), str(pred)])
            total += wall
            stats[name] = json.loads(out)
        peers.append(total)
    mismatch = [(n, k) for n, _ in names for i, k in enumerate(KEYS)
                if abs(payload["overall"][n][k] - stats[n][i]) > 1e-6]
    print(f"{args.images} images x {len(names)} models, {args.repeat} runs each (wall s, "
          "median / min)")
    print(f"  reviewer compare (load, score, per image, bootstrap x"
          f"{payload['difference']['resamples']}): {statistics.median(ours):7.2f} / "
          f"{min(ours):7.2f}")
    print(f"  reviewer compare --resamples 1 (no bootstrap to speak of): "
          f"{statistics.median(bare):7.2f} / {min(bare):7.2f}")
    print(f"  pycocotools, one process per model, summed:        {statistics.median(peers):7.2f}"
          f" / {min(peers):7.2f}")
    print(f"  ratio compare / pycocotools: {statistics.median(ours) / statistics.median(peers):.2f}")
    for pair in payload.get("pairs") or [payload]:
        d = pair["difference"]
        print(f"  {'/'.join(pair.get('models', payload['models'][:2]))}: {d['metric']} "
              f"{d['value']:+.4f} [{d['ci95'][0]:+.4f}, {d['ci95'][1]:+.4f}] "
              f"p_b_better {d['p_b_better']:.3f}")
    if mismatch:
        print(f"!!! METRIC MISMATCH !!! {mismatch}")
        return 1
    print("  every model's 12 COCO numbers equal pycocotools' (1e-6)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
