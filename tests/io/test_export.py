"""`export`: fixed COCO round trip, subsets, atomicity, path safety, semantic masks, change log,
metrics against COCOeval / numpy oracles, and the HTML report."""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import re
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest
from pycocotools.coco import COCO

from reviewer.core import commands as C
from reviewer.io import export as export_mod
from reviewer.io.coco import load_coco_gt
from reviewer.io.export import ExportError, export
from reviewer.io.export_files import safe_join
from reviewer.io.project import new_project, save_project
from reviewer.io.report_thumbs import read_image
from reviewer.io.semantic import read_label_png, read_palette
from reviewer.io.session import open_session
from tests import synth

SAMPLE = Path(__file__).resolve().parents[2] / "sample_project"


def _tree_hashes(root: Path) -> dict:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and "review.sqlite" not in p.name
            and ".reviewer-cache" not in p.parts}  # the review and the project cache


def _make_project(tmp_path: Path, file_names=None) -> tuple[Path, dict, list]:
    """A detection project from generated COCO data with extra keys at every level."""
    gt, res = synth.make_dataset(5, 10, 3, 0.0, True, False, 6)
    gt = {"info": {"description": "synthetic", "version": "1"}, "licenses": [{"id": 1}], **gt}
    for k, im in enumerate(gt["images"]):
        im["license"] = 1
        if file_names is not None and k < len(file_names):
            im["file_name"] = file_names[k]
    for a in gt["annotations"]:
        a["attributes"] = {"occluded": a["id"] % 2 == 0}
    gt["categories"][0]["supercategory"] = "thing"
    data = tmp_path / "data"
    data.mkdir()
    g, p = synth.write(data, gt, res)
    images = data / "images"
    images.mkdir()
    first = gt["images"][1]
    cv2.imwrite(str(images / first["file_name"]), np.full((48, 64, 3), 128, np.uint8))
    project = new_project(tmp_path / "proj", images, "detection",
                          {"gt": g, "pred": p, "score_threshold": 0.3})
    save_project(project)
    return project.root, gt, res


@pytest.fixture()
def det(tmp_path):
    return _make_project(tmp_path)


def _edit(s) -> dict:
    """Relabel, move, delete, add and accept a prediction; -> what was done."""
    doc = s.document
    cats = doc.base.categories.ids.tolist()
    gt = doc.gt
    img = lambda r: doc.base.images.ids[gt.image_index[r]]  # noqa: E731
    a0, a1, a2 = (int(gt.ids[r]) for r in (0, 1, 2))
    o0, o1, o2 = doc.gt_object(a0), doc.gt_object(a1), doc.gt_object(a2)
    new_cat = next(c for c in cats if c != o0["category_id"])
    s.history.execute(C.Relabel(img(0), a0, {"category_id": o0["category_id"]},
                                {"category_id": new_cat}))
    box = [o1["bbox"][0] + 3, o1["bbox"][1], o1["bbox"][2], o1["bbox"][3]]
    s.history.execute(C.MoveBox(img(1), a1, {"bbox": o1["bbox"], "area": o1["area"]},
                                {"bbox": box, "area": box[2] * box[3]}))
    s.history.execute(C.DeleteObject(img(2), o2))
    image_id = doc.base.images.ids[4]
    added = {"id": doc.new_ann_id(), "category_id": cats[1], "bbox": [5.0, 6.0, 30.0, 40.0],
             "area": 1200.0, "iscrowd": 0}
    s.history.execute(C.AddObject(image_id, added))
    pr = int(doc.pred_rows(5)[0])
    pred = doc.base.pred
    pbox = [float(v) for v in pred.boxes[pr]]
    accepted = {"id": doc.new_ann_id(), "category_id": int(cats[pred.category_index[pr]]),
                "bbox": pbox, "area": pbox[2] * pbox[3], "iscrowd": 0,
                "accepted_from_prediction": int(pred.ids[pr])}
    s.history.execute(C.AcceptPrediction(doc.base.images.ids[5], int(pred.ids[pr]), accepted))
    return {"relabel": (a0, new_cat), "move": (a1, box), "delete": a2, "added": added,
            "accepted": accepted}


def _quiet_coco(path) -> COCO:
    with contextlib.redirect_stdout(io.StringIO()):
        return COCO(str(path))


