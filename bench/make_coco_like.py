"""Write a COCO val2017-scale synthetic detection dataset and a Reviewer project around it.

    python bench/make_coco_like.py --images 5000 --out bench/data/coco5k [--masks [--no-pred-boxes]]
        [--seed 0]
    python bench/make_coco_like.py --set 100k      # = --images 100000 --out bench/data/coco100k

``--set 5k`` / ``20k`` / ``100k`` name the sets the benchmarks use (100k: 100,000 images,
~733,000 GT boxes, ~1,970,000 predictions, 89 + 172 MB of JSON, ~75 s to write).

Writes OUT/reviewer.json (images folder "images", created empty: no pixels are needed to score,
so every image is missing, which must be a warning only), OUT/annotations/instances_gt.json (COCO instances) and OUT/annotations/predictions.json
(COCO results list). With 5,000 images: ~36k GT over 80 classes with COCO's non-contiguous ids,
person-dominant long tail, 0..63 objects per image, ~41 % small objects, ~1 % iscrowd, and ~100k
detections (jittered true positives, wrong classes, duplicates, background ghosts; at most 100
per image). --masks adds polygons to the GT (crowd as uncompressed RLE) and compressed RLE masks
to the predictions; boxes are the same with or without it. --no-pred-boxes leaves the "bbox" out
of the predictions (pycocotools' loadRes then takes its segmentation branch: area from the mask,
box from the mask). Deterministic for a given --seed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from coco_like_masks import (  # noqa: E402
    crowd_masks,
    ellipse_polygons,
    polygon_area,
    prediction_masks,
)
from coco_spec import CATEGORIES, IMAGE_SIZES, class_weights  # noqa: E402

SETS = {"5k": 5000, "20k": 20000, "100k": 100000}
MAX_OBJECTS = 63
MAX_DETS = 100
LOG_SIZE_MEAN, LOG_SIZE_STD = 3.734, 1.176  # sqrt(area): P(<32^2)=0.41, P(<96^2)=0.76 as in COCO


@dataclass
class Images:
    """ids, widths, heights: (N,) int64."""

    ids: np.ndarray
    widths: np.ndarray
    heights: np.ndarray
    themes: np.ndarray  # (N, 6) int64 class indices (CATEGORIES order) an image is "about"
    n_themes: np.ndarray  # (N,) int64 in 1..6


@dataclass
class Boxes:
    """One row per object. image: (M,) row into Images; cls: (M,) index into CATEGORIES;
    xywh: (M,4) float64; area: (M,) float64; crowd: (M,) bool; polygons: (M,V,2) or None;
    crowd_rles: {row: counts list}; score: (M,) float64 or None."""

    image: np.ndarray
    cls: np.ndarray
    xywh: np.ndarray
    area: np.ndarray
    crowd: np.ndarray
    polygons: np.ndarray | None = None
    crowd_rles: dict | None = None
    score: np.ndarray | None = None


def make_images(rng: np.random.Generator, n: int, weights: np.ndarray) -> Images:
    """n images with COCO-like sizes, sorted non-contiguous ids and 1..6 theme classes each."""
    sizes = np.array(IMAGE_SIZES, dtype=np.float64)
    pick = rng.choice(len(sizes), size=n, p=sizes[:, 2] / sizes[:, 2].sum())
    ids = np.sort(rng.choice(max(600_000, 30 * n), size=n, replace=False)) + 1
    n_themes = np.minimum(1 + rng.poisson(2.2, n), 6)
    keys = np.log(weights)[None, :] + rng.gumbel(size=(n, len(weights)))  # Gumbel top-k draw
    themes = np.argsort(-keys, axis=1)[:, :6]
    return Images(ids.astype(np.int64), sizes[pick, 0].astype(np.int64),
                  sizes[pick, 1].astype(np.int64), themes, n_themes)


def object_classes(rng, images: Images, image: np.ndarray) -> np.ndarray:
    """(M,) class index per object: mostly an image's first theme, geometric over the others."""
    slot = np.minimum(rng.geometric(0.45, size=len(image)) - 1, images.n_themes[image] - 1)
    return images.themes[image, slot]


