"""Corrected label PNGs of a segmentation project.

Every exported image's GT mask goes under ``masks/`` with its name relative to the project's GT
folder (``masks/city/a_001.png`` for ``semantic/gt/city/a_001.png``). A painted mask is written
with the original palette (``SemanticDataset.palette``) when the GT PNGs have one, in the class
colours when they are RGB colour-coded (``color_coded``), else as grey levels; an unpainted mask is copied byte for byte (``shutil.copy2``). A name that would leave the
export folder is skipped and reported as a Problem.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np

from reviewer.core.problems import Problem
from reviewer.io.export_files import ExportError, safe_join
from reviewer.io.semantic import write_label_png

MASK_DIR = "masks"


def mask_name(dataset, gt_root: Path | None, i: int) -> str | None:
    """Relative name (posix) of image row i's GT mask, or None when it has no GT file."""
    path = dataset.gt_paths[i]
    if path is None:
        return None
    try:
        return Path(path).relative_to(gt_root).as_posix()
    except (TypeError, ValueError):
        return f"{dataset.images.ids[i]}.png"


def write_masks(out: Path, session, image_rows, gt_root: Path | None,
                progress: Callable[[int, int], None] | None = None) -> tuple[dict, list[Problem]]:
    """Write the GT masks of ``image_rows`` (named relative to ``gt_root``, the GT folder);
    -> ({"written": n, "copied": n}, problems)."""
    ds, doc = session.data.dataset, session.document
    counts = {"written": 0, "copied": 0}
    problems: list[Problem] = []
    rows = np.asarray(image_rows, np.int64).tolist()
    for n, i in enumerate(rows):
        name = mask_name(ds, gt_root, i)
        if name is not None:
            try:
                target = safe_join(out, f"{MASK_DIR}/{name}")
            except ExportError as exc:
                problems.append(Problem(str(ds.gt_paths[i]), f"image {ds.images.ids[i]}",
                                        f"not exported: {exc}"))
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                if i in doc.edited:
                    colors = ds.class_colors if getattr(ds, "color_coded", False) else None
                    write_label_png(target, doc.edited[i], ds.palette, colors)
                    counts["written"] += 1
                else:
                    shutil.copy2(ds.gt_paths[i], target)
                    counts["copied"] += 1
        if progress is not None:
            progress(n + 1, len(rows))
    return counts, problems
