"""``reviewer slices``: each slice's metric equals the oracle run on that subset of images
(pycocotools with ``params.imgIds``, scikit-learn, numpy), and the bootstrap resample's metric
equals the oracle on a dataset where each image is repeated as often as it was drawn."""

from __future__ import annotations

import contextlib
import copy
import io
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from reviewer.cli import main
from tests import synth

ROOT = Path(__file__).resolve().parents[2]
LEMONS = ROOT / "sample_project" / "lemons"
SAMPLE = ROOT / "sample_project"


def _coco_ap(gt: dict, res: list, img_ids) -> tuple[float, float]:
    with contextlib.redirect_stdout(io.StringIO()):
        c = COCO()
        c.dataset = copy.deepcopy(gt)
        c.createIndex()
        e = COCOeval(c, c.loadRes(copy.deepcopy(res)), "bbox")
        e.params.imgIds = sorted(img_ids)
        e.evaluate()
        e.accumulate()
        e.summarize()
    return float(e.stats[0]), float(e.stats[1])


def _slices(capsys, *args) -> dict:
    capsys.readouterr()
    assert main(["slices", *map(str, args), "--json", "-q"]) == 0
    return json.loads(capsys.readouterr().out)


def test_detection_slices_equal_cocoeval_on_each_subset(tmp_path, capsys):
    proj, _, _, gt, res = synth.init_project(tmp_path, seed=5, n_img=40, n_cat=3)
    rng = np.random.default_rng(1)
    names = [im["file_name"] for im in gt["images"]]
    camera = rng.choice(["A", "B", "C"], len(names))
    hour = rng.integers(0, 24, len(names))
    pd.DataFrame({"image": names, "camera": camera, "hour": hour}).to_csv(
        tmp_path / "meta.csv", index=False)
    assert main(["metadata", str(proj), "import", str(tmp_path / "meta.csv"), "-q"]) == 0
    got = _slices(capsys, proj, "--by", "camera", "--bootstrap", "0")
    assert got["by"] == "camera" and got["metric"] == "AP"
    ids = np.array([im["id"] for im in gt["images"]])
    for value in ("A", "B", "C"):
        entry = got["slices"][value]
        inside = camera == value
        assert entry["images"] == int(inside.sum())
        ap, ap50 = _coco_ap(gt, res, ids[inside])
        rest, rest50 = _coco_ap(gt, res, ids[~inside])
        assert entry["AP"] == pytest.approx(ap, abs=1e-9)
        assert entry["AP50"] == pytest.approx(ap50, abs=1e-9)
        assert entry["AP_rest"] == pytest.approx(rest, abs=1e-9)
        assert entry["AP50_rest"] == pytest.approx(rest50, abs=1e-9)
        assert entry["ci95"] == [None, None]
    overall = _coco_ap(gt, res, ids)
    assert got["overall"]["AP"] == pytest.approx(overall[0], abs=1e-9)
    # numbers in quantile bins: every image in exactly one bin; --where narrows the population
    binned = _slices(capsys, proj, "--by", "hour", "--bins", "3", "--bootstrap", "0",
                     "--where", "camera in A,B")
    assert binned["bins"] == 3 and len(binned["slices"]) == len(binned["edges"]) - 1
    assert sum(e["images"] for e in binned["slices"].values()) == int((camera != "C").sum())
    pop = ids[camera != "C"]
    for label, e in binned["slices"].items():
        lo, hi = (float(x) for x in label.strip("[])").split(", "))
        last = label.endswith("]")
        keep = (hour >= lo) & ((hour <= hi) if last else (hour < hi)) & (camera != "C")
        assert e["images"] == int(keep.sum())
        assert e["AP"] == pytest.approx(_coco_ap(gt, res, ids[keep])[0], abs=1e-9)
        assert e["AP_rest"] == pytest.approx(
            _coco_ap(gt, res, np.setdiff1d(pop, ids[keep]))[0], abs=1e-9)


