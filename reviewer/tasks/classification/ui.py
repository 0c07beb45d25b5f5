"""The window's part of the classification task (``reviewer.ui.task_view``): the image with a
label card (label, prediction, top probabilities), the confidently wrong first, a label x
predicted confusion matrix, per-class precision / recall / F1, the operating threshold of a
two-class project on the slider."""

from __future__ import annotations

from html import escape

import numpy as np

from reviewer.core.view_state import CanvasFrame, ImageLabel
from reviewer.ui.task_view import TaskView, ThumbBadge, pair

COLUMNS = (("file_name", "Image"), ("error", "Error"), ("target", "Label"),
           ("predicted", "Predicted"), ("confidence", "Confidence"), ("p_target", "p(label)"),
           ("margin", "Margin"), ("label_issue", "Label issue"))
CLASS_HEADERS = ("Class", "F1 before", "F1 after", "Δ F1", "Precision", "Recall", "AP",
                 "ROC AUC", "Labelled", "Predicted")  # after the corrections but F1 before
TOP_K = 5


class ClassificationView(TaskView):
    edits = "labels"
    good_when_high = frozenset(("confidence", "p_target", "margin", "correct",
                                "self_confidence"))
    confusion_unit = "images"
    probability_panels = True
    metric_follows_threshold = True  # accuracy: a two-class project's operating threshold

    def columns(self, table: dict) -> list[tuple[str, str]]:
        return [c for c in COLUMNS if c[0] in table]

    def formatters(self, session) -> dict:
        names = [str(n) for n in session.data.dataset.class_names]

        def name(v) -> str:
            k = int(v)
            return names[k] if 0 <= k < len(names) else ""
        return {"target": name, "predicted": name, "likely_label": name,
                "correct": lambda v: "✓" if int(v) else "✗",
                "label_issue": lambda v: "likely" if int(v) else ""}

    def install_keys(self, manager) -> None:
        LabelActions(manager)

    def class_counts(self, doc):
        """The class filter's counts (label = "gt", right = "tp", predicted wrongly = "fp",
        labelled but predicted otherwise = "fn"), read from the document when asked."""
        return _LabelCounts(doc)

    def score_threshold(self, doc) -> float | None:
        """Two classes and a positive one: the operating threshold is on the slider."""
        return doc.threshold if doc.base.is_binary else None

    def threshold_text(self, doc) -> tuple[str, str]:
        name = doc.class_names[doc.base.positive] if doc.base.is_binary else "positive"
        return (f"p({name}) ≥", f"Predict “{name}” when its probability reaches this "
                "operating threshold. Moving it here previews; Analysis ▸ Threshold vs Cost "
                "saves it in the project (undoable)")

    def rescore(self, doc, threshold: float):
        return lambda: doc.rescored(float(threshold))

    def frame(self, builder, session, i: int, fallback_size):
        doc = session.document
        image_id = doc.base.images.ids[i]
        label = doc.label_of(image_id)
        original = doc.original_label(i) if i in doc.corrected_images else None
        top = tuple(doc.top_classes(i, TOP_K))
        k = int(doc.table["predicted"][i])
        names = doc.class_names
        predicted = names[k] if 0 <= k < len(names) else None
        correct = None if label is None or predicted is None else label == predicted
        return CanvasFrame(None, class_names=tuple(names),
                           image_label=ImageLabel(label, predicted, correct, top, original))

    def thumb_badge(self, session, row: int) -> ThumbBadge:
        """The label, then the predicted class and its confidence: ✓ green when it is the
        label, ✗ red when it is not."""
        table, names = session.document.table, session.document.class_names
        label, predicted = int(table["target"][row]), int(table["predicted"][row])
        label_text = names[label] if 0 <= label < len(names) else "(no label)"
        if not 0 <= predicted < len(names):
            return ThumbBadge(((label_text, ""), ("(no prediction)", "muted")),
                              tip=f"label: {escape(label_text)}<br>no prediction")
        confidence = float(table["confidence"][row])
        mark, tone = ("", "muted") if label < 0 else \
            (("✓ ", "good") if label == predicted else ("✗ ", "bad"))
        return ThumbBadge(((label_text, ""), (f"{mark}{names[predicted]} {confidence:.2f}", tone)),
                          tip=f"label: {escape(label_text)}<br>predicted: "
                              f"{escape(names[predicted])} ({confidence:.3f}) {mark}")

    def score_text(self, before: dict, after: dict, row: int) -> str:
        return pair("p(label)", before["p_target"][row], after["p_target"][row], 3)

    def metric_names(self, session) -> str:
        return "accuracy"

    def metric_snapshot(self, session, with_before: bool):
        from . import metrics
        doc = session.document
        ds, base, threshold = doc.dataset(), doc.base, doc.threshold
        ds = ds.with_targets(ds.targets.copy())

        def run():
            after = metrics.evaluate(ds, None, threshold)["overall"]["accuracy"]
            before = metrics.evaluate(base, None, threshold)["overall"]["accuracy"] \
                if with_before else None
            return {"after": {"accuracy": after},
                    "before": None if before is None else {"accuracy": before}}
        return run

    # --- analysis ------------------------------------------------------------------------------
    def snapshot_data(self, session) -> dict:
        doc = session.document
        ds = doc.dataset()
        return {"ds": ds.with_targets(ds.targets.copy()), "threshold": doc.threshold,
                "saved_threshold": doc.saved_threshold}

    def evaluate(self, snap, rows=None) -> dict:
        from . import metrics
        return metrics.evaluate(snap.data["ds"], rows, snap.data["threshold"])

    def slice_figures(self, snap, part: dict, whole: dict, in_slice, overall):
        head = (part["overall"].get("accuracy"), whole["overall"].get("accuracy"), None, None)
        classes = [(n, part["per_class"][n]["recall"], whole["per_class"][n]["recall"], None,
                    None, int(in_slice[k]), int(overall[k]))
                   for k, n in enumerate(snap.class_names)]
        return "accuracy (per class: recall)", head, classes

    def offers_panel(self, name: str) -> bool:
        return name != "pr" and super().offers_panel(name)  # PR curves: "class_curves"

    def class_curves(self, snap, classes: list[int]) -> list[dict]:
        from .analysis import class_curve
        ds = _with_distribution(snap)
        return [class_curve(ds, k, snap.data["threshold"]) for k in classes]

    def reliability(self, snap) -> dict:
        from .analysis import reliability_bins
        return reliability_bins(snap.data["ds"])

    def score_distribution(self, snap, k: int) -> dict:
        from .analysis import score_distribution
        return score_distribution(_with_distribution(snap), k, snap.data["threshold"])

    def class_scatter(self, snap, a: int, b: int) -> dict:
        from .analysis import class_scatter
        return class_scatter(_with_distribution(snap), a, b)

    def error_columns(self, session) -> dict:
        from .analysis import ERROR_COLUMNS
        table = session.document.table
        return {c: np.array(table[c], copy=True) for c in ERROR_COLUMNS}

    def label_error_scatter(self, columns: dict) -> dict:
        from .analysis import label_error_scatter
        return label_error_scatter(columns)

    def cost_curve(self, snap, fp_cost: float, fn_cost: float, positive=None) -> dict:
        from .analysis import cost_view
        d = snap.data
        return cost_view(_with_distribution(snap), d["threshold"], d["saved_threshold"],
                         fp_cost, fn_cost, positive)

    def threshold_command(self, session, threshold: float):
        """``SetThreshold`` from the saved threshold to ``threshold`` (two-class projects)."""
        from .commands import SetThreshold
        from .settings import check_threshold
        doc = session.document
        if not doc.base.is_binary:
            return None
        return SetThreshold(None, doc.saved_threshold, check_threshold(threshold))

    def cost_unavailable(self, session) -> str | None:
        if session.document.base.probs is None:
            return ("The predictions give only the top-1 class: the probability of a positive "
                    "class is unknown, so no threshold can be chosen.")
        return None

    def threshold_decides(self, doc) -> bool:
        """Whether a threshold decides the predictions (a two-class project)."""
        return bool(doc.base.is_binary)

    def positive_class(self, doc) -> int | None:
        return doc.base.positive if doc.base.is_binary else None

    def confusion(self, session, names: list[str]):
        return session.document.confusion(), names, names, (), ()

    def cell_rows(self, session, r: int, j: int) -> np.ndarray:
        doc = session.document
        table = doc.table
        sel = (np.asarray(doc.labels) == r) & (np.asarray(table["predicted"]) == j)
        return np.flatnonzero(sel)

    def class_metric_rows(self, metrics: dict):
        from reviewer.ui.analysis.class_metrics_panel import delta
        before, after = metrics["before"]["per_class"], metrics["after"]["per_class"]
        rows = []
        for n in dict.fromkeys(list(before) + list(after)):
            b, a = before.get(n, {}), after.get(n, {})
            rows.append([n, b.get("f1"), a.get("f1"), delta(b.get("f1"), a.get("f1")),
                         a.get("precision"), a.get("recall"), a.get("ap"), a.get("roc_auc"),
                         a.get("support"), a.get("predicted")])
        return CLASS_HEADERS, rows, (8, 9)


