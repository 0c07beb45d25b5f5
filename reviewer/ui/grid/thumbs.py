"""Grid thumbnails: decoded off the GUI thread, newest request first, kept in a bounded LRU cache.

``ThumbnailLoader.request(keys)`` says which thumbnails the grid shows *now* (a key is
``(path, expected size, side)``): it replaces the queue of every earlier request, so the
thumbnails of rows scrolled away are never decoded (a fling through a million rows decodes
only what it stops on). Two worker threads (10 steps nicer than the GUI thread on Linux, so a
paint is not kept waiting for a core) take keys from the front of the queue and decode
them with ``reviewer.io.images.load_image`` — the window's one image reader, in the dataset's
pixel order, a large JPEG decoded at 1/2, 1/4 or 1/8 scale by the decoder itself — then shrink
them to fit ``side`` x ``side``. ``ready(key)`` is emitted on the GUI thread when a thumbnail
arrives; ``get(key)`` reads the cache (at most ``MAX_BYTES`` of pixels, least recently used
first out).
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict, deque
from dataclasses import dataclass

import cv2
import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from reviewer.io.images import load_image
from reviewer.io.report_thumbs import TINT_ALPHA, TINT_BGR

SIDES = (96, 160, 256, 384)  # decode sizes: the smallest at least the cell's device pixels
MAX_BYTES = 128 * 2**20      # decoded thumbnail pixels kept (~900 at 256 px)
WORKERS = 2
NICE = 10  # the workers' scheduling niceness (Linux): the GUI thread's paint goes first


@dataclass(frozen=True)
class Thumb:
    """A decoded thumbnail: ``image`` (RGB, longest side at most the key's side) or None and
    ``message`` saying why (missing, unreadable, too large); ``full_size`` is the whole image's
    (width, height) in the dataset's pixel order (what boxes are measured in)."""

    image: QImage | None
    full_size: tuple[int, int] | None
    message: str = ""

    @property
    def nbytes(self) -> int:
        return 0 if self.image is None else self.image.sizeInBytes()


def side_for(pixels: float) -> int:
    """The decode side for a cell of ``pixels`` device pixels."""
    return next((s for s in SIDES if s >= pixels), SIDES[-1])


def decode_thumbnail(path, expected, side: int) -> Thumb:
    """The thumbnail of the image at ``path`` (a dataset of (width, height) ``expected``), fit
    into side x side. Never raises."""
    loaded = load_image(path, expected, min_width=side)
    if loaded.pixels is None:
        return Thumb(None, loaded.size, loaded.message)
    pixels = loaded.pixels
    h, w = pixels.shape[:2]
    scale = side / max(h, w)
    if scale < 1:
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        pixels = cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)
    return Thumb(_qimage(pixels), loaded.size or (w, h))


def overlay_thumb(run, side: int) -> Thumb:
    """The tint a task view's ``thumb_overlay`` function asks for, as a see-through picture
    (the report's red at up to 55 % opacity)."""
    share = run(side)
    if share is None:
        return Thumb(None, None)
    h, w = share.shape
    rgba = np.empty((h, w, 4), np.uint8)
    rgba[..., :3] = TINT_BGR[::-1]
    rgba[..., 3] = np.clip(np.rint(share * (TINT_ALPHA * 255)), 0, 255)
    return Thumb(_qimage(rgba, QImage.Format.Format_RGBA8888), None)


def _qimage(pixels: np.ndarray, fmt=QImage.Format.Format_RGB888) -> QImage:
    pixels = np.ascontiguousarray(pixels)
    h, w = pixels.shape[:2]
    return QImage(pixels.data, w, h, pixels.strides[0], fmt).copy()