def test_detection_bootstrap_resample_equals_cocoeval_on_repeated_images(tmp_path):
    from reviewer.core import tag_stats as ts
    from reviewer.io.session import open_session
    proj, _, _, gt, res = synth.init_project(tmp_path, seed=9, n_img=12, n_cat=3)
    session = open_session(proj, read_only=True)
    doc = session.document
    slicer = ts.DetectionSlicer(doc.dataset(), doc.params.iou_type, None,
                                np.arange(len(doc.table["image_id"])))
    rows = np.arange(0, 12, 2)
    weights = np.bincount(np.random.default_rng(3).choice(rows, len(rows)), minlength=12)
    # the oracle: a dataset where image i appears weights[i] times (fresh ids for the copies)
    row_of = {str(v): r for r, v in enumerate(doc.table["image_id"].tolist())}
    images, anns, dets, ids = [], [], [], []
    for im in gt["images"]:
        for copy_no in range(weights[row_of[str(im["id"])]]):
            new = im["id"] * 100 + copy_no
            images.append({**im, "id": new})
            ids.append(new)
            anns += [{**a, "id": a["id"] * 100 + copy_no, "image_id": new}
                     for a in gt["annotations"] if a["image_id"] == im["id"]]
            dets += [{**d, "image_id": new} for d in res if d["image_id"] == im["id"]]
    repeated = {**gt, "images": images, "annotations": anns}
    want, _ = _coco_ap(repeated, dets, ids)
    assert slicer.resampled(rows, weights) == pytest.approx(want, abs=1e-9)
    assert slicer.resampled(rows, np.isin(np.arange(12), rows).astype(np.int64)) == \
        pytest.approx(slicer(rows).value, abs=1e-12)
    session.close()


def test_classification_slices_equal_sklearn(tmp_path, capsys):
    from sklearn.metrics import accuracy_score
    proj = tmp_path / "lemons"
    shutil.copytree(LEMONS, proj)
    got = _slices(capsys, proj, "--by", "angle", "--bootstrap", "300", "--seed", "4")
    assert got["metric"] == "accuracy"
    labels = pd.read_csv(LEMONS / "labels.csv")
    pred = pd.read_csv(LEMONS / "predictions.csv").set_index("image").loc[labels["image"]]
    predicted = np.where(pred["mold"].to_numpy() >= 0.5, "mold", "no mold")
    truth = labels["label"].to_numpy()
    for angle in "abcd":
        inside = (labels["angle"] == angle).to_numpy()
        e = got["slices"][angle]
        assert e["images"] == int(inside.sum())
        assert e["accuracy"] == pytest.approx(accuracy_score(truth[inside], predicted[inside]))
        assert e["accuracy_rest"] == pytest.approx(
            accuracy_score(truth[~inside], predicted[~inside]))
        assert e["erroneous_images"] == int((truth[inside] != predicted[inside]).sum())
        # the interval: percentiles of sklearn's accuracy over the same resamples
        rng = np.random.default_rng([4, "abcd".index(angle)])
        rows = np.flatnonzero(inside)
        values = []
        for _ in range(300):
            w = np.bincount(rows[rng.integers(0, len(rows), len(rows))], minlength=len(truth))
            values.append(accuracy_score(truth, predicted, sample_weight=w))
        assert e["ci95"] == pytest.approx([np.percentile(values, 2.5),
                                           np.percentile(values, 97.5)])
        assert e["ci95"][0] <= e["accuracy"] <= e["ci95"][1]
    assert got["overall"]["accuracy"] == pytest.approx(accuracy_score(truth, predicted))


