"""Semantic segmentation scoring: confusion matrices, per-image scores, dataset evaluation.

Conventions (numpy only, no I/O):

- K classes, class index = pixel value (``0..K-1``). ``ignore_index`` may lie inside ``0..K-1``
  (ADE20K: 0 = "other") or outside (VOC/Cityscapes style: 255).
- A pixel is *valid* when its GT value is ``!= ignore_index`` and in ``0..K-1``. Invalid GT
  pixels are not counted anywhere, whatever the prediction says there.
- The confusion matrix of an image is ``(K, K+1)`` int64: row = GT class, column = predicted
  class, and the extra last column ``K`` is **void**: a prediction outside ``0..K-1`` (e.g. 255)
  on a valid GT pixel. A void pixel counts in the GT area (and so in the union) of its GT class
  but in no class's prediction area: it is simply wrong, as in the ADE20K devkit, whose
  prediction histogram only covers ``1..150``. Row sums are therefore exactly the GT areas.
  A prediction equal to an ``ignore_index`` inside ``0..K-1`` lands in that class's column
  and is also wrong (the ignore class is never scored).
- ``ignore_index`` may also be a sequence of values: the ignore value and the *void classes*
  a classes file marks ``"ignore": true`` (Cityscapes' ``ignoreInEval``). Each is treated as
  above: its GT pixels are not counted, it is not evaluated.
- *Evaluated classes*: every class except ``ignore_index``. IoU of class c is
  ``intersection / union`` with ``union = gt_area + pred_area - intersection``; ``nan`` when
  the union is 0 (class absent from both GT and prediction).
- ``miou``: mean IoU over evaluated classes with union > 0 (present in GT or prediction).
  ``miou_all``: mean over all evaluated classes, absent classes counting 0 (the ADE20K devkit's
  "mean IoU over 150 classes").
- Per-image error = ``1 - miou``; an image with no valid GT pixel and no scored prediction has
  ``miou = nan``, ``pixel_acc = nan`` and error 0 (nothing measurable is wrong).

Per-image confusions are kept sparse in a :class:`ConfusionStack`; a slice (any subset of
images) is a sum over its rows, and re-scoring an edited image is one :func:`confusion` call.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .tables import row_mask

MAX_CLASSES = 2048
"""Semantic projects hold at most this many classes (pixel values 0..2047 are classes): a
(K, K+1) confusion matrix stays below 34 MB. Loaders refuse larger class lists."""

_PIXEL_CHUNK = 1 << 22  # pixels per step: per-image temporaries stay ~100 MB at most
_DENSE_CELLS = 1 << 20  # up to this many cells a bincount beats sorting the pixel codes


def confusion_cells(gt: np.ndarray, pred: np.ndarray, num_classes: int,
                    ignore_index: int | None = 255) -> tuple[np.ndarray, np.ndarray]:
    """Pixel confusion of one image, sparse: gt (H,W) int, pred (H,W) int -> ((M,) int64 flat
    cells ``gt * (K+1) + pred`` in increasing order, (M,) int64 pixel counts), non-zero only.

    Memory is bounded by the image, never by K: many classes cost no (K, K+1) array.
    """
    k = int(num_classes)
    if gt.shape != pred.shape:
        raise ValueError(f"gt shape {gt.shape} != pred shape {pred.shape}")
    g_all, p_all = gt.reshape(-1), pred.reshape(-1)
    cells, counts = [], []
    for start in range(0, max(g_all.size, 1), _PIXEL_CHUNK):
        flat = _codes(g_all[start:start + _PIXEL_CHUNK], p_all[start:start + _PIXEL_CHUNK], k,
                      ignore_index)
        if k * (k + 1) <= _DENSE_CELLS:
            hist = np.bincount(flat, minlength=k * (k + 1))
            nz = np.flatnonzero(hist)
            cells.append(nz)
            counts.append(hist[nz])
        else:
            c, n = np.unique(flat, return_counts=True)
            cells.append(c.astype(np.int64))
            counts.append(n.astype(np.int64))
    if len(cells) == 1:
        return cells[0], counts[0]
    return _merge_cells(np.concatenate(cells), np.concatenate(counts))


def ignored_classes(ignore_index, num_classes: int) -> list[int]:
    """The class indices ``0..K-1`` left out of the scores: ``ignore_index`` when it is one of
    them, or those of a sequence of ignored values (the ignore value and void classes)."""
    values = [] if ignore_index is None else (
        [ignore_index] if np.ndim(ignore_index) == 0 else list(ignore_index))
    return sorted({int(v) for v in values if v is not None and 0 <= int(v) < num_classes})


def _codes(g: np.ndarray, p: np.ndarray, k: int, ignore_index) -> np.ndarray:
    """Pixels -> (n,) int64 cell codes of the valid ones (see the module docstring)."""
    valid = g < k
    if g.dtype.kind == "i":
        valid &= g >= 0
    for value in ignored_classes(ignore_index, k):
        valid &= g != value
    if not valid.all():
        g = g[valid]
        p = p[valid]
    p = p.astype(np.int64)
    p[(p < 0) | (p >= k)] = k
    return g.astype(np.int64) * (k + 1) + p


def _merge_cells(cells: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sum the counts of equal cells -> (sorted unique cells, their counts)."""
    uniq, inverse = np.unique(cells, return_inverse=True)
    sums = np.zeros(len(uniq), np.int64)
    np.add.at(sums, inverse.reshape(-1), counts)
    return uniq, sums


