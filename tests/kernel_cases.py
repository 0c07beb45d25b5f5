"""Small detection datasets built as tables (no files) for the kernel tests: generated cases
and crowded images. Importing this module does not import numba."""

from __future__ import annotations

import numpy as np

from reviewer.core.tables import AnnotationTable, CategoryTable, DetectionDataset, ImageTable


def table(img, cls, boxes, crowd=None, scores=None, areas=None, segs=None) -> AnnotationTable:
    n = len(img)
    boxes = np.asarray(boxes, np.float64).reshape(n, 4)
    return AnnotationTable(
        ids=np.arange(1, n + 1, dtype=np.int64), image_index=np.asarray(img, np.int64),
        category_index=np.asarray(cls, np.int64), boxes=boxes,
        areas=boxes[:, 2] * boxes[:, 3] if areas is None else np.asarray(areas, np.float64),
        iscrowd=np.zeros(n, bool) if crowd is None else np.asarray(crowd, bool),
        scores=np.ones(n) if scores is None else np.asarray(scores, np.float64),
        segmentations=segs)


def dataset(n_img, n_cls, gt: AnnotationTable, pred: AnnotationTable, size=(64, 64)):
    images = ImageTable(np.arange(10, 10 + n_img, dtype=object),
                        np.array([f"{i}.jpg" for i in range(n_img)], dtype=object),
                        np.full(n_img, size[1], np.int64), np.full(n_img, size[0], np.int64))
    cats = CategoryTable(np.arange(1, n_cls + 1, dtype=np.int64),
                         np.array([f"c{k}" for k in range(n_cls)], dtype=object))
    return DetectionDataset(images, cats, gt, pred)


def crowded(seed: int, n: int = 160, n_cls: int = 2) -> DetectionDataset:
    """One image, n GT + n predictions per class: groups far above DENSE_PAIRS (the sweep
    path), box widths over three orders of magnitude, a few huge boxes, many ties."""
    rng = np.random.default_rng(seed)

    def boxes(k):
        side = np.exp(rng.uniform(0, 5, (k, 2))).round()
        side[rng.random(k) < 0.03] *= 40
        xy = rng.integers(0, 600, (k, 2)).astype(float)
        return np.concatenate([xy, side], axis=1)

    g = boxes(n * n_cls)
    jitter = rng.normal(0, 2, (n * n_cls, 4)).round()
    p = np.abs(g + jitter)
    cls = np.repeat(np.arange(n_cls), n)
    gt = table(np.zeros(len(g)), cls, g, rng.random(len(g)) < 0.05)
    pred = table(np.zeros(len(p)), rng.permutation(cls), p,
                 scores=rng.integers(1, 20, len(p)) / 20)
    return dataset(1, n_cls, gt, pred, size=(800, 800))
