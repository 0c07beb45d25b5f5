"""Synthetic COCO datasets for oracle tests: many shapes, ties, crowd GT, masks.

Deterministic per seed. Boxes are rounded to whole pixels and scores to 2 decimals in the
"ties" flavour so that equal IoUs and equal scores occur and tie-breaking is exercised.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json

import numpy as np
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval


def _box(rng, w_img, h_img, ties):
    w, h = rng.uniform(2, 200, 2)
    x, y = rng.uniform(0, w_img - w), rng.uniform(0, h_img - h)
    b = [x, y, w, h]
    return [float(v) for v in (np.round(b) if ties else b)]


def _polygon(box):
    x, y, w, h = box
    cx, cy = x + w / 2, y + h / 2
    t = np.linspace(0, 2 * np.pi, 9)[:-1]
    pts = np.stack([cx + 0.5 * w * np.cos(t), cy + 0.5 * h * np.sin(t)], 1)
    return [[float(v) for v in pts.ravel()]]


def make_dataset(seed: int, n_img: int = 30, n_cat: int = 5, crowd: float = 0.05,
                 ties: bool = True, masks: bool = False, max_gt: int = 12):
    """-> (gt COCO dict, results list). Category ids are non-contiguous (1, 3, 5, ...)."""
    rng = np.random.default_rng(seed)
    W, H = 640, 480
    images = [{"id": int(i * 3 + 7), "file_name": f"img_{i:03d}.jpg", "width": W, "height": H}
              for i in range(n_img)]
    cat_ids = [int(c * 2 + 1) for c in range(n_cat)]
    cats = [{"id": c, "name": f"class_{c}"} for c in cat_ids]
    anns, res = [], []
    for im in images:
        for _ in range(rng.integers(0, max_gt)):
            box = _box(rng, W, H, ties)
            c = int(rng.choice(cat_ids))
            a = {"id": len(anns) + 1, "image_id": im["id"], "category_id": c, "bbox": box,
                 "area": float(box[2] * box[3] * rng.uniform(0.5, 1)),
                 "iscrowd": int(rng.random() < crowd)}
            if masks:
                a["segmentation"] = _polygon(box)
                if a["iscrowd"]:
                    rle = mask_utils.frPyObjects(a["segmentation"], H, W)[0]
                    m = mask_utils.decode(rle)
                    a["segmentation"] = {"size": [H, W], "counts": _uncompressed(m)}
                a["area"] = float(mask_utils.area(_rle(a["segmentation"], H, W)))
            anns.append(a)
            for _ in range(rng.integers(0, 4)):
                jit = rng.normal(0, 0.15, 4) * [box[2], box[3], box[2], box[3]]
                b = [box[0] + jit[0], box[1] + jit[1], max(1, box[2] + jit[2]), max(1, box[3] + jit[3])]
                b = [float(v) for v in (np.round(b) if ties else b)]
                cc = c if rng.random() < 0.8 else int(rng.choice(cat_ids))
                res.append(_result(rng, im, cc, b, ties, masks))
        for _ in range(rng.integers(0, 4)):
            res.append(_result(rng, im, int(rng.choice(cat_ids)), _box(rng, W, H, ties), ties, masks))
    return {"images": images, "categories": cats, "annotations": anns}, res


def _result(rng, im, c, box, ties, masks):
    s = float(np.round(rng.random(), 2)) if ties else float(rng.random())
    r = {"image_id": im["id"], "category_id": c, "score": s}
    if masks:
        rle = mask_utils.merge(mask_utils.frPyObjects(_polygon(box), im["height"], im["width"]))
        r["segmentation"] = {"size": rle["size"], "counts": rle["counts"].decode("ascii")}
    else:
        r["bbox"] = box
    return r


def _rle(seg, h, w):
    if isinstance(seg, list):
        return mask_utils.merge(mask_utils.frPyObjects(seg, h, w))
    return mask_utils.frPyObjects(seg, h, w)


def _uncompressed(m):
    flat = m.ravel(order="F")
    change = np.flatnonzero(np.diff(flat)) + 1
    bounds = np.r_[0, change, flat.size]
    counts = np.diff(bounds).tolist()
    return ([0] + counts) if flat[0] == 1 else counts


def write(tmp_path, gt: dict, res: list):
    g, p = tmp_path / "gt.json", tmp_path / "pred.json"
    g.write_text(json.dumps(gt))
    p.write_text(json.dumps(res))
    return g, p


def oracle(gt: dict, res: list, iou_type: str = "bbox", iou_thrs=None) -> COCOeval:
    """pycocotools COCOeval on deep copies (it mutates its inputs)."""
    with contextlib.redirect_stdout(io.StringIO()):
        c = COCO()
        c.dataset = copy.deepcopy(gt)
        c.createIndex()
        d = c.loadRes(copy.deepcopy(res)) if res else COCO()
        e = COCOeval(c, d, iou_type)
        if iou_thrs is not None:
            e.params.iouThrs = np.asarray(iou_thrs)
        e.evaluate()
        e.accumulate()
        e.summarize()
    return e


def per_image_counts(e: COCOeval, t_index: int = 0) -> dict:
    """{image_id: (tp, fp, fn)} at IoU threshold index ``t_index``, area 'all', from evalImgs."""
    imgs, n_area = e.params.imgIds, len(e.params.areaRng)
    out = {i: [0, 0, 0] for i in imgs}
    for k in range(len(e.params.catIds)):
        for i, img in enumerate(imgs):
            ev = e.evalImgs[k * n_area * len(imgs) + i]
            if ev is None:
                continue
            dtm, dti = ev["dtMatches"][t_index], ev["dtIgnore"][t_index]
            gtm, gti = ev["gtMatches"][t_index], np.asarray(ev["gtIgnore"], bool)
            out[img][0] += int(((dtm > 0) & ~dti).sum())
            out[img][1] += int(((dtm == 0) & ~dti).sum())
            out[img][2] += int(((gtm == 0) & ~gti).sum())
    return {k: tuple(v) for k, v in out.items()}


def init_project(tmp_path, seed: int, n_img: int, n_cat: int = 3, extra=()):
    """A detection project made by `reviewer init` from generated COCO data (boxes, ties, no
    crowd) under ``tmp_path``: -> (project folder, gt path, pred path, gt dict, results)."""
    from reviewer.cli import main
    gt, res = make_dataset(seed, n_img, n_cat, 0.0, True, False, 6)
    g, p = write(tmp_path, gt, res)
    (tmp_path / "img").mkdir(exist_ok=True)
    proj = tmp_path / "proj"
    assert main(["init", str(proj), "--images", str(tmp_path / "img"), "--gt", str(g),
                 "--pred", str(p), "-q", *extra]) == 0
    return proj, g, p, gt, res
