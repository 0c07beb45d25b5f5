"""The classification document: the labels under review, changed only through ``SetLabel``.

The original dataset is never modified: ``labels`` (N,) int64 holds the current label of each
image (-1 = none) and ``base`` the labels as loaded. After a relabel the image's row of the
per-image table is scored again through the same ``scores.score_rows`` (one row; nothing else
is recomputed) and ``annotations_changed(row)`` fires. ``table_before`` keeps the scores of the
labels as loaded.

The label-error thresholds (per-class mean self-confidence, ``scores.class_thresholds``) are
those of the labels as loaded and stay fixed during the review: they describe the dataset as
delivered, and a relabel does not move the flags of other images (a relabelled image is judged
against its new class's threshold).

The operating threshold (binary projects): ``saved_threshold`` is the project's (its
``reviewer.json``), ``threshold`` the one the tables follow now. A preview (the window's slider)
is view state: ``rescored(threshold)`` computes the tables off the GUI thread,
``apply_rescored`` swaps them in and fires ``scores_reset()``. Saving it is the command
``SetThreshold``, whose redo / undo call ``set_operating_threshold``: ``save_threshold(t)``
writes the project file (set by the task, None for a document without a project), then the
tables are re-scored at once and ``scores_reset()`` fires.
"""

from __future__ import annotations

import numpy as np
from psygnal import Signal

from reviewer.core.review import NullReview

from . import metrics
from .data import ClassificationDataset
from .scores import class_thresholds, score_rows, score_table


class ClassificationDocument:
    annotations_changed = Signal(int)
    scores_reset = Signal()

    def __init__(self, base: ClassificationDataset, threshold: float = 0.5,
                 table: dict | None = None):
        self.base = base
        self.threshold = float(threshold)
        self.saved_threshold = float(threshold)
        self.save_threshold = None  # threshold -> None: writes the project's setting
        self.labels = base.targets.copy()
        self.review = NullReview()
        self.version = 0  # bumped by every label change: a background re-score checks it
        self.corrected_images: set[int] = set()
        self._row = base.images.index_of()
        self._class = base.class_index()
        self.thresholds = class_thresholds(base)
        self.table = table if table is not None else score_table(base, self.threshold,
                                                                 self.thresholds)
        self.table_before = {k: np.array(v, copy=True) for k, v in self.table.items()}

    # --- lookups ------------------------------------------------------------------------------
    @property
    def class_names(self) -> list[str]:
        return [str(n) for n in self.base.class_names]

    def image_row(self, image_id) -> int:
        return self._row[image_id]

    def has_image(self, image_id) -> bool:
        try:
            return image_id in self._row
        except TypeError:  # an unhashable id from a hand-edited journal
            return False

    def class_of(self, name) -> int | None:
        """The index of class ``name``, or None."""
        try:
            return self._class.get(name)
        except TypeError:
            return None

    def label_of(self, image_id) -> str | None:
        """The current label of ``image_id`` (a class name), None when it has none."""
        k = int(self.labels[self._row[image_id]])
        return None if k < 0 else self.class_names[k]

    def original_label(self, i: int) -> str | None:
        k = int(self.base.targets[i])
        return None if k < 0 else self.class_names[k]

    def top_classes(self, i: int, k: int = 5) -> list[tuple[str, float]]:
        """The k most probable classes of image row i as (name, probability), best first
        (the top-1 class and its score alone for top-1-only predictions)."""
        if self.base.top1[i] < 0:
            return []
        if self.base.probs is None:
            return [(self.class_names[int(self.base.top1[i])], float(self.base.top1_score[i]))]
        p = self.base.probs[i].astype(np.float64)
        order = np.lexsort((np.arange(len(p)), -p))[:k]
        return [(self.class_names[j], float(p[j])) for j in order]

    def dataset(self) -> ClassificationDataset:
        """The dataset with the current labels (for metrics, slices, export)."""
        return self.base.with_targets(self.labels)

    # --- edits (called by commands only) ------------------------------------------------------
    def set_label(self, image_id, name: str | None) -> None:
        """Set image ``image_id``'s label to class ``name`` (None: no label)."""
        i = self._row[image_id]
        k = -1 if name is None else self.class_of(name)
        if k is None:
            raise ValueError(f"image {image_id}: {name!r} is not a class of the project")
        self.labels[i] = k
        if k == self.base.targets[i]:
            self.corrected_images.discard(i)
        else:
            self.corrected_images.add(i)
        self.version += 1
        row = score_rows(self.base, [i], self.threshold, self.thresholds, self.labels)
        for col, values in row.items():
            if col not in ("image_id", "file_name"):
                self.table[col][i] = values[0]
        self.annotations_changed.emit(i)

    # --- scores -------------------------------------------------------------------------------
    def evaluate(self, image_rows=None, original: bool = False) -> dict:
        """The ``eval --json`` payload on the current labels (or the labels as loaded)."""
        ds = self.base if original else self.dataset()
        return metrics.evaluate(ds, image_rows, self.threshold)

    def confusion(self, image_rows=None) -> np.ndarray:
        """(K, K) label x predicted counts over all images or ``image_rows`` (a slice)."""
        return metrics.confusion(self.dataset(), image_rows, self.threshold)

    def rescored(self, threshold: float) -> dict:
        """Both tables at another operating threshold (pure: a worker may run it). Give the
        result to ``apply_rescored`` on the owning thread."""
        labels = self.labels.copy()
        return {"version": self.version, "threshold": float(threshold),
                "table": score_table(self.base, threshold, self.thresholds, labels),
                "before": score_table(self.base, threshold, self.thresholds)}

    def set_operating_threshold(self, threshold: float) -> None:
        """Save ``threshold`` as the project's operating threshold and re-score every image
        (the command ``SetThreshold`` only). Raises before changing anything when the project
        file cannot be written or the project is not a two-class one."""
        if not self.base.is_binary:
            raise ValueError("an operating threshold needs two classes and a positive one")
        if self.save_threshold is not None:
            self.save_threshold(threshold)
        self.saved_threshold = float(threshold)
        self.apply_rescored(self.rescored(threshold))

    def apply_rescored(self, result: dict) -> bool:
        """Swap in a ``rescored`` result; False (nothing changed) when a label changed
        meanwhile. Table arrays are updated in place, so views holding them see the values."""
        if result["version"] != self.version:
            return False
        self.threshold = result["threshold"]
        for target, src in ((self.table, result["table"]), (self.table_before, result["before"])):
            for key, values in src.items():
                target[key][...] = values
        self.scores_reset.emit()
        return True