def confusion(gt: np.ndarray, pred: np.ndarray, num_classes: int,
              ignore_index: int | None = 255) -> np.ndarray:
    """Pixel confusion of one image: gt (H,W) int, pred (H,W) int -> (K, K+1) int64 (dense
    ``confusion_cells``). Column K counts void predictions (outside ``0..K-1``)."""
    k = int(num_classes)
    cells, counts = confusion_cells(gt, pred, k, ignore_index)
    out = np.zeros(k * (k + 1), np.int64)
    out[cells] = counts
    return out.reshape(k, k + 1)


def evaluated_classes(num_classes: int, ignore_index) -> np.ndarray:
    """(K,) bool: True for every class but the ignored ones (``ignored_classes``)."""
    mask = np.ones(int(num_classes), bool)
    mask[ignored_classes(ignore_index, int(num_classes))] = False
    return mask


def class_stats(conf: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """conf (..., K, K+1) -> intersection, gt_area, pred_area, each (..., K) int64."""
    k = conf.shape[-2]
    inter = np.diagonal(conf[..., :k], axis1=-2, axis2=-1).copy()
    gt_area = conf.sum(axis=-1)
    pred_area = conf[..., :k].sum(axis=-2)
    return inter, gt_area, pred_area


def iou_from_stats(inter: np.ndarray, gt_area: np.ndarray, pred_area: np.ndarray) -> np.ndarray:
    """(..., K) areas -> (..., K) float64 IoU, nan where the union is 0."""
    union = gt_area + pred_area - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(union > 0, inter / np.maximum(union, 1), np.nan)


def _mean_present(iou: np.ndarray, evaluated: np.ndarray) -> np.ndarray:
    """(..., K) IoU -> (...) mean over evaluated classes with a non-nan IoU (nan when none)."""
    sel = iou[..., evaluated]
    present = ~np.isnan(sel)
    n = present.sum(axis=-1)
    total = np.where(present, sel, 0.0).sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > 0, total / np.maximum(n, 1), np.nan)


@dataclass(frozen=True)
class SemanticImageScore:
    """Scores of one image. Arrays are (K,); ``iou`` is nan where the union is 0.

    predicted_absent: (M, 2) int64 rows ``(class, predicted area)`` for classes predicted in
        this image although the GT has no pixel of them.
    missed: (M, 2) int64 rows ``(class, gt area)`` for classes in the GT but never predicted.
    void_area: valid GT pixels whose prediction is outside ``0..K-1``.
    error: ``1 - miou`` (0 when nothing is measurable).
    """

    intersection: np.ndarray
    union: np.ndarray
    iou: np.ndarray
    gt_area: np.ndarray
    pred_area: np.ndarray
    miou: float
    pixel_acc: float
    error: float
    predicted_absent: np.ndarray
    missed: np.ndarray
    void_area: int


def score_image(conf: np.ndarray, ignore_index: int | None = 255) -> SemanticImageScore:
    """Score one image from its (K, K+1) confusion matrix."""
    k = conf.shape[0]
    evaluated = evaluated_classes(k, ignore_index)
    inter, gt_area, pred_area = class_stats(conf)
    iou = iou_from_stats(inter, gt_area, pred_area)
    miou = float(_mean_present(iou, evaluated))
    total = int(gt_area.sum())
    pixel_acc = float(inter.sum() / total) if total else float("nan")
    error = 0.0 if np.isnan(miou) else 1.0 - miou
    absent = np.flatnonzero(evaluated & (pred_area > 0) & (gt_area == 0))
    missed = np.flatnonzero(evaluated & (gt_area > 0) & (pred_area == 0))
    return SemanticImageScore(
        intersection=inter, union=gt_area + pred_area - inter, iou=iou, gt_area=gt_area,
        pred_area=pred_area, miou=miou, pixel_acc=pixel_acc, error=error,
        predicted_absent=np.stack([absent, pred_area[absent]], axis=1).astype(np.int64),
        missed=np.stack([missed, gt_area[missed]], axis=1).astype(np.int64),
        void_area=int(conf[:, k].sum()))