def test_round_trip_keeps_the_file_and_applies_the_edits(det, tmp_path):
    root, gt, res = det
    before = _tree_hashes(tmp_path / "data")
    with open_session(root) as s:
        done = _edit(s)
        result = export(s, tmp_path / "out")
        doc = s.document
        out = tmp_path / "out" / "gt.json"
        data = json.loads(out.read_text())
        assert list(data) == list(gt)  # top-level keys in the original order
        assert data["info"] == gt["info"] and data["licenses"] == gt["licenses"]
        assert data["images"] == gt["images"] and data["categories"] == gt["categories"]
        coco = _quiet_coco(out)
        assert len(coco.getAnnIds()) == len(doc.gt)
        images, cats, table, problems = load_coco_gt(out)
        assert problems == []
        for name in ("ids", "image_index", "category_index", "boxes", "areas", "iscrowd"):
            np.testing.assert_array_equal(getattr(table, name), getattr(doc.gt, name))
        assert table.extra == doc.gt.extra
    assert result.images == len(gt["images"])
    edited = {done["relabel"][0], done["move"][0], done["delete"]}
    originals = [a for a in gt["annotations"] if a["id"] not in edited]
    by_id = {a["id"]: a for a in data["annotations"]}
    assert [a for a in data["annotations"] if a["id"] in {o["id"] for o in originals}] == originals
    assert done["delete"] not in by_id
    assert by_id[done["relabel"][0]]["category_id"] == done["relabel"][1]
    assert by_id[done["relabel"][0]]["attributes"] == next(
        a["attributes"] for a in gt["annotations"] if a["id"] == done["relabel"][0])
    assert by_id[done["move"][0]]["bbox"] == done["move"][1]
    tail = data["annotations"][-2:]
    assert [a["id"] for a in tail] == [done["added"]["id"], done["accepted"]["id"]]
    assert tail[1]["accepted_from_prediction"] == done["accepted"]["accepted_from_prediction"]
    assert [a["id"] for a in data["annotations"][:-2]] == [
        a["id"] for a in gt["annotations"] if a["id"] != done["delete"]]
    assert _tree_hashes(tmp_path / "data") == before


def test_metrics_before_and_after_equal_cocoeval(det, tmp_path):
    root, gt, res = det
    with open_session(root) as s:
        _edit(s)
        export(s, tmp_path / "out")
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    fixed = json.loads((tmp_path / "out" / "gt.json").read_text())
    before = synth.oracle(gt, res).stats[0]
    after = synth.oracle(fixed, res).stats[0]
    assert after != before  # the edits matter
    assert metrics["metric_before"] == pytest.approx(before, abs=1e-12)
    assert metrics["metric_after"] == pytest.approx(after, abs=1e-12)
    assert metrics["label_noise_share"] == pytest.approx((after - before) / (1 - before))


def test_subsets_reviewed_and_tagged(det, tmp_path):
    root, gt, _ = det
    ids = [im["id"] for im in gt["images"]]
    with open_session(root) as s:
        for i in (ids[2], ids[6]):
            s.history.execute(C.SetStatus(i, "unreviewed", "reviewed"))
        s.history.execute(C.SetImageTags(ids[3], (), ("blur",)))
        export(s, tmp_path / "rev", only_reviewed=True)
        export(s, tmp_path / "tag", tags=["Blur"])
        with pytest.raises(ExportError, match="unknown tag 'nope'"):
            export(s, tmp_path / "bad", tags=["nope"])
    for folder, keep in (("rev", {ids[2], ids[6]}), ("tag", {ids[3]})):
        data = json.loads((tmp_path / folder / "gt.json").read_text())
        assert [im["id"] for im in data["images"]] == [i for i in ids if i in keep]
        assert data["annotations"] == [a for a in gt["annotations"] if a["image_id"] in keep]
    assert not (tmp_path / "bad").exists()


def _leftovers(parent: Path) -> list[str]:
    return [p.name for p in parent.iterdir() if p.name.startswith(".")]