class ThumbnailLoader(QObject):
    """Signals: ``ready(key)`` on the GUI thread once the thumbnail of ``key`` is cached.

    ``decoded`` counts the thumbnails decoded and ``asked`` the keys ever queued (tests and
    the benchmark read them); ``decode`` is the decoding function (``decode_thumbnail``)."""

    ready = Signal(object)
    _finished = Signal(object, object, int)  # worker thread -> GUI thread

    def __init__(self, workers: int = WORKERS, max_bytes: int = MAX_BYTES,
                 decode=decode_thumbnail, parent=None):
        super().__init__(parent)
        self.decode = decode
        self.nice = NICE
        self.worker_ids: list[int] = []  # the workers' thread ids (the OS's)
        self.max_bytes = max_bytes
        self.decoded = 0
        self.asked = 0
        self._cache: OrderedDict[tuple, Thumb] = OrderedDict()
        self._bytes = 0
        self._queue: deque[tuple] = deque()
        self._jobs: dict[tuple, object] = {}  # key -> its function (others: decode(*key))
        self._busy: dict[tuple, int] = {}  # key being decoded -> its request's generation
        self._generation = 0
        self._stop = False
        self._cv = threading.Condition()
        self._threads: list[threading.Thread] = []
        self._workers = workers
        self._finished.connect(self._on_finished)

    # --- the GUI thread ----------------------------------------------------------------------
    def get(self, key: tuple) -> Thumb | None:
        """The cached thumbnail of ``key`` (None: not decoded yet)."""
        thumb = self._cache.get(key)
        if thumb is not None:
            self._cache.move_to_end(key)
        return thumb

    def nearest(self, key: tuple) -> Thumb | None:
        """The cached thumbnail of ``key``, else of the same image at another side (shown
        scaled while the right one decodes)."""
        thumb = self.get(key)
        if thumb is not None:
            return thumb
        return next((self._cache[(key[0], key[1], s)] for s in reversed(SIDES)
                     if (key[0], key[1], s) in self._cache), None)

    def request(self, keys, jobs: dict | None = None) -> None:
        """Decode ``keys`` (those not cached nor being decoded), first key first; the keys of
        any earlier request still waiting are dropped. ``jobs`` maps keys to functions making
        their ``Thumb`` (an overlay); the other keys are decoded with ``decode(*key)``."""
        wanted = [k for k in dict.fromkeys(keys) if k not in self._cache]
        with self._cv:
            self._queue = deque(k for k in wanted if k not in self._busy)
            self._jobs = {k: jobs[k] for k in self._queue if jobs and k in jobs}
            self.asked += len(self._queue)
            if self._queue:
                self._start()
                self._cv.notify_all()

    def pending(self) -> int:
        """Keys waiting or being decoded."""
        with self._cv:
            return len(self._queue) + len(self._busy)

    def cached_bytes(self) -> int:
        return self._bytes

    def clear(self) -> None:
        """Forget every thumbnail and request (another project); decodes running now are
        dropped when they finish."""
        with self._cv:
            self._queue.clear()
            self._jobs.clear()
            self._busy.clear()
            self._generation += 1
        self._cache.clear()
        self._bytes = 0

    def shutdown(self) -> None:
        """Stop the worker threads (the window closes)."""
        with self._cv:
            self._stop = True
            self._queue.clear()
            self._cv.notify_all()
        for t in self._threads:
            t.join(timeout=5)
        self._threads = []

    def _on_finished(self, key, thumb, generation: int) -> None:
        with self._cv:
            current = generation == self._generation
            if current:
                self._busy.pop(key, None)
        if not current or key in self._cache:
            return
        self._cache[key] = thumb
        self._bytes += thumb.nbytes
        while self._bytes > self.max_bytes and len(self._cache) > 1:
            _, old = self._cache.popitem(last=False)
            self._bytes -= old.nbytes
        self.ready.emit(key)

    # --- the worker threads ------------------------------------------------------------------
    def _start(self) -> None:
        """Start the workers on the first request (called holding the lock)."""
        if self._threads or self._stop:
            return
        for n in range(self._workers):
            t = threading.Thread(target=self._work, name=f"thumbs-{n}", daemon=True)
            t.start()
            self._threads.append(t)

    def _work(self) -> None:
        self.worker_ids.append(threading.get_native_id())
        _lower_priority(self.nice)
        while True:
            with self._cv:
                while not self._queue and not self._stop:
                    self._cv.wait()
                if self._stop:
                    return
                key = self._queue.popleft()
                job = self._jobs.pop(key, None)
                generation = self._busy[key] = self._generation
            try:
                thumb = job() if job is not None else self.decode(*key)
            except Exception as exc:  # a broken file must not kill the worker
                thumb = Thumb(None, None, f"unreadable image: decoding failed ({exc})")
            with self._cv:
                self.decoded += 1
            self._finished.emit(key, thumb, generation)


def _lower_priority(nice: int) -> None:
    """Make the calling thread ``nice`` steps nicer (Linux: a thread is a schedulable task);
    elsewhere, or when refused, nothing."""
    if not nice or not hasattr(os, "setpriority") or not hasattr(threading, "get_native_id"):
        return
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid) + nice)
    except OSError:
        pass
