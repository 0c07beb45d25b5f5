"""CSV and Parquet tables read column-wise through pyarrow, with entries named as users find them.

``read_table(path, float_columns)`` returns a ``RawTable``: the pyarrow table plus how to name a
row (``line 18`` in a CSV, whose header is line 1; ``row 17`` in a Parquet file, counting data
rows from 1). Columns the caller names as numbers are read as float32 straight away (a million
rows of a hundred probabilities stay 400 MB); a cell that is not a number does not stop the
read: the column is read again as text and such cells are reported per row (``not_numbers``).
Only an unreadable file, a file that is not a table, or a table without rows raises
``InputError``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from reviewer.core.problems import InputError

PARQUET_SUFFIXES = (".parquet", ".pq")
CSV_SUFFIXES = (".csv", ".csv.gz", ".tsv", ".txt")
_NAN_TEXT = frozenset({"nan", "na", "n/a", "null", "none", "-nan"})


def is_parquet(path) -> bool:
    return str(path).lower().endswith(PARQUET_SUFFIXES)


@dataclass
class RawTable:
    """One input table. ``table``: the pyarrow table (column names stripped of spaces);
    ``name``: the path as given; ``is_csv``: rows are named by line."""

    name: str
    table: pa.Table
    is_csv: bool
    skipped: list = field(default_factory=list)  # CSV line numbers skipped (sorted)
    notes: list = field(default_factory=list)  # file-level messages (lines skipped)

    def __len__(self) -> int:
        return self.table.num_rows

    @property
    def columns(self) -> list[str]:
        return list(self.table.column_names)

    def entry(self, r: int) -> str:
        """How a user finds data row ``r`` (0-based): ``line 18`` (CSV: the header is line 1,
        skipped lines counted) or ``row 17`` (Parquet: data rows counted from 1)."""
        if not self.is_csv:
            return f"row {r + 1}"
        if self.skipped:
            before = np.asarray(self.skipped) - 2 - np.arange(len(self.skipped))
            r += int(np.searchsorted(before, r, side="right"))
        return f"line {r + 2}"

    def text(self, column: str) -> np.ndarray:
        """(n,) object: the column as str (stripped), None where empty or null."""
        col = self.table.column(column)
        if not pa.types.is_string(col.type) and not pa.types.is_large_string(col.type):
            col = pc.cast(col, pa.string())
        col = pc.utf8_trim_whitespace(col)
        values = col.to_numpy(zero_copy_only=False)
        out = np.asarray(values, dtype=object)
        out[out == ""] = None
        return out

    def numbers(self, column: str) -> tuple[np.ndarray, np.ndarray]:
        """((n,) float32 with NaN where empty or not a number, (n,) bool: a cell held text that
        is not a number)."""
        col = self.table.column(column)
        if pa.types.is_floating(col.type) or pa.types.is_integer(col.type) \
                or pa.types.is_boolean(col.type) or pa.types.is_null(col.type):
            values = pc.cast(col, pa.float32()).to_numpy(zero_copy_only=False)
            return np.asarray(values, np.float32), np.zeros(len(values), bool)
        text = self.text(column)
        import pandas as pd
        values = pd.to_numeric(pd.Series(text, dtype=object), errors="coerce")
        values = values.to_numpy(dtype=np.float32, na_value=np.nan)
        given = text != None  # noqa: E711 (element-wise)
        bad = np.isnan(values) & given
        if bad.any():
            bad[bad] = [str(t).lower() not in _NAN_TEXT for t in text[bad]]
        return values, bad

    def values(self, column: str) -> np.ndarray:
        """(n,) the column as numpy (numbers as numbers, text as object); extra columns."""
        return np.asarray(self.table.column(column).to_numpy(zero_copy_only=False))

    def drop(self, column: str) -> None:
        """Forget a column once read (frees its memory)."""
        self.table = self.table.drop_columns([column])


def read_table(path, float_columns=None) -> RawTable:
    """Read a CSV (``,``; ``.tsv``: tab; ``.gz`` decompressed) or Parquet table.

    float_columns: callable ``name -> bool`` telling which columns hold numbers (read as
    float32); None = infer every type. InputError when the file cannot be read as a table.
    """
    name = str(path)
    try:
        if is_parquet(path):
            import pyarrow.parquet as pq
            table = pq.read_table(path)
            table = table.rename_columns([str(c).strip() for c in table.column_names])
            return _checked(RawTable(name, table, is_csv=False))
        table, skipped, notes = _read_csv(path, float_columns)
        return _checked(RawTable(name, table, is_csv=True, skipped=skipped, notes=notes))
    except FileNotFoundError:
        raise InputError(f"{name}: file not found") from None
    except InputError:
        raise
    except (OSError, pa.ArrowException, UnicodeDecodeError, csv.Error, ValueError) as exc:
        raise InputError(f"{name}: cannot be read as a {_kind(path)} table: "
                         f"{_first_line(exc)}") from None


def _kind(path) -> str:
    return "Parquet" if is_parquet(path) else "CSV"


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _checked(raw: RawTable) -> RawTable:
    if raw.table.num_columns == 0:
        raise InputError(f"{raw.name}: the table has no columns")
    if raw.table.num_rows == 0:
        raise InputError(f"{raw.name}: the table has a header but no rows")
    return raw


def header_of(path) -> list[str]:
    """The CSV header's column names (stripped), read with the csv module."""
    opener = _open_gz if str(path).lower().endswith(".gz") else _open_text
    with opener(path) as fh:
        row = next(csv.reader(fh, delimiter=_delimiter(path)), [])
    return [c.strip() for c in row]