def _with_distribution(snap):
    """The snapshot's dataset; ValueError when the predictions give only the top-1 class."""
    ds = snap.data["ds"]
    if ds.probs is None:
        raise ValueError("the predictions give only the top-1 class: the class probabilities "
                         "this chart needs are unknown")
    return ds


class LabelActions:
    """The label of the shown image — or of every selected image (one history entry) —
    by key and by right-click menu (classification projects):

    =================  ===================================================================
    L or C             relabel: the class picker with type-to-search
    Alt+1 … Alt+9      relabel to class 1 … 9 directly
    A                  accept the prediction: the label becomes the predicted class
    =================  ===================================================================
    """

    acts_on_images = True  # its keys act on the selected images: the grid offers them too

    def __init__(self, manager):
        self.manager = manager
        self.picker = None
        manager.key_handlers.append(self)

    @property
    def ctx(self):
        return self.manager.context

    def _action(self, event):
        from PySide6.QtCore import Qt
        mods = event.modifiers() & (Qt.KeyboardModifier.ShiftModifier
                                    | Qt.KeyboardModifier.ControlModifier
                                    | Qt.KeyboardModifier.AltModifier)
        key = event.key()
        if key in (Qt.Key.Key_L, Qt.Key.Key_C) and mods == Qt.KeyboardModifier.NoModifier:
            return self.open_picker
        if key == Qt.Key.Key_A and mods == Qt.KeyboardModifier.NoModifier:
            return self.accept_prediction
        digit = key - Qt.Key.Key_1
        if 0 <= digit < 9 and mods == Qt.KeyboardModifier.AltModifier:
            return lambda: self.relabel(digit)
        return None

    def wants_key(self, event) -> bool:
        return self.ctx.edits == "labels" and self._action(event) is not None

    def key_press(self, event) -> bool:
        action = self._action(event) if self.ctx.edits == "labels" else None
        if action is None:
            return False
        action()
        return True

    def rows(self) -> list[int]:
        """The selected images (several table rows), else the shown one."""
        c = self.ctx.controller
        rows = c.selection.rows() if c.selection.several() else []
        return rows or ([] if c.current is None else [c.current])

    def relabel(self, k: int) -> None:
        """Label every target image with class ``k`` (one history entry)."""
        doc = self.ctx.document
        if doc is None or not 0 <= k < len(doc.class_names):
            return
        name = doc.class_names[k]
        self._run([(r, name) for r in self.rows()], f"relabel as {name}")

    def accept_prediction(self) -> None:
        """The label of every target image becomes its predicted class."""
        doc = self.ctx.document
        if doc is None:
            return
        names, predicted = doc.class_names, doc.table["predicted"]
        pairs = [(r, names[int(predicted[r])]) for r in self.rows() if int(predicted[r]) >= 0]
        self._run(pairs, "accept the prediction as the label")

    def _run(self, pairs, text: str) -> None:
        from reviewer.core.commands import Macro

        from .commands import SetLabel
        doc, c = self.ctx.document, self.ctx.controller
        children = []
        for r, name in pairs:
            image_id = c.image_id(r)
            before = doc.label_of(image_id)
            if before != name:
                children.append(SetLabel(image_id, before, name))
        if not children:
            self.ctx.status("The label is that class already")
            return
        self.ctx.execute(children[0] if len(children) == 1 else
                         Macro(None, f"{text} ({len(children)} images)", tuple(children)))

    def open_picker(self):
        """The class picker for the target images, at the mouse (or the view's centre)."""
        from PySide6.QtGui import QCursor

        from reviewer.ui.tools.relabel import ClassPickerPopup
        doc, c = self.ctx.document, self.ctx.controller
        if doc is None or c.current is None:
            return None
        current = doc.class_of(doc.label_of(c.image_id(c.current)))
        view = self.ctx.view
        self.picker = ClassPickerPopup(doc.class_names, -1 if current is None else current, view)
        self.picker.chosen.connect(self.relabel)
        pos = QCursor.pos()
        if not view.rect().contains(view.mapFromGlobal(pos)):
            pos = view.mapToGlobal(view.rect().center())
        self.picker.popup_at(pos)
        return self.picker

    def context_menu(self, ev, menu) -> None:
        if self.ctx.edits != "labels" or self.ctx.document is None:
            return
        menu.addAction("Relabel…\tL", self.open_picker)
        menu.addAction("Accept the Prediction as the Label\tA", self.accept_prediction)


class _LabelCounts:
    """(N, K) 0/1 arrays by key, computed from the current labels and predictions."""

    def __init__(self, doc):
        self.doc = doc

    def __getitem__(self, key: str) -> np.ndarray:
        doc = self.doc
        labels = np.asarray(doc.labels)
        predicted = np.asarray(doc.table["predicted"])
        k = len(doc.class_names)
        right = (labels == predicted) & (labels >= 0)
        which = {"gt": (labels, labels >= 0), "tp": (labels, right),
                 "fp": (predicted, (predicted >= 0) & ~right),
                 "fn": (labels, (labels >= 0) & ~right)}[key]
        values, keep = which
        out = np.zeros((len(labels), k), np.int8)
        rows = np.flatnonzero(keep)
        out[rows, values[rows]] = 1
        return out


VIEW = ClassificationView()
