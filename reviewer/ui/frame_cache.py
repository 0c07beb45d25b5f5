"""Canvas frames of the next images, built while the window is idle.

Building a detection frame re-scores one image (about 5 ms at 50 + 50 objects) and converting
its pixels to a pixmap takes a few more; doing both for the look-ahead images from a short
timer keeps stepping to the next image down to attaching the prepared frame and pixmap. The
timer starts only once the canvas has painted the image just shown (its ``frame_painted``), so
this work never delays the image the reviewer is waiting for; a long fallback covers a canvas
that does not paint (hidden). Frames are built without pixels and get them
(``frames.attach_image``) when shown; an edit of an image drops its frame.
"""

from __future__ import annotations

from collections import OrderedDict

from PySide6.QtCore import QTimer

from reviewer.ui import frames
from reviewer.ui.canvas.items import prepare_pixmap

CAPACITY = 8
IDLE_MS = 20       # after the current image is painted
FALLBACK_MS = 250  # when no paint comes (a hidden canvas)
PIXMAP_TRIES = 5   # idle turns a prepared frame waits for its image to be decoded
PREPARE_PIXELS = 16_000_000  # pictures converted ahead of time hold at most this many pixels


class FrameCache:
    def __init__(self, controller):
        self.c = controller
        self.builder = frames.FrameBuilder()
        self._frames: OrderedDict[int, object] = OrderedDict()
        self._todo: list[int] = []
        self._tries: dict[int, int] = {}
        self._views: set[int] = set()
        self._timer = QTimer(controller, singleShot=True, interval=IDLE_MS)
        self._timer.timeout.connect(self._on_timer_timeout)

    def take(self, row: int, image):
        """The frame of ``row`` with ``image`` (a LoadedImage; built now unless prepared)."""
        frame = self._frames.pop(row, None)
        if frame is None:
            return self.builder.build(self.c.session, row, image)
        return frames.attach_image(frame, self.c.session, row, image)

    def prepare(self, rows) -> None:
        """Build the frames of ``rows`` (and convert their decoded images) later, one per
        event-loop turn, starting after the current frame is painted."""
        self._todo, self._tries = list(rows), {}
        if not self._todo:
            return
        self._watch_paints()
        self._timer.start(FALLBACK_MS)

    def forget(self, row: int) -> None:
        self._frames.pop(row, None)

    def clear(self) -> None:
        self._timer.stop()
        self._todo = []
        self._frames.clear()
        self.builder.clear()

    def _watch_paints(self) -> None:
        view = self.c.active_view()
        for v in view.views() if hasattr(view, "views") else [view]:
            if id(v) not in self._views and hasattr(v, "frame_painted"):
                self._views.add(id(v))
                v.frame_painted.connect(self._on_view_frame_painted)

    def _on_view_frame_painted(self) -> None:
        if self._todo:
            self._timer.start(IDLE_MS)

    def _on_timer_timeout(self) -> None:
        if not self._todo or self.c.session is None:
            return
        row = self._todo.pop(0)
        if row not in self._frames and _size_known(self.c.session, row):
            frame = self._frames[row] = self.builder.build(self.c.session, row, None)
            while len(self._frames) > CAPACITY:
                self._frames.popitem(last=False)
            view = self.c.active_view()
            if hasattr(view, "prepare"):
                view.prepare(frame)
        if not self._prepare_pixmap(row) and self._tries.get(row, 0) < PIXMAP_TRIES:
            self._tries[row] = self._tries.get(row, 0) + 1
            self._todo.append(row)  # still decoding: try again on a later turn
        if self._todo:
            self._timer.start(IDLE_MS)

    def _prepare_pixmap(self, row: int) -> bool:
        """Convert the row's decoded image to a pixmap; False while it is still decoding."""
        path, expected = frames.load_request(self.c.session, row)
        if path is None:
            return True
        if not self.c.preloader.is_cached(path, expected):
            return False
        image = self.c.preloader.get(path, expected).pixels
        if image is not None and image.shape[0] * image.shape[1] <= PREPARE_PIXELS:
            prepare_pixmap(image)  # a larger picture is converted when shown
        return True


def _size_known(session, row: int) -> bool:
    """Masks are rasterised at the image size: prepare only when the table knows it."""
    images = session.data.dataset.images
    return bool(images.widths[row] > 0 and images.heights[row] > 0)
