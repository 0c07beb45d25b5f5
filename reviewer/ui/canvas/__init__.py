"""The image canvas of the review window: image, masks, boxes, error views.

Embed ``CanvasWidget`` (switches between one ``CanvasView`` and the three-pane
``SideBySideView`` by ``LayerState.view_mode``); feed it ``CanvasFrame`` and ``LayerState`` from
``reviewer.core.view_state``.
"""

from .side_by_side import SideBySideView
from .view import CanvasView
from .widget import CanvasWidget

__all__ = ["CanvasView", "CanvasWidget", "SideBySideView"]
