"""Load a classification project: GT labels, predictions, classes -> ``ClassificationDataset``.

Public API::

    load_classification(gt, pred=None, images_dir=None, classes=None, positive=None,
                        check_files=True) -> ClassificationDataset
    read_sizes(ds, images_dir, rows) -> ((n,) widths, (n,) heights)
    looks_like_gt(path) -> bool    # for guessing the task of a GT path

Inputs (see README "Image classification"): GT as a CSV / Parquet table (``image``, ``label``)
or an ImageFolder tree; predictions as a table (``gt_input``, ``pred_input``). Classes, in this
order: the classes file (``reviewer.io.semantic_classes.load_classes`` formats: JSON, one name
per line, an index/name table); else the probability columns in file order followed by the GT
labels that have none (sorted); for a top-1 or binary table, the sorted union of the GT labels
and the predicted labels (and the positive class); for an ImageFolder tree without
predictions, its class folders (sorted, as torchvision numbers them).

Images: the GT's images in file order, then images that only the predictions name and whose
file is in the images folder (images without a label, kept so they can be labelled). A
prediction for an image found nowhere is dropped. Bad entries are ``Problem``s naming the file
and the row; ``InputError`` only when no image remains, or when a prediction file gives no
usable prediction at all (foreign or unreadable predictions are said so in one line).

Image files: existence is checked with one directory listing per folder (``check_files``);
sizes are 0 (unknown) until ``read_sizes`` reads them from the file headers on demand
(``reviewer.io.images.read_info``), so a million images load without opening a file.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from reviewer.core.problems import InputError, Problem
from reviewer.core.tables import ImageTable
from reviewer.io.coco_validate import ProblemLog
from reviewer.io.images import ImageError, read_info

from . import pred_input as P
from .data import ClassificationDataset
from .gt_input import IMAGE_SUFFIXES, GtRows, read_gt
from .table_files import suffix_kind


def load_classification(gt, pred=None, images_dir=None, classes=None, positive=None,
                        check_files: bool = True) -> ClassificationDataset:
    """Read the inputs (see the module docstring); ``positive``: the positive class's name."""
    gt_log = ProblemLog(str(gt))
    rows = read_gt(gt, images_dir, gt_log)
    problems: list[Problem] = []
    known = _read_classes(classes, problems) if classes is not None else None
    gt_labels = {v for v in rows.labels if v is not None}
    preds, pred_log = None, None
    if pred is not None:
        layout = P.sniff_layout(str(pred), P.columns_of(pred), known, gt_labels)
        pred_log = ProblemLog(str(pred))
        preds = P.read_predictions(pred, layout, pred_log)
    names = _class_names(known, rows, preds, positive)
    pos = _positive_index(names, positive, preds)
    targets, gt_text = _targets(rows, names, gt_log)
    keys, dest, src = _match(rows, preds, images_dir, pred_log)
    images = _image_table(keys)
    if check_files and images_dir is not None:
        _check_files(images, images_dir, gt_log)
    n = len(keys)
    filled = _filled(preds, src, dest, n, names, pos, pred_log)
    if preds is not None:
        _report_unpredicted(rows, dest, gt_log)
    problems = gt_log.problems() + problems + (pred_log.problems() if pred_log else [])
    if preds is not None and not (filled.top1 >= 0).any():
        raise InputError(f"{pred}: none of its {len(preds.keys)} rows gives a usable prediction "
                         "for an image of the ground truth", problems)
    m = len(rows.keys)
    return ClassificationDataset(
        images=images, class_names=np.array(names, dtype=object),
        targets=_pad(targets, n, -1), probs=filled.probs, top1=filled.top1,
        top1_score=filled.top1_score, positive=pos,
        gt_extra={c: _pad(v, n, None) for c, v in rows.extra.items()},
        pred_extra=_pred_extra(preds, src, dest, n), gt_columns=rows.columns,
        gt_text=_pad(gt_text, n, None) if m else np.full(n, None, object), gt_images=m,
        problems=problems)


