"""Colour-coded label PNGs (the ``color_png`` format): the real DeepLabV3+ colour masks of
tests/data/voc2012_seg_deeplab14 (VOC colour map, 255 boundary painted (224, 224, 192)) read
through classes.json's ``color_rgb`` give the same pixels and scores as the index PNGs made from
them; CamVid's class lists; corrected masks written back in colour."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from PIL import Image

from reviewer import cli
from reviewer.formats import detect
from reviewer.io.label_png import read_label_png, write_label_png
from reviewer.io.semantic import load_semantic, read_pair
from reviewer.io.semantic_classes import load_classes

DATA = __import__("pathlib").Path(__file__).resolve().parents[1] / "data" / \
    "voc2012_seg_deeplab14"
FRAMES = ("000", "001", "008")


@pytest.fixture()
def folders(tmp_path):
    for sub in ("images", "gtc", "predc", "gt", "pred"):
        (tmp_path / sub).mkdir()
    for n in FRAMES:
        Image.new("RGB", (513, 513)).save(tmp_path / "images" / f"{n}.png")
        shutil.copy(DATA / "upstream_color" / f"{n}_target.png", tmp_path / "gtc" / f"{n}.png")
        shutil.copy(DATA / "upstream_color" / f"{n}_pred.png", tmp_path / "predc" / f"{n}.png")
        shutil.copy(DATA / "gt" / f"{n}.png", tmp_path / "gt" / f"{n}.png")
        shutil.copy(DATA / "pred" / f"{n}.png", tmp_path / "pred" / f"{n}.png")
    return tmp_path


def _confusion(gt: np.ndarray, pred: np.ndarray, k: int) -> np.ndarray:
    keep = gt != 255
    return np.bincount(gt[keep].astype(np.int64) * k + pred[keep], minlength=k * k).reshape(k, k)


def _colour_equals_index(folders) -> np.ndarray:
    """The checks of the test below; -> the pixel confusion of the index masks (the oracle)."""
    classes = DATA / "classes.json"
    colour = load_semantic(folders / "images", folders / "gtc", folders / "predc", classes)
    index = load_semantic(folders / "images", folders / "gt", folders / "pred", classes)
    assert colour.color_coded and not index.color_coded
    assert not [p for p in colour.problems if p.severity == "error"]
    total = np.zeros((21, 21), np.int64)
    for i in range(len(FRAMES)):
        gc, pc, found = read_pair(colour, i)
        assert not found
        gi = np.asarray(Image.open(folders / "gt" / f"{FRAMES[i]}.png"))
        pi = np.asarray(Image.open(folders / "pred" / f"{FRAMES[i]}.png"))
        assert np.array_equal(gc, gi) and np.array_equal(pc, pi)  # 255 boundary included
        assert (gi == 255).any()
        total += _confusion(gi, pi, 21)
    assert detect(folders / "gtc", "gt", "segmentation").name == "color_png"
    assert detect(folders / "gt", "gt", "segmentation").name == "palette_png"
    return total


def test_colour_masks_read_as_the_index_masks(folders):
    assert _colour_equals_index(folders).sum() > 0


def test_cli_scores_colour_masks_like_index_masks(folders, capsys):
    classes = str(DATA / "classes.json")
    for name, gt, pred in (("C", "gtc", "predc"), ("I", "gt", "pred")):
        assert cli.main(["init", str(folders / name), "--images", str(folders / "images"),
                         "--gt", str(folders / gt), "--pred", str(folders / pred), "--classes",
                         classes, "-q"]) == 0
    capsys.readouterr()
    payloads = []
    for name in ("C", "I"):
        assert cli.main(["eval", str(folders / name), "--json", "-q"]) == 0
        payloads.append(json.loads(capsys.readouterr().out))
    total = _colour_equals_index(folders)
    inter = np.diag(total)
    union = total.sum(0) + total.sum(1) - inter
    present = union > 0
    oracle = float(np.mean(inter[present] / union[present]))
    assert payloads[0]["miou"] == payloads[1]["miou"]
    assert abs(payloads[0]["miou"] - oracle) < 1e-12


def test_colour_masks_without_colours_say_what_to_give(folders):
    ds = load_semantic(folders / "images", folders / "gtc", folders / "predc",
                       DATA / "classes.txt")
    assert any("RGB colour-coded but no class colours" in p.message for p in ds.problems)


def test_written_in_colour_and_read_back(tmp_path):
    names, colors, problems, _ = load_classes(DATA / "classes.json")
    assert not problems and colors[1] == (128, 0, 0)
    mask = np.zeros((6, 7), np.uint8)
    mask[1:3, 2:5] = 1
    mask[4, :] = 255
    path = tmp_path / "m.png"
    write_label_png(path, mask, colors=colors)
    with Image.open(path) as im:
        assert im.mode == "RGB"
        rgb = np.asarray(im)
    assert tuple(rgb[1, 2]) == (128, 0, 0) and tuple(rgb[4, 0]) == (224, 224, 192)
    back = read_label_png(path, colors, ignore=(255, (224, 224, 192)))
    assert np.array_equal(back, mask)


def test_camvid_class_lists(tmp_path):
    csv = tmp_path / "class_dict.csv"
    csv.write_text("name,r,g,b\nAnimal,64,128,64\nArchway,192,0,128\nBicyclist,0,128,192\n")
    names, colors, problems, _ = load_classes(csv)
    assert names == ["Animal", "Archway", "Bicyclist"] and colors[2] == (0, 128, 192)
    txt = tmp_path / "label_colors.txt"
    txt.write_text("64 128 64\tAnimal\n192 0 128\tArchway\n")
    names, colors, problems, _ = load_classes(txt)
    assert names == ["Animal", "Archway"] and colors == [(64, 128, 64), (192, 0, 128)]
    assert not problems
