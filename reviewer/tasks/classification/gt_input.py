"""Ground-truth labels: a CSV / Parquet table (``image``, ``label``) or an ImageFolder tree.

``read_gt(path, images_dir, log)`` returns ``GtRows``: one row per usable image, in file order
(a tree: sorted paths). Image keys are POSIX paths relative to the images folder (``\\`` turned
into ``/``, a leading ``./`` dropped). Bad rows go to the ``ProblemLog``:

- no image name: dropped (error);
- no label: kept as an image without a label (warning);
- an image listed twice: the first row kept; with another label the later row is an error
  ("multi-label is not handled yet"), with the same label a warning.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from reviewer.core.problems import InputError
from reviewer.io.coco_validate import ProblemLog

from .table_files import RawTable, read_table

IMAGE_COLUMNS = ("image", "file_name", "filename", "path")
LABEL_COLUMNS = ("label", "class")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")


@dataclass
class GtRows:
    """Usable GT rows (M). keys: (M,) object image keys; labels: (M,) object str or None;
    entries: (M,) object, how a user finds each row (``line 18``, ``mold/a.jpg``); extra:
    column -> (M,) the table's other columns; columns: the table's columns in file order (the
    image and label columns renamed ``image`` and ``label``); tree: an ImageFolder tree;
    classes: a tree's class folders, sorted."""

    file: str
    keys: np.ndarray
    labels: np.ndarray
    entries: np.ndarray
    extra: dict = field(default_factory=dict)
    columns: tuple = ()
    tree: bool = False
    classes: list = field(default_factory=list)  # a tree's class folders (empty ones too)


def find_column(columns: list[str], names: tuple) -> str | None:
    """The first of ``columns`` whose name (case-insensitive) is one of ``names``, in the order
    of ``names``."""
    lower = {c.lower(): c for c in reversed(columns)}
    return next((lower[n] for n in names if n in lower), None)


def normalise_keys(keys: np.ndarray) -> np.ndarray:
    """(n,) object image names -> POSIX keys: ``\\`` -> ``/``, leading ``./`` dropped."""
    s = pd.Series(keys, dtype=object)
    given = s.notna()
    text = s[given].astype(str).str.replace("\\", "/", regex=False)
    text = text.str.replace(r"^(?:\./)+", "", regex=True)
    out = np.asarray(keys, dtype=object).copy()
    out[given.to_numpy()] = text.to_numpy(dtype=object)
    out[np.asarray([v == "" for v in out], bool)] = None
    return out


def read_gt(path, images_dir, log: ProblemLog) -> GtRows:
    """Read the GT labels (a table file or an ImageFolder tree)."""
    if Path(path).is_dir():
        return _read_tree(Path(path), images_dir, log)
    raw = read_table(path, float_columns=lambda c: False)
    for note in raw.notes:
        log.add("", note)
    return _from_table(raw, log)


def _from_table(raw: RawTable, log: ProblemLog) -> GtRows:
    image_col = find_column(raw.columns, IMAGE_COLUMNS)
    label_col = find_column(raw.columns, LABEL_COLUMNS)
    if image_col is None or label_col is None:
        missing = " and ".join(repr(n) for n, c in (("image", image_col), ("label", label_col))
                               if c is None)
        raise InputError(f"{raw.name}: no {missing} column (the columns are "
                         f"{', '.join(raw.columns)}); a GT table has one row per image: "
                         "image (path relative to the images folder, or file name), label")
    keys = normalise_keys(raw.text(image_col))
    labels = raw.text(label_col)
    entries = np.array([raw.entry(r) for r in range(len(raw))], dtype=object)
    extra = {c: raw.values(c) for c in raw.columns if c not in (image_col, label_col)}
    columns = tuple("image" if c == image_col else "label" if c == label_col else c
                    for c in raw.columns)
    rows = GtRows(raw.name, keys, labels, entries, extra, columns)
    return _checked_rows(rows, log)


