"""Metadata files: reading a user's CSV / Parquet / JSON-lines table and matching its images.

``read_metadata_file(path)`` -> ``RawMetadata``: the key cells (column ``image``, or
``file_name``, ``filename``, ``path``, ``image_id``, ``id``), one list of raw cells per other
column, and how a user finds each row (``line 18`` of a CSV or JSON-lines file, ``row 17`` of a
Parquet file). ``type_rows(raw, index, log)`` matches the keys to the project's images
(``ImageIndex``), drops and reports rows whose image is unknown or listed twice, and types each
column (``core.metadata.infer_column``: a value of another kind than its column's is reported and
left empty). An unreadable file or one without a key column raises ``InputError``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from reviewer.core.metadata import RESERVED, Column, infer_column
from reviewer.core.problems import InputError
from reviewer.io.coco_validate import ProblemLog

KEY_NAMES = ("image", "file_name", "filename", "path", "image_id", "id")
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")


@dataclass
class RawMetadata:
    file: str
    keys: list
    entries: list
    columns: dict = field(default_factory=dict)  # name -> list of raw cells
    notes: list = field(default_factory=list)


def read_metadata_file(path) -> RawMetadata:
    """Read a metadata table (see the module docstring)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: metadata file not found")
    if str(path).lower().endswith(JSONL_SUFFIXES):
        cells, entries, notes = _read_jsonl(path)
    else:
        from reviewer.tasks.classification.table_files import read_table
        raw = read_table(path, float_columns=None if _parquet(path) else (lambda c: False))
        cells = {c: list(raw.values(c)) for c in raw.columns}
        entries = [raw.entry(r) for r in range(len(raw))]
        notes = list(raw.notes)
    key = _key_column(list(cells))
    if key is None:
        raise InputError(f"{path}: no image column (one of {', '.join(KEY_NAMES)}); the "
                         f"columns are {', '.join(cells) or 'none'}")
    keys = [_key(v) for v in cells.pop(key)]
    return RawMetadata(str(path), keys, entries, cells, notes)


def _parquet(path: Path) -> bool:
    return str(path).lower().endswith((".parquet", ".pq"))


def _key_column(columns: list[str]) -> str | None:
    lower = {c.lower(): c for c in reversed(columns)}
    return next((lower[n] for n in KEY_NAMES if n in lower), None)


def _key(value) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip().replace("\\", "/")
    while text.startswith("./"):
        text = text[2:]
    return text or None


def _read_jsonl(path: Path) -> tuple[dict, list, list]:
    """JSON lines (one object per line; a ``.json`` file may also hold one list of objects)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot be read ({exc})") from None
    rows, entries, notes = [], [], []
    if text.lstrip().startswith("["):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}: not valid JSON ({exc})") from None
        items = [(f"[{i}]", v) for i, v in enumerate(data)]
    else:
        items = []
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                items.append((f"line {n}", json.loads(line)))
            except json.JSONDecodeError as exc:
                notes.append(f"line {n}: not a JSON object ({exc.msg}); line skipped")
    for entry, obj in items:
        if not isinstance(obj, dict):
            notes.append(f"{entry}: not a JSON object; skipped")
            continue
        rows.append(obj)
        entries.append(entry)
    if not rows:
        raise InputError(f"{path}: no JSON object found (one object per line, each with an "
                         "'image' key)")
    names = list(dict.fromkeys(k for r in rows for k in r))
    cells = {c: [_scalar(r.get(c)) for r in rows] for c in names}
    return cells, entries, notes


def _scalar(value):
    return json.dumps(value) if isinstance(value, dict | list) else value


# --- the project's images -----------------------------------------------------------------------
@dataclass
class ImageIndex:
    """The project's images by review key (file name), with the other names users give them:
    an image id of any task, the file name without folders or without extension when unique."""

    keys: list
    aliases: dict = field(default_factory=dict)

    @classmethod
    def build(cls, keys, ids_by_task=()) -> ImageIndex:
        """keys: review keys; ids_by_task: per task, (N,) image ids aligned to its keys (a list
        of (ids, keys) pairs)."""
        keys = [str(k) for k in keys]
        aliases: dict = {}
        taken: dict = {}
        for k in keys:
            base = k.rsplit("/", 1)[-1]
            for alias in {base, base.rsplit(".", 1)[0]} - {k}:
                taken[alias] = taken.get(alias, 0) + 1
                aliases[alias] = k
        for alias, n in taken.items():
            if n > 1:
                aliases.pop(alias, None)
        for ids, task_keys in ids_by_task:
            for i, k in zip(ids, task_keys, strict=True):
                aliases.setdefault(str(i), str(k))
        own = set(keys)
        return cls(keys, {a: k for a, k in aliases.items() if a not in own})

    def find(self, name: str | None) -> str | None:
        if name is None:
            return None
        if name in self._own:
            return name
        return self.aliases.get(name)

    @property
    def _own(self) -> set:
        cached = getattr(self, "_own_set", None)
        if cached is None:
            cached = self._own_set = set(self.keys)
        return cached


@dataclass
class MetadataFrame:
    """Typed metadata rows keyed by review key: keys (M,) object; columns name -> Column over
    the M rows (in file order)."""

    keys: np.ndarray
    columns: dict

    @classmethod
    def empty(cls) -> MetadataFrame:
        return cls(np.zeros(0, object), {})


def type_rows(raw: RawMetadata, index: ImageIndex, log: ProblemLog) -> MetadataFrame:
    """Match and type ``raw`` (see the module docstring); problems go to ``log``."""
    for note in raw.notes:
        log.add("", note)
    keep, keys, first = [], [], {}
    for r, name in enumerate(raw.keys):
        found = index.find(name)
        if name is None:
            log.add(raw.entries[r], "no image name; row skipped", kind="no image name")
        elif found is None:
            log.add(raw.entries[r], f"image {name!r} is not in the project; row skipped",
                    kind="unknown image")
        elif found in first:
            log.add(raw.entries[r], f"image {name!r} is listed again (first at "
                                    f"{raw.entries[first[found]]}); row skipped",
                    kind="duplicate row")
        else:
            first[found] = r
            keep.append(r)
            keys.append(found)
    columns = {}
    for name, cells in raw.columns.items():
        if name.lower() in RESERVED or not name:
            log.add("", f"column {name!r} is reserved ({', '.join(sorted(RESERVED))} are "
                        "built in); column skipped", severity="warning")
            continue
        typed = infer_column([cells[r] for r in keep])
        for m in typed.mixed.tolist():
            r = keep[m]
            log.add(raw.entries[r], f"column {name!r}: {cells[r]!r} is not a {typed.kind} "
                                    f"(the column holds {typed.kind} values: mixed types); "
                                    "value left empty", severity="warning",
                    kind=f"mixed types in {name}", image_id=keys[m])
        columns[name] = Column(name, typed.kind, typed.values)
    return MetadataFrame(np.asarray(keys, object), columns)
