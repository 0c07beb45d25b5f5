"""The detection task: boxes and instance masks (COCO), scored by COCOeval's matching.

Engine modules stay where every task can reuse them (``reviewer/core``: matching, COCO
accumulation, TIDE, ``DetectionDocument``; ``reviewer/io``: the COCO loaders and export); this
package is the task's glue: its inputs, loading, evaluation payload and text, tag-statistics
slicer, export, and (``ui.py``) what the window offers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from reviewer.tasks import base, register
from reviewer.tasks.base import Field, TaskData


@dataclass(frozen=True)
class DetectionInputs:
    gt: Path
    pred: Path | None
    iou_threshold: float = 0.5
    score_threshold: float = 0.5


_GT_COMMANDS = frozenset({"add_object", "delete_object", "relabel", "move_box", "replace_shape",
                          "accept_prediction"})


class DetectionTask(base.Task):
    name = "detection"
    title = "Detection"
    summary = "boxes, instance masks"
    inputs_type = DetectionInputs
    ui_module = "reviewer.tasks.detection.ui"
    fields = (
        Field("gt", "file", required=True, flag="--gt",
              help="a COCO instances JSON (boxes, instance masks)"),
        Field("pred", "file", flag="--pred",
              help="a COCO results JSON (or a COCO file with a score per annotation)"),
        Field("iou_threshold", "fraction", default=0.5, flag="--iou-threshold", override=True,
              help="IoU a prediction needs with a GT object of its class to count as a match "
                   "(true positive) in the per-image table, the confusion matrix and the error "
                   "types; the dataset AP always averages IoU 0.50:0.95 as COCO does "
                   "(default 0.5)"),
        Field("score_threshold", "fraction", default=0.5, flag="--score-threshold",
              override=True,
              help="predictions below this confidence are left out of the per-image table, the "
                   "confusion matrix and the error types (the AP uses every prediction) "
                   "(default 0.5)"),
    )
    sort_columns = ("error", "gt", "pred", "tp", "fp", "fn", "mispredicted", "precision",
                    "recall", "f1", "mean_iou", "ignored", "file_name", "image_id")
    error_threshold = 0.0

    def accepts_gt(self, path: Path) -> bool:
        return path.is_file() or path.suffix.lower() == ".json"

    def owns(self, command) -> bool:
        return command.kind in _GT_COMMANDS

    # --- loading --------------------------------------------------------------------------------
    def open(self, project, inputs: DetectionInputs, progress) -> TaskData:
        from reviewer.core import reports
        from reviewer.core.cocoeval import gt_rles, pred_rles
        from reviewer.core.detection_scores import score_detection
        from reviewer.core.problems import InputError
        from reviewer.io.coco import load_detection
        progress("loading", 0, 2)
        ds = load_detection(inputs.gt, inputs.pred, project.images)
        progress("loading", 2, 2)
        if len(ds.images) == 0:
            raise InputError(f"{inputs.gt}: no usable image", ds.problems)
        params = reports.default_params(ds, inputs.iou_threshold, inputs.score_threshold)
        rles = None
        if params.iou_type == "segm":
            progress("decoding masks", 0, 1)
            rles = (pred_rles(ds), gt_rles(ds))
        progress("scoring", 0, 1)
        scores = score_detection(ds, params, rles=rles)
        progress("scoring", 1, 1)
        return TaskData(self.name, ds, scores, reports.detection_table(ds, scores),
                        list(ds.problems), params, rles)

    def make_document(self, data: TaskData):
        from reviewer.core.document import DetectionDocument
        return DetectionDocument(data.dataset, data.params, data.scores, data.rles)

    def class_names(self, data: TaskData) -> list[str]:
        return [str(n) for n in data.dataset.categories.names]

    def change_names(self, session) -> dict:
        cats = session.document.base.categories
        return {int(c): str(n) for c, n in zip(cats.ids.tolist(), cats.names.tolist(),
                                               strict=True)}

    # --- numbers --------------------------------------------------------------------------------
    def evaluate(self, session, image_rows=None, original: bool = False) -> dict:
        from reviewer.core import reports
        doc, data = session.document, session.data
        if not original and doc.corrected_images:
            ds, rles, scores = doc.dataset(), doc.rles(), None
        else:
            ds, rles = doc.base, data.rles
            fresh = image_rows is None and doc.params == data.params
            scores = data.scores if fresh else None
        return {"task": self.name,
                **reports.detection_eval(ds, doc.params, image_rows, scores, rles)}

    def eval_lines(self, payload: dict, before: dict | None) -> list[str]:
        from reviewer.tasks.text import headline, num
        t = payload["iou_type"]
        lines = [f"matching: {t} IoU >= {payload['iou_threshold']:g}, score >= "
                 f"{payload['score_threshold']:g} (counts, confusion and TIDE types)",
                 headline([(f"AP ({t})", "AP"), (f"AP50 ({t})", "AP50")], payload["overall"],
                          None if before is None else before["overall"])]
        for family, block in payload["by_iou_type"].items():
            lines.append(f"{family}: " + "  ".join(f"{k} {num(v)}"
                                                   for k, v in block["overall"].items()))
        lines.append(f"{'class':<20} {'AP':>6} {'AP50':>6} {'gt':>6} {'pred':>6} {'tp':>6} "
                     f"{'fp':>6} {'fn':>6} {'mispr':>6}   ({t} throughout)")
        for name, c in payload["per_class"].items():
            lines.append(f"{name[:20]:<20} {num(c['AP']):>6} {num(c['AP50']):>6} {c['gt']:>6} "
                         f"{c['pred']:>6} {c['tp']:>6} {c['fp']:>6} {c['fn']:>6} "
                         f"{c['mispredicted']:>6}")
        lines.append(f"errors (TIDE, {t} matching): " +
                     "  ".join(f"{k} {v}" for k, v in payload["errors"].items()))
        return lines

    def stats_parts(self, session, population, original: bool):
        import numpy as np

        from reviewer.core import tag_stats as ts
        doc = session.document
        ds = doc.base if original else doc.dataset()
        iou_type = doc.params.iou_type
        rles = (session.data.rles if original else doc.rles()) if iou_type == "segm" else None
        slicer = ts.DetectionSlicer(ds, iou_type, rles, np.flatnonzero(population))
        return (slicer, [str(n) for n in ds.categories.names], ts.detection_class_images(ds),
                f"AP ({iou_type})")

    def stats_extra(self, stats, t: int | None) -> dict:
        if t is None:
            return {"AP50_overall": _num(stats.overall.value50)}
        return {"AP50": _num(stats.metric50[t]), "AP50_overall": _num(stats.overall.value50)}

    def metrics_block(self, payload: dict) -> dict:
        overall = payload["overall"]  # the matching IoU type, as the per-class counts
        per_class = {name: {"AP": c.get("AP"), "AP50": c.get("AP50"), "gt": c["gt"],
                            "tp": c["tp"], "fp": c["fp"], "fn": c["fn"]}
                     for name, c in payload["per_class"].items()}
        return {"metric": _num(overall["AP"]), "AP50": _num(overall["AP50"]),
                "overall": {k: _num(v) for k, v in overall.items()}, "per_class": per_class,
                "errors": payload["errors"], "confusion": payload["confusion"]}

    # --- export -----------------------------------------------------------------------------
    def export_dataset(self, folder: Path, session, rows, progress):
        from reviewer.io import export_coco
        from reviewer.io.export_files import write_json
        progress("dataset", 0, 1)
        gt_path = session.project.inputs[self.name].gt
        problems: list = []
        data = export_coco.fixed_coco(session.document, gt_path, rows, problems)
        name = Path(gt_path).name
        write_json(folder, name, data, indent=None)
        progress("dataset", 1, 1)
        return [name], problems


    # --- the HTML report ------------------------------------------------------------------
    per_class_key = "AP"
    report_legend = ('<span style="background:#3cb43c"></span>ground truth'
                     '<span style="background:#ff8c00"></span>prediction')

    def thumbnail(self, session, i: int, width: int, loaded) -> bytes:
        from reviewer.io.report_thumbs import detection_thumb
        return detection_thumb(session.document, session.project.images, i, width, loaded)

    def report_confusion(self, session, rows, metrics: dict):
        names = [str(n) for n in session.document.base.categories.names] + ["background"]
        return (session.document.confusion(rows), names, names,
                "Detection confusion (matched at the project's IoU and score thresholds)")

    def report_numbers(self, table: dict, before: dict, i: int) -> tuple[str, str]:
        return (f"error {int(table['error'][i])} (before {int(before['error'][i])})",
                f"TP {int(table['tp'][i])} · FP {int(table['fp'][i])} · "
                f"FN {int(table['fn'][i])} · mispredicted {int(table['mispredicted'][i])}")

    def metric_definition(self, metrics: dict) -> str:
        return f"{metrics['metric_name']}: COCO AP averaged over IoU 0.50:0.95 (pycocotools rules)"


def _num(v) -> float | None:
    if v is None:
        return None
    v = float(v)
    return None if math.isnan(v) or v < 0 else v


TASK = register(DetectionTask())
