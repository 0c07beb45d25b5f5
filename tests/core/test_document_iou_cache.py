"""The document's per-image IoU cache: after random edits (add, delete, move, relabel, undo),
every image's scores equal a fresh ``score_detection`` of ``document.dataset()`` computed from the
boxes / masks, and the per-image table equals a full re-scoring."""

from __future__ import annotations

import numpy as np
import pytest

from reviewer.core import masks as mask_ops
from reviewer.core.cocoeval import gt_rles, pred_rles
from reviewer.core.detection_scores import DetectionParams, pair_iou, score_detection
from reviewer.core.document import DetectionDocument
from reviewer.core.reports import detection_table
from reviewer.io.coco import load_detection
from tests import synth

_PER_OBJECT = ("pred_status", "pred_match", "pred_iou", "pred_error", "pred_error_gt",
               "gt_status", "gt_match", "gt_error")


def _document(tmp_path, iou_type: str) -> DetectionDocument:
    masks = iou_type == "segm"
    gt, res = synth.make_dataset(11, 6, 3, 0.1, True, masks, 14)
    ds = load_detection(*synth.write(tmp_path, gt, res))
    rles = (pred_rles(ds), gt_rles(ds)) if masks else None
    return DetectionDocument(ds, DetectionParams(0.5, 0.3, iou_type), rles=rles)


def _fresh(doc: DetectionDocument):
    """Scores of the current GT from scratch (no cache): boxes or freshly encoded masks."""
    ds = doc.dataset()
    rles = (pred_rles(ds), gt_rles(ds)) if doc.params.iou_type == "segm" else None
    if rles is not None:  # a drawn box without a mask scores as its rectangle
        h, w = ds.images.heights, ds.images.widths
        for r in np.flatnonzero([s is None for s in ds.gt.segmentations]):
            x, y, bw, bh = ds.gt.boxes[r]
            i = ds.gt.image_index[r]
            rles[1][r] = mask_ops.to_rle([[x, y, x + bw, y, x + bw, y + bh, x, y + bh]],
                                         int(h[i]), int(w[i]))
    return ds, score_detection(ds, doc.params, rles=rles)


def _check(doc: DetectionDocument) -> None:
    ds, fresh = _fresh(doc)
    expected = detection_table(ds, fresh)
    for key, col in expected.items():
        assert np.asarray(doc.table[key]).tolist() == pytest.approx(
            np.asarray(col).tolist(), nan_ok=True), key
    for i in range(len(doc.base.images)):
        sub, scores = doc.image_scores(i)
        g = np.flatnonzero(ds.gt.image_index == i)
        p = doc.pred_rows(i)
        for name in _PER_OBJECT:
            ours = getattr(scores, name)
            theirs = getattr(fresh, name)[g if name.startswith("gt") else p]
            if name in ("pred_match", "pred_error_gt", "gt_match"):  # rows -> ids
                ours = _ids(sub, name, ours)
                theirs = _ids(ds, name, theirs)
            np.testing.assert_array_equal(ours, theirs, err_msg=f"image {i}: {name}")


def _ids(ds, name, rows):
    table = ds.pred if name == "gt_match" else ds.gt
    return np.where(rows >= 0, table.ids[np.maximum(rows, 0)] if len(table) else -1, -1)


def _plain(v):
    return v.item() if hasattr(v, "item") else v


def _random_edit(doc, rng, undo: list) -> None:
    i = int(rng.integers(len(doc.base.images)))
    image_id = _plain(doc.base.images.ids[i])
    rows = np.flatnonzero(doc.gt.image_index == i)
    kind = rng.choice(["add", "delete", "move", "relabel", "undo"])
    if kind == "undo" and undo:
        undo.pop()()
    elif kind == "add" or len(rows) == 0:
        ann = doc.new_ann_id()
        x, y = rng.uniform(0, 500, 2)
        box = [float(x), float(y), float(rng.uniform(5, 120)), float(rng.uniform(5, 120))]
        cat = int(doc.base.categories.ids[int(rng.integers(len(doc.base.categories)))])
        doc.add_gt(image_id, {"id": ann, "category_id": cat, "bbox": box,
                              "area": box[2] * box[3], "iscrowd": 0})
        undo.append(lambda: doc.remove_gt(image_id, ann))
    elif kind == "delete":
        ann = int(doc.gt.ids[rows[int(rng.integers(len(rows)))]])
        obj = doc.remove_gt(image_id, ann)
        undo.append(lambda: doc.add_gt(image_id, obj))
    else:
        ann = int(doc.gt.ids[rows[int(rng.integers(len(rows)))]])
        before = doc.gt_object(ann)
        if kind == "move":
            dx, dy = rng.normal(0, 15, 2)
            x, y, w, h = before["bbox"]
            fields = {"bbox": [x + dx, y + dy, w, h], "segmentation": None}
        else:
            cats = doc.base.categories.ids
            fields = {"category_id": int(cats[int(rng.integers(len(cats)))])}
        doc.update_gt(image_id, ann, fields)
        undo.append(lambda: doc.update_gt(image_id, ann, {k: before.get(k) for k in fields}))


@pytest.mark.parametrize("iou_type", ["bbox", "segm"])
def test_cached_scores_equal_a_fresh_scoring_after_random_edits(tmp_path, iou_type):
    doc = _document(tmp_path, iou_type)
    for i in range(len(doc.base.images)):
        doc.image_scores(i)  # fill the cache before editing
    rng, undo = np.random.default_rng(5), []
    for step in range(40):
        _random_edit(doc, rng, undo)
        if step % 8 == 7:
            _check(doc)
    _check(doc)


def test_pair_iou_equals_pycocotools_per_pair(tmp_path):
    doc = _document(tmp_path, "segm")
    sub, _ = doc.image_scores(0)
    pred, gt = doc.image_rles(0)
    iou = pair_iou(sub, "segm", (pred, gt))
    assert sub.gt.iscrowd.any() and (iou == 0).any() and (iou > 0).any()
    for d in range(len(pred)):
        for g in range(len(gt)):
            one = mask_ops.mask_iou([pred[d]], [gt[g]], sub.gt.iscrowd[[g]])[0, 0]
            assert iou[d, g] == one  # bit for bit: thresholds compare these values
    boxes = mask_ops.rle_boxes(pred)  # the box prefilter gives the same values, column by column
    for g in range(len(gt)):
        col = pair_iou(sub, "segm", (pred, gt), [g], boxes)
        np.testing.assert_array_equal(col[:, 0], iou[:, g])
