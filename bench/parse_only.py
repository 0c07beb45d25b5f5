"""Baseline: the time to json.load the GT and the predictions file of a bench data folder.

    python bench/parse_only.py DATA_DIR

The per-image table's target is "close to the cost of parsing the JSON"; run_eval_bench.py runs
this as the `parse` entry, as a whole process like every other entry.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def data_files(data_dir: str | Path) -> tuple[Path, Path]:
    """(GT json, predictions json) of a folder written by make_coco_like.py."""
    ann = Path(data_dir) / "annotations"
    return ann / "instances_gt.json", ann / "predictions.json"


def parse(data_dir: str | Path) -> tuple[dict, list]:
    """json.load both files; returns them so the work cannot be skipped."""
    gt_path, pred_path = data_files(data_dir)
    with open(gt_path, "rb") as f:
        gt = json.load(f)
    with open(pred_path, "rb") as f:
        pred = json.load(f)
    return gt, pred


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print(__doc__)
        return 2
    t0 = time.perf_counter()
    gt, pred = parse(args[0])
    print(f"json.load: {time.perf_counter() - t0:.3f} s "
          f"({len(gt['annotations'])} GT, {len(pred)} predictions)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