def random_boxes(rng, images: Images, image: np.ndarray, cls: np.ndarray) -> np.ndarray:
    """(M,4) xywh boxes inside their images, COCO-like sizes (many small), people taller."""
    m = len(image)
    side = np.exp(rng.normal(LOG_SIZE_MEAN, LOG_SIZE_STD, m))
    aspect = np.exp(rng.normal(0.0, 0.5, m)) * np.where(cls == 0, 2.0, 1.0)  # h / w
    img_w, img_h = images.widths[image], images.heights[image]
    w = np.clip(side / np.sqrt(0.72 * aspect), 2.0, img_w)
    h = np.clip(w * aspect, 2.0, img_h)
    x = rng.random(m) * (img_w - w)
    y = rng.random(m) * (img_h - h)
    return np.stack([x, y, w, h], axis=1)


def make_gt(rng, images: Images, weights: np.ndarray) -> Boxes:
    """Ground truth: objects per image 0..63 (mean ~7.3, ~1 % empty images), ~1 % crowd."""
    n = len(images.ids)
    counts = 1 + rng.negative_binomial(1.3, 1.3 / (1.3 + 6.4), n)
    counts[rng.random(n) < 0.01] = 0
    counts = np.minimum(counts, MAX_OBJECTS)
    image = np.repeat(np.arange(n), counts)
    cls = object_classes(rng, images, image)
    xywh = random_boxes(rng, images, image, cls)
    big = xywh[:, 2] * xywh[:, 3] > 80.0**2
    crowd = big & (rng.random(len(image)) < 0.01 * len(image) / max(big.sum(), 1))
    cls[crowd & (rng.random(len(image)) < 0.7)] = 0  # crowds are mostly people
    polygons = ellipse_polygons(rng, xywh, images.widths[image], images.heights[image], 16, 0.3)
    lo, hi = polygons.min(axis=1), polygons.max(axis=1)
    tight = np.round(np.concatenate([lo, hi - lo], axis=1), 2)
    area = np.round(polygon_area(polygons), 2)
    rows = np.flatnonzero(crowd)
    counts, tight[rows], area[rows] = crowd_masks(rng, xywh[rows], images.widths[image[rows]],
                                                  images.heights[image[rows]])
    return Boxes(image, cls, tight, area, crowd, polygons, dict(zip(rows.tolist(), counts, strict=True)))