def test_segmentation_slices_equal_numpy(tmp_path, capsys):
    proj = tmp_path / "sample"
    shutil.copytree(SAMPLE, proj, ignore=shutil.ignore_patterns("lemons", "*.py", "*.sqlite*"))
    gts = sorted((proj / "semantic" / "gt").glob("*.png"))
    stems = [p.stem for p in gts]
    half = {s: ("left" if i % 3 else "right") for i, s in enumerate(stems)}
    (tmp_path / "m.jsonl").write_text("".join(json.dumps({"image": s, "side": half[s]}) + "\n"
                                              for s in stems))
    assert main(["metadata", str(proj), "import",
                 str(tmp_path / "m.jsonl"), "-q"]) == 0
    got = _slices(capsys, proj, "--task", "segmentation", "--by", "side", "--bootstrap", "0")
    assert got["metric"] == "miou"
    names = json.loads((proj / "semantic" / "classes.json").read_text())
    k = len(names)
    from reviewer.io.session import open_session
    session = open_session(proj, "segmentation", read_only=True)
    ignore = set(session.document.scoring_ignore)
    session.close()

    def miou(chosen):
        inter, union = np.zeros(k), np.zeros(k)
        for s in chosen:
            g = np.array(Image.open(proj / "semantic" / "gt" / f"{s}.png")).astype(np.int64)
            p = np.array(Image.open(proj / "semantic" / "pred" / f"{s}.png")).astype(np.int64)
            valid = ~np.isin(g, list(ignore)) & (g < k)
            for c in set(range(k)) - ignore:
                gc, pc = (g == c) & valid, (p == c) & valid
                inter[c] += (gc & pc).sum()
                union[c] += (gc | pc).sum()
        return float(np.mean(inter[union > 0] / union[union > 0]))

    for side in ("left", "right"):
        chosen = [s for s in stems if half[s] == side]
        e = got["slices"][side]
        assert e["images"] == len(chosen)
        assert e["miou"] == pytest.approx(miou(chosen), abs=1e-12)
        assert e["miou_rest"] == pytest.approx(miou([s for s in stems if half[s] != side]),
                                               abs=1e-12)


def test_unknown_column_exits_2_and_lists_the_columns(tmp_path, capsys):
    proj = tmp_path / "lemons"
    shutil.copytree(LEMONS, proj)
    assert main(["slices", str(proj), "--by", "camera", "-q"]) == 2
    err = capsys.readouterr().err
    assert "'camera'" in err and "fruit_id" in err and "angle" in err
    assert main(["slices", str(proj), "--by", "tag", "-q"]) == 0
    assert "(no tag)" in capsys.readouterr().out


def test_slices_by_the_hour_of_a_date_column(tmp_path, capsys):
    """Time of day: --by COLUMN.hour slices a date/time column by its hour (quantile bins)."""
    from sklearn.metrics import accuracy_score
    proj = tmp_path / "lemons"
    shutil.copytree(LEMONS, proj)
    labels = pd.read_csv(LEMONS / "labels.csv")
    hours = np.arange(len(labels)) % 24
    pd.DataFrame({"image": labels["image"],
                  "taken": [f"2024-05-{1 + i % 28:02d}T{h:02d}:30:00" for i, h in
                            enumerate(hours)]}).to_csv(tmp_path / "t.csv", index=False)
    assert main(["metadata", str(proj), "import", str(tmp_path / "t.csv"), "-q"]) == 0
    got = _slices(capsys, proj, "--by", "taken.hour", "--bins", "2", "--bootstrap", "0")
    assert got["kind"] == "number" and list(got["slices"]) == ["[0, 11.5)", "[11.5, 23]"]
    pred = pd.read_csv(LEMONS / "predictions.csv").set_index("image").loc[labels["image"]]
    predicted = np.where(pred["mold"].to_numpy() >= 0.5, "mold", "no mold")
    night = hours < 11.5
    assert got["slices"]["[0, 11.5)"]["images"] == int(night.sum())
    assert got["slices"]["[0, 11.5)"]["accuracy"] == pytest.approx(
        accuracy_score(labels["label"][night], predicted[night]))
