"""Per-image metadata columns: typed values aligned to image rows (numpy only).

A *metadata column* holds one value per image of a kind: ``number`` (float64, NaN = missing),
``text`` (object, None = missing) or ``datetime`` (``datetime64[s]``, NaT = missing). Values
arrive as text (CSV cells), numbers, datetimes or None; ``infer_column`` picks the kind most
values have and reports the others (a column that mixes kinds):

- every present value a number (``12``, ``-0.5``, ``1e3``; booleans are text) -> number;
- every present value an ISO 8601 date or time (``2024-05-01``, ``2024-05-01 20:15``,
  ``2024-05-01T20:15:03Z``; an offset is converted to UTC) -> datetime;
- otherwise text — unless more than half of the present values are numbers (or dates): then
  the column takes that kind and each value that is not one is *mixed* (reported, left empty).

``Column`` is what slices, filters and ``--where`` read; the reserved names (``tag``,
``status``, ``image``) are not metadata columns.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from dataclasses import dataclass

import numpy as np

KINDS = ("number", "text", "datetime")
RESERVED = frozenset({"image", "tag", "status"})
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}(:\d{2}(:\d{2}(\.\d+)?)?)?)?"
                   r"(Z|[+-]\d{2}:?\d{2})?$")


@dataclass(frozen=True)
class Column:
    """One column over N image rows: kind in ``KINDS`` (or ``tags`` / a task's own kinds for
    the built-in columns of ``--where``), values (N,)."""

    name: str
    kind: str
    values: np.ndarray

    def present(self) -> np.ndarray:
        """(N,) bool: the image has a value."""
        return present(self.kind, self.values)


def present(kind: str, values: np.ndarray) -> np.ndarray:
    if kind == "number":
        return ~np.isnan(values.astype(np.float64))
    if kind == "datetime":
        return ~np.isnat(values)
    if kind == "tags":
        return np.fromiter((bool(v) for v in values), bool, len(values))
    return np.fromiter((v is not None for v in values), bool, len(values))


def parse_number(value) -> float | None:
    """A number from a cell (int, float or text), None when it is not one (booleans are not)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float | np.integer | np.floating):
        v = float(value)
        return None if math.isnan(v) else v
    text = str(value).strip()
    return float(text) if _NUMBER.match(text) else None


def parse_datetime(value) -> np.datetime64 | None:
    """A ``datetime64[s]`` from a cell (ISO 8601 text, a ``datetime`` or ``date``), None when it
    is not one. An offset (``Z``, ``+02:00``) is converted to UTC; a time without one is kept as
    written."""
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else value.astype("datetime64[s]")
    if isinstance(value, _dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(_dt.timezone.utc).replace(tzinfo=None)
        return np.datetime64(value.replace(microsecond=0), "s")
    if isinstance(value, _dt.date):
        return np.datetime64(value, "s")
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not _DATE.match(text):
        return None
    try:
        parsed = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parse_datetime(parsed)


def _text(value) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else str(value)
    text = str(value).strip()
    return text or None


@dataclass(frozen=True)
class Inferred:
    """A typed column and the rows whose value was not of its kind (mixed; left empty)."""

    kind: str
    values: np.ndarray
    mixed: np.ndarray  # (m,) int64 rows


def infer_column(raw) -> Inferred:
    """Type a sequence of raw cells (see the module docstring)."""
    cells = [_cell(v) for v in raw]
    n = len(cells)
    given = [i for i, v in enumerate(cells) if v is not None]
    numbers = {i: parse_number(cells[i]) for i in given}
    n_num = sum(v is not None for v in numbers.values())
    dates = {} if n_num == len(given) and given else {i: parse_datetime(cells[i]) for i in given}
    n_date = sum(v is not None for v in dates.values())
    if given and n_num >= n_date and n_num * 2 > len(given):
        values = np.full(n, np.nan)
        for i, v in numbers.items():
            if v is not None:
                values[i] = v
        mixed = [i for i, v in numbers.items() if v is None]
        return Inferred("number", values, np.asarray(mixed, np.int64))
    if given and n_date * 2 > len(given):
        values = np.full(n, np.datetime64("NaT"), "datetime64[s]")
        for i, v in dates.items():
            if v is not None:
                values[i] = v
        mixed = [i for i, v in dates.items() if v is None]
        return Inferred("datetime", values, np.asarray(mixed, np.int64))
    values = np.empty(n, object)
    values[:] = [None if v is None else _text(v) for v in cells]
    return Inferred("text", values, np.zeros(0, np.int64))


def _cell(v):
    """A raw cell: None when missing (None, NaN, NaT, blank text), text stripped, numbers and
    dates as they are (booleans become text)."""
    if v is None or isinstance(v, bool | np.bool_):
        return None if v is None else str(bool(v)).lower()
    if isinstance(v, float | np.floating) and math.isnan(v):
        return None
    if isinstance(v, np.datetime64) and np.isnat(v):
        return None
    if isinstance(v, int | float | np.number | _dt.date | np.datetime64):
        return v
    return _text(v)


def empty_values(kind: str, n: int) -> np.ndarray:
    """(n,) missing values of ``kind``."""
    if kind == "number":
        return np.full(n, np.nan)
    if kind == "datetime":
        return np.full(n, np.datetime64("NaT"), "datetime64[s]")
    out = np.empty(n, object)
    out[:] = None
    return out


def coerce(kind: str, value):
    """One value as ``kind`` stores it (None when it is not of that kind or missing)."""
    if value is None:
        return None
    if kind == "number":
        return parse_number(value)
    if kind == "datetime":
        return parse_datetime(value)
    return _text(value)


def to_json(kind: str, value):
    """A stored value as JSON (numbers as int when whole, dates as ISO text, None = missing)."""
    if value is None:
        return None
    if kind == "number":
        v = float(value)
        if math.isnan(v):
            return None
        return int(v) if v.is_integer() and abs(v) < 2**53 else v
    if kind == "datetime":
        v = np.datetime64(value, "s")
        return None if np.isnat(v) else str(v)
    return str(value)


def format_value(kind: str, value) -> str:
    """A value as the table and the CLI show it ("" for missing)."""
    v = to_json(kind, value)
    if v is None:
        return ""
    if kind == "number" and isinstance(v, float):
        return f"{v:.6g}"
    if kind == "datetime":
        return str(v).replace("T", " ")
    return str(v)
