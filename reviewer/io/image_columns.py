"""Every column of a session's images by name: what ``--where``, slices and filters read.

Names resolve in this order: metadata columns (``reviewer.io.metadata``), the built-in review
columns — ``tag`` (tags of the image or of one of its objects), ``status`` (review status),
``image`` (the file name) — then the task's per-image table (``error``, ``fp``, ``miou``,
``confidence``, …; the corrected GT's unless ``original``), and ``COLUMN.PART`` of a date/time
column (``date_captured.hour``: the time of day; ``date``, ``year``, ``month``, ``day``,
``weekday``). Columns are built when first asked for, so an expression on ``split`` never reads
the tags.

``where_rows(session, texts)`` -> (rows (S,) int64, warnings): the image rows passing every
expression of ``texts`` (``core.where``); WhereError for an invalid one.
"""

from __future__ import annotations

import numpy as np

from reviewer.core.metadata import Column
from reviewer.core.review import own_object_tags
from reviewer.core.where import PARTS, date_part, select
from reviewer.io.metadata import MetadataTable, session_metadata

BUILT_IN = ("tag", "status", "image")


class SessionColumns:
    """Columns of one session's N image rows (see the module docstring)."""

    def __init__(self, session, original: bool = False, metadata: MetadataTable | None = None):
        self.session = session
        self.original = original
        self._metadata = metadata
        self._cache: dict[str, Column] = {}
        doc = session.document
        self.table = doc.table_before if original else doc.table
        self.n = len(self.table["image_id"])

    @property
    def metadata(self) -> MetadataTable:
        if self._metadata is None:
            self._metadata = session_metadata(self.session)
        return self._metadata

    def names(self) -> list[str]:
        table = [k for k, v in self.table.items()
                 if k not in ("image_id", "file_name") and np.asarray(v).dtype.kind in "fiub"]
        return list(dict.fromkeys([*self.metadata.names(), *BUILT_IN, *table]))

    def __call__(self, name: str) -> Column | None:
        if name not in self._cache:
            col = self._build(name)
            if col is None:
                return None
            self._cache[name] = col
        return self._cache[name]

    def _build(self, name: str) -> Column | None:
        col = self.metadata.column(name)
        if col is not None:
            return col
        base, _, part = name.rpartition(".")
        if base and part.lower() in PARTS:  # date_captured.hour: time of day, a column too
            whole = self(base)
            return date_part(whole, part.lower()) if whole is not None and \
                whole.kind == "datetime" else None
        if name == "tag":
            return Column("tag", "tags", self.tags())
        if name == "status":
            return Column("status", "text", self.statuses())
        if name == "image":
            return Column("image", "text", np.asarray([str(v) for v in self.table["file_name"]],
                                                       object))
        values = self.table.get(name)
        if values is None or name == "image_id":
            return None
        values = np.asarray(values)
        if values.dtype.kind in "fiub":
            return Column(name, "number", values.astype(np.float64))
        out = np.empty(len(values), object)
        out[:] = [None if v is None or v == "" else str(v) for v in values.tolist()]
        return Column(name, "text", out)

    def keys(self) -> list[str]:
        return [str(k) for k in self.table["image_id"].tolist()]

    def tags(self) -> np.ndarray:
        """(N,) object frozensets: the tags of each image and of its objects."""
        store = self.session.store
        row = {k: i for i, k in enumerate(self.keys())}
        sets: list[set] = [set() for _ in range(self.n)]
        pairs = list(store.all_image_tags().items())
        own = own_object_tags(store.all_object_tags(), getattr(self.session, "model", None))
        pairs += [(key[0], names) for key, names in own.items()]  # this model's objects only
        for key, names in pairs:
            i = row.get(str(key))
            if i is not None:
                sets[i] |= set(names)
        out = np.empty(self.n, object)
        out[:] = [frozenset(s) for s in sets]
        return out

    def statuses(self) -> np.ndarray:
        got = self.session.store.statuses()
        out = np.empty(self.n, object)
        out[:] = [getattr(got.get(k), "value", got.get(k)) or "unreviewed" for k in self.keys()]
        return out


def where_rows(session, texts, original: bool = False,
               columns: SessionColumns | None = None) -> tuple[np.ndarray, list[str]]:
    """(rows passing every expression (S,) int64, warnings); every row when ``texts`` is
    empty."""
    columns = columns or SessionColumns(session, original)
    if not texts:
        return np.arange(columns.n, dtype=np.int64), []
    sel = select(texts, columns.n, columns, columns.names())
    return np.flatnonzero(sel.mask), sel.warnings
