"""YOLO in the ultralytics layout, through the CLI as a user types it:
``reviewer init P --images images/val --gt labels/val --pred runs/detect/predict/labels
--classes data.yaml``; boxes, polygons, confidences, track ids, per-line problems, detection of
the layout and the explanation when nothing fits."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from reviewer import cli, tasks
from reviewer.core.problems import InputError
from reviewer.formats import detect, guess_task
from reviewer.formats.detection import load_detection

GT_LINES = ["0 0.5 0.5 0.2 0.4",                        # line 1: a box
            "1 0.1 0.1 0.3 0.1 0.3 0.3 0.1 0.3",        # line 2: a polygon
            "0 0.5 0.5 0.2",                            # line 3: 4 values
            "x 0.5 0.5 0.2 0.2",                        # line 4: not a class
            "1 0.5 nan 0.2 0.2",                        # line 5: NaN
            "1 0.5 0.5 -0.2 0.2",                       # line 6: negative width
            "",
            "5 0.5 0.5 0.2 0.2"]                        # line 8: class not in data.yaml


@pytest.fixture()
def dataset(tmp_path):
    root = tmp_path / "ds"
    for name, size in (("a.jpg", (100, 50)), ("b.jpg", (40, 40)), ("c.jpg", (20, 10))):
        (root / "images/val").mkdir(parents=True, exist_ok=True)
        Image.new("RGB", size).save(root / "images/val" / name)
    labels = root / "labels/val"
    labels.mkdir(parents=True)
    (labels / "a.txt").write_text("\n".join(GT_LINES) + "\n")
    (labels / "b.txt").write_text("1 0.5 0.5 0.5 0.5\n")
    (labels / "orphan.txt").write_text("0 0.5 0.5 0.1 0.1\n")
    (root / "data.yaml").write_text("path: .\nval: images/val\nnames:\n  0: cat\n  1: dog\n")
    pred = tmp_path / "runs/detect/predict/labels"
    pred.mkdir(parents=True)
    (pred / "a.txt").write_text("0 0.5 0.5 0.2 0.4 0.91\n1 0.2 0.2 0.2 0.2 0.5 7\n"
                                "1 0.1 0.1 0.3 0.1 0.3 0.3 0.4\n0 0.5 0.5 0.2 0.4\n")
    (pred / "c.txt").write_text("1 0.5 0.5 1 1 0.3\n")
    return tmp_path, root


def test_init_as_the_user_types_it(dataset, capsys):
    tmp, root = dataset
    code = cli.main(["init", str(tmp / "P"), "--images", str(root / "images/val"),
                     "--gt", str(root / "labels/val"),
                     "--pred", str(tmp / "runs/detect/predict/labels"),
                     "--classes", str(root / "data.yaml"), "--all-problems"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "created (detection)" in out
    a = root / "labels/val/a.txt"
    for line, text in ((3, "4 values, expected 5 (class cx cy w h)"),
                       (4, "class 'x' is not a class index"), (5, "bbox has a NaN"),
                       (6, "bbox width is negative"), (8, "class 5")):
        assert f"{a}: line {line}: {text}" in err, (line, err)
    assert "orphan.txt: label file without its image" in err
    pred_a = tmp / "runs/detect/predict/labels/a.txt"
    assert f"{pred_a}: line 4: 5 values, expected 6 (class cx cy w h confidence)" in err
    config = json.loads((tmp / "P/reviewer.json").read_text())["detection"]
    assert config["gt_format"] == "yolo" and config["models"][0]["pred_format"] == "yolo"
    assert cli.main(["eval", str(tmp / "P"), "--json", "-q"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert set(payload["per_class"]) == {"cat", "dog"}


def test_tables_hold_boxes_polygons_scores_and_track_ids(dataset):
    tmp, root = dataset
    ds = load_detection(root / "labels/val", tmp / "runs/detect/predict/labels",
                        root / "images/val", classes=root / "data.yaml")
    assert ds.images.ids.tolist() == ["a", "b", "c"]  # c: an image without objects
    assert ds.categories.names.tolist() == ["cat", "dog"]
    g = ds.gt
    assert len(g) == 3
    np.testing.assert_allclose(g.boxes[0], [40, 15, 20, 20])
    assert g.segmentations[1] == [[10.0, 5.0, 30.0, 5.0, 30.0, 15.0, 10.0, 15.0]]
    np.testing.assert_allclose(g.boxes[1], [10, 5, 20, 10])
    np.testing.assert_allclose(g.areas[1], 200)  # the polygon's area, as COCO measures it
    p = ds.pred
    assert p.scores.tolist() == [0.91, 0.5, 0.4, 0.3]
    assert p.extra[1] == {"track_id": 7}
    np.testing.assert_allclose(p.boxes[3], [0, 0, 20, 10])


def test_names_from_a_data_yaml_list_or_classes_txt(dataset):
    tmp, root = dataset
    (root / "data.yaml").write_text("names: [cat, dog, bird]\nnc: 3\n")
    ds = load_detection(root / "labels/val", None, root / "images/val")  # found by itself
    assert ds.categories.names.tolist() == ["cat", "dog", "bird"]
    (root / "labels/val/classes.txt").write_text("kitten\npuppy\n")
    ds = load_detection(root / "labels/val", None, root / "images/val")
    assert ds.categories.names.tolist() == ["kitten", "puppy"]


def test_a_yolo_folder_is_detection_and_a_png_folder_segmentation(dataset, tmp_path):
    tmp, root = dataset
    assert guess_task(root / "labels/val") == "detection"
    assert tasks.guess_task(root / "labels/val") == "detection"
    pngs = tmp_path / "masks"
    pngs.mkdir()
    Image.new("L", (4, 4)).save(pngs / "a.png")
    assert tasks.guess_task(pngs) == "segmentation"
    assert detect(tmp / "runs/detect/predict/labels", "pred").name == "yolo"


def test_nothing_fits_names_every_format_and_why(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError) as e:
        detect(tmp_path / "empty", "gt")
    text = str(e.value)
    assert "no format Reviewer reads" in text
    for name in ("yolo", "voc", "labelme", "coco", "cvat"):
        assert f"{name}: " in text
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    (mixed / "a.xml").write_text("<annotation><filename>a.jpg</filename></annotation>")
    (mixed / "a.json").write_text('{"shapes": [], "imagePath": "a.jpg"}')
    with pytest.raises(InputError, match=r"fit several formats \(voc, labelme\).*--gt-format"):
        detect(mixed, "gt")


def test_forced_format_and_a_wrong_role(dataset, capsys):
    tmp, root = dataset
    code = cli.main(["init", str(tmp / "Q"), "--images", str(root / "images/val"),
                     "--gt", str(root / "labels/val"), "--gt-format", "voc", "-q"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    code = cli.main(["init", str(tmp / "Q"), "--images", str(root / "images/val"),
                     "--gt", str(tmp / "runs/detect/predict/labels"), "--gt-format", "txt_xywh"])
    err = capsys.readouterr().err
    assert code == 2 and "does not hold ground truth" in err
