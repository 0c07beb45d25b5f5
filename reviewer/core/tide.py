"""Error types of unmatched objects after TIDE (Bolya et al., ECCV 2020).

Applied to the predictions that the one matcher left as false positives and the GT it left as
false negatives, at foreground threshold ``t_f`` (the IoU threshold) and background ``t_b`` = 0.1.
For a false-positive prediction, IoU is taken with every non-crowd GT of the image, any class, and
the first rule that holds gives the type (TIDE's order):

1. ``bkg``  the image has no GT;
2. ``loc``  t_b <= best IoU with a same-class GT <= t_f;
3. ``cls``  best IoU with a GT of another class >= t_f;
4. ``dupe`` best IoU with a same-class GT that was matched >= t_f;
5. ``bkg``  best IoU with any GT <= t_b;
6. ``both`` anything else (wrong class and poorly localised).

A missed GT is ``miss`` unless an unmatched ``loc`` or ``cls`` prediction points at it (then it
carries that type: the model saw it, but wrong).
"""

from __future__ import annotations

import numpy as np

from . import jit
from .matching import Bucket, make_buckets, rank_within
from .sparse_iou import make_groups

ERROR_TYPES = ("cls", "loc", "both", "dupe", "bkg", "miss")
NONE, CLS, LOC, BOTH, DUPE, BKG, MISS = 0, 1, 2, 3, 4, 5, 6
BACKGROUND_IOU = 0.1


def _classify_bucket(iou, same, used, n_gt_real, t_f, t_b):
    """(B,D,G) IoU, same-class mask, GT-used mask -> (B,D) type codes and (B,D) target column."""
    iou = np.maximum(iou, 0.0)
    same_iou = np.where(same, iou, 0.0)
    diff_iou = np.where(same, 0.0, iou)
    used_iou = np.where(used[:, None, :], same_iou, 0.0)
    i_same, i_diff = same_iou.argmax(-1), diff_iou.argmax(-1)
    b_same = np.take_along_axis(same_iou, i_same[..., None], -1)[..., 0]
    b_diff = np.take_along_axis(diff_iou, i_diff[..., None], -1)[..., 0]
    b_used = used_iou.max(-1)
    b_any = iou.max(-1)
    conds = [n_gt_real[:, None] == 0, (b_same >= t_b) & (b_same <= t_f), b_diff >= t_f,
             b_used >= t_f, b_any <= t_b]
    codes = np.select(conds, [BKG, LOC, CLS, DUPE, BKG], BOTH)
    target = np.select([codes == LOC, codes == CLS, codes == DUPE],
                       [i_same, i_diff, used_iou.argmax(-1)], -1)
    return codes, target


def classify(fp_rows, fp_group, gt_rows, gt_group, n_groups, iou_fn, dt_cls, gt_cls, gt_used,
             t_f: float, t_b: float = BACKGROUND_IOU):
    """TIDE types of false positives.

    fp_rows: (F,) prediction rows (false positives); fp_group: (F,) their image index.
    gt_rows: (G,) non-crowd GT rows; gt_group: (G,) their image index.
    iou_fn(bucket with prediction/GT rows) -> (B, D, G) IoU, negative for padding.
    dt_cls, gt_cls: class per prediction / GT row; gt_used: (M,) bool GT matched.
    Returns (F,) type codes and (F,) target GT row (-1 when none), aligned with ``fp_rows``.
    """
    codes = np.full(len(fp_rows), BKG, dtype=np.int8)
    target = np.full(len(fp_rows), -1, dtype=np.int64)
    if len(fp_rows) == 0:
        return codes, target
    if hasattr(iou_fn, "pairs") and jit.use(len(fp_rows), _largest_image(fp_group, gt_group)):
        return _classify_sparse(fp_rows, fp_group, gt_rows, gt_group, iou_fn, dt_cls, gt_cls,
                                gt_used, t_f, t_b)
    rank = rank_within(fp_group, np.argsort(fp_group, kind="stable"))
    for b in make_buckets(fp_group, rank, gt_group, n_groups):
        if b.gt_rows.shape[1] == 0:
            continue  # images without GT: background errors
        local_dt, local_gt = b.dt_rows, b.gt_rows
        real = Bucket(b.groups, np.where(local_dt >= 0, fp_rows[np.maximum(local_dt, 0)], -1),
                      np.where(local_gt >= 0, gt_rows[np.maximum(local_gt, 0)], -1))
        iou = iou_fn(real)
        g = np.maximum(real.gt_rows, 0)
        valid_g = real.gt_rows >= 0
        same = (dt_cls[np.maximum(real.dt_rows, 0)][:, :, None] == gt_cls[g][:, None, :])
        same &= valid_g[:, None, :]
        c, t = _classify_bucket(np.where(valid_g[:, None, :], iou, 0.0), same,
                                gt_used[g] & valid_g, valid_g.sum(1), t_f, t_b)
        bi, di = np.nonzero(local_dt >= 0)
        pos = local_dt[bi, di]
        codes[pos] = c[bi, di]
        tcol = t[bi, di]
        target[pos] = np.where(tcol >= 0, real.gt_rows[bi, np.maximum(tcol, 0)], -1)
    return codes, target


def _largest_image(fp_group, gt_group) -> int:
    """The most false-positive x GT pairs of one image."""
    if not len(fp_group) or not len(gt_group):
        return 0
    n = int(max(fp_group.max(), gt_group.max())) + 1
    return int((np.bincount(fp_group, minlength=n) * np.bincount(gt_group, minlength=n)).max())


def _classify_sparse(fp_rows, fp_group, gt_rows, gt_group, iou_fn, dt_cls, gt_cls, gt_used,
                     t_f, t_b):
    """``classify`` by the compiled kernel over the pairs whose boxes meet (``core.jit``)."""
    from .match_kernel import tide_types
    order = np.argsort(fp_group, kind="stable")
    groups = make_groups(np.asarray(fp_rows, np.int64)[order], np.asarray(fp_group)[order],
                         gt_rows, gt_group)
    pairs = iou_fn.pairs(groups)
    owner = np.repeat(np.arange(len(groups.dt)), np.diff(pairs.ptr))
    group_of = np.repeat(np.arange(len(groups)), np.diff(groups.dt_start))
    gt_of_pair = groups.gt[groups.gt_lo[group_of[owner]] + pairs.col]
    same = dt_cls[groups.dt[owner]] == gt_cls[gt_of_pair]
    c, t = tide_types(groups, pairs, same, np.asarray(gt_used, bool), t_f, t_b)
    codes = np.empty(len(fp_rows), np.int8)
    target = np.empty(len(fp_rows), np.int64)
    codes[order], target[order] = c, t
    return codes, target


def missed_types(fn_rows: np.ndarray, fp_codes: np.ndarray, fp_target: np.ndarray,
                 n_gt: int) -> np.ndarray:
    """(len(fn_rows),) type of each missed GT: the type of a loc/cls error pointing at it, else miss."""
    claimed = np.full(n_gt, MISS, dtype=np.int8)
    for code in (LOC, CLS):  # cls wins over loc when both point at one GT
        hit = (fp_codes == code) & (fp_target >= 0)
        claimed[fp_target[hit]] = code
    return claimed[fn_rows]
