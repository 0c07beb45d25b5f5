"""Painting re-scores the image from the patch alone: after any sequence of paints (and their
undos) the stack and the table row equal a full re-computation from the painted mask."""

from __future__ import annotations

import numpy as np
import pytest

from reviewer.core import raster, semantic
from reviewer.core.semantic_document import SemanticDocument

K, IGNORE = 5, 255


def _doc(rng, n=3, shape=(40, 60)):
    gts = [rng.integers(0, K, shape).astype(np.uint8) for _ in range(n)]
    preds = [rng.integers(0, K + 1, shape).astype(np.uint8) for _ in range(n)]
    for g in gts:
        g[rng.random(shape) < 0.1] = IGNORE
    ids, names = [f"im{i}" for i in range(n)], [f"im{i}.png" for i in range(n)]
    stack = semantic.ConfusionStack.from_dense(
        [semantic.confusion(g, p, K, IGNORE) for g, p in zip(gts, preds, strict=True)], K)
    classes = [f"c{k}" for k in range(K)]
    table = semantic.image_table(stack, ids, names, classes, IGNORE)
    doc = SemanticDocument(ids, names, classes, IGNORE, stack, table,
                           lambda i: (gts[i].copy(), preds[i]))
    return doc, preds, classes


@pytest.mark.parametrize("seed", range(10))
def test_patch_rescore_equals_full_confusion(seed):
    rng = np.random.default_rng(seed)
    doc, preds, classes = _doc(rng)
    done = []
    for _ in range(8):
        i = int(rng.integers(0, 3))
        gt, _ = doc.masks(i)
        points = [tuple(p) for p in rng.uniform(-5, 65, (3, 2))]
        value = int(rng.choice([0, 1, 2, 3, 4, IGNORE]))
        cmd = raster.brush(f"im{i}", gt, points, int(rng.integers(0, 6)), value)
        if cmd is not None:
            cmd.redo(doc)
            done.append(cmd)
        if done and rng.random() < 0.3:
            done.pop().undo(doc)
    full = [semantic.confusion(doc.masks(i)[0], preds[i], K, IGNORE) for i in range(3)]
    for i in range(3):
        assert np.array_equal(doc.stack.dense(i), full[i])
    expected = semantic.image_table(semantic.ConfusionStack.from_dense(full, K),
                                    doc.image_ids, doc.file_names, classes, IGNORE)
    for key in ("miou", "error", "pixel_acc"):
        np.testing.assert_array_equal(doc.table[key], expected[key])
