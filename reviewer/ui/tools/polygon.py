"""Draw-polygon tool (P): click the vertices of a new GT polygon of the current class.

Click to add a point; click the first point (or press Enter, or double-click) to close the
polygon (three points at least) = one ``AddObject`` (``edits.add_polygon``). Backspace removes
the last point, Esc drops the polygon. Points are kept inside the image. Editing the vertices of
an existing polygon is the select tool's job.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt

from reviewer.core import edits

from . import handles as H
from .base import Tool, ToolEvent

_CLOSE_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


class PolygonTool(Tool):
    name, text, shortcut, icon = "polygon", "Draw Polygon", "P", "polygon"
    tip = "Click the vertices of a ground-truth polygon; Enter or the first point closes it"
    tasks = ("detection",)
    cursor = Qt.CursorShape.CrossCursor

    def __init__(self, manager):
        super().__init__(manager)
        self.points: list[QPointF] = []
        self._cursor: QPointF | None = None

    def press(self, ev: ToolEvent) -> bool:
        if self.ctx.document is None or self.ctx.image_row is None:
            return False
        if len(self.points) >= 3 and ev.screen_distance(self.points[0]) <= H.GRAB_RADIUS:
            self.close()
            return True
        self.points.append(self._inside(ev.pos))
        self._draw()
        return True

    def release(self, ev: ToolEvent) -> bool:
        return True

    def double_click(self, ev: ToolEvent) -> bool:
        if len(self.points) >= 3:
            self.close()
        return True

    def hover(self, ev: ToolEvent) -> bool:
        if self.points:
            self._cursor = self._inside(ev.pos)
            self._draw()
        return bool(self.points)

    def move(self, ev: ToolEvent) -> bool:
        return self.hover(ev) or True

    def wants_key(self, event) -> bool:
        key = event.key()
        return bool(self.points) and (key in _CLOSE_KEYS or key in (
            Qt.Key.Key_Backspace, Qt.Key.Key_Delete, Qt.Key.Key_Escape))

    def key_press(self, event) -> bool:
        if not self.wants_key(event):
            return False
        key = event.key()
        if key in _CLOSE_KEYS:
            self.close()
        elif key == Qt.Key.Key_Escape:
            self.cancel()
        else:
            self.points.pop()
            self._draw()
        return True

    def close(self) -> None:
        """Add the polygon (three points at least) as one command."""
        if len(self.points) < 3:
            self.ctx.status("A polygon needs three points at least")
            return
        coords = H.coords_of(self.points)
        self.cancel()
        doc = self.ctx.document
        category_id = int(doc.base.categories.ids[self.manager.current_class])
        command = edits.add_polygon(doc, self.ctx.image_row, category_id, coords)
        self.ctx.execute(command)
        self.manager.select(("gt", int(command.obj["id"])))

    def cancel(self) -> bool:
        had = bool(self.points)
        self.points, self._cursor = [], None
        self.clear_previews()
        return had

    def _inside(self, p: QPointF) -> QPointF:
        frame = self.ctx.frame
        if frame is None:
            return QPointF(p)
        w, h = frame.size()
        return QPointF(min(max(p.x(), 0.0), w), min(max(p.y(), 0.0), h))

    def _draw(self) -> None:
        self.clear_previews()
        if not self.points:
            return
        path = list(self.points) + ([self._cursor] if self._cursor is not None else [])
        self.add_preview(H.OutlineItem(self.manager.class_rgb())).set_points(path, closed=False)
        for i, p in enumerate(self.points):
            self.add_preview(H.HandleItem(p, 10.0 if i == 0 else 7.0))
