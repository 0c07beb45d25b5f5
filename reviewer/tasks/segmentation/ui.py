"""The window's part of the segmentation task (``reviewer.ui.task_view``): label masks on the
canvas, mask tools, a pixel confusion matrix with a "void" column, per-class IoU."""

from __future__ import annotations

import numpy as np

from reviewer.ui.task_view import TaskView, ThumbBadge, fmt, pair

COLUMNS = (("file_name", "Image"), ("error", "Error"), ("miou", "mIoU"))
CLASS_HEADERS = ("Class", "IoU before", "IoU after", "Δ IoU", "GT pixels", "Predicted pixels")


class SegmentationView(TaskView):
    edits = "masks"
    good_when_high = frozenset(("miou", "pixel_acc"))
    confusion_unit = "pixels"

    def columns(self, table: dict) -> list[tuple[str, str]]:
        return list(COLUMNS) + [(k, f"IoU {k[4:]}") for k in table if k.startswith("iou_")]

    def image_path(self, session, i: int):
        return session.data.dataset.image_path(i)

    def frame(self, builder, session, i: int, fallback_size):
        return builder.semantic_frame(session, i)

    def thumb_badge(self, session, row: int) -> ThumbBadge:
        """The image's mIoU and its worst class (the lowest IoU among the classes present, the
        classes that mean "not labelled" left out: their IoU says nothing about the model)."""
        from reviewer.core.view_state import unlabeled_classes
        table, doc = session.document.table, session.document
        names = [str(n) for n in doc.class_names]
        void = {names[i] for i in unlabeled_classes(names, session.data.dataset.void_classes)}
        lines = [(f"mIoU {fmt(table['miou'][row])}", "")]
        ious = {k[4:]: float(v[row]) for k, v in table.items()
                if k.startswith("iou_") and k[4:] not in void}
        present = {k: v for k, v in ious.items() if not np.isnan(v)}
        if present:
            worst = min(present, key=present.get)
            if present[worst] < 1.0:
                lines.append((f"{worst} {present[worst]:.2f}", "bad" if present[worst] < 0.5
                              else ""))
        return ThumbBadge(tuple(lines))

    def thumb_overlay(self, session, row: int):
        """The pixels where the current GT and the prediction disagree (the report's tint),
        read from the label files off the GUI thread; an edited GT is copied now."""
        from reviewer.io.report_thumbs import error_share
        from reviewer.io.semantic import read_pair
        ds, doc = session.data.dataset, session.document
        edited = doc.edited.get(row)
        edited = None if edited is None else edited.copy()
        ignore = doc.ignore_index

        def run(side: int):
            gt, pred = read_pair(ds, row)[:2]
            gt = edited if edited is not None else gt
            if gt is None:
                return None
            scale = min(1.0, side / max(gt.shape))
            size = (max(1, round(gt.shape[1] * scale)), max(1, round(gt.shape[0] * scale)))
            return error_share(gt, pred, ignore, size)
        return run

    def score_text(self, before: dict, after: dict, row: int) -> str:
        return pair("mIoU", before["miou"][row], after["miou"][row])

    def metric_names(self, session) -> str:
        return "mIoU"

    def metric_snapshot(self, session, with_before: bool):
        from reviewer.core import semantic
        doc = session.document
        stack, ignore = doc.stack, doc.scoring_ignore
        original = session.data.scores if with_before else None

        def run():
            before = None if original is None else \
                {"mIoU": semantic.evaluate(original, ignore_index=ignore).miou}
            return {"after": {"mIoU": semantic.evaluate(stack, ignore_index=ignore).miou},
                    "before": before}
        return run

    # --- analysis ------------------------------------------------------------------------------
    def snapshot_data(self, session) -> dict:
        doc = session.document
        return {"stack": doc.stack, "ignore": doc.scoring_ignore}

    def evaluate(self, snap, rows=None) -> dict:
        from reviewer.core import reports
        return reports.semantic_eval(snap.data["stack"], snap.class_names, snap.data["ignore"],
                                     rows)

    def slice_figures(self, snap, part: dict, whole: dict, in_slice, overall):
        head = (part["miou"], whole["miou"], None, None)
        classes = [(n, part["per_class"].get(n, {}).get("iou"),
                    whole["per_class"].get(n, {}).get("iou"), None, None,
                    int(in_slice[k]), int(overall[k])) for k, n in enumerate(snap.class_names)]
        return "mIoU", head, classes

    def confusion(self, session, names: list[str]):
        return session.document.stack.total(), names, names + ["void"], (), (len(names),)

    def cell_rows(self, session, r: int, j: int) -> np.ndarray:
        stack = session.document.stack
        sel = (stack.cells == r * (stack.num_classes + 1) + j) & (stack.counts > 0)
        return np.unique(stack.image_rows()[sel])

    def class_metric_rows(self, metrics: dict):
        from reviewer.ui.analysis.class_metrics_panel import delta
        before, after = metrics["before"]["per_class"], metrics["after"]["per_class"]
        names = list(dict.fromkeys(list(before) + list(after)))
        rows = [[n, before.get(n, {}).get("IoU"), after.get(n, {}).get("IoU"),
                 delta(before.get(n, {}).get("IoU"), after.get(n, {}).get("IoU")),
                 after.get(n, {}).get("gt_area"), after.get(n, {}).get("pred_area")]
                for n in names]
        return CLASS_HEADERS, rows, (4, 5)


VIEW = SegmentationView()
