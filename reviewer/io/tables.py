"""Per-image tables on disk (CSV through pandas), written atomically, formula-safe."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from reviewer.io.paths import csv_cell


def _safe_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells a spreadsheet would run as formulas are escaped (``paths.csv_cell``); float
    cells are written ``%.6g`` (NaN: empty), formatted here in one pass per column (pandas'
    ``float_format`` calls a formatter per cell: seconds at 100,000 rows)."""
    for col in frame.columns:
        if frame[col].dtype == object or pd.api.types.is_string_dtype(frame[col].dtype):
            frame[col] = frame[col].map(csv_cell)
        elif frame[col].dtype.kind == "f":
            frame[col] = pd.Series([f"{v:.6g}" if v == v else "" for v in frame[col].tolist()],
                                   dtype=object, index=frame.index)
    return frame


def to_frame(table: dict, order=None) -> pd.DataFrame:
    """dict of (N,) columns -> DataFrame, rows in ``order`` (default: as given)."""
    frame = pd.DataFrame({k: np.asarray(v) for k, v in table.items()})
    return frame if order is None else frame.iloc[np.asarray(order)].reset_index(drop=True)


def write_csv(path, table: dict, order=None) -> Path:
    """Write the table as CSV (temp file beside the target, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            _safe_text(to_frame(table, order)).to_csv(f, index=False)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_text(path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically (temp file beside the target, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
