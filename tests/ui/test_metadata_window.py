"""The window's metadata: columns in the image table, the where field, Slices by Column (the
numbers of `reviewer slices --json`) with a click that lists a slice, and the Leaks panel
(background check, side-by-side pair, move to the other partition as an undoable command)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from reviewer.cli import main

from .conftest import open_window

LEMONS = Path(__file__).resolve().parents[2] / "sample_project" / "lemons"
JOB_TIMEOUT = 60_000


@pytest.fixture
def lemons(tmp_path) -> Path:
    proj = Path(shutil.copytree(LEMONS, tmp_path / "lemons",
                                ignore=shutil.ignore_patterns("review.sqlite*")))
    assert main(["splits", str(proj), "--make", "train=0.5,test=0.5", "--seed", "2",
                 "-q"]) == 0  # a random split: the same lemon lands in both partitions
    return proj


def test_metadata_columns_where_field_and_slices_by_column(qtbot, settings, lemons, capsys):
    capsys.readouterr()
    assert main(["slices", str(lemons), "--by", "split", "--json", "-q"]) == 0
    cli = json.loads(capsys.readouterr().out)
    assert main(["eval", str(lemons), "--where", "split=test and angle in a,b", "--json",
                 "-q"]) == 0
    want = json.loads(capsys.readouterr().out)["images"]
    window, c = open_window(qtbot, settings, lemons)
    model = c.model
    col = model.column_of("meta:split")
    assert col >= 0 and model.column_of("meta:fruit_id") >= 0
    values = {model.data(model.index(r, col)) for r in range(model.rowCount())}
    assert values == {"train", "test"}
    model.sort(col)  # sortable like any column
    # the where field: the language of --where, shown as the subset chip
    bar = window.filter_bar
    bar.where.setText("split=test and angle in a,b")
    bar.where.returnPressed.emit()
    assert model.rowCount() == want and not bar.subset_chip.isHidden()
    bar.where.setText("splt=test")
    bar.where.returnPressed.emit()
    assert "did you mean 'split'" in bar.where.toolTip() and model.rowCount() == want
    bar.subset_chip.click()
    assert model.rowCount() == 144 and bar.where.text() == ""
    # Slices by Column: the same payload as the CLI, computed in the background
    links = c.analysis
    panel = links.panels["column_slices"]
    with qtbot.waitSignal(links.refreshed, timeout=JOB_TIMEOUT,
                          check_params_cb=lambda name: name == "column_slices"):
        c.show_analysis("column_slices")
    panel.column.setCurrentIndex(panel.column.findText("split"))
    qtbot.waitUntil(lambda: panel.payload is not None and panel.payload["by"] == "split",
                    timeout=JOB_TIMEOUT)
    assert panel.payload["slices"] == cli["slices"]
    table = panel.table
    row = next(r for r in range(table.rowCount()) if table.item(r, 0).text() == "test")
    panel._on_table_cell_clicked(row, 0)
    assert model.rowCount() == cli["slices"]["test"]["images"]


def test_leaks_panel_checks_in_the_background_and_moves_an_image(qtbot, settings, lemons):
    window, c = open_window(qtbot, settings, lemons)
    links = c.analysis
    panel = links.panels["leaks"]
    c.show_analysis("leaks")
    panel.group_by.setCurrentIndex(panel.group_by.findText("fruit_id"))
    with qtbot.waitSignal(links.refreshed, timeout=JOB_TIMEOUT,
                          check_params_cb=lambda name: name == "leaks"):
        panel.check.click()
    leaks = panel.payload["leaks"]
    assert leaks and all(e["reason"] == "group" for e in leaks)
    first = leaks[0]
    assert panel.left.row == first["rows"][0] and panel.right.row == first["rows"][1]
    assert not panel.left.picture.pixmap().isNull()
    assert c.current == first["rows"][0]
    # move the right image into the left one's partition: one undoable command
    before = c.session.history.index
    with qtbot.waitSignal(links.refreshed, timeout=JOB_TIMEOUT,
                          check_params_cb=lambda name: name == "leaks"):
        panel.right.move.click()
    assert c.session.history.index == before + 1
    split = c.model.column_of("meta:split")
    view_row = c.model.view_row(first["rows"][1])
    assert c.model.data(c.model.index(view_row, split)) == first["splits"][0]
    assert len(panel.payload["leaks"]) < len(leaks) or panel.payload["leaks"] != leaks
    with qtbot.waitSignal(links.refreshed, timeout=JOB_TIMEOUT,
                          check_params_cb=lambda name: name == "leaks"):
        c.undo()  # the figures are stale: the visible panel checks again
    assert c.model.data(c.model.index(c.model.view_row(first["rows"][1]), split)) == \
        first["splits"][1]
    assert panel.payload["leaks"] == leaks
    left = panel.left.row
    panel.left.tag.click()
    assert "leak" in c.session.store.image_tags(c.image_id(left))
