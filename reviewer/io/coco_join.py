"""Join a dataset-style prediction file (its own ``images`` / ``categories``) to the GT tables.

Decided per table: by id when the file's ids point at GT entries with the same ``file_name`` /
``name`` at least as often as the names alone find a GT entry; otherwise by ``file_name`` (exact,
then by base name when that is unique in the GT) and by category ``name`` (exact, then ignoring
case and surrounding spaces). A name join is reported as a warning Problem.
"""

from __future__ import annotations

import posixpath

import numpy as np

from reviewer.core.tables import CategoryTable, ImageTable
from reviewer.io.coco_annotations import Join
from reviewer.io.coco_validate import ProblemLog

_KEY_TYPES = (int, str)


def join_dataset(data: dict, images: ImageTable, categories: CategoryTable, log: ProblemLog,
                 gt_name: str) -> Join:
    """data: a COCO dataset dict of predictions -> Join of its image / category ids to GT rows."""
    image_rows, image_reasons = _join_table(
        _entries(data.get("images")), "file_name", images.index_of(), images.file_names,
        _base_name, log, gt_name, "images", "file_name")
    cat_rows, cat_reasons = _join_table(
        _entries(data.get("categories")), "name", categories.index_of(), categories.names,
        _folded, log, gt_name, "categories", "name")
    return Join(image_rows, cat_rows, f"in the ground truth ({gt_name})",
                image_reasons, cat_reasons)


def _entries(value) -> list:
    return [e for e in value if type(e) is dict] if type(value) is list else []


def _join_table(entries: list, key: str, gt_by_id: dict, gt_names: np.ndarray, loose,
                log: ProblemLog, gt_name: str, table: str, what: str) -> tuple[dict, dict]:
    """entries: the prediction file's images or categories -> ({file id: GT row}, {id: reason})."""
    names = gt_names.tolist()
    by_name_index = _name_index(names, loose)
    by_id, by_name, reasons = {}, {}, {}
    for e in entries:
        pid, name = e.get("id"), e.get(key)
        if type(pid) not in _KEY_TYPES:
            continue
        row = gt_by_id.get(pid)
        if row is not None and (type(name) is not str or names[row] == name):
            by_id[pid] = row
        found = _find(by_name_index, name, loose) if type(name) is str else None
        if found is not None:
            by_name[pid] = found
        reasons[pid] = _reason(pid, name, row, names, found, what)
    if len(by_name) > len(by_id):
        log.add("", f"{table}: the ids in this file do not match {gt_name} "
                f"(only {len(by_id)} of {len(entries)} agree); joined by {what} instead, "
                f"{len(by_name)} of {len(entries)} matched", severity="warning")
        return by_name, {k: v for k, v in reasons.items() if k not in by_name}
    rows = {k: v for k, v in gt_by_id.items() if k in by_id or k not in reasons}
    return rows, {k: v for k, v in reasons.items() if k not in rows}


def _reason(pid, name, row, names: list, found, what: str) -> str:
    if row is not None and type(name) is str and names[row] != name:
        return f"has {what} {name!r} here but {names[row]!r} in the ground truth"
    if found is None and type(name) is str:
        return f"no ground-truth entry with the {what} {name!r}"
    return "is not in the ground truth"


def _name_index(names: list, loose) -> tuple[dict, dict]:
    """(exact name -> row, loose name -> row for loose names that are unique)."""
    exact = {}
    for i, n in enumerate(names):
        exact.setdefault(n, i)
    loose_rows: dict = {}
    for i, n in enumerate(names):
        loose_rows.setdefault(loose(str(n)), []).append(i)
    return exact, {k: v[0] for k, v in loose_rows.items() if len(v) == 1}


def _find(index: tuple[dict, dict], name: str, loose):
    exact, by_loose = index
    row = exact.get(name)
    return row if row is not None else by_loose.get(loose(name))


def _base_name(file_name: str) -> str:
    return posixpath.basename(file_name.replace("\\", "/"))


def _folded(name: str) -> str:
    return name.strip().casefold()
