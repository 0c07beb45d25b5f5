"""LabelMe JSON: one file per image (``{"shapes": [...], "imagePath", "imageHeight",
"imageWidth", ...}``), a folder of them or one file.

Shapes read: ``rectangle`` (two corners) -> a box; ``polygon`` (3+ points) -> a polygon mask;
``mask`` (a base64 PNG of the region between its two corner points, inclusive) -> an RLE mask.
Shapes sharing a ``group_id`` and a label are one object (as labelme's own COCO conversion
merges them): its mask holds every part. Other shape types (circle, line, point, linestrip) are
not regions of an object: each is a problem, skipped. Kept as extra fields: ``group_id``,
``description``, ``flags`` (a ``crowd`` / ``iscrowd`` flag set to true reads as COCO's
``iscrowd``) and any other key of the shape. Images: ``imagePath`` (relative to the JSON file)
found in the images folder (by relative path, else by file name); sizes from
``imageHeight`` / ``imageWidth``, else the image header.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
from pathlib import Path, PureWindowsPath

import numpy as np

from reviewer.core.masks import encode
from reviewer.core.problems import InputError
from reviewer.formats import Loaded, register
from reviewer.formats._files import keyed_files
from reviewer.formats._tables import RawSet, build_gt, image_size, index_images, number
from reviewer.formats.classes import read_names
from reviewer.formats.coco import peek_json

REGION_SHAPES = ("rectangle", "polygon", "mask")
_CORE = {"label", "points", "shape_type", "group_id", "flags", "description", "mask"}
MAX_FILE = 256 * 2**20
MAX_MASK_PIXELS = 2**27


def json_files(path: Path) -> dict[str, Path]:
    return {path.stem: path} if path.is_file() else keyed_files(path, ".json")


class LabelmeFormat:
    name = "labelme"
    task = "detection"
    roles = frozenset({"gt", "pred"})
    exports = True
    description = "LabelMe JSON: one file per image with rectangle / polygon / mask shapes"

    def sniff(self, path, role=None) -> tuple[bool, str]:
        path = Path(path)
        files = list(json_files(path).values())[:3] if path.exists() else []
        if not files:
            return False, "no .json file"
        kind, head = peek_json(files[0])
        if kind == "object" and '"shapes"' in head:
            return True, f"LabelMe files ({files[0].name}: 'shapes')"
        return False, f"{files[0].name} has no 'shapes' (not a LabelMe file)"

    def load(self, path, images_dir=None, role="gt", gt=None, classes=None, **options
             ) -> Loaded:
        path = Path(path)
        raw = RawSet()
        names = None
        if classes:
            names, found = read_names(classes)
            raw.problems += found
        images = index_images(images_dir) if images_dir and Path(images_dir).is_dir() else {}
        found_names: list[str] = []
        for key, file in json_files(path).items():
            _read_file(file, key, images, images_dir, role, raw, found_names)
        if role == "pred":
            if gt is None:
                raise InputError(f"{path}: predictions need the ground truth to join to")
            from reviewer.formats._tables import build_pred
            raw.images = []
            return build_pred(raw, path, gt, self.name, names)
        order = list(names) if names is not None else sorted(set(found_names))
        raw.assign_categories(order)
        return build_gt(raw, path, self.name, images_dir)

    def export(self, source, out, rows, problems=None):
        from reviewer.formats.labelme_export import export_labelme
        return export_labelme(source, out, rows)


def _load_json(file: Path, raw: RawSet) -> dict | None:
    try:
        if file.stat().st_size > MAX_FILE:
            raw.problem(file, "", f"larger than {MAX_FILE >> 20} MB; not read")
            return None
        data = json.loads(file.read_bytes().decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raw.problem(file, "", f"not a readable JSON file ({exc})")
        return None
    if not isinstance(data, dict) or not isinstance(data.get("shapes"), list):
        raw.problem(file, "", "not a LabelMe file (no 'shapes' list)")
        return None
    return data


def _image_entry(data: dict, file: Path, key: str, images: dict, images_dir, raw) -> dict:
    given = data.get("imagePath")
    name = None
    if isinstance(given, str) and given:
        rel = PureWindowsPath(given).as_posix()
        target = (file.parent / rel).resolve()
        if images_dir is not None:
            try:
                name = target.relative_to(Path(images_dir).resolve()).as_posix()
            except ValueError:
                name = None
        if name is None:
            stem = Path(rel).stem
            match = images.get(stem)
            name = match.relative_to(images_dir).as_posix() if match else Path(rel).name
    elif key in images:
        name = images[key].relative_to(images_dir).as_posix()
    else:
        name = key
        raw.problem(file, "imagePath", "missing: the image is looked up as "
                    f"{key}.*", "warning", key)
    w, h = (data.get("imageWidth"), data.get("imageHeight"))
    if not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in (w, h)):
        w, h = 0, 0
        if images_dir is not None:
            w, h, _ = image_size(Path(images_dir) / name)
    return {"id": key, "file_name": name, "width": w, "height": h, "_where": str(file)}


def _read_file(file: Path, key: str, images: dict, images_dir, role: str, raw: RawSet,
               found_names: list) -> None:
    data = _load_json(file, raw)
    if data is None:
        return
    entry = _image_entry(data, file, key, images, images_dir, raw)
    raw.images.append(entry)
    image_id = key if role == "gt" else entry["file_name"]
    objects: dict = {}
    for k, shape in enumerate(data["shapes"]):
        obj = _shape(shape, k, file, image_id, entry["height"], entry["width"], role, raw)
        if obj is None:
            continue
        group = shape.get("group_id")
        if group is not None and "segmentation" in obj and (obj["category"], group) in objects:
            first = objects[(obj["category"], group)]
            if not (isinstance(first["segmentation"], list)
                    and isinstance(obj["segmentation"], list)):
                raw.problem(file, f"shapes[{k}]", f"a mask shape in group {group} with other "
                            "parts: only the polygons' outline is merged, this part's pixels "
                            "are not added", "warning", image_id)
            _merge(first, obj)
            first.pop("group_id", None)  # the group made one object of its parts
            continue
        objects[(obj["category"], group if group is not None else ("#", k))] = obj
        found_names.append(obj["category"])
        raw.add(obj, str(file), f"shapes[{k}] ({obj['category']})")


def _merge(into: dict, part: dict) -> None:
    """A further part of a grouped object: its polygons join the object's, its box the union."""
    if isinstance(into.get("segmentation"), list) and isinstance(part["segmentation"], list):
        into["segmentation"] = into["segmentation"] + part["segmentation"]
    x0, y0, w0, h0 = into["bbox"]
    x1, y1, w1, h1 = part["bbox"]
    lo_x, lo_y = min(x0, x1), min(y0, y1)
    into["bbox"] = [lo_x, lo_y, max(x0 + w0, x1 + w1) - lo_x, max(y0 + h0, y1 + h1) - lo_y]


