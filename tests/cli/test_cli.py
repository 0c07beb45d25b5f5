"""The command line as a user runs it: init, score, eval on real and broken inputs."""

from __future__ import annotations

import json
import os
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
    assert data["reviewer_project"] == 2
    assert data["default_task"] == "detection"
    assert data["detection"]["models"] == [{"name": "coco_dets",
                                            "pred": "../../" + str(VOC.relative_to(
                                                VOC.parents[1]) / "pred/coco_dets.json")}] \
        or data["detection"]["models"][0]["name"] == "coco_dets"
    assert data["detection"]["current_model"] == "coco_dets"
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
    counts = synth.per_image_counts(synth.oracle(gt, aligned, "bbox", [0.5]))
    tp, fp, fn = (sum(c[j] for c in counts.values()) for j in range(3))
    assert np.trace(m[:20, :20]) == tp  # matches at IoU 0.5, as COCOeval finds them
    assert m[:20].sum() - np.trace(m[:20, :20]) == fn  # every missed GT once in its row
    assert m[:, :20].sum() - np.trace(m[:20, :20]) == fp  # every unmatched prediction once
    assert m[:20].sum() == sum(c["gt"] for c in payload["per_class"].values())


def test_score_eval_is_score_then_eval_in_one_load(voc_project, tmp_path, capsys):
    """`score --eval` prints the table of `score` and then exactly the text of `eval`;
    `--metrics-json` writes exactly what `eval --json` prints."""
    assert main(["score", str(voc_project), "--top", "5", "-q"]) == 0
    table = capsys.readouterr().out
    assert main(["eval", str(voc_project), "-q"]) == 0
    metrics = capsys.readouterr().out
    out = tmp_path / "metrics.json"
    assert main(["score", str(voc_project), "--top", "5", "-q", "--eval", "--metrics-json",
                 str(out)]) == 0
    assert capsys.readouterr().out == table + "\n" + metrics
    assert main(["eval", str(voc_project), "--json", "-q"]) == 0
    assert json.loads(out.read_text()) == json.loads(capsys.readouterr().out)
    project_file = voc_project / "reviewer.json"
    before = project_file.read_bytes()
    assert main(["score", str(voc_project), "-q", "--metrics-json", str(project_file)]) == 2
    assert project_file.read_bytes() == before
    assert "--metrics-json" in capsys.readouterr().err


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
    det = project.inputs["detection"]
    path = {"gt": det.gt, "pred": det.pred,
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


def test_the_window_without_a_display_explains_instead_of_aborting(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    if not sys.platform.startswith("linux"):
        pytest.skip("Qt needs no DISPLAY outside Linux")
    done = subprocess.run([sys.executable, "-m", "reviewer.cli"], capture_output=True,
                          text=True, env=env, timeout=60)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "needs a display" in done.stderr and "reviewer score" in done.stderr


def test_missing_x_libraries_are_named():
    from reviewer.app import display_problem
    if not sys.platform.startswith("linux"):
        pytest.skip("the xcb plugin is Linux only")
    missing = display_problem({"DISPLAY": ":0"}, lambda lib: None if lib == "xcb-cursor" else lib)
    assert "xcb-cursor" in missing and "apt-get install libxcb-cursor0" in missing
    assert display_problem({"DISPLAY": ":0"}, lambda lib: lib) is None
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}, lambda lib: None) is None


def test_every_command_and_option_explains_itself():
    from reviewer.cli import _parser
    parser = _parser()
    sub = next(a for a in parser._actions if isinstance(a, __import__("argparse")._SubParsersAction))
    assert set(sub.choices) >= {"init", "score", "eval", "open", "tag", "status", "stats",
                                "conflicts", "export"}
    for name, command in sub.choices.items():
        assert "examples:\n  reviewer " in (command.epilog or ""), name
        for action in command._actions:
            assert action.help, f"{name} {action.option_strings or action.dest}: no help"
    score = sub.choices["score"].format_help()
    for column in ("fn", "mispredicted", "err_<type>", "miou", "iou_<class>"):
        assert column in score


def test_a_review_state_command_parses_as_with_every_command_registered():
    """``REVIEW_STATE_COMMANDS`` builds such a command's parser from its module alone: the
    same help, and each command is registered by the module the table names."""
    import argparse

    from reviewer.cli import REVIEW_STATE_COMMANDS, _parser

    def commands(parser):
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        return sub.choices

    full = commands(_parser())
    for name, module in REVIEW_STATE_COMMANDS.items():
        alone = commands(_parser(name))
        assert alone[name].format_help() == full[name].format_help(), name
        assert full[name].get_default("handler").__module__ == module, name
        assert set(alone) < set(full)


