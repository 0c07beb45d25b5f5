"""What the reviewer has in front of them, Qt-free: the image shown and how layers are drawn.

The window's controller owns one ``ReviewSelection``; the panels, the status bar, the analysis
links and the tools read it and subscribe to its signals instead of reaching into the controller.
``current`` is set once the canvas shows the image (so a subscriber finds the frame ready);
``layers`` is view state (not undoable).

Signals (psygnal): ``current_changed(row | None)``, ``layers_changed(LayerState)``.
"""

from __future__ import annotations

from psygnal import Signal

from .view_state import LayerState


class ReviewSelection:
    current_changed = Signal(object)
    layers_changed = Signal(object)

    def __init__(self, layers: LayerState | None = None):
        self._current: int | None = None
        self._layers = layers or LayerState()

    @property
    def current(self) -> int | None:
        """The image row on the canvas (None: nothing shown)."""
        return self._current

    @current.setter
    def current(self, row: int | None) -> None:
        self._current = None if row is None else int(row)
        self.current_changed.emit(self._current)

    @property
    def layers(self) -> LayerState:
        return self._layers

    @layers.setter
    def layers(self, state: LayerState) -> None:
        if state != self._layers:
            self._layers = state
            self.layers_changed.emit(state)
