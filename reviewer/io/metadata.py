"""Per-image metadata of a project: where each column comes from and what it holds now.

Three sources, later ones winning for the same image and column:

1. the inputs — extra keys of COCO ``images[]`` entries (``date_captured``, custom fields), extra
   columns of a classification table (``fruit_id``, ``angle``): the task's ``image_metadata``,
   read at every opening (the source files are never changed);
2. imported files — ``reviewer init --metadata FILE`` / ``reviewer metadata P import FILE`` (CSV,
   Parquet, JSON lines) are typed, matched to the images and kept in ``PROJECT/metadata.parquet``
   (column ``image``: the review key, i.e. the file name, then one typed column each);
3. values set in the review — ``SetMetadata`` commands (a split, an image moved to another
   partition) journalled in the review store (``ReviewStore.metadata_edits``), undoable.

``session_metadata(session)`` aligns every column to the session's image rows
(``MetadataTable``). The column ``split`` is the convention for partitions.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from reviewer import tasks
from reviewer.core.metadata import Column, coerce, empty_values, infer_column, to_json
from reviewer.core.review import review_keys
from reviewer.io.metadata_files import (
    ImageIndex,
    MetadataFrame,
    read_metadata_file,
    type_rows,
)

METADATA_FILE = "metadata.parquet"
SPLIT = "split"


def metadata_path(project) -> Path:
    return Path(project.root) / METADATA_FILE


# --- the imported file --------------------------------------------------------------------------
def read_imported(project) -> MetadataFrame:
    """The imported metadata of ``project`` (empty when none was imported)."""
    path = metadata_path(project)
    if not path.is_file():
        return MetadataFrame.empty()
    import pyarrow.parquet as pq
    table = pq.read_table(path)
    keys = np.asarray(table.column("image").to_pylist(), object)
    columns = {}
    for name in table.column_names:
        if name == "image":
            continue
        values = table.column(name).to_numpy(zero_copy_only=False)
        kind = table.schema.field(name).metadata or {}
        kind = kind.get(b"kind", b"").decode() or _kind_of(values)
        columns[name] = Column(name, kind, _typed(kind, values))
    return MetadataFrame(keys, columns)


def _kind_of(values: np.ndarray) -> str:
    if values.dtype.kind == "M":
        return "datetime"
    return "number" if values.dtype.kind in "fiu" else "text"


def _typed(kind: str, values: np.ndarray) -> np.ndarray:
    if kind == "number":
        return values.astype(np.float64)
    if kind == "datetime":
        return values.astype("datetime64[s]")
    out = np.empty(len(values), object)
    out[:] = [None if v is None else str(v) for v in values]
    return out


def write_imported(project, frame: MetadataFrame) -> Path:
    """Write ``frame`` to ``PROJECT/metadata.parquet`` atomically (temp file, then rename)."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    arrays, fields = [pa.array(frame.keys.tolist(), pa.string())], [pa.field("image", pa.string())]
    for name, col in frame.columns.items():
        if col.kind == "number":
            arr = pa.array(col.values.astype(np.float64), pa.float64(), from_pandas=True)
        elif col.kind == "datetime":
            arr = pa.array(col.values.astype("datetime64[s]"), pa.timestamp("s"))
        else:
            arr = pa.array(list(col.values), pa.string())
        arrays.append(arr)
        fields.append(pa.field(name, arr.type, metadata={"kind": col.kind}))
    table = pa.Table.from_arrays(arrays, schema=pa.schema(fields))
    path = metadata_path(project)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".metadata.", suffix=".parquet.tmp")
    os.close(fd)
    try:
        pq.write_table(table, tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def merge(old: MetadataFrame, new: MetadataFrame, replace: bool = False) -> MetadataFrame:
    """Imported columns after importing ``new``: its columns replace the same-named ones (for
    every image: an image it does not list has no value there), the other columns stay (none
    with ``replace``)."""
    keys = list(dict.fromkeys([*([] if replace else old.keys.tolist()), *new.keys.tolist()]))
    row = {k: i for i, k in enumerate(keys)}
    out = {}
    parts = ([] if replace else [old]) + [new]
    for part in parts:
        rows = np.asarray([row[k] for k in part.keys.tolist()], np.int64)
        for name, col in part.columns.items():
            values = empty_values(col.kind, len(keys))
            values[rows] = col.values
            out[name] = Column(name, col.kind, values)
    return MetadataFrame(np.asarray(keys, object), out)


@dataclass
class ImportResult:
    frame: MetadataFrame  # what the file brought (matched rows, typed columns)
    problems: list
    path: Path | None = None


def import_file(project, file, index: ImageIndex, replace: bool = False,
                write: bool = True) -> ImportResult:
    """Read ``file``, match it to ``index`` and merge it into the project's imported metadata
    (written unless ``write`` is False: ``init`` checks first and writes last)."""
    from reviewer.core.problems import InputError
    from reviewer.io.coco_validate import ProblemLog
    raw = read_metadata_file(file)
    log = ProblemLog(str(file))
    frame = type_rows(raw, index, log)
    if not len(frame.keys):
        raise InputError(f"{file}: no row names an image of the project (the first: "
                         f"{next((k for k in raw.keys if k), 'none')!r})", log.problems())
    path = None
    if write:
        path = write_imported(project, merge(read_imported(project), frame, replace))
    return ImportResult(frame, log.problems(), path)


def project_index(data_by_task) -> ImageIndex:
    """The ImageIndex of loaded tasks (``TaskData`` of each task of one project)."""
    keys, pairs = [], []
    for data in data_by_task:
        table = data.table
        task_keys = review_keys(table["image_id"], table["file_name"])
        keys += task_keys
        pairs.append((table["image_id"].tolist(), task_keys))
    return ImageIndex.build(list(dict.fromkeys(keys)), pairs)


# --- a session's columns -----------------------------------------------------------------------
@dataclass
class MetadataTable:
    """Metadata columns over a session's N image rows.

    columns: name -> Column (input columns first, then imported, then columns only set in the
    review); source: name -> "input" | "imported" | "review"; edited: name -> (N,) bool, the
    value was set in the review; keys: (N,) review keys of the rows."""

    keys: list
    columns: dict = field(default_factory=dict)
    source: dict = field(default_factory=dict)
    edited: dict = field(default_factory=dict)

    def names(self) -> list[str]:
        return list(self.columns)

    def column(self, name: str) -> Column | None:
        return self.columns.get(name)

    def edits_of(self, name: str, store) -> dict:
        """The column's values set in the review now, {review key: JSON value}."""
        return store.metadata_edits(name).get(name, {})


def session_keys(session) -> list[str]:
    """The review key of each row of the session's image table (the session's own list when it
    has one for these rows)."""
    table = session.document.table
    keys = getattr(session, "review_keys", None)
    ids, known = table["image_id"], session.data.table["image_id"]
    if keys is not None and (ids is known or len(ids) == len(known) and np.array_equal(ids, known)):
        return keys
    return review_keys(table["image_id"], table["file_name"])


def session_metadata(session, edits: dict | None = None) -> MetadataTable:
    """Every metadata column of ``session`` aligned to its image rows (see the module
    docstring); ``edits``: the store's ``metadata_edits()`` when read already."""
    keys = session_keys(session)
    n = len(keys)
    out = MetadataTable(keys)
    task = tasks.get(session.data.task)
    for name, raw in task.image_metadata(session.data).items():
        typed = infer_column(list(raw))
        out.columns[name] = Column(name, typed.kind, typed.values)
        out.source[name] = "input"
    imported = read_imported(session.project)
    if len(imported.keys):
        row = {k: i for i, k in enumerate(keys)}
        at = np.asarray([row.get(k, -1) for k in imported.keys.tolist()], np.int64)
        found = at >= 0
        for name, col in imported.columns.items():
            base = out.columns.get(name)
            values = base.values.copy() if base is not None and base.kind == col.kind \
                else empty_values(col.kind, n)
            values[at[found]] = col.values[found]
            out.columns[name] = Column(name, col.kind, values)
            out.source[name] = "imported"
    edits = session.store.metadata_edits() if edits is None else edits
    for name, values in edits.items():
        _apply_edits(out, name, values, keys)
    return out


def _apply_edits(out: MetadataTable, name: str, values: dict, keys: list) -> None:
    row = {k: i for i, k in enumerate(keys)}
    hits = [(row[k], v) for k, v in values.items() if k in row]
    base = out.columns.get(name)
    if base is None:
        kind = infer_column([v for _, v in hits]).kind if hits else "text"
        base = Column(name, kind, empty_values(kind, len(keys)))
        out.source[name] = "review"
    col = base.values.copy()
    edited = np.zeros(len(keys), bool)
    for r, v in hits:
        col[r] = _stored(base.kind, coerce(base.kind, v))
        edited[r] = True
    out.columns[name] = Column(name, base.kind, col)
    out.edited[name] = edited


def _stored(kind: str, value):
    if value is None:
        return np.nan if kind == "number" else (np.datetime64("NaT") if kind == "datetime"
                                                else None)
    return value


def json_value(kind: str, text: str | None):
    """A value typed by a user (CLI, window) for a column of ``kind`` -> its JSON value;
    ValueError naming the kind when it is not one."""
    if text is None or str(text).strip() == "":
        return None
    value = coerce(kind, text)
    if value is None:
        raise ValueError(f"{text!r} is not a {kind} value")
    return to_json(kind, value)


def set_command(session, column: str, values: dict, text: str = ""):
    """A ``SetMetadata`` of ``column`` setting ``values`` ({review key: JSON value}), with the
    values set in the review until now as its ``before``."""
    from reviewer.core.metadata_commands import SetMetadata
    old = session.store.metadata_edits(column).get(column, {})
    return SetMetadata.make(column, values, old, text)


def guess_kind(text: str) -> str:
    """The kind a new column gets from a value typed by a user."""
    return infer_column([text]).kind
