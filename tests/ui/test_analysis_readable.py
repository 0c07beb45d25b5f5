"""Analysis panels readable at any size: the confusion matrix's "top confusions" list, zoom,
"missed" / "ghost" axes and 150 classes; the tag statistics' default order, folding and the four
course columns. Oracles: the document's confusion pairs and matrix (numpy in the test) and
``stats_payload``; real windows on copies of the sample project; no sleeps.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QToolButton

from reviewer.core.commands import SetImageTags
from reviewer.io.stats import stats_payload
from reviewer.ui.analysis.common import VALUE_ROLE
from reviewer.ui.analysis.confusion_panel import ConfusionPanel
from reviewer.ui.analysis.confusion_top import top_confusions
from reviewer.ui.analysis.tag_stats_panel import TagStatsPanel

from .conftest import copy_sample, open_window

JOB_TIMEOUT = 30_000
TAGGED = {"occlusion": (0, 3, 5, 8, 13, 21), "faded marking": (3, 4, 30),
          "blur": (1, 2, 3, 4, 5, 6, 7, 9, 10, 11)}


@pytest.fixture
def window(qtbot, settings, tmp_path):
    window, c = open_window(qtbot, settings, copy_sample(tmp_path / "project"), active=False)
    yield window, c
    c.analysis.runner.cancel()
    c.analysis.runner.wait()


def _show(qtbot, c, name: str) -> None:
    with qtbot.waitSignal(c.analysis.refreshed, timeout=JOB_TIMEOUT,
                          check_params_cb=lambda n: n == name):
        c.show_analysis(name)


def _largest_off_diagonal(matrix, exclude_last: bool) -> list[tuple[int, int, int]]:
    """Oracle: every non-zero off-diagonal cell, largest first (ties by row, column)."""
    m = np.asarray(matrix)
    cells = [(int(m[r, j]), r, j) for r in range(m.shape[0]) for j in range(m.shape[1])
             if r != j and m[r, j] > 0
             and not (exclude_last and (r == m.shape[0] - 1 or j == m.shape[1] - 1))]
    return sorted(cells, key=lambda t: (-t[0], t[1], t[2]))


# --- confusion ------------------------------------------------------------------------------
def test_top_confusions_are_the_largest_off_diagonal_cells_and_click_like_cells(window, qtbot):
    w, c = window
    _show(qtbot, c, "confusion")
    panel = c.analysis.panels["confusion"]
    doc = c.session.document
    matrix = doc.confusion()
    assert np.array_equal(panel.heatmap.matrix, matrix)
    k = len(doc.base.categories)
    assert panel.heatmap.rows[k] == "ghost" and panel.heatmap.columns[k] == "missed"
    assert "missed" in panel.heatmap.cell_text(0, k) and "ghost" in panel.heatmap.cell_text(k, 0)
    assert not panel.with_background.isChecked()  # class-to-class confusions first
    assert panel.top.entries == _largest_off_diagonal(matrix, exclude_last=True)[:50]
    panel.with_background.setChecked(True)
    assert panel.top.entries == _largest_off_diagonal(matrix, exclude_last=False)[:50]
    count, r, j = panel.top.entries[0]
    assert panel.top.item(0, 1).text() == f"{count:,}"
    assert panel.top.item(0, 0).text() == f"{panel.heatmap.rows[r]} → {panel.heatmap.columns[j]}"
    pairs = doc.pairs
    oracle = set(pairs["image"][(pairs["gt_class"] == r) & (pairs["pred_class"] == j)].tolist())
    rect = panel.top.visualItemRect(panel.top.item(0, 0))
    qtbot.mouseClick(panel.top.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert set(c.model.order.tolist()) == oracle  # exactly what a click on the cell lists
    assert panel.heatmap.selected == (r, j)
    assert f"{panel.heatmap.rows[r]} → {panel.heatmap.columns[j]}" in w.filter_bar.subset_chip.text()


def test_top_confusions_function_matches_a_plain_sort():
    rng = np.random.default_rng(3)
    m = rng.integers(0, 5, size=(21, 21)) * (rng.random((21, 21)) < 0.3)
    got = top_confusions(m, limit=1000, special_rows=(20,), special_columns=(20,),
                         include_special=True)
    assert got == _largest_off_diagonal(m, exclude_last=False)
    classes_only = top_confusions(m, limit=7, special_rows=(20,), special_columns=(20,),
                                  include_special=False)
    assert classes_only == _largest_off_diagonal(m, exclude_last=True)[:7]


def test_matrix_zooms_and_scrolls_with_readable_cells(window, qtbot):
    w, c = window
    _show(qtbot, c, "confusion")
    heat = c.analysis.panels["confusion"].heatmap
    cell = heat._layout()[2]
    assert cell >= heat.readable_cell() == 18  # 5 rows: counts always fit
    heat.zoom_by(2.0)
    assert heat._layout()[2] == pytest.approx(min(80, cell * 2.0))
    assert heat.minimumWidth() >= heat._layout()[2] * len(heat.columns)
    heat.fit()
    assert heat.cell_size is None and heat._layout()[2] >= 18


def test_150_classes_scroll_instead_of_shrinking_to_dots(qtbot):
    panel = ConfusionPanel()  # the heat map in its scroll area, beside the list
    qtbot.addWidget(panel)
    names = [f"class {i}" for i in range(150)]
    matrix = np.zeros((150, 151), np.int64)  # (K, K+1): the last column is void
    matrix[np.arange(150), np.arange(150)] = np.arange(1, 151)
    matrix[3, 7] = 40
    panel.set_matrix(matrix, names, names + ["void"], "pixels", (), (150,))
    panel.resize(1300, 320)
    panel.show()
    qtbot.waitExposed(panel)
    heat = panel.heatmap
    assert heat.readable_cell() == 6
    assert heat.height() >= 150 * 6 > panel.scroll.viewport().height()  # it scrolls
    assert panel.scroll.verticalScrollBar().maximum() > 0
    assert panel.top.entries[0] == (40, 3, 7)
    plus = next(b for b in panel.header.findChildren(QToolButton) if b.text() == "+")
    for _ in range(5):  # 6 * 1.25^5 = 18.3: every label and count readable
        plus.click()
    assert heat._layout()[2] == pytest.approx(6 * 1.25 ** 5)
    panel.select_cell(3, 7)  # what a click on the list does: mark it and scroll to it
    centre = heat.cell_center(3, 7)
    visible = heat.visibleRegion().boundingRect()
    assert visible.contains(centre)
    QTest.mouseMove(heat, centre)
    qtbot.waitUntil(lambda: heat._hover == (3, 7))
    assert heat.selected == (3, 7)
    assert "GT class 3 predicted as class 7: 40 pixels" in heat.cell_text(3, 7)


# --- tag statistics -------------------------------------------------------------------------
def _tag_images(c) -> None:
    store = c.session.store
    for name, rows in TAGGED.items():
        for row in rows:
            key = c.image_id(row)
            before = tuple(sorted(store.image_tags(key)))
            c.execute(SetImageTags(key, before, tuple(sorted(set(before) | {name}))))


def test_tag_statistics_open_sorted_by_room_with_unused_tags_folded(window, qtbot):
    w, c = window
    _tag_images(c)
    _show(qtbot, c, "tag_stats")
    panel = c.analysis.panels["tag_stats"]
    oracle = stats_payload(c.session)
    used = {t: e for t, e in oracle["tags"].items() if e["images"]}
    assert set(used) == set(TAGGED)
    shown = [panel.table.item(r, 0).text() for r in range(panel.table.rowCount())]
    expected = sorted(used, key=lambda t: (-used[t]["room_for_improvement"],
                                          -used[t]["images"]))
    assert shown == expected  # room for improvement first, ties: more images
    header = panel.table.horizontalHeader()
    assert header.sortIndicatorSection() == panel.column_of("room_for_improvement")
    assert header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    assert "hidden" in panel.header.summary.text()
    panel.show_unused.setChecked(True)
    assert panel.table.rowCount() == len(oracle["tags"])
    rooms = [panel.table.item(r, panel.column_of("room_for_improvement")).data(VALUE_ROLE)
             for r in range(panel.table.rowCount())]
    known = [v for v in rooms if v is not None]
    assert rooms[:len(known)] == known and known == sorted(known, reverse=True)


def test_the_four_course_columns_fit_without_scrolling(qtbot, window):
    w, c = window
    payload = stats_payload(c.session)
    panel = TagStatsPanel()
    qtbot.addWidget(panel)
    panel.resize(1366 - 20, 280)  # a dock across a 1366-pixel window
    panel.show()
    qtbot.waitExposed(panel)
    panel.show_unused.setChecked(True)
    panel.set_payload(payload)
    header = panel.table.horizontalHeader()
    course = [panel.column_of(k) for k in ("share_of_errors", "error_rate", "share_of_images",
                                           "room_for_improvement")]
    assert course == [1, 2, 3, 4]
    right = max(header.sectionPosition(col) + header.sectionSize(col) for col in course)
    assert right <= panel.table.viewport().width()
    assert panel.table.horizontalScrollBar().value() == 0
