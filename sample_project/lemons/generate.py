"""Generate the lemon-mold classification sample (synthetic photos, CC0).

    python sample_project/lemons/generate.py [--out DIR]

Rewrites images/, labels.csv, predictions.csv, predictions_retrained.csv and reviewer.json in DIR
(default: the folder of this script). 36 lemons, 4 photos of each from different angles (a ``fruit_id`` per photo);
labels "mold" / "no mold" with planted wrong labels; a model's probabilities with confident
mistakes (bruised lemons taken for mould) and dark photos where it fails. Deterministic: every
photo draws from its own numpy Generator seeded with (SEED, fruit, angle), so two runs give
byte-identical files. README.md (written by hand) says what is planted.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

import cv2
import numpy as np

sys.dont_write_bytecode = True  # keep the project folder free of __pycache__

SEED = 20261202
SIZE = 160
FRUITS = 36
ANGLES = "abcd"
MOLDY = {3, 7, 8, 12, 15, 20, 24, 27, 31, 34, 35}
WRONG_LABEL = {"lemon_05_b.jpg", "lemon_07_c.jpg", "lemon_12_a.jpg", "lemon_18_d.jpg",
               "lemon_27_b.jpg", "lemon_30_a.jpg"}
DARK = {"lemon_02_d.jpg", "lemon_08_b.jpg", "lemon_15_c.jpg", "lemon_21_a.jpg",
        "lemon_31_d.jpg", "lemon_33_b.jpg"}
BRUISED = {"lemon_10_a.jpg", "lemon_10_b.jpg", "lemon_25_c.jpg"}
RETRAINED_BROKEN = {"lemon_14_c.jpg", "lemon_29_b.jpg", "lemon_34_a.jpg"}


def photo(fruit: int, angle: int, rng: np.random.Generator, moldy: bool, bruised: bool,
          dark: bool) -> np.ndarray:
    """(SIZE, SIZE, 3) uint8 BGR: a lemon on a wooden table, seen from ``angle``."""
    yy, xx = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32)
    wood = 120 + 25 * np.sin(xx / 7.0 + fruit) + rng.normal(0, 6, (SIZE, SIZE))
    img = np.stack([wood * 0.45, wood * 0.7, wood], axis=-1)
    cx, cy = SIZE / 2 + rng.normal(0, 6), SIZE / 2 + rng.normal(0, 6)
    rot = angle * 45 + fruit * 11 + rng.normal(0, 8)
    ax, ay = 52 + rng.normal(0, 3), 38 + rng.normal(0, 2)
    mask = np.zeros((SIZE, SIZE), np.uint8)
    cv2.ellipse(mask, (int(cx), int(cy)), (int(ax), int(ay)), rot, 0, 360, 255, -1)
    tip = (int(cx + (ax + 5) * np.cos(np.radians(rot))),
           int(cy + (ax + 5) * np.sin(np.radians(rot))))
    cv2.circle(mask, tip, 7, 255, -1)
    shade = 0.75 + 0.35 * np.clip(1 - np.hypot(xx - cx + 15, yy - cy + 12) / 70, 0, 1)
    lemon = np.stack([30 * shade, 215 * shade, 245 * shade], axis=-1)
    lemon += rng.normal(0, 5, lemon.shape)
    inside = mask[..., None] > 0
    img = np.where(inside, lemon, img)
    if moldy:
        img = _spots(img, mask, rng, 3 + angle % 2, (150, 175, 150), (235, 240, 230))
    if bruised:
        img = _spots(img, mask, rng, 2, (30, 60, 95), (20, 45, 80))
    if dark:
        img = img * 0.22 + rng.normal(0, 3, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def _spots(img, mask, rng, count, inner, outer) -> np.ndarray:
    """Fuzzy blobs (mould: grey-green with a white rim; a bruise: brown) inside the lemon."""
    ys, xs = np.nonzero(mask)
    out = img.copy()
    for _ in range(count):
        k = rng.integers(len(ys))
        r = int(rng.integers(6, 12))
        blob = np.zeros(mask.shape, np.uint8)
        cv2.circle(blob, (int(xs[k]), int(ys[k])), r, 255, -1)
        blob = cv2.GaussianBlur(blob, (0, 0), 2.5).astype(np.float32)[..., None] / 255
        rim = np.clip(blob * 2 - blob ** 2 * 2, 0, 1)
        noise = rng.normal(0, 12, img.shape)
        out = out * (1 - blob) + (np.array(inner) + noise) * blob
        out = out * (1 - rim * 0.4) + np.array(outer) * rim * 0.4
    return np.where(mask[..., None] > 0, out, img)


def p_mold(name: str, moldy: bool, rng: np.random.Generator) -> float:
    """The made-up model: sharp on ordinary photos, fooled by bruises, lost in the dark."""
    if name in BRUISED:
        return float(rng.uniform(0.9, 0.97))
    if name in DARK:
        return float(rng.uniform(0.2, 0.4) if moldy else rng.uniform(0.45, 0.62))
    return float(rng.uniform(0.86, 0.995) if moldy else rng.uniform(0.005, 0.12))


def p_mold_retrained(name: str, moldy: bool, fruit: int, angle: int) -> float:
    """A second model, "retrained": sees mould in the dark, still fooled by two of the three
    bruised photos, newly wrong on three photos; its own Generator (the first model's draws are
    untouched)."""
    rng = np.random.default_rng([SEED, 2, fruit, angle])
    if name in RETRAINED_BROKEN:
        return float(rng.uniform(0.25, 0.4) if moldy else rng.uniform(0.62, 0.8))
    if name in BRUISED:
        return float(rng.uniform(0.15, 0.3) if name == "lemon_25_c.jpg" else rng.uniform(0.7, 0.85))
    if name in DARK:
        return float(rng.uniform(0.6, 0.8) if moldy else rng.uniform(0.2, 0.4))
    return float(rng.uniform(0.8, 0.99) if moldy else rng.uniform(0.01, 0.2))


def generate(out: Path) -> None:
    (out / "images").mkdir(parents=True, exist_ok=True)
    labels, preds, retrained = [], [], []
    for fruit in range(1, FRUITS + 1):
        for a, letter in enumerate(ANGLES):
            name = f"lemon_{fruit:02d}_{letter}.jpg"
            rng = np.random.default_rng([SEED, fruit, a])
            moldy = fruit in MOLDY
            img = photo(fruit, a, rng, moldy, name in BRUISED, name in DARK)
            ok, data = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 80])
            (out / "images" / name).write_bytes(data.tobytes())
            truth = "mold" if moldy else "no mold"
            given = ("no mold" if moldy else "mold") if name in WRONG_LABEL else truth
            p = p_mold(name, moldy, rng)
            labels.append([name, given, f"L{fruit:02d}", letter])
            preds.append([name, f"{p:.4f}", f"{1 - p:.4f}"])
            q = p_mold_retrained(name, moldy, fruit, a)
            retrained.append([name, f"{q:.4f}", f"{1 - q:.4f}"])
    _write_csv(out / "labels.csv", ["image", "label", "fruit_id", "angle"], labels)
    _write_csv(out / "predictions.csv", ["image", "mold", "no mold"], preds)
    _write_csv(out / "predictions_retrained.csv", ["image", "mold", "no mold"], retrained)
    project = {"reviewer_project": 2, "name": "lemons", "images": "images",
               "default_task": "classification",
               "classification": {"gt": "labels.csv", "positive": "mold", "threshold": 0.5,
                                  "models": [{"name": "baseline", "pred": "predictions.csv"},
                                             {"name": "retrained",
                                              "pred": "predictions_retrained.csv"}],
                                  "current_model": "baseline"}}
    (out / "reviewer.json").write_text(json.dumps(project, indent=2) + "\n", encoding="utf-8")


def _write_csv(path: Path, header: list, rows: list) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    generate(ap.parse_args(argv).out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
