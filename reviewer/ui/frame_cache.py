"""Canvas frames of the next images, built while the window is idle.

Building a detection frame re-scores one image (about 5 ms at 50 + 50 objects); doing it for the
look-ahead images from a short timer, after the current image is painted, keeps stepping to
the next image down to attaching the preloaded pixels. Frames are built without pixels and get
them (``dataclasses.replace``) when shown; an edit of an image drops its frame.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import replace

from PySide6.QtCore import QTimer

from reviewer.ui import frames

CAPACITY = 8
IDLE_MS = 10  # after the current image is painted


class FrameCache:
    def __init__(self, controller):
        self.c = controller
        self._frames: OrderedDict[int, object] = OrderedDict()
        self._todo: list[int] = []
        self._timer = QTimer(controller, singleShot=True, interval=IDLE_MS)
        self._timer.timeout.connect(self._on_timer_timeout)

    def take(self, row: int, image):
        """The frame of ``row`` with ``image`` (built now unless prepared)."""
        frame = self._frames.pop(row, None)
        if frame is None:
            return frames.build_frame(self.c.session, row, image)
        return replace(frame, image=image)

    def prepare(self, rows) -> None:
        """Build the frames of ``rows`` later, one per event-loop turn."""
        self._todo = [r for r in rows if r not in self._frames]
        if self._todo:
            self._timer.start()

    def forget(self, row: int) -> None:
        self._frames.pop(row, None)

    def clear(self) -> None:
        self._timer.stop()
        self._todo = []
        self._frames.clear()

    def _on_timer_timeout(self) -> None:
        if not self._todo or self.c.session is None:
            return
        row = self._todo.pop(0)
        if row not in self._frames and _size_known(self.c.session, row):
            self._frames[row] = frames.build_frame(self.c.session, row, None)
            while len(self._frames) > CAPACITY:
                self._frames.popitem(last=False)
        if self._todo:
            self._timer.start()


def _size_known(session, row: int) -> bool:
    """Masks are rasterised at the image size: prepare only when the table knows it."""
    images = session.data.dataset.images
    return bool(images.widths[row] > 0 and images.heights[row] > 0)
