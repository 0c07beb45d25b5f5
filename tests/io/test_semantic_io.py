"""Loading semantic datasets: ADE20K sample, class files, label PNGs, malformed inputs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from reviewer.core.semantic import evaluate, image_table, score_image
from reviewer.io.semantic import (
    default_color,
    load_classes,
    load_semantic,
    read_label,
    read_label_png,
    read_palette,
    score_semantic,
    write_label_png,
)

ADE = Path(__file__).resolve().parents[1] / "data" / "ade20k_sample"
VOC_PALETTE = [v for i in range(256) for v in default_color(i)]


def _ade():
    return load_semantic(ADE / "images", ADE / "annotations", ADE / "predictions",
                         ADE / "objectInfo150.txt", ignore_index=0)


def _ade_oracle_miou_all():
    """ADE20K devkit rule, plain numpy: GT 0 excluded, classes 1..150, absent classes IoU 0."""
    mat = np.zeros((151, 151), np.int64)
    for gt_file in sorted((ADE / "annotations").glob("*.png")):
        gt = _read(gt_file).astype(np.int64).ravel()
        pred = _read(ADE / "predictions" / gt_file.name).astype(np.int64).ravel()
        keep = gt > 0
        np.add.at(mat, (gt[keep], pred[keep]), 1)
    inter = np.diag(mat)[1:]
    union = mat.sum(0)[1:] + mat.sum(1)[1:] - inter
    iou = np.where(union > 0, inter / np.maximum(union, 1), 0.0)
    return iou.mean(), inter.sum() / mat[1:].sum()


@pytest.mark.realdata
def test_ade20k_sample_scores():
    ds = _ade()
    assert ds.problems == []
    assert list(ds.images.ids) == [f"ADE_val_0000000{i}" for i in (1, 2, 3)]
    assert ds.num_classes == 151
    sizes = [_size(ADE / "images" / f) for f in ds.images.file_names]
    assert list(zip(ds.images.widths, ds.images.heights, strict=True)) == sizes
    stack, problems = score_semantic(ds)
    assert problems == []
    ev = evaluate(stack, None, ds.ignore_index)
    miou_all, acc = _ade_oracle_miou_all()
    assert ev.pixel_acc == acc == 1.0
    assert ev.miou == 1.0
    assert ev.miou_all == pytest.approx(miou_all)
    assert miou_all == pytest.approx(0.1)  # the devkit README's published number
    table = image_table(stack, ds.images.ids, ds.images.file_names, ds.class_names, 0)
    np.testing.assert_array_equal(table["miou"], [1.0, 1.0, 1.0])
    assert "iou_wall" in table and "iou_class_0" not in table


@pytest.mark.realdata
def test_ade20k_class_files_txt_and_csv_agree():
    names, colors, problems, _ = load_classes(ADE / "objectInfo150.txt")
    assert problems == [] and colors is None
    lines = (ADE / "objectInfo150.txt").read_text().splitlines()[1:]
    expected = {int(ln.split("\t")[0]): ln.split("\t")[4].split(",")[0].strip() for ln in lines}
    assert len(names) == max(expected) + 1 == 151
    assert {i: names[i] for i in expected} == expected
    assert names[2] == expected[2] != "building, edifice"
    csv_names, _, csv_problems, _ = load_classes(ADE / "objectInfo150.csv")
    assert csv_problems == [] and len(csv_names) == 151
    # the upstream CSV writes spaces as ';' too ("chest;of;drawers;chest;..."), so multi-word
    # names keep only their first word there; single-word names agree with the .txt
    rows = [ln.split(",") for ln in (ADE / "objectInfo150.csv").read_text().splitlines()[1:]]
    assert {int(r[0]): csv_names[int(r[0])] for r in rows} == {
        int(r[0]): r[5].split(";")[0] for r in rows}
    single = [i for i in expected if " " not in expected[i]]
    assert len(single) > 100 and all(csv_names[i] == names[i] for i in single)


def test_classes_json_object_with_gaps_and_colors(tmp_path):
    path = tmp_path / "classes.json"
    path.write_text(json.dumps({"0": "road", "3": {"name": "car", "color": [0, 0, 142]},
                                "x": "bad"}))
    names, colors, problems, _ = load_classes(path)
    assert names == ["road", "class_1", "class_2", "car"]
    assert colors[3] == (0, 0, 142) and colors[1] == default_color(1)
    assert [p.entry for p in problems] == ["['x']"]
    assert str(path) in str(problems[0])


def test_classes_json_list_forms(tmp_path):
    path = tmp_path / "c.json"
    path.write_text(json.dumps(["sky", "tree"]))
    assert load_classes(path)[:2] == (["sky", "tree"], None)
    path.write_text(json.dumps([{"name": "sky", "color": [1, 2, 3]},
                                {"name": "tree", "color": [4, 5]}]))
    names, colors, problems, _ = load_classes(path)
    assert names == ["sky", "tree"] and colors == [(1, 2, 3), default_color(1)]
    assert problems[0].severity == "warning" and problems[0].entry == "[1]"
    path.write_text(json.dumps({"categories": [{"id": 2, "name": "person"}]}))
    assert load_classes(path)[0] == ["class_0", "class_1", "person"]


def test_classes_text_lines(tmp_path):
    path = tmp_path / "classes.txt"
    path.write_text("# name r g b\nbackground 0 0 0\n\ntraffic light 250 170 30\nperson\n")
    names, colors, problems, _ = load_classes(path)
    assert problems == []
    assert names == ["background", "traffic light", "person"]
    assert colors == [(0, 0, 0), (250, 170, 30), default_color(2)]
    path.write_text("cat\ndog\n")
    assert load_classes(path)[:2] == (["cat", "dog"], None)


def test_classes_bad_files(tmp_path):
    path = tmp_path / "classes.json"
    path.write_text("{not json")
    names, _, problems, _ = load_classes(path)
    assert names == [] and str(path) in str(problems[0]) and "JSON" in problems[0].message
    missing = tmp_path / "nope.txt"
    assert str(missing) in str(load_classes(missing)[2][0])
    path.write_text(json.dumps([{"id": 1, "name": "a"}, {"id": 1, "name": "b"}]))
    names, _, problems, _ = load_classes(path)
    assert names == ["class_0", "a"] and "given twice" in problems[0].message


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_grey_round_trip(tmp_path, dtype):
    rng = np.random.default_rng(1)
    mask = rng.integers(0, np.iinfo(dtype).max, (17, 23)).astype(dtype)
    write_label_png(tmp_path / "m.png", mask)
    back = read_label_png(tmp_path / "m.png")
    assert back.dtype == dtype
    np.testing.assert_array_equal(back, mask)
    assert [p.name for p in tmp_path.iterdir()] == ["m.png"]  # no temp file left


def test_palette_round_trip(tmp_path):
    rng = np.random.default_rng(2)
    mask = rng.integers(0, 21, (30, 40)).astype(np.uint8)
    mask[:3] = 255
    write_label_png(tmp_path / "p.png", mask, palette=VOC_PALETTE)
    with Image.open(tmp_path / "p.png") as im:
        assert im.mode == "P"
    np.testing.assert_array_equal(read_label_png(tmp_path / "p.png"), mask)
    assert read_palette(tmp_path / "p.png") == tuple(VOC_PALETTE)
    # palette indices are classes even when two entries share a colour
    dup = list(VOC_PALETTE)
    dup[3:6] = dup[6:9]
    write_label_png(tmp_path / "d.png", mask, palette=dup)
    np.testing.assert_array_equal(read_label_png(tmp_path / "d.png"), mask)


def test_rgb_mask_mapped_through_colors(tmp_path):
    colors = [(0, 0, 0), (128, 64, 128), (220, 20, 60)]
    idx = np.random.default_rng(3).integers(0, 3, (9, 11))
    rgb = np.asarray(colors, np.uint8)[idx]
    Image.fromarray(rgb).save(tmp_path / "c.png")
    np.testing.assert_array_equal(read_label_png(tmp_path / "c.png", colors), idx)
    mask, problems = read_label(tmp_path / "c.png", 3, 255, None, image_id="c")
    assert mask is None and "no colours" in problems[0].message
    mask, problems = read_label(tmp_path / "c.png", 2, 255, colors[:2], image_id="c")
    assert mask is None and "(220, 20, 60)" in problems[0].message
    assert str(tmp_path / "c.png") in str(problems[0])


def _read(path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im)


def _size(path) -> tuple[int, int]:
    with Image.open(path) as im:
        return im.size


def _make(tmp_path, names_sizes, gt=None, pred=None, value=1, mode="L"):
    """Images name -> (w, h); GT/pred masks for the given names, filled with ``value``."""
    for folder in ("img", "gt", "pred"):
        (tmp_path / folder).mkdir(exist_ok=True)
    for name, (w, h) in names_sizes.items():
        Image.new("RGB", (w, h)).save(tmp_path / "img" / f"{name}.jpg")
    for folder, entries in (("gt", gt), ("pred", pred)):
        for name, (w, h) in (entries or {}).items():
            mask = np.full((h, w), value, np.uint8)
            write_label_png(tmp_path / folder / f"{name}.png", mask,
                            VOC_PALETTE if mode == "P" else None)
    return tmp_path / "img", tmp_path / "gt", tmp_path / "pred"


def test_missing_and_orphan_files(tmp_path):
    dirs = _make(tmp_path, {"a": (8, 6), "b": (8, 6)}, gt={"a": (8, 6), "b": (8, 6),
                                                          "orphan": (8, 6)}, pred={"a": (8, 6)})
    ds = load_semantic(*dirs, ignore_index=255)
    by = {(p.entry, p.file): p for p in ds.problems}
    assert list(ds.images.ids) == ["a", "b"]
    assert ds.pred_paths[1] is None and ds.gt_paths[1] is not None
    missing = by[("image b", str(dirs[2]))]
    assert missing.severity == "warning" and "b.png" in missing.message
    orphan = by[("", str(dirs[1] / "orphan.png"))]
    assert "without an image" in orphan.message
    assert ds.num_classes == 2  # inferred: largest value 1


def test_size_mismatch_is_a_problem_naming_the_mask(tmp_path):
    dirs = _make(tmp_path, {"ADE_val_1": (640, 480)}, gt={"ADE_val_1": (512, 512)},
                 pred={"ADE_val_1": (640, 480)})
    ds = load_semantic(*dirs)
    (problem,) = ds.problems
    assert str(problem) == (f"{dirs[1] / 'ADE_val_1.png'}: image ADE_val_1: "
                            "mask is 512x512 but the image is 640x480")
    assert ds.gt_paths == [None] and ds.pred_paths[0] is not None


def test_corrupt_and_truncated_pngs(tmp_path):
    dirs = _make(tmp_path, {"a": (64, 48), "b": (64, 48)}, gt={"a": (64, 48), "b": (64, 48)},
                 pred={"a": (64, 48), "b": (64, 48)})
    (dirs[1] / "a.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    rng = np.random.default_rng(4)
    write_label_png(dirs[2] / "b.png", rng.integers(0, 2, (48, 64)))
    data = (dirs[2] / "b.png").read_bytes()
    (dirs[2] / "b.png").write_bytes(data[: len(data) // 2])  # header fine, pixels cut
    ds = load_semantic(*dirs, classes=None)
    assert ds.gt_paths[0] is None
    assert any(p.file == str(dirs[1] / "a.png") for p in ds.problems)
    assert any(p.file == str(dirs[2] / "b.png") for p in ds.problems)
    stack, problems = score_semantic(ds)
    assert len(stack) == 2 and stack.total().sum() == 0


def test_truncated_pred_found_when_scoring(tmp_path):
    dirs = _make(tmp_path, {"a": (64, 48)}, gt={"a": (64, 48)}, pred={"a": (64, 48)})
    classes = tmp_path / "classes.txt"
    classes.write_text("bg\nthing\n")
    rng = np.random.default_rng(5)
    write_label_png(dirs[2] / "a.png", rng.integers(0, 2, (48, 64)))
    data = (dirs[2] / "a.png").read_bytes()
    (dirs[2] / "a.png").write_bytes(data[: len(data) // 2])
    ds = load_semantic(*dirs, classes=classes)
    assert ds.problems == []
    stack, problems = score_semantic(ds)
    (problem,) = problems
    assert problem.file == str(dirs[2] / "a.png") and problem.entry == "image a"
    assert stack.total().sum() == 0


def test_values_above_k(tmp_path):
    dirs = _make(tmp_path, {"a": (5, 4)}, gt={"a": (5, 4)}, pred={"a": (5, 4)})
    gt = np.array([[0, 1, 1, 7, 255]] * 4, np.uint8)
    pred = np.array([[0, 9, 1, 1, 1]] * 4, np.uint8)
    write_label_png(dirs[1] / "a.png", gt)
    write_label_png(dirs[2] / "a.png", pred)
    classes = tmp_path / "classes.json"
    classes.write_text(json.dumps(["bg", "thing"]))
    ds = load_semantic(*dirs, classes=classes, ignore_index=255)
    stack, problems = score_semantic(ds)
    assert [(p.file, p.severity) for p in problems] == [(str(dirs[1] / "a.png"), "warning"),
                                                         (str(dirs[2] / "a.png"), "warning")]
    assert "(7)" in problems[0].message and "(9)" in problems[1].message
    score = score_image(stack.dense(0), 255)
    assert score.void_area == 4  # pred 9 on valid GT pixels
    assert stack.total().sum() == 12  # GT 7 and 255 pixels not scored


def test_palette_dataset_keeps_palette(tmp_path):
    dirs = _make(tmp_path, {"a": (6, 5)}, gt={"a": (6, 5)}, pred={"a": (6, 5)}, value=3,
                 mode="P")
    ds = load_semantic(*dirs)
    assert ds.palette == tuple(VOC_PALETTE)
    assert ds.num_classes == 4
    gt = read_label_png(ds.gt_paths[0])
    np.testing.assert_array_equal(gt, np.full((5, 6), 3))
    out = tmp_path / "fixed.png"
    write_label_png(out, gt, ds.palette)
    assert read_palette(out) == ds.palette


def test_no_prediction_folder(tmp_path):
    dirs = _make(tmp_path, {"a": (4, 4)}, gt={"a": (4, 4)})
    ds = load_semantic(dirs[0], dirs[1], None)
    assert ds.pred_paths == [None] and ds.problems == []
    stack, problems = score_semantic(ds)
    assert problems == [] and stack.total().sum() == 0


def test_missing_folder(tmp_path):
    ds = load_semantic(tmp_path / "none", tmp_path / "gt", None)
    assert len(ds.images) == 0
    assert any(p.file == str(tmp_path / "none") for p in ds.problems)


def test_nested_folders_match_by_relative_path(tmp_path):
    for folder in ("img/city1", "gt/city1", "pred/city1", "img/city2", "gt/city2", "pred/city2"):
        (tmp_path / folder).mkdir(parents=True)
    for city in ("city1", "city2"):
        Image.new("RGB", (4, 3)).save(tmp_path / "img" / city / "x.png")
        write_label_png(tmp_path / "gt" / city / "x.png", np.full((3, 4), 2))
        write_label_png(tmp_path / "pred" / city / "x.png", np.full((3, 4), 2))
    ds = load_semantic(tmp_path / "img", tmp_path / "gt", tmp_path / "pred", ignore_index=None)
    assert ds.problems == []
    assert list(ds.images.ids) == ["city1/x", "city2/x"]
    assert list(ds.images.file_names) == ["city1/x.png", "city2/x.png"]
    stack, _ = score_semantic(ds)
    assert evaluate(stack, [1], None).pixel_acc == 1.0 and stack.total()[2, 2] == 24
