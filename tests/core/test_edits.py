"""Command builders for the editing tools: one command per intent, scores follow."""

from __future__ import annotations

import numpy as np
import pytest
from pycocotools import mask as mask_utils

from reviewer.core import edits, raster
from reviewer.core.detection_scores import FP, TP, DetectionParams
from reviewer.core.document import DetectionDocument
from reviewer.core.history import History
from reviewer.io.coco import load_detection
from tests import synth


@pytest.fixture()
def doc(tmp_path):
    gt, res = synth.make_dataset(9, 6, 3, 0.0, True, False, 8)
    return DetectionDocument(load_detection(*synth.write(tmp_path, gt, res)),
                             DetectionParams(0.5, 0.3, "bbox"))


def _fp_rows(doc, i):
    sub, scores = doc.image_scores(i)
    return doc.pred_rows(i)[np.flatnonzero(scores.pred_status == FP)]


def test_accepting_a_false_positive_makes_it_a_true_positive(doc):
    i = int(np.flatnonzero(doc.table["fp"] > 0)[0])
    row = int(_fp_rows(doc, i)[0])
    tp_before, fp_before = int(doc.table["tp"][i]), int(doc.table["fp"][i])
    h = History(doc)
    cmd = edits.accept_prediction(doc, row)
    h.execute(cmd)
    sub, scores = doc.image_scores(i)
    local = int(np.flatnonzero(doc.pred_rows(i) == row)[0])
    assert scores.pred_status[local] == TP
    assert doc.table["tp"][i] == tp_before + 1 and doc.table["fp"][i] == fp_before - 1
    assert doc.gt_object(cmd.obj["id"])["accepted_from_prediction"] == int(doc.base.pred.ids[row])
    h.undo()
    assert doc.table["tp"][i] == tp_before


def test_accept_with_replace_removes_the_overlapped_object(doc):
    for i in range(len(doc.base.images)):
        sub, scores = doc.image_scores(i)
        cls_err = np.flatnonzero((scores.pred_status == FP) & (scores.pred_error == 1))
        if len(cls_err):
            break
    row = int(doc.pred_rows(i)[cls_err[0]])
    cmd = edits.accept_prediction(doc, row, replace=True)
    assert cmd.replaced is not None
    n = len(doc.gt)
    History(doc).execute(cmd)
    assert len(doc.gt) == n
    assert cmd.replaced["id"] not in doc.gt.ids.tolist()


def test_accept_all_of_class_is_one_history_entry(doc):
    i = int(np.argmax(doc.table["fp"]))
    sub, scores = doc.image_scores(i)
    k = int(np.bincount(sub.pred.category_index[scores.pred_status == FP]).argmax())
    n_fp = int(((scores.pred_status == FP) & (sub.pred.category_index == k)).sum())
    h = History(doc)
    macro = edits.accept_all_of_class(doc, i, k)
    h.execute(macro)
    assert h.index == 1 and len(macro.children) == n_fp
    sub, scores = doc.image_scores(i)
    assert int(((scores.pred_status == FP) & (sub.pred.category_index == k)).sum()) == 0
    h.undo()
    assert len(doc.gt) == len(doc.base.gt)


def test_add_polygon_box_and_area_follow_the_mask(doc):
    cmd = edits.add_polygon(doc, 0, int(doc.base.categories.ids[0]), [10, 10, 60, 10, 60, 40, 10, 40])
    rle = mask_utils.merge(mask_utils.frPyObjects(cmd.obj["segmentation"], 480, 640))
    assert cmd.obj["area"] == float(mask_utils.area(rle))
    assert cmd.obj["bbox"] == mask_utils.toBbox(rle).tolist()
    with pytest.raises(ValueError):
        edits.add_polygon(doc, 0, 1, [1, 2, 3, 4])


def test_move_relabel_delete_builders_carry_the_before_values(doc):
    ann = int(doc.gt.ids[0])
    obj = doc.gt_object(ann)
    m = edits.move_box(doc, ann, [1, 2, 3, 4])
    assert m.before == {"bbox": obj["bbox"], "area": obj["area"]} and m.after["area"] == 12.0
    r = edits.relabel(doc, ann, 5)
    assert r.before == {"category_id": obj["category_id"]} and r.after == {"category_id": 5}
    d = edits.delete(doc, ann)
    assert d.obj == obj
    assert edits.clip_box([-5, -5, 20, 20], 10, 10) == [0.0, 0.0, 10.0, 10.0]


class _MaskDoc:
    def __init__(self, gt):
        self.gt = gt

    def paint(self, image_id, y, x, patch):
        self.gt[y:y + patch.shape[0], x:x + patch.shape[1]] = patch


def test_brush_flood_polygon_and_copy_round_trip():
    gt = np.zeros((40, 50), np.uint8)
    gt[:, 25:] = 1
    pred = np.full((40, 50), 2, np.uint8)
    doc = _MaskDoc(gt.copy())
    cases = [raster.brush("a", gt, [(5, 5), (15, 5)], 2, 3),
             raster.flood_fill("a", gt, (30, 20), 4),
             raster.polygon_fill("a", gt, [(0, 0), (10, 0), (10, 10), (0, 10)], 5),
             raster.copy_prediction("a", gt, pred, [(20, 20), (30, 20), (30, 30), (20, 30)])]
    for cmd in cases:
        doc.gt = gt.copy()
        cmd.redo(doc)
        changed = doc.gt != gt
        assert changed.any()
        cmd.undo(doc)
        np.testing.assert_array_equal(doc.gt, gt)
    doc.gt = gt.copy()
    cases[1].redo(doc)
    assert (doc.gt[:, 25:] == 4).all() and (doc.gt[:, :25] == 0).all()
    doc.gt = gt.copy()
    cases[0].redo(doc)
    assert doc.gt[5, 10] == 3 and doc.gt[5, 20] == 0 and doc.gt[9, 10] == 0
    assert raster.flood_fill("a", gt, (100, 100), 1) is None
    assert raster.brush("a", gt, [(40, 5)], 1, 1) is None  # painting a class where it already is
