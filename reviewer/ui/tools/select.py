"""Select tool (V): pick objects; move / resize GT boxes; edit polygon vertices; nudge.

* Click an object (GT or prediction) to select it (the tags panel follows); click empty space to
  clear the selection.
* A selected GT box shows 8 handles: drag a handle to resize, drag inside to move. Release =
  one ``MoveBox`` (a polygon object: one ``ReplaceShape`` with its vertices moved / scaled).
* A selected single-polygon GT shows its vertices: drag one to move it, Alt+click one (or hover
  it and press Delete) to remove it, double-click an edge to insert one. Each = one
  ``ReplaceShape``.
* Arrow keys nudge the selected GT by 1 px (Shift: 10 px). A burst of nudges (keys less than
  ``NUDGE_MS`` apart) is previewed and becomes ONE command when the keys stop (or at the next
  click, tool switch or image change).
* Esc drops the drag or the pending nudge.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt, QTimer

from . import handles as H
from .base import Tool, ToolEvent
from .shape import Shape

NUDGE_MS = 500
DRAG_START = 3.0  # screen pixels before a press becomes a drag
_ARROWS = {Qt.Key.Key_Left: (-1, 0), Qt.Key.Key_Right: (1, 0), Qt.Key.Key_Up: (0, -1),
           Qt.Key.Key_Down: (0, 1)}
_DELETE_KEYS = (Qt.Key.Key_Delete, Qt.Key.Key_Backspace)


class SelectTool(Tool):
    name, text, shortcut, icon = "select", "Select", "V", "select"
    tip = "Select objects; move and resize GT boxes, edit polygon vertices"
    edits = "objects"

    def __init__(self, manager):
        super().__init__(manager)
        self.shape: Shape | None = None     # the selected GT object, as in the document
        self.preview: Shape | None = None   # what the gesture / nudge would make of it
        self._drag: tuple | None = None     # (mode, start QPointF, handle or vertex index)
        self._moved = False
        self._hover_vertex: int | None = None
        self._nudge = (0.0, 0.0)
        self._timer = QTimer(manager, singleShot=True, interval=NUDGE_MS)
        self._timer.timeout.connect(self.commit)
        manager.selection_changed.connect(self._on_manager_selection_changed)

    # --- state ------------------------------------------------------------------------------
    def activate(self) -> None:
        self._load()

    def frame_changed(self) -> None:
        self._load()

    def _on_manager_selection_changed(self, source: str, ann_id: int) -> None:
        if self.manager.active is self:
            self.commit()
            self._load()

    def _load(self) -> None:
        """Read the selected GT object from the document and draw its handles."""
        key, doc = self.manager.selected, self.ctx.document
        self.shape = None
        if key is not None and key[0] == "gt" and doc is not None:
            self.shape = Shape.of(doc, key[1])
        self.preview = self.shape
        self._hover_vertex = None
        self._draw()

    def _draw(self) -> None:
        self.clear_previews()
        shape = self.preview
        if shape is None or not shape.editable:
            return
        if shape.kind == "polygon":
            outline = self.add_preview(H.OutlineItem())
            outline.set_points(shape.points())
            points = shape.points()
        else:
            points = H.box_handle_points(shape.box)
            if self._drag or self._nudge != (0.0, 0.0):
                self.add_preview(H.OutlineItem()).set_box(shape.box)
        for p in points:
            self.add_preview(H.HandleItem(p, 7.0 if shape.kind == "polygon" else H.HANDLE_SIZE))

    # --- mouse ------------------------------------------------------------------------------
    def press(self, ev: ToolEvent) -> bool:
        self.commit()
        if self._press_on_shape(ev):
            return True
        obj = self.ctx.scene.object_at(ev.pos)
        key = None if obj is None else obj.key
        if key != self.manager.selected:
            self.manager.select(key)
        if self.shape is not None and self.shape.editable and key == ("gt", self.shape.ann_id):
            self._start("move", ev.pos, -1)
        return True

    def _press_on_shape(self, ev: ToolEvent) -> bool:
        """A press on a handle or vertex of the selected shape (resize / vertex drag / delete)."""
        shape = self.shape
        if shape is None or not shape.editable:
            return False
        if shape.kind == "polygon":
            index = self._hit(ev, shape.points())
            if index is None:
                return False
            if ev.has(Qt.KeyboardModifier.AltModifier):
                self._finish(shape.without_vertex(index))
            else:
                self._start("vertex", ev.pos, index)
            return True
        index = self._hit(ev, H.box_handle_points(shape.box))
        if index is None:
            return False
        self._start("resize", ev.pos, index)
        return True

    def _start(self, mode: str, pos: QPointF, index: int) -> None:
        self._drag, self._moved = (mode, QPointF(pos), index), False

    def move(self, ev: ToolEvent) -> bool:
        if self._drag is None:
            return True
        mode, start, index = self._drag
        if not self._moved and ev.screen_distance(start) < DRAG_START:
            return True
        self._moved = True
        d = ev.pos - start
        if mode == "move":
            self.preview = self.shape.shifted(d.x(), d.y())
        elif mode == "resize":
            self.preview = self.shape.resized(index, d.x(), d.y())
        else:
            self.preview = self.shape.with_vertex(index, ev.pos.x(), ev.pos.y())
        self._draw()
        return True

    def release(self, ev: ToolEvent) -> bool:
        if self._drag is not None:
            moved, self._drag = self._moved, None
            if moved:
                self._finish(self.preview)
        return True

    def double_click(self, ev: ToolEvent) -> bool:
        shape = self.shape
        if shape is None or shape.kind != "polygon":
            return self.press(ev)
        edge, point, _ = H.nearest_edge(shape.points(), ev.pos)
        q = ev.view.mapFromScene(point) - ev.view_pos
        if edge < 0 or (q.x() ** 2 + q.y() ** 2) ** 0.5 > H.GRAB_RADIUS:
            return self.press(ev)
        self._drag = None
        self._finish(shape.with_inserted(edge, point.x(), point.y()))
        return True

    def hover(self, ev: ToolEvent) -> bool:
        shape = self.shape
        cursor = Qt.CursorShape.ArrowCursor
        self._hover_vertex = None
        if shape is not None and shape.editable:
            if shape.kind == "polygon":
                self._hover_vertex = self._hit(ev, shape.points())
                if self._hover_vertex is not None:
                    cursor = Qt.CursorShape.PointingHandCursor
            else:
                handle = self._hit(ev, H.box_handle_points(shape.box))
                if handle is not None:
                    cursor = H.HANDLE_CURSORS[handle]
            x, y, w, h = shape.box
            inside = x <= ev.pos.x() <= x + w and y <= ev.pos.y() <= y + h
            if cursor == Qt.CursorShape.ArrowCursor and inside:
                cursor = Qt.CursorShape.SizeAllCursor
        ev.view.viewport().setCursor(cursor)
        return False

    @staticmethod
    def _hit(ev: ToolEvent, points) -> int | None:
        """Index of the point nearest the event within ``GRAB_RADIUS`` screen pixels."""
        best, index = H.GRAB_RADIUS, None
        for i, p in enumerate(points):
            d = ev.screen_distance(p)
            if d <= best:
                best, index = d, i
        return index

    # --- keys -------------------------------------------------------------------------------
    def wants_key(self, event) -> bool:
        key = event.key()
        if key in _ARROWS:
            return self.shape is not None and self.shape.editable
        if key in _DELETE_KEYS:
            return self._hover_vertex is not None and len(self.shape.coords) > 6
        if key == Qt.Key.Key_Escape:
            return self._drag is not None or self._nudge != (0.0, 0.0)
        return False

    def key_press(self, event) -> bool:
        if not self.wants_key(event):
            return False
        key = event.key()
        if key in _ARROWS:
            step = 10.0 if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else 1.0
            ux, uy = _ARROWS[key]
            dx, dy = self._nudge[0] + ux * step, self._nudge[1] + uy * step
            self.preview = self.shape.shifted(dx, dy)
            self._nudge = (self.preview.box[0] - self.shape.box[0],
                           self.preview.box[1] - self.shape.box[1])
            self._timer.start()
            self._draw()
        elif key in _DELETE_KEYS:
            index, self._hover_vertex = self._hover_vertex, None
            self._finish(self.shape.without_vertex(index))
        else:
            self.cancel()
        return True

    # --- commands ---------------------------------------------------------------------------
    def commit(self) -> None:
        """Turn a pending nudge burst into one command (from the object's current geometry)."""
        self._timer.stop()
        dx, dy = self._nudge
        self._nudge = (0.0, 0.0)
        doc = self.ctx.document
        if (dx, dy) == (0.0, 0.0) or self.shape is None or doc is None:
            return
        try:
            now = Shape.of(doc, self.shape.ann_id)
        except KeyError:  # deleted meanwhile (undo)
            return
        self.ctx.execute(now.command(doc, now.shifted(dx, dy)))

    def _finish(self, new: Shape | None) -> None:
        doc = self.ctx.document
        command = None if new is None or doc is None else self.shape.command(doc, new)
        if command is None:
            self.preview = self.shape
            self._draw()
            return
        self.ctx.execute(command)  # the refresh re-loads the shape (frame_changed)

    def cancel(self) -> bool:
        had = self._drag is not None or self._nudge != (0.0, 0.0)
        self._timer.stop()
        self._drag, self._nudge = None, (0.0, 0.0)
        if had:
            self.preview = self.shape
            self._draw()
        return had

    def deactivate(self) -> None:
        self.commit()
        super().deactivate()
        self.shape = self.preview = None
