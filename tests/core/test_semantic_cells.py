"""Sparse per-image confusion: equal to a pixel-by-pixel count, whatever K, in bounded memory."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from reviewer.core import semantic


def _oracle(gt, pred, k, ignore):
    """Count (gt, pred) pairs pixel by pixel with the module's rules (void column K)."""
    counts = Counter()
    for g, p in zip(gt.ravel().tolist(), pred.ravel().tolist(), strict=True):
        if g >= k or g < 0 or (ignore is not None and g == ignore):
            continue
        counts[g * (k + 1) + (p if 0 <= p < k else k)] += 1
    cells = np.array(sorted(counts), np.int64)
    return cells, np.array([counts[c] for c in cells.tolist()], np.int64)


@pytest.mark.parametrize("k, ignore, chunk", [(5, 255, None), (5, 0, 7), (2048, 255, None),
                                              (2048, 3, 11), (1, None, None)])
def test_confusion_cells_equal_a_pixel_count(monkeypatch, k, ignore, chunk):
    if chunk:
        monkeypatch.setattr(semantic, "_PIXEL_CHUNK", chunk)
    rng = np.random.default_rng(k)
    gt = rng.choice([0, 1, 3, k - 1, k, 255, 60000], size=(13, 9)).astype(np.uint16)
    pred = rng.choice([0, 2, 3, k - 1, k + 5, 255], size=(13, 9)).astype(np.uint16)
    cells, counts = semantic.confusion_cells(gt, pred, k, ignore)
    want_cells, want_counts = _oracle(gt, pred, k, ignore)
    np.testing.assert_array_equal(cells, want_cells)
    np.testing.assert_array_equal(counts, want_counts)
    if k * (k + 1) < 10**6:
        dense = semantic.confusion(gt, pred, k, ignore)
        assert dense.reshape(-1)[cells].tolist() == counts.tolist() and dense.sum() == counts.sum()


def test_stack_from_cells_equals_stack_from_dense():
    rng = np.random.default_rng(0)
    pairs = [(rng.integers(0, 6, (5, 4)), rng.integers(0, 7, (5, 4))) for _ in range(4)]
    cells = [semantic.confusion_cells(g, p, 6, None) for g, p in pairs] + [None]
    dense = [semantic.confusion(g, p, 6, None) for g, p in pairs] + [None]
    a = semantic.ConfusionStack.from_cells(cells, 6)
    b = semantic.ConfusionStack.from_dense(dense, 6)
    for name in ("offsets", "cells", "counts"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
