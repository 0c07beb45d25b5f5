"""A generated classification project of N small images and K classes, for looking at the window
(the analysis panels at 10 or 100 classes) and for timing it.

    python bench/make_classification_project.py OUT [--images 2000] [--classes 100]
        [--binary] [--seed 0]

Writes ``OUT/images/*.png`` (48 x 48, one flat colour per class plus noise), ``OUT/labels.csv``
(``image,label``; 3 % of the labels wrong), ``OUT/predictions.csv`` (``image`` + one probability
column per class, 5 decimals: a softmax of noisy logits favouring the true class, over-confident
on a fifth of the images) and ``OUT/reviewer.json`` (through ``reviewer init``). Class names
mix short and long ones (``species_007``, ``long-tailed tit (juvenile) 012``). ``--binary``:
two classes, ``mold`` positive.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
LONG = ("long-tailed tit (juvenile)", "eurasian collared dove", "red-breasted merganser",
        "short-toed treecreeper")


def class_names(k: int, binary: bool) -> list[str]:
    if binary:
        return ["mold", "no mold"]
    return [f"{LONG[j % len(LONG)]} {j:03d}" if j % 7 == 3 else f"species_{j:03d}"
            for j in range(k)]


def probabilities(rng, targets: np.ndarray, k: int) -> np.ndarray:
    n = len(targets)
    logits = rng.normal(size=(n, k)) * 1.5
    logits[np.arange(n), targets] += rng.normal(2.5, 1.5, n)
    logits *= np.where(rng.random(n) < 0.2, 3.0, 1.0)[:, None]  # over-confident images
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    return p / p.sum(axis=1, keepdims=True)


def write_images(folder: Path, targets: np.ndarray, k: int, rng) -> list[str]:
    from PIL import Image
    folder.mkdir(parents=True, exist_ok=True)
    colours = (rng.random((k, 3)) * 200 + 30).astype(np.uint8)
    names = []
    for i, t in enumerate(targets):
        pixels = np.clip(colours[t][None, None, :] + rng.normal(0, 18, (48, 48, 3)), 0, 255)
        name = f"img_{i:05d}.png"
        Image.fromarray(pixels.astype(np.uint8)).save(folder / name)
        names.append(name)
    return names


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--images", type=int, default=2000)
    ap.add_argument("--classes", type=int, default=100)
    ap.add_argument("--binary", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    k = 2 if args.binary else args.classes
    rng = np.random.default_rng(args.seed)
    names = class_names(k, args.binary)
    truth = rng.integers(0, k, args.images)
    out = args.out
    files = write_images(out / "images", truth, k, rng)
    probs = probabilities(rng, truth, k)
    labels = truth.copy()
    wrong = rng.random(args.images) < 0.03
    labels[wrong] = rng.integers(0, k, int(wrong.sum()))
    with open(out / "labels.csv", "w", encoding="utf-8") as f:
        f.write("image,label\n")
        f.writelines(f'{n},"{names[t]}"\n' for n, t in zip(files, labels, strict=True))
    with open(out / "predictions.csv", "w", encoding="utf-8") as f:
        f.write("image," + ",".join(f'"{n}"' for n in names) + "\n")
        for n, row in zip(files, probs, strict=True):
            f.write(n + "," + ",".join(f"{v:.5f}" for v in row) + "\n")
    cmd = [sys.executable, "-m", "reviewer.cli", "init", str(out), "--images",
           str(out / "images"), "--gt", str(out / "labels.csv"), "--pred",
           str(out / "predictions.csv"), "--task", "classification", "--force"]
    if args.binary:
        cmd += ["--positive", "mold"]
    return subprocess.run(cmd, cwd=ROOT, check=False).returncode


if __name__ == "__main__":
    raise SystemExit(main())
