"""The project cache: what loading and scoring one task produced, kept beside ``reviewer.json``.

Opening a project parses its inputs and scores every image; on a large dataset that takes
seconds to minutes, and it gives the same answer until an input or a setting changes. So
``open_task`` keeps its result (``TaskData``: the dataset's tables, the per-image scores and
table, the loaders' problems) in ``PROJECT/.reviewer-cache/<task>-<settings>.cache``
(io/cache_pack.py: numeric columns memory-mapped) and reads it back on the next opening
instead, when it is still valid:

- the same inputs: each input file's size, modification time and SHA-256 (io/fingerprints.py; the
  hash is only recomputed when size or time moved), each input folder's listing, and the images
  folder's own size and time (images added or removed change the loaders' problems);
- the same settings: the task, its inputs after command-line overrides (thresholds, formats), the
  images folder;
- the same code: Reviewer's version, the cache format and the size / time of every module of the
  ``reviewer`` package (a changed loader or metric never reads an old result).

The cache holds the *original* data only: corrections live in the review store and are replayed
on top at every opening (io/session.py), never cached. A cache that cannot be read (partial,
corrupt, written by something else) is ignored with a note and rebuilt; one that cannot be
written (read-only folder, full disk) is skipped with a note: the opening never fails because
of the cache. Writes are atomic (a temporary file, then a rename). The cache is never written
into the dataset's folders, only into the project folder, and ``export`` never copies it. Delete
the folder (or set ``REVIEWER_NO_CACHE=1``) to do without it.

``table`` reads only the per-image table and the images' review keys of a valid cache: the
review-state commands (``reviewer tag``, ``status``, ``assign``…) find an image with it without
loading the project (io/review_only.py).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import fields, is_dataclass, replace
from functools import lru_cache
from pathlib import Path

import msgspec
import numpy as np

import reviewer
from reviewer import tasks
from reviewer.core.review import review_keys
from reviewer.io.cache_pack import CacheCorrupt, Packed, Unpackable, find, pack
from reviewer.io.fingerprints import fingerprint

CACHE_DIR = ".reviewer-cache"
FORMAT = 1
_KEEP = 8  # cache files kept per task (models, thresholds); the oldest go first


def enabled() -> bool:
    return os.environ.get("REVIEWER_NO_CACHE", "") in ("", "0")


def cache_folder(project) -> Path:
    return Path(project.root) / CACHE_DIR


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """SHA-256 over the relative path, size and modification time of every module of the
    ``reviewer`` package, with its version and the cache format."""
    root = Path(reviewer.__file__).parent
    digest = hashlib.sha256(f"{reviewer.__version__}\0{FORMAT}\n".encode())
    for path in sorted(root.rglob("*.py")):
        st = path.stat()
        digest.update(f"{path.relative_to(root).as_posix()}\0{st.st_size}\0"
                      f"{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _plain(value):
    if isinstance(value, Path):
        return str(value)
    return value


def settings(project, task: str, inputs) -> dict:
    """What, besides the input files' contents and the code, decides the loaded data."""
    values = ({f.name: _plain(getattr(inputs, f.name)) for f in fields(inputs)}
              if is_dataclass(inputs) else {"inputs": repr(inputs)})
    images = None if project.images is None else str(project.images)
    return {"task": task, "inputs": values, "images": images}


def _images_stat(project) -> list | None:
    try:
        st = Path(project.images).stat() if project.images is not None else None
    except OSError:
        return None
    return None if st is None else [st.st_size, st.st_mtime_ns]


def cache_file(project, task: str, inputs) -> Path:
    blob = json.dumps(settings(project, task, inputs), sort_keys=True, default=str)
    return cache_folder(project) / f"{task}-{hashlib.sha256(blob.encode()).hexdigest()[:16]}.cache"


def _key(project, task: str, inputs, known: dict | None) -> dict:
    return {"format": FORMAT, "code": code_fingerprint(),
            "settings": json.loads(json.dumps(settings(project, task, inputs), default=str)),
            "fingerprints": _fingerprints(task, inputs, known),
            "images_folder": _images_stat(project)}


def _fingerprints(task: str, inputs, known: dict | None) -> dict:
    """Fingerprints of the path inputs of ``inputs`` (the model's own predictions included)."""
    known = known or {}
    return {key: fingerprint(path, known.get(key))
            for key, path in tasks.get(task).input_paths(inputs).items()}


def _open_valid(project, task: str, inputs) -> tuple[Packed | None, str | None]:
    """(the open cache file when it is valid, None) / (None, a note when it was unreadable)."""
    path = cache_file(project, task, inputs)
    if not path.is_file():
        return None, None
    try:
        packed = Packed(path)
    except CacheCorrupt as exc:
        return None, f"the project cache {CACHE_DIR}/{path.name} is unreadable ({exc}): rebuilt"
    meta = packed.meta if isinstance(packed.meta, dict) else {}
    recorded = meta.get("fingerprints") if isinstance(meta.get("fingerprints"), dict) else {}
    if _key(project, task, inputs, recorded) != meta:
        packed.close()
        return None, None
    return packed, None


def load(project, task: str, inputs):
    """(TaskData from a valid cache or None, notes)."""
    if not enabled():
        return None, []
    packed, note = _open_valid(project, task, inputs)
    if packed is None:
        return None, [note] if note else []
    with packed:
        try:
            data = packed.member(find(packed.tree, "data"))
        except CacheCorrupt as exc:
            return None, [f"the project cache {CACHE_DIR}/{cache_file(project, task, inputs).name}"
                          f" is unreadable ({exc}): rebuilt"]
    return data, []


def save(project, task: str, inputs, data) -> list[str]:
    """Write ``data`` as the cache of (task, inputs); -> notes (a cache not written says why)."""
    if not enabled():
        return []
    folder = cache_folder(project)
    path = cache_file(project, task, inputs)
    try:
        folder.mkdir(exist_ok=True)
        keys = review_keys(data.table["image_id"], data.table["file_name"])
        pack(path, _key(project, task, inputs, None),
             {"data": replace(data, notices=[]), "review_keys": _objects(keys)})
        _prune(folder, task, keep=path)
    except (Unpackable, msgspec.EncodeError, OverflowError):
        return []  # this task's data is not cacheable: opened from the inputs every time
    except OSError as exc:
        return [f"the project cache was not written ({folder}: {exc.strerror or exc}); "
                "the next opening loads the inputs again"]
    return []


def _prune(folder: Path, task: str, keep: Path) -> None:
    files = sorted(folder.glob(f"{task}-*.cache"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for old in [p for p in files if p != keep][_KEEP - 1:]:
        old.unlink(missing_ok=True)


def _objects(values: list) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def table(project, task: str, inputs) -> tuple[dict, list[str]] | None:
    """(the per-image table (original GT), the images' review keys) of a valid cache, or None
    (no cache, or the inputs, the settings or the code changed since it was written)."""
    if not enabled():
        return None
    packed, _ = _open_valid(project, task, inputs)
    if packed is None:
        return None
    with packed:
        table_node = find(packed.tree, "data", "table")
        keys_node = find(packed.tree, "review_keys")
        if table_node is None or keys_node is None:
            return None
        try:
            return packed.member(table_node), packed.member(keys_node).tolist()
        except CacheCorrupt:
            return None
