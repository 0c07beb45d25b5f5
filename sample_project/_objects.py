"""Things standing on the ground: cars, a camper van, people, bicycles, trees.

Each ``draw_*`` paints into ``sc.img`` / ``sc.label`` and returns the full (H, W) bool mask of the
object (shadows and glints excluded). Sizes scale with ``s`` = depth_scale of the ground row.
"""

from __future__ import annotations

import cv2
import numpy as np
from _scene import H, Scene, W, paint, poly_mask, texture

CAR_COLOURS = [(40, 40, 170), (180, 180, 180), (30, 30, 30), (150, 90, 30), (220, 220, 225),
               (60, 110, 60), (40, 140, 200), (90, 60, 110), (120, 120, 110)]


def rect_mask(x0, y0, x1, y1) -> np.ndarray:
    """(H, W) bool axis-aligned rectangle, float corners."""
    return poly_mask([(x0, y0), (x1, y0), (x1, y1), (x0, y1)])


def shadow(sc: Scene, cx, base, w) -> None:
    """Soft dark ellipse on the ground under an object (image only)."""
    m = np.zeros((H, W), np.float32)
    cv2.ellipse(m, (int(cx), int(base)), (max(1, int(w * 0.6)), max(1, int(w * 0.07))),
                0, 0, 360, 0.55, -1)
    m = cv2.GaussianBlur(m, (0, 0), max(1.0, w * 0.03))[..., None]
    sc.img[:] = sc.img * (1 - m)


def draw_car(sc: Scene, rng, cx, base, s) -> np.ndarray:
    """Rear view of a car, width ~230*s px, standing on row ``base``."""
    w = 230 * s
    col = np.array(CAR_COLOURS[rng.integers(len(CAR_COLOURS))], np.float32)
    shadow(sc, cx, base, w)
    wheels = rect_mask(cx - 0.47 * w, base - 0.14 * w, cx - 0.3 * w, base) | \
        rect_mask(cx + 0.3 * w, base - 0.14 * w, cx + 0.47 * w, base)
    paint(sc, wheels, (25, 25, 28), "vehicle", texture(rng, 2, 4))
    body = poly_mask([(cx - 0.5 * w, base - 0.1 * w), (cx + 0.5 * w, base - 0.1 * w),
                      (cx + 0.5 * w, base - 0.4 * w), (cx + 0.46 * w, base - 0.47 * w),
                      (cx - 0.46 * w, base - 0.47 * w), (cx - 0.5 * w, base - 0.4 * w)])
    paint(sc, body, col, "vehicle", texture(rng, 3, 5))
    cabin = poly_mask([(cx - 0.44 * w, base - 0.47 * w), (cx + 0.44 * w, base - 0.47 * w),
                       (cx + 0.34 * w, base - 0.76 * w), (cx - 0.34 * w, base - 0.76 * w)])
    paint(sc, cabin, col * 0.92, "vehicle")
    glass = poly_mask([(cx - 0.39 * w, base - 0.5 * w), (cx + 0.39 * w, base - 0.5 * w),
                       (cx + 0.31 * w, base - 0.72 * w), (cx - 0.31 * w, base - 0.72 * w)])
    paint(sc, glass, (70, 60, 55), None, texture(rng, 3, 8))
    for side in (-1, 1):
        light = rect_mask(cx + side * 0.46 * w, base - 0.38 * w, cx + side * 0.33 * w,
                          base - 0.3 * w)
        paint(sc, light, (30, 30, 210), None)
    plate = rect_mask(cx - 0.09 * w, base - 0.27 * w, cx + 0.09 * w, base - 0.2 * w)
    paint(sc, plate, (225, 225, 225), None)
    paint(sc, rect_mask(cx - 0.5 * w, base - 0.14 * w, cx + 0.5 * w, base - 0.1 * w),
          col * 0.5, None)
    return wheels | body | cabin


def draw_camper(sc: Scene, rng, cx, base, s) -> np.ndarray:
    """Rear view of a tall camper van with an alcove, stripe, ladder and spare wheel."""
    w = 250 * s
    shadow(sc, cx, base, w)
    wheels = rect_mask(cx - 0.45 * w, base - 0.13 * w, cx - 0.28 * w, base) | \
        rect_mask(cx + 0.28 * w, base - 0.13 * w, cx + 0.45 * w, base)
    paint(sc, wheels, (25, 25, 28), "vehicle")
    body = rect_mask(cx - 0.5 * w, base - 1.12 * w, cx + 0.5 * w, base - 0.1 * w)
    alcove = poly_mask([(cx - 0.5 * w, base - 1.12 * w), (cx + 0.5 * w, base - 1.12 * w),
                        (cx + 0.47 * w, base - 1.2 * w), (cx - 0.47 * w, base - 1.2 * w)])
    paint(sc, body | alcove, (215, 228, 235), "vehicle", texture(rng, 4, 4))
    paint(sc, rect_mask(cx - 0.5 * w, base - 0.62 * w, cx + 0.5 * w, base - 0.55 * w),
          (40, 110, 190), None)
    paint(sc, rect_mask(cx - 0.5 * w, base - 0.52 * w, cx + 0.5 * w, base - 0.49 * w),
          (40, 80, 140), None)
    paint(sc, rect_mask(cx - 0.3 * w, base - 1.0 * w, cx + 0.05 * w, base - 0.75 * w),
          (80, 70, 65), None, texture(rng, 3, 8))
    for k in range(7):  # ladder rungs
        y = base - (0.25 + 0.12 * k) * w
        cv2.line(sc.img, (int(cx + 0.3 * w), int(y)), (int(cx + 0.42 * w), int(y)),
                 (90, 90, 90), max(1, int(0.012 * w)))
    cv2.circle(sc.img, (int(cx - 0.2 * w), int(base - 0.3 * w)), int(0.12 * w), (35, 35, 35), -1)
    for side in (-1, 1):
        paint(sc, rect_mask(cx + side * 0.49 * w, base - 0.36 * w, cx + side * 0.4 * w,
                            base - 0.22 * w), (30, 30, 200), None)
    return wheels | body | alcove


