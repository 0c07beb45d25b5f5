"""File plumbing of the export: a staging folder renamed onto the target, and safe paths.

``staging(out, force)`` yields a temporary folder created next to ``out`` (same filesystem).
When the body succeeds the folder is renamed onto ``out``; when it raises, the folder is removed
and ``out`` is untouched. A non-empty ``out`` is refused unless ``force``; then the old folder is
renamed aside, the new one renamed in, and the old one deleted.

``safe_join(root, name)`` is the only way the export turns a name taken from the dataset into a
path: absolute names, drive letters and ``..`` components are rejected, and the resolved path
must lie inside ``root`` (this also catches symlinks pointing out).
"""

from __future__ import annotations

import contextlib
import csv
import json
import math
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path, PurePosixPath, PureWindowsPath


class ExportError(Exception):
    """The export cannot be done as asked; the message names the folder or entry and why."""


def _is_empty_dir(path: Path) -> bool:
    with os.scandir(path) as it:
        return next(it, None) is None


def check_target(out: Path, force: bool) -> None:
    """Raise ExportError when ``out`` cannot be (re)placed by an export."""
    if not out.exists() and not out.is_symlink():
        return
    if out.is_dir() and not out.is_symlink():
        if force or _is_empty_dir(out):
            return
        raise ExportError(f"{out}: the folder is not empty (use --force to replace it)")
    raise ExportError(f"{out}: exists and is not a folder")


@contextlib.contextmanager
def staging(out, force: bool = False) -> Iterator[Path]:
    """A temporary folder next to ``out`` that becomes ``out`` when the block succeeds."""
    out = Path(out).expanduser().absolute()
    check_target(out, force)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.export-{uuid.uuid4().hex[:12]}"
    tmp.mkdir()  # mode from the umask, like any folder the user creates
    try:
        yield tmp
        check_target(out, force)  # something may have appeared meanwhile
        _swap_in(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _swap_in(tmp: Path, out: Path) -> None:
    """Rename ``tmp`` onto ``out``; an existing ``out`` is renamed aside first, then deleted."""
    if not out.exists():
        os.rename(tmp, out)
        return
    aside = out.parent / f".{out.name}.old-{uuid.uuid4().hex[:12]}"
    os.rename(out, aside)
    try:
        os.rename(tmp, out)
    except BaseException:
        os.rename(aside, out)
        raise
    shutil.rmtree(aside, ignore_errors=True)


def safe_join(root: Path, name: str) -> Path:
    """``root / name`` for a relative name that stays inside ``root``; ExportError otherwise."""
    text = str(name)
    if not text or "\x00" in text:
        raise ExportError(f"{text!r}: not a usable file name")
    win = PureWindowsPath(text)
    if PurePosixPath(text).is_absolute() or win.is_absolute() or win.drive or win.root:
        raise ExportError(f"{text!r}: an absolute path cannot be written inside the export")
    parts = PurePosixPath(text.replace("\\", "/")).parts
    if ".." in parts:
        raise ExportError(f"{text!r}: a name with '..' would leave the export folder")
    root = Path(root).resolve()
    path = (root / Path(*parts)).resolve()
    if path == root or not path.is_relative_to(root):
        raise ExportError(f"{text!r}: resolves outside the export folder")
    return path


def _json_default(v):
    if hasattr(v, "item"):
        return v.item()
    if isinstance(v, bytes):
        return v.decode("ascii")
    if isinstance(v, set | frozenset | tuple):
        return list(v)
    raise TypeError(f"{type(v).__name__} is not JSON serialisable")


def clean_json(value):
    """NaN -> None recursively (JSON has no NaN)."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: clean_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_json(v) for v in value]
    return value


def write_json(root: Path, name: str, data, indent: int | None = 2) -> Path:
    """Write ``data`` as UTF-8 JSON at ``root/name`` (name checked with ``safe_join``)."""
    path = safe_join(root, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, indent=indent, ensure_ascii=False, allow_nan=False,
                      default=_json_default)
    path.write_text(text + "\n", encoding="utf-8")
    return path


def write_csv(root: Path, name: str, header: list[str], rows: list[list]) -> Path:
    """Write a CSV with ``header`` and ``rows`` at ``root/name``."""
    path = safe_join(root, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path