def _read_classes(path, problems: list) -> list[str]:
    from reviewer.io.semantic_classes import load_classes
    if not Path(path).is_file():
        raise InputError(f"{path}: classes file not found")
    result = load_classes(path)
    names, found = result[0], result[2]
    problems += found
    seen = {}
    for k, name in enumerate(names):
        if name in seen:
            problems.append(Problem(str(path), "", f"class {name!r} is listed twice (indices "
                                    f"{seen[name]} and {k}); the first is used"))
        seen.setdefault(name, k)
    if not names:
        raise InputError(f"{path}: no classes found", problems)
    return list(dict.fromkeys(names))


def _class_names(known, rows: GtRows, preds, positive) -> list[str]:
    if known is not None:
        return known
    gt_labels = sorted({v for v in rows.labels if v is not None} | set(rows.classes))
    if preds is None:
        return rows.classes + [g for g in gt_labels if g not in rows.classes]
    layout = preds.layout
    if layout.kind == "probs":
        cols = list(dict.fromkeys(layout.class_columns.values()))
        return cols + [g for g in gt_labels if g not in cols]
    if layout.kind == "top1":
        return sorted(set(gt_labels) | {v for v in P.predicted_labels(preds) if v is not None})
    if positive is not None and positive not in gt_labels and len(gt_labels) < 2:
        return sorted(set(gt_labels) | {positive})  # the GT names one class only
    return gt_labels


def _positive_index(names: list[str], positive, preds) -> int | None:
    binary = preds is not None and preds.layout.kind == "binary"
    if positive is None:
        if binary:
            raise InputError(f"{preds.raw.name}: a table with one probability column needs "
                             "the positive class it is the probability of (--positive)")
        return None
    if positive not in names:
        raise InputError(f"the positive class {positive!r} is not a class of the project "
                         f"(classes: {', '.join(names)})")
    if binary and len(names) != 2:
        raise InputError(f"{preds.raw.name}: one probability column needs exactly two classes; "
                         f"the project has {len(names)} ({', '.join(names)}): give a classes "
                         "file or one probability column per class")
    return names.index(positive)


def _targets(rows: GtRows, names: list[str], log: ProblemLog):
    """(M,) class index of each GT row (-1: none) and (M,) the label text of unknown classes."""
    index = pd.Index(names).get_indexer(pd.Index(rows.labels, dtype=object))
    index = np.asarray(index, np.int64)
    given = np.array([v is not None for v in rows.labels], bool)
    unknown = given & (index < 0)
    log.add_rows(np.flatnonzero(unknown), lambda r: rows.entries[r],
                 lambda r: f"image {rows.keys[r]!r}: label {rows.labels[r]!r} is not a class of "
                           "the classes file; kept as an image without a label",
                 kind="unknown class", image_id=lambda r: rows.keys[r])
    text = np.full(len(rows.keys), None, object)
    text[unknown] = rows.labels[unknown]
    return index, text


def _match(rows: GtRows, preds, images_dir, log):
    """(image keys (N,), image rows (p,), prediction rows (p,)) of the predictions used."""
    keys = rows.keys
    if preds is None:
        return keys, np.zeros(0, np.int64), np.zeros(0, np.int64)
    pk = preds.keys
    dest = np.asarray(pd.Index(keys, dtype=object).get_indexer(pd.Index(pk, dtype=object)),
                      np.int64)
    named = np.array([k is not None for k in pk], bool)
    log.add_rows(np.flatnonzero(~named), preds.entry, "no image name; row skipped")
    _by_file_name(keys, pk, dest, named)
    extra, dest = _prediction_only(keys, pk, dest, named, images_dir, preds, log)
    keys = np.concatenate([keys, np.array(extra, dtype=object)]) if extra else keys
    dup = np.zeros(len(pk), bool)
    has = dest >= 0
    dup[has] = pd.Index(dest[has]).duplicated(keep="first")
    log.add_rows(np.flatnonzero(dup), preds.entry,
                 lambda r: f"image {pk[r]!r} has a prediction already; row skipped",
                 kind="duplicate prediction", image_id=lambda r: pk[r])
    src = np.flatnonzero(has & ~dup)
    return keys, dest[src], src


