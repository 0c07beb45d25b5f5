"""Every command: do -> undo -> redo on a real document, with the scores following the GT."""

from __future__ import annotations

import json

import numpy as np
import pytest

from reviewer.core import commands as C
from reviewer.core.detection_scores import DetectionParams, score_detection
from reviewer.core.document import DetectionDocument
from reviewer.core.history import History
from reviewer.core.reports import detection_table
from reviewer.io.coco import load_detection
from tests import synth


@pytest.fixture()
def doc(tmp_path):
    gt, res = synth.make_dataset(5, 8, 3, 0.0, True, False, 6)
    ds = load_detection(*synth.write(tmp_path, gt, res))
    return DetectionDocument(ds, DetectionParams(0.5, 0.3, "bbox"))


def _state(doc):
    return (doc.gt.ids.tolist(), doc.gt.category_index.tolist(), doc.gt.boxes.tolist(),
            _table(doc.table),
            doc.confusion().tolist(),
            {k: v for k, v in doc.review.statuses().items() if v != "unreviewed"},
            doc.review.all_image_tags(),
            {k: v for k, v in doc.review._notes.items() if v},
            {k: v for k, v in doc.review._object_tags.items() if v})


def _table(table):
    """Comparable form of a per-image table (NaN compares equal to NaN as text)."""
    return {k: repr(np.asarray(v).tolist()) for k, v in table.items()}


def _fresh_table(doc):
    """The table a full scoring of the current GT gives (the oracle for the patched rows)."""
    ds = doc.dataset()
    return detection_table(ds, score_detection(ds, doc.params))


def _commands(doc):
    img = doc.base.images.ids[0]
    ann = int(doc.gt.ids[doc.gt.image_index == 0][0])
    obj = doc.gt_object(ann)
    other_cat = int(doc.base.categories.ids[(doc.gt.category_index[0] + 1) % 3])
    pred_row = int(np.flatnonzero(doc.base.pred.image_index == 0)[0])
    p = doc.base.pred
    new_from_pred = {"id": doc.new_ann_id(), "category_id": int(doc.base.categories.ids[p.category_index[pred_row]]),
                     "bbox": p.boxes[pred_row].tolist(), "area": float(p.areas[pred_row]), "iscrowd": 0,
                     "accepted_from_prediction": int(p.ids[pred_row])}
    return [
        C.AddObject(img, {"id": doc.new_ann_id(), "category_id": other_cat,
                          "bbox": [5.0, 5.0, 40.0, 30.0], "area": 1200.0, "iscrowd": 0}),
        C.DeleteObject(img, obj),
        C.Relabel(img, ann, {"category_id": obj["category_id"]}, {"category_id": other_cat}),
        C.MoveBox(img, ann, {"bbox": obj["bbox"], "area": obj["area"]},
                  {"bbox": [1.0, 2.0, 30.0, 30.0], "area": 900.0}),
        C.ReplaceShape(img, ann, {"bbox": obj["bbox"], "area": obj["area"]},
                       {"bbox": [1.0, 1.0, 20.0, 20.0], "area": 200.0,
                        "segmentation": [[1, 1, 21, 1, 21, 21, 1, 21]]}),
        C.AcceptPrediction(img, int(p.ids[pred_row]), new_from_pred, None),
        C.AcceptPrediction(img, int(p.ids[pred_row]), new_from_pred, obj),
        C.SetImageTags(img, (), ("occlusion", "blur")),
        C.SetObjectTags(img, (), ("label wrong",), source="gt", ann_id=ann),
        C.SetStatus(img, "unreviewed", "reviewed"),
        C.EditNote(img, "", "car behind the tree is unlabeled"),
        C.Macro(img, "two edits", (C.Relabel(img, ann, {"category_id": obj["category_id"]},
                                             {"category_id": other_cat}),
                                   C.SetStatus(img, "unreviewed", "skipped"))),
    ]


@pytest.mark.parametrize("index", range(12))
def test_do_undo_redo_round_trip(doc, index):
    cmd = _commands(doc)[index]
    history = History(doc)
    before = _state(doc)
    history.execute(cmd)
    after = _state(doc)
    assert after != before
    assert _table(doc.table) == _table(_fresh_table(doc))
    history.undo()
    assert _state(doc) == before
    history.redo()
    assert _state(doc) == after
    assert history.index == 1 and not history.can_redo


@pytest.mark.parametrize("index", range(12))
def test_payload_round_trip(doc, index):
    cmd = _commands(doc)[index]
    payload = json.loads(json.dumps(cmd.to_payload()))
    assert C.from_payload(payload) == cmd


def test_deleting_a_missed_object_removes_the_false_negative(doc):
    fn_image = int(np.flatnonzero(doc.table["fn"] > 0)[0])
    sub, scores = doc.image_scores(fn_image)
    fn_local = int(np.flatnonzero(scores.gt_status == 4)[0])
    ann = int(sub.gt.ids[fn_local])
    before_fn = int(doc.table["fn"][fn_image])
    History(doc).execute(C.DeleteObject(doc.base.images.ids[fn_image], doc.gt_object(ann)))
    assert doc.table["fn"][fn_image] == before_fn - 1
    assert doc.table_before["fn"][fn_image] == before_fn
    assert fn_image in doc.corrected_images


def test_new_command_after_undo_drops_redo_and_clean_state(doc):
    cmds = _commands(doc)
    h = History(doc)
    h.execute(cmds[9])
    h.mark_clean()
    h.undo()
    assert not h.is_clean and h.can_redo
    h.execute(cmds[10])
    assert not h.can_redo and not h.is_clean
    assert h.undo_labels() == ["edit note"]


def test_new_score_threshold_rescores_every_image_current_and_before(doc):
    h = History(doc)
    h.execute(_commands(doc)[1])  # a deletion: current differs from before
    table = doc.table
    new = DetectionParams(0.5, 0.7, "bbox")
    result = doc.rescored(new)
    assert doc.apply_rescored(result)
    assert doc.table is table  # updated in place
    assert _table(doc.table) == _table(detection_table(doc.dataset(), score_detection(doc.dataset(), new)))
    assert _table(doc.table_before) == _table(detection_table(doc.base, score_detection(doc.base, new)))
    stale = doc.rescored(DetectionParams(0.5, 0.2, "bbox"))
    h.undo()
    assert not doc.apply_rescored(stale)
    assert doc.params.score_threshold == 0.7
