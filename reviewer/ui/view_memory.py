"""What the window remembers per project between sessions: ranking, filter, position, view mode.

Kept in QSettings per project path (view state, not review state: the review store holds that).
"""

from __future__ import annotations

from PySide6.QtCore import Qt

from reviewer.ui.settings import ProjectViewState


def restore(c) -> None:
    """Apply the saved view state of ``c.session``'s project to controller ``c``."""
    state = c.settings.view_state(c.session.project.root)
    c.model.set_sort(state.sort_key, state.ascending)
    sync_sort_indicator(c)
    c.window.filter_bar.set_value(state.filter, emit=False)
    if not state.filter.is_empty:
        c.model.set_filter(state.filter)
    c.set_view_mode(state.view_mode)
    row = row_of_key(c, state.image_key)
    if row is None or c.model.view_row(row) < 0:
        row = c.model.image_row(0) if c.model.rowCount() else None
    if row is not None:
        c.select_image(row)


def save(c) -> None:
    if c.session is None or c.model is None:
        return
    key = None if c.current is None else str(c.image_id(c.current))
    state = ProjectViewState(c.model.sort_key, c.model.ascending, c.model.filter, key,
                             c.layers.view_mode)
    c.settings.save_view_state(c.session.project.root, state)


def row_of_key(c, key) -> int | None:
    """Image row of an image key (str of the image id), None when unknown."""
    if key is None:
        return None
    return c.model.review._row.get(str(key))


def sync_sort_indicator(c) -> None:
    column = c.model.column_of(c.model.sort_key)
    order = Qt.SortOrder.AscendingOrder if c.model.ascending else Qt.SortOrder.DescendingOrder
    header = c.window.table.horizontalHeader()
    header.blockSignals(True)
    header.setSortIndicator(column, order)
    header.blockSignals(False)
