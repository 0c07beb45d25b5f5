"""The click-the-vertices gesture shared by the polygon tools (GT polygon, polygon fill, copy
prediction): click adds a point, clicking the first point / Enter / double-click closes (three
points at least), Backspace or Delete removes the last point, Esc drops the polygon.

A tool mixes ``PolygonInput`` in before its ``Tool`` base and provides ``polygon_ready()`` (can a
polygon be drawn now?), ``polygon_finished(points)`` (the closed polygon, scene points) and
optionally ``polygon_point(pos)`` (e.g. clamp to the image) and ``polygon_closed_preview``.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt

from . import handles as H

CLOSE_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
POLYGON_KEYS = CLOSE_KEYS + (Qt.Key.Key_Backspace, Qt.Key.Key_Delete, Qt.Key.Key_Escape)


class PolygonInput:
    polygon_closed_preview = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.points: list[QPointF] = []
        self._cursor: QPointF | None = None

    # hooks
    def polygon_ready(self) -> bool:
        raise NotImplementedError

    def polygon_finished(self, points: list[QPointF]) -> None:
        raise NotImplementedError

    def polygon_point(self, pos: QPointF) -> QPointF:
        return QPointF(pos)

    # the gesture
    def press(self, ev) -> bool:
        if not self.polygon_ready():
            return False
        if len(self.points) >= 3 and ev.screen_distance(self.points[0]) <= H.GRAB_RADIUS:
            self.close()
            return True
        self.points.append(self.polygon_point(ev.pos))
        self._draw()
        return True

    def release(self, ev) -> bool:
        return True

    def double_click(self, ev) -> bool:
        if len(self.points) >= 3:
            self.close()
        return True

    def hover(self, ev) -> bool:
        if self.points:
            self._cursor = self.polygon_point(ev.pos)
            self._draw()
        return bool(self.points)

    def move(self, ev) -> bool:
        self.hover(ev)
        return True

    def wants_key(self, event) -> bool:
        return bool(self.points) and event.key() in POLYGON_KEYS

    def key_press(self, event) -> bool:
        if not self.wants_key(event):
            return False
        key = event.key()
        if key in CLOSE_KEYS:
            self.close()
        elif key == Qt.Key.Key_Escape:
            self.cancel()
        else:
            self.points.pop()
            self._draw()
        return True

    def close(self) -> None:
        """Finish the polygon (three points at least): the tool turns it into one command."""
        if len(self.points) < 3:
            self.ctx.status("A polygon needs three points at least")
            return
        points = list(self.points)
        self.cancel()
        self.polygon_finished(points)

    def cancel(self) -> bool:
        had = bool(self.points)
        self.points, self._cursor = [], None
        self.clear_previews()
        return had

    def _draw(self) -> None:
        self.clear_previews()
        if not self.points:
            return
        path = list(self.points) + ([self._cursor] if self._cursor is not None else [])
        self.add_preview(H.OutlineItem(self.manager.class_rgb())).set_points(
            path, closed=self.polygon_closed_preview)
        for i, p in enumerate(self.points):
            self.add_preview(H.HandleItem(p, 10.0 if i == 0 else 7.0))
