"""Several models in one project: the project file (schema 1 read, schema 2 written), ``init
--pred NAME=PATH``, ``reviewer models``, ``--model`` and object tags per model."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from reviewer.cli import main
from reviewer.core.commands import SetObjectTags
from reviewer.io.project import ProjectError, load_project, save_project
from reviewer.io.session import open_session
from reviewer.io.store import open_review_store
from reviewer.tasks.models import default_name, parse_named

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_project"
VOC = ROOT / "tests" / "data" / "voc2012_det100"
FOREIGN = VOC / "derived" / "coco_dets_results_aligned_to_instances_v1_cvat.json"


@pytest.fixture()
def sample(tmp_path) -> Path:
    dst = tmp_path / "sample"
    shutil.copytree(SAMPLE, dst, ignore=shutil.ignore_patterns("review.sqlite*", "lemons"))
    return dst


def _v1(dst: Path) -> Path:
    """The sample as an earlier Reviewer wrote it: schema 1, one ``pred`` per task."""
    config = json.loads((dst / "reviewer.json").read_text())
    for task, pred in (("detection", "annotations/predictions.json"),
                       ("segmentation", "semantic/pred")):
        section = config[task]
        del section["models"], section["current_model"]
        section["pred"] = pred
    config["reviewer_project"] = 1
    (dst / "reviewer.json").write_text(json.dumps(config))
    return dst


def test_a_schema_1_file_reads_as_one_model_named_by_its_stem_and_is_written_as_schema_2(sample):
    project = load_project(_v1(sample))
    det = project.model_set("detection")
    assert det.names == ["predictions"] and det.current == "predictions"
    assert project.model_set("segmentation").names == ["pred"]
    assert project.inputs["detection"].pred == sample / "annotations/predictions.json"
    save_project(project)
    data = json.loads((sample / "reviewer.json").read_text())
    assert data["reviewer_project"] == 2
    assert data["detection"]["models"] == [{"name": "predictions",
                                            "pred": "annotations/predictions.json"}]
    assert "pred" not in data["detection"] and data["detection"]["gt"]
    again = load_project(sample)
    assert again.models == project.models and again.inputs == project.inputs


def test_the_sample_holds_two_models_and_inputs_follow_the_chosen_one(sample):
    project = load_project(sample)
    models = project.model_set("detection")
    assert models.names == ["baseline", "retrained"] and models.current == "baseline"
    assert project.inputs_for("detection", "retrained").pred == \
        sample / "annotations/retrained.json"
    assert project.inputs_for("detection", "retrained").gt == project.inputs["detection"].gt
    other = project.with_current_model("detection", "retrained")
    assert other.inputs["detection"].pred.name == "retrained.json"
    with pytest.raises(ProjectError, match=r"no model named 'nope' \(models: baseline "
                                           r"\(current\), retrained\)"):
        project.inputs_for("detection", "nope")


@pytest.mark.parametrize(("change", "message"), [
    (lambda s: s["models"].append({"name": "baseline", "pred": "x.json"}),
     r"detection\.models\[2\]\.name: a second model named 'baseline'"),
    (lambda s: s.update(current_model="other"),
     r"detection\.current_model: 'other' is not one of the models"),
    (lambda s: s["models"][1].update(gt="x.json"),
     r"detection\.models\[1\]\.gt: not a key of a model \(a model has: name, pred, "
     r"pred_format\)"),
    (lambda s: s.update(pred="annotations/predictions.json"),
     r"detection\.pred: with 'models', give 'pred' inside each model"),
    (lambda s: s["models"][0].update(name="a b"),
     r"detection\.models\[0\]\.name: 'a b' is not a usable model name"),
    (lambda s: s["models"][1].update(pred=7), r"detection\.models\[1\]\.pred: wrong type int"),
])
def test_bad_model_entries_are_named_by_file_and_key(sample, change, message):
    config = json.loads((sample / "reviewer.json").read_text())
    change(config["detection"])
    (sample / "reviewer.json").write_text(json.dumps(config))
    with pytest.raises(ProjectError, match=message):
        load_project(sample)


def test_names_from_paths_and_name_equals_path():
    assert default_name("runs/exp3/predictions.json") == "predictions"
    assert default_name("semantic/pred/") == "pred"
    assert default_name("my preds (v2).json") == "my_preds_v2"
    assert default_name("???.json") == "model"
    assert parse_named(["a=x.json", "runs/lr=0.1/p.json", "y.json"]) == [
        ("a", "x.json"), (None, "runs/lr=0.1/p.json"), (None, "y.json")]


def test_init_with_named_predictions_loads_every_model(tmp_path, capsys):
    project = tmp_path / "p"
    assert main(["init", str(project), "--images", str(SAMPLE / "images"), "--gt",
                 str(SAMPLE / "annotations/instances_gt.json"), "--pred",
                 f"base={SAMPLE / 'annotations/predictions.json'}",
                 "--pred", str(SAMPLE / "annotations/retrained.json"), "-q"]) == 0
    assert "detection models: base (current), retrained" in capsys.readouterr().out
    data = json.loads((project / "reviewer.json").read_text())
    assert [m["name"] for m in data["detection"]["models"]] == ["base", "retrained"]
    assert main(["init", str(tmp_path / "q"), "--images", str(SAMPLE / "images"), "--gt",
                 str(SAMPLE / "annotations/instances_gt.json"), "--pred",
                 str(SAMPLE / "annotations/predictions.json"), "--pred",
                 f"{FOREIGN}", "-q"]) == 2
    err = capsys.readouterr().err
    assert "these predictions do not belong to" in err
    assert not (tmp_path / "q" / "reviewer.json").exists()
    assert main(["init", str(tmp_path / "r"), "--images", str(SAMPLE / "images"), "--gt",
                 str(SAMPLE / "annotations/instances_gt.json"), "--pred",
                 f"a={SAMPLE / 'annotations/predictions.json'}", "--pred",
                 f"a={SAMPLE / 'annotations/retrained.json'}", "-q"]) == 2
    assert "two models named 'a'" in capsys.readouterr().err


def test_models_command_lists_adds_renames_uses_and_removes(sample, capsys):
    assert main(["models", str(sample)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "detection: 2 models (current: baseline)"
    assert out[1].split() == ["*", "baseline", "annotations/predictions.json"]
    assert main(["models", str(sample), "add", "copy", str(sample / "annotations/predictions.json"),
                 "-q"]) == 0
    assert main(["models", str(sample), "rename", "copy", "copy2"]) == 0
    assert main(["models", str(sample), "use", "copy2"]) == 0
    capsys.readouterr()
    assert main(["models", str(sample), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed["current"] == "copy2"
    assert [m["name"] for m in listed["models"]] == ["baseline", "retrained", "copy2"]
    assert main(["models", str(sample), "remove", "copy2"]) == 0
    assert load_project(sample).model_set("detection").current == "baseline"
    assert main(["models", str(sample), "--task", "segmentation"]) == 0
    assert "segmentation: 2 models" in capsys.readouterr().out


def test_models_command_refuses_bad_input_and_changes_nothing(sample, capsys):
    before = (sample / "reviewer.json").read_bytes()
    assert main(["models", str(sample), "remove", "nope"]) == 2
    assert "no model named 'nope' (models: baseline (current), retrained)" in \
        capsys.readouterr().err
    assert main(["models", str(sample), "add", "baseline", str(sample / "annotations"
                                                             "/predictions.json")]) == 2
    assert "a model named 'baseline' exists already" in capsys.readouterr().err
    assert main(["models", str(sample), "add", "x:y", str(FOREIGN)]) == 2
    assert "not usable" in capsys.readouterr().err
    assert main(["models", str(sample), "add", "voc", str(FOREIGN)]) == 2
    assert "these predictions do not belong to" in capsys.readouterr().err
    assert (sample / "reviewer.json").read_bytes() == before


def test_model_flag_chooses_whose_predictions_and_unknown_names_exit_2(sample, capsys):
    assert main(["eval", str(sample), "--model", "retrained", "--json", "-q"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["model"] == "retrained"
    assert main(["eval", str(sample), "--json", "-q"]) == 0
    assert json.loads(capsys.readouterr().out)["model"] == "baseline"
    for command in (["score"], ["eval"], ["stats"], ["export", "--out", str(sample.parent / "o")]):
        assert main([*command[:1], str(sample), *command[1:], "--model", "nope", "-q"]) == 2
        assert "no model named 'nope' (models: baseline (current), retrained)" in \
            capsys.readouterr().err


def test_object_tags_on_predictions_belong_to_their_model(sample):
    with open_session(sample) as session:
        assert session.model == "baseline"
        session.history.execute(SetObjectTags(1, (), ("ghost",), source="pred", ann_id=3,
                                              model="baseline"))
        session.history.execute(SetObjectTags(1, (), ("gt tag",), source="gt", ann_id=3))
    with open_session(sample, model="retrained") as session:
        assert session.store.object_tags(1, "pred", "retrained:3") == set()
        assert session.store.object_tags(1, "pred", "baseline:3") == {"ghost"}
        assert session.store.object_tags(1, "gt", 3) == {"gt tag"}
    store = open_review_store(sample)
    try:
        assert ("street_000.jpg", "pred", "baseline:3") in store.all_object_tags()
    finally:
        store.close()


def test_an_earlier_reviewers_prediction_tags_become_the_first_models(sample):
    store = open_review_store(sample)
    try:
        store.add_object_tag("street_000.jpg", "pred", "5", "old tag")  # a bare id: schema 1
    finally:
        store.close()
    with open_session(sample, read_only=True, model="retrained") as session:  # not moved yet
        assert session.store.object_tags(1, "pred", "baseline:5") == {"old tag"}
        assert ("1", "pred", "baseline:5") in session.store.all_object_tags()
    with open_session(sample) as session:  # moved on a writable opening
        keys = set(session.store.store.all_object_tags())
        assert ("street_000.jpg", "pred", "baseline:5") in keys
        assert ("street_000.jpg", "pred", "5") not in keys
        cmd = SetObjectTags(1, ("old tag",), (), source="pred", ann_id=5)  # an old journal's
        session.history.execute(cmd)
        assert session.store.object_tags(1, "pred", "baseline:5") == set()
    assert main(["models", str(sample), "rename", "baseline", "base", "-q"]) == 0
    with open_session(sample) as session:
        session.history.execute(SetObjectTags(1, (), ("again",), source="pred", ann_id=5,
                                              model="base"))
    assert main(["models", str(sample), "rename", "base", "first"]) == 0
    with open_session(sample, read_only=True) as session:
        assert session.store.object_tags(1, "pred", "first:5") == {"again"}
