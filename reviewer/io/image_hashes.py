"""Content and perceptual hashes of image files, cached beside the project.

``image_hashes(paths, cache_file, progress)`` -> (sha1 hex per file or None, pHash (N, 4)
uint64, ok (N,) bool). The content hash is SHA-1 of the file's bytes (exact duplicates); the
perceptual hash is ``imagehash.phash`` with ``hash_size=16``: 256 bits, the signs of the 16x16
lowest DCT frequencies of a 64x64 grey thumbnail (JPEGs are decoded at a reduced size first
through Pillow's ``draft``, at least 128 px). 256 bits rather than the usual 64: the lemons of
the sample project, distinct photos of look-alike fruit on one background, are 4 bits apart in
64-bit pHash — as close as a re-encoded copy — but 34 of 256 apart. A file that cannot be read gets ``ok = False`` and is left out of
the check.

The cache (``PROJECT/.reviewer-hashes.parquet``) keeps one row per file path with its size and
modification time; a file whose size or time changed is hashed again. Hashing runs in a process
pool of as many workers as there are cores (at most 4).
"""

from __future__ import annotations

import hashlib
import io
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

CACHE_NAME = ".reviewer-hashes.parquet"
_CHUNK = 256


HASH_SIZE = 16
WORDS = HASH_SIZE * HASH_SIZE // 64


def phash_words(image) -> np.ndarray:
    """(WORDS,) uint64: the 256-bit pHash of a PIL image."""
    import imagehash
    bits = imagehash.phash(image.convert("L"), hash_size=HASH_SIZE).hash.reshape(-1)
    return np.packbits(bits.astype(np.uint8)).view(">u8").astype(np.uint64)


def _hash_one(path: str) -> tuple[str | None, str, bool]:
    try:
        from PIL import Image
        data = Path(path).read_bytes()
        sha = hashlib.sha1(data, usedforsecurity=False).hexdigest()
        with Image.open(io.BytesIO(data)) as im:  # the bytes read once
            im.draft("RGB", (128, 128))
            words = phash_words(im)
        return sha, words.astype(">u8").tobytes().hex(), True
    except Exception:  # noqa: BLE001 - an unreadable file is reported, never fatal
        return None, "", False


def _hash_many(paths: list[str]) -> list:
    return [_hash_one(p) for p in paths]


def _stat(path: str) -> tuple[int, int]:
    try:
        st = os.stat(path)
        return int(st.st_size), int(st.st_mtime_ns)
    except OSError:
        return -1, -1


def read_cache(cache_file: Path) -> dict:
    """{path: (size, mtime_ns, sha1, phash, ok)} from the cache file (empty when absent or
    unreadable: the cache only saves time)."""
    try:
        import pandas as pd
        frame = pd.read_parquet(cache_file)
    except Exception:  # noqa: BLE001 - no cache or a broken one: hash again
        return {}
    out = {}
    for row in frame.itertuples(index=False):
        if bool(row.ok) and len(str(row.phash)) != WORDS * 16:
            continue  # another hash's entry: hash again
        out[row.path] = (int(row.size), int(row.mtime_ns), row.sha1 or None, str(row.phash),
                         bool(row.ok))
    return out


def write_cache(cache_file: Path, entries: dict) -> None:
    import pandas as pd
    paths = list(entries)
    vals = list(entries.values())
    frame = pd.DataFrame({
        "path": paths, "size": [v[0] for v in vals], "mtime_ns": [v[1] for v in vals],
        "sha1": [v[2] or "" for v in vals],
        "phash": [v[3] for v in vals],
        "ok": [v[4] for v in vals]})
    tmp = cache_file.with_name(cache_file.name + ".tmp")
    try:
        frame.to_parquet(tmp, index=False)
        os.replace(tmp, cache_file)
    except OSError:
        tmp.unlink(missing_ok=True)  # a read-only project: no cache, same answer


def image_hashes(paths: list, cache_file: Path | None, progress=None,
                 workers: int | None = None):
    """See the module docstring. progress: ``progress(stage, done, total)`` or None."""
    paths = [str(p) for p in paths]
    cache = read_cache(cache_file) if cache_file is not None else {}
    stats = [_stat(p) for p in paths]
    todo = [i for i, p in enumerate(paths)
            if p not in cache or cache[p][:2] != stats[i] or stats[i][0] < 0]
    done = 0

    def advance(k: int) -> None:
        nonlocal done
        done += k
        if progress is not None:
            progress("hashing images", done, len(todo))

    results = dict.fromkeys(todo)
    chunks = [todo[i:i + _CHUNK] for i in range(0, len(todo), _CHUNK)]
    n_workers = workers or min(4, os.cpu_count() or 1)
    if len(todo) > 2 * _CHUNK and n_workers > 1:
        with ProcessPoolExecutor(n_workers) as pool:
            for chunk, got in zip(chunks, pool.map(_hash_many, [[paths[i] for i in c]
                                                                 for c in chunks]), strict=True):
                results.update(zip(chunk, got, strict=True))
                advance(len(chunk))
    else:
        for chunk in chunks:
            results.update(zip(chunk, _hash_many([paths[i] for i in chunk]), strict=True))
            advance(len(chunk))
    for i, got in results.items():
        cache[paths[i]] = (*stats[i], *got)
    if todo and cache_file is not None:
        write_cache(cache_file, cache)
    sha = [cache[p][2] if cache[p][4] else None for p in paths]
    phash = np.zeros((len(paths), WORDS), np.uint64)
    for i, p in enumerate(paths):
        if cache[p][4]:
            phash[i] = np.frombuffer(bytes.fromhex(cache[p][3]), ">u8")
    ok = np.asarray([cache[p][4] for p in paths], bool)
    return sha, phash, ok
