"""What the analysis panels compute, as plain functions (no Qt) run on a worker thread.

Each is a thin call into the engine — ``reviewer.io.stats.stats_payload``,
``reviewer.io.export_metrics.session_metrics``, ``reviewer.core.reports.detection_eval`` /
``semantic_eval``, ``reviewer.core.curves.pr_curves`` — never a second implementation.
``Snapshot`` freezes the document's inputs on the main thread so a background job never sees a
half-applied edit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reviewer.core import reports
from reviewer.core.curves import pr_curves
from reviewer.io import export_metrics
from reviewer.io.stats import stats_payload
from reviewer.ui.models.image_filter import ImageFilter, ReviewColumns, filter_mask


@dataclass(frozen=True)
class Snapshot:
    """The inputs of a metric at one moment. Detection: ds (corrected), params, rles;
    segmentation: stack, class_names, ignore_index. ``present`` (N, K) bool: class k is in image
    i (the filter bar's "present": GT or predictions)."""

    task: str
    class_names: tuple
    present: np.ndarray
    ds: object = None
    params: object = None
    rles: tuple | None = None
    stack: object = None
    ignore_index: int | None = None


def snapshot(session) -> Snapshot:
    doc = session.document
    names = tuple(_class_names(session))
    table = doc.table
    review = ReviewColumns(table["image_id"])
    counts = getattr(doc, "class_counts", None)
    present = np.stack([filter_mask(ImageFilter(class_name=n), table, review, counts, names)
                        for n in names], axis=1) if names else np.zeros((len(review), 0), bool)
    if session.data.task == "detection":
        rles = doc.rles()
        if rles is not None:
            rles = (rles[0], list(rles[1]))
        return Snapshot("detection", names, present, ds=doc.dataset(), params=doc.params,
                        rles=rles)
    return Snapshot("segmentation", names, present, stack=doc.stack,
                    ignore_index=doc.scoring_ignore)


def _class_names(session) -> list[str]:
    ds = session.data.dataset
    if session.data.task == "detection":
        return [str(n) for n in ds.categories.names]
    return [str(n) for n in ds.class_names]


def tag_stats(session, reviewed_only: bool) -> dict:
    """The ``reviewer stats --json`` payload."""
    return stats_payload(session, reviewed_only)


def class_metrics(session) -> dict:
    """Before / after corrections over every image (as in the export's metrics.json)."""
    return export_metrics.session_metrics(session, np.arange(len(session.document.table["image_id"])))


def evaluate(snap: Snapshot, rows=None) -> dict:
    """``detection_eval`` / ``semantic_eval`` of the images ``rows`` (None = all)."""
    if snap.task == "detection":
        return reports.detection_eval(snap.ds, snap.params, image_rows=rows)
    return reports.semantic_eval(snap.stack, snap.class_names, snap.ignore_index, rows)


def slice_metrics(snap: Snapshot, rows: np.ndarray, whole: dict | None = None) -> dict:
    """A slice beside the whole set, overall and per class, with the images behind each figure.

    -> {"metric_name", "images", "images_all", "overall": (slice, all, slice50, all50),
    "classes": [(name, slice, all, slice50, all50, images in slice, images overall)], "slice",
    "whole"} where "slice" / "whole" are the engine payloads.
    """
    rows = np.asarray(rows, np.int64)
    part = evaluate(snap, rows)
    whole = whole if whole is not None else evaluate(snap)
    in_slice = snap.present[rows].sum(axis=0)
    overall = snap.present.sum(axis=0)
    if snap.task == "detection":
        iou_type = snap.params.iou_type
        a, b = part, whole  # overall / per_class: the matching IoU type
        head = (a["overall"]["AP"], b["overall"]["AP"], a["overall"]["AP50"], b["overall"]["AP50"])
        head = tuple(None if v is None or v < 0 else v for v in head)
        classes = [(n, a["per_class"][n]["AP"], b["per_class"][n]["AP"],
                    a["per_class"][n]["AP50"], b["per_class"][n]["AP50"],
                    int(in_slice[k]), int(overall[k])) for k, n in enumerate(snap.class_names)]
        name = f"AP ({iou_type})"
    else:
        head = (part["miou"], whole["miou"], None, None)
        classes = [(n, part["per_class"].get(n, {}).get("iou"),
                    whole["per_class"].get(n, {}).get("iou"), None, None,
                    int(in_slice[k]), int(overall[k])) for k, n in enumerate(snap.class_names)]
        name = "mIoU"
    return {"metric_name": name, "images": int(len(rows)), "images_all": int(len(snap.present)),
            "overall": head, "classes": classes, "slice": part, "whole": whole}


def curves(snap: Snapshot) -> list:
    """``pr_curves`` of every class at the project's IoU and score thresholds."""
    p = snap.params
    rles = snap.rles if p.iou_type == "segm" else None
    return pr_curves(snap.ds, p.iou_threshold, p.score_threshold, p.iou_type, rles=rles)
