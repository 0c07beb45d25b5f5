"""``metrics.json``: the model's metric on the original GT and on the corrected GT.

Detection: COCO AP (IoU .50:.95) with the project's matching IoU type (``segm`` when GT and
predictions carry masks, else ``bbox``), plus AP50, overall and per class. Segmentation: mIoU and
per-class IoU. Both are computed on the exported images.

``label_noise_share`` = (metric_after - metric_before) / (1 - metric_before): the part of the
error measured before the review (1 - metric_before) that was label noise, i.e. disappeared when
the labels were fixed. 0 when nothing changed; negative when the corrections lowered the metric
(e.g. objects the annotators had missed were added and the model misses them too); None when the
metric before was already perfect or undefined.
"""

from __future__ import annotations

import math

import numpy as np

from reviewer import tasks
from reviewer.io.evaluation import session_eval


def _num(v) -> float | None:
    if v is None:
        return None
    v = float(v)
    return None if math.isnan(v) or v < 0 else v


def noise_share(before: float | None, after: float | None) -> float | None:
    """(after - before) / (1 - before); None when undefined (see module docstring)."""
    if before is None or after is None or before >= 1.0:
        return None
    return (after - before) / (1.0 - before)


def session_metrics(session, image_rows) -> dict:
    """Before (the original GT) and after (the corrected GT) on ``image_rows``: the task's
    ``evaluate`` payloads cut to what ``metrics.json`` keeps (``Task.metrics_block``)."""
    task = tasks.get(session.data.task)
    rows = np.asarray(image_rows, np.int64)
    before = session_eval(session, rows, original=True)
    after = session_eval(session, rows)
    b, a = task.metrics_block(before), task.metrics_block(after)
    return {"task": task.name, "metric_name": before["metric_name"], "images": len(rows),
            "metric_before": b["metric"], "metric_after": a["metric"],
            "label_noise_share": noise_share(b["metric"], a["metric"]),
            "label_noise_share_definition":
                "(metric_after - metric_before) / (1 - metric_before): the share of the error "
                "measured on the original labels that disappeared when the labels were fixed",
            "before": b, "after": a, "conflicts_not_applied": len(session.history.conflicts)}


def summary_line(metrics: dict) -> str:
    """``AP (bbox) before 0.412 -> after 0.455 (+0.043); label noise share 7.3%``."""
    b, a = metrics["metric_before"], metrics["metric_after"]
    name = metrics["metric_name"]
    if b is None or a is None:
        return f"{name}: before {_fmt(b)} -> after {_fmt(a)}"
    share = metrics["label_noise_share"]
    tail = "" if share is None else f"; label noise share {100 * share:.1f}%"
    n = metrics.get("conflicts_not_applied") or 0
    if n:
        tail += f"; {n} correction{'s' if n != 1 else ''} set aside as conflicts, not applied"
    line = f"{name} before {b:.3f} -> after {a:.3f} ({a - b:+.3f}){tail}"
    models = metrics.get("models") or {}
    if len(models) > 1:
        line = f"{line} (model {metrics.get('model')})" + "".join(
            f"\n  model {m}: {_fmt(v['metric_before'])} -> {_fmt(v['metric_after'])}"
            for m, v in models.items())
    return line


def _fmt(v) -> str:
    return "n/a" if v is None else f"{v:.3f}"
