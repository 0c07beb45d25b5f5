"""The strict fast reading (``io.coco_fast``) gives the same tables and problems as ``json``.

Generated files mix valid entries with every kind of value a problem is made of (unknown and
textual ids, negative and degenerate boxes, big integers, floats where ints belong, missing
fields, duplicate ids, bad areas and iscrowd values, polygons and RLEs); each file is loaded
twice — the fast reading allowed, then forced off — and every column, every segmentation and
every problem must be equal.
"""

from __future__ import annotations

import json

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reviewer.io import coco, coco_fast

IMAGES = [{"id": 1, "file_name": "a.jpg", "width": 20, "height": 10},
          {"id": 2, "file_name": "b.jpg", "width": 8, "height": 8},
          {"id": "x", "file_name": "c.jpg", "width": 4, "height": 4}]
CATEGORIES = [{"id": 1, "name": "cat"}, {"id": 7, "name": "dog"}]

ids = st.sampled_from([1, 2, 3, "x", "1", 7, 2**70, 1.0, None, True])
numbers = st.sampled_from([0, 1, 2, 2.5, -3, 1e-300, 12345678901234567890, 3.0, -0.0, 1e300])
boxes = st.one_of(st.lists(numbers, min_size=4, max_size=4),
                  st.sampled_from([None, [1, 2, 3], "box", [1, 2, "3", 4]]))
segmentations = st.sampled_from([
    None, [], [[1, 1, 5, 1, 5, 5]], [[1, 1, 5]], {"size": [10, 20], "counts": [200]},
    {"size": [10, 20], "counts": "0`0"}, {"size": [10, 20], "counts": "PP"}, "poly"])


@st.composite
def entries(draw, pred: bool):
    keys = ["image_id", "category_id", "bbox", "segmentation", "id", "area"]
    keys += ["score"] if pred else ["iscrowd"]
    values = {"image_id": ids, "category_id": ids, "bbox": boxes, "segmentation": segmentations,
              "id": ids, "area": numbers, "score": numbers,
              "iscrowd": st.sampled_from([0, 1, 2, None, 1.0])}
    out = []
    for _ in range(draw(st.integers(0, 8))):
        entry = {k: draw(values[k]) for k in keys if draw(st.integers(0, 5))}
        if draw(st.integers(0, 30)) == 0:
            entry["extra_field"] = 1  # forces the generic reading
        out.append(entry)
    return out


def load_both(tmp_path, monkeypatch, gt_anns, preds):
    gt = tmp_path / "gt.json"
    pred = tmp_path / "pred.json"
    gt.write_text(json.dumps({"images": IMAGES, "categories": CATEGORIES,
                              "annotations": gt_anns}))
    pred.write_text(json.dumps(preds))
    results = []
    for fast in (True, False):
        if not fast:
            monkeypatch.setattr(coco_fast, "decode_gt", lambda raw: None)
            monkeypatch.setattr(coco_fast, "decode_results", lambda raw: None)
        try:
            results.append(coco.load_detection(gt, pred))
        except Exception as exc:  # noqa: BLE001 - the same failure either way
            results.append((type(exc).__name__, str(exc), getattr(exc, "problems", None)))
    monkeypatch.undo()
    return results


def assert_same(a, b):
    if isinstance(a, tuple) or isinstance(b, tuple):
        assert a == b
        return
    assert a.problems == b.problems
    for t in ("gt", "pred"):
        x, y = getattr(a, t), getattr(b, t)
        for f in ("ids", "image_index", "category_index", "boxes", "areas", "iscrowd", "scores"):
            assert np.array_equal(getattr(x, f), getattr(y, f), equal_nan=True), (t, f)
            assert getattr(x, f).dtype == getattr(y, f).dtype, (t, f)
        assert x.segmentations == y.segmentations
        assert x.extra == y.extra


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(gt_anns=entries(pred=False), preds=entries(pred=True))
def test_fast_reading_equals_json(tmp_path, monkeypatch, gt_anns, preds):
    fast, generic = load_both(tmp_path, monkeypatch, gt_anns, preds)
    assert_same(fast, generic)


def test_fast_reading_applies_to_files_with_problems(tmp_path, monkeypatch):
    """Not vacuous: files whose entries have problems (unknown ids, negative widths, duplicate
    ids, bad areas) are read by the fast path, and report the same problems."""
    gt_anns = [{"id": 5, "image_id": 1, "category_id": 1, "bbox": [1, 1, -2, 3], "area": -1,
                "iscrowd": 2},
               {"id": 5, "image_id": 9, "category_id": 1, "bbox": [1, 1, 2, 3], "area": 6,
                "iscrowd": 0},
               {"id": 6, "image_id": "1", "category_id": 7, "bbox": [1, 1, 2, 3],
                "segmentation": [[1, 1, 5]], "area": 6, "iscrowd": 0}]
    preds = [{"image_id": 1, "category_id": 3, "bbox": [0, 0, 1, 1], "score": 0.5},
             {"image_id": 2, "category_id": 1, "bbox": [0, 0, 1, 1]},
             {"image_id": 1, "category_id": 1, "bbox": [0, 0, 2, 1], "score": 2}]
    assert coco_fast.decode_results(json.dumps(preds).encode()) is not None
    raw = json.dumps({"images": IMAGES, "categories": CATEGORIES, "annotations": gt_anns})
    assert coco_fast.decode_gt(raw.encode()) is not None
    fast, generic = load_both(tmp_path, monkeypatch, gt_anns, preds)
    assert_same(fast, generic)
    assert len(fast.problems) >= 6


def test_fast_reading_declines_what_it_cannot_keep():
    assert coco_fast.decode_results(b'[{"image_id": 1, "score": NaN}]') is None
    assert coco_fast.decode_results(b'[{"image_id": 1, "note": "kept for export"}]') is None
    assert coco_fast.decode_results(b'{"annotations": []}') is None
    assert coco_fast.decode_gt(b'{"images": [], "categories": [], '
                               b'"annotations": [{"iscrowd": true}]}') is None