def _by_file_name(keys, pk, dest, named) -> None:
    """Unmatched prediction rows matched by file name (the name alone on one side), when that
    name is one image's only."""
    todo = np.flatnonzero((dest < 0) & named)
    if not len(todo):
        return
    base = pd.Series(keys, dtype=object).str.rsplit("/", n=1).str[-1]
    unique = ~base.duplicated(keep=False)
    lookup = pd.Index(base[unique].to_numpy(dtype=object))
    rows_of = np.flatnonzero(unique.to_numpy())
    names = pd.Series(pk[todo], dtype=object).str.rsplit("/", n=1).str[-1]
    hit = np.asarray(lookup.get_indexer(pd.Index(names.to_numpy(dtype=object))), np.int64)
    dest[todo[hit >= 0]] = rows_of[hit[hit >= 0]]


def _prediction_only(keys, pk, dest, named, images_dir, preds, log):
    """Prediction rows naming no GT image: images without a label when their file is in the
    images folder (warning), else unknown images (dropped)."""
    todo = np.flatnonzero((dest < 0) & named)
    exists = _existing(pk[todo], images_dir) if len(todo) <= len(pk) - len(todo) else \
        np.zeros(len(todo), bool)
    extra: dict[str, int] = {}
    for r, ok in zip(todo.tolist(), exists.tolist(), strict=True):
        if ok:
            dest[r] = extra.setdefault(pk[r], len(keys) + len(extra))
    found = todo[exists]
    log.add_rows(found, preds.entry, lambda r: f"image {pk[r]!r} is not in the ground truth; "
                 "kept as an image without a label", severity="warning",
                 kind="image without a label", image_id=lambda r: pk[r])
    log.add_rows(todo[~exists], preds.entry,
                 lambda r: f"unknown image {pk[r]!r}: not in the ground truth"
                           + ("" if images_dir is None else " nor in the images folder")
                           + "; row skipped", kind="unknown image")
    return list(extra), dest


def _existing(names: np.ndarray, images_dir) -> np.ndarray:
    """(n,) bool: ``images_dir/name`` is a file (one directory listing per folder)."""
    if images_dir is None or not len(names):
        return np.zeros(len(names), bool)
    listings: dict[str, set] = {}
    out = np.zeros(len(names), bool)
    for i, name in enumerate(names.tolist()):
        folder, base = os.path.split(os.path.join(str(images_dir), name))
        if folder not in listings:
            listings[folder] = _files_in(folder)
        out[i] = base in listings[folder]
    return out


def _files_in(folder: str) -> set:
    try:
        with os.scandir(folder) as it:
            return {e.name for e in it if e.is_file()}
    except OSError:
        return set()


def _check_files(images: ImageTable, images_dir, log: ProblemLog) -> None:
    if not os.path.isdir(images_dir):
        log.add("", f"images folder not found: {images_dir}", severity="warning")
        return
    found = _existing(images.file_names, images_dir)
    if not found.any() and len(found) > 1:
        log.add("", f"none of the {len(found)} image files is in {images_dir}; evaluation "
                "works, images cannot be shown", severity="warning")
        return
    log.add_rows(np.flatnonzero(~found), lambda r: f"image {images.file_names[r]!r}",
                 lambda r: f"image file not found: {os.path.join(images_dir, images.file_names[r])}",
                 severity="warning", kind="image file not found", image_id=lambda r: images.ids[r])


