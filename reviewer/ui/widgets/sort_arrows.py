"""Sort arrows that point the way the column runs: ▲ ascending (smallest first), ▼ descending.

``QHeaderView`` hands the style ``SortDown`` for an ascending sort and ``SortUp`` for a
descending one, and the Fusion and Windows styles draw ``SortUp`` as ▲: a column ranked worst
first (descending) showed ▲. ``install_sort_arrows(header)`` gives the header a proxy style that
swaps the two, so the arrow follows the convention of spreadsheets and file managers. The macOS
style already draws the native convention and is left alone.
"""

from __future__ import annotations

from PySide6.QtWidgets import QHeaderView, QProxyStyle, QStyle, QStyleOptionHeader

_SWAP = {QStyleOptionHeader.SortIndicator.SortUp: QStyleOptionHeader.SortIndicator.SortDown,
         QStyleOptionHeader.SortIndicator.SortDown: QStyleOptionHeader.SortIndicator.SortUp}


class SortArrowStyle(QProxyStyle):
    """The application style with the header's sort arrow turned round.

    ``drawn`` holds the indicator of the last arrow painted (for tests and debugging).
    """

    def __init__(self):
        super().__init__()  # no base style given: the application's, never owned by us
        self.drawn: QStyleOptionHeader.SortIndicator | None = None

    def drawPrimitive(self, element, option, painter, widget=None):
        if element == QStyle.PrimitiveElement.PE_IndicatorHeaderArrow and \
                isinstance(option, QStyleOptionHeader) and option.sortIndicator in _SWAP:
            option = QStyleOptionHeader(option)
            option.sortIndicator = _SWAP[option.sortIndicator]
            self.drawn = option.sortIndicator
        super().drawPrimitive(element, option, painter, widget)


def install_sort_arrows(header: QHeaderView) -> SortArrowStyle | None:
    """Give ``header`` the swapped arrows (None on macOS, whose style is right already)."""
    if header.style().name().lower().startswith("macos"):
        return None
    style = SortArrowStyle()
    style.setParent(header)  # lives and dies with the header
    header.setStyle(style)
    return style


def arrow_points_up(indicator) -> bool:
    """Whether the arrow the style draws for this indicator points up (Fusion: ``SortUp``)."""
    return indicator == QStyleOptionHeader.SortIndicator.SortUp
