"""A simulated model: instance predictions and a semantic prediction for one scene.

Predictions start from the truth and get the failure patterns planted for the scene (``spec``)
plus ordinary noise. Every noise event is recorded as text for the README.
"""

from __future__ import annotations

import cv2
import numpy as np
from _scene import SEM, H, Scene, W, texture

SWAP = {"person": "bicycle", "bicycle": "person"}
CONFUSE = [("sidewalk", "road"), ("vegetation", "building"), ("building", "vegetation"),
           ("road", "sidewalk"), ("sky", "building")]


def warp(mask: np.ndarray, dx: float, dy: float, scale: float) -> np.ndarray:
    """(H, W) bool mask scaled about its box centre and shifted by (dx, dy) px."""
    ys, xs = np.nonzero(mask)
    cx, cy = (xs.min() + xs.max()) / 2, (ys.min() + ys.max()) / 2
    m = np.float32([[scale, 0, cx - scale * cx + dx], [0, scale, cy - scale * cy + dy]])
    out = cv2.warpAffine(mask.astype(np.uint8), m, (W, H), flags=cv2.INTER_NEAREST)
    return out.astype(bool)


def _size(mask):
    ys, xs = np.nonzero(mask)
    return xs.max() - xs.min() + 1, ys.max() - ys.min() + 1


def jitter(mask: np.ndarray, rng, amount: float) -> np.ndarray:
    """Slightly wrong copy of ``mask``: shift/scale by ``amount`` of its size, 1px edge noise."""
    w, h = _size(mask)
    out = warp(mask, rng.normal(0, amount) * w, rng.normal(0, amount) * h,
               1 + rng.normal(0, amount))
    if min(w, h) < 30:
        return out if out.sum() >= 6 else mask
    k = np.ones((3, 3), np.uint8)
    op = cv2.dilate if rng.random() < 0.5 else cv2.erode
    cand = op(out.astype(np.uint8), k).astype(bool)
    return cand if cand.sum() >= 6 else out


def _miss_prob(thing, spec: dict) -> float:
    if thing.cls == "crosswalk":
        return 1.0 if "faded" in thing.tags else 0.05
    small = thing.visible.sum() < 150
    return (0.45 if spec["dark"] else 0.03) + (0.15 if small else 0.0)


def predict_instances(sc: Scene, gts: list, spec: dict, rng) -> tuple[list, list, set]:
    """``gts``: things kept as GT. Returns (preds as (cls, mask, score), events, missed ids)."""
    preds, events, missed = [], [], set()
    for k, t in enumerate(gts):
        if "crowd" in t.tags:
            for _ in range(int(rng.integers(2, 5))):  # a few hits inside the crowd, ignored by eval
                ys, xs = np.nonzero(t.visible)
                j = rng.integers(len(ys))
                blob = np.zeros((H, W), np.uint8)
                cv2.ellipse(blob, (int(xs[j]), int(ys[j])), (3, 7), 0, 0, 360, 1, -1)
                preds.append((t.cls, blob.astype(bool), float(rng.uniform(0.3, 0.7))))
            continue
        if rng.random() < _miss_prob(t, spec):
            missed.add(k)
            events.append(f"missed {t.cls}")
            continue
        lo, hi = (0.3, 0.85) if spec["dark"] else (0.7, 0.98)
        score = float(rng.uniform(lo, hi))
        preds.append((t.cls, jitter(t.visible, rng, 0.015), score))
        if score < 0.5:
            events.append(f"{t.cls} found with a low score ({score:.2f})")
    _noise(sc, gts, preds, events, spec, rng)
    for t in sc.things:
        if "camper" in t.tags:
            preds.append(("vehicle", jitter(t.visible, rng, 0.01), 0.93))
            events.append("camper van predicted as vehicle (not in GT)")
    return preds, events, missed


