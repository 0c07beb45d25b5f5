"""Hand tool (H): plain left-drag pans the image, a click selects (the view's own behaviour).

Every tool pans with the middle button or Space + left-drag; this one also with the left button.
"""

from __future__ import annotations

from PySide6.QtCore import Qt

from .base import Tool


class PanTool(Tool):
    name, text, shortcut, icon = "pan", "Pan", "H", "pan"
    tip = "Drag to move the image (any tool: middle button or Space + drag)"
    cursor = Qt.CursorShape.OpenHandCursor
    passive = True
