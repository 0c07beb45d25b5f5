"""Draw-box tool (D): press, drag, release = one new GT box of the current class.

The box is clipped to the image (``edits.add_box``); in a project scored by mask IoU (instance
masks) it is added as a rectangle polygon (``edits.add_polygon``), since every GT object there
needs a mask. Drags shorter than ``MIN_DRAG`` screen
pixels (a click) or boxes left empty by the clipping add nothing. The new object is selected
(C relabels it, Delete removes it). Esc during the drag cancels.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt

from reviewer.core import edits

from . import handles as H
from .base import Tool, ToolEvent

MIN_DRAG = 3.0  # screen pixels


class DrawBoxTool(Tool):
    name, text, shortcut, icon = "draw_box", "Draw Box", "D", "draw_box"
    tip = "Drag to draw a ground-truth box of the current class"
    edits = "objects"
    cursor = Qt.CursorShape.CrossCursor

    def __init__(self, manager):
        super().__init__(manager)
        self._start: QPointF | None = None
        self._outline: H.OutlineItem | None = None

    def press(self, ev: ToolEvent) -> bool:
        if self.ctx.document is None or self.ctx.image_row is None:
            return False
        self._start = QPointF(ev.pos)
        self._outline = self.add_preview(H.OutlineItem(self.manager.class_rgb()))
        self._outline.set_box(H.rect_of(self._start, ev.pos))
        return True

    def move(self, ev: ToolEvent) -> bool:
        if self._start is not None:
            self._outline.set_box(H.rect_of(self._start, ev.pos))
        return True

    def release(self, ev: ToolEvent) -> bool:
        start, self._start = self._start, None
        self.clear_previews()
        if start is None or ev.screen_distance(start) < MIN_DRAG:
            return True
        doc, row = self.ctx.document, self.ctx.image_row
        category_id = int(doc.base.categories.ids[self.manager.current_class])
        command = edits.add_box(doc, row, category_id, H.rect_of(start, ev.pos))
        x, y, w, h = command.obj["bbox"]
        if w <= 0 or h <= 0:
            self.ctx.status("The box lies outside the image: nothing added")
            return True
        if doc.params.iou_type == "segm":  # mask scoring: every GT object needs a mask
            command = edits.add_polygon(doc, row, category_id,
                                        [x, y, x + w, y, x + w, y + h, x, y + h])
        self.ctx.execute(command)
        self.manager.select(("gt", int(command.obj["id"])))
        return True

    def cancel(self) -> bool:
        had = self._start is not None
        self._start = None
        self.clear_previews()
        return had
