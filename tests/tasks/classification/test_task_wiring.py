"""The classification task through the CLI, the session and the export: the numbers come from
scikit-learn run here on the sample's own CSV files; relabels are journalled commands."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as sk

from reviewer.cli import main
from reviewer.io.session import open_session
from reviewer.tasks.classification.commands import SetLabel

LEMONS = Path(__file__).resolve().parents[3] / "sample_project" / "lemons"


@pytest.fixture
def lemons(tmp_path) -> Path:
    return Path(shutil.copytree(LEMONS, tmp_path / "lemons",
                                ignore=shutil.ignore_patterns("review.sqlite*")))


def _json(capsys, *argv) -> dict:
    capsys.readouterr()
    assert main([str(a) for a in argv]) == 0
    return json.loads(capsys.readouterr().out)


def _oracle(labels_csv: Path, preds_csv: Path, threshold: float = 0.5):
    gt = pd.read_csv(labels_csv)
    pr = pd.read_csv(preds_csv).set_index("image").loc[gt["image"]]
    y = (gt["label"] == "mold").to_numpy()
    p = pr["mold"].to_numpy()
    return y, p, (p >= threshold)


def test_init_guesses_the_task_and_eval_equals_scikit_learn(lemons, tmp_path, capsys):
    proj = tmp_path / "proj"
    assert main(["init", str(proj), "--images", str(lemons / "images"), "--gt",
                 str(lemons / "labels.csv"), "--pred", str(lemons / "predictions.csv"),
                 "--positive", "mold", "-q"]) == 0
    payload = _json(capsys, "eval", proj, "--json", "-q")
    assert payload["task"] == "classification" and payload["ground_truth"] == "corrected"
    y, p, pred = _oracle(lemons / "labels.csv", lemons / "predictions.csv")
    o = payload["overall"]
    assert o["accuracy"] == pytest.approx(sk.accuracy_score(y, pred))
    assert o["balanced_accuracy"] == pytest.approx(sk.balanced_accuracy_score(y, pred))
    assert o["log_loss"] == pytest.approx(sk.log_loss(y, np.stack([1 - p, p], 1)), abs=1e-6)
    assert payload["per_class"]["mold"]["ap"] == pytest.approx(
        sk.average_precision_score(y, p), abs=1e-6)
    assert payload["per_class"]["mold"]["roc_auc"] == pytest.approx(sk.roc_auc_score(y, p),
                                                                    abs=1e-6)
    m = np.array(payload["confusion"]["matrix"])  # rows GT, columns predicted; mold first
    assert m.tolist() == sk.confusion_matrix(~y, ~pred, labels=[False, True]).tolist()


def test_cost_finds_the_cheapest_threshold(lemons, capsys):
    payload = _json(capsys, "cost", lemons, "--fp-cost", "1", "--fn-cost", "5", "--json", "-q")
    y, p, _ = _oracle(lemons / "labels.csv", lemons / "predictions.csv")
    costs = {}
    for t in np.unique(np.concatenate([p, [1.1]])):
        fp, fn = int(((p >= t) & ~y).sum()), int(((p < t) & y).sum())
        costs[float(t)] = (fp + 5 * fn) / len(y)
    assert payload["best"]["cost"] == pytest.approx(min(costs.values()))
    assert payload["at_0_5"]["cost"] == pytest.approx(
        (((p >= 0.5) & ~y).sum() + 5 * ((p < 0.5) & y).sum()) / len(y))
    capsys.readouterr()
    assert main(["cost", str(lemons), "--fp-cost", "1", "--fn-cost", "5", "--set", "-q"]) == 0
    config = json.loads((lemons / "reviewer.json").read_text())
    assert config["classification"]["threshold"] == pytest.approx(payload["best"]["threshold"])


def test_relabels_are_journalled_replayed_exported_and_counted(lemons, tmp_path, capsys):
    wrong = "lemon_05_b.jpg"  # labelled mold, photographed clean (the sample's README)
    with open_session(lemons) as s:
        assert s.document.label_of(wrong) == "mold"
        s.history.execute(SetLabel(wrong, "mold", "no mold"))
        assert s.document.table["correct"][s.document.image_row(wrong)] == 1
        s.history.undo()
        s.history.redo()
    with open_session(lemons, read_only=True) as s:  # replayed after a restart
        assert s.document.label_of(wrong) == "no mold"
        assert s.document.corrected_images == {s.document.image_row(wrong)}
    after = _json(capsys, "eval", lemons, "--json", "-q")
    before = _json(capsys, "eval", lemons, "--json", "--original", "-q")
    assert after["overall"]["accuracy"] > before["overall"]["accuracy"]
    out = tmp_path / "out"
    assert main(["export", str(lemons), "--out", str(out), "-q"]) == 0
    rows = {r["image"]: r for r in csv.DictReader((out / "labels.csv").read_text().splitlines())}
    assert rows[wrong]["label"] == "no mold" and rows[wrong]["fruit_id"] == "L05"
    changes = list(csv.DictReader((out / "changes.csv").read_text().splitlines()))
    assert any(c["change"] == "relabel mold -> no mold" for c in changes)
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["metric_before"] == pytest.approx(before["overall"]["accuracy"])
    assert metrics["metric_after"] == pytest.approx(after["overall"]["accuracy"])


def test_a_relabel_onto_a_changed_label_file_is_set_aside(lemons):
    image = "lemon_05_b.jpg"
    with open_session(lemons) as s:
        s.history.execute(SetLabel(image, "mold", "no mold"))
    table = pd.read_csv(lemons / "labels.csv")
    table.loc[table["image"] == image, "label"] = "no mold"  # fixed at the source meanwhile
    table.to_csv(lemons / "labels.csv", index=False)
    with open_session(lemons) as s:
        assert [c.command.kind for c in s.history.conflicts] == ["set_label"]
        assert "its label is 'no mold' now" in s.history.conflicts[0].reason


def test_tag_statistics_count_wrong_predictions_as_errors(lemons, capsys):
    assert main(["tag", str(lemons), "lemon_05_b.jpg", "label wrong", "-q"]) == 0
    payload = _json(capsys, "stats", lemons, "--json", "-q")
    y, _, pred = _oracle(lemons / "labels.csv", lemons / "predictions.csv")
    assert payload["erroneous_images"] == int((y != pred).sum())
    assert payload["erroneous_rule"] == "wrong prediction"
    assert payload["metric_name"] == "accuracy"
    assert payload["metric_overall"] == pytest.approx(sk.accuracy_score(y, pred))


def test_an_image_folder_tree_is_a_classification_ground_truth(tmp_path, capsys):
    tree = tmp_path / "tree"
    table = pd.read_csv(LEMONS / "labels.csv")
    for image, label in zip(table["image"], table["label"], strict=True):
        (tree / label).mkdir(parents=True, exist_ok=True)
        shutil.copy(LEMONS / "images" / image, tree / label / image)
    proj = tmp_path / "proj"
    assert main(["init", str(proj), "--images", str(tree), "--gt", str(tree), "--pred",
                 str(LEMONS / "predictions.csv"), "--positive", "mold", "-q"]) == 0
    payload = _json(capsys, "eval", proj, "--json", "-q")
    y, _, pred = _oracle(LEMONS / "labels.csv", LEMONS / "predictions.csv")
    assert payload["images"] == len(y)
    assert payload["overall"]["accuracy"] == pytest.approx(sk.accuracy_score(y, pred))
