"""Sessions on the bundled sample project: both tasks, paint + relabel, restart, before/after."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from reviewer.core import commands as C
from reviewer.core import semantic
from reviewer.io.session import open_session

SAMPLE = Path(__file__).resolve().parents[2] / "sample_project"


@pytest.fixture()
def project(tmp_path):
    dst = tmp_path / "sample"
    shutil.copytree(SAMPLE, dst, ignore=shutil.ignore_patterns("review.sqlite*", "*.py", "__pycache__"))
    return dst


def test_paint_the_unlabeled_road_raises_iou_and_survives_restart(project):
    with open_session(project, "segmentation") as s:
        doc = s.document
        i = doc.image_row("street_007")
        gt, pred = doc.masks(i)
        road = s.data.dataset.class_names.index("road")
        raw_before = float(doc.table["iou_road"][i])
        before = 0.0 if np.isnan(raw_before) else raw_before
        fix = np.where((pred == road) & (gt != s.data.dataset.ignore_index), road, gt)
        ys, xs = np.nonzero(fix != gt)
        y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
        s.history.execute(C.PaintMask("street_007", int(y0), int(x0),
                                      C.encode_patch(gt[y0:y1, x0:x1]), C.encode_patch(fix[y0:y1, x0:x1])))
        after = float(doc.table["iou_road"][i])
        assert after > before + 0.5
        expected = semantic.confusion(fix, pred, doc.num_classes, doc.ignore_index)
        np.testing.assert_array_equal(doc.stack.dense(i), expected)
        np.testing.assert_equal(float(doc.table_before["iou_road"][i]), raw_before)
    with open_session(project, "segmentation") as s:
        i = s.document.image_row("street_007")
        assert float(s.document.table["iou_road"][i]) == pytest.approx(after)
        s.history.undo()
        assert float(s.document.table["iou_road"][i]) == pytest.approx(before)


def test_relabel_in_detection_updates_the_row_and_keeps_the_before(project):
    with open_session(project) as s:
        doc = s.document
        i = int(np.argmax(doc.table["mispredicted"]))
        sub, scores = doc.image_scores(i)
        gt_local = int(np.flatnonzero(scores.gt_error == 1)[0])  # a GT found with the wrong class
        ann = int(sub.gt.ids[gt_local])
        pred_local = int(np.flatnonzero((scores.pred_error == 1) & (scores.pred_error_gt == gt_local))[0])
        new_cat = int(doc.base.categories.ids[sub.pred.category_index[pred_local]])
        obj = doc.gt_object(ann)
        before = int(doc.table["mispredicted"][i])
        s.history.execute(C.Relabel(doc.base.images.ids[i], ann, {"category_id": obj["category_id"]},
                                    {"category_id": new_cat}))
        assert doc.table["mispredicted"][i] == before - 1
        assert doc.table_before["mispredicted"][i] == before


def test_two_tasks_share_one_linear_history(project):
    """A paint (segmentation) then a relabel (detection): each session replays its own task's
    corrections; undoing the other task's command only moves the journal's cursor."""
    with open_session(project, "segmentation") as s:
        doc = s.document
        i = doc.image_row("street_007")
        gt, _ = doc.masks(i)
        patch = gt[:10, :10].copy()
        s.history.execute(C.PaintMask("street_007", 0, 0, C.encode_patch(patch),
                                      C.encode_patch(np.full_like(patch, 1))))
        painted_miou = float(doc.table["miou"][i])
    with open_session(project, "detection") as s:
        doc = s.document
        ann = int(doc.gt.ids[0])
        obj = doc.gt_object(ann)
        other = int(doc.base.categories.ids[(doc.gt.category_index[0] + 1) % len(doc.base.categories)])
        s.history.execute(C.Relabel(obj["image_id"], ann, {"category_id": obj["category_id"]},
                                    {"category_id": other}))
        assert s.history.undo_labels() == ["paint mask", "relabel"]
        s.history.undo()
        assert doc.gt_object(ann)["category_id"] == obj["category_id"]
        s.history.undo()  # the paint: not this task's document, only the cursor moves
        assert not s.history.can_undo
    with open_session(project, "segmentation") as s:
        i = s.document.image_row("street_007")
        assert float(s.document.table["miou"][i]) != painted_miou
        assert s.document.corrected_images == set()
        s.history.redo()
        assert float(s.document.table["miou"][i]) == pytest.approx(painted_miou)


def test_a_drawn_box_in_a_mask_scored_project_scores_as_its_rectangle(project):
    from reviewer.core import edits
    with open_session(project) as s:
        doc = s.document
        assert doc.params.iou_type == "segm"
        i = doc.image_row(doc.base.images.ids[0])
        sub, scores = doc.image_scores(i)
        fp = np.flatnonzero(scores.pred_status == 2)
        assert len(fp)
        row = int(doc.pred_rows(i)[fp[0]])
        p = doc.base.pred
        cmd = edits.add_box(doc, i, int(doc.base.categories.ids[p.category_index[row]]),
                            p.boxes[row].tolist())
        gt_before = int(doc.table["gt"][i])
        s.history.execute(cmd)
        assert doc.table["gt"][i] == gt_before + 1  # re-scored with the rectangle as its mask
        moved = edits.move_box(doc, cmd.obj["id"], [1.0, 1.0, 5.0, 5.0])
        s.history.execute(moved)
        s.history.undo()
        assert doc.gt_object(cmd.obj["id"])["bbox"] == cmd.obj["bbox"]


def test_review_state_belongs_to_the_photo_in_every_task(project):
    """Tags, status and note set in the detection view of street_007 are the segmentation
    view's too (and back): both tasks keep them under the file name."""
    with open_session(project, "detection") as s:
        image_id = s.image_id("street_007.jpg")
        image_id = image_id.item() if hasattr(image_id, "item") else image_id
        s.history.execute(C.SetImageTags(image_id, (), ("poor lighting",)))
        s.history.execute(C.SetStatus(image_id, "unreviewed", "needs-second-look"))
        s.history.execute(C.EditNote(image_id, "", "road edge unclear"))
    with open_session(project, "segmentation") as s:
        assert s.store.image_tags("street_007") == {"poor lighting"}
        assert s.store.status("street_007").value == "needs-second-look"
        assert s.store.note("street_007") == "road edge unclear"
        assert s.store.all_image_tags() == {"street_007": {"poor lighting"}}
        s.history.execute(C.SetImageTags("street_012", (), ("occlusion",)))
    with open_session(project, "detection", read_only=True) as s:
        street_012 = str(s.image_id("street_012.jpg"))
        assert s.store.all_image_tags()[street_012] == {"occlusion"}


