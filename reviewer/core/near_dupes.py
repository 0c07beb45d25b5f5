"""Pairs of perceptual hashes within a Hamming distance, without comparing every pair.

Hashes are (N, W) uint64: W words of 64 bits (a 256-bit pHash is W = 4). Multi-index hashing
(Norouzi, Punjani and Fleet, 2012): each hash is cut into m = 4 W chunks of 16 bits. Two hashes
at most ``d`` bits apart differ in at most ``d // m`` bits in some chunk (pigeonhole), so every
pair is found by looking up, for each chunk, the images whose chunk equals this image's chunk
with at most ``d // m`` bits flipped (17 look-ups per chunk for 256 bits and d <= 31); each
candidate is then checked on the whole hash. The look-ups are
vectorised over all images (numpy: a sort and a bincount per chunk), in batches so that a
crowded chunk value (many blank images) never needs more than a few million pairs in memory.

``near_pairs(hashes, d)`` -> (pairs (M, 2) int64 with i < j, distances (M,) int64), sorted.
A pair of chunks equal in several chunks is found several times and kept once.
``exact_groups(keys)`` -> lists of rows sharing a key (content hashes).
"""

from __future__ import annotations

import itertools

import numpy as np

CHUNKS = 4
BITS = 16
_BATCH = 4_000_000
_POP8 = np.array([bin(i).count("1") for i in range(256)], np.uint8)


def popcount(x: np.ndarray) -> np.ndarray:
    """Set bits of each row of uint64 words: (n,) or (n, W) -> (n,) int64."""
    x = np.ascontiguousarray(x, np.uint64)
    if x.ndim == 1:
        x = x[:, None]
    if hasattr(np, "bitwise_count"):
        return np.bitwise_count(x).sum(axis=1, dtype=np.int64)
    return _POP8[x.view(np.uint8).reshape(len(x), -1)].sum(axis=1, dtype=np.int64)


def hamming(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Bits apart of each row of ``a`` and ``b`` ((n,) or (n, W) uint64) -> (n,) int64."""
    return popcount(np.bitwise_xor(np.asarray(a, np.uint64), np.asarray(b, np.uint64)))


def _masks(radius: int) -> np.ndarray:
    """Every 16-bit value with at most ``radius`` bits set."""
    out = [0]
    for r in range(1, radius + 1):
        out += [sum(1 << b for b in bits) for bits in itertools.combinations(range(BITS), r)]
    return np.asarray(out, np.int64)


def near_pairs(hashes: np.ndarray, max_distance: int) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of rows whose hashes are at most ``max_distance`` bits apart (see the module
    docstring). hashes: (N,) or (N, W) uint64."""
    h = np.asarray(hashes, np.uint64)
    if h.ndim == 1:
        h = h[:, None]
    found = []
    chunks = CHUNKS * h.shape[1]
    radius = max(int(max_distance), 0) // chunks
    masks = _masks(radius)
    for c in range(chunks):
        word = h[:, c // CHUNKS]
        chunk = ((word >> np.uint64(BITS * (c % CHUNKS))) & np.uint64(0xFFFF)).astype(np.int64)
        order = np.argsort(chunk, kind="stable")
        counts = np.bincount(chunk, minlength=1 << BITS)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        for m in masks.tolist():
            q = chunk ^ m
            found += _probe(h, order, counts[q], starts[q], max_distance)
    if not found:
        return np.zeros((0, 2), np.int64), np.zeros(0, np.int64)
    pairs = np.unique(np.concatenate(found), axis=0)
    return pairs, hamming(h[pairs[:, 0]], h[pairs[:, 1]])


def _probe(h, order, cnt, start, max_distance) -> list:
    """Pairs (i, j), i < j, where j is in the bucket ``start[i] : start[i] + cnt[i]`` and the
    whole hashes are within ``max_distance``; in batches of rows."""
    out = []
    n = len(h)
    total = np.cumsum(cnt)
    lo = 0
    while lo < n:
        hi = int(np.searchsorted(total, (total[lo - 1] if lo else 0) + _BATCH, side="right"))
        hi = max(hi, lo + 1)
        c = cnt[lo:hi]
        if c.sum():
            i = np.repeat(np.arange(lo, hi), c)
            first = np.repeat(np.cumsum(c) - c, c)
            j = order[np.repeat(start[lo:hi], c) + np.arange(len(i)) - first]
            keep = i < j
            i, j = i[keep], j[keep]
            close = hamming(h[i], h[j]) <= max_distance
            if close.any():
                out.append(np.stack([i[close], j[close]], axis=1))
        lo = hi
    return out


def exact_groups(keys) -> list[list[int]]:
    """Rows sharing a key (e.g. a file's content hash), groups of two or more, in row order;
    None keys are never grouped."""
    seen: dict = {}
    for r, k in enumerate(keys):
        if k is not None:
            seen.setdefault(k, []).append(r)
    return [rows for rows in seen.values() if len(rows) > 1]
