"""The semantic-segmentation document: GT label masks under review, painted through commands.

GT masks are read lazily through a ``read_masks(i) -> (gt, pred)`` callback (the io layer decodes
PNGs); edited masks stay in memory (``edited``) and are written only by the export. After a paint
the image's confusion is updated from the painted patch alone (minus the patch's old confusion,
plus its new one: exact, and independent of the image size) and its row of the per-image table
is patched. ``table_before`` keeps the uncorrected scores.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from psygnal import Signal

from . import semantic
from .review import NullReview


class SemanticDocument:
    annotations_changed = Signal(int)

    def __init__(self, image_ids, file_names, class_names, ignore_index, stack, table: dict,
                 read_masks: Callable[[int], tuple], void_classes=()):
        self.image_ids = np.asarray(image_ids, dtype=object)
        self.file_names = np.asarray(file_names, dtype=object)
        self.class_names = list(class_names)
        self.ignore_index = ignore_index
        self.void_classes = tuple(void_classes)
        # what scoring leaves out: the ignore value and the void classes of the classes file
        self.scoring_ignore = tuple(dict.fromkeys((ignore_index, *self.void_classes)))
        self.stack: semantic.ConfusionStack = stack
        self.table = table
        self.table_before = {k: np.array(v, copy=True) for k, v in table.items()}
        self.review = NullReview()
        self.edited: dict[int, np.ndarray] = {}
        self.corrected_images: set[int] = set()
        self._read = read_masks
        self._pred_cache: dict[int, np.ndarray | None] = {}
        self._row = {k: i for i, k in enumerate(self.image_ids.tolist())}

    @property
    def num_classes(self) -> int:
        return self.stack.num_classes

    def image_row(self, image_id) -> int:
        return self._row[image_id]

    def has_image(self, image_id) -> bool:
        try:
            return image_id in self._row
        except TypeError:
            return False

    def gt_patch(self, image_id, y: int, x: int, h: int, w: int) -> np.ndarray | None:
        """The current GT mask of ``image_id`` at rows y..y+h, columns x..x+w, or None when the
        image has no GT mask or the window leaves it."""
        gt = self.masks(self._row[image_id])[0] if self.has_image(image_id) else None
        if gt is None or y < 0 or x < 0 or y + h > gt.shape[0] or x + w > gt.shape[1]:
            return None
        return gt[y:y + h, x:x + w]

    def masks(self, i: int) -> tuple[np.ndarray | None, np.ndarray | None]:
        """Current GT (edited or as read) and prediction of image row i."""
        if i in self.edited and i in self._pred_cache:
            return self.edited[i], self._pred_cache[i]
        gt, pred = self._read(i)
        self._pred_cache[i] = pred
        return self.edited.get(i, gt), pred

    def paint(self, image_id, y: int, x: int, patch: np.ndarray) -> None:
        """Write ``patch`` (h, w) into image ``image_id``'s GT at (y, x)."""
        i = self._row[image_id]
        gt, pred = self.masks(i)
        if gt is None:
            raise ValueError(f"image {image_id}: no ground-truth mask to paint on")
        if i not in self.edited:
            gt = gt.copy()
        h, w = patch.shape
        if y < 0 or x < 0 or y + h > gt.shape[0] or x + w > gt.shape[1]:
            raise ValueError(f"image {image_id}: patch {w}x{h} at ({x}, {y}) leaves the "
                             f"{gt.shape[1]}x{gt.shape[0]} mask")
        old = gt[y:y + h, x:x + w].copy()
        gt[y:y + h, x:x + w] = patch.astype(gt.dtype, copy=False)
        self.edited[i] = gt
        self.corrected_images.add(i)
        self._rescore(i, gt, pred, (y, x, old))
        self.annotations_changed.emit(i)

    def _rescore(self, i: int, gt, pred, change=None) -> None:
        """Re-score image row i; ``change`` = (y, x, old patch) updates the confusion from the
        patch alone (the stack holds the confusion of the GT before the paint)."""
        if pred is None:
            return
        if change is not None and pred.shape == gt.shape:
            y, x, old = change
            window = (slice(y, y + old.shape[0]), slice(x, x + old.shape[1]))
            k, ignore = self.num_classes, self.scoring_ignore
            conf = (self.stack.dense(i) - semantic.confusion(old, pred[window], k, ignore)
                    + semantic.confusion(gt[window], pred[window], k, ignore))
        else:
            conf = semantic.confusion(gt, pred, self.num_classes, self.scoring_ignore)
        self.stack = self.stack.with_image(i, conf)
        one = semantic.ConfusionStack.from_dense([conf], self.num_classes)
        row = semantic.image_table(one, self.image_ids[[i]], self.file_names[[i]],
                                   self.class_names, self.scoring_ignore)
        for col, values in row.items():
            if col in self.table and col not in ("image_id", "file_name"):
                self.table[col][i] = values[0]

    # commands of the detection kind do not apply here
    def add_gt(self, image_id, obj):
        raise TypeError("a segmentation project has no GT objects; paint the mask instead")

    remove_gt = update_gt = add_gt
