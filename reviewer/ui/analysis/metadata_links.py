"""Metadata in the window: its columns in the image table, the where field of the filter bar,
the Slices by Column panel and the Leaks panel (``AnalysisLinks`` owns the docks and calls in).

- The image table shows every metadata column (``reviewer.io.metadata``) after the task's
  columns, refreshed after each ``SetMetadata`` command (a split made, a value set, undo).
- The filter bar's where field applies a where-expression (``reviewer.io.image_columns``: the
  language of ``--where``) as the table's image subset (the removable chip); an invalid one
  is shown in red with the message of the CLI.
- Slices by Column computes ``reviewer.io.slices.slices_payload`` in the background; clicking a
  slice lists its images (the subset chip).
- Leaks reads the columns on the main thread (``leak_inputs``), then hashes and pairs in the
  background with a progress bar (``check_leaks``); a pair shows both images and goes to the
  first; its buttons tag an image or move it to the other partition (undoable commands).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject

from reviewer.core.commands import SetImageTags


def _touches_metadata(command) -> bool:
    if getattr(command, "kind", "") == "set_metadata":
        return True
    return any(_touches_metadata(c) for c in getattr(command, "children", ()) or ())


class MetadataLinks(QObject):
    def __init__(self, links):
        super().__init__(links)
        self.links, self.c = links, links.c
        self.session = None
        self.leaks_wanted = False
        bar = self.c.window.filter_bar
        bar.where_entered.connect(self.apply_where)
        bar.subset_cleared.connect(self._on_subset_cleared)

    def wire(self, name: str, panel) -> None:
        """Connect a panel built just now (``AnalysisLinks`` builds panels when first shown)."""
        links = self.links
        if name == "column_slices":
            panel.column_changed.connect(lambda: links.refresh("column_slices"))
            panel.slice_clicked.connect(self._on_slice_clicked)
        else:
            panel.check_requested.connect(self._on_check_requested)
            panel.pair_selected.connect(self._on_pair_selected)
            panel.tag_requested.connect(self._on_tag_requested)
            panel.move_requested.connect(self._on_move_requested)
        if self.session is not None:
            self._fill_choices(name, panel, self.columns())

    def _fill_choices(self, name: str, panel, cols) -> None:
        if name == "column_slices":
            panel.set_choices(cols.names())
        else:
            panel.set_choices(cols.metadata.names() or ["split"])

    # --- session ----------------------------------------------------------------------------
    def session_opened(self, session) -> None:
        self.session = session
        session.history.applied.connect(self._on_history_applied)
        self.refresh_columns()

    def session_closed(self) -> None:
        if self.session is not None:
            self.session.history.applied.disconnect(self._on_history_applied)
        self.session = None
        self.leaks_wanted = False
        self.c.window.filter_bar.where.clear()

    def _on_history_applied(self, command, undone: bool) -> None:
        if _touches_metadata(command):
            self.refresh_columns()

    def columns(self):
        from reviewer.io.image_columns import SessionColumns
        return SessionColumns(self.session)

    def refresh_columns(self) -> None:
        """The metadata columns of the image table and the panels' column lists."""
        if self.session is None:
            return
        cols = self.columns()
        meta = cols.metadata
        if self.c.model is not None:
            self.c.model.set_metadata(list(meta.columns.values()))
        for name in ("column_slices", "leaks"):
            if name in self.links.panels:  # built (shown once) only
                self._fill_choices(name, self.links.panels[name], cols)

    # --- where field ------------------------------------------------------------------------
    def apply_where(self, text: str) -> bool:
        """Show only the images ``text`` selects (empty: every image); False when invalid."""
        from reviewer.core.where import WhereError
        from reviewer.io.image_columns import where_rows
        bar, model = self.c.window.filter_bar, self.c.model
        if self.session is None or model is None:
            return False
        text = text.strip()
        if not text:
            self._set_where_error("")
            bar.show_subset(None)
            model.set_subset(None)
            return True
        try:
            rows, warnings = where_rows(self.session, [text])
        except WhereError as exc:
            self._set_where_error(str(exc))
            return False
        self._set_where_error("; ".join(warnings))
        self.show_rows(rows, f"where {text} ({len(rows)} images)")
        return True

    def _set_where_error(self, message: str) -> None:
        where = self.c.window.filter_bar.where
        where.setStyleSheet("QLineEdit { color: #c0392b; }" if message else "")
        where.setToolTip(message or where.property("default_tip") or where.toolTip())
        if message:
            self.c.window.statusBar().showMessage(message.splitlines()[0], 8000)

    def show_rows(self, rows, label: str) -> None:
        model = self.c.model
        mask = np.zeros(len(model.review), bool)
        mask[np.asarray(rows, np.int64)] = True
        self.c.window.docks["images"].show()
        self.c.window.filter_bar.show_subset(label)
        model.set_subset(mask, label)
        if model.rowCount():
            self.c.select_image(model.image_row(0))

    def _on_subset_cleared(self) -> None:
        where = self.c.window.filter_bar.where
        if where.text():
            where.clear()
            self._set_where_error("")

    # --- slices by column ---------------------------------------------------------------------
    def refresh_column_slices(self) -> None:
        from reviewer.io.slices import SliceColumnError, slices_payload
        panel = self.links.panels["column_slices"]
        by, bins = panel.current()
        if not by:
            panel.set_payload(None, "No column to slice by")
            return
        session, columns = self.session, self.columns()
        columns(by)  # read the column here, on the thread owning the store

        def run(progress):
            try:
                return slices_payload(session, by, bins, columns=columns), ""
            except SliceColumnError as exc:
                return None, str(exc)
        self.links._run("column_slices", run, lambda got: panel.set_payload(*got))

    def _on_slice_clicked(self, label: str) -> None:
        from reviewer.io.slices import slice_rows
        panel = self.links.panels["column_slices"]
        if self.session is None or panel.payload is None:
            return
        by, bins = panel.current()
        rows = slice_rows(self.session, by, label, bins, self.columns())
        self.show_rows(rows, f"{by}: {label} ({len(rows)} images)")

    # --- leaks ------------------------------------------------------------------------------
    def _on_check_requested(self) -> None:
        self.leaks_wanted = True
        self.links.refresh("leaks")

    def refresh_leaks(self) -> None:
        from reviewer.io.leaks import LeakCheckError, check_leaks, image_file, leak_inputs
        panel = self.links.panels["leaks"]
        if not self.leaks_wanted:
            return
        split, group = panel.options()
        try:
            inputs = leak_inputs(self.session, split, group, columns=self.columns())
        except LeakCheckError as exc:
            panel.set_payload(None, error=str(exc))
            return
        session = self.session
        paths = {}

        def path(row: int):
            if row not in paths:
                paths[row] = image_file(session, row)
            return paths[row]
        job = self.links.runner.run("leaks", lambda progress: check_leaks(inputs, progress=progress),
                                    lambda payload: self._leaks_done(payload, path))
        job.progressed.connect(panel.set_progress)

    def _leaks_done(self, payload, path) -> None:
        self.links.panels["leaks"].set_payload(payload, path)
        self.links.refreshed.emit("leaks")

    def _on_pair_selected(self, i: int, j: int) -> None:
        if self.session is not None:
            self.c.select_image(i)

    def _on_tag_requested(self, row: int) -> None:
        from reviewer.ui.analysis.leaks_panel import LEAK_TAG
        if self.session is None or row < 0:
            return
        key = self.c.image_id(row)
        before = tuple(sorted(self.session.store.image_tags(key)))
        if LEAK_TAG not in before:
            self.c.execute(SetImageTags(key, before, tuple(sorted({*before, LEAK_TAG}))))

    def _on_move_requested(self, row: int, split: str) -> None:
        from reviewer.io.metadata import session_keys, set_command
        if self.session is None or row < 0 or not split:
            return
        column = self.links.panels["leaks"].options()[0]
        name = self.session.document.table["file_name"][row]
        cmd = set_command(self.session, column, {session_keys(self.session)[row]: split},
                          f"move {name} to {column} = {split}")
        if self.c.execute(cmd):
            self.links.refresh("leaks")
