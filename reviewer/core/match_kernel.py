"""Compiled COCOeval matching, TIDE classification and AP accumulation over sparse pairs.

Each kernel is the numba twin of a numpy reference kept beside it (``matching.greedy_match``,
``tide._classify_bucket``, ``ap._curve``) and gives the same values element by element
(``tests/core/test_kernels.py``). Inputs are ``sparse_iou.Groups`` + ``sparse_iou.Pairs``: a pair
left out has IoU 0 (its boxes do not meet), which the kernels treat exactly as the reference
treats a zero in its dense matrix — ties are broken by GT column as the reference's scans do,
not by the order of the pairs.
"""

from __future__ import annotations

import numpy as np

from .jit import njit
from .sparse_iou import Groups, Pairs

NONE, CLS, LOC, BOTH, DUPE, BKG = 0, 1, 2, 3, 4, 5  # the codes of core.tide


def greedy(groups: Groups, pairs: Pairs, gt_ignore: np.ndarray, gt_crowd: np.ndarray,
           thresholds: np.ndarray, dt_outside: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """COCOeval matching of every group at every area range and IoU threshold.

    gt_ignore: (A, M) bool per GT row; gt_crowd: (M,) bool; thresholds: (T,); dt_outside:
    (A, N) bool, the prediction's area is outside the range.
    Returns dt_match (A, T, N) GT row (-1: none; int32 when the rows fit, half the memory of
    the reference's int64 at 100k images: 320 MB) and best_iou (N,) float64, as
    ``matching.match``, with dt_ignore (A, T, N) and gt_matched (A, T, M) bool as
    ``cocoeval._finish`` derives them."""
    thr = np.minimum(np.asarray(thresholds, np.float64), 1 - 1e-10)
    n_a, n = dt_outside.shape
    rows = np.int32 if gt_ignore.shape[1] < 2**31 else np.int64
    out = np.full((n_a, len(thr), n), -1, rows)
    dt_ignore = np.empty((n_a, len(thr), n), np.bool_)
    dt_ignore[...] = dt_outside[:, None, :]
    gt_matched = np.zeros((n_a, len(thr), gt_ignore.shape[1]), np.bool_)
    best = np.zeros(n, np.float64)
    _greedy(groups.dt, groups.dt_start, groups.gt, groups.gt_lo, groups.gt_hi, pairs.ptr,
            pairs.col, pairs.iou, np.ascontiguousarray(gt_ignore, np.bool_),
            np.ascontiguousarray(gt_crowd, np.bool_), thr, out, dt_ignore, gt_matched, best)
    return out, dt_ignore, gt_matched, best


@njit
def _greedy(dt, dt_start, gt, gt_lo, gt_hi, ptr, col, iou, ignore, crowd, thr, out, dt_ignore,  # noqa: C901
            gt_matched, best):
    """Hot loops take no array views (each view costs a reference count) and the pick is
    inlined (a helper taking the arrays measured ~1.5x slower), hence one long function. The pick of one
    prediction is ``matching.greedy_match``'s step: the highest IoU >= thr among untaken (or
    crowd) GT, regular GT first, the later column on ties (COCOeval's ``>=`` scan)."""
    thr_min = thr.min() if len(thr) else 1.0
    q_col, q_iou, q_start, act, grp, grp_start = _candidates(dt, dt_start, gt_lo, gt_hi, ptr,
                                                             col, iou, thr_min, best)
    taken = np.zeros(max(int((gt_hi - gt_lo).max()) if len(gt_lo) else 0, 1), np.bool_)
    # (area, threshold) outermost: each pass writes one (N,) plane of the outputs in row order
    for a in range(ignore.shape[0]):
        for t in range(len(thr)):
            th = thr[t]
            for h in range(len(grp)):
                lo, n = gt_lo[grp[h]], gt_hi[grp[h]] - gt_lo[grp[h]]
                for j in range(n):
                    taken[j] = False
                for i in range(grp_start[h], grp_start[h + 1]):
                    best_r, col_r, best_i, col_i = -np.inf, -1, -np.inf, -1
                    for q in range(q_start[i], q_start[i + 1]):
                        v = q_iou[q]
                        if not v >= th:
                            continue
                        c = q_col[q]
                        if taken[c] and not crowd[gt[lo + c]]:
                            continue
                        if ignore[a, gt[lo + c]]:
                            if v > best_i or (v == best_i and c > col_i):
                                best_i, col_i = v, c
                        elif v > best_r or (v == best_r and c > col_r):
                            best_r, col_r = v, c
                    m = col_r if col_r >= 0 else col_i
                    if m >= 0:
                        row, p = gt[lo + m], dt[act[i]]
                        out[a, t, p] = row
                        dt_ignore[a, t, p] = ignore[a, row]
                        gt_matched[a, t, row] = True
                        taken[m] = True


@njit
def _candidates(dt, dt_start, gt_lo, gt_hi, ptr, col, iou, thr_min, best):
    """Best IoU of every prediction (into ``best``) and, compacted, the pairs that can match
    at some threshold: -> (q_col, q_iou, q_start (K+1,) per active prediction, act (K,) their
    positions, grp (H,) the groups holding them, grp_start (H+1,) their slices of act)."""
    q_col = np.empty(len(col), np.int64)
    q_iou = np.empty(len(col), np.float64)
    q_start = np.empty(len(dt) + 1, np.int64)
    act = np.empty(len(dt), np.int64)
    grp = np.empty(len(dt_start), np.int64)
    grp_start = np.empty(len(dt_start), np.int64)
    k = n_act = n_grp = 0
    for g in range(len(dt_start) - 1):
        if gt_hi[g] == gt_lo[g]:
            continue  # no GT: every prediction stays unmatched, best IoU 0
        first = n_act
        for p in range(dt_start[g], dt_start[g + 1]):
            b, nan = 0.0, False
            q_start[n_act] = k
            for q in range(ptr[p], ptr[p + 1]):
                v = iou[q]
                if v != v:
                    nan = True
                elif v > b:
                    b = v
                if v >= thr_min:
                    q_col[k], q_iou[k] = col[q], v
                    k += 1
            best[dt[p]] = np.nan if nan else b
            if k > q_start[n_act]:
                act[n_act] = p
                n_act += 1
        if n_act > first:
            grp[n_grp], grp_start[n_grp] = g, first
            n_grp += 1
    q_start[n_act] = k
    grp_start[n_grp] = n_act
    return q_col, q_iou, q_start, act, grp[:n_grp], grp_start[:n_grp + 1]


def tide_types(groups: Groups, pairs: Pairs, same_class: np.ndarray, gt_used: np.ndarray,
               t_f: float, t_b: float) -> tuple[np.ndarray, np.ndarray]:
    """TIDE type and target column of every prediction of ``groups`` (groups = images).

    same_class: (Q,) bool per pair, the prediction and GT share a class; gt_used: (M,) bool per
    GT row. Returns (D,) int8 codes and (D,) int64 target GT row (-1 for none), in the order of
    ``groups.dt``, as ``tide._classify_bucket`` on the dense matrix."""
    codes = np.full(len(groups.dt), BKG, np.int8)
    target = np.full(len(groups.dt), -1, np.int64)
    _tide(groups.dt_start, groups.gt, groups.gt_lo, groups.gt_hi, pairs.ptr, pairs.col,
          pairs.iou, same_class, gt_used, float(t_f), float(t_b), codes, target)
    return codes, target


@njit
def _first_max(v, c, best, col, nan_col):
    """numpy's argmax over a row of zeros with these values put in: the first (lowest) column of
    the maximum, nan beating every number -> updated (best, col, nan_col)."""
    if v != v:
        if nan_col < 0 or c < nan_col:
            nan_col = c
    elif v > best or (v == best and c < col):
        best, col = v, c
    return best, col, nan_col


@njit
def _tide(dt_start, gt, gt_lo, gt_hi, ptr, col, iou, same, used, t_f, t_b, codes, target):
    for g in range(len(dt_start) - 1):
        lo, n = gt_lo[g], gt_hi[g] - gt_lo[g]
        if n == 0:
            continue  # an image without GT: background
        for p in range(dt_start[g], dt_start[g + 1]):
            bs, cs, ns = 0.0, 0, -1  # best same-class IoU, its column, first nan column
            bd, cd, nd = 0.0, 0, -1  # other classes
            bu, cu, nu = 0.0, 0, -1  # same class, GT already matched
            ba, na = 0.0, -1  # any GT
            for q in range(ptr[p], ptr[p + 1]):
                v, c = iou[q], col[q]
                v = v if (v != v or v > 0.0) else 0.0  # np.maximum(iou, 0)
                ba, _, na = _first_max(v, c, ba, 0, na)
                if same[q]:
                    bs, cs, ns = _first_max(v, c, bs, cs, ns)
                    if used[gt[lo + c]]:
                        bu, cu, nu = _first_max(v, c, bu, cu, nu)
                else:
                    bd, cd, nd = _first_max(v, c, bd, cd, nd)
            code, c = _tide_rule(bs, cs, ns, bd, cd, nd, bu, cu, nu, ba, na, t_f, t_b)
            codes[p] = code
            target[p] = gt[lo + c] if c >= 0 else -1


@njit
def _tide_rule(bs, cs, ns, bd, cd, nd, bu, cu, nu, ba, na, t_f, t_b):
    """TIDE's first rule that holds (``tide._classify_bucket``) -> (code, target column)."""
    if ns >= 0:
        bs, cs = np.nan, ns
    if nd >= 0:
        bd, cd = np.nan, nd
    if nu >= 0:
        bu, cu = np.nan, nu
    if na >= 0:
        ba = np.nan
    if bs >= t_b and bs <= t_f:
        return LOC, cs
    if bd >= t_f:
        return CLS, cd
    if bu >= t_f:
        return DUPE, cu
    if ba <= t_b:
        return BKG, -1
    return BOTH, -1


def flags(dt_match: np.ndarray, dt_ignore: np.ndarray, rows: np.ndarray
          ) -> tuple[np.ndarray, np.ndarray]:
    """(T, N) match rows and ignore flags of one area range -> (T, n) bool matched, ignored of
    ``rows`` (``dt_match[:, rows] >= 0`` and ``dt_ignore[:, rows]`` without the int64
    temporaries)."""
    matched = np.empty((dt_match.shape[0], len(rows)), np.bool_)
    ignored = np.empty((dt_match.shape[0], len(rows)), np.bool_)
    _flags(dt_match, dt_ignore, np.asarray(rows, np.int64), matched, ignored)
    return matched, ignored


@njit
def _flags(dt_match, dt_ignore, rows, matched, ignored):
    for t in range(dt_match.shape[0]):
        for i in range(len(rows)):
            matched[t, i] = dt_match[t, rows[i]] >= 0
            ignored[t, i] = dt_ignore[t, rows[i]]


def curves(matched: np.ndarray, ignored: np.ndarray, keep: np.ndarray, bounds: np.ndarray,
           npig: np.ndarray, recall_thresholds: np.ndarray, precision: np.ndarray,
           recall: np.ndarray) -> None:
    """COCO precision / recall of every class at one area range and max-detections setting,
    written into ``precision`` (T, R, K) and ``recall`` (T, K) where ``npig[k] > 0``.

    matched, ignored: (T, n) bool over the kept predictions sorted by (class, -score, image,
    rank); keep: (n,) bool (rank < max detections); bounds: (K+1,) each class's slice;
    npig: (K,) GT counted per class. As ``ap._curve`` per class."""
    _curves(np.ascontiguousarray(matched), np.ascontiguousarray(ignored), keep, bounds, npig,
            recall_thresholds, precision, recall)


@njit
def _curves(matched, ignored, keep, bounds, npig, rthr, precision, recall):
    eps = np.spacing(1.0)
    n_t, n = matched.shape
    tp_sum = np.empty(n, np.float64)
    pr = np.empty(n, np.float64)
    rc = np.empty(n, np.float64)
    for k in range(len(bounds) - 1):
        if npig[k] == 0:
            continue
        for t in range(n_t):
            m, tp, fp = 0, 0.0, 0.0
            for i in range(bounds[k], bounds[k + 1]):
                if not keep[i] or ignored[t, i]:
                    if keep[i]:  # ignored: no tp, no fp, but still a point of the curve
                        tp_sum[m] = tp
                        rc[m] = tp / npig[k]
                        pr[m] = tp / (fp + tp + eps)
                        m += 1
                    continue
                if matched[t, i]:
                    tp += 1.0
                else:
                    fp += 1.0
                tp_sum[m] = tp
                rc[m] = tp / npig[k]
                pr[m] = tp / (fp + tp + eps)
                m += 1
            recall[t, k] = tp_sum[m - 1] / npig[k] if m else 0.0
            for i in range(m - 2, -1, -1):
                if pr[i + 1] > pr[i]:
                    pr[i] = pr[i + 1]
            r = 0
            for j in range(len(rthr)):
                while r < m and rc[r] < rthr[j]:
                    r += 1
                precision[t, j, k] = pr[r] if r < m else 0.0
