"""Data splits that do not leak: group-aware, stratified, time-ordered, k-fold (numpy only).

``make_split(fractions, groups, labels, times, seed)`` assigns every image to a partition
(``-1``: not part of the split) and keeps every *group* — the images sharing a value of the
group column (the photos of one lemon, one patient, one video), or an image on its own — in one
partition. Partitions get shares of the images as close to their fractions as whole groups allow.
How groups are placed:

- ``times`` given (time-ordered): groups in the order of their latest image (ties in a seeded
  random order); a group goes to the partition whose share of the time line holds the middle of
  the group, so the first partition gets the oldest images and the last the newest (the holdout
  is the future);
- ``labels`` given (stratified): iterative stratification (Sechidis, Tsoumakas and Vlahavas,
  2011) over groups, counting images: repeatedly take the class with the fewest images not yet
  placed, and place each remaining group holding it (in seeded random order) in the partition
  that most lacks that class (ties: the one lacking most images, then chance). It handles
  several classes per image (detection: the classes present) as well as one (classification);
  groups without any class then fill the partitions lacking most images;
- otherwise groups in seeded random order, placed like the time-ordered ones.

``kfold_names(k)`` names k equal folds ``fold1 … foldK``; ``parse_fractions`` reads
``train=0.8,valid=0.1,test=0.1``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


def parse_fractions(text: str) -> dict[str, float]:
    """``"train=0.8,valid=0.1,test=0.1"`` -> {name: fraction}; ValueError saying what is wrong
    (a fraction that is not a number in (0, 1], a repeated name, a sum above 1)."""
    out: dict[str, float] = {}
    for part in (p.strip() for p in str(text).split(",")):
        if not part:
            continue
        name, sep, value = part.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ValueError(f"{part!r}: expected NAME=FRACTION (e.g. train=0.8)")
        try:
            f = float(value)
        except ValueError:
            raise ValueError(f"{part!r}: {value.strip()!r} is not a number") from None
        if not 0.0 < f <= 1.0 or math.isnan(f):
            raise ValueError(f"{part!r}: a fraction must lie in (0, 1]")
        if name in out:
            raise ValueError(f"{name!r} is named twice")
        out[name] = f
    if not out:
        raise ValueError("no partition given (e.g. train=0.8,valid=0.1,test=0.1)")
    if sum(out.values()) > 1.0 + 1e-9:
        raise ValueError(f"the fractions add up to {sum(out.values()):g}, more than 1")
    return out


def kfold_names(k: int) -> list[str]:
    return [f"fold{i + 1}" for i in range(int(k))]


@dataclass(frozen=True)
class GroupIndex:
    """group (N,) int64: the group of each selected image (-1 outside); sizes (G,) int64."""

    group: np.ndarray
    sizes: np.ndarray


def group_index(selected: np.ndarray, groups: np.ndarray | None) -> GroupIndex:
    """Groups of the selected images: one per distinct value of ``groups`` (N,) (None / NaN /
    missing: the image is a group of its own); every image alone when ``groups`` is None."""
    n = len(selected)
    rows = np.flatnonzero(selected)
    out = np.full(n, -1, np.int64)
    if groups is None:
        out[rows] = np.arange(len(rows))
        return GroupIndex(out, np.ones(len(rows), np.int64))
    codes: dict = {}
    solo = 0
    values = np.asarray(groups, object)
    for r in rows.tolist():
        v = values[r]
        if v is None or (isinstance(v, float) and math.isnan(v)):
            key = ("solo", solo)
            solo += 1
        else:
            key = ("value", v)
        out[r] = codes.setdefault(key, len(codes))
    return GroupIndex(out, np.bincount(out[rows], minlength=len(codes)).astype(np.int64))


def make_split(fractions: list[float], selected: np.ndarray, groups: np.ndarray | None = None,
               labels: np.ndarray | None = None, times: np.ndarray | None = None,
               seed: int = 0) -> np.ndarray:
    """(N,) int64 partition of each image (index into ``fractions``; -1 where not
    ``selected``). fractions: (P,) shares adding up to 1 (or less: they are scaled to 1);
    groups: (N,) group values or None; labels: (N, K) bool class presence (stratify) or None;
    times: (N,) float64 times (time-ordered) or None. See the module docstring."""
    selected = np.asarray(selected, bool)
    share = np.asarray(fractions, np.float64)
    share = share / share.sum()
    gi = group_index(selected, groups)
    rng = np.random.default_rng(seed)
    if times is not None:
        t = np.full(len(gi.sizes), -np.inf)
        np.maximum.at(t, gi.group[selected], np.asarray(times, np.float64)[selected])
        order = np.lexsort((rng.permutation(len(t)), t))
        part_of_group = _by_position(order, gi.sizes, share)
    elif labels is not None:
        counts = np.zeros((len(gi.sizes), labels.shape[1]), np.int64)
        np.add.at(counts, gi.group[selected], np.asarray(labels, bool)[selected].astype(np.int64))
        part_of_group = iterative_stratification(counts, gi.sizes, share, rng)
    else:
        part_of_group = _by_position(rng.permutation(len(gi.sizes)), gi.sizes, share)
    out = np.full(len(selected), -1, np.int64)
    out[selected] = part_of_group[gi.group[selected]]
    return out


def _by_position(order: np.ndarray, sizes: np.ndarray, share: np.ndarray) -> np.ndarray:
    """Groups in ``order`` laid on a line of images; each goes to the partition whose share
    holds the middle of the group."""
    total = float(sizes.sum())
    ends = np.cumsum(share) * total
    size = sizes[order].astype(np.float64)
    middle = np.cumsum(size) - size / 2
    parts = np.minimum(np.searchsorted(ends, middle, side="right"), len(share) - 1)
    out = np.empty(len(sizes), np.int64)
    out[order] = parts
    return out


def iterative_stratification(counts: np.ndarray, sizes: np.ndarray, share: np.ndarray,
                             rng: np.random.Generator) -> np.ndarray:
    """(G,) partition per group. counts (G, K): images of each class in each group; sizes (G,):
    images per group; share (P,) adding up to 1 (see the module docstring)."""
    g, k = counts.shape
    want = share[:, None] * counts.sum(axis=0)[None, :].astype(np.float64)  # (P, K)
    want_size = share * float(sizes.sum())
    out = np.full(g, -1, np.int64)
    left = counts.sum(axis=0).astype(np.int64)
    placed = np.zeros(g, bool)
    holders = [np.flatnonzero(counts[:, c]) for c in range(k)]
    while True:
        alive = np.flatnonzero(left > 0)
        if not len(alive):
            break
        fewest = alive[left[alive] == left[alive].min()]
        c = int(rng.choice(fewest))
        todo = holders[c][~placed[holders[c]]]
        for grp in rng.permutation(todo).tolist():
            p = _best(want[:, c], want_size, rng)
            out[grp] = p
            placed[grp] = True
            want[p] -= counts[grp]
            want_size[p] -= sizes[grp]
            left -= counts[grp]
    for grp in rng.permutation(np.flatnonzero(~placed)).tolist():
        p = _best(want_size, want_size, rng)
        out[grp] = p
        want_size[p] -= sizes[grp]
    return out


def _best(first: np.ndarray, second: np.ndarray, rng: np.random.Generator) -> int:
    """The partition with the largest ``first``; ties: the largest ``second``; then chance."""
    top = np.flatnonzero(first == first.max())
    if len(top) > 1:
        top = top[second[top] == second[top].max()]
    return int(top[0] if len(top) == 1 else rng.choice(top))


def balance(partition: np.ndarray, n_parts: int, labels: np.ndarray | None,
            groups: GroupIndex | None = None) -> dict:
    """Per partition: images, groups (when given) and, with ``labels`` (N, K), images per class:
    {"images": (P,), "groups": (P,) | None, "class_images": (P, K) | None}."""
    inside = partition >= 0
    images = np.bincount(partition[inside], minlength=n_parts)
    out = {"images": images, "groups": None, "class_images": None}
    if groups is not None:
        sel = inside & (groups.group >= 0)
        pairs = np.unique(np.stack([partition[sel], groups.group[sel]]), axis=1)
        out["groups"] = np.bincount(pairs[0], minlength=n_parts)
    if labels is not None:
        lab = np.asarray(labels, bool)
        out["class_images"] = np.stack([lab[partition == p].sum(axis=0)
                                        for p in range(n_parts)])
    return out
