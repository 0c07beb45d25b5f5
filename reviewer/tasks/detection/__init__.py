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
    """gt_format / pred_format: ``reviewer.formats`` names (None: found from the path; init
    records what it found); classes: a class-names file (YOLO data.yaml, voc.names, ...);
    difficult: how Pascal VOC difficult objects are scored (None: ignored like crowd)."""

    gt: Path
    pred: Path | None
    iou_threshold: float = 0.5
    score_threshold: float = 0.5
    gt_format: str | None = None
    pred_format: str | None = None
    classes: Path | None = None
    difficult: str | None = None

    def format_options(self) -> dict:
        return {"difficult": self.difficult} if self.difficult else {}


_FORMAT_KEYS = ("gt_format", "pred_format", "classes", "difficult")  # written only when set


_GT_COMMANDS = frozenset({"add_object", "delete_object", "relabel", "move_box", "replace_shape",
                          "accept_prediction"})


class DetectionTask(base.Task):
    name = "detection"
    title = "Detection"
    summary = "boxes, instance masks"
    inputs_type = DetectionInputs
    ui_module = "reviewer.tasks.detection.ui"
    fields = (
        Field("gt", "path", required=True, flag="--gt",
              help="a COCO instances JSON (boxes, instance masks), a YOLO label folder, Pascal "
                   "VOC XML, LabelMe JSON or a CVAT XML (the format is found from the path)"),
        Field("pred", "path", per_model=True, flag="--pred",
              help="a COCO results JSON (or a COCO file with a score per annotation), YOLO "
                   "predict labels (save_conf=True), per-image pixel .txt files, VOC results"),
        Field("gt_format", "text", flag="--gt-format",
              help="the ground truth's format when it cannot be told from the path: coco, "
                   "yolo, voc, labelme, cvat"),
        Field("pred_format", "text", per_model=True, flag="--pred-format",
              help="the predictions' format: coco, yolo, labelme, cvat, txt_xywh, txt_xyxy, "
                   "voc_results"),
        Field("classes", "file", flag="--classes",
              help="class names: a YOLO data.yaml, a names file (one per line, e.g. voc.names) "
                   "or a JSON list (YOLO / text class indices become names)"),
        Field("difficult", "text", flag="--difficult",
              help="Pascal VOC 'difficult' objects: ignore (the default: ignored in matching "
                   "like COCO crowd regions, as VOC's evaluation does) or score"),
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
    allocates_ids = True

    def accepts_gt(self, path: Path) -> bool:
        """A file, or a folder in a detection format (``reviewer.formats``: a YOLO label
        folder, VOC XML, LabelMe JSON; a folder of label PNGs is not)."""
        from reviewer.formats import guess_task
        return guess_task(path) == self.name

    export_formats = ("coco", "yolo", "voc", "labelme")

    def new_inputs(self, options: dict) -> DetectionInputs:
        """Inputs from ``reviewer init`` options, with the formats found from the paths
        recorded (InputError naming every format considered when one fits none)."""
        from dataclasses import replace

        from reviewer.formats.detection import resolve
        inputs = super().new_inputs(options)
        if inputs.difficult not in (None, "ignore", "score"):
            from reviewer.core.problems import InputError
            raise InputError(f"--difficult {inputs.difficult!r}: expected ignore or score")
        if not inputs.gt.exists() or (inputs.pred is not None and not inputs.pred.exists()):
            return inputs  # the missing path is reported when the project is checked
        gt = resolve(inputs.gt, "gt", inputs.gt_format).name
        pred = resolve(inputs.pred, "pred", inputs.pred_format).name if inputs.pred else None
        return replace(inputs, gt_format=None if gt == "coco" else gt,
                       pred_format=None if pred in ("coco", None) else pred)

    def write_inputs(self, inputs, relative) -> dict:
        out = super().write_inputs(inputs, relative)
        return {k: v for k, v in out.items() if v is not None or k not in _FORMAT_KEYS}

    def owns(self, command) -> bool:
        return command.kind in _GT_COMMANDS

    # --- loading --------------------------------------------------------------------------------
    def open(self, project, inputs: DetectionInputs, progress) -> TaskData:
        from reviewer.core import reports
        from reviewer.core.cocoeval import gt_rles, pred_rles
        from reviewer.core.detection_scores import score_detection
        from reviewer.core.problems import InputError
        from reviewer.formats.detection import load_inputs  # any format (COCO, YOLO, VOC, ...)
        progress("loading", 0, 2)
        ds = load_inputs(inputs, project.images)
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

    # --- comparing models -----------------------------------------------------------------------
    class_metric = "AP"

    def headline(self, payload: dict):
        return payload["metric_name"], payload["overall"]["AP"]

    def resampler(self, session, original: bool = False):
        from reviewer.core.ap_weighted import APResampler
        from reviewer.core.cocoeval import AREA_RANGES, match_dataset
        doc = session.document
        corrected = not original and doc.corrected_images
        ds = doc.dataset() if corrected else doc.base
        rles = (doc.rles() if corrected else session.data.rles) \
            if doc.params.iou_type == "segm" else None
        res = match_dataset(ds, doc.params.iou_type, area_ranges=AREA_RANGES[:1], rles=rles)
        return APResampler(ds, res)

    # --- export -----------------------------------------------------------------------------
    def export_dataset(self, folder: Path, session, rows, progress, formats=None):
        """The corrected GT in ``formats`` (default COCO: the original file with the
        corrections), each with its loss report (``reviewer.formats.export``)."""
        from reviewer.formats.export import write_detection
        progress("dataset", 0, 1)
        problems: list = []
        inputs = session.project.inputs[self.name]
        chosen = [f for f in (formats or ()) if f in self.export_formats] or ["coco"]
        files, reports = write_detection(folder, session, inputs, rows, chosen, problems)
        progress("dataset", 1, 1)
        return files, problems, reports


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
