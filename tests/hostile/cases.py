"""The hostile cases, built here: crafted RLEs, ids of every JSON type, absurd sizes, broken
files, predictions of another dataset, bombs and oddities among semantic label PNGs."""

from __future__ import annotations

import copy
import json
import struct
import zlib

import numpy as np
from PIL import Image
from pycocotools import mask as mask_utils

from tests.hostile.harness import Case, detection_init

# ---------------------------------------------------------------- detection building blocks


def rle(mask: np.ndarray) -> dict:
    r = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    return {"size": list(r["size"]), "counts": r["counts"].decode()}


def square(h: int, w: int, y0: int, y1: int, x0: int, x1: int) -> np.ndarray:
    m = np.zeros((h, w), bool)
    m[y0:y1, x0:x1] = True
    return m


def base_gt() -> dict:
    return {
        "images": [{"id": 1, "file_name": "a.jpg", "width": 40, "height": 30},
                   {"id": 2, "file_name": "b.jpg", "width": 50, "height": 40}],
        "categories": [{"id": 1, "name": "cat"}, {"id": 2, "name": "dog"}],
        "annotations": [
            {"id": 1, "image_id": 1, "category_id": 1, "bbox": [2, 2, 10, 8], "area": 80,
             "iscrowd": 0, "segmentation": rle(square(30, 40, 2, 10, 2, 12))},
            {"id": 2, "image_id": 1, "category_id": 2, "bbox": [20, 10, 10, 10], "area": 100,
             "iscrowd": 0, "segmentation": [[20, 10, 30, 10, 30, 20, 20, 20]]},
            {"id": 3, "image_id": 2, "category_id": 1, "bbox": [5, 5, 20, 20], "area": 400,
             "iscrowd": 0, "segmentation": rle(square(40, 50, 5, 25, 5, 25))}]}


def base_pred() -> list:
    return [{"image_id": a["image_id"], "category_id": a["category_id"], "bbox": a["bbox"],
             "score": 0.9 - 0.1 * k, "segmentation": a["segmentation"]}
            for k, a in enumerate(base_gt()["annotations"])]


def det(name, gt=None, pred=None, codes=(0, 2), mentions=(), **kw) -> Case:
    files = {"gt.json": base_gt() if gt is None else gt}
    if pred is not False:
        files["pred.json"] = base_pred() if pred is None else pred
    return Case(name, files, detection_init(pred is not False), frozenset(codes),
                tuple(mentions), **kw)


def with_gt_ann(i: int, **fields) -> dict:
    gt = base_gt()
    gt["annotations"][i].update(fields)
    return gt


def with_pred(i: int, **fields) -> list:
    preds = base_pred()
    preds[i].update(fields)
    for k, v in fields.items():
        if v is _DROP:
            del preds[i][k]
    return preds


_DROP = object()
OVERLONG = rle(square(60, 40, 2, 40, 2, 12))["counts"]  # 2400 pixels of runs
SHORT = rle(square(10, 10, 2, 5, 2, 5))["counts"]       # 100 pixels of runs


