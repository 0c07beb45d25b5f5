"""The classification document and ``SetLabel``: do -> undo -> redo, the journal payload, the
conflict checks of a replay onto a changed GT, and the one-row re-score."""

from __future__ import annotations

import json

import numpy as np
import pytest

from reviewer.core import commands as C
from reviewer.core.conflicts import CommandConflictError
from reviewer.tasks.classification.commands import SetLabel
from reviewer.tasks.classification.document import ClassificationDocument
from reviewer.tasks.classification.metrics import evaluate
from reviewer.tasks.classification.scores import score_table

from .helpers import make_ds, random_probs


@pytest.fixture
def doc():
    rng = np.random.default_rng(7)
    probs = random_probs(rng, 60, 4, 2.0)
    targets = rng.integers(0, 4, 60)
    targets[0] = -1
    return ClassificationDocument(make_ds(probs, targets, names=["a", "b", "c", "d"]))


def _fresh(doc):
    return score_table(doc.base, doc.threshold, doc.thresholds, doc.labels)


def _same(a: dict, b: dict) -> None:
    for col in a:
        x, y = np.asarray(a[col]), np.asarray(b[col])
        if x.dtype.kind == "f":
            assert np.array_equal(x, y, equal_nan=True), col
        else:
            assert np.array_equal(x, y), col


def test_set_label_do_undo_redo(doc):
    image = doc.base.images.ids[3]
    before = doc.label_of(image)
    after = next(n for n in doc.class_names if n != before)
    original = {k: v.copy() for k, v in doc.table.items()}
    fired = []
    doc.annotations_changed.connect(fired.append)
    cmd = SetLabel(image, before, after)
    cmd.redo(doc)
    assert doc.label_of(image) == after and doc.corrected_images == {3} and fired == [3]
    _same(doc.table, _fresh(doc))
    assert doc.table["target"][3] == doc.class_of(after)
    _same(doc.table_before, original)
    cmd.undo(doc)
    assert doc.label_of(image) == before and doc.corrected_images == set()
    _same(doc.table, original)
    cmd.redo(doc)
    _same(doc.table, _fresh(doc))
    assert fired == [3, 3, 3]


def test_labelling_an_unlabelled_image_and_removing_a_label(doc):
    image = doc.base.images.ids[0]
    SetLabel(image, None, "c").redo(doc)
    assert doc.labels[0] == 2 and not np.isnan(doc.table["error"][0])
    SetLabel(doc.base.images.ids[1], doc.label_of(doc.base.images.ids[1]), None).redo(doc)
    assert doc.labels[1] == -1 and np.isnan(doc.table["correct"][1])
    _same(doc.table, _fresh(doc))


def test_payload_round_trip_through_the_registry(doc):
    cmd = SetLabel("img_00003.jpg", "a", None)
    payload = json.loads(json.dumps(cmd.to_payload()))
    assert payload == {"kind": "set_label", "image_id": "img_00003.jpg", "before": "a",
                       "after": None}
    assert C.from_payload(payload) == cmd
    macro = C.Macro(None, "relabel 2", (SetLabel("x", "a", "b"), SetLabel("y", None, "c")))
    assert C.from_payload(json.loads(json.dumps(macro.to_payload()))) == macro
    assert cmd.targets() == ('["label","img_00003.jpg"]',)


def test_conflicts_when_the_gt_changed(doc):
    image = doc.base.images.ids[5]
    current = doc.label_of(image)
    other = next(n for n in doc.class_names if n != current)
    assert SetLabel(image, current, other).conflict(doc) is None
    stale = SetLabel(image, other, current)
    assert "its label is" in stale.conflict(doc)
    assert "no longer in the ground truth" in SetLabel("gone.jpg", "a", "b").conflict(doc)
    assert "not a class" in SetLabel(image, current, "zebra").conflict(doc)
    rebased = stale.rebased(doc)
    assert rebased.before == current and rebased.conflict(doc) is None
    with pytest.raises(CommandConflictError):
        SetLabel("gone.jpg", "a", "b").rebased(doc)
    with pytest.raises(CommandConflictError):
        SetLabel(image, current, "zebra").rebased(doc)
    assert doc.has_image(["unhashable"]) is False


def test_unknown_class_is_refused_and_leaves_nothing_changed(doc):
    image = doc.base.images.ids[2]
    before = doc.labels.copy()
    with pytest.raises(ValueError, match="not a class"):
        SetLabel(image, doc.label_of(image), "zebra").redo(doc)
    assert np.array_equal(doc.labels, before) and doc.version == 0


def test_metrics_follow_the_corrections(doc):
    before = evaluate(doc.base)
    wrong = np.flatnonzero(doc.table["correct"] == 0)
    for i in wrong[:5]:
        image = doc.base.images.ids[i]
        SetLabel(image, doc.label_of(image), doc.class_names[doc.table["predicted"][i]]).redo(doc)
    after = doc.evaluate()
    assert after["overall"]["accuracy"] > before["overall"]["accuracy"]
    assert doc.evaluate(original=True) == before
    assert after == evaluate(doc.dataset())
    assert np.nanmean(doc.table["correct"]) == pytest.approx(after["overall"]["accuracy"])


def test_rescored_threshold_swaps_tables_and_refuses_stale_results():
    p = np.linspace(0.05, 0.95, 19).astype(np.float32)
    d = ClassificationDocument(make_ds(np.stack([1 - p, p], 1), (p > 0.4).astype(int),
                                       positive=1))
    reset = []
    d.scores_reset.connect(lambda: reset.append(True))
    result = d.rescored(0.3)
    assert d.apply_rescored(result) and reset == [True] and d.threshold == 0.3
    assert d.table["predicted"].tolist() == (p >= 0.3).astype(int).tolist()
    stale = d.rescored(0.7)
    SetLabel(d.base.images.ids[0], "c0", "c1").redo(d)
    assert not d.apply_rescored(stale) and d.threshold == 0.3


def test_top_classes(doc):
    top = doc.top_classes(4, k=3)
    p = doc.base.probs[4]
    assert [n for n, _ in top] == [doc.class_names[j] for j in np.argsort(-p)[:3]]
