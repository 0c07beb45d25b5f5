"""Classification inputs: CSV / Parquet / ImageFolder GT, the three prediction layouts, classes,
and bad input listed per row (file + line) without a crash."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from reviewer.core.problems import InputError
from reviewer.tasks.classification.load import load_classification, read_sizes
from reviewer.tasks.classification.pred_input import TOLERANCE


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def _messages(ds):
    return [str(p) for p in ds.problems]


def _one(ds, needle):
    hits = [m for m in _messages(ds) if needle in m]
    assert len(hits) == 1, (needle, _messages(ds))
    return hits[0]


@pytest.fixture
def simple(tmp_path):
    gt = _write(tmp_path / "gt.csv", "image,label,fruit_id\na.jpg,cat,1\nb.jpg,dog,2\n"
                "sub\\c.jpg,cat,3\n./d.jpg,bird,4\n")
    pred = _write(tmp_path / "pred.csv", "image,cat,dog,bird,model\na.jpg,0.7,0.2,0.1,m1\n"
                  "b.jpg,0.3,0.6,0.1,m1\nsub/c.jpg,0.1,0.8,0.1,m2\nd.jpg,0.2,0.2,0.6,m2\n")
    return gt, pred


def test_probability_columns_in_file_order_and_keys_normalised(simple):
    ds = load_classification(*simple)
    assert ds.problems == []
    assert ds.class_names.tolist() == ["cat", "dog", "bird"]
    assert ds.images.ids.tolist() == ["a.jpg", "b.jpg", "sub/c.jpg", "d.jpg"]
    assert ds.targets.tolist() == [0, 1, 0, 2]
    assert ds.top1.tolist() == [0, 1, 1, 2]
    assert ds.probs.dtype == np.float32 and ds.probs.shape == (4, 3)
    assert ds.gt_extra["fruit_id"].tolist() == ["1", "2", "3", "4"]
    assert ds.pred_extra["model"].tolist() == ["m1", "m1", "m2", "m2"]
    assert ds.gt_columns == ("image", "label", "fruit_id")


def test_parquet_inputs_equal_csv_inputs(simple, tmp_path):
    gt, pred = simple
    pd.read_csv(gt).to_parquet(tmp_path / "gt.parquet")
    pd.read_csv(pred).to_parquet(tmp_path / "pred.parquet")
    a = load_classification(gt, pred)
    b = load_classification(tmp_path / "gt.parquet", tmp_path / "pred.parquet")
    assert a.images.ids.tolist() == b.images.ids.tolist()
    assert np.array_equal(a.probs, b.probs) and np.array_equal(a.targets, b.targets)


def test_bad_rows_are_listed_with_their_line_and_the_rest_loads(tmp_path):
    gt = _write(tmp_path / "gt.csv", "image,label\n" + "".join(
        f"i{j}.jpg,{'ab'[j % 2]}\n" for j in range(10)) + ",a\ni0.jpg,b\ni1.jpg,b\ni11.jpg,\n")
    rows = ["i0.jpg,0.5,0.5", "i1.jpg,nan,1", "i2.jpg,-0.1,1.1", "i3.jpg,1.2,0.1",
            "i4.jpg,0.3,0.3", f"i5.jpg,0.5,{0.5 + TOLERANCE / 2}", "i6.jpg,abc,0.5",
            "nowhere.jpg,0.5,0.5", "i0.jpg,0.1,0.9", "i7.jpg,0.2,0.8,9", "i8.jpg,0.9,0.1"]
    pred = _write(tmp_path / "pred.csv", "image,a,b\n" + "\n".join(rows) + "\n")
    ds = load_classification(gt, pred)
    assert "line 12" in _one(ds, "no image name")
    assert "line 13" in _one(ds, "labelled again")  # i0 with another label
    assert "line 14" in _one(ds, "listed again")  # i1 with the same label
    assert "line 15" in _one(ds, "has no label")
    assert "line 3" in _one(ds, "'i1.jpg': a probability is missing or NaN")
    assert "line 4" in _one(ds, "'i2.jpg': a probability is negative")
    assert "line 5" in _one(ds, "'i3.jpg': a probability is above 1")
    assert "line 6" in _one(ds, "'i4.jpg': the probabilities do not sum to 1")
    assert "line 8" in _one(ds, "'i6.jpg': the probability of 'a' is not a number")
    assert "line 9" in _one(ds, "unknown image 'nowhere.jpg'")
    assert "line 10" in _one(ds, "'i0.jpg' has a prediction already")
    assert "line 11" in _one(ds, "4 fields where the header has 3")
    unpredicted = [m for m in _messages(ds) if "has no prediction" in m]
    assert sorted(m.split("'")[1] for m in unpredicted) == ["i11.jpg", "i7.jpg", "i9.jpg"]
    row = {k: i for i, k in enumerate(ds.images.ids.tolist())}
    kept = [row[f"i{j}.jpg"] for j in (0, 5, 8)]
    assert (ds.top1[kept] >= 0).all()
    assert np.allclose(ds.probs[row["i5.jpg"]].sum(), 1.0, atol=1e-6)  # renormalised
    dropped = [row[f"i{j}.jpg"] for j in (1, 2, 3, 4, 6, 7, 9)]
    assert (ds.top1[dropped] == -1).all() and np.isnan(ds.probs[dropped]).all()
    assert ds.targets[row["i11.jpg"]] == -1


def test_line_numbers_count_skipped_and_blank_lines(tmp_path):
    gt = _write(tmp_path / "gt.csv", "image,label\na.jpg,x\nb.jpg,y\nc.jpg,x\nd.jpg,y\n")
    pred = _write(tmp_path / "pred.csv",
                  "image,x,y\na.jpg,0.5,0.5\n\nb.jpg,1,2,3\nc.jpg,0.5,0.4\nd.jpg,2,0\n")
    ds = load_classification(gt, pred)
    assert "line 4" in _one(ds, "4 fields")
    assert "line 5" in _one(ds, "'c.jpg': the probabilities do not sum")
    assert "line 6" in _one(ds, "'d.jpg': a probability is above 1")


def test_prefixed_columns_classes_file_and_missing_class_column(tmp_path):
    gt = _write(tmp_path / "gt.csv", "image,label\na.jpg,mold\nb.jpg,no mold\nc.jpg,rotten\n")
    pred = _write(tmp_path / "pred.csv", "image,p_no mold,p_mold,mold\na.jpg,0.2,0.8,7\n"
                  "b.jpg,0.9,0.1,7\nc.jpg,0.5,0.5,7\n")
    classes = _write(tmp_path / "classes.txt", "no mold\nmold\nrotten\n")
    ds = load_classification(gt, pred, classes=classes)
    assert ds.class_names.tolist() == ["no mold", "mold", "rotten"]
    assert ds.probs[:, 2].tolist() == [0, 0, 0]
    assert next(p.severity for p in ds.problems if "'rotten'" in p.message) == "warning"
    assert "mold" in ds.pred_extra  # the unprefixed column is an extra column


def test_unknown_class_in_gt_with_a_classes_file_is_kept_unlabelled(tmp_path):
    gt = _write(tmp_path / "gt.csv", "image,label\na.jpg,cat\nb.jpg,cow\n")
    pred = _write(tmp_path / "pred.csv", "image,cat,dog\na.jpg,1,0\nb.jpg,0,1\n")
    classes = _write(tmp_path / "classes.json", '["cat", "dog"]')
    ds = load_classification(gt, pred, classes=classes)
    assert "line 3" in _one(ds, "label 'cow' is not a class")
    assert ds.targets.tolist() == [0, -1] and ds.gt_text.tolist() == [None, "cow"]


def test_top1_layout(tmp_path):
    gt = _write(tmp_path / "gt.csv", "image,label\na.jpg,cat\nb.jpg,dog\nc.jpg,bird\n")
    pred = _write(tmp_path / "pred.csv", "image,label,score\na.jpg,cat,0.9\nb.jpg,cat,0.6\n"
                  "c.jpg,cow,0.5\n")
    ds = load_classification(gt, pred)
    assert ds.probs is None
    assert ds.class_names.tolist() == ["bird", "cat", "cow", "dog"]
    assert ds.top1.tolist() == [1, 1, 2]
    assert ds.top1_score.tolist() == pytest.approx([0.9, 0.6, 0.5])


def test_top1_with_two_classes_gives_the_distribution(tmp_path):
    gt = _write(tmp_path / "gt.csv", "image,label\na.jpg,mold\nb.jpg,ok\n")
    pred = _write(tmp_path / "pred.csv", "image,label,score\na.jpg,mold,0.9\nb.jpg,mold,0.7\n")
    ds = load_classification(gt, pred)
    assert np.allclose(ds.probs, [[0.9, 0.1], [0.7, 0.3]])


def test_binary_probability_column_needs_the_positive_class(tmp_path):
    gt = _write(tmp_path / "gt.csv", "image,label\na.jpg,mold\nb.jpg,no mold\n")
    pred = _write(tmp_path / "pred.csv", "image,probability\na.jpg,0.8\nb.jpg,0.3\n")
    with pytest.raises(InputError, match="positive"):
        load_classification(gt, pred)
    ds = load_classification(gt, pred, positive="mold")
    assert ds.class_names.tolist() == ["mold", "no mold"] and ds.positive == 0
    assert ds.probs[:, 0].tolist() == pytest.approx([0.8, 0.3])
    with pytest.raises(InputError, match="not a class"):
        load_classification(gt, pred, positive="rot")


def test_image_folder_tree_as_gt_and_images(tmp_path):
    root = tmp_path / "data"
    for cls, files in {"mold": ["a.jpg", "x/b.png"], "no mold": ["c.jpg"], "empty": []}.items():
        for f in files:
            (root / cls / f).parent.mkdir(parents=True, exist_ok=True)
            (root / cls / f).write_bytes(b"not really")
        (root / cls).mkdir(parents=True, exist_ok=True)
    (root / "loose.jpg").write_bytes(b"x")
    (root / "mold" / "notes.txt").write_text("skip me")
    ds = load_classification(root, images_dir=root)
    assert ds.class_names.tolist() == ["empty", "mold", "no mold"]
    assert ds.images.ids.tolist() == ["loose.jpg", "mold/a.jpg", "mold/x/b.png", "no mold/c.jpg"]
    assert ds.targets.tolist() == [-1, 1, 1, 2]
    pred = _write(tmp_path / "pred.csv", "image,mold,no mold,empty\na.jpg,0.9,0.1,0\n"
                  "no mold/c.jpg,0.2,0.8,0\n")
    ds = load_classification(root, pred, images_dir=root)
    assert ds.top1.tolist() == [-1, 0, -1, 1]  # a.jpg matched by its file name


def test_prediction_only_image_found_in_the_images_folder_is_kept_unlabelled(tmp_path):
    images = tmp_path / "images"
    images.mkdir()
    for name in ("a.jpg", "b.jpg", "extra.jpg"):
        (images / name).write_bytes(b"x")
    gt = _write(tmp_path / "gt.csv", "image,label\na.jpg,x\nb.jpg,y\n")
    pred = _write(tmp_path / "pred.csv", "image,x,y\na.jpg,1,0\nb.jpg,0,1\nextra.jpg,0.4,0.6\n"
                  "ghost.jpg,1,0\n")
    ds = load_classification(gt, pred, images_dir=images)
    assert ds.images.ids.tolist() == ["a.jpg", "b.jpg", "extra.jpg"]
    assert ds.targets.tolist() == [0, 1, -1] and ds.top1.tolist() == [0, 1, 1]
    assert ds.gt_images == 2
    assert "line 4" in _one(ds, "'extra.jpg' is not in the ground truth; kept")
    assert "line 5" in _one(ds, "unknown image 'ghost.jpg'")


@pytest.mark.parametrize(("gt_text", "pred_text", "match"), [
    ("image,label\n", "image,a\nx,1\n", "no rows"),
    ("file,label\na.jpg,x\n", "image,x\na.jpg,1\n", "no 'image' column"),
    ("image,label\na.jpg,x\n", "image,foo\na.jpg,1\n", "no probability column"),
    ("image,label\na.jpg,x\n", "image,x\nb.jpg,1\nc.jpg,1\n", "none of its 2 rows"),
    ("image,label\na.jpg,x\nb.jpg,y\n", "image,x,y\na.jpg,3,0\nb.jpg,0,5\n", "none of its 2 rows"),
])
def test_nothing_usable_is_an_input_error(tmp_path, gt_text, pred_text, match):
    gt = _write(tmp_path / "gt.csv", gt_text)
    pred = _write(tmp_path / "pred.csv", pred_text)
    with pytest.raises(InputError, match=match):
        load_classification(gt, pred)


@pytest.mark.parametrize("content", [b"\x00\x01\x02binary\xff\xfe", b"", b"\xef\xbb\xbf"])
def test_unreadable_tables_are_input_errors(tmp_path, content):
    (tmp_path / "gt.csv").write_bytes(content)
    with pytest.raises(InputError, match="gt.csv"):
        load_classification(tmp_path / "gt.csv")


def test_missing_files_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="not found"):
        load_classification(tmp_path / "nope.csv")
    gt = _write(tmp_path / "gt.csv", "image,label\na.jpg,x\n")
    with pytest.raises(InputError, match="not found"):
        load_classification(gt, tmp_path / "nope.parquet")
    with pytest.raises(InputError, match="not found"):
        load_classification(gt, classes=tmp_path / "nope.txt")


def test_bom_and_repeated_columns(tmp_path):
    gt = tmp_path / "gt.csv"
    gt.write_bytes("\ufeffimage,label,label\na.jpg,x,y\n".encode())
    ds = load_classification(gt)
    assert ds.targets.tolist() == [0] and ds.class_names.tolist() == ["x"]
    assert ds.gt_extra["label (2)"].tolist() == ["y"]


def test_sizes_are_read_from_headers_on_demand(tmp_path):
    import cv2
    cv2.imwrite(str(tmp_path / "a.png"), np.zeros((30, 40, 3), np.uint8))
    gt = _write(tmp_path / "gt.csv", "image,label\na.png,x\nmissing.png,x\n")
    ds = load_classification(gt, images_dir=tmp_path)
    assert ds.images.widths.tolist() == [0, 0]
    assert "image file not found" in _one(ds, "missing.png")
    w, h = read_sizes(ds, tmp_path, [0, 1])
    assert w.tolist() == [40, 0] and h.tolist() == [30, 0]


def test_top1_rows_with_unknown_classes_or_bad_scores(tmp_path):
    gt = _write(tmp_path / "gt.csv", "image,label\na.jpg,cat\nb.jpg,dog\nc.jpg,bird\nd.jpg,cat\n"
                "e.jpg,dog\n")
    classes = _write(tmp_path / "classes.txt", "cat\ndog\nbird\n")
    pred = _write(tmp_path / "pred.csv", "image,label,score\na.jpg,cat,0.9\nb.jpg,cow,0.6\n"
                  "c.jpg,,0.5\nd.jpg,cat,1.5\ne.jpg,dog,\n")
    ds = load_classification(gt, pred, classes=classes)
    assert "line 3" in _one(ds, "predicted class 'cow' is not a class")
    assert "line 4" in _one(ds, "no predicted class")
    bad = [m for m in _messages(ds) if "the score is missing" in m]
    assert [m.split(": ")[1] for m in bad] == ["line 5", "line 6"]
    assert ds.top1.tolist() == [0, -1, -1, -1, -1]


def test_looks_like_gt(tmp_path):
    from reviewer.tasks.classification.load import looks_like_gt
    tree = tmp_path / "tree"
    (tree / "mold").mkdir(parents=True)
    (tree / "mold" / "a.jpg").write_bytes(b"x")
    masks = tmp_path / "masks"
    masks.mkdir()
    (masks / "a.png").write_bytes(b"x")
    (masks / "b.png").write_bytes(b"x")
    table = _write(tmp_path / "gt.csv", "image,label\n")
    assert looks_like_gt(tree) and looks_like_gt(table)
    assert looks_like_gt(tmp_path / "gt.parquet") is False  # missing
    assert not looks_like_gt(masks) and not looks_like_gt(_write(tmp_path / "gt.json", "{}"))


def test_parquet_rows_are_named_by_row(tmp_path):
    pd.DataFrame({"image": ["a.jpg", "b.jpg", "c.jpg"], "label": ["x", "y", "x"]}).to_parquet(
        tmp_path / "gt.parquet")
    pd.DataFrame({"image": ["a.jpg", "b.jpg", "c.jpg"], "x": [0.9, 0.5, -1.0],
                  "y": [0.1, 0.9, 2.0]}).to_parquet(tmp_path / "pred.parquet")
    ds = load_classification(tmp_path / "gt.parquet", tmp_path / "pred.parquet")
    assert "row 2" in _one(ds, "'b.jpg': the probabilities do not sum")
    assert "row 3" in _one(ds, "'c.jpg': a probability is negative")