def rle_cases() -> list[Case]:
    """Compressed and uncompressed RLEs pycocotools cannot read (the first one hung it)."""
    bad = {
        "overlong": ({"size": [30, 40], "counts": OVERLONG}, "counts sum to 2400"),
        "short": ({"size": [30, 40], "counts": SHORT}, "counts sum to 100"),
        "truncated": ({"size": [30, 40], "counts": "0PPP"}, "not a valid COCO RLE string"),
        "non_ascii": ({"size": [30, 40], "counts": "0\u00e9"}, "not a valid COCO RLE string"),
        "long_number": ({"size": [30, 40], "counts": "PPPPPPP0"}, "not a valid COCO RLE string"),
        "negative_run": ({"size": [30, 40], "counts": "100O"}, "negative run"),
        "list_negative": ({"size": [30, 40], "counts": [1200, -1, 1]}, "non-negative"),
        "list_beyond_32_bits": ({"size": [30, 40], "counts": [2**40, 1]}, "counts sum to"),
        "list_bool": ({"size": [30, 40], "counts": [True, 1199]}, "non-negative"),
        "list_float": ({"size": [30, 40], "counts": [600.0, 600]}, "non-negative"),
        "size_mismatch": ({"size": [10, 10], "counts": SHORT}, "does not match the image size"),
        "size_negative": ({"size": [-30, 40], "counts": SHORT}, "no valid 'size'"),
        "size_huge": ({"size": [2**40, 4], "counts": "0"}, "no valid 'size'"),
        "size_text": ({"size": "30x40", "counts": SHORT}, "no valid 'size'"),
        "counts_null": ({"size": [30, 40], "counts": None}, "no 'counts'"),
    }
    cases = []
    for key, (seg, why) in bad.items():
        cases.append(det(f"rle_gt_{key}", gt=with_gt_ann(1, segmentation=seg),
                         mentions=["gt.json: annotations[1] (id 2): segmentation", why]))
        cases.append(det(f"rle_pred_{key}", pred=with_pred(0, segmentation=seg),
                         mentions=["pred.json: prediction 0: segmentation", why]))
    cases.append(det("rle_pred_without_box", pred=with_pred(
        0, segmentation={"size": [30, 40], "counts": OVERLONG}, bbox=_DROP),
        mentions=["pred.json: prediction 0: segmentation RLE counts sum to 2400"]))
    huge = {"images": [{"id": 1, "file_name": "a.jpg", "width": 20000, "height": 20000}],
            "categories": [{"id": 1, "name": "x"}],
            "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 5, 5],
                             "area": 25, "iscrowd": 0,
                             "segmentation": [[0, 0, 5, 0, 5, 5], [9, 9, 12, 9, 12, 12]]}]}
    cases.append(det("mask_on_a_20000x20000_image", gt=huge, pred=False,
                     mentions=["gt.json: annotations[0] (id 1): segmentation mask of "
                               "20000x20000 pixels"]))
    unknown = copy.deepcopy(huge)
    del unknown["images"][0]["width"]
    unknown["annotations"][0]["segmentation"][0] = [0, 0, 9e5, 0, 0, 9e5]
    del unknown["annotations"][0]["area"]
    cases.append(det("polygon_far_out_on_an_image_of_unknown_size", gt=unknown, pred=False,
                     mentions=["gt.json: annotations[0] (id 1): segmentation mask of"]))
    far = [[0, 0, 5, 0, 5, 5, -900000, 5]]
    cases.append(det("polygon_vertex_far_outside", gt=with_gt_ann(1, segmentation=far),
                     pred=with_pred(1, segmentation=far),
                     mentions=["gt.json: annotations[1] (id 2): segmentation polygon outline",
                               "pred.json: prediction 1: segmentation polygon outline"]))
    no_width = base_gt()  # a polygon rasterised at 30 x 0 gave pycocotools runs that hung iou
    del no_width["images"][0]["width"]
    preds = base_pred()
    preds[1]["segmentation"] = [[0, 0, 5, 0, 5, 5]]
    cases.append(det("polygons_on_an_image_without_width", gt=no_width, pred=preds, codes=(0,),
                     mentions=["gt.json: images[0] (id 1): width is missing"]))
    boxy = with_gt_ann(0, bbox=[0, 0, 1e308, 1e308], segmentation=None)
    cases.append(det("box_only_gt_with_an_absurd_box_among_masks", gt=boxy, codes=(0,)))
    wide = base_gt()  # a 2**31-1 x 3 image, predictions on it without masks among masked ones
    wide["images"][1].update(width=2**31 - 1, height=3)
    wide["annotations"][2]["segmentation"] = None
    preds = base_pred()
    del preds[2]["segmentation"]
    cases.append(det("mixed_masks_on_a_2e9_pixel_wide_image", gt=wide, pred=preds, codes=(0,)))
    return cases


# ---------------------------------------------------------------- ids, sizes, structure

ODD_VALUES = {"float": 1.5, "bool": True, "null": None, "list": [1], "object": {"id": 1},
              "huge": 2**70, "huge_negative": -(2**70), "nan_text": "NaN", "empty_text": ""}


def id_cases() -> list[Case]:
    cases = []
    for key, value in ODD_VALUES.items():
        gt = base_gt()
        gt["images"].append({"id": value, "file_name": "c.jpg", "width": 10, "height": 10})
        text_ok = type(value) is str
        cases.append(det(f"image_id_{key}", gt=gt,
                         mentions=[] if text_ok else ["gt.json: images[2]"]))
        gt = base_gt()
        gt["categories"].append({"id": value, "name": "odd"})
        cases.append(det(f"category_id_{key}", gt=gt, mentions=["gt.json: categories[2]"]))
        gt = base_gt()
        gt["annotations"][1]["id"] = value
        cases.append(det(f"annotation_id_{key}", gt=gt,
                         mentions=["gt.json: annotations[1]"]))
        cases.append(det(f"prediction_image_id_{key}", pred=with_pred(1, image_id=value),
                         mentions=[] if text_ok else ["pred.json: prediction 1"]))
    only = base_gt()
    only["images"] = [{"id": 2**70, "file_name": "a.jpg", "width": 40, "height": 30}]
    cases.append(det("only_image_beyond_64_bits", gt=only, codes=(2,),
                     mentions=["no usable entry in 'images'", "images[0] (id 1180591620717411303424)"]))
    twins = base_gt()
    twins["images"].append({"id": "1", "file_name": "c.jpg", "width": 10, "height": 10})
    twins["annotations"].append({"id": 9, "image_id": "1", "category_id": 1, "bbox": [1, 1, 2, 2],
                                 "area": 4, "iscrowd": 0})
    cases.append(det("image_ids_1_and_text_1", gt=twins, codes=(0,),
                     mentions=["gt.json: images[2] (id '1'): duplicate image id '1'"],
                     extra=[["tag", "{d}/proj", "1", "hard"], ["stats", "{d}/proj"],
                            ["export", "{d}/proj", "--out", "{d}/out"]]))
    cases.append(det("no_category", gt=dict(base_gt(), categories=[]), codes=(2,),
                     mentions=["gt.json: no usable category"]))
    return cases


