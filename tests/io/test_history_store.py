"""History journalled in the real SQLite review store: corrections and undo survive a restart."""

from __future__ import annotations

import numpy as np

from reviewer.core import commands as C
from reviewer.core.detection_scores import DetectionParams
from reviewer.core.document import DetectionDocument
from reviewer.core.history import History
from reviewer.io.coco import load_detection
from reviewer.io.store import open_review_store
from tests import synth


def _session(tmp_path, ds):
    store = open_review_store(tmp_path / "project")
    doc = DetectionDocument(ds, DetectionParams(0.5, 0.3, "bbox"))
    doc.review = store
    history = History(doc, store)
    history.restore()
    return store, doc, history


def test_corrections_and_undo_survive_a_restart(tmp_path):
    gt, res = synth.make_dataset(8, 6, 3, 0.0, True, False, 6)
    (tmp_path / "project").mkdir()
    ds = load_detection(*synth.write(tmp_path, gt, res))
    store, doc, history = _session(tmp_path, ds)
    img = ds.images.ids[0]
    ann = int(doc.gt.ids[doc.gt.image_index == 0][0])
    obj = doc.gt_object(ann)
    new_id = doc.new_ann_id()
    history.execute(C.DeleteObject(img, obj))
    history.execute(C.AddObject(img, {"id": new_id, "category_id": obj["category_id"],
                                      "bbox": [3.0, 4.0, 50.0, 60.0], "area": 3000.0, "iscrowd": 0}))
    history.execute(C.SetImageTags(img, (), ("occlusion",)))
    history.execute(C.SetStatus(img, "unreviewed", "reviewed"))
    history.undo()  # status back to unreviewed; the redo is journalled too
    ids_before_close = doc.gt.ids.tolist()
    table_before_close = doc.table["fn"].tolist()
    store.close()

    store, doc, history = _session(tmp_path, ds)
    assert doc.gt.ids.tolist() == ids_before_close
    assert doc.table["fn"].tolist() == table_before_close
    assert store.image_tags(img) == {"occlusion"}
    assert str(store.status(img).value) == "unreviewed"
    assert history.undo_labels() == ["delete object", "add object", "set image tags"]
    assert history.can_redo
    history.redo()
    assert str(store.status(img).value) == "reviewed"
    history.undo()
    history.undo()  # tags
    history.undo()  # add
    history.undo()  # delete
    assert doc.gt.ids.tolist() == ds.gt.ids.tolist()
    assert store.image_tags(img) == set()
    np.testing.assert_array_equal(doc.gt.boxes, ds.gt.boxes)
    store.close()
