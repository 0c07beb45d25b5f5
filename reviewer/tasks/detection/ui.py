"""The window's part of the detection task (``reviewer.ui.task_view``): boxes and instance masks
on the canvas, object tools, the score-threshold slider, PR curves, an object confusion matrix
with "ghost" / "missed" rows and columns."""

from __future__ import annotations

import numpy as np

from reviewer.ui.task_view import TaskView, ThumbBadge, pair

GHOST = "ghost"    # the background row: predictions that match no GT object
MISSED = "missed"  # the background column: GT objects no prediction found
COLUMNS = (("file_name", "Image"), ("error", "Errors"), ("tp", "TP"), ("fp", "FP"), ("fn", "FN"),
           ("mispredicted", "Mispredicted"))
CLASS_HEADERS = ("Class", "AP before", "AP after", "Δ AP", "AP50 after", "Recall after",
                 "GT objects", "Predictions", "FP", "FN")


class DetectionView(TaskView):
    edits = "objects"
    good_when_high = frozenset(("tp", "precision", "recall", "f1", "mean_iou"))
    confusion_unit = "objects"
    has_pr_curves = True

    def columns(self, table: dict) -> list[tuple[str, str]]:
        return [c for c in COLUMNS if c[0] in table]

    def class_counts(self, doc) -> dict | None:
        return doc.class_counts

    def score_threshold(self, doc) -> float | None:
        return doc.params.score_threshold

    def rescore(self, doc, threshold: float):
        from dataclasses import replace
        params = replace(doc.params, score_threshold=float(threshold))
        return lambda: doc.rescored(params)

    def frame(self, builder, session, i: int, fallback_size):
        return builder.detection_frame(session, i, fallback_size)

    def thumb_badge(self, session, row: int) -> ThumbBadge:
        """GT boxes and the predictions above the score threshold, drawn small (as the report's
        thumbnails), and the image's false positives and misses (red when there are any)."""
        from reviewer.io.report_thumbs import thumb_boxes
        doc = session.document
        gt, pred = thumb_boxes(doc, row)
        fp, fn = int(doc.table["fp"][row]), int(doc.table["fn"][row])
        line = ("no errors", "good") if fp + fn == 0 else (f"FP {fp} · FN {fn}", "bad")
        images = doc.base.images
        size = (int(images.widths[row]), int(images.heights[row]))
        return ThumbBadge((line,), np.concatenate([gt, pred]).reshape(-1, 4),
                          ("gt",) * len(gt) + ("pred",) * len(pred),
                          size if size[0] > 0 and size[1] > 0 else None)

    def score_text(self, before: dict, after: dict, row: int) -> str:
        errors = pair("errors", before["error"][row], after["error"][row], 0)
        return f"{errors} · {pair('F1', before['f1'][row], after['f1'][row])}"

    def metric_names(self, session) -> str:
        t = session.document.params.iou_type
        return f"AP50 ({t}) · AP ({t})"

    def metric_snapshot(self, session, with_before: bool):
        doc = session.document
        iou_type, ds, rles = doc.params.iou_type, doc.dataset(), doc.rles()
        rles = None if rles is None else (rles[0], list(rles[1]))
        base = (doc.base, session.data.rles) if with_before else None

        def run():
            out = {"after": _metric(ds, iou_type, rles), "before": None}
            if base is not None:
                out["before"] = _metric(base[0], iou_type, base[1])
            return out
        return run

    # --- analysis ------------------------------------------------------------------------------
    def snapshot_data(self, session) -> dict:
        doc = session.document
        rles = doc.rles()
        if rles is not None:
            rles = (rles[0], list(rles[1]))
        return {"ds": doc.dataset(), "params": doc.params, "rles": rles}

    def evaluate(self, snap, rows=None) -> dict:
        from reviewer.core import reports
        d = snap.data
        return reports.detection_eval(d["ds"], d["params"], image_rows=rows)

    def slice_figures(self, snap, part: dict, whole: dict, in_slice, overall):
        a, b = part, whole  # overall / per_class: the matching IoU type
        head = (a["overall"]["AP"], b["overall"]["AP"], a["overall"]["AP50"], b["overall"]["AP50"])
        head = tuple(None if v is None or v < 0 else v for v in head)
        classes = [(n, a["per_class"][n]["AP"], b["per_class"][n]["AP"],
                    a["per_class"][n]["AP50"], b["per_class"][n]["AP50"],
                    int(in_slice[k]), int(overall[k])) for k, n in enumerate(snap.class_names)]
        return f"AP ({snap.data['params'].iou_type})", head, classes

    def curves(self, snap):
        from reviewer.core.curves import pr_curves
        p = snap.data["params"]
        rles = snap.data["rles"] if p.iou_type == "segm" else None
        return pr_curves(snap.data["ds"], p.iou_threshold, p.score_threshold, p.iou_type,
                         rles=rles)

    def confusion(self, session, names: list[str]):
        k = len(names)
        return (session.document.confusion(), names + [GHOST], names + [MISSED], (k,), (k,))

    def cell_rows(self, session, r: int, j: int) -> np.ndarray:
        pairs = session.document.pairs
        sel = (pairs["gt_class"] == r) & (pairs["pred_class"] == j)
        return np.unique(pairs["image"][sel])

    def cell_objects(self, session, row: int, cell) -> list[tuple[str, int]]:
        sub, scores = session.document.image_scores(row)
        pairs = scores.pairs
        sel = (pairs["gt_class"] == cell[0]) & (pairs["pred_class"] == cell[1])
        keys = [("gt", int(sub.gt.ids[g])) for g in pairs["gt_row"][sel] if g >= 0]
        return keys + [("pred", int(sub.pred.ids[p])) for p in pairs["pred_row"][sel] if p >= 0]

    def class_metric_rows(self, metrics: dict):
        before, after = metrics["before"]["per_class"], metrics["after"]["per_class"]
        names = list(dict.fromkeys(list(before) + list(after)))
        return CLASS_HEADERS, [_class_row(n, before.get(n, {}), after.get(n, {}))
                               for n in names], (6, 7)


def _class_row(name: str, b: dict, a: dict) -> list:
    from reviewer.ui.analysis.class_metrics_panel import delta
    gt, tp, fp, fn = (a.get(k) for k in ("gt", "tp", "fp", "fn"))
    recall = tp / gt if gt else None
    pred = None if tp is None or fp is None else tp + fp
    return [name, b.get("AP"), a.get("AP"), delta(b.get("AP"), a.get("AP")), a.get("AP50"),
            recall, gt, pred, fp, fn]


def _metric(ds, iou_type: str, rles) -> dict:
    """{"AP50 (t)": v, "AP (t)": v} of a DetectionDataset (COCOeval-equivalent engine)."""
    from reviewer.core import ap, cocoeval
    stats = ap.accumulate(ds, cocoeval.match_dataset(ds, iou_type, rles=rles)).stats
    return {f"AP50 ({iou_type})": float(stats["AP50"]), f"AP ({iou_type})": float(stats["AP"])}


VIEW = DetectionView()