def jitter(rng, xywh: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """(M,4) boxes with each edge moved by N(0, sigma * side)."""
    x1, y1, w, h = xywh.T
    noise = rng.normal(size=(len(xywh), 4)) * sigma[:, None]
    nx1, nx2 = x1 + noise[:, 0] * w, x1 + w + noise[:, 1] * w
    ny1, ny2 = y1 + noise[:, 2] * h, y1 + h + noise[:, 3] * h
    return np.stack([np.minimum(nx1, nx2), np.minimum(ny1, ny2),
                     np.abs(nx2 - nx1), np.abs(ny2 - ny1)], axis=1)


def detections_of_gt(rng, gt: Boxes, weights: np.ndarray):
    """True-positive-ish detections, wrong-class ones and duplicates: (image, cls, xywh, score)."""
    m = len(gt.image)
    area = gt.xywh[:, 2] * gt.xywh[:, 3]
    recall = np.select([area < 32.0**2, area < 96.0**2], [0.6, 0.85], 0.95)
    found = rng.random(m) < recall
    sigma = 0.02 + 0.16 * rng.beta(1.3, 4.0, m)
    quality = 1.0 - sigma / 0.18
    score = np.clip(0.4 * quality + 0.6 * rng.beta(3.0, 2.0, m), 0.0, 1.0)
    cls = gt.cls.copy()
    wrong = rng.random(m) < 0.08
    cls[wrong] = rng.choice(len(weights), size=int(wrong.sum()), p=weights)
    score[wrong] *= 0.6
    dup = found & (rng.random(m) < 0.35)
    d_sigma = 2.0 * sigma[dup] + 0.05
    d_score = score[dup] * rng.uniform(0.2, 0.8, int(dup.sum()))
    image = np.concatenate([gt.image[found], gt.image[dup]])
    classes = np.concatenate([cls[found], cls[dup]])
    boxes = np.concatenate([jitter(rng, gt.xywh[found], sigma[found]),
                            jitter(rng, gt.xywh[dup], d_sigma)])
    return image, classes, boxes, np.concatenate([score[found], d_score])


def ghost_detections(rng, images: Images, weights: np.ndarray, per_image: float):
    """Background false positives, low scores, classes half from the image's themes."""
    image = np.repeat(np.arange(len(images.ids)), rng.poisson(per_image, len(images.ids)))
    cls = object_classes(rng, images, image)
    other = rng.random(len(image)) < 0.5
    cls[other] = rng.choice(len(weights), size=int(other.sum()), p=weights)
    boxes = random_boxes(rng, images, image, cls)
    return image, cls, boxes, rng.beta(1.0, 7.0, len(image))


def cap_per_image(image: np.ndarray, score: np.ndarray, limit: int) -> np.ndarray:
    """(K,) row indices sorted by (image, -score), keeping each image's `limit` best."""
    order = np.lexsort((-score, image))
    img_sorted = image[order]
    starts = np.searchsorted(img_sorted, img_sorted, side="left")
    rank = np.arange(len(order)) - starts
    return order[rank < limit]


def make_predictions(rng, images: Images, gt: Boxes, weights: np.ndarray) -> Boxes:
    """~20 detections per image (at most 100), clipped to the image, scores in (0, 1]."""
    parts = [detections_of_gt(rng, gt, weights), ghost_detections(rng, images, weights, 12.0)]
    image, cls, xywh, score = (np.concatenate(p) for p in zip(*parts, strict=True))
    img_w, img_h = images.widths[image], images.heights[image]
    x1 = np.clip(xywh[:, 0], 0, img_w - 1)
    y1 = np.clip(xywh[:, 1], 0, img_h - 1)
    w = np.clip(np.minimum(xywh[:, 2], img_w - x1), 1.0, None)
    h = np.clip(np.minimum(xywh[:, 3], img_h - y1), 1.0, None)
    xywh = np.round(np.stack([x1, y1, w, h], axis=1), 2)
    score = np.clip(np.round(score, 5), 1e-5, 1.0)
    keep = cap_per_image(image, score, MAX_DETS)
    return Boxes(image[keep], cls[keep], xywh[keep], xywh[keep, 2] * xywh[keep, 3],
                 np.zeros(len(keep), bool), score=score[keep])


def gt_json(rng, images: Images, gt: Boxes, masks: bool) -> dict:
    """COCO instances dict; annotations in shuffled file order with non-contiguous ids."""
    m = len(gt.image)
    ann_ids = rng.choice(max(1_000_000, 30 * m), size=m, replace=False) + 1
    img_ids, cat_ids = images.ids[gt.image].tolist(), [CATEGORIES[c][0] for c in gt.cls.tolist()]
    boxes, areas, crowd = gt.xywh.tolist(), gt.area.tolist(), gt.crowd.tolist()
    polys = np.round(gt.polygons.reshape(m, -1), 2).tolist() if masks else None
    anns = []
    for i in rng.permutation(m).tolist():
        ann = {"id": int(ann_ids[i]), "image_id": img_ids[i], "category_id": cat_ids[i],
               "bbox": boxes[i], "area": areas[i], "iscrowd": int(crowd[i])}
        if masks:
            ann["segmentation"] = ({"counts": gt.crowd_rles[i], "size": [
                int(images.heights[gt.image[i]]), int(images.widths[gt.image[i]])]}
                if crowd[i] else [polys[i]])
        anns.append(ann)
    imgs = [{"id": i, "file_name": f"{i:012d}.jpg", "width": w, "height": h}
            for i, w, h in zip(images.ids.tolist(), images.widths.tolist(),
                               images.heights.tolist(), strict=True)]
    cats = [{"id": i, "name": n, "supercategory": s} for i, n, s in CATEGORIES]
    return {"info": {"description": "synthetic COCO-like benchmark data (Reviewer bench/)"},
            "images": imgs, "annotations": anns, "categories": cats}


def results_json(rng, images: Images, pred: Boxes, masks: bool, pred_boxes: bool = True) -> list:
    """COCO results list, grouped by image, best score first; masks as compressed RLE."""
    img_ids, cat_ids = images.ids[pred.image].tolist(), [CATEGORIES[c][0] for c in pred.cls.tolist()]
    scores, boxes = pred.score.tolist(), pred.xywh.tolist()
    if not masks:
        return [{"image_id": img_ids[i], "category_id": cat_ids[i], "bbox": boxes[i],
                 "score": scores[i]} for i in range(len(scores))]
    rles = prediction_masks(rng, images, pred)
    if not pred_boxes:
        return [{"image_id": img_ids[i], "category_id": cat_ids[i], "score": scores[i],
                 "segmentation": rles[i]} for i in range(len(scores))]
    return [{"image_id": img_ids[i], "category_id": cat_ids[i], "bbox": boxes[i],
             "score": scores[i], "segmentation": rles[i]} for i in range(len(scores))]


def write_project(out: Path, gt: dict, results: list, masks: bool) -> None:
    """OUT/reviewer.json, OUT/images/ (empty), OUT/annotations/{instances_gt,predictions}.json."""
    (out / "annotations").mkdir(parents=True, exist_ok=True)
    (out / "images").mkdir(exist_ok=True)  # empty: image files are not needed to score
    with open(out / "annotations" / "instances_gt.json", "w") as f:
        json.dump(gt, f, separators=(",", ":"))
    with open(out / "annotations" / "predictions.json", "w") as f:
        json.dump(results, f, separators=(",", ":"))
    project = {"reviewer_project": 1, "name": out.name, "images": "images",
               "default_task": "detection",
               "detection": {"gt": "annotations/instances_gt.json",
                             "pred": "annotations/predictions.json",
                             "iou_threshold": 0.5, "score_threshold": 0.5}}
    (out / "reviewer.json").write_text(json.dumps(project, indent=2) + "\n")


def generate(n_images: int, seed: int, masks: bool, pred_boxes: bool = True):
    """-> (gt dict, results list). Same seed, same files (also across --masks for the GT boxes)."""
    rng = np.random.default_rng(seed)
    weights = class_weights()
    images = make_images(rng, n_images, weights)
    gt = make_gt(rng, images, weights)
    pred = make_predictions(rng, images, gt, weights)
    return gt_json(rng, images, gt, masks), results_json(rng, images, pred, masks, pred_boxes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=5000)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--set", choices=sorted(SETS), help="a named set: its --images, and "
                        "--out bench/data/coco<SET> unless --out is given")
    parser.add_argument("--masks", action="store_true", help="add instance masks")
    parser.add_argument("--no-pred-boxes", action="store_true",
                        help="with --masks: predictions carry only the mask, no bbox")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.set:
        args.images = SETS[args.set]
        args.out = args.out or Path(__file__).resolve().parent / "data" / f"coco{args.set}"
    if args.out is None:
        parser.error("--out is required (or --set)")
    t0 = time.perf_counter()
    if args.no_pred_boxes and not args.masks:
        parser.error("--no-pred-boxes needs --masks")
    gt, results = generate(args.images, args.seed, args.masks, not args.no_pred_boxes)
    write_project(args.out, gt, results, args.masks)
    n_crowd = sum(a["iscrowd"] for a in gt["annotations"])
    print(f"{args.out}: {len(gt['images'])} images, {len(gt['annotations'])} GT "
          f"({n_crowd} crowd), {len(results)} predictions, masks={args.masks}, "
          f"{time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