def test_init_builds_a_two_task_project_like_the_sample(tmp_path, capsys):
    """detection, then --add segmentation on the same images: the project holds both, as the
    sample does, without editing reviewer.json."""
    sample = Path(__file__).resolve().parents[2] / "sample_project"
    proj = tmp_path / "two"
    assert main(["init", str(proj), "--images", str(sample / "images"), "--gt",
                 str(sample / "annotations/instances_gt.json"), "--pred",
                 str(sample / "annotations/predictions.json"), "-q"]) == 0
    seg = ["init", str(proj), "--add", "--images", str(sample / "images"), "--gt",
           str(sample / "semantic/gt"), "--pred", str(sample / "semantic/pred"), "--classes",
           str(sample / "semantic/classes.json"), "-q"]
    capsys.readouterr()
    assert main(seg) == 0
    assert "tasks: detection, segmentation" in capsys.readouterr().out
    project = load_project(proj)
    assert project.tasks == ["detection", "segmentation"] and project.default_task == "detection"
    assert main(seg) == 2  # already there
    assert "has segmentation inputs already" in capsys.readouterr().err
    elsewhere = [*seg[:4], str(tmp_path), *seg[5:], "--force"]
    assert main(elsewhere) == 2 and "share one images folder" in capsys.readouterr().err
    capsys.readouterr()
    assert main(["eval", str(proj), "--task", "segmentation", "--json", "-q"]) == 0
    ours = json.loads(capsys.readouterr().out)
    assert main(["eval", str(sample), "--task", "segmentation", "--json", "-q", "--original"]) == 0
    assert ours["miou"] == json.loads(capsys.readouterr().out)["miou"]


def test_input_problems_are_listed_at_init_then_said_in_one_line(voc_project, capsys):
    capsys.readouterr()
    assert main(["score", str(voc_project), "--top", "1"]) == 0
    lines = [line for line in capsys.readouterr().err.splitlines() if "input problem" in line]
    assert len(lines) == 1 and lines[0].startswith("note: ") and "× image file not found" in lines[0]
    assert "× images: the ids in this file do not match" in lines[0]
    assert main(["score", str(voc_project), "--top", "1", "--all-problems"]) == 0
    err = capsys.readouterr().err
    assert "joined by file_name instead, 98 of 98 matched" in err
    assert err.count("image file not found") > 90


def test_void_classes_of_the_classes_file_are_left_out_of_every_score(tmp_path, capsys):
    """`"ignore": true` in the classes file: GT pixels of that class are not counted and the
    class is not evaluated, like the ignore value (oracle: a numpy confusion matrix)."""
    from reviewer.io.semantic import read_label_png
    sample = Path(__file__).resolve().parents[2] / "sample_project"
    classes = json.loads((sample / "semantic/classes.json").read_text())
    classes[0]["ignore"] = True  # "unlabeled"
    (tmp_path / "classes.json").write_text(json.dumps(classes))
    results = {}
    for name, file in (("scored", sample / "semantic/classes.json"),
                       ("void", tmp_path / "classes.json")):
        proj = tmp_path / name
        assert main(["init", str(proj), "--images", str(sample / "images"), "--gt",
                     str(sample / "semantic/gt"), "--pred", str(sample / "semantic/pred"),
                     "--classes", str(file), "-q"]) == 0
        capsys.readouterr()
        assert main(["eval", str(proj), "--json", "-q"]) == 0
        results[name] = json.loads(capsys.readouterr().out)
    k = len(classes)
    conf = np.zeros((k, k), np.int64)
    for g in sorted((sample / "semantic/gt").glob("*.png")):
        gt = read_label_png(g).astype(np.int64)
        pred = read_label_png(sample / "semantic/pred" / g.name).astype(np.int64)
        keep = (gt != 255) & (gt != 0) & (gt < k) & (pred < k)
        conf += np.bincount(gt[keep] * k + pred[keep], minlength=k * k).reshape(k, k)
    inter = np.diag(conf)[1:]
    union = (conf.sum(0) + conf.sum(1) - np.diag(conf))[1:]
    expected = float(np.mean(inter[union > 0] / union[union > 0]))
    assert results["void"]["miou"] == pytest.approx(expected, abs=1e-12)
    assert "unlabeled" not in results["void"]["per_class"]
    assert "unlabeled" in results["scored"]["per_class"]
    assert results["void"]["miou"] > results["scored"]["miou"]
