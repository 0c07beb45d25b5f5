"""Export of a classification review: the fixed labels, an ImageFolder tree, the change rows.

Callers write into an export's staging folder (``reviewer.io.export_files.staging``): every
path is made with ``safe_join``, so nothing lands outside it.

- ``write_labels_csv``: the GT table with the current labels: the GT's columns in their order
  (an ImageFolder tree: ``image,label``), one row per GT image in GT order, then the images only
  the predictions named that were labelled in the review. A label that was not a known class is
  written back as it was unless the image was relabelled. Cells are formula-safe.
- ``write_image_folder``: ``<folder>/<class>/<file>`` links (symbolic or hard) or copies of the
  labelled images; a file name used twice in a class gets its path with ``/`` turned into
  ``__``; images without a label and missing files are skipped and counted.
- ``describe_change``: the ``changes.csv`` row of a ``SetLabel``.
- ``before_after``: the metrics on the labels as loaded and as corrected, and the share of the
  measured errors that was label noise.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np

from reviewer.io.export_files import ExportError, safe_join, write_csv

from .commands import SetLabel
from .document import ClassificationDocument

LINK_MODES = ("symlink", "hardlink", "copy")


def label_rows(doc: ClassificationDocument, image_rows=None) -> tuple[list[str], list[list]]:
    """(header, rows) of the fixed-labels table (see the module docstring); ``image_rows``:
    only these images (None: every one)."""
    base = doc.base
    header = list(base.gt_columns) or ["image", "label"]
    names = doc.class_names
    rows = []
    chosen = range(len(base)) if image_rows is None else sorted(int(i) for i in image_rows)
    for i in chosen:
        k = int(doc.labels[i])
        if i >= base.gt_images and k < 0:
            continue
        label = names[k] if k >= 0 else ""
        if k < 0 and i not in doc.corrected_images and base.gt_text is not None:
            label = base.gt_text[i] or ""
        cells = {"image": base.images.file_names[i], "label": label}
        rows.append([cells[c] if c in cells else _cell(base.gt_extra[c][i]) for c in header])
    return header, rows


def _cell(value):
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return value.item() if hasattr(value, "item") else value


def write_labels_csv(root: Path, doc: ClassificationDocument, name: str = "labels.csv",
                     image_rows=None) -> Path:
    header, rows = label_rows(doc, image_rows)
    return write_csv(Path(root), name, header, rows)


def write_image_folder(root: Path, doc: ClassificationDocument, images_dir,
                       folder: str = "images_by_class", mode: str = "symlink",
                       progress: Callable[[int, int], None] | None = None,
                       image_rows=None) -> dict:
    """Write ``root/folder/<class>/<file>`` for every labelled image.

    mode: "symlink" (absolute links), "hardlink" or "copy". Returns {"written", "unlabeled",
    "missing": [image keys whose file is not in the images folder]}."""
    if mode not in LINK_MODES:
        raise ExportError(f"unknown link mode {mode!r} (choose {', '.join(LINK_MODES)})")
    names = doc.class_names
    for n in names:
        if "/" in n or "\\" in n or n in (".", "..") or not n.strip():
            raise ExportError(f"class {n!r} cannot be a folder name; no ImageFolder tree written")
    out = safe_join(Path(root), folder)
    rows = np.flatnonzero(doc.labels >= 0)
    if image_rows is not None:
        rows = np.intersect1d(rows, np.asarray(image_rows, np.int64))
    used: dict[int, set] = {}
    missing, written = [], 0
    for done, i in enumerate(rows.tolist()):
        key = str(doc.base.images.file_names[i])
        source = Path(images_dir) / key
        if not source.is_file():
            missing.append(key)
            continue
        k = int(doc.labels[i])
        target = safe_join(out, f"{names[k]}/{_file_name(key, used.setdefault(k, set()))}")
        target.parent.mkdir(parents=True, exist_ok=True)
        _place(source, target, mode)
        written += 1
        if progress is not None:
            progress(done + 1, len(rows))
    return {"written": written, "unlabeled": int(len(doc.labels) - len(rows)),
            "missing": missing}


def _file_name(key: str, used: set) -> str:
    name = key.rsplit("/", 1)[-1]
    if name in used:
        name = key.replace("/", "__")
    used.add(name)
    return name


def _place(source: Path, target: Path, mode: str) -> None:
    if mode == "symlink":
        os.symlink(source.resolve(), target)
    elif mode == "hardlink":
        os.link(source, target)
    else:
        shutil.copy2(source, target)


def describe_change(cmd) -> list:
    """``[image, object, change, old, new]`` of a ``SetLabel`` (``changes.csv``), else []."""
    if not isinstance(cmd, SetLabel):
        return []
    return [str(cmd.image_id), *cmd.change_row()]


def before_after(doc: ClassificationDocument, image_rows=None) -> dict:
    """{"before": eval payload on the labels as loaded, "after": on the corrected labels,
    "label_noise_share": (errors before - errors after) / errors before, None when there were
    no errors}. Errors = wrongly predicted images among those evaluated."""
    before = doc.evaluate(image_rows, original=True)
    after = doc.evaluate(image_rows)
    wrong_before = _errors(before)
    share = None
    if wrong_before:
        share = (wrong_before - _errors(after)) / wrong_before
    return {"before": before, "after": after, "label_noise_share": share}


def _errors(payload: dict) -> int:
    m = np.asarray(payload["confusion"]["matrix"], np.int64)
    return int(m.sum() - np.trace(m)) if m.size else 0