def _noise(sc: Scene, gts: list, preds: list, events: list, spec: dict, rng) -> None:
    """Ordinary errors: loc, cls, both, duplicate, low-score ghosts, a tree taken for a person."""
    objs = [i for i, p in enumerate(preds) if p[0] != "crosswalk" and p[1].sum() > 60]
    if objs and rng.random() < 0.22:
        i = int(rng.choice(objs))
        cls, m, s = preds[i]
        w, _ = _size(m)
        preds[i] = (cls, warp(m, rng.choice([-1, 1]) * rng.uniform(0.45, 0.6) * w, 0, 1.0), s)
        events.append(f"{cls} box shifted (localisation error)")
    for i, (cls, m, s) in enumerate(preds):
        if cls in SWAP and rng.random() < 0.06:
            preds[i] = (SWAP[cls], m, s)
            events.append(f"{cls} predicted as {SWAP[cls]}")
    if objs and rng.random() < 0.08:
        i = int(rng.choice(objs))
        cls, m, s = preds[i]
        w, h = _size(m)
        other = SWAP.get(cls, "person")
        preds[i] = (other, warp(m, 0.5 * w, 0.2 * h, 1.1), s)
        events.append(f"{cls} predicted as {other} with a shifted box (both)")
    if objs and rng.random() < 0.2:
        i = int(rng.choice(objs))
        cls, m, s = preds[i]
        preds.append((cls, jitter(m, rng, 0.03), round(s * rng.uniform(0.6, 0.85), 3)))
        events.append(f"duplicate {cls}")
    _ghosts(sc, preds, events, spec, rng)


def _ghosts(sc: Scene, preds: list, events: list, spec: dict, rng) -> None:
    """Background false positives: low-score blobs, sometimes a confident one on a tree."""
    n = int(rng.integers(0, 3)) + (2 if spec["dark"] else 0)
    for _ in range(n):
        cls = str(rng.choice(["person", "vehicle", "bicycle"]))
        w, h = (rng.uniform(12, 40), rng.uniform(25, 60)) if cls == "person" else \
            (rng.uniform(30, 70), rng.uniform(20, 45))
        x, y = rng.uniform(0, W - w), rng.uniform(sc.yh - 60, H - h)
        blob = np.zeros((H, W), np.uint8)
        cv2.ellipse(blob, (int(x + w / 2), int(y + h / 2)), (int(w / 2), int(h / 2)), 0, 0, 360,
                    1, -1)
        preds.append((cls, blob.astype(bool), float(rng.uniform(0.05, 0.35))))
    trees = [t for t in sc.things if "tree" in t.tags and t.visible.sum() > 300]
    if trees and rng.random() < 0.15:
        t = trees[int(rng.integers(len(trees)))]
        ys, xs = np.nonzero(t.visible)
        trunk = t.visible & (np.arange(H)[:, None] > ys.max() - 0.45 * (ys.max() - ys.min()))
        if trunk.sum() > 30:
            preds.append(("person", trunk, float(rng.uniform(0.55, 0.7))))
            events.append("tree trunk predicted as person (confident false positive)")


def _fill_from_surroundings(lab: np.ndarray, mask: np.ndarray) -> None:
    """Relabel ``mask`` with the most common label in a ring around it (in place)."""
    ring = cv2.dilate(mask.astype(np.uint8), np.ones((7, 7), np.uint8)).astype(bool) & ~mask
    vals = lab[ring]
    lab[mask] = np.bincount(vals, minlength=256).argmax() if vals.size else 0


def predict_semantic(sc: Scene, gts: list, missed: set, spec: dict, rng) -> tuple:
    """Semantic prediction (H, W) uint8 from the clean labels, plus a list of event strings."""
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    amp = 4.0 if spec["dark"] else 2.0
    lab = cv2.remap(sc.label, xx + texture(rng, 24, amp), yy + texture(rng, 24, amp),
                    cv2.INTER_NEAREST, borderMode=cv2.BORDER_REPLICATE)
    events = []
    for k, t in enumerate(gts):
        if t.cls != "crosswalk" and "crowd" not in t.tags and (k in missed or t.visible.sum() < 80):
            _fill_from_surroundings(lab, t.visible)
    for _ in range(int(rng.integers(1, 3)) + (3 if spec["dark"] else 0)):
        a, b = CONFUSE[int(rng.integers(len(CONFUSE)))]
        ys, xs = np.nonzero(lab == SEM[a])
        if len(ys) < 500:
            continue
        j = rng.integers(len(ys))
        blob = np.zeros((H, W), np.uint8)
        r = rng.uniform(15, 45) * (1.6 if spec["dark"] else 1.0)
        cv2.ellipse(blob, (int(xs[j]), int(ys[j])), (int(r), int(r * 0.6)), 0, 0, 360, 1, -1)
        lab[blob.astype(bool) & (lab == SEM[a])] = SEM[b]
    if spec["crosswalk"] == "faded":
        lab[lab == SEM["crosswalk"]] = SEM["road"]
        events.append("faded crosswalk predicted as road")
    if spec["unlabeled_road"]:
        events.append("road left unlabeled in GT, predicted as road")
    if spec["parking_as_road"]:
        lab[lab == SEM["parking lot"]] = SEM["road"]
        events.append("parking lot predicted as road")
    return lab, events
