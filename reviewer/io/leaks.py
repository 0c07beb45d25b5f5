"""The leak check of a split (``reviewer splits P --check``, the window's Leaks panel).

Pairs of images in *different* partitions (values of the split column) that are

- ``exact-duplicate``: the same file content (SHA-1 of the bytes), distance 0;
- ``near-duplicate``: perceptual hashes (256-bit pHash, ``reviewer.io.image_hashes``) at most
  ``max_distance`` bits apart (default ``NEAR_DISTANCE`` = 28 of 256: resized, re-encoded,
  1 %-cropped or 15 %-brightened copies of the sample images land within 18 of the original;
  their distinct photos are at least 34 apart); found by multi-index hashing
  (``core.near_dupes``), never by comparing every pair;
- ``group``: the same value of the group column (``--group-by``: the lemon, the patient, the
  video); one pair per group and pair of partitions (the group's first image in each), with
  the group value.

The payload::

    {"split_column", "group_by", "max_distance", "images_checked", "unreadable",
     "leaks": [{"images": [a, b], "rows": [i, j], "splits": [sa, sb], "reason",
                "distance": d | None, "group"?: value}],
     "per_pair": {"sa/sb": n}}      (partition names of a pair in sorted order)
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reviewer.core.near_dupes import exact_groups, near_pairs
from reviewer.io.image_columns import SessionColumns
from reviewer.io.image_hashes import CACHE_NAME, image_hashes

NEAR_DISTANCE = 28


class LeakCheckError(ValueError):
    """The split or group column is missing; the message says which and what exists."""


def image_file(session, i: int) -> Path:
    """Where image row ``i``'s file is: the dataset's own answer when it has one (semantic
    masks), else the project's image folder and the file name."""
    own = getattr(session.data.dataset, "image_path", None)
    if callable(own):
        got = own(i)
        if got is not None:
            return Path(got)
    return Path(session.project.images) / str(session.document.table["file_name"][i])


def _text_column(columns: SessionColumns, name: str, what: str) -> np.ndarray:
    col = columns(name)
    if col is None:
        raise LeakCheckError(f"{what} {name!r}: no such column (columns: "
                             f"{', '.join(columns.names())})")
    from reviewer.core.metadata import format_value, present
    has = present(col.kind, col.values)
    out = np.empty(len(has), object)
    out[:] = [format_value(col.kind, v) if h else None
              for v, h in zip(col.values.tolist(), has.tolist(), strict=True)]
    return out


@dataclass(frozen=True)
class LeakInputs:
    """What the check reads from a session (on the thread that owns it): the partition and
    group of every image row (None: none), the rows to check, their files, their names."""

    split_column: str
    group_by: str | None
    part: np.ndarray
    group: np.ndarray | None
    idx: np.ndarray
    paths: list
    names: list
    cache: Path


def leak_inputs(session, split_column: str = "split", group_by: str | None = None, rows=None,
                columns: SessionColumns | None = None) -> LeakInputs:
    """LeakCheckError when a column is missing. rows: the images to check (None = all)."""
    columns = columns or SessionColumns(session)
    if columns(split_column) is None:
        raise LeakCheckError(f"no column {split_column!r} holds partitions yet: make a split "
                             f"with `reviewer splits PROJECT --make train=0.8,test=0.2` or "
                             f"import one (columns: {', '.join(columns.names())})")
    part = _text_column(columns, split_column, "split column")
    group = _text_column(columns, group_by, "--group-by") if group_by else None
    n = columns.n
    chosen = np.zeros(n, bool)
    chosen[np.arange(n) if rows is None else np.asarray(rows)] = True
    chosen &= np.asarray([p is not None for p in part], bool)
    idx = np.flatnonzero(chosen)
    names = [str(v) for v in session.document.table["file_name"]]
    return LeakInputs(split_column, group_by, part, group, idx,
                      [image_file(session, int(i)) for i in idx], names,
                      Path(session.project.root) / CACHE_NAME)


def find_leaks(session, split_column: str = "split", group_by: str | None = None,
               max_distance: int = NEAR_DISTANCE, rows=None, progress=None,
               columns: SessionColumns | None = None) -> dict:
    """The payload of the module docstring. rows: the images to check (None = all)."""
    return check_leaks(leak_inputs(session, split_column, group_by, rows, columns),
                       max_distance, progress)


def check_leaks(inp: LeakInputs, max_distance: int = NEAR_DISTANCE, progress=None) -> dict:
    """The payload from ``leak_inputs`` (no session needed: runs on a worker thread)."""
    idx, part = inp.idx, inp.part
    sha, phash, ok = image_hashes(inp.paths, inp.cache, progress)
    names = inp.names
    leaks: list[dict] = []

    def add(i: int, j: int, reason: str, distance, extra=None) -> None:
        if part[i] == part[j]:
            return
        entry = {"images": [names[i], names[j]], "rows": [int(i), int(j)],
                 "splits": [part[i], part[j]], "reason": reason, "distance": distance}
        leaks.append({**entry, **(extra or {})})

    exact = set()
    for members in exact_groups(sha):
        for a in range(len(members)):
            for b in range(a + 1, len(members)):
                i, j = int(idx[members[a]]), int(idx[members[b]])
                exact.add((i, j))
                add(i, j, "exact-duplicate", 0)
    good = np.flatnonzero(ok)
    pairs, dist = near_pairs(phash[good], max_distance)
    order = np.lexsort((pairs[:, 1], pairs[:, 0], dist)) if len(pairs) else []
    for p in order:
        i, j = int(idx[good[pairs[p, 0]]]), int(idx[good[pairs[p, 1]]])
        if (i, j) not in exact:
            add(i, j, "near-duplicate", int(dist[p]))
    if inp.group is not None:
        _group_leaks(idx, part, inp.group, add)
    per_pair = Counter("/".join(sorted(e["splits"])) for e in leaks)
    return {"split_column": inp.split_column, "group_by": inp.group_by,
            "max_distance": int(max_distance), "images_checked": int(len(idx)),
            "unreadable": int((~ok).sum()), "leaks": leaks, "per_pair": dict(sorted(per_pair.items()))}


def _group_leaks(idx: np.ndarray, part: np.ndarray, group: np.ndarray, add) -> None:
    first: dict = {}
    for i in idx.tolist():
        g = group[i]
        if g is not None:
            first.setdefault(g, {}).setdefault(part[i], i)
    for g, by_part in first.items():
        found = sorted(by_part.items())
        for a in range(len(found)):
            for b in range(a + 1, len(found)):
                i, j = found[a][1], found[b][1]
                add(min(i, j), max(i, j), "group", None, {"group": g})


