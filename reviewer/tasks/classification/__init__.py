"""Image classification: one label per image, a model's class probabilities (no Qt here).

The module-level API a ``Task`` wires in (README "Image classification" gives the rules)::

    load.load_classification(gt, pred=None, images_dir=None, classes=None, positive=None,
                             check_files=True) -> data.ClassificationDataset
    load.read_sizes(ds, images_dir, rows) -> (widths (n,), heights (n,))
    scores.score_table(ds, threshold=0.5, thresholds=None, targets=None) -> {column: (N,)}
    scores.score_rows(ds, rows, threshold=0.5, thresholds=None, targets=None) -> {column: (n,)}
    scores.class_thresholds(ds, targets=None) -> (K,)    # per-class mean self-confidence
    scores.COLUMNS                                       # the per-image table's columns
    metrics.evaluate(ds, image_rows=None, threshold=0.5) -> eval --json payload
    metrics.confusion(ds, image_rows=None, threshold=0.5) -> (K, K)
    metrics.reliability(confidence, correct) -> reliability-diagram bins
    curves.threshold_counts(scores, positive) -> ThresholdCounts; pr_curve / roc_curve
    cost.cost_payload(ds, positive, fp_cost, fn_cost, image_rows=None) -> cost --json payload
    cost.cost_curve(scores, positive, fp_cost, fn_cost) -> CostCurve
    commands.SetLabel(image_id, before, after)          # registered as "set_label"
    document.ClassificationDocument(ds, threshold=0.5)  # the labels under review
    slicer.ClassificationSlicer(ds, threshold)(rows) -> SliceEval; slicer.class_images(ds)
    export.write_labels_csv(root, doc) / write_image_folder(root, doc, images_dir, mode=...)
    export.describe_change(cmd) -> changes.csv row; export.before_after(doc) -> metrics + share

Modules: ``data`` (the dataset tables), ``table_files`` (CSV / Parquet through pyarrow),
``gt_input`` and ``pred_input`` (the input layouts and their checks), ``load``, ``scores``,
``curves``, ``metrics``, ``cost``, ``commands``, ``document``, ``slicer``, ``export``.
"""

from dataclasses import dataclass
from pathlib import Path

from reviewer.tasks import base, register
from reviewer.tasks.base import Field, TaskData


@dataclass(frozen=True)
class ClassificationInputs:
    gt: Path
    pred: Path | None
    classes: Path | None = None
    positive: str | None = None
    threshold: float = 0.5