def test_refuses_a_non_empty_folder_even_forced_unless_an_export_made_it(det, tmp_path):
    root, _, _ = det
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with open_session(root) as s:
        for force in (False, True):
            with pytest.raises(ExportError, match="not made by a Reviewer export"):
                export(s, out, force=force)
        assert (out / "keep.txt").read_text() == "mine"
        (out / "keep.txt").unlink()
        export(s, out)
        (out / "extra.txt").write_text("added by hand")
        with pytest.raises(ExportError, match="earlier export"):
            export(s, out)
        export(s, out, force=True)
    assert not (out / "extra.txt").exists() and (out / "gt.json").is_file()
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("existing", [False, True])
def test_a_failure_midway_leaves_the_folder_untouched(det, tmp_path, monkeypatch, existing):
    root, _, _ = det
    out = tmp_path / "out"
    if existing:
        out.mkdir()
        (out / ".reviewer-export.json").write_text("{}")  # an earlier export
        (out / "keep.txt").write_text("mine")

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(export_mod, "write_csv", broken)  # after the dataset was written
    with open_session(root) as s, pytest.raises(RuntimeError, match="disk full"):
        export(s, out, force=True)
    if existing:
        assert sorted(p.name for p in out.iterdir()) == [".reviewer-export.json", "keep.txt"]
    else:
        assert not out.exists()
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("name", ["../../x.jpg", "/etc/x.png", "a/../../x.png", "C:\\x.png",
                                  "..\\..\\x.png", ""])
def test_safe_join_rejects_names_that_leave_the_folder(tmp_path, name):
    with pytest.raises(ExportError):
        safe_join(tmp_path, name)


def test_safe_join_keeps_names_inside(tmp_path):
    assert safe_join(tmp_path, "a/b.png") == (tmp_path / "a" / "b.png").resolve()


def test_traversal_file_names_write_nothing_outside(tmp_path):
    root, gt, _ = _make_project(tmp_path, ["../../x.jpg", str(tmp_path / "abs.jpg")])
    for target in (tmp_path / "x.jpg", tmp_path / "abs.jpg"):
        cv2.imwrite(str(target), np.zeros((8, 8, 3), np.uint8))
    images_dir = tmp_path / "data" / "images"
    assert (images_dir / "../../x.jpg").resolve() == (tmp_path / "x.jpg").resolve()
    assert read_image(images_dir, "../../x.jpg").pixels is None  # never read outside the folder
    assert read_image(images_dir, str(tmp_path / "abs.jpg")).pixels is None
    def written():  # the review store and the project cache belong to the project
        return {p for p in tmp_path.rglob("*") if "review.sqlite" not in p.name
                and ".reviewer-cache" not in p.parts}
    before = written()
    with open_session(root) as s:
        export(s, tmp_path / "out")
    after = written()
    assert all((tmp_path / "out") in p.parents or p == tmp_path / "out" for p in after - before)
    data = json.loads((tmp_path / "out" / "gt.json").read_text())
    assert [im["file_name"] for im in data["images"][:2]] == ["../../x.jpg", str(tmp_path / "abs.jpg")]


def _rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_changes_csv_describes_each_command(det, tmp_path):
    root, gt, _ = det
    names = {c["id"]: c["name"] for c in gt["categories"]}
    with open_session(root) as s:
        done = _edit(s)
        first = s.document.base.images.ids[0]
        s.history.execute(C.SetStatus(first, "unreviewed", "reviewed"))
        s.history.undo()  # the status
        s.history.undo()  # the accepted prediction
        user = s.store.user
        export(s, tmp_path / "out")
    rows = _rows(tmp_path / "out" / "changes.csv")
    changes = [r["change"] for r in rows]
    a0, new_cat = done["relabel"]
    old_cat = next(a["category_id"] for a in gt["annotations"] if a["id"] == a0)
    relabel = rows[0]
    assert relabel["change"] == f"relabel {names[old_cat]} -> {names[new_cat]}"
    assert (relabel["object"], relabel["old"], relabel["new"]) == (
        str(a0), names[old_cat], names[new_cat])
    assert relabel["who"] == user and relabel["when"]
    assert changes[1].startswith("move box [") and changes[2] == "delete object"
    assert changes[3] == "add object"
    pred_id = done["accepted"]["accepted_from_prediction"]
    assert changes[4] == f"accept prediction {pred_id}"
    assert [r["change"] for r in rows[5:]] == ["set status", "set status",
                                               f"undo: accept prediction {pred_id}"]
    assert (rows[5]["old"], rows[5]["new"], rows[6]["old"], rows[6]["new"]) == (
        "unreviewed", "reviewed", "reviewed", "unreviewed")
    assert rows[7]["old"] != "" and rows[7]["new"] == ""  # undo swaps old and new


