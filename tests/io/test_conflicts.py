"""Corrections replayed onto a GT file that changed after the review began.

A correction lands only on an object that still holds what it held when the correction was made;
the others are set aside as conflicts (listed, re-applied or dropped), and nothing fails the
whole project. Every case edits the real files and reopens the real project.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from reviewer.cli import main
from reviewer.core import commands as C
from reviewer.core import edits
from reviewer.core.conflicts import CommandConflictError
from reviewer.core.history import History
from reviewer.io.semantic import read_label_png, write_label_png
from reviewer.io.session import open_session
from tests import synth

SAMPLE = Path(__file__).resolve().parents[2] / "sample_project"


@pytest.fixture()
def project(tmp_path):
    proj, g, p, gt, res = synth.init_project(tmp_path, 21, 6)
    return proj, g, gt


def _anns_of(gt, image_id):
    return [a for a in gt["annotations"] if a["image_id"] == image_id]


def _correct(proj, gt) -> dict:
    """Four corrections on one image and one on another; returns what they touched."""
    counts = [(len(_anns_of(gt, im["id"])), im["id"]) for im in gt["images"]]
    im0 = next(i for n, i in counts if n >= 3)
    im1 = next(i for n, i in counts if n >= 1 and i != im0)
    a, b, c = _anns_of(gt, im0)[:3]
    d = _anns_of(gt, im1)[0]
    other = next(k["id"] for k in gt["categories"] if k["id"] != a["category_id"])
    with open_session(proj) as s:
        doc, h = s.document, s.history
        h.execute(edits.relabel(doc, a["id"], other))
        h.execute(edits.move_box(doc, b["id"], [1.0, 2.0, 30.0, 40.0]))
        h.execute(edits.delete(doc, c["id"]))
        added = doc.new_ann_id()
        h.execute(C.AddObject(im0, {"id": added, "category_id": other,
                                    "bbox": [5.0, 5.0, 20.0, 20.0], "area": 400.0, "iscrowd": 0}))
        h.execute(edits.move_box(doc, d["id"], [9.0, 9.0, 9.0, 9.0]))
    return {"relabel": a, "move": b, "delete": c, "added": added, "other_image": d,
            "category": other, "image": im0, "image2": im1}


def _rewrite(path: Path, gt: dict) -> None:
    path.write_text(json.dumps(gt))


def test_reassigned_ids_never_receive_another_objects_correction(project, tmp_path):
    proj, g, gt = project
    t = _correct(proj, gt)
    changed = json.loads(json.dumps(gt))
    ids = [a["id"] for a in changed["annotations"]]
    for a, new in zip(changed["annotations"], ids[1:] + ids[:1], strict=True):  # rotate the ids
        a["id"] = new
    changed["annotations"].append({**changed["annotations"][-1], "id": t["added"]})
    _rewrite(g, changed)
    with open_session(proj) as s:
        kinds = sorted(c.command.kind for c in s.history.conflicts)
        assert kinds == ["add_object", "delete_object", "move_box", "move_box", "relabel"]
        assert any("note: " not in n and "changed since the last opening" in n
                   for n in s.notices)
        # no correction landed: the document holds the file's objects exactly
        by_id = {a["id"]: a for a in changed["annotations"]}
        for ann_id in s.document.gt.ids.tolist():
            obj = s.document.gt_object(ann_id)
            assert obj["category_id"] == by_id[ann_id]["category_id"]
            np.testing.assert_allclose(obj["bbox"], by_id[ann_id]["bbox"])
        assert len(s.document.gt) == len(changed["annotations"])
    out = tmp_path / "out"
    assert main(["export", str(proj), "--out", str(out), "-q"]) == 0
    exported = json.loads((out / "gt.json").read_text())
    assert [(a["id"], a["category_id"], a["bbox"]) for a in exported["annotations"]] == \
        [(a["id"], a["category_id"], a["bbox"]) for a in changed["annotations"]]
    rows = list(csv.DictReader((out / "changes.csv").read_text().splitlines()))
    assert sum(r["change"].startswith("set aside: ") for r in rows) == 5


def test_removed_objects_and_images_leave_the_project_usable(project, tmp_path, capsys):
    proj, g, gt = project
    t = _correct(proj, gt)
    changed = json.loads(json.dumps(gt))
    gone_image = t["image2"]
    changed["images"] = [im for im in changed["images"] if im["id"] != gone_image]
    changed["annotations"] = [a for a in changed["annotations"]
                              if a["image_id"] != gone_image and a["id"] != t["move"]["id"]]
    _rewrite(g, changed)
    capsys.readouterr()
    for argv in (["score", str(proj), "-q"], ["eval", str(proj), "-q"],
                 ["stats", str(proj)], ["export", str(proj), "--out", str(tmp_path / "o")],
                 ["tag", str(proj), str(t["image"]), "blur", "-q"]):
        assert main(argv) == 0, argv
    err = capsys.readouterr().err
    assert "2 corrections no longer fit the ground truth" in err
    with open_session(proj) as s:
        reasons = {c.command.kind: c.reason for c in s.history.conflicts}
        assert reasons["move_box"] in (f"GT object {t['move']['id']} is no longer in the ground "
                                       "truth", f"image {gone_image} is no longer in the ground "
                                                "truth")
        assert len(s.history.conflicts) == 2
        # the others replayed: relabel, delete, add
        assert s.document.gt_object(t["relabel"]["id"])["category_id"] == t["category"]
        assert s.document.find_gt(t["delete"]["id"]) is None
        assert s.document.find_gt(t["added"]) is not None


def test_conflicts_are_resolved_by_reapplying_or_dropping_and_stay_resolved(project, capsys):
    proj, g, gt = project
    t = _correct(proj, gt)
    changed = json.loads(json.dumps(gt))
    for a in changed["annotations"]:
        if a["id"] in (t["relabel"]["id"], t["move"]["id"]):
            a["bbox"] = [a["bbox"][0] + 1, *a["bbox"][1:]]  # edited elsewhere
    _rewrite(g, changed)
    with open_session(proj) as s:
        h = s.history
        by_kind = {c.command.kind: c for c in h.conflicts}
        assert set(by_kind) == {"move_box"}  # a relabel only recorded the class: still fits
        move = by_kind["move_box"]
        assert "its bbox is" in move.reason and "when corrected" in move.reason
        h.reapply(move.seq)
        assert s.document.gt_object(t["move"]["id"])["bbox"] == [1.0, 2.0, 30.0, 40.0]
        assert h.conflicts == []
        h.undo()  # the re-application is an ordinary history entry
        assert s.document.gt_object(t["move"]["id"])["bbox"][0] == t["move"]["bbox"][0] + 1
        h.redo()
    capsys.readouterr()
    assert main(["conflicts", str(proj), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"conflicts": []}
    with open_session(proj) as s:
        assert s.history.conflicts == []
        assert s.document.gt_object(t["move"]["id"])["bbox"] == [1.0, 2.0, 30.0, 40.0]


def test_cli_drops_all_conflicts_and_refuses_a_reapply_without_a_target(project, capsys):
    proj, g, gt = project
    t = _correct(proj, gt)
    changed = json.loads(json.dumps(gt))
    changed["annotations"] = [a for a in changed["annotations"]
                              if a["id"] not in (t["move"]["id"], t["relabel"]["id"])]
    _rewrite(g, changed)
    capsys.readouterr()
    assert main(["conflicts", str(proj), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["conflicts"]
    assert sorted(c["kind"] for c in listed) == ["move_box", "relabel"]
    seq = next(c["seq"] for c in listed if c["kind"] == "relabel")
    assert main(["conflicts", str(proj), "reapply", str(seq)]) == 2
    assert "cannot re-apply" in capsys.readouterr().err
    assert main(["conflicts", str(proj), "drop", "all"]) == 0
    assert capsys.readouterr().out.count(": dropped (") == 2
    assert main(["conflicts", str(proj), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["conflicts"] == []
    with open_session(proj, read_only=True) as s:
        resolved = s.store.conflicts(include_resolved=True)
        assert sorted(e.resolution for e in resolved) == ["dropped", "dropped"]


def test_an_unchanged_gt_replays_every_correction_without_conflicts(project):
    proj, g, gt = project
    t = _correct(proj, gt)
    with open_session(proj) as s:
        assert s.history.conflicts == []
        assert [n for n in s.notices if "outside its folder" not in n] == []
        assert s.document.gt_object(t["move"]["id"])["bbox"] == [1.0, 2.0, 30.0, 40.0]
        assert len(s.history.commands()) == 5


def test_redo_onto_a_changed_gt_is_set_aside_with_the_reason(project):
    proj, g, gt = project
    t = _correct(proj, gt)
    with open_session(proj) as s:
        s.history.undo()  # the move on image 1
    changed = json.loads(json.dumps(gt))
    changed["annotations"] = [a for a in changed["annotations"]
                              if a["id"] != t["other_image"]["id"]]
    _rewrite(g, changed)
    with open_session(proj) as s:
        assert s.history.can_redo and s.history.conflicts == []
        with pytest.raises(CommandConflictError, match="cannot be redone: GT object"):
            s.history.redo()
        assert not s.history.can_redo and len(s.history.conflicts) == 1
    with open_session(proj) as s:
        assert len(s.history.conflicts) == 1


def test_a_painted_region_changed_on_disk_is_a_conflict_elsewhere_is_not(tmp_path):
    proj = tmp_path / "sample"
    shutil.copytree(SAMPLE, proj, ignore=shutil.ignore_patterns("review.sqlite*"))
    with open_session(proj, "segmentation") as s:
        doc = s.document
        ids = list(doc.image_ids)
        for image_id in ids[:2]:
            gt, _ = doc.masks(doc.image_row(image_id))
            before = gt[0:4, 0:4].copy()
            after = np.full_like(before, 1 if before[0, 0] != 1 else 2)
            s.history.execute(C.PaintMask(image_id, 0, 0, C.encode_patch(before),
                                          C.encode_patch(after)))
        paths = [s.data.dataset.gt_paths[doc.image_row(i)] for i in ids[:2]]
    for k, path in enumerate(paths):
        mask = read_label_png(path).copy()
        if k == 0:
            mask[0, 0] = (int(mask[0, 0]) + 1) % 3  # inside the painted region
        else:
            mask[-1, -1] = (int(mask[-1, -1]) + 1) % 3  # far from it
        write_label_png(path, mask)
    with open_session(proj, "segmentation") as s:
        assert [c.command.image_id for c in s.history.conflicts] == [ids[0]]
        assert "pixels of the painted region differ" in s.history.conflicts[0].reason
        assert s.document.corrected_images == {s.document.image_row(ids[1])}


def test_a_raising_view_never_leaves_an_edit_without_its_journal_entry(project):
    proj, _, gt = project
    a = gt["annotations"][0]
    with open_session(proj) as s:
        def broken_view(row):
            raise RuntimeError("repaint failed")
        s.document.annotations_changed.connect(broken_view)
        with pytest.raises(Exception, match="repaint failed"):  # psygnal wraps it
            s.history.execute(edits.move_box(s.document, a["id"], [0.0, 0.0, 8.0, 8.0]))
        s.document.annotations_changed.disconnect(broken_view)
        assert [e.kind for e in s.store.journal()] == ["move_box"]
        assert s.history.can_undo
        s.history.undo()
        np.testing.assert_allclose(s.document.gt_object(a["id"])["bbox"], a["bbox"])


def test_a_journal_that_fails_to_commit_leaves_the_document_as_it_was(project):
    proj, _, gt = project
    a = gt["annotations"][0]

    class FailingJournal:
        read_only = False

        def transaction(self):
            import contextlib
            return contextlib.nullcontext()

        def append_command(self, *args):
            raise OSError(28, "No space left on device")

    with open_session(proj) as s:
        history = History(s.document, FailingJournal())
        seen = []
        s.document.annotations_changed.connect(seen.append)
        with pytest.raises(OSError):
            history.execute(edits.move_box(s.document, a["id"], [0.0, 0.0, 8.0, 8.0]))
        np.testing.assert_allclose(s.document.gt_object(a["id"])["bbox"], a["bbox"])
        assert not history.can_undo


def test_a_journalled_mask_the_document_refuses_is_set_aside_not_fatal(project):
    """A damaged journal entry (an RLE whose runs do not add up) never stops the opening."""
    from reviewer.io.store import open_review_store
    proj, g, gt = project
    image = gt["images"][0]
    bad = {"id": 9999, "category_id": gt["categories"][0]["id"], "bbox": [1.0, 1.0, 5.0, 5.0],
           "area": 25.0, "iscrowd": 0,
           "segmentation": {"size": [image["height"], image["width"]], "counts": [5, 10]}}
    with open_review_store(proj) as store:
        cmd = C.AddObject(image["id"], bad)
        store.append_command(str(image["id"]), cmd.kind, cmd.to_payload())
    with open_session(proj) as s:
        assert [c.command.kind for c in s.history.conflicts] == ["add_object"]
        assert "GT object 9999" in s.history.conflicts[0].reason
        assert s.document.find_gt(9999) is None
