"""What ``reviewer score`` and ``reviewer eval`` print, as plain dicts of arrays / numbers.

One function per output; all of them take an optional ``image_rows`` (a slice) and reuse the one
matcher through ``score_detection`` and ``match_dataset``.
"""

from __future__ import annotations

import numpy as np

from . import semantic
from .ap import accumulate
from .cocoeval import STAT_NAMES, gt_rles, match_dataset, pred_rles
from .detection_scores import DetectionParams, DetectionScores, iou_type_for, score_detection
from .ranking import rank  # noqa: F401  (re-exported: the table's order)
from .tables import DetectionDataset

DETECTION_COLUMNS = ("image_id", "file_name", "error", "gt", "pred", "tp", "fp", "fn",
                     "mispredicted", "precision", "recall", "f1", "mean_iou")


def detection_table(ds: DetectionDataset, scores: DetectionScores) -> dict:
    """Per-image columns (N,) for the images in ``scores.image_rows``, in image order."""
    rows = scores.image_rows
    table = {"image_id": ds.images.ids[rows], "file_name": ds.images.file_names[rows]}
    for col in DETECTION_COLUMNS[2:]:
        table[col] = scores.per_image[col][rows]
    for name, counts in scores.errors.items():
        table[f"err_{name}"] = counts[rows]
    table["ignored"] = scores.per_image["ignored"][rows]
    return table


def _named(values: np.ndarray) -> float | None:
    v = float(values)
    return None if np.isnan(v) or v < 0 else v


def detection_eval(ds: DetectionDataset, params: DetectionParams, image_rows=None,
                   scores: DetectionScores | None = None, rles: tuple | None = None) -> dict:
    """The ``eval --json`` payload for detection.

    ``overall`` and ``per_class`` hold the AP of the project's matching IoU type
    (``iou_type``: ``segm`` when GT and predictions all carry masks, else ``bbox``) beside the
    counts of the same matching, so one table never mixes two IoU types; ``by_iou_type`` holds
    both AP families (``bbox`` always, ``segm`` when both sides carry masks).
    rles: (pred, gt) compressed RLEs when already decoded (saves converting them again)."""
    if scores is None:
        scores = score_detection(ds, params, image_rows=image_rows, rles=rles)
    names = [str(n) for n in ds.categories.names]
    by_type = {"bbox": _ap_block(ds, accumulate(ds, match_dataset(ds, "bbox",
                                                                  image_rows=image_rows)), names)}
    if ds.gt.has_masks and ds.pred.has_masks:
        rles = rles if rles is not None else (pred_rles(ds), gt_rles(ds))
        segm = accumulate(ds, match_dataset(ds, "segm", image_rows=image_rows, rles=rles))
        by_type["segm"] = _ap_block(ds, segm, names)
    main = by_type[params.iou_type]
    counts = {c: scores.per_class_image[c].sum(0) for c in scores.per_class_image}
    pred_count = counts["tp"] + counts["fp"]
    per_class = {}
    for k, name in enumerate(names):
        per_class[name] = {
            **main["per_class"][name],
            "gt": int(counts["gt"][k]), "pred": int(pred_count[k]), "tp": int(counts["tp"][k]),
            "fp": int(counts["fp"][k]), "fn": int(counts["fn"][k]),
            "mispredicted": int(counts["mispredicted"][k])}
    return {
        "images": int(len(scores.image_rows)),
        "iou_threshold": params.iou_threshold, "score_threshold": params.score_threshold,
        "iou_type": params.iou_type, "metric_name": f"AP ({params.iou_type})",
        "overall": main["overall"],
        "per_class": per_class,
        "by_iou_type": by_type,
        "confusion": {"labels": names + ["background"], "rows": "ground truth",
                      "columns": "prediction", "matrix": scores.confusion.tolist()},
        "errors": {k: int(v[scores.image_rows].sum()) for k, v in scores.errors.items()},
    }


def _ap_block(ds: DetectionDataset, acc, names: list[str]) -> dict:
    return {"overall": {k: float(acc.stats[k]) for k in STAT_NAMES},
            "per_class": {n: {"AP": _named(acc.class_ap[k]), "AP50": _named(acc.class_ap50[k]),
                              "AP75": _named(acc.class_ap75[k]),
                              "AR100": _named(acc.class_ar100[k])}
                          for k, n in enumerate(names)}}


def default_params(ds: DetectionDataset, iou_threshold=0.5, score_threshold=0.5) -> DetectionParams:
    """Detection parameters for a dataset: mask IoU when both sides carry masks."""
    return DetectionParams(iou_threshold, score_threshold, iou_type_for(ds))


def semantic_eval(stack: semantic.ConfusionStack, class_names, ignore_index, image_rows=None) -> dict:
    """The ``eval --json`` payload for semantic segmentation."""
    ev = semantic.evaluate(stack, image_rows, ignore_index)
    per_class = {}
    for k, name in enumerate(class_names):
        if not ev.evaluated[k]:
            continue
        per_class[str(name)] = {
            "iou": None if np.isnan(ev.iou[k]) else float(ev.iou[k]),
            "intersection": int(ev.intersection[k]), "union": int(ev.union[k]),
            "gt_area": int(ev.gt_area[k]), "pred_area": int(ev.pred_area[k])}
    return {
        "metric_name": "mIoU", "images": ev.num_images,
        "miou": None if np.isnan(ev.miou) else float(ev.miou),
        "miou_all_classes": None if np.isnan(ev.miou_all) else float(ev.miou_all),
        "pixel_acc": None if np.isnan(ev.pixel_acc) else float(ev.pixel_acc),
        "per_class": per_class,
        "confusion": {"labels": [str(n) for n in class_names] + ["void"],
                      "rows": "ground truth", "columns": "prediction",
                      "matrix": ev.matrix.tolist()},
    }