def test_state_an_older_reviewer_kept_per_task_is_merged_under_the_photo(project):
    """Stores written before review keys kept detection state under COCO ids and segmentation
    state under stems; the first opening of each task moves it to the file name."""
    from reviewer.io.store import open_review_store
    with open_session(project, "detection", read_only=True) as s:
        det_id = str(s.image_id("street_007.jpg"))
    with open_review_store(project) as store:  # as an older Reviewer wrote it
        store.set_status(det_id, "reviewed")
        store.add_image_tag(det_id, "blur")
        store.add_image_tag("street_007", "occlusion")
        store.set_note("street_007", "written later")
    with open_session(project, "segmentation") as s:
        assert s.store.image_tags("street_007") == {"occlusion"}
    with open_session(project, "detection") as s:
        assert s.store.image_tags(det_id) == {"blur", "occlusion"}
        assert s.store.status(det_id).value == "reviewed"
        assert s.store.note(det_id) == "written later"
    with open_review_store(project, read_only=True) as raw:
        assert set(raw.all_image_tags()) == {"street_007.jpg"}


def test_the_session_keeps_each_rows_review_key_for_the_window(project):
    """Made once on the loader's thread and handed out for the same rows (the metadata
    columns asked for them again on the GUI thread: ~1 s at 1,000,000 images)."""
    from reviewer.core.review import review_keys
    from reviewer.io.metadata import session_keys
    for task in ("detection", "segmentation"):
        with open_session(project, task) as s:
            table = s.document.table
            expected = review_keys(table["image_id"], table["file_name"])
            assert s.review_keys == expected
            assert session_keys(s) is s.review_keys
            s.data.table = {**s.data.table, "image_id": s.data.table["image_id"][::-1]}
            assert session_keys(s) == expected and session_keys(s) is not s.review_keys
