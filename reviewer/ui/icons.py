"""Icons from ``reviewer.resources/icons/*.svg``, drawn in the palette's text colour.

The SVGs stroke with ``currentColor``; ``SvgIconEngine`` substitutes the application palette's
window-text colour (disabled text colour for disabled icons) and renders at the requested device
pixel size, so icons stay crisp on high-DPI screens and readable in dark and light themes.
"""

from __future__ import annotations

import functools
from importlib import resources

from PySide6.QtCore import QByteArray, QRect, QSize, Qt
from PySide6.QtGui import QIcon, QIconEngine, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication


@functools.cache
def _svg(name: str) -> bytes:
    try:
        return (resources.files("reviewer.resources") / "icons" / f"{name}.svg").read_bytes()
    except (FileNotFoundError, OSError):
        return b""


class SvgIconEngine(QIconEngine):
    def __init__(self, data: bytes):
        super().__init__()
        self._data = data

    def clone(self):
        return SvgIconEngine(self._data)

    def paint(self, painter: QPainter, rect: QRect, mode, state) -> None:
        colour = _colour(mode)
        svg = self._data.replace(b"currentColor", colour.encode("ascii"))
        QSvgRenderer(QByteArray(svg)).render(painter, rect)

    def pixmap(self, size: QSize, mode, state) -> QPixmap:
        pix = QPixmap(size)
        pix.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pix)
        self.paint(painter, QRect(0, 0, size.width(), size.height()), mode, state)
        painter.end()
        return pix


def _colour(mode) -> str:
    palette = QApplication.palette()
    group = QPalette.ColorGroup.Disabled if mode == QIcon.Mode.Disabled else \
        QPalette.ColorGroup.Active
    return palette.color(group, QPalette.ColorRole.WindowText).name()


def icon(name: str | None) -> QIcon:
    """The named icon (an empty QIcon when ``name`` is None or unknown)."""
    data = _svg(name) if name else b""
    return QIcon(SvgIconEngine(data)) if data else QIcon()