def size_cases() -> list[Case]:
    cases = []
    for key, value in {"zero": 0, "negative": -40, "huge": 2**40, "float": 40.5, "text": "40",
                       "null": None, "nan": float("nan")}.items():
        gt = base_gt()
        gt["images"][0]["width"] = value
        cases.append(det(f"image_width_{key}", gt=gt, mentions=["gt.json: images[0] (id 1)"]))
    for key, box in {"negative": [1, 1, -5, 5], "nan": [1, float("nan"), 5, 5],
                     "inf": [1, 1, float("inf"), 5], "huge": [0, 0, 1e308, 1e308],
                     "short": [1, 2], "text": "1 2 3 4"}.items():
        valid = key == "huge"  # finite numbers: accepted, areas may be infinite
        cases.append(det(f"bbox_{key}", gt=with_gt_ann(0, bbox=box),
                         mentions=[] if valid else ["gt.json: annotations[0] (id 1): bbox"]))
        cases.append(det(f"pred_bbox_{key}", pred=with_pred(0, bbox=box),
                         mentions=[] if valid else ["pred.json: prediction 0: bbox"]))
    many = base_gt()
    many["annotations"] += [{"id": 100 + k, "image_id": 1, "category_id": 1,
                             "bbox": [0, 0, -1, 1], "area": 1} for k in range(3000)]
    cases.append(det("three_thousand_bad_entries", gt=many,
                     mentions=["… and 2000 more: bbox width is negative"]))
    return cases


def structure_cases() -> list[Case]:
    def raw(name, content, which="gt", mention="not valid JSON", codes=(2,)):
        files = {"gt.json": content if which == "gt" else base_gt(),
                 "pred.json": content if which == "pred" else base_pred()}
        return Case(name, files, detection_init(), frozenset(codes), (mention,))
    return [
        raw("gt_truncated", json.dumps(base_gt()).encode()[:150]),
        raw("gt_empty_file", b""),
        raw("gt_binary", bytes(range(256)) * 4),
        raw("gt_deeply_nested", b"[" * 100000 + b"]" * 100000),
        raw("gt_top_level_list", b"[]", mention="expected a COCO instances object"),
        raw("gt_images_not_a_list", json.dumps({"images": {}}).encode(),
            mention="expected a COCO instances object"),
        raw("gt_annotations_not_a_list", json.dumps(dict(base_gt(), annotations=5)).encode(),
            mention="'annotations' is a number, not a list", codes=(0,)),
        raw("gt_entries_not_objects", json.dumps(dict(base_gt(), annotations=[1, "a", None]))
            .encode(), mention="annotations[0]: entry is not a JSON object", codes=(0,)),
        raw("pred_truncated", json.dumps(base_pred()).encode()[:90], which="pred"),
        raw("pred_top_level_number", b"5", which="pred", mention="expected a COCO results list"),
        raw("pred_dict_without_annotations", b'{"images": []}', which="pred",
            mention="expected a COCO results list"),
        raw("pred_entries_not_objects", b"[1, [2], null]", which="pred", codes=(0,),
            mention="prediction 0: entry is not a JSON object"),
    ]


def foreign_cases() -> list[Case]:
    """Predictions of another dataset: refused in one line, exit 2."""
    overlap = base_pred() + [dict(p, image_id=p["image_id"] + 10) for p in base_pred()] \
        + [dict(p, image_id=20) for p in base_pred()]
    elsewhere = [dict(p, image_id=p["image_id"] + 100) for p in base_pred()]
    classes = [dict(p, category_id=p["category_id"] + 50) for p in base_pred()]
    dataset = {"images": [{"id": 1, "file_name": "zzz.jpg"}, {"id": 2, "file_name": "yyy.jpg"}],
               "categories": [{"id": 1, "name": "cat"}],
               "annotations": [dict(p, id=k + 1) for k, p in enumerate(base_pred())]}
    one_line = "do not belong to"
    return [det("pred_other_dataset_overlapping_ids", pred=overlap, codes=(2,),
                mentions=[one_line, "6 of its 9 predictions name an image_id"]),
            det("pred_images_the_gt_lacks", pred=elsewhere, codes=(2,), mentions=[one_line]),
            det("pred_categories_disjoint", pred=classes, codes=(2,),
                mentions=[one_line, "none of its category_id values"]),
            det("pred_dataset_file_names_disagree", pred=dataset, codes=(2,),
                mentions=[one_line])]


