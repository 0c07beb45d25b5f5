"""Struct-of-arrays tables for images, categories and annotations.

One row per entry, one numpy array per field: a million annotations fit in memory and every metric
is a vectorised pass over these arrays. Rows refer to each other by *row index* (``image_index``,
``category_index``); the original ids from the files (``ImageTable.ids``, ``AnnotationTable.ids``,
``CategoryTable.ids``) are the stable keys shown to users and written back on export.

Boxes are COCO ``[x, y, w, h]`` in float64 pixels, exactly as read: the IoU code computes
``x + w`` the way pycocotools does, so thresholds compare bit-for-bit equal to COCOeval.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np


def row_mask(rows, n: int) -> np.ndarray:
    """A set of rows -> (n,) bool. rows: None (all), int indices (possibly empty) or (n,) bool.

    Slices pass image rows around in any of these forms; every metric turns them into a mask here.
    """
    if rows is None:
        return np.ones(n, dtype=bool)
    rows = np.asarray(rows)
    if rows.dtype == bool:
        return rows
    mask = np.zeros(n, dtype=bool)
    mask[rows.astype(np.int64)] = True
    return mask


def _empty_f(shape=(0,)):
    return np.zeros(shape, dtype=np.float64)


@dataclass(frozen=True)
class ImageTable:
    """Images of a dataset.

    ids: (N,) object — the id from the file (int for COCO, file stem for semantic projects).
    file_names: (N,) object — ``file_name`` as given (relative to the images folder).
    widths, heights: (N,) int64 — 0 when unknown.
    extra: per row, the other fields of the entry, kept verbatim for export.
    """

    ids: np.ndarray
    file_names: np.ndarray
    widths: np.ndarray
    heights: np.ndarray
    extra: list = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ids)

    def index_of(self) -> dict:
        """Map original id -> row index."""
        return {k: i for i, k in enumerate(self.ids.tolist())}

    @staticmethod
    def empty() -> ImageTable:
        return ImageTable(np.array([], dtype=object), np.array([], dtype=object),
                          np.zeros(0, np.int64), np.zeros(0, np.int64), [])


@dataclass(frozen=True)
class CategoryTable:
    """Classes. ids: (K,) int64 original ids (may be non-contiguous); names: (K,) object."""

    ids: np.ndarray
    names: np.ndarray
    extra: list = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ids)

    def index_of(self) -> dict:
        return {int(k): i for i, k in enumerate(self.ids.tolist())}

    def index_by_name(self) -> dict:
        return {str(n): i for i, n in enumerate(self.names.tolist())}


@dataclass(frozen=True)
class AnnotationTable:
    """Ground-truth objects or predictions.

    ids: (N,) int64 — annotation id (predictions without ids get 1..N in file order).
    image_index: (N,) int64 — row in the ImageTable.
    category_index: (N,) int64 — row in the CategoryTable.
    boxes: (N, 4) float64 — COCO xywh.
    areas: (N,) float64 — ``area`` from the file for GT (COCO uses it for area ranges),
        box or mask area for predictions.
    iscrowd: (N,) bool.
    scores: (N,) float64 — 1.0 for ground truth.
    segmentations: None (no masks at all) or a list of N entries, each None, a polygon list,
        or an RLE dict (``counts`` as str/bytes or list) — as read; see ``core.masks``.
    extra: per row, other fields kept verbatim for export (empty list when not kept).
    """

    ids: np.ndarray
    image_index: np.ndarray
    category_index: np.ndarray
    boxes: np.ndarray
    areas: np.ndarray
    iscrowd: np.ndarray
    scores: np.ndarray
    segmentations: list | None = None
    extra: list = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def has_masks(self) -> bool:
        return self.segmentations is not None and any(s is not None for s in self.segmentations)

    @staticmethod
    def empty(with_masks: bool = False) -> AnnotationTable:
        return AnnotationTable(
            ids=np.zeros(0, np.int64), image_index=np.zeros(0, np.int64),
            category_index=np.zeros(0, np.int64), boxes=_empty_f((0, 4)), areas=_empty_f(),
            iscrowd=np.zeros(0, bool), scores=_empty_f(),
            segmentations=[] if with_masks else None, extra=[])

    def take(self, rows: np.ndarray) -> AnnotationTable:
        """A new table holding ``rows`` (int indices or bool mask), in that order."""
        rows = np.asarray(rows)
        if rows.dtype == bool:
            rows = np.flatnonzero(rows)
        segs = None if self.segmentations is None else [self.segmentations[i] for i in rows]
        extra = [self.extra[i] for i in rows] if self.extra else []
        return replace(
            self, ids=self.ids[rows], image_index=self.image_index[rows],
            category_index=self.category_index[rows], boxes=self.boxes[rows],
            areas=self.areas[rows], iscrowd=self.iscrowd[rows], scores=self.scores[rows],
            segmentations=segs, extra=extra)


@dataclass(frozen=True)
class DetectionDataset:
    """A detection / instance-segmentation dataset: images, classes, GT and predictions."""

    images: ImageTable
    categories: CategoryTable
    gt: AnnotationTable
    pred: AnnotationTable
    problems: list = field(default_factory=list)
