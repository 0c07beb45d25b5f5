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
from .base import Tool
from .polygon_input import PolygonInput


class PolygonTool(PolygonInput, Tool):
    name, text, shortcut, icon = "polygon", "Draw Polygon", "P", "polygon"
    tip = "Click the vertices of a ground-truth polygon; Enter or the first point closes it"
    edits = "objects"
    cursor = Qt.CursorShape.CrossCursor

    def polygon_ready(self) -> bool:
        return self.ctx.document is not None and self.ctx.image_row is not None

    def polygon_point(self, p: QPointF) -> QPointF:
        """Points stay inside the image."""
        frame = self.ctx.frame
        if frame is None:
            return QPointF(p)
        w, h = frame.size()
        return QPointF(min(max(p.x(), 0.0), w), min(max(p.y(), 0.0), h))

    def polygon_finished(self, points) -> None:
        """Add the polygon as one command and select it."""
        doc = self.ctx.document
        category_id = int(doc.base.categories.ids[self.manager.current_class])
        command = edits.add_polygon(doc, self.ctx.image_row, category_id, H.coords_of(points))
        self.ctx.execute(command)
        self.manager.select(("gt", int(command.obj["id"])))