# ---------------------------------------------------------------- semantic label PNGs


def _png(array) -> callable:
    def write(path):
        Image.fromarray(array).save(path)
    return write


def png_claiming(w: int, h: int, bitdepth: int = 8) -> callable:
    """A PNG whose header claims w x h pixels but whose data holds two rows (a bomb's shape)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    def write(path):
        rows = zlib.compress(b"\x00" * (w * bitdepth // 8 + 1) * 2)
        path.write_bytes(b"\x89PNG\r\n\x1a\n"
                         + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, bitdepth, 0, 0, 0, 0))
                         + chunk(b"IDAT", rows) + chunk(b"IEND", b""))
    return write


def _jpeg(array) -> callable:
    def write(path):
        Image.fromarray(array).save(path, format="JPEG")
    return write


def sem(name, gt_masks, pred_masks=None, classes=None, codes=(0, 2), mentions=()) -> Case:
    ok = np.zeros((8, 8), np.uint8)
    ok[2:5] = 1
    files = {}
    for i, g in enumerate(gt_masks):
        files[f"images/im{i}.png"] = _png(np.zeros((8, 8, 3), np.uint8))
        files[f"gt/im{i}.png"] = g if callable(g) else _png(g)
        p = (pred_masks or [ok] * len(gt_masks))[i]
        files[f"pred/im{i}.png"] = p if callable(p) else _png(p)
    init = ["--images", "{d}/images", "--gt", "{d}/gt", "--pred", "{d}/pred", "--task",
            "segmentation"]
    if classes is not None:
        files["classes" + (".json" if isinstance(classes, dict) else ".txt")] = (
            classes if isinstance(classes, dict | bytes) else classes.encode())
        init += ["--classes", "{d}/classes" + (".json" if isinstance(classes, dict) else ".txt")]
    return Case(name, files, init, frozenset(codes), tuple(mentions))


def semantic_cases() -> list[Case]:
    ok = np.zeros((8, 8), np.uint8)
    ok[2:5] = 1
    v60000 = np.zeros((8, 8), np.uint16)
    v60000[0, 0] = 60000
    small = np.zeros((4, 4), np.uint8)
    names = "\n".join(f"class{i}" for i in range(70000))
    return [
        sem("label_value_60000_without_classes", [v60000, ok],
            mentions=["gt/im0.png: image im0: label value 60000"]),
        sem("only_label_value_60000", [v60000], [v60000], codes=(2,),
            mentions=["no usable class", "gt/im0.png: image im0: label value 60000"]),
        sem("label_value_60000_with_classes", [v60000, ok], classes="background\nthing",
            codes=(0,), mentions=["gt/im0.png: image im0: 1 pixels have values (60000)"]),
        sem("png_header_claims_60000x60000", [png_claiming(60000, 60000), ok],
            mentions=["gt/im0.png: image im0:"]),
        sem("png_header_claims_12000x12000_16_bit", [ok, png_claiming(12000, 12000, 16)],
            mentions=["gt/im1.png: image im1: the PNG header claims 12000x12000"]),
        sem("jpeg_named_png", [_jpeg(ok * 100), ok],
            mentions=["gt/im0.png: image im0: not a PNG file (the data is JPEG)"]),
        sem("truncated_png", [lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00"), ok],
            mentions=["gt/im0.png: image im0:"]),
        sem("classes_file_of_70000_names", [ok], classes=names, codes=(2,),
            mentions=["classes.txt: line 2049: class index 2048 (the file lists 70000 classes)"]),
        sem("classes_index_1e8", [ok], classes={"0": "a", "100000000": "b"}, codes=(2,),
            mentions=["classes.json: ['100000000']: class index 100000000"]),
        sem("classes_file_binary", [ok], classes=b"\xff\xfe\x00\x01\x80", codes=(0,),
            mentions=["classes.txt"]),
        sem("every_mask_the_wrong_size", [small, small], [small, small], classes="a\nb",
            codes=(0,), mentions=["gt/im0.png: image im0: mask is 4x4 but the image is 8x8"]),
    ]


def all_cases() -> list[Case]:
    return (rle_cases() + id_cases() + size_cases() + structure_cases() + foreign_cases()
            + semantic_cases())
