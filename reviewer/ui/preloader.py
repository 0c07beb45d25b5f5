"""Image decoding with a look-ahead: the next images of the ranking are decoded in the background.

``ImagePreloader.get(path)`` returns an (H,W,3) uint8 RGB array (decoded with OpenCV, BGR->RGB)
or None when the file is missing or unreadable; ``prefetch(paths)`` decodes the given paths on a
thread pool into an LRU cache, so stepping to the next image finds it ready. A path requested
while a worker is decoding it waits for that worker instead of decoding twice.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path

import cv2
import numpy as np

LOOKAHEAD = 3


def decode_image(path: str | Path) -> np.ndarray | None:
    """Decode an image file -> (H,W,3) uint8 RGB, or None (missing / not an image)."""
    try:
        raw = np.fromfile(str(path), dtype=np.uint8)  # unlike imread, works with any path
    except OSError:
        return None
    if raw.size == 0:
        return None
    bgr = cv2.imdecode(raw, cv2.IMREAD_COLOR)
    if bgr is None:
        return None
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


class ImagePreloader:
    """LRU cache of decoded images, filled ahead of the reader by a small thread pool."""

    def __init__(self, capacity: int = 8, workers: int = 2):
        self.capacity = max(capacity, LOOKAHEAD + 2)
        self._cache: OrderedDict[str, np.ndarray | None] = OrderedDict()
        self._pending: dict[str, threading.Event] = {}
        self._futures: list = []
        self._lock = threading.Lock()
        # a plain Python pool: nothing here needs Qt (and PySide6 6.12 corrupts refcounts
        # with Python QRunnable subclasses run by a QThreadPool)
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="decode")

    def get(self, path) -> np.ndarray | None:
        """The decoded image at ``path`` (from the cache, a running prefetch, or decoded now)."""
        key = str(path)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
            pending = self._pending.get(key)
        if pending is not None:
            pending.wait()
            with self._lock:
                if key in self._cache:
                    return self._cache[key]
        image = decode_image(key)
        self._store(key, image)
        return image

    def is_cached(self, path) -> bool:
        with self._lock:
            return str(path) in self._cache

    def prefetch(self, paths) -> None:
        """Decode ``paths`` in the background (those not cached or already being decoded)."""
        for path in paths:
            key = str(path)
            with self._lock:
                if key in self._cache or key in self._pending:
                    continue
                event = self._pending[key] = threading.Event()
            future = self._pool.submit(self._decode, key, event)
            with self._lock:
                self._futures = [f for f in self._futures if not f.done()] + [future]

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for running decodes (tests, shutdown); False on timeout."""
        with self._lock:
            futures = list(self._futures)
        return not wait(futures, timeout).not_done

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _store(self, key: str, image) -> None:
        with self._lock:
            self._cache[key] = image
            self._cache.move_to_end(key)
            while len(self._cache) > self.capacity:
                self._cache.popitem(last=False)

    def _decode(self, key: str, event: threading.Event) -> None:
        try:
            image = decode_image(key)
        except Exception:  # a broken file must not kill the pool thread
            image = None
        self._store(key, image)
        with self._lock:
            self._pending.pop(key, None)
        event.set()
