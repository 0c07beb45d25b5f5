"""Compiled mask IoU on compressed RLEs, equal to pycocotools' ``rleIou`` pair by pair.

``decode_all`` turns compressed RLE dicts into one array of run lengths (``core.rle`` documents
the string format; inputs were validated by the loaders) plus each mask's box from pycocotools'
``toBbox``. ``mask_pairs`` lists the pairs whose mask boxes meet (as ``rleIou`` does before it
looks at runs) and computes their IoU by walking both run lists at once: integer intersection
and union, then one division (crowd GT: over the prediction's area; masks of different sizes:
-1), as maskApi.c does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pycocotools import mask as mask_utils

from .box_kernel import _meets
from .jit import njit
from .sparse_iou import Groups, Pairs, box_pairs

_BOX_CHUNK = 10_000


@dataclass(frozen=True)
class Runs:
    """N masks: runs[start[i]:start[i+1]] (zeros first, alternating); size (N, 2) height,
    width; box (N, 4) xywh of the mask (pycocotools ``toBbox``); area (N,) pixels."""

    runs: np.ndarray
    start: np.ndarray
    size: np.ndarray
    box: np.ndarray
    area: np.ndarray


def decode_all(rles: list) -> Runs:
    """Compressed RLE dicts (counts str or bytes) -> Runs."""
    counts = [r["counts"] if type(r["counts"]) is bytes else r["counts"].encode("ascii")
              for r in rles]
    lengths = np.fromiter(map(len, counts), np.int64, len(counts))
    data = np.frombuffer(b"".join(counts), np.uint8)
    bounds = np.zeros(len(counts) + 1, np.int64)
    np.cumsum(lengths, out=bounds[1:])
    n_runs = _count_numbers(data, bounds)
    start = np.zeros(len(counts) + 1, np.int64)
    np.cumsum(n_runs, out=start[1:])
    runs = np.empty(int(start[-1]), np.int64)
    _decode(data, bounds, start, runs)
    size = np.array([r["size"] for r in rles], np.int64).reshape(-1, 2)
    box = np.zeros((len(rles), 4))
    for i in range(0, len(rles), _BOX_CHUNK):
        chunk = rles[i:i + _BOX_CHUNK]
        box[i:i + len(chunk)] = np.asarray(mask_utils.toBbox(chunk), np.float64).reshape(-1, 4)
    return Runs(runs, start, size, box, _areas(runs, start))


@njit
def _count_numbers(data, bounds):
    out = np.zeros(len(bounds) - 1, np.int64)
    for i in range(len(bounds) - 1):
        k = 0
        for p in range(bounds[i], bounds[i + 1]):
            if not (data[p] - 48) & 0x20:
                k += 1
        out[i] = k
    return out


@njit
def _decode(data, bounds, start, runs):
    """maskApi.c ``rleFrString``: 5 bits per character, 0x20 "more follows", 0x10 of the last
    character the sign; from the fourth number on, a difference to the run two places back."""
    for i in range(len(bounds) - 1):
        m = 0
        p = bounds[i]
        base = start[i]
        while p < bounds[i + 1]:
            x, k, more = 0, 0, True
            while more:
                c = data[p] - 48
                x |= (c & 0x1F) << (5 * k)
                more = (c & 0x20) != 0
                p += 1
                k += 1
                if not more and (c & 0x10):
                    x |= -1 << (5 * k)
            if m > 2:
                x += runs[base + m - 2]
            runs[base + m] = x
            m += 1


@njit
def _areas(runs, start):
    out = np.zeros(len(start) - 1, np.int64)
    for i in range(len(start) - 1):
        for j in range(start[i] + 1, start[i + 1], 2):
            out[i] += runs[j]
    return out


@njit
def _rle_iou(runs_a, a0, a1, runs_b, b0, b1, crowd, area_a) -> float:
    """maskApi.c ``rleIou`` for one pair of equal size whose boxes meet."""
    ka, kb = a1 - a0, b1 - b0
    ca = runs_a[a0] if ka else 0
    cb = runs_b[b0] if kb else 0
    va = vb = False
    a = b = 1
    inter = union = 0
    ct = 1
    while ct > 0:
        c = min(ca, cb)
        if va or vb:
            union += c
            if va and vb:
                inter += c
        ct = 0
        ca -= c
        if ca == 0 and a < ka:
            ca = runs_a[a0 + a]
            a += 1
            va = not va
        ct += ca
        cb -= c
        if cb == 0 and b < kb:
            cb = runs_b[b0 + b]
            b += 1
            vb = not vb
        ct += cb
    if inter == 0:
        union = 1
    elif crowd:
        union = area_a
    return inter / union


@njit
def _pair_ious(dt_runs, dt_start, dt_size, dt_box, dt_area, gt_runs, gt_start, gt_size, gt_box,
               crowd, d_rows, g_rows, out):
    for q in range(len(d_rows)):
        d, g = d_rows[q], g_rows[q]
        if not _meets(dt_box, d, gt_box, g):
            out[q] = 0.0
        elif dt_size[d, 0] != gt_size[g, 0] or dt_size[d, 1] != gt_size[g, 1]:
            out[q] = -1.0
        else:
            out[q] = _rle_iou(dt_runs, dt_start[d], dt_start[d + 1], gt_runs, gt_start[g],
                              gt_start[g + 1], crowd[g], dt_area[d])


def row_ious(dt: Runs, gt: Runs, gt_crowd: np.ndarray, d_rows: np.ndarray,
             g_rows: np.ndarray) -> np.ndarray:
    """(K,) IoU of the mask pairs (d_rows[k], g_rows[k]), as pycocotools ``iou`` gives them."""
    out = np.empty(len(d_rows), np.float64)
    _pair_ious(dt.runs, dt.start, dt.size, dt.box, dt.area, gt.runs, gt.start, gt.size, gt.box,
               np.ascontiguousarray(gt_crowd, np.bool_), np.asarray(d_rows, np.int64),
               np.asarray(g_rows, np.int64), out)
    return out


def mask_pairs(groups: Groups, dt: Runs, gt: Runs, gt_crowd: np.ndarray,
               keep_all: bool = False) -> Pairs:
    """The pairs of each group whose mask boxes meet (every pair with ``keep_all``), with their
    mask IoU."""
    near = box_pairs(groups, dt.box, gt.box, np.zeros(len(gt.box), bool), keep_all)
    owner = np.repeat(np.arange(len(groups.dt)), np.diff(near.ptr))
    group_of = np.repeat(np.arange(len(groups)), np.diff(groups.dt_start))
    g_rows = groups.gt[groups.gt_lo[group_of[owner]] + near.col]
    iou = row_ious(dt, gt, gt_crowd, groups.dt[owner], g_rows)
    return Pairs(near.ptr, near.col, iou)
