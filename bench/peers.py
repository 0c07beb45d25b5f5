"""One benchmark run of one tool, as a whole process (run_eval_bench.py starts this per run).

    python bench/peers.py TOOL DATA_DIR IOU_TYPE

TOOL is one of TOOLS. The tool works from the files, as a user would run it. At exit the process
prints one line `BENCH_RESULT {json}` with the metrics it reported (the 12 COCO numbers or null), its
own peak RSS (ru_maxrss of RUSAGE_SELF, so per run), its CPU time and the in-process time.
Everything else the tool prints goes to stdout/stderr as usual (the parent discards it).
"""

from __future__ import annotations

import contextlib
import io
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from parse_only import data_files, parse  # noqa: E402

MARKER = "BENCH_RESULT "


# COCOeval.stats order; `reviewer eval --json` uses the same names under "overall"
STAT_NAMES = ("AP", "AP50", "AP75", "APs", "APm", "APl",
              "AR1", "AR10", "AR100", "ARs", "ARm", "ARl")


def _stats(stats) -> dict:
    return {k: float(v) for k, v in zip(STAT_NAMES, stats, strict=False)}


def run_parse(data_dir: str, iou_type: str) -> dict | None:
    parse(data_dir)
    return None


def run_pycocotools(data_dir: str, iou_type: str) -> dict:
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    gt_path, pred_path = data_files(data_dir)
    gt = COCO(str(gt_path))
    dt = gt.loadRes(str(pred_path))
    ev = COCOeval(gt, dt, iou_type)
    ev.evaluate()
    ev.accumulate()
    ev.summarize()
    return _stats(ev.stats)


def run_faster(data_dir: str, iou_type: str) -> dict:
    from faster_coco_eval import COCO, COCOeval_faster

    gt_path, pred_path = data_files(data_dir)
    gt = COCO(str(gt_path))
    dt = gt.loadRes(str(pred_path))
    ev = COCOeval_faster(gt, dt, iou_type, print_function=print)
    ev.evaluate()
    ev.accumulate()
    ev.summarize()
    return _stats(ev.stats)


def run_hotcoco(data_dir: str, iou_type: str) -> dict:
    from hotcoco import COCO, COCOeval

    gt_path, pred_path = data_files(data_dir)
    gt = COCO(str(gt_path))
    dt = gt.load_res(str(pred_path))
    ev = COCOeval(gt, dt, iou_type)
    ev.evaluate()
    ev.accumulate()
    ev.summarize()
    return _stats(ev.stats)


def reviewer_metrics(payload: dict, iou_type: str) -> dict | None:
    """The COCO numbers from `reviewer eval --json` output (each AP family under
    "by_iou_type"; older payloads: segm numbers under "segm")."""
    block = (payload.get("by_iou_type") or {}).get(iou_type) or (
        payload.get("segm") if iou_type == "segm" else payload)
    if isinstance(block, dict) and isinstance(block.get("overall"), dict):
        block = block["overall"]
    if not isinstance(block, dict) or "AP" not in block:
        return None
    return {k: float(block[k]) for k in STAT_NAMES if k in block}


def _json_from_stdout(text: str) -> dict:
    start = text.find("{")
    return json.loads(text[start:]) if start >= 0 else {}


def run_reviewer_full(data_dir: str, iou_type: str) -> dict | None:
    """`reviewer score PROJECT --csv OUT` then `reviewer eval PROJECT --json` in one process."""
    run_reviewer_table(data_dir, iou_type)
    return run_reviewer_eval(data_dir, iou_type)


def run_reviewer_eval(data_dir: str, iou_type: str) -> dict | None:
    """`reviewer eval PROJECT --json` alone: the dataset metrics."""
    from reviewer.cli import main

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(["eval", data_dir, "--json"])
    if code not in (0, None):
        raise SystemExit(f"reviewer eval exited {code}")
    return reviewer_metrics(_json_from_stdout(buf.getvalue()), iou_type)


def run_reviewer_table(data_dir: str, iou_type: str) -> dict | None:
    """`reviewer score PROJECT --csv OUT` alone: the per-image table."""
    from reviewer.cli import main

    with tempfile.TemporaryDirectory() as tmp:
        code = main(["score", data_dir, "--csv", str(Path(tmp) / "table.csv")])
    if code not in (0, None):
        raise SystemExit(f"reviewer score exited {code}")
    return None


TOOLS = {
    "parse": run_parse,
    "pycocotools": run_pycocotools,
    "faster": run_faster,
    "hotcoco": run_hotcoco,
    "reviewer": run_reviewer_full,
    "reviewer-table": run_reviewer_table,
    "reviewer-eval": run_reviewer_eval,
}


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[0] not in TOOLS:
        print(__doc__, file=sys.stderr)
        return 2
    tool, data_dir, iou_type = argv
    t0 = time.perf_counter()
    metrics = TOOLS[tool](data_dir, iou_type)
    inner = time.perf_counter() - t0
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result = {"tool": tool, "metrics": metrics, "inner_s": inner,
              "cpu_s": usage.ru_utime + usage.ru_stime, "maxrss_mb": usage.ru_maxrss / 1024.0}
    sys.stdout.flush()
    print(MARKER + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