class ClassificationTask(base.Task):
    name = "classification"
    title = "Classification"
    summary = "image labels, class probabilities"
    inputs_type = ClassificationInputs
    ui_module = "reviewer.tasks.classification.ui"
    cli_module = "reviewer.tasks.classification.cli"
    fields = (
        Field("gt", "path", required=True, flag="--gt",
              help="a CSV or Parquet table (image, label) or an ImageFolder tree GT/<class>/"),
        Field("pred", "file", per_model=True, flag="--pred",
              help="a CSV or Parquet table: image + one probability column per class (p_ "
                   "prefix accepted), or image,label,score (top-1 only), or image,probability "
                   "(binary, with --positive)"),
        Field("classes", "file", flag="--classes",
              help="class names in order (JSON list or object, or one name per line)"),
        Field("positive", "text", flag="--positive",
              help="classification: the positive class of a two-class project (its probability "
                   "against the operating threshold decides the prediction)"),
        Field("threshold", "fraction", default=0.5, flag="--threshold", override=True,
              help="classification, two classes: predict the positive class when its "
                   "probability reaches this operating threshold (default 0.5)"),
    )
    sort_columns = ("error", "loss", "confidence", "p_target", "margin", "self_confidence",
                    "correct", "label_issue", "target", "predicted", "file_name", "image_id")
    error_threshold = 0.5
    erroneous_rule = "wrong prediction"
    per_class_key = "f1"

    def accepts_gt(self, path: Path) -> bool:
        from .load import looks_like_gt
        return looks_like_gt(path)

    def owns(self, command) -> bool:
        return command.kind == "set_label"

    # --- loading --------------------------------------------------------------------------------
    def open(self, project, inputs: ClassificationInputs, progress) -> TaskData:
        from reviewer.core.problems import InputError

        from .load import load_classification
        from .scores import score_table
        progress("loading", 0, 1)
        ds = load_classification(inputs.gt, inputs.pred, project.images, inputs.classes,
                                 inputs.positive)
        if len(ds) == 0:
            raise InputError(f"{inputs.gt}: no usable image", ds.problems)
        progress("scoring", 0, 1)
        table = score_table(ds, inputs.threshold)
        progress("scoring", 1, 1)
        return TaskData(self.name, ds, None, table, list(ds.problems), params=inputs.threshold,
                        extra={"project_file": project.file})

    def make_document(self, data: TaskData):
        from functools import partial

        from .document import ClassificationDocument
        from .settings import save_operating_threshold
        doc = ClassificationDocument(data.dataset, data.params, data.table)
        project_file = data.extra.get("project_file")
        if project_file is not None:
            doc.save_threshold = partial(save_operating_threshold, project_file)
        return doc

    def class_names(self, data: TaskData) -> list[str]:
        return [str(n) for n in data.dataset.class_names]

    slice_metric_key = "accuracy"

    def image_metadata(self, data: TaskData) -> dict:
        """The GT table's other columns (``fruit_id``, ``angle``)."""
        return {k: list(v) for k, v in data.dataset.gt_extra.items()}

    def display_table(self, data: TaskData, table: dict) -> dict:
        """Class indices as class names (an empty cell for none)."""
        import numpy as np
        names = np.asarray([str(n) for n in data.dataset.class_names] + [""], dtype=object)
        out = dict(table)
        for col in ("target", "predicted", "likely_label"):
            if col in out:
                values = np.asarray(out[col], np.int64)
                out[col] = names[np.where(values >= 0, values, len(names) - 1)]
        return out

    # --- numbers --------------------------------------------------------------------------------
    def evaluate(self, session, image_rows=None, original: bool = False) -> dict:
        payload = session.document.evaluate(image_rows, original)
        return {"task": self.name, "metric_name": "accuracy", **payload}

    def eval_lines(self, payload: dict, before: dict | None) -> list[str]:
        from reviewer.tasks.text import headline, num
        o = payload["overall"]
        names = [("accuracy", "accuracy"), ("balanced accuracy", "balanced_accuracy"),
                 ("macro F1", "macro_f1"), ("log loss", "log_loss"), ("Brier", "brier"),
                 ("ECE", "ece")] + ([("top-5 accuracy", "top5_accuracy")]
                                    if "top5_accuracy" in o else [])
        lines = [headline(names, o, None if before is None else before["overall"])]
        if payload.get("threshold") is not None:
            lines.append(f"two classes: {payload['positive']!r} predicted when its probability "
                         f">= {payload['threshold']:g}")
        lines.append(f"{'class':<24} {'prec':>6} {'recall':>6} {'F1':>6} {'AP':>6} {'ROC AUC':>7} "
                     f"{'labelled':>8} {'predicted':>9}")
        for name, c in payload["per_class"].items():
            lines.append(f"{name[:24]:<24} {num(c['precision']):>6} {num(c['recall']):>6} "
                         f"{num(c['f1']):>6} {num(c['ap']):>6} {num(c['roc_auc']):>7} "
                         f"{c['support']:>8} {c['predicted']:>9}")
        for metric, why in (payload.get("unavailable") or {}).items():
            lines.append(f"{metric}: unavailable ({why})")
        return lines

    def stats_parts(self, session, population, original: bool):
        from .slicer import ClassificationSlicer, class_images
        doc = session.document
        ds = doc.base if original else doc.dataset()
        return (ClassificationSlicer(ds, doc.threshold), self.class_names(session.data),
                class_images(ds), "accuracy")

    def erroneous(self, table: dict, threshold: float | None):
        import numpy as np
        if threshold is not None:
            return None  # the default rule: error > the threshold asked for
        return np.asarray(table["correct"]) == 0

    def metrics_block(self, payload: dict) -> dict:
        per_class = {name: {"f1": c["f1"], "precision": c["precision"], "recall": c["recall"],
                            "ap": c["ap"], "roc_auc": c["roc_auc"], "support": c["support"],
                            "predicted": c["predicted"]}
                     for name, c in payload["per_class"].items()}
        return {"metric": payload["overall"].get("accuracy"), "overall": payload["overall"],
                "per_class": per_class, "confusion": payload["confusion"]}

    # --- comparing models -----------------------------------------------------------------------
    class_metric = "f1"

    def headline(self, payload: dict):
        return "accuracy", payload["overall"].get("accuracy")

    def resampler(self, session, original: bool = False):
        import numpy as np

        from reviewer.core.bootstrap import RatioResampler
        doc = session.document
        correct = self.correct(doc.table_before if original else doc.table)
        return RatioResampler(np.nan_to_num(correct), ~np.isnan(correct))

    def correct(self, table: dict):
        import numpy as np
        return np.asarray(table["correct"], np.float64)

    # --- export -----------------------------------------------------------------------------
    export_formats = ("csv", "imagefolder")

    def export_dataset(self, folder: Path, session, rows, progress, formats=None):
        """``csv`` (default): the label table with its original columns and the corrected
        labels; ``imagefolder``: ``images_by_class/<class>/<file>`` links to the images."""
        from reviewer.formats.loss import LossReport

        from .export import write_image_folder, write_labels_csv
        files, reports = [], []
        n = len(rows)
        for fmt in [f for f in formats or () if f in self.export_formats] or ["csv"]:
            progress("dataset", 0, 1)
            if fmt == "csv":
                path = write_labels_csv(folder, session.document, image_rows=rows)
                files.append(path.name)
                reports.append(LossReport("csv", images=n, objects=n, files=[path.name]))
            else:
                done = write_image_folder(folder, session.document, session.project.images,
                                          image_rows=rows)
                files.append("images_by_class/")
                report = LossReport("imagefolder", images=n, objects=done["written"],
                                    files=["images_by_class/"])
                report.add("unlabelled images", done["unlabeled"], "an image without a label "
                           "has no class folder", "images")
                report.add("missing image files", len(done["missing"]), "not in the images "
                           "folder: nothing to link", "images")
                report.add("extra columns", len(session.data.dataset.gt_columns) > 2 and n,
                           "a folder tree holds only the label", "images")
                reports.append(report)
            progress("dataset", 1, 1)
        return files, [], reports

    # --- the HTML report ------------------------------------------------------------------
    report_legend = "label → predicted class and its probability"

    def thumbnail(self, session, i: int, width: int, loaded) -> bytes:
        from reviewer.io.report_thumbs import labelled_thumb
        doc = session.document
        top = doc.top_classes(i, 1)
        label = doc.label_of(doc.base.images.ids[i]) or "(no label)"
        pred = f"{top[0][0]} {top[0][1]:.2f}" if top else "(no prediction)"
        return labelled_thumb(loaded, width, f"{label} → {pred}")

    def report_numbers(self, table: dict, before: dict, i: int) -> tuple[str, str]:
        err, _ = super().report_numbers(table, before, i)
        return err, (f"p(label) {float(table['p_target'][i]):.3f} · "
                     f"{'right' if int(table['correct'][i]) else 'wrong'}")

    def report_section(self, session, rows, metrics: dict) -> str:
        from .report import report_section
        return report_section(session, rows, metrics)

    def metric_definition(self, metrics: dict) -> str:
        return ("accuracy: the share of images whose predicted class is their label "
                "(scikit-learn's definitions throughout)")


TASK = register(ClassificationTask())