def test_report_is_self_contained_with_every_section(det, tmp_path):
    root, gt, _ = det
    stages = []
    with open_session(root) as s:
        s.history.execute(C.SetImageTags(gt["images"][0]["id"], (), ("blur",)))
        export(s, tmp_path / "out", progress=lambda st, d, t: stages.append((st, d, t)))
    text = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    for section in ("per class, before and after corrections", "Confusion matrix",
                    "Failure tags", "worst images", "label noise share", "Definitions"):
        assert section.lower() in text.lower()
    assert not re.search(r"https?://", text)
    assert not re.search(r"""(src|href)=["'](?!data:)""", text)
    pngs = re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", text)
    assert len(pngs) == 3 + min(20, len(gt["images"]))  # 3 charts + thumbnails
    assert "blur" in text
    assert {st for st, _, _ in stages} >= {"dataset", "changes", "metrics", "report"}
    assert all(0 <= d <= t for _, d, t in stages)
    tag_rows = _rows(tmp_path / "out" / "tag_stats.csv")
    stats = json.loads((tmp_path / "out" / "tag_stats.json").read_text())
    assert [r["tag"] for r in tag_rows] == list(stats["tags"])
    assert int(next(r for r in tag_rows if r["tag"] == "blur")["images"]) == 1


@pytest.fixture()
def semantic_project(tmp_path):
    dst = tmp_path / "sample"
    shutil.copytree(SAMPLE, dst, ignore=shutil.ignore_patterns(
        "review.sqlite*", "*.py", "__pycache__"))
    return dst


def _numpy_miou(pairs, k: int, ignore: int) -> float:
    inter = np.zeros(k)
    union = np.zeros(k)
    for gt, pred in pairs:
        valid = gt != ignore
        for c in range(k):
            g, p = (gt == c) & valid, (pred == c) & valid
            inter[c] += (g & p).sum()
            union[c] += (g | p).sum()
    iou = np.where(union > 0, inter / np.maximum(union, 1), np.nan)
    return float(np.nanmean(iou))


def test_semantic_export_writes_painted_masks_and_copies_the_rest(semantic_project, tmp_path):
    before = _tree_hashes(semantic_project)
    with open_session(semantic_project, "segmentation") as s:
        doc, ds = s.document, s.data.dataset
        i = doc.image_row("street_007")
        gt, pred = doc.masks(i)
        road = ds.class_names.index("road")
        fix = np.where((pred == road) & (gt != ds.ignore_index), road, gt)
        s.history.execute(C.PaintMask("street_007", 0, 0, C.encode_patch(gt), C.encode_patch(fix)))
        export(s, tmp_path / "out")
        k, ignore = ds.num_classes, ds.ignore_index
        pred_paths = list(ds.pred_paths)
    masks = tmp_path / "out" / "masks"
    gt_dir = semantic_project / "semantic" / "gt"
    painted = masks / "street_007.png"
    np.testing.assert_array_equal(read_label_png(painted), fix)
    assert read_palette(painted) == read_palette(gt_dir / "street_007.png") is not None
    for src in sorted(gt_dir.glob("*.png")):
        if src.name != "street_007.png":
            assert (masks / src.name).read_bytes() == src.read_bytes()
    assert _tree_hashes(semantic_project) == before
    rows = _rows(tmp_path / "out" / "changes.csv")
    assert rows[0]["change"].startswith(f"paint {int((fix != gt).sum())} px as road")
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    pairs = [(read_label_png(m), read_label_png(p))
             for m, p in zip(sorted(masks.glob("*.png")), pred_paths, strict=True)]
    assert metrics["metric_after"] == pytest.approx(_numpy_miou(pairs, k, ignore))
    originals = [(read_label_png(g), p) for g, (_, p) in zip(sorted(gt_dir.glob("*.png")), pairs,
                                                             strict=True)]
    assert metrics["metric_before"] == pytest.approx(_numpy_miou(originals, k, ignore))


def test_entries_the_loader_rejected_are_reported_not_exported(tmp_path):
    root, gt, _ = _make_project(tmp_path)
    bad = dict(gt["annotations"][0], id=10_000, bbox=[1.0, 2.0, -5.0, 4.0])
    gt["annotations"].append(bad)
    (tmp_path / "data" / "gt.json").write_text(json.dumps(gt))
    with open_session(root) as s:
        result = export(s, tmp_path / "out")
    data = json.loads((tmp_path / "out" / "gt.json").read_text())
    assert [a["id"] for a in data["annotations"]] == [a["id"] for a in gt["annotations"][:-1]]
    assert [(p.entry, p.severity) for p in result.problems] == [("annotations", "warning")]
    assert "1 of" in result.problems[0].message