def _open_text(path):
    return open(path, encoding="utf-8-sig", newline="")


def _open_gz(path):
    import gzip
    return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", newline="")


def _delimiter(path) -> str:
    return "\t" if str(path).lower().endswith((".tsv", ".tsv.gz")) else ","


def _read_csv(path, float_columns) -> tuple[pa.Table, list[int], list[str]]:
    """pyarrow's multi-threaded CSV reader: (table, skipped line numbers, notes).

    Text columns stay text (never guessed numbers), the named number columns float32. A column
    whose cells are not all numbers is read again as text (``RawTable.numbers`` then names the
    bad cells). A line with too few or too many fields is skipped and named in ``notes``;
    blank lines are skipped silently (both keep the line numbers of the other rows right)."""
    header = _unique(header_of(path))
    if not header or not any(header):
        raise InputError(f"{path}: the file is empty (no header line)")
    floats = {c for c in header if float_columns is not None and float_columns(c)}
    types = {c: (pa.float32() if c in floats else pa.string()) for c in header
             if float_columns is not None}
    try:
        table, bad = _read_csv_once(path, header, types, threads=True)
    except pa.ArrowInvalid as exc:
        if not floats or "conversion error" not in str(exc).lower():
            raise
        types = {c: pa.string() for c in header}
        table, bad = _read_csv_once(path, header, types, threads=True)
    if not bad:
        return table, [], []
    table, bad = _read_csv_once(path, header, types, threads=False)  # line numbers known
    notes = [f"line {n}: {actual} fields where the header has {len(header)}; line skipped"
             for n, text, actual in bad if text.strip()]
    return table, sorted(n for n, _, _ in bad), notes


def _read_csv_once(path, header, types, threads: bool):
    from pyarrow import csv as pacsv
    bad: list[tuple] = []

    def on_bad_row(row):
        bad.append((row.number if row.number is not None else -1, row.text or "",
                    row.actual_columns))
        return "skip"

    parse = pacsv.ParseOptions(delimiter=_delimiter(path), invalid_row_handler=on_bad_row,
                               ignore_empty_lines=len(header) == 1)
    read = pacsv.ReadOptions(column_names=header, skip_rows=1, use_threads=threads)
    table = pacsv.read_csv(path, read_options=read, parse_options=parse,
                           convert_options=pacsv.ConvertOptions(column_types=types))
    return table, bad


def _unique(header: list[str]) -> list[str]:
    """Repeated column names get `` (2)``, `` (3)``… so no column hides another."""
    seen: dict[str, int] = {}
    out = []
    for name in header:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


def suffix_kind(path: Path) -> str:
    """"parquet", "csv" or "" for a table file name."""
    low = str(path).lower()
    if low.endswith(PARQUET_SUFFIXES):
        return "parquet"
    if low.endswith(CSV_SUFFIXES) or low.endswith(".tsv.gz"):
        return "csv"
    return ""
