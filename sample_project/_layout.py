"""Scene layout: where the road, sides and things go for one scene spec, then the camera look."""

from __future__ import annotations

import cv2
import numpy as np
from _objects import draw_bicycle, draw_camper, draw_car, draw_person, draw_tree
from _scene import (
    H,
    Scene,
    Thing,
    W,
    depth_scale,
    edge_x,
    facade,
    ground_side,
    road,
    sky_and_backdrop,
)

# approximate (width, height) per unit depth scale, used only to keep things from piling up
_SIZE = {"car": (230, 176), "camper": (250, 300), "person": (50, 170), "bicycle": (120, 70),
         "tree": (120, 330)}
_DRAW = {"car": draw_car, "camper": draw_camper, "person": draw_person,
         "bicycle": draw_bicycle, "tree": draw_tree}
_CLS = {"car": "vehicle", "camper": "vehicle", "person": "person", "bicycle": "bicycle",
        "tree": "vegetation"}


def build_scene(spec: dict, rng: np.random.Generator) -> Scene:
    """Paint one scene for ``spec`` (keys: left, right, crosswalk, camper, crowd)."""
    img = np.zeros((H, W, 3), np.float32)
    sc = Scene(img, np.zeros((H, W), np.uint8), [], yh=float(rng.uniform(0.4, 0.46) * H),
               vx=float(W / 2 + rng.uniform(-45, 45)))
    xl, xr = rng.uniform(-90, 40), W - rng.uniform(-90, 40)
    sw = rng.uniform(110, 170)
    sc.road_l, sc.road_r = (xl, 0.0), (xr, 0.0)
    sc.regions["outer_l"], sc.regions["outer_r"] = (xl - sw, 0.0), (xr + sw, 0.0)
    sky_and_backdrop(sc, rng)
    for side, kind in ((-1, spec["left"]), (1, spec["right"])):
        outer = sc.regions["outer_l" if side < 0 else "outer_r"]
        if kind == "facade":
            facade(sc, outer, side, rng)
        else:
            ground_side(sc, outer, side, kind, rng)
    road(sc, rng, faded_cross=spec["crosswalk"] == "faded", cross=spec["crosswalk"] != "none")
    place_things(sc, spec, rng)
    return sc


def _sidewalk_x(sc: Scene, side: int, base: float, u: float) -> float:
    line = sc.road_l if side < 0 else sc.road_r
    outer = sc.regions["outer_l" if side < 0 else "outer_r"]
    return float(edge_x(line, base, sc.yh, sc.vx) * (1 - u) + edge_x(outer, base, sc.yh, sc.vx) * u)


def _proposals(sc: Scene, spec: dict, rng) -> list:
    """Candidate (kind, cx, base) triples; the camper (if any) comes first so it gets its spot."""
    span = H - sc.yh
    props = []
    if spec["camper"]:
        base = sc.yh + rng.uniform(0.5, 0.6) * span
        props.append(("camper", edge_x(sc.road_r, base, sc.yh, sc.vx) - 0.2 * 250 * depth_scale(
            sc, base), base))
    for _ in range(int(rng.integers(1, 5))):
        base = sc.yh + rng.uniform(0.12, 0.85) * span
        xa, xb = edge_x(sc.road_l, base, sc.yh, sc.vx), edge_x(sc.road_r, base, sc.yh, sc.vx)
        props.append(("car", float(rng.uniform(xa * 0.7 + xb * 0.3, xa * 0.25 + xb * 0.75)), base))
    for _ in range(int(rng.integers(1, 6))):
        base = sc.yh + rng.uniform(0.15, 0.95) * span
        props.append(("person", _sidewalk_x(sc, rng.choice([-1, 1]), base,
                                            rng.uniform(0.2, 0.8)), base))
    for _ in range(int(rng.integers(0, 3))):
        base = sc.yh + rng.uniform(0.3, 0.9) * span
        side = int(rng.choice([-1, 1]))
        props.append(("bicycle", _sidewalk_x(sc, side, base, rng.uniform(0.1, 0.4)), base))
        if rng.random() < 0.5:
            props.append(("rider", props[-1][1], base + 0.01))
    if "parking" in sc.regions:
        ys, xs = np.nonzero(sc.regions["parking"])
        for k in rng.choice(len(ys), size=int(rng.integers(1, 4)), replace=False):
            props.append(("car", float(xs[k]), float(ys[k])))
    for side, kind in ((-1, spec["left"]), (1, spec["right"])):
        for _ in range(int(rng.integers(0, 4)) if kind != "parking" else 0):
            base = sc.yh + rng.uniform(0.08, 0.7) * span
            props.append(("tree", _sidewalk_x(sc, side, base, 0.9), base))
    return props


