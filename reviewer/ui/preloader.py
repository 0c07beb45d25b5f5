"""Image decoding with a look-ahead: the next images of the ranking are decoded in the background.

``ImagePreloader.get(path, expected)`` returns a ``reviewer.io.images.LoadedImage``: (H,W,3)
uint8 RGB pixels in the dataset's pixel order (``expected`` = the dataset's (width, height)
decides whether an EXIF orientation applies), decoded within the pixel budget, or the reason it
cannot be shown (missing, unreadable, too large). ``prefetch(requests)`` decodes (path,
expected) pairs on a thread pool into an LRU cache (at most ``capacity`` images and
``MAX_CACHE_BYTES`` of pixels), so stepping to the next image finds it ready. A path requested
while a worker is decoding it waits for that worker instead of decoding twice.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path

import numpy as np

from reviewer.io.images import LoadedImage, load_image

LOOKAHEAD = 3
MAX_CACHE_BYTES = 768 * 2**20  # decoded pixels kept (the image shown is always kept)


def decode_image(path: str | Path, expected=None) -> np.ndarray | None:
    """Decode an image file -> (H,W,3) uint8 RGB, or None (missing / unreadable / too large)."""
    return load_image(path, expected).pixels


class ImagePreloader:
    """LRU cache of decoded images, filled ahead of the reader by a small thread pool."""

    def __init__(self, capacity: int = 8, workers: int = 2):
        self.capacity = max(capacity, LOOKAHEAD + 2)
        self._cache: OrderedDict[tuple, LoadedImage] = OrderedDict()
        self._pending: dict[tuple, threading.Event] = {}
        self._futures: list = []
        self._lock = threading.Lock()
        # a plain Python pool: nothing here needs Qt (and PySide6 6.12 corrupts refcounts
        # with Python QRunnable subclasses run by a QThreadPool)
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="decode")

    def get(self, path, expected=None) -> LoadedImage:
        """The image at ``path`` (from the cache, a running prefetch, or decoded now) for a
        dataset that says it is ``expected`` = (width, height) (None: unknown)."""
        key = _key(path, expected)
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
        image = load_image(*key)
        self._store(key, image)
        return image

    def is_cached(self, path, expected=None) -> bool:
        with self._lock:
            return _key(path, expected) in self._cache

    def prefetch(self, requests) -> None:
        """Decode (path, expected) ``requests`` in the background (those not cached or already
        being decoded)."""
        for path, expected in requests:
            key = _key(path, expected)
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

    def _store(self, key: tuple, image: LoadedImage) -> None:
        with self._lock:
            self._cache[key] = image
            self._cache.move_to_end(key)
            while len(self._cache) > self.capacity or (
                    len(self._cache) > 1 and _bytes(self._cache) > MAX_CACHE_BYTES):
                self._cache.popitem(last=False)

    def _decode(self, key: tuple, event: threading.Event) -> None:
        try:
            image = load_image(*key)
        except Exception as exc:  # a broken file must not kill the pool thread
            image = LoadedImage(None, key[1], "unreadable", f"decoding failed ({exc})")
        self._store(key, image)
        with self._lock:
            self._pending.pop(key, None)
        event.set()


def _key(path, expected) -> tuple:
    size = None if not expected or not (expected[0] and expected[1]) else (
        int(expected[0]), int(expected[1]))
    return str(path), size


def _bytes(cache) -> int:
    return sum(0 if v.pixels is None else v.pixels.nbytes for v in cache.values())
