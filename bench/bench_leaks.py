"""The leak check at scale: hash N generated JPEGs and find their near-duplicate pairs.

    python bench/bench_leaks.py --images 100000 [--folder bench/data/leaks100k] [--peer 20000]

Generates N small JPEGs (96x96: a colour gradient and a few random shapes per image, seeded)
with 1 % planted copies (re-encoded, resized, brightened, cropped by 2 px), then times, each in
this process:

- cold: ``reviewer.io.image_hashes.image_hashes`` (content hash + 256-bit pHash, a process
  pool on every core) plus ``core.near_dupes.near_pairs`` (multi-index hashing);
- warm: the same with the hash cache written by the cold run;
- pairs: ``near_pairs`` alone on the N hashes;
- peer: every pair compared (numpy XOR + popcount over all i < j, in row blocks) on the first
  ``--peer`` hashes, and ``near_pairs`` on the same hashes: same pairs required; the all-pairs
  time at N is extrapolated as (N / peer)^2 (quadratic).

Prints one JSON object; the issue's target: 100,000 images checked in under two minutes on
the 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reviewer.core.near_dupes import hamming, near_pairs  # noqa: E402
from reviewer.io.image_hashes import image_hashes  # noqa: E402
from reviewer.io.leaks import NEAR_DISTANCE  # noqa: E402

SIZE = 96


def _picture(rng: np.random.Generator) -> Image.Image:
    y, x = np.mgrid[0:SIZE, 0:SIZE] / SIZE
    c0, c1 = rng.integers(0, 256, 3), rng.integers(0, 256, 3)
    t = (x * rng.random() + y * rng.random())[..., None] / 2
    a = (c0 * (1 - t) + c1 * t)
    for _ in range(rng.integers(2, 6)):
        cx, cy, r = rng.random(), rng.random(), 0.05 + 0.3 * rng.random()
        inside = (x - cx) ** 2 + ((y - cy) * (0.5 + rng.random())) ** 2 < r * r
        a[inside] = rng.integers(0, 256, 3)
    return Image.fromarray(a.astype(np.uint8))


def generate(folder: Path, n: int, seed: int = 0) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"img_{i:06d}.jpg" for i in range(n)]
    if all(p.exists() for p in (paths[0], paths[-1])):
        return paths
    rng = np.random.default_rng(seed)
    plant = max(1, n // 100)
    for i in range(n - plant):
        _picture(rng).save(paths[i], quality=85)
    for k, i in enumerate(range(n - plant, n)):
        src = Image.open(paths[k * 37 % (n - plant)]).convert("RGB")
        how = k % 4
        if how == 0:
            src.save(paths[i], quality=50)
        elif how == 1:
            src.resize((SIZE * 3 // 4, SIZE * 3 // 4)).save(paths[i], quality=85)
        elif how == 2:
            ImageEnhance.Brightness(src).enhance(1.15).save(paths[i], quality=85)
        else:
            src.crop((1, 1, SIZE - 1, SIZE - 1)).save(paths[i], quality=85)
    return paths


def all_pairs(h: np.ndarray, d: int) -> set:
    out = set()
    for i in range(0, len(h) - 1, 256):
        block = h[i:i + 256]
        x = np.bitwise_xor(block[:, None, :], h[None, i:, :])
        dist = np.bitwise_count(x).sum(axis=2) if hasattr(np, "bitwise_count") else \
            np.unpackbits(x.view(np.uint8), axis=2).sum(axis=2)
        a, b = np.nonzero(dist <= d)
        keep = (a + i) < (b + i)
        out |= {(int(p), int(q)) for p, q in zip(a[keep] + i, b[keep] + i, strict=True)}
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=100_000)
    ap.add_argument("--folder", type=Path)
    ap.add_argument("--peer", type=int, default=20_000, help="hashes compared all-pairs")
    args = ap.parse_args(argv)
    folder = args.folder or Path(__file__).resolve().parent / "data" / f"leaks{args.images}"
    t = time.perf_counter()
    paths = generate(folder, args.images)
    made = time.perf_counter() - t
    cache = folder / ".hashes.parquet"
    cache.unlink(missing_ok=True)
    out = {"images": args.images, "cores": os.cpu_count(), "generate_s": round(made, 1),
           "max_distance": NEAR_DISTANCE}
    for run in ("cold", "warm"):
        t = time.perf_counter()
        _, h, ok = image_hashes(paths, cache)
        hashed = time.perf_counter() - t
        pairs, _ = near_pairs(h[ok], NEAR_DISTANCE)
        out[f"{run}_hash_s"] = round(hashed, 2)
        out[f"{run}_total_s"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    pairs, dist = near_pairs(h, NEAR_DISTANCE)
    out["pairs_s"] = round(time.perf_counter() - t, 2)
    out["pairs_found"] = int(len(pairs))
    out["planted"] = max(1, args.images // 100)
    m = min(args.peer, len(h))
    t = time.perf_counter()
    want = all_pairs(h[:m], NEAR_DISTANCE)
    peer = time.perf_counter() - t
    t = time.perf_counter()
    got, _ = near_pairs(h[:m], NEAR_DISTANCE)
    ours = time.perf_counter() - t
    assert {tuple(p) for p in got.tolist()} == want, "near_pairs differs from all pairs"
    assert (hamming(h[pairs[:, 0]], h[pairs[:, 1]]) == dist).all()
    out.update({"peer_images": m, "peer_all_pairs_s": round(peer, 2),
                "near_pairs_same_s": round(ours, 3),
                "peer_all_pairs_at_n_s_extrapolated": round(peer * (args.images / m) ** 2, 1)})
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