def _points(value) -> list[tuple[float, float]] | None:
    if not isinstance(value, list):
        return None
    out = []
    for p in value:
        if not isinstance(p, list | tuple) or len(p) != 2:
            return None
        x, y = (number(v) if not isinstance(v, bool) else None for v in p)
        if x is None or y is None:
            return None
        out.append((x, y))
    return out


def _shape(shape, k: int, file: Path, image_id, h: int, w: int, role: str, raw: RawSet):
    where = (str(file), f"shapes[{k}]")
    if not isinstance(shape, dict) or not isinstance(shape.get("label"), str):
        raw.problem(*where, "not a shape with a 'label' string", image_id=image_id)
        return None
    label = shape["label"]
    where = (where[0], f"{where[1]} ({label})")
    kind = shape.get("shape_type") or "polygon"
    if kind not in REGION_SHAPES:
        raw.problem(*where, f"shape_type {kind!r} is not a region (rectangle, polygon or mask); "
                    "skipped", "warning", image_id)
        return None
    pts = _points(shape.get("points"))
    need = 3 if kind == "polygon" else 2
    if pts is None or len(pts) < need or (kind != "polygon" and len(pts) != 2):
        raw.problem(*where, f"{kind} needs {'3 or more' if need == 3 else 'two'} [x, y] "
                    "points", image_id=image_id)
        return None
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    obj = {"image_id": image_id, "category": label,
           "bbox": [min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)]}
    if kind == "polygon":
        obj["segmentation"] = [[c for p in pts for c in p]]
    elif kind == "mask":
        found = _mask(shape.get("mask"), pts, h, w, where, image_id, raw)
        if found is None:
            return None
        obj["segmentation"], obj["bbox"] = found
    _extras(shape, obj, role)
    return obj


def _extras(shape: dict, obj: dict, role: str) -> None:
    flags = dict(shape.get("flags")) if isinstance(shape.get("flags"), dict) else {}
    crowd = bool(flags.pop("crowd", False)) | bool(flags.pop("iscrowd", False))
    if role == "gt":
        obj["iscrowd"] = int(crowd)
    if flags:
        obj["flags"] = flags
    if shape.get("group_id") is not None:
        obj["group_id"] = shape["group_id"]  # dropped again when the group has several parts
    if shape.get("description"):
        obj["description"] = shape["description"]
    for key, value in shape.items():
        if key not in _CORE and key not in obj:
            if role == "pred" and key in ("score", "confidence"):
                obj["score"] = value
            else:
                obj[key] = value


def _mask(value, pts, h: int, w: int, where, image_id, raw: RawSet):
    """A LabelMe mask shape -> (COCO RLE of the whole image, xywh box of its pixels), or None
    (reported)."""
    from PIL import Image
    if not isinstance(value, str) or h <= 0 or w <= 0:
        raw.problem(*where, "mask shape without base64 PNG data or image size", image_id=image_id)
        return None
    try:
        png = base64.b64decode(value, validate=True)
        with Image.open(io.BytesIO(png)) as im:
            if im.size[0] * im.size[1] >= MAX_MASK_PIXELS:
                raise ValueError(f"the PNG claims {im.size[0]}x{im.size[1]} pixels")
            crop = np.asarray(im.convert("L")) > 0
    except (binascii.Error, OSError, ValueError, SyntaxError, Image.DecompressionBombError) as e:
        raw.problem(*where, f"mask data is not a base64 PNG ({e})", image_id=image_id)
        return None
    x1, y1 = int(round(pts[0][0])), int(round(pts[0][1]))
    mh, mw = crop.shape
    if x1 < 0 or y1 < 0 or x1 + mw > w or y1 + mh > h:
        raw.problem(*where, f"mask ({mw}x{mh} at {x1},{y1}) does not fit the {w}x{h} image",
                    image_id=image_id)
        return None
    full = np.zeros((h, w), bool)
    full[y1:y1 + mh, x1:x1 + mw] = crop
    rle = encode(full)
    counts = rle["counts"]
    ys, xs = np.nonzero(crop)
    box = [float(x1 + xs.min()), float(y1 + ys.min()), float(xs.max() - xs.min() + 1),
           float(ys.max() - ys.min() + 1)] if len(xs) else [float(x1), float(y1), 0.0, 0.0]
    return {"size": [h, w], "counts": counts.decode("ascii") if isinstance(counts, bytes)
            else counts}, box


register(LabelmeFormat())
