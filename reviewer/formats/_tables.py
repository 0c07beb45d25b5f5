"""From what a format reader found to the COCO loader's tables, through the COCO loader's checks.

A reader turns its files into ``RawSet``: image entries, categories, and one COCO-style
annotation dict per object (``image_id``, ``category_id``, ``bbox`` xywh in pixels, optional
``segmentation`` / ``iscrowd`` / ``score``, and the fields to keep verbatim as extra fields),
each with its place in the files (``labels/img_7.txt``, ``line 3``). ``build_gt`` /
``build_pred`` then run ``io.coco_annotations.parse_annotations`` on them — the same checks,
areas, ids and extra fields as a COCO file gets — and name every problem by file and entry.
Predictions name their image by key (id, file name or stem) and their class by name or index;
``join_predictions`` maps them to the ground truth's rows (unknown ones become problems, a file of
another dataset is refused as ``io.coco_foreign`` refuses one).
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from reviewer.core.problems import InputError, Problem
from reviewer.core.tables import AnnotationTable, CategoryTable, ImageTable
from reviewer.formats import Loaded
from reviewer.formats._files import walk_files
from reviewer.io.coco_annotations import Entries, Join, parse_annotations
from reviewer.io.coco_foreign import check_same_dataset
from reviewer.io.coco_validate import ProblemLog
from reviewer.io.images import ImageError, check_image, read_info

IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")
_NO_AREA = "no annotation has an 'area'"


@dataclass
class RawSet:
    """What a reader found. images: dicts with ``id``, ``file_name``, ``width``, ``height`` (0
    when unknown) and extra fields; categories: dicts with ``id``, ``name`` and extra fields;
    anns: COCO-style dicts; where: per ann its (file, entry) for messages."""

    images: list = field(default_factory=list)
    categories: list = field(default_factory=list)
    anns: list = field(default_factory=list)
    where: list = field(default_factory=list)
    problems: list = field(default_factory=list)

    def add(self, ann: dict, file: str, entry: str) -> None:
        self.anns.append(ann)
        self.where.append((file, entry))

    def problem(self, file: str, entry: str, message: str, severity: str = "error",
                image_id=None) -> None:
        self.problems.append(Problem(str(file), entry, message, severity, image_id))

    def assign_categories(self, order: list[str], word: str = "label") -> None:
        """Each annotation's class name (key ``category``) -> ``category_id`` (1 + its position
        in ``order``); one whose name is not in ``order`` becomes a problem ("{word} is not in
        the classes file") and is dropped. ``categories`` becomes ``order``."""
        index = {n: k + 1 for k, n in enumerate(order)}
        keep, where = [], []
        for a, loc in zip(self.anns, self.where, strict=True):
            cid = index.get(a.pop("category"))
            if cid is None:
                self.problem(*loc, f"{word} is not in the classes file", image_id=a["image_id"])
                continue
            a["category_id"] = cid
            keep.append(a)
            where.append(loc)
        self.anns, self.where = keep, where
        self.categories = [{"id": k + 1, "name": n} for k, n in enumerate(order)]


class _Located:
    """Entry names for ``parse_annotations`` (it calls ``style.format(i=i)``) that remember
    which file and entry each name stands for, so problems can be put back in their file."""

    def __init__(self, where: list):
        self.where = where
        self.names: dict[str, tuple[str, str]] = {}

    def format(self, i: int) -> str:
        file, entry = self.where[i]
        name = f"{file} {entry}"
        self.names[name] = (file, entry)
        return name

    def relocate(self, problems: list[Problem]) -> list[Problem]:
        out = []
        for p in problems:
            if p.message.startswith(_NO_AREA):
                continue  # formats without an area field: areas computed as COCO does
            key = p.entry.split(" (id ")[0]
            if key in self.names:
                file, entry = self.names[key]
                p = Problem(file, entry, p.message, p.severity, p.image_id)
            out.append(p)
        return out


def _objects(values: list) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def image_table(entries: list[dict]) -> ImageTable:
    core = ("id", "file_name", "width", "height")
    return ImageTable(_objects([e["id"] for e in entries]),
                      _objects([e["file_name"] for e in entries]),
                      np.array([int(e.get("width") or 0) for e in entries], np.int64),
                      np.array([int(e.get("height") or 0) for e in entries], np.int64),
                      [{k: v for k, v in e.items() if k not in core} for e in entries])


def category_table(entries: list[dict]) -> CategoryTable:
    return CategoryTable(np.array([int(e["id"]) for e in entries], np.int64),
                         _objects([str(e["name"]) for e in entries]),
                         [{k: v for k, v in e.items() if k not in ("id", "name")}
                          for e in entries])


def _parse(raw: RawSet, images: ImageTable, join: Join, path, is_pred: bool
           ) -> tuple[AnnotationTable, list[Problem]]:
    for k, a in enumerate(raw.anns):
        a.setdefault("id", k + 1)
    log = ProblemLog(str(path))
    namer = _Located(raw.where)
    table = parse_annotations(Entries(raw.anns), join, images, log, is_pred=is_pred, style=namer)
    return table, namer.relocate(log.problems())


def build_gt(raw: RawSet, path, fmt: str, images_dir=None) -> Loaded:
    """RawSet of ground truth -> Loaded; InputError when no image or no category is usable."""
    _drop_repeated_images(raw)
    if not raw.images:
        raise InputError(f"{path}: no usable image", raw.problems)
    if not raw.categories:
        raise InputError(f"{path}: no usable category (no object names a class, and no classes "
                         "file was found)", raw.problems)
    images = image_table(_strip(raw.images))
    categories = category_table(raw.categories)
    join = Join(images.index_of(), categories.index_of(), "in this file")
    gt, found = _parse(raw, images, join, path, is_pred=False)
    problems = raw.problems + found
    if images_dir is not None:
        problems += check_image_files(raw.images, images_dir)
    return Loaded(images, categories, gt, problems, fmt)


def _drop_repeated_images(raw: RawSet) -> None:
    """An image id (as text) or file name given twice: the later entry and its objects are
    dropped (the review keeps its state by both)."""
    seen_ids: dict[str, str] = {}
    seen_names: dict[str, str] = {}
    dropped = set()
    keep = []
    for e in raw.images:
        where = e.get("_where", "")
        first = seen_ids.get(str(e["id"])) or seen_names.get(str(e["file_name"]))
        if first is not None:
            raw.problem(where, f"image {e['id']}", f"the image {e['file_name']!r} (id "
                        f"{e['id']!r}) is given twice (first in {first}); this one is dropped")
            dropped.add(id(e))
            continue
        seen_ids[str(e["id"])] = seen_names[str(e["file_name"])] = where or "an earlier entry"
        keep.append(e)
    if dropped:
        gone = {e["id"] for e in raw.images if id(e) in dropped}
        kept = [(a, w) for a, w in zip(raw.anns, raw.where, strict=True)
                if a["image_id"] not in gone or any(k["id"] == a["image_id"] for k in keep)]
        raw.anns, raw.where = [a for a, _ in kept], [w for _, w in kept]
    raw.images = keep


def _strip(entries: list[dict]) -> list[dict]:
    return [{k: v for k, v in e.items() if not k.startswith("_")} for e in entries]


def build_pred(raw: RawSet, path, gt: Loaded, fmt: str, names: list[str] | None = None
               ) -> Loaded:
    """RawSet of predictions (``image_id``: a key, ``category``: a name or index) -> Loaded,
    joined to the ground truth ``gt``."""
    join = join_predictions(raw, gt, path, names)
    table, found = _parse(raw, gt.images, join, path, is_pred=True)
    problems = raw.problems + found
    if raw.anns and not len(table):
        problems.append(Problem(str(path), "", f"none of the {len(raw.anns)} predictions "
                                "could be used"))
    return Loaded(gt.images, gt.categories, table, problems, fmt)


class ImageKeys:
    """Finds a ground-truth image row from what a prediction file calls it: its id, its file
    name, its file name without extension, or its base name (with or without extension) when
    that is unique."""

    def __init__(self, images: ImageTable):
        self.rows: dict[str, int] = {}
        loose: dict[str, list[int]] = {}
        for r, (i, name) in enumerate(zip(images.ids.tolist(), images.file_names.tolist(),
                                          strict=True)):
            name = str(name).replace("\\", "/")
            for key in (str(i), name, posixpath.splitext(name)[0]):
                self.rows.setdefault(key, r)
            base = posixpath.basename(name)
            for key in (base, posixpath.splitext(base)[0]):
                loose.setdefault(key, []).append(r)
        self.loose = {k: v[0] for k, v in loose.items() if len(v) == 1}

    def find(self, key) -> int | None:
        key = str(key).replace("\\", "/")
        row = self.rows.get(key)
        if row is None:
            row = self.loose.get(key)
        if row is None:
            base = posixpath.basename(key)
            row = self.loose.get(base, self.loose.get(posixpath.splitext(base)[0]))
        return row


def class_rows(categories: CategoryTable, names: list[str] | None
               ) -> tuple[callable, str | None]:
    """How a prediction's class (a name, or an index into ``names``) finds a GT category row:
    (lookup(value) -> row or None, a warning when indices are mapped by position)."""
    by_name = categories.index_by_name()
    folded = {}
    for n, r in by_name.items():
        folded.setdefault(n.strip().casefold(), r)
    by_id = categories.index_of()
    note = None
    if names is None:
        ids = set(by_id)
        if not ids or min(ids) != 0 or max(ids) != len(ids) - 1:
            note = ("class indices are mapped to the ground truth's categories in file order "
                    "(give --classes with the model's class names to map them by name)")

    def lookup(value):
        if isinstance(value, str):
            return by_name.get(value, folded.get(value.strip().casefold()))
        if names is not None:
            return lookup(names[value]) if 0 <= value < len(names) else None
        if note is None:
            return by_id.get(value)
        return value if 0 <= value < len(categories) else None

    return lookup, note


def join_predictions(raw: RawSet, gt: Loaded, path, names: list[str] | None) -> Join:
    """Resolve every prediction's image key and class to GT ids (in place; predictions of an
    unknown image or class are reported and dropped) and refuse the file when it belongs to
    another dataset (``check_same_dataset``)."""
    keys = ImageKeys(gt.images)
    lookup, note = class_rows(gt.categories, names)
    cat_ids = gt.categories.ids.tolist()
    img_ids = gt.images.ids.tolist()
    probe, kept, where = [], [], []
    for a, (file, entry) in zip(raw.anns, raw.where, strict=True):
        row, cls = keys.find(a["image_id"]), a.pop("category")
        c = lookup(cls)
        probe.append({"image_id": -1 if row is None else row, "category_id": -1 if c is None
                      else c})
        if row is None:
            raw.problem(file, entry, f"image {a['image_id']!r} is not in the ground truth")
        elif c is None:
            raw.problem(file, entry, f"class {cls!r} is not a category of the ground truth"
                        + ("" if isinstance(cls, str) or names is None
                           else f" (class names: {len(names)})"), image_id=img_ids[row])
        else:
            a["image_id"], a["category_id"] = img_ids[row], cat_ids[c]
            kept.append(a)
            where.append((file, entry))
    check_same_dataset(Entries(probe), Join({r: r for r in range(len(img_ids))},
                                   {r: r for r in range(len(cat_ids))}), str(path),
                       "the ground truth")
    if note and raw.anns:
        raw.problem(path, "", note, "warning")
    raw.anns, raw.where = kept, where
    return Join(gt.images.index_of(), gt.categories.index_of(), "in the ground truth")


def check_image_files(entries: list[dict], images_dir) -> list[Problem]:
    """Warnings for image files that are missing, unreadable or of another size than the
    annotation file says (headers only). Entries carry ``_where`` (the annotation file)."""
    root = Path(images_dir)
    if not root.is_dir():
        return [Problem(str(root), "", "images folder not found", "warning")]
    out, missing = [], []
    for e in entries:
        path = root / e["file_name"]
        where = e.get("_where", str(path))
        if not path.is_file():
            missing.append(Problem(where, f"image {e['id']}", f"image file not found: {path}",
                                   "warning", e["id"]))
            continue
        kind, message = check_image(path, (int(e.get("width") or 0), int(e.get("height") or 0)))
        if kind:
            out.append(Problem(where, f"image {e['id']}", f"{message} ({path})", "warning",
                               e["id"]))
    if len(missing) == len(entries) > 1:
        return [Problem(str(root), "", f"none of the {len(entries)} image files is in {root}; "
                        "evaluation works, images cannot be shown", "warning")]
    return missing + out


def index_images(images_dir, problems: list | None = None) -> dict[str, Path]:
    """Map key (path relative to ``images_dir`` without extension, posix) -> image file."""
    root = Path(images_dir)
    found: dict[str, Path] = {}
    for p in walk_files(root, IMAGE_EXTS):
        key = p.relative_to(root).with_suffix("").as_posix()
        if key in found and problems is not None:
            problems.append(Problem(str(p), "", f"same name as {found[key].name}; ignored",
                                    "warning"))
            continue
        found.setdefault(key, p)
    return found


def image_size(path: Path, oriented: bool = False) -> tuple[int, int, str]:
    """(width, height, "") from the header, or (0, 0, why) when unreadable. ``oriented``: the
    size after the EXIF orientation (what a viewer shows, as ultralytics measures images)."""
    try:
        info = read_info(path)
    except (ImageError, OSError) as exc:
        return 0, 0, str(exc)
    w, h = info.oriented_size if oriented else (info.width, info.height)
    return int(w), int(h), ""


def number(text: str) -> float | None:
    """A decimal number as float (``nan`` / ``inf`` included: checked later), else None."""
    try:
        return float(text)
    except (TypeError, ValueError):
        return None
