"""Review actions on several images at once: the image table's selection.

The table selects rows with Shift / Ctrl + click and Ctrl+A (every image the filter shows).
While more than one image is selected, R / S / N set the status of every selected image and the
tags panel (click or 1-9) adds a tag to every selected image or removes it from every one, each
as **one** history entry: a ``Macro`` of ``SetStatus`` / ``SetImageTags`` children, undone and
redone as one. With one image selected, the controller's single-image behaviour applies
(R / S / N also move on to the next image).
"""

from __future__ import annotations

from reviewer.core.commands import Macro, SetImageTags, SetStatus


class SelectionActions:
    def __init__(self, controller):
        self.c = controller

    def rows(self) -> list[int]:
        """Image rows of the selected table rows, in ranking order."""
        c = self.c
        if c.model is None:
            return []
        view_rows = sorted(i.row() for i in c.window.table.selectionModel().selectedRows())
        return [c.model.image_row(v) for v in view_rows if 0 <= v < c.model.rowCount()]

    def several(self) -> bool:
        return len(self.rows()) > 1

    def set_status(self, status: str) -> int:
        """Status ``status`` on every selected image (one history entry); returns how many
        images changed."""
        c, store_status = self.c, self.c.model.review.status
        children = tuple(SetStatus(c.image_id(r), store_status[r], status)
                         for r in self.rows() if store_status[r] != status)
        return self._run(children, f"status {status} on {len(children)} images",
                         f"{len(children)} images marked {status}")

    def set_tag(self, name: str, on: bool) -> int:
        """Add tag ``name`` to every selected image (``on``) or remove it from every one."""
        c = self.c
        store = c.session.store
        children = []
        for r in self.rows():
            key = c.image_id(r)
            before = tuple(sorted(store.image_tags(key)))
            after = tuple(sorted(set(before) | {name} if on else set(before) - {name}))
            if after != before:
                children.append(SetImageTags(key, before, after))
        verb = "added to" if on else "removed from"
        return self._run(tuple(children), f"tag {name} {verb} {len(children)} images",
                         f"Tag “{name}” {verb} {len(children)} images")

    def _run(self, children: tuple, label: str, message: str) -> int:
        if children:
            self.c.execute(children[0] if len(children) == 1 else
                           Macro(None, label, children))
        self.c.window.statusBar().showMessage(
            message if children else "Nothing to change on the selected images", 4000)
        return len(children)
