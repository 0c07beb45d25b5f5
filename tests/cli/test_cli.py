"""The command line as a user runs it: init, score, eval on real and broken inputs."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reviewer.cli import main
from reviewer.io.project import load_project
from tests import synth

DATA = Path(__file__).resolve().parents[1] / "data"
VOC = DATA / "voc2012_det100"
ADE = DATA / "ade20k_sample"


@pytest.fixture()
def voc_project(tmp_path):
    project = tmp_path / "voc"
    assert main(["init", str(project), "--images", str(VOC / "images"), "--gt",
                 str(VOC / "gt/instances_v1_cvat.json"), "--pred", str(VOC / "pred/coco_dets.json"),
                 "--score-threshold", "0"]) == 0
    return project


def test_init_writes_a_relative_readable_project_file(voc_project):
    data = json.loads((voc_project / "reviewer.json").read_text())
    assert data["reviewer_project"] == 1
    assert data["default_task"] == "detection"
    assert not Path(data["detection"]["gt"]).is_absolute()
    assert data["detection"]["score_threshold"] == 0


def test_score_csv_is_worst_first_and_matches_the_oracle(voc_project, tmp_path, capsys):
    out = tmp_path / "scores.csv"
    assert main(["score", str(voc_project), "--csv", str(out), "--top", "3", "-q"]) == 0
    table = pd.read_csv(out)
    for col in ("image_id", "file_name", "error", "gt", "pred", "tp", "fp", "fn", "mispredicted"):
        assert col in table.columns
    assert (np.diff(table["error"].to_numpy()) <= 0).all()
    gt = json.loads((VOC / "gt/instances_v1_cvat.json").read_text())
    aligned = json.loads((VOC / "derived/coco_dets_results_aligned_to_instances_v1_cvat.json").read_text())
    ref = synth.per_image_counts(synth.oracle(gt, aligned, "bbox", [0.5]))
    names = {im["id"]: im["file_name"] for im in gt["images"]}
    by_name = {names[k]: v for k, v in ref.items()}
    got = {r.file_name: (r.tp, r.fp, r.fn) for r in table.itertuples()}
    assert got == by_name
    assert table["file_name"][0] == "2007_000807.jpg"  # 24 false positives: the worst image
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].split()[:3] == ["image_id", "file_name", "error"]
    assert len(printed) == 4


def test_eval_json_equals_cocoeval(voc_project, capsys):
    assert main(["eval", str(voc_project), "--json", "-q"]) == 0
    payload = json.loads(capsys.readouterr().out)
    gt = json.loads((VOC / "gt/instances_v1_cvat.json").read_text())
    aligned = json.loads((VOC / "derived/coco_dets_results_aligned_to_instances_v1_cvat.json").read_text())
    ref = synth.oracle(gt, aligned, "bbox")
    assert payload["task"] == "detection"
    got = [payload["overall"][k] for k in ("AP", "AP50", "AP75", "APs", "APm", "APl", "AR1",
                                            "AR10", "AR100", "ARs", "ARm", "ARl")]
    np.testing.assert_allclose(got, ref.stats, atol=1e-6)
    person = payload["per_class"]["person"]
    assert set(person) >= {"AP", "AP50", "gt", "pred", "tp", "fp", "fn", "mispredicted"}
    assert person["gt"] == sum(1 for a in gt["annotations"] if a["category_id"] ==
                               next(c["id"] for c in gt["categories"] if c["name"] == "person"))
    m = np.array(payload["confusion"]["matrix"])
    assert m.shape == (21, 21)
    assert int(np.trace(m[:20, :20]) + m[:20, :20].sum() - np.trace(m[:20, :20])) >= 0
    assert m[:20].sum() == sum(c["gt"] for c in payload["per_class"].values())


def test_segmentation_project_eval_and_score(tmp_path, capsys):
    project = tmp_path / "ade"
    assert main(["init", str(project), "--images", str(ADE / "images"), "--gt",
                 str(ADE / "annotations"), "--pred", str(ADE / "predictions"), "--classes",
                 str(ADE / "objectInfo150.txt"), "--ignore-index", "0", "-q"]) == 0
    capsys.readouterr()
    assert main(["eval", str(project), "--json", "-q"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["task"] == "segmentation"
    assert payload["miou"] == 1.0 and payload["pixel_acc"] == 1.0
    out = tmp_path / "s.csv"
    assert main(["score", str(project), "--csv", str(out), "-q"]) == 0
    table = pd.read_csv(out)
    assert {"image_id", "file_name", "error", "miou", "pixel_acc", "iou_wall"} <= set(table.columns)
    assert len(table) == 3


def test_bad_input_is_listed_not_a_traceback(tmp_path, capsys):
    gt, res = synth.make_dataset(3, 6, 2, 0.0, True, False, 5)
    gt["annotations"][1]["bbox"][2] = -4.0
    res.append({"image_id": 99999, "category_id": 1, "bbox": [0, 0, 1, 1], "score": 0.9})
    g, p = synth.write(tmp_path, gt, res)
    (tmp_path / "img").mkdir()
    code = main(["init", str(tmp_path / "proj"), "--images", str(tmp_path / "img"), "--gt", str(g),
                 "--pred", str(p)])
    err = capsys.readouterr().err
    assert code == 0
    assert "annotations[1]" in err and "negative" in err
    assert "99999" in err


def test_unusable_input_exits_2_with_the_file_named(tmp_path, capsys):
    g = tmp_path / "gt.json"
    g.write_text('{"images": [')
    (tmp_path / "img").mkdir()
    code = main(["init", str(tmp_path / "p"), "--images", str(tmp_path / "img"), "--gt", str(g)])
    assert code == 2
    assert "gt.json" in capsys.readouterr().err
    assert main(["score", str(tmp_path / "nowhere")]) == 2


def test_unknown_project_key_is_a_clear_error(voc_project, capsys):
    f = voc_project / "reviewer.json"
    data = json.loads(f.read_text())
    data["detection"]["iou_treshold"] = 0.5
    f.write_text(json.dumps(data))
    assert main(["eval", str(voc_project)]) == 2
    assert "detection.iou_treshold: unknown key" in capsys.readouterr().err


def test_console_script_help_runs():
    out = subprocess.run([sys.executable, "-m", "reviewer.cli", "score", "--help"],
                         capture_output=True, text=True, check=True).stdout
    assert "--csv" in out and "--top" in out


def test_init_validates_first_and_writes_last(voc_project, tmp_path, capsys):
    """A failed init writes nothing: a good project file survives --force with bad inputs, and
    a first failed attempt does not leave a reviewer.json that blocks the corrected retry."""
    good = (voc_project / "reviewer.json").read_bytes()
    bad = tmp_path / "bad.json"
    bad.write_text('{"images": []}')
    code = main(["init", str(voc_project), "--images", str(VOC / "images"), "--gt", str(bad),
                 "--force", "-q"])
    assert code == 2 and (voc_project / "reviewer.json").read_bytes() == good
    fresh = tmp_path / "fresh"
    capsys.readouterr()
    code = main(["init", str(fresh), "--images", str(VOC / "images"), "--gt",
                 str(tmp_path / "typo.json"), "-q"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("reviewer: error: --gt: file or folder not found: ")
    assert not fresh.exists()
    code = main(["init", str(fresh), "--images", str(tmp_path / "no-images"), "--gt",
                 str(VOC / "gt/instances_v1_cvat.json"), "-q"])
    assert code == 2 and "--images: folder not found" in capsys.readouterr().err
    assert main(["init", str(fresh), "--images", str(VOC / "images"), "--gt",
                 str(VOC / "gt/instances_v1_cvat.json"), "-q"]) == 0


@pytest.mark.parametrize("target", ["gt", "pred", "project_file", "store", "image"])
def test_score_csv_never_overwrites_an_input(voc_project, capsys, target):
    project = load_project(voc_project)
    main(["tag", str(voc_project), "2007_000027.jpg", "blur", "-q"])  # makes the store
    path = {"gt": project.detection.gt, "pred": project.detection.pred,
            "project_file": project.file, "store": project.store_path,
            "image": project.images / "2007_000027.jpg"}[target]
    before = path.read_bytes()
    capsys.readouterr()
    assert main(["score", str(voc_project), "--csv", str(path), "-q"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("reviewer: error: --csv ") and "Traceback" not in err
    assert path.read_bytes() == before


def test_a_project_reading_outside_its_folder_says_so(voc_project, tmp_path, capsys):
    capsys.readouterr()
    assert main(["stats", str(voc_project)]) == 0
    err = capsys.readouterr().err
    assert "note: this project reads inputs outside its folder: images folder " in err
    assert str(VOC / "gt" / "instances_v1_cvat.json") in err
    inside = tmp_path / "inside"
    shutil.copytree(VOC / "images", inside / "images")
    shutil.copy(VOC / "gt/instances_v1_cvat.json", inside / "gt.json")
    assert main(["init", str(inside), "--images", str(inside / "images"), "--gt",
                 str(inside / "gt.json")]) == 0
    assert main(["stats", str(inside)]) == 0
    assert "outside its folder" not in capsys.readouterr().err
