"""The grid's layout arithmetic (``reviewer/ui/grid/layout.py``, Qt-free) against brute force:
every cell's rectangle listed one by one is the oracle for the point, band, rubber-band and
navigation answers the grid computes by division."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from reviewer.ui.grid.layout import MAX_SIZE, MIN_SIZE, GridLayout, fitting_size

layouts = st.builds(GridLayout.fit, st.integers(0, 60), st.integers(MIN_SIZE, MAX_SIZE),
                    st.integers(0, 1200), st.integers(0, 8), st.integers(0, 8))


def _cells(layout):
    """Every cell's (x0, y0, x1, y1), exclusive ends."""
    for v in range(layout.count):
        x, y, w, h = layout.cell(v)
        yield v, (x, y, x + w, y + h)


@settings(max_examples=150, deadline=None)
@given(layouts, st.data())
def test_the_cell_under_a_point_is_the_one_whose_rectangle_holds_it(layout, data):
    height = max(layout.height, 1)
    x = data.draw(st.integers(-5, layout.margin + layout.columns * layout.pitch + 5))
    y = data.draw(st.integers(-5, height + 5))
    holding = [v for v, (x0, y0, x1, y1) in _cells(layout) if x0 <= x < x1 and y0 <= y < y1]
    assert layout.at(x, y) == (holding[0] if holding else -1)


@settings(max_examples=150, deadline=None)
@given(layouts, st.data())
def test_the_band_and_the_rubber_band_hold_every_cell_they_touch(layout, data):
    height = max(layout.height, 1)
    top = data.draw(st.integers(0, height))
    bottom = data.draw(st.integers(top, height + 50))
    touched = [v for v, (_, y0, _, y1) in _cells(layout) if y0 <= bottom and y1 > top]
    band = layout.band(top, bottom)
    assert set(touched) <= set(band)  # nothing in view is left out
    assert len(band) <= len(touched) + 2 * layout.columns  # and little else (a row's gap)
    xs = sorted(data.draw(st.lists(st.integers(-5, 1300), min_size=2, max_size=2)))
    ys = sorted(data.draw(st.lists(st.integers(-5, height + 5), min_size=2, max_size=2)))
    rubber = {v for first, last in layout.spans(xs[0], ys[0], xs[1], ys[1])
              for v in range(first, last + 1)}
    overlapping = {v for v, (x0, y0, x1, y1) in _cells(layout)
                   if x0 <= xs[1] and x1 > xs[0] and y0 <= ys[1] and y1 > ys[0]}
    assert rubber == overlapping


@settings(max_examples=100, deadline=None)
@given(layouts, st.data())
def test_navigation_moves_by_a_cell_a_row_or_a_page_and_stays_inside(layout, data):
    if not layout.count:
        assert layout.step(0, "right") == -1
        return
    v = data.draw(st.integers(0, layout.count - 1))
    cols, last = layout.columns, layout.count - 1
    assert layout.step(v, "left") == max(0, v - 1)
    assert layout.step(v, "right") == min(last, v + 1)
    assert layout.step(v, "down") == min(last, v + cols)
    assert layout.step(v, "up") == (v - cols if v >= cols else v)
    assert layout.step(v, "page_down", 3) == min(last, v + 3 * cols)
    assert layout.step(v, "page_up", 3) == (v - 3 * cols if v >= 3 * cols else v % cols)
    assert (layout.step(v, "home"), layout.step(v, "end")) == (0, last)


def test_the_default_size_shows_the_asked_number_of_whole_cells_and_no_bigger_does():
    for width, height, cells in ((1100, 640, 48), (660, 700, 48), (1600, 1000, 48), (300, 200, 4)):
        size = fitting_size(width, height, cells)
        for s, fits in ((size, True), (size + 2, False)):
            layout = GridLayout.fit(cells, s, width)
            whole_rows = (height - 2 * layout.margin + layout.gap) // layout.pitch
            assert (layout.columns * whole_rows >= cells) == fits or size == MAX_SIZE
