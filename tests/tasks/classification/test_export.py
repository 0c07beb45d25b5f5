"""Export of a classification review: fixed labels (original columns kept), the ImageFolder
tree confined to the export folder, change rows, metrics before and after."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from reviewer.io.export_files import ExportError
from reviewer.tasks.classification.commands import SetLabel
from reviewer.tasks.classification.document import ClassificationDocument
from reviewer.tasks.classification.export import (
    before_after,
    describe_change,
    label_rows,
    write_image_folder,
    write_labels_csv,
)
from reviewer.tasks.classification.load import load_classification


@pytest.fixture
def project(tmp_path):
    images = tmp_path / "images"
    (images / "sub").mkdir(parents=True)
    for name in ("a.jpg", "b.jpg", "sub/a.jpg", "extra.jpg", "new.jpg"):
        (images / name).write_bytes(name.encode())
    (tmp_path / "gt.csv").write_text("image,label,fruit_id,note\na.jpg,mold,7,=cmd()\n"
                                     "b.jpg,ok,7,\nsub/a.jpg,mold,8,x\nextra.jpg,rotten,9,y\n")
    (tmp_path / "classes.txt").write_text("ok\nmold\n")
    (tmp_path / "pred.csv").write_text("image,ok,mold\na.jpg,0.1,0.9\nb.jpg,0.2,0.8\n"
                                       "sub/a.jpg,0.6,0.4\nextra.jpg,0.5,0.5\nnew.jpg,0.3,0.7\n")
    ds = load_classification(tmp_path / "gt.csv", tmp_path / "pred.csv", images,
                             tmp_path / "classes.txt")
    return ClassificationDocument(ds), images, tmp_path


def test_fixed_labels_keep_the_original_columns(project):
    doc, _, tmp = project
    SetLabel("b.jpg", "ok", "mold").redo(doc)
    SetLabel("new.jpg", None, "ok").redo(doc)
    header, rows = label_rows(doc)
    assert header == ["image", "label", "fruit_id", "note"]
    assert rows == [["a.jpg", "mold", "7", "=cmd()"], ["b.jpg", "mold", "7", ""],
                    ["sub/a.jpg", "mold", "8", "x"], ["extra.jpg", "rotten", "9", "y"],
                    ["new.jpg", "ok", "", ""]]
    path = write_labels_csv(tmp / "out", doc)
    with open(path, newline="", encoding="utf-8") as fh:
        written = list(csv.reader(fh))
    assert written[1] == ["a.jpg", "mold", "7", "'=cmd()"]  # formula-safe


def test_image_folder_tree_of_links_or_copies(project):
    doc, images, tmp = project
    SetLabel("extra.jpg", None, "ok").redo(doc)
    for mode in ("symlink", "copy", "hardlink"):
        out = tmp / f"out_{mode}"
        out.mkdir()
        summary = write_image_folder(out, doc, images, mode=mode)
        assert summary == {"written": 4, "unlabeled": 1, "missing": []}
        tree = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.jpg"))
        assert tree == ["images_by_class/mold/a.jpg", "images_by_class/mold/sub__a.jpg",
                        "images_by_class/ok/b.jpg", "images_by_class/ok/extra.jpg"]
        assert (out / "images_by_class/mold/sub__a.jpg").read_bytes() == b"sub/a.jpg"
        assert (out / "images_by_class/mold/a.jpg").is_symlink() == (mode == "symlink")
    (images / "sub" / "a.jpg").unlink()
    (tmp / "out_missing").mkdir()
    summary = write_image_folder(tmp / "out_missing", doc, images)
    assert summary["written"] == 3 and summary["missing"] == ["sub/a.jpg"]


def test_image_folder_never_leaves_the_export_folder(project):
    doc, images, tmp = project
    doc.base.class_names[0] = "../escape"
    with pytest.raises(ExportError):
        write_image_folder(tmp / "out", doc, images)
    with pytest.raises(ExportError):
        write_image_folder(tmp / "out", doc, images, folder="../x")
    assert not (tmp / "escape").exists() and not (tmp / "x").exists()


def test_change_rows_and_noise_share(project):
    doc, _, _ = project
    assert describe_change(SetLabel("b.jpg", "ok", "mold")) == [
        "b.jpg", "", "relabel ok -> mold", "ok", "mold"]
    assert describe_change(SetLabel("n.jpg", None, "ok"))[2] == "relabel (no label) -> ok"
    SetLabel("sub/a.jpg", "mold", "ok").redo(doc)  # the model was right: the label was wrong
    out = before_after(doc)
    wrong_before = 1 - out["before"]["overall"]["accuracy"]
    wrong_after = 1 - out["after"]["overall"]["accuracy"]
    assert out["label_noise_share"] == pytest.approx((wrong_before - wrong_after) / wrong_before)
    assert np.isclose(out["label_noise_share"], 1 / 2)
