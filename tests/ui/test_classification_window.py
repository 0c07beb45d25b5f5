"""The review window on the lemon sample (classification): the label card, relabel keys (L, A,
Alt+digit) on one image or on several selected ones as one history entry, and the analysis
panels computed from the same functions as `reviewer eval` / `reviewer stats`."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QItemSelectionModel, Qt

from reviewer.io.evaluation import session_eval
from reviewer.io.stats import stats_payload

from .conftest import open_window

LEMONS = Path(__file__).resolve().parents[2] / "sample_project" / "lemons"
JOB_TIMEOUT = 30_000


@pytest.fixture
def lemons(tmp_path) -> Path:
    return Path(shutil.copytree(LEMONS, tmp_path / "lemons",
                                ignore=shutil.ignore_patterns("review.sqlite*")))


def _key(window, key, mods=Qt.KeyboardModifier.NoModifier):
    from PySide6.QtTest import QTest
    window.canvas.setFocus()
    QTest.keyClick(window.canvas, key, mods)


def test_the_worst_image_shows_its_label_and_a_key_accepts_the_prediction(qtbot, settings,
                                                                          lemons):
    window, c = open_window(qtbot, settings, lemons)
    doc = c.session.document
    row = c.current
    assert row == int(np.argmax(doc.table["error"]))  # the confidently wrong first
    card = window.canvas.label_card
    assert card.isVisible() and card.label.label == "mold"
    assert card.label.predicted == "no mold" and card.label.correct is False
    assert [n for n, _ in card.label.top] == ["no mold", "mold"]
    model = c.model
    assert model.data(model.index(0, model.column_of("target"))) == "mold"
    _key(window, Qt.Key.Key_A)  # the label becomes the predicted class
    image_id = c.image_id(row)
    assert doc.label_of(image_id) == "no mold" and c.session.history.index == 1
    assert window.canvas.label_card.label.original == "mold"
    _key(window, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)  # class 1: mold
    assert doc.label_of(image_id) == "mold" and c.session.history.index == 2
    c.undo()
    assert doc.label_of(image_id) == "no mold"


def test_several_selected_images_are_relabelled_as_one_history_entry(qtbot, settings, lemons):
    window, c = open_window(qtbot, settings, lemons)
    doc, model = c.session.document, c.model
    selection = window.table.selectionModel()
    rows = [model.image_row(v) for v in (0, 1, 2)]
    for v in (0, 1, 2):
        selection.select(model.index(v, 0), QItemSelectionModel.SelectionFlag.Select
                         | QItemSelectionModel.SelectionFlag.Rows)
    _key(window, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)  # class 2: no mold
    assert [doc.label_of(c.image_id(r)) for r in rows] == ["no mold"] * 3
    assert c.session.history.index == 1
    c.undo()
    assert [doc.label_of(c.image_id(r)) for r in rows] == \
        [doc.original_label(r) for r in rows]


def test_analysis_panels_show_the_engine_numbers(qtbot, settings, lemons):
    window, c = open_window(qtbot, settings, lemons, active=False)
    for name in ("tag_stats", "confusion", "class_metrics"):
        with qtbot.waitSignal(c.analysis.refreshed, timeout=JOB_TIMEOUT,
                              check_params_cb=lambda n, name=name: n == name):
            c.show_analysis(name)
    truth = session_eval(c.session)
    metrics = c.analysis.panels["class_metrics"].metrics
    assert metrics["metric_after"] == pytest.approx(truth["overall"]["accuracy"])
    heat = c.analysis.panels["confusion"].heatmap
    assert np.asarray(heat.matrix).tolist() == truth["confusion"]["matrix"]
    stats = c.analysis.panels["tag_stats"].payload
    assert stats["metric_overall"] == stats_payload(c.session)["metric_overall"]
    c.analysis.runner.cancel()
    c.analysis.runner.wait()
