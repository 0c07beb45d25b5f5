"""The window's side of corrections set aside as conflicts (see reviewer/core/history.py).

On opening, the session's notices (inputs changed, corrections set aside) reach the status bar
and the Conflicts dock opens when there is any conflict; the dock's buttons re-apply or drop
through the history, and the list follows every history change.
"""

from __future__ import annotations

import logging

from reviewer.core.conflicts import CommandConflictError
from reviewer.ui import view_memory

log = logging.getLogger(__name__)


class ConflictLinks:
    def __init__(self, controller):
        self.c = controller
        panel = controller.window.conflicts_panel
        panel.image_requested.connect(self._on_panel_image_requested)
        panel.reapply_requested.connect(self._on_panel_reapply_requested)
        panel.drop_requested.connect(self._on_panel_drop_requested)

    def session_opened(self, session) -> None:
        self.refresh(show=True)
        if session.notices:
            n = len(session.notices)
            first = session.notices[0]
            more = f" (and {n - 1} more notice{'s' if n > 2 else ''} under Problems)" if n > 1 \
                else ""
            self.c.window.statusBar().showMessage(first[:140] + more, 15000)

    def refresh(self, show: bool = False) -> None:
        session, window = self.c.session, self.c.window
        conflicts = session.history.conflicts if session is not None else []
        window.conflicts_panel.set_conflicts(conflicts, self._image_name)
        dock = window.docks["conflicts"]
        if show and conflicts:
            dock.show()
            dock.raise_()
        elif not conflicts:
            dock.hide()

    def _image_name(self, image_id) -> str:
        doc = self.c.session.document
        if not doc.has_image(image_id):
            return f"{image_id} (gone)"
        return str(doc.table["file_name"][doc.image_row(image_id)])

    def _on_panel_image_requested(self, image_id) -> None:
        if self.c.session is None or not self.c.session.document.has_image(image_id):
            self.c.window.statusBar().showMessage(
                f"Image {image_id} is no longer in the ground truth", 5000)
            return
        row = view_memory.row_of_key(self.c, image_id)
        if row is not None:
            if self.c.model.view_row(row) < 0:
                self.c.window.filter_bar.clear()
            self.c.select_image(row)

    def _on_panel_reapply_requested(self, seq: int) -> None:
        try:
            self.c.session.history.reapply(seq)
        except CommandConflictError as exc:
            self.c.dialogs.error(self.c.window, "Cannot re-apply",
                                 f"{exc}\n\nDrop this correction instead.")
        except Exception as exc:  # a store error must reach the user, not a traceback
            log.exception("re-apply failed")
            self.c.dialogs.error(self.c.window, "Re-apply failed", str(exc))

    def _on_panel_drop_requested(self, seqs: list) -> None:
        try:
            for seq in seqs:
                self.c.session.history.drop(seq)
        except Exception as exc:
            log.exception("drop failed")
            self.c.dialogs.error(self.c.window, "Drop failed", str(exc))
