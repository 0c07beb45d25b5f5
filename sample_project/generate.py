"""Generate the bundled demo project (synthetic street scenes, CC0).

    python sample_project/generate.py [--out DIR]

Rewrites images/, annotations/, semantic/, reviewer.json and README.md in DIR (default: the folder
of this script): the baseline model's predictions and a second model's (``_retrained.py``). Deterministic: every scene draws from its own numpy Generator seeded with
(SEED, scene index), so two runs give byte-identical files.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path

import cv2
import numpy as np
from PIL import Image
from pycocotools import mask as mask_utils

sys.dont_write_bytecode = True  # keep the project folder free of __pycache__
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _layout import build_scene, camera  # noqa: E402
from _predict import predict_instances, predict_semantic  # noqa: E402
from _readme import write_readme  # noqa: E402
from _retrained import retrained_instances, retrained_semantic  # noqa: E402
from _scene import SEM, SEM_CLASSES, H, W  # noqa: E402

SEED = 20240611
N_SCENES = 48
VOID = 255
CATEGORIES = [{"id": 1, "name": "person", "supercategory": "human"},
              {"id": 2, "name": "bicycle", "supercategory": "vehicle"},
              {"id": 3, "name": "vehicle", "supercategory": "vehicle"},
              {"id": 12, "name": "crosswalk", "supercategory": "road marking"}]
CAT_ID = {c["name"]: c["id"] for c in CATEGORIES}
PLANTED = {  # scene index -> planted failure; see README.md
    "unlabeled_road": (7, 30),
    "camper_van": (12, 35),
    "faded_crosswalk": (4, 19, 41),
    "parking_as_road": (9, 25, 38),
    "dark": (15, 27, 33, 44),
    "crowd": (21, 46),
}
CROWD_CLASS = {21: "person", 46: "bicycle"}


def scene_spec(i: int, rng: np.random.Generator) -> dict:
    """Layout and planted failures of scene ``i``."""
    sides = ["facade", "facade", "grass", "parking"]
    spec = {"left": str(rng.choice(sides)), "right": str(rng.choice(sides)),
            "crosswalk": "normal" if rng.random() < 0.4 else "none",
            "camper": i in PLANTED["camper_van"], "crowd": CROWD_CLASS.get(i),
            "dark": i in PLANTED["dark"], "unlabeled_road": i in PLANTED["unlabeled_road"],
            "parking_as_road": i in PLANTED["parking_as_road"]}
    if i in PLANTED["faded_crosswalk"]:
        spec["crosswalk"] = "faded"
    if spec["camper"]:
        spec["crosswalk"], spec["right"] = "none", "facade"
    if spec["parking_as_road"] and "parking" not in (spec["left"], spec["right"]):
        spec["left"] = "parking"
    return spec


def encode(mask: np.ndarray) -> dict:
    """(H, W) bool -> compressed RLE with counts as str."""
    rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    rle["counts"] = rle["counts"].decode("ascii")
    return rle


def polygons(mask: np.ndarray) -> list:
    """(H, W) bool -> COCO polygon list (outer contours, pixel-corner coordinates)."""
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL,
                                   cv2.CHAIN_APPROX_SIMPLE)
    out = []
    for c in contours:
        c = cv2.approxPolyDP(c, 0.7, True).reshape(-1, 2)
        if len(c) >= 3:
            out.append([float(v) for v in np.clip(c + 0.5, 0, [W, H]).ravel()])
    return out


def segm_rle(segm) -> dict:
    """COCO segmentation (polygons or compressed RLE) -> one compressed RLE."""
    if isinstance(segm, list):
        return mask_utils.merge(mask_utils.frPyObjects(segm, H, W))
    return {"size": segm["size"], "counts": segm["counts"].encode("ascii")}


def gt_annotation(t, i: int) -> dict | None:
    """COCO annotation (no ids yet) for thing ``t`` of scene ``i``; None if too small."""
    use_rle = "crowd" in t.tags or t.cls == "bicycle" or (t.cls == "person" and i % 6 == 0)
    segm = encode(t.visible) if use_rle else polygons(t.visible)
    if not segm:
        return None
    rle = segm_rle(segm)
    area = float(mask_utils.area(rle))
    if area < 15:
        return None
    return {"category_id": CAT_ID[t.cls],
            "bbox": [float(v) for v in mask_utils.toBbox(rle)], "area": area,
            "iscrowd": int("crowd" in t.tags), "segmentation": segm}


def semantic_gt(sc, gts: list, spec: dict) -> np.ndarray:
    """(H, W) uint8 GT label map: clean labels, planted omissions, void (255) at thing borders."""
    lab = sc.label.copy()
    if spec["unlabeled_road"]:
        lab[lab == SEM["road"]] = SEM["unlabeled"]
    for t in sc.things:
        if "camper" in t.tags:
            lab[t.visible] = SEM["unlabeled"]
    k = np.ones((3, 3), np.uint8)
    for t in gts:
        if t.cls != "crosswalk":
            m = t.visible.astype(np.uint8)
            lab[(cv2.dilate(m, k) - cv2.erode(m, k)).astype(bool)] = VOID
    return lab


def palette_png(lab: np.ndarray) -> bytes:
    """(H, W) uint8 class ids -> palette PNG bytes (VOC style, 255 = void)."""
    im = Image.frombytes("P", (W, H), np.ascontiguousarray(lab).tobytes())
    pal = np.zeros((256, 3), np.uint8)
    pal[:len(SEM_CLASSES)] = [c for _, c in SEM_CLASSES]
    pal[VOID] = (224, 224, 192)
    im.putpalette(pal.ravel().tolist())
    buf = io.BytesIO()
    im.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def make_scene(i: int) -> dict:
    """Everything generated for scene ``i``: jpg/png bytes, GT things, predictions, events."""
    rng = np.random.default_rng([SEED, i])
    spec = scene_spec(i, rng)
    sc = build_scene(spec, rng)
    jpg = cv2.imencode(".jpg", camera(sc, spec["dark"], rng),
                       [cv2.IMWRITE_JPEG_QUALITY, 85, cv2.IMWRITE_JPEG_OPTIMIZE, 1])[1]
    pairs = [(t, gt_annotation(t, i)) for t in sc.things
             if t.cls in CAT_ID and "camper" not in t.tags]
    gts = [t for t, a in pairs if a is not None]
    preds, events, missed = predict_instances(sc, gts, spec, rng)
    sem_pred, sem_events = predict_semantic(sc, gts, missed, spec, rng)
    sem_gt = semantic_gt(sc, gts, spec)
    return {"spec": spec, "jpg": jpg.tobytes(), "anns": [a for _, a in pairs if a], "preds": preds,
            "events": events + sem_events, "sem_gt": palette_png(sem_gt),
            "sem_pred": palette_png(sem_pred), "sem_gt_lab": sem_gt, "sem_pred_lab": sem_pred}


def write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _dumps(obj, top: bool = True) -> str:
    """JSON with one list item (image, annotation, result) per line: readable and diffable."""
    if isinstance(obj, list) and top:
        return "[\n" + ",\n".join(json.dumps(x) for x in obj) + "\n]"
    if isinstance(obj, dict) and top:
        items = (f"{json.dumps(k)}: {_dumps(v, isinstance(v, list))}" for k, v in obj.items())
        return "{\n" + ",\n".join(items) + "\n}"
    return json.dumps(obj)


def write_json(path: Path, obj, one_per_line: bool = True) -> None:
    text = _dumps(obj) if one_per_line else json.dumps(obj, indent=2)
    write_bytes(path, (text + "\n").encode("utf-8"))


def project_file() -> dict:
    return {"reviewer_project": 2, "name": "sample", "images": "images",
            "default_task": "detection",
            "detection": {"gt": "annotations/instances_gt.json",
                          "iou_threshold": 0.5, "score_threshold": 0.5,
                          "models": [{"name": "baseline", "pred": "annotations/predictions.json"},
                                     {"name": "retrained", "pred": "annotations/retrained.json"}],
                          "current_model": "baseline"},
            "segmentation": {"gt": "semantic/gt", "classes": "semantic/classes.json",
                             "ignore_index": VOID,
                             "models": [{"name": "baseline", "pred": "semantic/pred"},
                                        {"name": "retrained", "pred": "semantic/pred_retrained"}],
                             "current_model": "baseline"}}


def generate(out: Path) -> None:
    """Write the whole project into ``out`` (stale street_* files are removed first)."""
    for sub in ("images", "semantic/gt", "semantic/pred", "semantic/pred_retrained"):
        for old in (out / sub).glob("street_*"):
            old.unlink()
    images, anns, results, events, retrained, changes = [], [], [], {}, [], {}
    for i in range(N_SCENES):
        s = make_scene(i)
        name, image_id = f"street_{i:03d}", i + 1
        write_bytes(out / "images" / f"{name}.jpg", s["jpg"])
        write_bytes(out / "semantic/gt" / f"{name}.png", s["sem_gt"])
        write_bytes(out / "semantic/pred" / f"{name}.png", s["sem_pred"])
        images.append({"id": image_id, "file_name": f"{name}.jpg", "width": W, "height": H})
        for a in s["anns"]:
            anns.append({"id": len(anns) + 1, "image_id": image_id, **a})
        first = len(results)
        for cls, m, score in s["preds"]:
            if m.sum() >= 6:
                rle = encode(m)
                results.append({"image_id": image_id, "category_id": CAT_ID[cls],
                                "bbox": [float(v) for v in mask_utils.toBbox(segm_rle(rle))],
                                "score": round(score, 3), "segmentation": rle})
        events[name] = (s["spec"], s["events"])
        r_results, r_events = retrained_instances(i, image_id, s["spec"], s["anns"],
                                                  results[first:], CAT_ID)
        retrained += r_results
        sem_b, sem_events = retrained_semantic(i, s["spec"], s["sem_gt_lab"], s["sem_pred_lab"])
        write_bytes(out / "semantic/pred_retrained" / f"{name}.png", palette_png(sem_b))
        changes[name] = r_events + sem_events
    write_json(out / "annotations/instances_gt.json",
               {"info": {"description": "Reviewer sample project (synthetic)", "version": "1",
                         "contributor": "sample_project/generate.py"},
                "licenses": [{"id": 1, "name": "CC0 1.0",
                              "url": "https://creativecommons.org/publicdomain/zero/1.0/"}],
                "images": images, "categories": CATEGORIES, "annotations": anns})
    write_json(out / "annotations/predictions.json", results)
    write_json(out / "annotations/retrained.json", retrained)
    write_json(out / "semantic/classes.json",
               [{"name": n, "color": list(c)} for n, c in SEM_CLASSES])
    write_json(out / "reviewer.json", project_file(), one_per_line=False)
    write_readme(out / "README.md", events, len(anns), len(results), changes, len(retrained))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    generate(parser.parse_args(argv).out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
