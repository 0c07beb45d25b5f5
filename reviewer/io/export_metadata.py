"""``metadata.csv`` of an export: every metadata column of the exported images.

One row per exported image: ``image_id``, ``file_name``, then each metadata column
(``reviewer.io.metadata``: the inputs' extra fields, imported files, values set in the review —
the ``split`` made by ``reviewer splits`` among them), values as the CLI shows them (numbers,
ISO 8601 dates, text; empty = missing). Nothing is written when the project has no metadata.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from reviewer.core.metadata import format_value
from reviewer.io.export_files import write_csv
from reviewer.io.metadata import session_metadata

FILE = "metadata.csv"


def write_metadata_csv(folder: Path, session, rows: np.ndarray) -> list[str]:
    """Write ``folder/metadata.csv`` for image ``rows``; -> the files written ([] or [FILE])."""
    meta = session_metadata(session)
    if not meta.columns:
        return []
    table = session.document.table
    ids, names = table["image_id"], table["file_name"]
    cols = list(meta.columns.values())
    out = [[_plain(ids[i]), str(names[i]), *(format_value(c.kind, c.values[i]) for c in cols)]
           for i in np.asarray(rows, np.int64).tolist()]
    write_csv(folder, FILE, ["image_id", "file_name", *(c.name for c in cols)], out)
    return [FILE]


def _plain(v):
    return v.item() if hasattr(v, "item") else v