def _box(kind: str, cx: float, base: float, s: float):
    w, h = _SIZE["person" if kind == "rider" else kind]
    return np.array([cx - 0.5 * w * s, base - h * s, cx + 0.5 * w * s, base])


def _overlap(a, b) -> float:
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    return iw * ih / max(1e-9, min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1])))


def _accept(kind: str, base: float, box, kept: list) -> bool:
    """Keep the camper's spot free, riders only on their kept bicycle, others not piled up."""
    if kind == "rider":
        return bool(kept) and kept[-1][0] == "bicycle" and abs(kept[-1][2] + 0.01 - base) < 1e-6
    for k, _, _, b in kept:
        ov = _overlap(box, b)
        if k == "camper" and ov > 0:
            return False
        if "tree" not in (kind, k) and ov > 0.35:
            return False
    return True


def place_things(sc: Scene, spec: dict, rng) -> None:
    """Reject crowded proposals, then draw survivors far to near and compute visible masks."""
    kept = []
    for kind, cx, base in _proposals(sc, spec, rng):
        box = _box(kind, cx, base, depth_scale(sc, base))
        if _accept(kind, base, box, kept):
            kept.append((kind, cx, base, box))
    if spec["crowd"]:
        _crowd(sc, spec["crowd"], rng)
    for kind, cx, base, _ in sorted(kept, key=lambda k: k[2]):
        draw = _DRAW["person" if kind == "rider" else kind]
        mask = draw(sc, rng, cx, base, depth_scale(sc, base))
        cls = _CLS["person" if kind == "rider" else kind]
        tags = {kind} if kind in ("camper", "tree", "rider") else set()
        sc.things.append(Thing(cls, mask, depth=base, tags=tags))
    covered = np.zeros((H, W), bool)
    for t in reversed(sc.things):
        t.visible = t.mask & ~covered
        covered |= t.mask


def _crowd(sc: Scene, cls: str, rng) -> None:
    """A far-away cluster of small people or parked bicycles, annotated as one crowd region."""
    side = int(rng.choice([-1, 1]))
    union = np.zeros((H, W), bool)
    lo = rng.uniform(0.12, 0.2)
    for _ in range(int(rng.integers(14, 22))):
        base = sc.yh + rng.uniform(lo, lo + 0.1) * (H - sc.yh)
        cx = _sidewalk_x(sc, side, base, rng.uniform(0.1, 1.0))
        draw = draw_person if cls == "person" else draw_bicycle
        union |= draw(sc, rng, cx, base, depth_scale(sc, base) * rng.uniform(0.9, 1.1))
    sc.things.append(Thing(cls, union, depth=sc.yh, tags={"crowd"}))


def camera(sc: Scene, dark: bool, rng) -> np.ndarray:
    """Lens softness, vignette, sensor noise; ``dark`` = dusk exposure. Returns (H, W, 3) uint8."""
    img = cv2.GaussianBlur(sc.img, (0, 0), 0.7)
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    r2 = ((xx - W / 2) / W) ** 2 + ((yy - H / 2) / H) ** 2
    img *= (1.0 - 0.55 * r2)[..., None]
    if dark:
        img = 255.0 * (np.clip(img, 0, 255) / 255.0) ** 1.8 * 0.4
        img *= np.array([1.15, 0.95, 0.85], np.float32)
    img += rng.normal(0, 4.5 if dark else 2.5, img.shape).astype(np.float32)
    return np.clip(np.round(img), 0, 255).astype(np.uint8)