def _report_unpredicted(rows: GtRows, dest: np.ndarray, log: ProblemLog) -> None:
    """GT images that no prediction row names (warning, on the GT's row)."""
    named = np.zeros(len(rows.keys), bool)
    named[dest[dest < len(rows.keys)]] = True
    log.add_rows(np.flatnonzero(~named), lambda r: rows.entries[r],
                 lambda r: f"image {rows.keys[r]!r} has no prediction", severity="warning",
                 kind="image without a prediction", image_id=lambda r: rows.keys[r])


def _image_table(keys: np.ndarray) -> ImageTable:
    n = len(keys)
    if n == 0:
        raise InputError("no image in the ground truth")
    return ImageTable(keys, keys.copy(), np.zeros(n, np.int64), np.zeros(n, np.int64), [])


def _filled(preds, src, dest, n, names, pos, log) -> P.Filled:
    if preds is None:
        return P.Filled(None, np.full(n, -1, np.int64), np.full(n, np.nan, np.float32))
    return P.fill(preds, src, dest, n, names, pos, log)


def _pred_extra(preds, src, dest, n) -> dict:
    if preds is None:
        return {}
    out = {}
    for column in preds.layout.extra:
        values = preds.raw.values(column)
        col = np.full(n, None, object) if values.dtype.kind in "OUSb" else \
            np.full(n, np.nan, np.float64)
        col[dest] = values[src]
        out[column] = col
    return out


def _pad(values: np.ndarray, n: int, fill) -> np.ndarray:
    """``values`` (m,) extended to (n,) with ``fill`` (prediction-only images)."""
    if len(values) == n:
        return values
    pad = np.full(n - len(values), fill, dtype=values.dtype if fill is not None else object)
    out = np.concatenate([values.astype(object) if fill is None else values, pad])
    return out


def looks_like_gt(path, sample: int = 50) -> bool:
    """Whether ``path`` looks like classification GT: a CSV / Parquet table, or a folder whose
    sub-folders (class folders) hold image files while the folder itself holds fewer loose
    images than class folders (a folder of label masks is segmentation's). Reads at most
    ``sample`` entries per folder."""
    path = Path(path)
    if path.is_file():
        return suffix_kind(path) != ""
    if not path.is_dir():
        return False
    try:
        entries = [e for _, e in zip(range(sample), os.scandir(path), strict=False)
                   if not e.name.startswith(".")]
    except OSError:
        return False
    folders = [e for e in entries if e.is_dir()]
    loose = sum(e.is_file() and e.name.lower().endswith(IMAGE_SUFFIXES) for e in entries)
    return loose < len(folders) and any(_holds_images(e.path, sample) for e in folders)


def _holds_images(folder: str, sample: int) -> bool:
    """Whether ``folder`` holds photos: image files, but not single-channel / palette PNGs
    (label masks in city folders, Cityscapes style, are segmentation's)."""
    try:
        with os.scandir(folder) as it:
            images = [e.path for _, e in zip(range(sample), it, strict=False)
                      if e.name.lower().endswith(IMAGE_SUFFIXES) and e.is_file()]
    except OSError:
        return False
    if not images:
        return False
    first = images[0]
    if not first.lower().endswith(".png"):
        return True
    try:
        from PIL import Image
        with Image.open(first) as im:  # reads the header only
            return im.mode in ("RGB", "RGBA")
    except (OSError, ValueError):
        return True


def read_sizes(ds: ClassificationDataset, images_dir, rows) -> tuple[np.ndarray, np.ndarray]:
    """(n,) widths and heights of image ``rows`` as a viewer shows them (EXIF applied), from
    the file headers (``reviewer.io.images.read_info``); 0 where a file is missing or not an
    image."""
    rows = np.asarray(rows, np.int64)
    w = np.zeros(len(rows), np.int64)
    h = np.zeros(len(rows), np.int64)
    for i, r in enumerate(rows.tolist()):
        try:
            info = read_info(os.path.join(str(images_dir), ds.images.file_names[r]))
        except (FileNotFoundError, ImageError, OSError):
            continue
        w[i], h[i] = info.oriented_size
    return w, h
