"""Where the cells of the thumbnail grid are: plain arithmetic, no Qt, O(1) in the row count.

The grid shows the rows of the image table (view rows 0..count-1) left to right, top to bottom,
in square cells of ``size`` pixels separated by ``gap`` pixels, with ``margin`` pixels around.
Every question (how many columns fit, which cell is under a point, which cells a rectangle or
the visible band touch) is answered by division, so a million rows lay out as fast as ten.
Coordinates are content coordinates: y grows from the top of the first grid row; the view
subtracts its scroll offset.
"""

from __future__ import annotations

from dataclasses import dataclass

MIN_SIZE, MAX_SIZE = 64, 360  # thumbnail side in pixels (the size slider's range)


@dataclass(frozen=True)
class GridLayout:
    """count cells of size x size pixels, ``columns`` per grid row."""

    count: int
    size: int
    columns: int
    gap: int = 4
    margin: int = 4

    @classmethod
    def fit(cls, count: int, size: int, width: int, gap: int = 4, margin: int = 4) -> GridLayout:
        """The layout of ``count`` cells in a viewport ``width`` pixels wide."""
        size = max(MIN_SIZE, min(MAX_SIZE, int(size)))
        columns = max(1, (width - 2 * margin + gap) // (size + gap))
        return cls(max(0, int(count)), size, int(columns), gap, margin)

    @property
    def pitch(self) -> int:
        """Distance from one cell's top-left corner to the next one's."""
        return self.size + self.gap

    @property
    def rows(self) -> int:
        return -(-self.count // self.columns)

    @property
    def height(self) -> int:
        """Height of the whole grid (content) in pixels."""
        return 0 if not self.count else 2 * self.margin + self.rows * self.pitch - self.gap

    def cell(self, v: int) -> tuple[int, int, int, int]:
        """(x, y, width, height) of view row ``v``'s cell."""
        r, c = divmod(int(v), self.columns)
        return self.margin + c * self.pitch, self.margin + r * self.pitch, self.size, self.size

    def at(self, x: float, y: float) -> int:
        """The view row whose cell holds point (x, y), or -1 (a gap, the margin, past the end)."""
        if x < self.margin or y < self.margin:
            return -1
        c, cx = divmod(int(x) - self.margin, self.pitch)
        r, cy = divmod(int(y) - self.margin, self.pitch)
        if c >= self.columns or cx >= self.size or cy >= self.size:
            return -1
        v = r * self.columns + c
        return v if v < self.count else -1

    def band(self, top: float, bottom: float) -> range:
        """View rows of the cells that reach into the band top..bottom (the visible part)."""
        if not self.count or bottom < top:
            return range(0)
        first = max(0, (int(top) - self.margin) // self.pitch)
        last = max(0, (int(bottom) - self.margin) // self.pitch)
        return range(min(first * self.columns, self.count),
                     min((last + 1) * self.columns, self.count))

    def spans(self, x0: float, y0: float, x1: float, y1: float) -> list[tuple[int, int]]:
        """(first, last) view-row spans of the cells a rectangle touches, one per grid row
        (a rubber band: every cell it overlaps)."""
        x0, x1 = sorted((x0, x1))
        y0, y1 = sorted((y0, y1))
        c0 = max(0, _ceil_div(int(x0) - self.margin - self.size + 1, self.pitch))
        c1 = min(self.columns - 1, (int(x1) - self.margin) // self.pitch)
        r0 = max(0, _ceil_div(int(y0) - self.margin - self.size + 1, self.pitch))
        r1 = min(self.rows - 1, (int(y1) - self.margin) // self.pitch)
        out = []
        for r in range(r0, r1 + 1):
            first, last = r * self.columns + c0, min(r * self.columns + c1, self.count - 1)
            if c0 <= c1 and first <= last:
                out.append((first, last))
        return out

    def step(self, v: int, key: str, page_rows: int = 1) -> int:
        """The view row a navigation key leads to from ``v``: "left", "right", "up", "down",
        "page_up", "page_down", "home", "end" (clamped to the rows there are)."""
        if not self.count:
            return -1
        moves = {"left": -1, "right": 1, "up": -self.columns, "down": self.columns,
                 "page_up": -self.columns * max(1, page_rows),
                 "page_down": self.columns * max(1, page_rows)}
        if key == "home":
            return 0
        if key == "end":
            return self.count - 1
        target = v + moves[key]
        if target < 0:  # up from the first grid row: stay; a page up: the first grid row
            return v if key == "up" else v % self.columns
        return max(0, min(self.count - 1, target))


def fitting_size(width: int, height: int, cells: int, gap: int = 4, margin: int = 4) -> int:
    """The largest thumbnail side at which ``cells`` whole cells fit a width x height viewport
    (clamped to MIN_SIZE..MAX_SIZE): the default size, ~50 images at a glance."""
    best = MIN_SIZE
    for size in range(MIN_SIZE, MAX_SIZE + 1, 2):
        layout = GridLayout.fit(cells, size, width, gap, margin)
        whole_rows = max(0, (height - 2 * margin + gap) // layout.pitch)
        if layout.columns * whole_rows >= cells:
            best = size
        else:
            break
    return best


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)