def _checked_rows(rows: GtRows, log: ProblemLog) -> GtRows:
    """Drop rows without an image name and repeated images; note images without a label."""
    no_key = np.array([k is None for k in rows.keys], bool)
    log.add_rows(np.flatnonzero(no_key), lambda r: rows.entries[r], "no image name; row skipped")
    keep = ~no_key
    dup = np.zeros(len(rows.keys), bool)
    dup[keep] = pd.Index(rows.keys[keep]).duplicated(keep="first")
    if dup.any():
        first = dict(zip(rows.keys[keep & ~dup].tolist(), np.flatnonzero(keep & ~dup).tolist(),
                         strict=True))
        _report_duplicates(rows, np.flatnonzero(dup), first, log)
    keep &= ~dup
    no_label = keep & np.array([v is None for v in rows.labels], bool)
    log.add_rows(np.flatnonzero(no_label), lambda r: rows.entries[r],
                 lambda r: f"image {rows.keys[r]!r} has no label; kept as an image without a "
                           "label", severity="warning", kind="image without a label",
                 image_id=lambda r: rows.keys[r])
    return _take(rows, np.flatnonzero(keep))


def _report_duplicates(rows: GtRows, dups: np.ndarray, first: dict, log: ProblemLog) -> None:
    same = np.array([rows.labels[r] == rows.labels[first[rows.keys[r]]] for r in dups], bool)
    log.add_rows(dups[same], lambda r: rows.entries[r],
                 lambda r: f"image {rows.keys[r]!r} is listed again (first at "
                           f"{rows.entries[first[rows.keys[r]]]}); row skipped",
                 severity="warning", kind="image listed twice")
    log.add_rows(dups[~same], lambda r: rows.entries[r],
                 lambda r: f"image {rows.keys[r]!r} is labelled again as {rows.labels[r]!r} "
                           f"(first {rows.labels[first[rows.keys[r]]]!r} at "
                           f"{rows.entries[first[rows.keys[r]]]}); multi-label is not handled "
                           "yet: the first label is kept", kind="image labelled twice")


def _take(rows: GtRows, idx: np.ndarray) -> GtRows:
    return GtRows(rows.file, rows.keys[idx], rows.labels[idx], rows.entries[idx],
                  {c: v[idx] for c, v in rows.extra.items()}, rows.columns, rows.tree,
                  rows.classes)


# --- ImageFolder trees -------------------------------------------------------------------------

def _read_tree(root: Path, images_dir, log: ProblemLog) -> GtRows:
    """``root/<class>/<image>`` (torchvision ImageFolder): every image file under a class
    folder, searched recursively; folders and files starting with ``.`` are skipped. Images
    directly in ``root`` are images without a label. Keys are relative to the images folder
    when the tree lies inside it, else to ``root``."""
    shown = root
    root = root.resolve()
    try:
        top = sorted(e.name for e in os.scandir(root) if not e.name.startswith("."))
    except OSError as exc:
        raise InputError(f"{shown}: cannot list the GT folder: {exc.strerror or exc}") from None
    base = _key_base(root, images_dir, log)
    keys, labels = [], []
    for name in top:
        path = root / name
        if path.is_dir():
            for file in _image_files(path):
                keys.append(Path(os.path.relpath(file, base)).as_posix())
                labels.append(name)
        elif name.lower().endswith(IMAGE_SUFFIXES):
            keys.append(Path(os.path.relpath(path, base)).as_posix())
            labels.append(None)
    if not keys:
        raise InputError(f"{shown}: no image files in class folders (expected "
                         f"{shown.name}/<class>/<image>, images ending in "
                         f"{', '.join(IMAGE_SUFFIXES)})")
    keys_a = np.array(keys, dtype=object)
    rows = GtRows(str(shown), keys_a, np.array(labels, dtype=object), keys_a.copy(), tree=True,
                  classes=[n for n in top if (root / n).is_dir()])
    return _checked_rows(rows, log)


def _key_base(root: Path, images_dir, log: ProblemLog) -> Path:
    if images_dir is None:
        return root
    images = Path(images_dir).resolve()
    if root == images or root.is_relative_to(images):
        return images
    log.add("", f"the GT folder is not inside the images folder ({images_dir}): image paths "
            f"are taken relative to the GT folder and looked up in the images folder",
            severity="warning")
    return root


def _image_files(folder: Path) -> list[Path]:
    out = []
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=True):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        out += [Path(dirpath) / f for f in sorted(filenames)
                if not f.startswith(".") and f.lower().endswith(IMAGE_SUFFIXES)]
    return out