def draw_person(sc: Scene, rng, cx, base, s) -> np.ndarray:
    """Standing pedestrian, height ~170*s px."""
    h = 170 * s * rng.uniform(0.9, 1.1)
    shirt = rng.uniform(30, 220, 3)
    pants = rng.uniform(20, 90, 3)
    shadow(sc, cx, base, 0.25 * h)
    step = rng.uniform(0.0, 0.06) * h
    legs = poly_mask([(cx - 0.09 * h - step, base), (cx - 0.01 * h - step, base),
                      (cx, base - 0.45 * h), (cx - 0.11 * h, base - 0.47 * h)]) | \
        poly_mask([(cx + 0.01 * h + step, base), (cx + 0.09 * h + step, base),
                   (cx + 0.11 * h, base - 0.47 * h), (cx, base - 0.45 * h)])
    paint(sc, legs, pants, "person", texture(rng, 2, 6))
    torso = poly_mask([(cx - 0.12 * h, base - 0.45 * h), (cx + 0.12 * h, base - 0.45 * h),
                       (cx + 0.14 * h, base - 0.8 * h), (cx - 0.14 * h, base - 0.8 * h)])
    arms = poly_mask([(cx - 0.14 * h, base - 0.8 * h), (cx - 0.19 * h, base - 0.52 * h),
                      (cx - 0.14 * h, base - 0.5 * h), (cx - 0.1 * h, base - 0.75 * h)]) | \
        poly_mask([(cx + 0.14 * h, base - 0.8 * h), (cx + 0.19 * h, base - 0.52 * h),
                   (cx + 0.14 * h, base - 0.5 * h), (cx + 0.1 * h, base - 0.75 * h)])
    paint(sc, torso | arms, shirt, "person", texture(rng, 2, 8))
    head = np.zeros((H, W), np.uint8)
    cv2.ellipse(head, (int(round(cx)), int(round(base - 0.88 * h))),
                (max(1, int(0.065 * h)), max(1, int(0.08 * h))), 0, 0, 360, 1, -1)
    head = head.astype(bool)
    skin = rng.choice([[120, 160, 210], [80, 110, 160], [60, 80, 110]])
    paint(sc, head, skin, "person")
    hair = head & rect_mask(0, 0, W, base - 0.91 * h)
    paint(sc, hair, (30, 35, 45), None)
    return legs | torso | arms | head


def draw_bicycle(sc: Scene, rng, cx, base, s) -> np.ndarray:
    """Side view of a bicycle, length ~120*s px: wheel rings and a frame (mask has holes)."""
    L = 120 * s
    r = 0.27 * L
    col = rng.choice([[30, 30, 160], [40, 40, 40], [150, 120, 20], [20, 140, 200]])
    m = np.zeros((H, W), np.uint8)
    t = max(1, int(round(0.05 * L)))
    rear, front = (cx - 0.5 * L + r, base - r), (cx + 0.5 * L - r, base - r)
    crank = (cx - 0.05 * L, base - r)
    seat, bar = (cx - 0.15 * L, base - 2.1 * r), (cx + 0.25 * L, base - 2.2 * r)
    for a, b in ((rear, crank), (crank, seat), (seat, rear), (seat, bar), (bar, crank),
                 (bar, front), (bar, (bar[0] - 0.05 * L, bar[1] - 0.2 * r))):
        cv2.line(m, _pt(a), _pt(b), 1, t)
    cv2.line(m, _pt((seat[0] - 0.08 * L, seat[1])), _pt((seat[0] + 0.06 * L, seat[1])), 1, t + 1)
    frame = m.astype(bool)
    ring = np.zeros((H, W), np.uint8)
    for c in (rear, front):
        cv2.circle(ring, _pt(c), max(2, int(round(r))), 1, max(1, int(round(0.09 * r))) + 1)
    ring = ring.astype(bool)
    paint(sc, ring, (22, 22, 22), "bicycle")
    paint(sc, frame, col, "bicycle", texture(rng, 2, 6))
    return ring | frame


def _pt(p):
    return int(round(p[0])), int(round(p[1]))


def draw_tree(sc: Scene, rng, cx, base, s) -> np.ndarray:
    """Street tree: trunk and a clumpy crown of overlapping discs; painted as vegetation."""
    h = 330 * s * rng.uniform(0.8, 1.2)
    trunk = rect_mask(cx - 0.03 * h, base - 0.45 * h, cx + 0.03 * h, base)
    paint(sc, trunk, (40, 60, 85), "vegetation", texture(rng, 2, 8))
    crown = np.zeros((H, W), np.uint8)
    for _ in range(9):
        c = (cx + rng.normal(0, 0.13 * h), base - 0.7 * h + rng.normal(0, 0.1 * h))
        cv2.circle(crown, _pt(c), max(2, int(rng.uniform(0.1, 0.18) * h)), 1, -1)
    crown = crown.astype(bool)
    shade = texture(rng, 3, 22) + texture(rng, 8, 12)
    paint(sc, crown, (40, 105, 55), "vegetation", shade)
    return trunk | crown
