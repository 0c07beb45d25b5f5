"""Canvas tools: the ``Tool`` interface, the ``ToolEvent`` it receives and the ``ToolManager``.

How events reach a tool
-----------------------
``ToolManager.attach(view)`` sets ``view.tools = manager``. The ``CanvasView`` then offers every
mouse press / move / release / double-click, hover, key press / release, shortcut override and
context-menu event to ``manager.handle(kind, view, event)`` before doing its own thing (pan,
hover tooltip, click-to-select). ``handle`` returns True when the active tool took the event;
the view then does nothing else with it (no pan, no click).

The manager never gives the tool:

* middle-button events, nor left-button events while Space is held (the view pans: pan works
  with every tool);
* anything while the active tool is the hand tool (``PanTool.passive``): plain left-drag pans.

A tool receives ``ToolEvent``s (scene coordinates = image pixels, see below) in

* ``press(ev)`` / ``move(ev)`` (a button is down) / ``release(ev)`` / ``double_click(ev)``:
  return True when handled. A gesture that started with a handled press gets the moves and the
  release even when they leave the image.
* ``hover(ev)``: the mouse moves with no button down (return True to hide the view's tooltip).
* ``key_press(event: QKeyEvent) -> bool`` and ``wants_key(event) -> bool``: return True from
  ``wants_key`` for keys that window shortcuts would otherwise take (arrows, Delete, Enter, A…)
  while the tool needs them; the view then accepts the ShortcutOverride and the key arrives in
  ``key_press``.
* ``cancel() -> bool``: drop the gesture in progress (Esc, tool switch, new image); True when
  there was one. ``commit()``: finish pending work now (called before a tool switch or another
  image; the select tool's nudge burst).
* ``frame_changed()``: the view shows a new frame (another image, or the same image re-rendered
  after an edit / undo): re-place previews from ``self.ctx.frame``.
* ``context_menu(ev, menu: QMenu)``: add entries to the right-click menu (the manager fills the
  object entries: Delete, Relabel…, Accept…).

Previews
--------
Tools draw with their own ``QGraphicsItem``s: ``self.add_preview(item)`` puts an item in the
view's scene above everything else (``Z_TOOL``); ``clear_previews()`` removes them and
``deactivate()`` calls it. Scene rebuilds never remove preview items.

Edits
-----
A finished gesture builds ONE command with ``reviewer.core.edits`` and runs
``self.ctx.execute(cmd)`` (journalled, undoable, re-scored; the controller refreshes the table
row and the canvas, then ``frame_changed`` is called). Never change the document directly.

The context
-----------
``self.ctx`` (a ``ToolContext``) gives the controller, ``document`` (None without a session),
``image_row`` (the shown image's row or None), ``view``, ``scene``, ``frame`` (the shown
``CanvasFrame``), ``execute(cmd)``, ``status(text)`` (status-bar message) and the manager's
``current_class`` (a category row for detection, a class index for segmentation) and
``selected`` ((source, ann_id) or None).

Registering a tool
------------------
Subclass ``Tool``, set ``name`` (unique id), ``text``, ``shortcut`` (e.g. "D"), ``icon`` (a
``resources/icons`` name), ``edits`` (what it edits: ``"objects"`` or ``"masks"``, matched with
the task view's ``edits``; ``None``: every task, like the hand tool) and ``cursor``; then
``manager.register(MyTool(manager))``. The tools toolbar (``toolbar.py``) shows one checkable
button per tool of the current task and switches with the tool's shortcut.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, Qt, Signal
from PySide6.QtGui import QKeyEvent

from reviewer.ui.task_view import view_of

Z_TOOL = 100.0  # tool previews above every canvas layer
LEFT, MIDDLE = Qt.MouseButton.LeftButton, Qt.MouseButton.MiddleButton
MOUSE_KINDS = ("press", "move", "release", "double_click")


@dataclass(frozen=True)
class ToolEvent:
    """A mouse event in scene coordinates (x right, y down, 1 unit = 1 image pixel).

    pos: the scene point; view_pos: the viewport pixel; zoom: screen pixels per image pixel
    (divide a screen distance by it to get image pixels).
    """

    view: object
    pos: QPointF
    view_pos: QPoint
    button: Qt.MouseButton
    buttons: Qt.MouseButton
    modifiers: Qt.KeyboardModifier
    zoom: float

    def screen_distance(self, point: QPointF) -> float:
        """Distance in screen pixels from the event to scene ``point``."""
        d = self.view.mapFromScene(point) - self.view_pos
        return (d.x() ** 2 + d.y() ** 2) ** 0.5

    def has(self, modifier: Qt.KeyboardModifier) -> bool:
        return bool(self.modifiers & modifier)


def tool_event(view, event) -> ToolEvent:
    """ToolEvent of a QMouseEvent / QContextMenuEvent received by ``view``."""
    if hasattr(event, "position"):
        view_pos = event.position().toPoint()
        button, buttons = event.button(), event.buttons()
    else:  # QContextMenuEvent
        view_pos = event.pos()
        button, buttons = Qt.MouseButton.RightButton, Qt.MouseButton.NoButton
    return ToolEvent(view, QPointF(view.mapToScene(view_pos)), view_pos, button, buttons,
                     event.modifiers(), view.transform().m11())


class ToolContext:
    """What a tool may use: the controller, its document and shown image, the view."""

    def __init__(self, manager, controller, view):
        self.manager, self.controller, self.view = manager, controller, view

    @property
    def document(self):
        session = getattr(self.controller, "session", None)
        return None if session is None else session.document

    @property
    def edits(self) -> str | None:
        """What the shown task lets the canvas edit (the task view's ``edits``), or None."""
        session = getattr(self.controller, "session", None)
        return None if session is None else view_of(session).edits

    @property
    def image_row(self) -> int | None:
        return getattr(self.controller, "current", None)

    @property
    def scene(self):
        return self.view.canvas_scene

    @property
    def frame(self):
        return self.view.frame()

    @property
    def current_class(self) -> int:
        return self.manager.current_class

    @property
    def selected(self) -> tuple[str, int] | None:
        return self.manager.selected

    def execute(self, command) -> None:
        """Run one command through the controller's history (None is ignored)."""
        if command is not None:
            self.controller.execute(command)

    def status(self, text: str, ms: int = 4000) -> None:
        window = getattr(self.controller, "window", None)
        if window is not None:
            window.statusBar().showMessage(text, ms)

    def object(self, key):
        """The shown CanvasObject with key (source, ann_id), or None."""
        return self.scene.object(key) if key else None


class Tool:
    """Base class of canvas tools (see the module docstring). Handles nothing by default."""

    name = ""
    text = ""
    shortcut = ""
    icon: str | None = None
    tip = ""
    edits: str | None = None  # "objects", "masks", or None: a tool of every task
    cursor = Qt.CursorShape.ArrowCursor
    passive = False  # True: the view keeps its own behaviour (the hand tool)

    def __init__(self, manager: ToolManager):
        self.manager = manager
        self._previews: list = []

    @property
    def ctx(self) -> ToolContext:
        return self.manager.context

    # --- lifecycle --------------------------------------------------------------------------
    def activate(self) -> None:
        """The tool became active."""

    def deactivate(self) -> None:
        """The tool stops being active: cancel the gesture, remove the previews."""
        self.cancel()
        self.clear_previews()

    def cancel(self) -> bool:
        """Drop the gesture in progress; True when there was one."""
        return False

    def commit(self) -> None:
        """Finish pending work now (e.g. a burst of nudges) before the image or tool changes."""

    def frame_changed(self) -> None:
        """The view shows a new or re-rendered frame."""

    # --- events -----------------------------------------------------------------------------
    def press(self, ev: ToolEvent) -> bool:
        return False

    def move(self, ev: ToolEvent) -> bool:
        return False

    def release(self, ev: ToolEvent) -> bool:
        return False

    def double_click(self, ev: ToolEvent) -> bool:
        return False

    def hover(self, ev: ToolEvent) -> bool:
        return False

    def wants_key(self, event: QKeyEvent) -> bool:
        return False

    def key_press(self, event: QKeyEvent) -> bool:
        return False

    def context_menu(self, ev: ToolEvent, menu) -> None:
        """Add tool entries to the right-click menu."""

    # --- previews ---------------------------------------------------------------------------
    def add_preview(self, item, z: float = Z_TOOL):
        """Show ``item`` in the view's scene above the canvas layers until cleared."""
        item.setZValue(z)
        self.ctx.scene.addItem(item)
        self._previews.append(item)
        return item

    def remove_preview(self, item) -> None:
        if item in self._previews:
            self._previews.remove(item)
            if item.scene() is not None:
                item.scene().removeItem(item)

    def clear_previews(self) -> None:
        for item in self._previews:
            if item.scene() is not None:
                item.scene().removeItem(item)
        self._previews = []


class ToolManager(QObject):
    """The registered tools, the active one, the current class and the selected object.

    Signals: ``tool_changed(name)``, ``class_changed(row)``, ``selection_changed(source, ann_id)``
    (("", -1) when nothing is selected).
    """

    tool_changed = Signal(str)
    class_changed = Signal(int)
    selection_changed = Signal(str, int)

    def __init__(self, controller, view, parent=None):
        super().__init__(parent)
        self.controller = controller
        self.context = ToolContext(self, controller, view)
        self.tools: dict[str, Tool] = {}
        self.active: Tool | None = None
        self.current_class = 0
        self.selected: tuple[str, int] | None = None
        self._space = False
        self._gesture = False  # a press the tool took: its moves and release go to the tool
        self._row: int | None = None  # the image row of the last frame shown
        self.object_actions = None  # set by the detection tools (keys and context menu)
        # keys and menu entries of every task (ObjectActions…); a handler whose
        # ``acts_on_images`` is True acts on the selected images and is offered by the grid too
        self.key_handlers: list = []
        self.toolbar = None  # the tools toolbar, once installed
        self.last_menu = None  # the last right-click menu shown
        self.attach(view)

    def attach(self, view) -> None:
        """Route ``view``'s events to the tools."""
        view.tools = self

    # --- tools ------------------------------------------------------------------------------
    def register(self, tool: Tool) -> Tool:
        self.tools[tool.name] = tool
        return tool

    def available(self, edits: str | None) -> list[Tool]:
        """The registered tools for a task that edits ``edits`` ("objects", "masks", "" for
        none; None: every tool), in registration order."""
        return [t for t in self.tools.values()
                if edits is None or t.edits is None or t.edits == edits]

    def activate(self, name: str) -> None:
        """Make tool ``name`` active (the previous one is cancelled and its previews removed)."""
        tool = self.tools[name]
        if tool is self.active:
            return
        if self.active is not None:
            self.active.commit()
            self.active.deactivate()
        self._gesture = False
        self.active = tool
        self.context.view.viewport().setCursor(tool.cursor)
        tool.activate()
        self.tool_changed.emit(name)

    def set_current_class(self, row: int) -> None:
        if row != self.current_class:
            self.current_class = int(row)
            self.class_changed.emit(self.current_class)

    def class_rgb(self) -> tuple[int, int, int]:
        """The line colour of the current class (as the canvas draws it)."""
        from reviewer.core.view_state import default_class_colors
        from reviewer.ui.canvas.palette import line_rgb

        frame, n = self.context.frame, self.current_class + 1
        table = frame.color_table(n) if frame is not None else default_class_colors(n)
        return line_rgb(table[self.current_class])

    # --- selection --------------------------------------------------------------------------
    def select(self, key: tuple[str, int] | None, notify: bool = True) -> None:
        """Select the shown object with (source, ann_id) ``key`` (None: nothing): outlined on
        the canvas; ``notify`` also emits the view's ``object_clicked`` (the tags panel)."""
        view = self.context.view
        if key is not None and self.context.object(key) is None:
            key = None
        self.selected = key
        view.highlight([key] if key else [])
        if notify:
            view.object_clicked.emit(*(key or ("", -1)))
        self.selection_changed.emit(*(key or ("", -1)))

    def frame_shown(self, view) -> None:
        """The view shows a frame: another image (drop the selection) or the same one again."""
        if view is not self.context.view:
            return
        row = self.context.image_row
        if row != self._row:
            self._row = row
            self.image_changed()
        else:
            self.refresh()

    def refresh(self) -> None:
        """After the view shows a (re-rendered) frame: keep the selection if it still exists."""
        if self.selected is not None and self.context.object(self.selected) is None:
            self.selected = None
            self.selection_changed.emit("", -1)
        if self.selected is not None:
            self.context.view.highlight([self.selected])
        if self.active is not None:
            self.active.frame_changed()

    def reselect(self, *_args) -> None:
        """After a history step: tell the tags panel again which object is selected (the
        window resets the panel when the image's content changes)."""
        if self.selected is not None and self.context.object(self.selected) is not None:
            self.context.view.object_clicked.emit(*self.selected)

    def image_changed(self) -> None:
        """Another image is shown: finish pending work, cancel gestures, drop the selection."""
        if self.active is not None:
            self.active.commit()
            self.active.cancel()
        self._gesture = False
        self.selected = None
        self.selection_changed.emit("", -1)
        if self.active is not None:
            self.active.frame_changed()

    # --- event routing ----------------------------------------------------------------------
    def handle(self, kind: str, view, event) -> bool:
        """Offer a view event to the active tool; True when the tool took it."""
        tool = self.active
        if kind in ("key", "key_release", "shortcut"):
            return self._key(kind, event)
        if tool is None or tool.passive or view is not self.context.view:
            return False
        if kind == "context_menu":
            return self._context_menu(view, event)
        if kind == "hover":
            return tool.hover(tool_event(view, event))
        if kind in ("press", "double_click"):
            if event.button() != LEFT or self._space:
                return False
            taken = getattr(tool, kind)(tool_event(view, event))
            self._gesture = bool(taken) or self._gesture
            return bool(taken)
        if not self._gesture:
            return False
        if kind == "release":
            if event.button() != LEFT:
                return True
            self._gesture = False
        return bool(getattr(tool, kind)(tool_event(view, event)))

    def _key(self, kind: str, event: QKeyEvent) -> bool:
        if event.key() == Qt.Key.Key_Space:
            if not event.isAutoRepeat():
                self._space = kind != "key_release"
            return False
        if kind == "key_release" or self.active is None:
            return False
        if kind == "shortcut":
            return bool(self.active.wants_key(event)
                        or any(h.wants_key(event) for h in self.key_handlers))
        if self.active.key_press(event):
            return True
        if event.key() == Qt.Key.Key_Escape:
            if self.active.cancel():
                self._gesture = False
                return True
            if self.selected is not None:
                self.select(None)
                return True
            return False
        return any(h.key_press(event) for h in self.key_handlers)

    def _context_menu(self, view, event) -> bool:
        from PySide6.QtWidgets import QMenu

        ev = tool_event(view, event)
        menu = QMenu(view)
        for handler in self.key_handlers:
            handler.context_menu(ev, menu)
        self.active.context_menu(ev, menu)
        if menu.isEmpty():
            return False
        menu.popup(event.globalPos())
        self.last_menu = menu
        return True


def is_shortcut_override(event) -> bool:
    return event.type() == QEvent.Type.ShortcutOverride