def _concat(parts: list) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0, np.int64)


@dataclass(frozen=True)
class ConfusionStack:
    """Per-image (K, K+1) confusion matrices of N images, stored sparse (COO by image).

    offsets: (N+1,) int64 — image i owns entries ``offsets[i]:offsets[i+1]``.
    cells: (M,) int64 — flat cell index ``gt * (K+1) + pred`` of each non-zero entry.
    counts: (M,) int64 — pixel count of each entry.
    """

    num_classes: int
    offsets: np.ndarray
    cells: np.ndarray
    counts: np.ndarray

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @staticmethod
    def from_cells(parts, num_classes: int) -> ConfusionStack:
        """Build from an iterable of ``confusion_cells`` pairs (``None`` = not scored)."""
        cells, counts, offsets = [], [], [0]
        for part in parts:
            c, n = (np.zeros(0, np.int64), np.zeros(0, np.int64)) if part is None else part
            cells.append(np.asarray(c, np.int64))
            counts.append(np.asarray(n, np.int64))
            offsets.append(offsets[-1] + len(cells[-1]))
        return ConfusionStack(int(num_classes), np.asarray(offsets, np.int64),
                              _concat(cells), _concat(counts))

    @staticmethod
    def from_dense(confs, num_classes: int) -> ConfusionStack:
        """Build from an iterable of (K, K+1) matrices (``None`` = not scored: all zero)."""
        cells, counts, offsets = [], [], [0]
        for conf in confs:
            flat = np.zeros(0, np.int64) if conf is None else np.asarray(conf).reshape(-1)
            nz = np.flatnonzero(flat)
            cells.append(nz.astype(np.int64))
            counts.append(flat[nz].astype(np.int64))
            offsets.append(offsets[-1] + len(nz))
        return ConfusionStack(int(num_classes), np.asarray(offsets, np.int64),
                              _concat(cells), _concat(counts))

    def image_rows(self) -> np.ndarray:
        """(M,) int64 image index of each entry."""
        return np.repeat(np.arange(len(self), dtype=np.int64), np.diff(self.offsets))

    def dense(self, i: int) -> np.ndarray:
        """Image i's confusion, (K, K+1) int64."""
        k = self.num_classes
        out = np.zeros(k * (k + 1), np.int64)
        lo, hi = self.offsets[i], self.offsets[i + 1]
        out[self.cells[lo:hi]] = self.counts[lo:hi]
        return out.reshape(k, k + 1)

    def total(self, rows=None, weights=None) -> np.ndarray:
        """Sum over images ``rows`` (int indices or (N,) bool; None = all) -> (K, K+1) int64;
        weights: (N,) int, how many times each image counts (a bootstrap resample)."""
        k = self.num_classes
        cells, counts = self.cells, self.counts
        if weights is not None:
            counts = counts * np.asarray(weights, np.int64)[self.image_rows()]
        if rows is not None:
            sel = row_mask(rows, len(self))[self.image_rows()]
            cells, counts = cells[sel], counts[sel]
        out = np.zeros(k * (k + 1), np.int64)
        np.add.at(out, cells, counts)
        return out.reshape(k, k + 1)

    def with_image(self, i: int, conf: np.ndarray) -> ConfusionStack:
        """A new stack where image i's confusion is replaced by conf (K, K+1)."""
        flat = np.asarray(conf).reshape(-1)
        nz = np.flatnonzero(flat).astype(np.int64)
        lo, hi = int(self.offsets[i]), int(self.offsets[i + 1])
        cells = np.concatenate([self.cells[:lo], nz, self.cells[hi:]])
        counts = np.concatenate([self.counts[:lo], flat[nz].astype(np.int64), self.counts[hi:]])
        offsets = self.offsets.copy()
        offsets[i + 1:] += len(nz) - (hi - lo)
        return ConfusionStack(self.num_classes, offsets, cells, counts)

    def per_image_stats(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Vectorised per-image areas: intersection, gt_area, pred_area (N, K), void (N,)."""
        k, n = self.num_classes, len(self)
        img = self.image_rows()
        gt_c, pr_c = np.divmod(self.cells, k + 1)

        def per_class(mask, cls):
            out = np.zeros(n * k, np.int64)
            np.add.at(out, img[mask] * k + cls[mask], self.counts[mask])
            return out.reshape(n, k)

        inter = per_class(gt_c == pr_c, gt_c)
        gt_area = per_class(np.ones(len(img), bool), gt_c)
        pred_area = per_class(pr_c < k, pr_c)
        void = np.zeros(n, np.int64)
        np.add.at(void, img[pr_c == k], self.counts[pr_c == k])
        return inter, gt_area, pred_area, void


@dataclass(frozen=True)
class SemanticEval:
    """Dataset (or slice) evaluation from summed confusions. Arrays are (K,).

    iou: summed intersection / summed union, nan where the union is 0.
    miou: mean over evaluated classes with union > 0. miou_all: mean over all evaluated classes,
    absent = 0 (ADE20K devkit). matrix: (K, K+1) summed pixel confusion (last column = void).
    evaluated: (K,) bool, False for ``ignore_index``.
    """

    matrix: np.ndarray
    intersection: np.ndarray
    union: np.ndarray
    gt_area: np.ndarray
    pred_area: np.ndarray
    iou: np.ndarray
    miou: float
    miou_all: float
    pixel_acc: float
    evaluated: np.ndarray
    num_images: int


def evaluate(stack: ConfusionStack, rows=None, ignore_index: int | None = 255,
             weights=None) -> SemanticEval:
    """Evaluate images ``rows`` (None = all) of the stack: the slice is the same computation;
    ``weights`` (N,) int: image multiplicities of a bootstrap resample."""
    matrix = stack.total(rows, weights)
    return evaluate_matrix(matrix, ignore_index,
                           len(stack) if rows is None else _count(rows, len(stack)))


def _count(rows, n: int) -> int:
    return int(row_mask(rows, n).sum())


def evaluate_matrix(matrix: np.ndarray, ignore_index: int | None = 255,
                    num_images: int = 0) -> SemanticEval:
    """Evaluate one summed (K, K+1) confusion matrix."""
    k = matrix.shape[0]
    evaluated = evaluated_classes(k, ignore_index)
    inter, gt_area, pred_area = class_stats(matrix)
    iou = iou_from_stats(inter, gt_area, pred_area)
    miou = float(_mean_present(iou, evaluated))
    miou_all = float(np.nan_to_num(iou[evaluated]).mean()) if evaluated.any() else float("nan")
    total = int(gt_area.sum())
    return SemanticEval(
        matrix=matrix, intersection=inter, union=gt_area + pred_area - inter,
        gt_area=gt_area, pred_area=pred_area, iou=iou, miou=miou, miou_all=miou_all,
        pixel_acc=float(inter.sum() / total) if total else float("nan"),
        evaluated=evaluated, num_images=num_images)


def image_table(stack: ConfusionStack, image_ids, file_names, class_names,
                ignore_index: int | None = 255) -> dict[str, np.ndarray]:
    """Per-image rows, vectorised: image_id, file_name, miou, pixel_acc, error, void_area,
    num_predicted_absent, num_missed, then ``iou_<class name>`` (N,) float64 per evaluated class.

    Returns a dict of (N,) arrays (``pandas.DataFrame(table)`` gives the frame).
    """
    k = stack.num_classes
    evaluated = evaluated_classes(k, ignore_index)
    inter, gt_area, pred_area, void = stack.per_image_stats()
    iou = iou_from_stats(inter, gt_area, pred_area)
    miou = _mean_present(iou, evaluated)
    total = gt_area.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        acc = np.where(total > 0, inter.sum(axis=1) / np.maximum(total, 1), np.nan)
    table = {
        "image_id": np.asarray(image_ids, dtype=object),
        "file_name": np.asarray(file_names, dtype=object),
        "miou": miou, "pixel_acc": acc, "error": np.where(np.isnan(miou), 0.0, 1.0 - miou),
        "void_area": void,
        "num_predicted_absent": ((pred_area > 0) & (gt_area == 0))[:, evaluated].sum(axis=1),
        "num_missed": ((gt_area > 0) & (pred_area == 0))[:, evaluated].sum(axis=1),
    }
    for c in np.flatnonzero(evaluated):
        key = f"iou_{class_names[c]}" if c < len(class_names) else f"iou_{c}"
        table[key if key not in table else f"{key}_{c}"] = iou[:, c]
    return table
