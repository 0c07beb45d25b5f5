"""Procedural dashcam-style street scenes for the bundled demo project.

A scene is painted back to front into a float image ``(H, W, 3)`` BGR and a clean semantic label map
``(H, W)`` uint8 (class ids of ``SEM_CLASSES``, no void). Every painted thing instance keeps its own
full mask; visible masks (after occlusion by nearer things) are computed once at the end.
Only numpy + opencv; all randomness comes from the ``numpy.random.Generator`` passed in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

W, H = 640, 360
SEM_CLASSES = [  # (name, RGB colour); index = semantic class id, Cityscapes-like colours
    ("unlabeled", (0, 0, 0)), ("road", (128, 64, 128)), ("sidewalk", (244, 35, 232)),
    ("building", (70, 70, 70)), ("vegetation", (107, 142, 35)), ("sky", (70, 130, 180)),
    ("crosswalk", (200, 128, 128)), ("parking lot", (250, 170, 160)), ("vehicle", (0, 0, 142)),
    ("person", (220, 20, 60)), ("bicycle", (119, 11, 32)),
]
SEM = {name: i for i, (name, _) in enumerate(SEM_CLASSES)}


@dataclass
class Thing:
    """One instance: ``cls`` semantic class name, ``mask`` (H, W) bool full (amodal) mask."""

    cls: str
    mask: np.ndarray
    depth: float
    tags: set = field(default_factory=set)
    visible: np.ndarray | None = None


@dataclass
class Scene:
    """img: (H, W, 3) float32 BGR 0..255; label: (H, W) uint8 clean semantic classes."""

    img: np.ndarray
    label: np.ndarray
    things: list
    yh: float
    vx: float
    road_l: tuple = (0.0, 0.0)
    road_r: tuple = (0.0, 0.0)
    regions: dict = field(default_factory=dict)


def poly_mask(pts) -> np.ndarray:
    """(K, 2) float points -> (H, W) bool filled polygon."""
    m = np.zeros((H, W), np.uint8)
    cv2.fillPoly(m, [np.round(np.asarray(pts, np.float64)).astype(np.int32)], 1)
    return m.astype(bool)


def texture(rng: np.random.Generator, scale: int, amp: float) -> np.ndarray:
    """Smooth random field (H, W) float32 with std about ``amp``, blobs about ``scale`` px."""
    small = rng.normal(0.0, 1.0, (H // scale + 2, W // scale + 2)).astype(np.float32)
    big = cv2.resize(small, (W + 2 * scale, H + 2 * scale), interpolation=cv2.INTER_CUBIC)
    return big[scale:scale + H, scale:scale + W] * amp


def paint(sc: Scene, mask: np.ndarray, bgr, cls: str | None, tex: np.ndarray | None = None,
          alpha: float = 1.0) -> None:
    """Paint colour ``bgr`` (+ texture (H, W)) over ``mask``; set label ``cls`` unless None."""
    col = np.asarray(bgr, np.float32)[None, :]
    add = 0.0 if tex is None else tex[mask][:, None]
    sc.img[mask] = (1 - alpha) * sc.img[mask] + alpha * (col + add)
    if cls is not None:
        sc.label[mask] = SEM[cls]


def _lerp(a, b, t):
    return a + (b - a) * t


def edge_x(line: tuple, y: float, yh: float, vx: float) -> float:
    """x of a ground line through the vanishing point; ``line`` = (x at y=H, _)."""
    return _lerp(vx, line[0], (y - yh) / (H - yh))


def depth_scale(sc: Scene, y: float) -> float:
    """Apparent size factor of something standing at image row ``y`` (0 at horizon, 1 at bottom)."""
    return max(0.0, (y - sc.yh) / (H - sc.yh))


def sky_and_backdrop(sc: Scene, rng: np.random.Generator) -> None:
    """Sky gradient with soft clouds, then a skyline of distant buildings at the horizon."""
    ys = np.linspace(0.0, 1.0, H, dtype=np.float32)[:, None, None]
    top = np.array([170, 110, 60], np.float32) + rng.normal(0, 8, 3).astype(np.float32)
    low = np.array([235, 215, 195], np.float32)
    sc.img[:] = top * (1 - ys ** 0.7) + low * ys ** 0.7
    sc.label[:] = SEM["sky"]
    clouds = np.zeros((H, W), np.float32)
    for _ in range(rng.integers(2, 6)):
        c = (int(rng.uniform(0, W)), int(rng.uniform(10, sc.yh * 0.6)))
        cv2.ellipse(clouds, c, (int(rng.uniform(40, 120)), int(rng.uniform(8, 22))), 0, 0, 360,
                    float(rng.uniform(0.4, 0.8)), -1)
    clouds = cv2.GaussianBlur(clouds, (0, 0), 9)[..., None]
    sc.img[:] = sc.img * (1 - clouds) + 245 * clouds
    x = -rng.uniform(0, 30)
    while x < W:
        w, h = rng.uniform(30, 90), rng.uniform(18, 85)
        m = np.zeros((H, W), bool)
        m[int(sc.yh - h):int(sc.yh + 3), int(max(x, 0)):int(min(x + w, W))] = True
        grey = rng.uniform(120, 175)
        tint = rng.normal(0, 6, 3)
        paint(sc, m, grey + tint, "building", texture(rng, 6, 4))
        windows_rect(sc, x, sc.yh - h, w, h, rng, grey)
        x += w + rng.uniform(-8, 6)


def windows_rect(sc: Scene, x, y, w, h, rng, grey) -> None:
    """Small window grid on an upright facade rectangle (image only, label stays building)."""
    nx, ny = max(1, int(w // 9)), max(1, int(h // 10))
    for i in range(nx):
        for j in range(ny - 1):
            if rng.random() < 0.15:
                continue
            x0, y0 = int(x + 4 + i * 9), int(y + 5 + j * 10)
            cv2.rectangle(sc.img, (x0, y0), (x0 + 4, y0 + 5), (grey * 0.55,) * 3, -1)


def facade(sc: Scene, outer: tuple, side: int, rng: np.random.Generator) -> None:
    """Row of near buildings along the outer sidewalk edge on one side (side -1 left, +1 right)."""
    x_edge = 0 if side < 0 else W
    t = 0.0
    while t < 0.97:
        t1 = min(1.0, t + rng.uniform(0.25, 0.5))
        # ground points: parameter t along the outer edge from image border (t=0) to horizon (t=1)
        g0, g1 = ground_on_edge(sc, outer, x_edge, t), ground_on_edge(sc, outer, x_edge, t1)
        h0 = rng.uniform(1.4, 2.6) * (g0[1] - sc.yh + 6)
        h1 = h0 * (g1[1] - sc.yh + 1.5) / (g0[1] - sc.yh + 6)
        quad = [g0, g1, (g1[0], g1[1] - h1), (g0[0], g0[1] - h0)]
        base = np.array(rng.choice([[120, 140, 165], [150, 150, 150], [95, 110, 135],
                                    [170, 175, 185], [110, 100, 95]]), np.float32)
        base += rng.normal(0, 8, 3).astype(np.float32)
        paint(sc, poly_mask(quad), base, "building", texture(rng, 4, 6))
        facade_windows(sc, quad, base, rng)
        t = t1


def ground_on_edge(sc: Scene, outer: tuple, x_edge: float, t: float):
    """Point at fraction ``t`` from where the outer edge leaves the image to the vanishing point."""
    xb, yb = outer[0], float(H)
    if (xb < 0 and x_edge == 0) or (xb > W and x_edge == W):
        yb = sc.yh + (H - sc.yh) * (x_edge - sc.vx) / (xb - sc.vx)
        xb = x_edge
    return (_lerp(xb, sc.vx, t), _lerp(yb, sc.yh, t))


def facade_windows(sc: Scene, quad, base, rng) -> None:
    """Perspective window grid inside a facade quad (image only)."""
    q = np.asarray(quad, np.float64)
    cols, rows = int(rng.integers(3, 7)), int(rng.integers(3, 7))
    dark = base * rng.uniform(0.35, 0.55)
    for i in range(cols):
        for j in range(rows):
            u0, u1 = (i + 0.25) / cols, (i + 0.75) / cols
            v0, v1 = (j + 0.3) / rows, (j + 0.75) / rows
            pts = [_bilin(q, u, v) for u, v in ((u0, v0), (u1, v0), (u1, v1), (u0, v1))]
            glass = dark + rng.normal(0, 10, 3)
            cv2.fillPoly(sc.img, [np.round(pts).astype(np.int32)], glass.tolist())


def _bilin(q, u, v):
    bottom = _lerp(q[0], q[1], u)
    top = _lerp(q[3], q[2], u)
    return _lerp(bottom, top, v)


def ground_side(sc: Scene, outer: tuple, side: int, kind: str, rng) -> None:
    """Open ground beyond a sidewalk: grass (vegetation) or a parking lot near the camera."""
    x_edge = 0 if side < 0 else W
    far = [(x_edge, sc.yh), (sc.vx, sc.yh), (outer[0], H), (x_edge, H)]
    paint(sc, poly_mask(far), (60, 120, 80), "vegetation", texture(rng, 5, 14))
    if kind != "parking":
        return
    y0 = sc.yh + rng.uniform(0.2, 0.3) * (H - sc.yh)
    xo = edge_x(outer, y0, sc.yh, sc.vx)
    m = poly_mask([(x_edge, y0), (xo, y0), (outer[0], H), (x_edge, H)])
    paint(sc, m, (120, 126, 131), "parking lot", texture(rng, 3, 7) + texture(rng, 30, 5))
    sc.regions["parking"] = m
    lines = np.zeros((H, W), np.uint8)
    inv0, inv1 = 1.0 / (y0 - sc.yh), 1.0 / (H + 40 - sc.yh)
    for k in range(1, 9):  # stall separators: rows equally spaced in depth
        y = sc.yh + 1.0 / (inv0 + (inv1 - inv0) * k / 8)
        cv2.line(lines, (int(x_edge), int(y)), (int(edge_x(outer, y, sc.yh, sc.vx)), int(y)),
                 1, max(1, int(3 * (y - sc.yh) / (H - sc.yh))))
    end = (outer[0] + side * (W * 0.55), 0.0)  # stall ends: a line towards the vanishing point
    cv2.line(lines, (int(end[0]), H), (int(sc.vx), int(sc.yh)), 1, 2)
    paint(sc, lines.astype(bool) & m, (215, 220, 220), None, alpha=0.75)


def road(sc: Scene, rng, faded_cross: bool, cross: bool, marking_alpha: float = 0.9) -> None:
    """Sidewalks, road with dashed centre line and optional zebra crosswalk (a Thing)."""
    yh, vx = sc.yh, sc.vx
    for line, outer in ((sc.road_l, sc.regions["outer_l"]), (sc.road_r, sc.regions["outer_r"])):
        quad = [(outer[0], H), (vx, yh), (line[0], H)]
        paint(sc, poly_mask(quad), (160, 165, 170), "sidewalk", texture(rng, 3, 9))
    quad = [(sc.road_l[0], H), (vx - 1, yh), (vx + 1, yh), (sc.road_r[0], H)]
    m = poly_mask(quad)
    paint(sc, m, (88, 86, 84), "road", texture(rng, 4, 7) + texture(rng, 40, 6))
    sc.regions["road"] = m
    for line in (sc.road_l, sc.road_r):  # curbs
        cv2.line(sc.img, (int(line[0]), H), (int(vx), int(yh)), (195, 195, 195), 2)
    xc = _lerp(sc.road_l[0], sc.road_r[0], 0.5)
    y = float(H)
    while y > yh + 4:
        y1 = yh + (y - yh) * 0.82
        dash = [(edge_x((xc - 5,), y, yh, vx), y), (edge_x((xc + 5,), y, yh, vx), y),
                (edge_x((xc + 5,), y1, yh, vx), y1 + (y - y1) * 0.5),
                (edge_x((xc - 5,), y1, yh, vx), y1 + (y - y1) * 0.5)]
        paint(sc, poly_mask(dash) & m, (225, 225, 225), None, alpha=marking_alpha)
        y = yh + (y1 - yh) * 0.85
    if cross:
        crosswalk(sc, rng, faded_cross)


def crosswalk(sc: Scene, rng, faded: bool) -> None:
    """Zebra stripes across the road; the band between the road edges is the crosswalk instance."""
    yh, vx = sc.yh, sc.vx
    y1 = yh + rng.uniform(0.62, 0.8) * (H - yh)
    y0 = yh + (y1 - yh) * rng.uniform(0.74, 0.8)
    xl, xr = (edge_x(sc.road_l, y1, yh, vx), edge_x(sc.road_r, y1, yh, vx))
    band = [(edge_x(sc.road_l, y0, yh, vx), y0), (edge_x(sc.road_r, y0, yh, vx), y0),
            (xr, y1), (xl, y1)]
    bm = poly_mask(band)
    n = int(rng.integers(9, 14))
    alpha = rng.uniform(0.1, 0.16) if faded else 0.88
    wear = texture(rng, 2, 14 if faded else 20)
    for i in range(0, 2 * n, 2):
        xa, xb = _lerp(xl, xr, (i + 0.5) / (2 * n)), _lerp(xl, xr, (i + 1.5) / (2 * n))
        f = (y0 - yh) / (y1 - yh)
        stripe = [(xa, y1), (xb, y1), (vx + (xb - vx) * f, y0), (vx + (xa - vx) * f, y0)]
        paint(sc, poly_mask(stripe) & bm, (230, 230, 228), None, wear, alpha=alpha)
    sc.label[bm] = SEM["crosswalk"]
    sc.things.append(Thing("crosswalk", bm, depth=-1.0, tags={"faded"} if faded else set()))
