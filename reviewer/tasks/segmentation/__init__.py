"""The segmentation task: class-index / palette / colour label PNGs, scored by pixel confusion.

Engine modules: ``reviewer/core/semantic.py`` (confusion, IoU), ``SemanticDocument``,
``reviewer/io/semantic.py`` (label PNGs) and ``export_semantic.py``; this package is the task's
glue and (``ui.py``) what the window offers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reviewer.tasks import base, register
from reviewer.tasks.base import Field, TaskData


@dataclass(frozen=True)
class SegmentationInputs:
    gt: Path
    pred: Path | None
    classes: Path | None = None
    ignore_index: int = 255


class SegmentationTask(base.Task):
    name = "segmentation"
    title = "Segmentation"
    summary = "label masks"
    inputs_type = SegmentationInputs
    ui_module = "reviewer.tasks.segmentation.ui"
    fields = (
        Field("gt", "dir", required=True, flag="--gt", help="a folder of label PNGs"),
        Field("pred", "dir", per_model=True, flag="--pred",
              help="a folder of predicted label PNGs named like the ground truth's"),
        Field("classes", "file", flag="--classes",
              help="class names: a JSON object index -> name (or a list, or Cityscapes-style "
                   "objects with colours and \"ignore\"), a text file with one name per line "
                   "(name r g b for colour-coded masks), or CamVid's class_dict.csv"),
        Field("ignore_index", "int", default=255, flag="--ignore-index",
              help="the label value that marks pixels left out of the scores (default 255; "
                   "ADE20K uses 0)"),
    )
    sort_columns = ("error", "miou", "pixel_acc", "file_name", "image_id")
    error_threshold = 0.1

    def accepts_gt(self, path: Path) -> bool:
        """A folder of label PNGs (``reviewer.formats``: never a folder of YOLO labels)."""
        from reviewer.formats import guess_task
        return path.is_dir() and guess_task(path) == self.name

    def owns(self, command) -> bool:
        return command.kind == "paint_mask"

    # --- loading --------------------------------------------------------------------------------
    def open(self, project, inputs: SegmentationInputs, progress) -> TaskData:
        from reviewer.core import semantic
        from reviewer.core.problems import InputError
        from reviewer.io.semantic import load_semantic, score_semantic
        progress("loading", 0, 1)
        ds = load_semantic(project.images, inputs.gt, inputs.pred, inputs.classes,
                           inputs.ignore_index)
        if len(ds.images) == 0:
            raise InputError(f"{inputs.gt}: no usable image", ds.problems)
        if ds.num_classes == 0:
            raise InputError(f"{inputs.gt}: no usable class (no classes file, and no usable "
                             "label mask to read the classes from)", ds.problems)
        stack, problems = score_semantic(ds, lambda d, t: progress("scoring", d, t))
        table = semantic.image_table(stack, ds.images.ids, ds.images.file_names, ds.class_names,
                                     ds.scoring_ignore)
        return TaskData(self.name, ds, stack, table, list(ds.problems) + list(problems))

    def make_document(self, data: TaskData):
        from reviewer.core.semantic_document import SemanticDocument
        from reviewer.io.semantic import read_pair
        ds = data.dataset
        return SemanticDocument(ds.images.ids, ds.images.file_names, ds.class_names,
                                ds.ignore_index, data.scores, data.table,
                                lambda i: read_pair(ds, i)[:2], void_classes=ds.void_classes)

    def class_names(self, data: TaskData) -> list[str]:
        return [str(n) for n in data.dataset.class_names]

    def class_colors(self, data: TaskData) -> list | None:
        return data.dataset.class_colors

    # --- numbers --------------------------------------------------------------------------------
    def evaluate(self, session, image_rows=None, original: bool = False) -> dict:
        from reviewer.core import reports
        doc, data = session.document, session.data
        stack = doc.stack if not original and doc.corrected_images else data.scores
        ds = data.dataset
        return {"task": self.name,
                **reports.semantic_eval(stack, ds.class_names, ds.scoring_ignore, image_rows)}

    def eval_lines(self, payload: dict, before: dict | None) -> list[str]:
        from reviewer.tasks.text import headline, num
        lines = [headline([("mIoU", "miou"), ("pixel accuracy", "pixel_acc")], payload, before,
                          4),
                 f"{'class':<24} {'IoU':>7} {'gt px':>10} {'pred px':>10}"]
        for name, c in payload["per_class"].items():
            lines.append(f"{name[:24]:<24} {num(c['iou'], 4):>7} {c['gt_area']:>10} "
                         f"{c['pred_area']:>10}")
        return lines

    def stats_parts(self, session, population, original: bool):
        from reviewer.core import tag_stats as ts
        doc = session.document
        stack = session.data.scores if original else doc.stack
        slicer = ts.SemanticSlicer(stack, doc.scoring_ignore)
        return (slicer, [str(n) for n in doc.class_names], ts.semantic_class_images(stack),
                "mIoU")

    def metrics_block(self, payload: dict) -> dict:
        per_class = {name: {"IoU": c["iou"], "gt_area": c["gt_area"],
                            "pred_area": c["pred_area"]}
                     for name, c in payload["per_class"].items()}
        return {"metric": payload["miou"], "pixel_acc": payload["pixel_acc"],
                "per_class": per_class, "confusion": payload["confusion"]}

    # --- comparing models -----------------------------------------------------------------------
    class_metric = "iou"

    def headline(self, payload: dict):
        return "mIoU", payload["miou"]

    def overall(self, payload: dict) -> dict:
        return {k: payload[k] for k in ("miou", "miou_all_classes", "pixel_acc")}

    def resampler(self, session, original: bool = False):
        from reviewer.core.bootstrap import MiouResampler
        from reviewer.core.semantic import evaluated_classes
        doc, data = session.document, session.data
        stack = doc.stack if not original and doc.corrected_images else data.scores
        inter, gt_area, pred_area, _ = stack.per_image_stats()
        return MiouResampler(inter, gt_area, pred_area,
                             evaluated_classes(stack.num_classes, data.dataset.scoring_ignore))

    # --- the HTML report ------------------------------------------------------------------
    per_class_key = "IoU"
    report_legend = '<span style="background:#e62828"></span>prediction disagrees with the GT'

    def thumbnail(self, session, i: int, width: int, loaded) -> bytes:
        from reviewer.io.report_thumbs import semantic_thumb
        name = str(session.data.dataset.images.file_names[i])
        return semantic_thumb(session.document, session.project.images, name, i, width, loaded)

    def report_confusion(self, session, rows, metrics: dict):
        matrix, rows_lab, cols, _ = super().report_confusion(session, rows, metrics)
        return matrix, rows_lab, cols, "Pixel confusion (corrected GT)"

    def report_numbers(self, table: dict, before: dict, i: int) -> tuple[str, str]:
        err, _ = super().report_numbers(table, before, i)
        return err, (f"mIoU {float(table['miou'][i]):.3f} · "
                     f"pixel acc {float(table['pixel_acc'][i]):.3f}")

    def metric_definition(self, metrics: dict) -> str:
        return "mIoU: mean over classes of intersection / union of the pixels"

    # --- export -----------------------------------------------------------------------------
    def export_dataset(self, folder: Path, session, rows, progress, formats=None):
        from reviewer.formats.export import semantic_report
        from reviewer.io import export_semantic
        gt_root = session.project.inputs[self.name].gt
        counts, problems = export_semantic.write_masks(
            folder, session, rows, gt_root, lambda d, t: progress("masks", d, t))
        files = [export_semantic.MASK_DIR + "/"]
        # label PNGs are written in their own kind (palette, grey or colour): nothing lost
        return files, problems, [semantic_report(len(rows), sum(counts.values()), files)]


TASK = register(SegmentationTask())
