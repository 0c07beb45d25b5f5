"""Vectorised checks for COCO columns (ids, numbers, boxes) and the capped problem log.

A *column* is a list of N Python values read from JSON, one per entry (``None`` where the key is
absent). Every parser returns numpy arrays plus a per-row validity mask or reason code. The fast
path is one type-set check and one ``np.array`` call; only a column that fails it is walked row by
row, and only failing rows get a detailed message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from reviewer.core.problems import Problem

CAP = 1000
"""Problems kept per kind and file; the rest are counted in one ``… and N more`` Problem."""

_NUMBER = (int, float)
_KEY_TYPES = (int, str, float)
_I64 = (-(2**63), 2**63 - 1)

BOX_OK, BOX_MISSING, BOX_NOT_LIST, BOX_LENGTH, BOX_NOT_NUMBER = range(5)


class ProblemLog:
    """Problems of one file, at most ``cap`` per kind, then one ``… and N more: kind`` line."""

    def __init__(self, file: str, cap: int = CAP):
        self.file = file
        self.cap = cap
        self._problems: list[Problem] = []
        self._counts: dict[str, int] = {}
        self._severity: dict[str, str] = {}

    def add(self, entry: str, message: str, severity: str = "error",
            image_id: object = None, kind: str | None = None) -> None:
        """Record one problem; ``kind`` (default: the message) groups problems for the cap."""
        kind = kind or message
        n = self._counts.get(kind, 0)
        self._counts[kind] = n + 1
        self._severity[kind] = severity
        if n < self.cap:
            self._problems.append(Problem(self.file, entry, message, severity, image_id))

    def add_rows(self, rows: Iterable[int], entry: Callable[[int], str],
                 message: str | Callable[[int], str], severity: str = "error",
                 kind: str | None = None, image_id: Callable[[int], object] | None = None) -> None:
        """Record one problem per row; messages are only built for rows under the cap."""
        rows = [int(i) for i in rows]
        if not rows:
            return
        kind = kind or (message if isinstance(message, str) else "?")
        n = self._counts.get(kind, 0)
        for i in rows[: max(self.cap - n, 0)]:
            text = message if isinstance(message, str) else message(i)
            img = image_id(i) if image_id else None
            self._problems.append(Problem(self.file, entry(i), text, severity, img))
        self._counts[kind] = n + len(rows)
        self._severity[kind] = severity

    def problems(self) -> list[Problem]:
        """All recorded problems, with one summary Problem per kind that went over the cap."""
        out = list(self._problems)
        for kind, n in self._counts.items():
            if n > self.cap:
                out.append(Problem(self.file, "", f"… and {n - self.cap} more: {kind}",
                                   self._severity[kind]))
        return out


class EntryNamer:
    """Names entry ``i`` the way a user finds it: ``annotations[17] (id 12345)``, ``prediction 88``.

    style: a format string with ``{i}``; ids: the raw ``id`` column (or None).
    """

    def __init__(self, style: str, ids: list | None = None):
        self.style = style
        self.ids = ids

    def __call__(self, i: int) -> str:
        return entry_name(self.style.format(i=i), self.ids[i] if self.ids is not None else None)


def entry_name(base: str, rid) -> str:
    """``annotations[17]`` + id -> ``annotations[17] (id 12345)`` (id shown when int or str)."""
    return f"{base} (id {rid!r})" if type(rid) in (int, str) else base


def int_column(values: list) -> tuple[np.ndarray, np.ndarray]:
    """values: N objects -> ((N,) int64, 0 where invalid; (N,) bool valid). bool is not an int."""
    n = len(values)
    kinds = set(map(type, values))
    if kinds <= {int}:
        try:
            return np.array(values, dtype=np.int64), np.ones(n, bool)
        except OverflowError:
            pass
    if kinds == {type(None)}:
        return np.zeros(n, np.int64), np.zeros(n, bool)
    ok = np.fromiter((type(v) is int and _I64[0] <= v <= _I64[1] for v in values), bool, n)
    out = np.zeros(n, np.int64)
    rows = np.flatnonzero(ok)
    out[rows] = [values[i] for i in rows]
    return out, ok


def float_column(values: list) -> tuple[np.ndarray, np.ndarray]:
    """values: N objects -> ((N,) float64, NaN where invalid; (N,) bool "is a JSON number").

    NaN/inf read from the file count as numbers: callers check ``np.isfinite`` themselves.
    """
    n = len(values)
    if set(map(type, values)) <= {int, float}:
        try:
            return np.array(values, dtype=np.float64), np.ones(n, bool)
        except OverflowError:
            pass
    floats = [_to_float(v) for v in values]
    ok = np.fromiter((f is not None for f in floats), bool, n)
    out = np.array([np.nan if f is None else f for f in floats], dtype=np.float64).reshape(n)
    return out, ok


def _to_float(v) -> float | None:
    """A JSON number as float; None for anything else (bool, str, null, ints beyond float)."""
    if type(v) not in _NUMBER:
        return None
    try:
        return float(v)
    except OverflowError:
        return None


def box_column(values: list) -> tuple[np.ndarray, np.ndarray]:
    """values: N objects -> ((N, 4) float64 xywh, NaN rows where invalid; (N,) int8 BOX_* code).

    Non-finite numbers read from the file are kept (callers check them with ``np.isfinite``).
    """
    n = len(values)
    boxes = np.full((n, 4), np.nan)
    if set(map(type, values)) <= {list} and set(map(len, values)) <= {4}:
        shape_ok = np.ones(n, bool)
    else:
        shape_ok = np.fromiter((type(b) is list and len(b) == 4 for b in values), bool, n)
    code = np.zeros(n, np.int8)
    rows = np.flatnonzero(shape_ok)
    bad = np.flatnonzero(~shape_ok)
    code[bad] = [_box_shape_code(values[i]) for i in bad]
    good = values if len(rows) == n else [values[i] for i in rows]
    arr, numeric = _numeric_matrix(good, 4)
    boxes[rows] = arr
    code[rows[~numeric]] = BOX_NOT_NUMBER
    return boxes, code


def _box_shape_code(value) -> int:
    if value is None:
        return BOX_MISSING
    return BOX_LENGTH if type(value) in (list, tuple) else BOX_NOT_LIST


def _numeric_matrix(rows: list, width: int) -> tuple[np.ndarray, np.ndarray]:
    """rows: k lists of ``width`` items -> ((k, width) float64, (k,) bool all items numbers)."""
    k = len(rows)
    if k == 0:
        return np.zeros((0, width)), np.zeros(0, bool)
    try:
        arr = np.array(rows)
        if arr.dtype.kind in "iuf" and arr.shape == (k, width):
            return arr.astype(np.float64, copy=False), np.ones(k, bool)
    except (ValueError, TypeError, OverflowError):
        pass
    out = np.full((k, width), np.nan)
    ok = np.zeros(k, bool)
    for j, row in enumerate(rows):
        vals = [_to_float(v) for v in row]
        if None not in vals:
            ok[j] = True
            out[j] = vals
    return out, ok


def lookup(values: list, index: dict) -> np.ndarray:
    """values: N ids -> (N,) int64 row via ``index`` (id -> row), -1 for unknown or missing ids.

    Only int, str and float values are looked up (so ``true`` is not id 1).
    """
    get = index.get
    kinds = set(map(type, values))
    if kinds == {int} and index and set(map(type, index)) == {int}:
        try:
            keys = np.fromiter(values, np.int64, len(values))
        except OverflowError:  # an id beyond 64 bits: found in no index
            keys = None
        return _lookup_ints(keys, values, index)
    if kinds <= {int, str}:
        return np.array([get(v, -1) for v in values], dtype=np.int64).reshape(len(values))
    return np.fromiter((get(v, -1) if type(v) in _KEY_TYPES else -1 for v in values),
                       np.int64, len(values))


def _lookup_ints(keys: np.ndarray | None, values: list, index: dict) -> np.ndarray:
    """``lookup`` for int ids and an int-keyed index: one sort and a binary search."""
    if keys is None:
        return np.array([index.get(v, -1) for v in values], np.int64).reshape(len(values))
    known = np.fromiter(index, np.int64, len(index))
    rows = np.fromiter(index.values(), np.int64, len(index))
    order = np.argsort(known)
    known, rows = known[order], rows[order]
    at = np.minimum(np.searchsorted(known, keys), len(known) - 1)
    return np.where(known[at] == keys, rows[at], -1)


def lookup_text(values: list, rows: np.ndarray, index: dict, candidates=None) -> np.ndarray:
    """Ids are told apart by their text: for int / str ``values`` whose ``rows`` is -1, look the
    id up by its text (``"1"`` finds key ``1``, ``1`` finds ``"1"``). Fills ``rows`` in place;
    returns the (k,) indices that joined this way. candidates: indices to try (default: all)."""
    todo = np.flatnonzero(rows < 0) if candidates is None else np.asarray(candidates, np.int64)
    miss = [i for i in todo.tolist() if type(values[i]) in (int, str)]
    if not miss:
        return np.zeros(0, np.int64)
    by_text = {str(k): r for k, r in index.items() if type(k) in (int, str)}
    hits = [(i, by_text.get(str(values[i]))) for i in miss]
    hits = [(i, r) for i, r in hits if r is not None]
    if hits:
        rows[[i for i, _ in hits]] = [r for _, r in hits]
    return np.array([i for i, _ in hits], np.int64)


def first_duplicates(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """keys: (N,) -> (rows that repeat an earlier key, (same,) row of that key's first use)."""
    if len(keys) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    first_of_row = first[inverse.reshape(-1)]
    dup = np.flatnonzero(first_of_row != np.arange(len(keys)))
    return dup, first_of_row[dup]
