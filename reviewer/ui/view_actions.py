"""View actions of the review window that change what the canvas shows (never the data).

- ``swap_styles`` (X): GT and predictions exchange fill / outline and opacity.
- ``only_class_here`` (I): show only the class of the selected object, else of the object or
  pixel under the mouse, in GT *and* predictions; pressed again on that class: every class.
  ``show_only_class(k)`` does the same for a class row of the layers panel (double-click or
  its context menu); ``all_classes`` (Shift+I) shows every class again.
- ``toggle_canvas_only`` (Ctrl+Shift+F): hide every panel, then bring back those that were open.

Layer state is view state: nothing here is journalled or undoable.
"""

from __future__ import annotations

from PySide6.QtGui import QCursor

from reviewer.ui.canvas import pixel_info


class ViewActions:
    def __init__(self, controller):
        self.c = controller
        self._hidden_docks: list | None = None  # docks hidden by "canvas only"

    # --- styles -----------------------------------------------------------------------------
    def swap_styles(self) -> None:
        state = self.c.layers.swapped_styles()
        self._show(state)
        filled = "ground truth" if state.gt.fill else "predictions"
        outlined = "predictions" if state.gt.fill else "ground truth"
        self._say(f"{filled.capitalize()} filled, {outlined} outlined (X swaps)")

    # --- one class --------------------------------------------------------------------------
    def show_only_class(self, class_index: int) -> None:
        """Only class ``class_index`` in both sources; on that class already: every class."""
        layers = self.c.layers
        only = frozenset((int(class_index),))
        if layers.gt.classes == only and layers.pred.classes == only:
            self.all_classes()
            return
        self._show(layers.only_class(class_index))
        self._say(f"Only “{self._name(class_index)}” shown, ground truth and predictions "
                  "(I again or Shift+I: every class)")

    def all_classes(self) -> None:
        self._show(self.c.layers.only_class(None))
        self._say("Every class shown")

    def only_class_here(self) -> None:
        k = self.class_here()
        if k is None:
            self._say("Select an object, or point at one (or at a pixel), then press I")
            return
        self.show_only_class(k)

    def class_here(self) -> int | None:
        """The class the reviewer means: the selected object's, else the hovered object's, else
        (segmentation) the class of the pixel under the mouse."""
        frame = self.c.frame
        if frame is None:
            return None
        keys = [getattr(self.c.tools, "selected", None)]
        view = self._view_under_mouse()
        if view is not None:
            keys.append(view.hovered())
        for key in keys:
            obj = next((o for o in frame.objects if key and o.key == tuple(key)), None)
            if obj is not None:
                return obj.class_index
        if view is None:
            return None
        point = view.mapToScene(view.viewport().mapFromGlobal(QCursor.pos()))
        return pixel_info.class_at(view.frame(), point.x(), point.y())

    def _view_under_mouse(self):
        active = self.c.active_view()
        views = active.views() if hasattr(active, "views") else [active]
        for view in views:
            if view.viewport().rect().contains(view.viewport().mapFromGlobal(QCursor.pos())):
                return view
        return None

    # --- panels -----------------------------------------------------------------------------
    def focus_canvas(self) -> None:
        """Give the image the keyboard (after typing a tag: R / S / N / 1-9 work at once)."""
        view = self.c.active_view()
        panes = view.views() if hasattr(view, "views") else [view]
        panes[0].setFocus()

    def toggle_canvas_only(self) -> None:
        docks = self.c.window.docks
        if self._hidden_docks is None:
            self._hidden_docks = [d for d in docks.values() if d.isVisible()
                                  and not d.isFloating()]
            for dock in self._hidden_docks:
                dock.hide()
            self._say("Canvas only: Ctrl+Shift+F brings the panels back")
        else:
            for dock in self._hidden_docks:
                dock.show()
            self._hidden_docks = None

    # --- helpers ----------------------------------------------------------------------------
    def _show(self, state) -> None:
        self.c.panels.show_view_mode(state)  # the layers panel shows the new state
        self.c.apply_layers(state)

    def _name(self, k: int) -> str:
        names = self.c.class_names() if self.c.session is not None else []
        return names[k] if 0 <= k < len(names) else str(k)

    def _say(self, text: str) -> None:
        self.c.window.statusBar().showMessage(text, 4000)
