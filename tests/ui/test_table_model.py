"""ImageTableModel over a 100k-row synthetic table: numpy ranking and filtering, dataChanged."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6.QtCore import Qt

from reviewer.core.review import NullReview
from reviewer.ui.models.image_filter import ImageFilter, ReviewColumns, filter_mask
from reviewer.ui.models.image_table_model import ImageTableModel, columns_for

N, K = 100_000, 5


@pytest.fixture(scope="module")
def synth():
    rng = np.random.default_rng(7)
    counts = {c: rng.integers(0, 3, size=(N, K)) for c in ("gt", "tp", "fp", "fn")}
    fp, fn = counts["fp"].sum(1), counts["fn"].sum(1)
    table = {
        "image_id": np.arange(N, dtype=object) + 1000,
        "file_name": np.array([f"img_{i:06d}.jpg" for i in range(N)], dtype=object),
        "error": (fp + fn).astype(np.float64),
        "tp": counts["tp"].sum(1), "fp": fp, "fn": fn,
        "mispredicted": rng.integers(0, 2, N),
        "f1": rng.random(N),
        "mean_iou": np.where(rng.random(N) < 0.1, np.nan, rng.random(N)),
    }
    review = NullReview()
    statuses = rng.choice(["reviewed", "skipped", "unreviewed"], size=N)
    for i in np.flatnonzero(statuses != "unreviewed")[:5000]:
        review.set_status(str(1000 + i), statuses[i])
    for i in range(0, N, 97):
        review.set_image_tags(str(1000 + i), {"blur"})
    return table, counts, review


def _model(synth, qtbot=None):
    table, counts, review = synth
    cols = columns_for(table, "detection") + [("mean_iou", "Mean IoU")]
    return ImageTableModel(table, cols, ReviewColumns(table["image_id"], review), counts,
                           [f"c{k}" for k in range(K)])


def test_default_ranking_is_worst_first_with_f1_ties(synth):
    model = _model(synth)
    table = synth[0]
    oracle = np.lexsort((np.arange(N), table["f1"], -table["error"]))
    assert np.array_equal(model.order, oracle)
    assert model.rowCount() == N
    first = model.index(0, model.column_of("error")).data()
    assert first == f"{table['error'].max():.0f}"


@pytest.mark.parametrize("ascending", [True, False])
def test_sort_by_any_column_both_ways(synth, ascending):
    model = _model(synth)
    table = synth[0]
    t0 = time.perf_counter()
    model.sort(model.column_of("mean_iou"),
               Qt.SortOrder.AscendingOrder if ascending else Qt.SortOrder.DescendingOrder)
    assert time.perf_counter() - t0 < 1.0  # numpy: tens of ms at 100k rows
    values = table["mean_iou"][model.order]
    finite = values[~np.isnan(values)]
    assert np.all(np.diff(finite) >= 0) if ascending else np.all(np.diff(finite) <= 0)
    assert np.isnan(values[len(finite):]).all()  # NaN last either way
    assert sorted(model.order.tolist()) == list(range(N))


def test_filter_by_status_tag_text_and_range(synth):
    model = _model(synth)
    table, counts, review = synth
    statuses = np.array([review.status(str(k)) for k in table["image_id"]])
    model.set_filter(ImageFilter(status="reviewed"))
    assert model.rowCount() == int((statuses == "reviewed").sum())
    assert {model.index(r, model.column_of("status")).data() for r in range(50)} == {"reviewed"}
    model.set_filter(ImageFilter(tag="blur", text="IMG_0001"))
    expected = [i for i in range(0, N, 97) if "img_0001" in table["file_name"][i]]
    assert sorted(model.order.tolist()) == expected
    model.set_filter(ImageFilter(metric="mean_iou", lo=0.25, hi=0.5))
    v = table["mean_iou"]
    assert model.rowCount() == int(((v >= 0.25) & (v <= 0.5)).sum())
    model.set_filter(ImageFilter())
    assert model.rowCount() == N


def test_filter_by_class_present_and_missed(synth):
    table, counts, _ = synth
    model = _model(synth)
    model.set_filter(ImageFilter(class_name="c3", class_mode="missed"))
    assert sorted(model.order.tolist()) == np.flatnonzero(counts["fn"][:, 3] > 0).tolist()
    present = (counts["gt"][:, 2] + counts["tp"][:, 2] + counts["fp"][:, 2]) > 0
    mask = filter_mask(ImageFilter(class_name="c2"), table, model.review, counts, model.class_names)
    assert np.array_equal(mask, present)
    assert not filter_mask(ImageFilter(class_name="nope"), table, model.review, counts,
                           model.class_names).any()


def test_edit_emits_data_changed_not_reset(synth, qtbot):
    table, _, review = synth
    model = _model(synth)
    image_row = int(model.order[10])
    resets = []
    model.modelReset.connect(lambda: resets.append(1))
    review.set_status(str(table["image_id"][image_row]), "needs-second-look")
    model.review.update_row(image_row, review)
    with qtbot.waitSignal(model.dataChanged) as blocker:
        model.refresh_image(image_row)
    top, bottom = blocker.args[:2]
    assert top.row() == bottom.row() == 10
    assert model.index(10, model.column_of("status")).data() == "second look"
    assert not resets


def test_navigation_in_ranking(synth):
    model = _model(synth)
    first, second = int(model.order[0]), int(model.order[1])
    assert model.neighbour(first, 1) == second
    assert model.neighbour(second, -1) == first
    assert model.neighbour(first, -1) is None
    unreviewed = model.review.status[model.order] == "unreviewed"
    expected = int(model.order[np.flatnonzero(unreviewed)[np.flatnonzero(unreviewed) > 0][0]])
    assert model.next_unreviewed(first) == expected


def test_model_passes_qt_model_tester(qtmodeltester):
    rng = np.random.default_rng(1)
    table = {"image_id": np.arange(30, dtype=object), "file_name": np.array(
        [f"f{i}.png" for i in range(30)], dtype=object), "error": rng.random(30),
        "miou": rng.random(30), "iou_road": rng.random(30)}
    cols = columns_for(table, "segmentation")
    assert [k for k, _ in cols] == ["file_name", "error", "miou", "iou_road", "status", "tags",
                                   "corrected"]
    model = ImageTableModel(table, cols, ReviewColumns(table["image_id"]))
    qtmodeltester.check(model)
    model.set_filter(ImageFilter(class_name="road", class_mode="present"))
    assert model.rowCount() == 30
    model.sort(2, Qt.SortOrder.AscendingOrder)
    assert np.array_equal(model.order, np.argsort(table["miou"]))
