"""File plumbing of the export: a staging folder renamed onto the target, and safe paths.

``staging(out, force, protected)`` yields a temporary folder created next to ``out`` (same
filesystem). When the body succeeds the folder is renamed onto ``out``; when it raises, the
folder is removed and ``out`` is untouched. ``out`` must never be, contain or lie inside the
project or an input, the working directory, home or a root (``reviewer.io.paths``). A non-empty
``out`` is refused unless ``force`` and unless an earlier export made it (the marker file
``.reviewer-export.json``); then the old folder is renamed aside, the new one renamed in, and the
old one deleted. Staging folders left by a killed export are cleaned on the next export.

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
import re
import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path, PurePosixPath, PureWindowsPath

from reviewer.io.paths import UnsafeOutputError, check_output_folder, csv_cell


class ExportError(Exception):
    """The export cannot be done as asked; the message names the folder or entry and why."""


MARKER = ".reviewer-export.json"  # written into every export: only such a folder is replaced
_STAGING = re.compile(r"^\.(?P<name>.+)\.(?P<kind>export|old)-(?:(?P<pid>\d+)-)?[0-9a-f]{12}$")
STALE_AFTER_S = 3600  # a staging folder without a live owner is stale after this long


def _is_empty_dir(path: Path) -> bool:
    with os.scandir(path) as it:
        return next(it, None) is None


def check_target(out: Path, force: bool, protected=()) -> None:
    """Raise ExportError when ``out`` cannot be (re)placed by an export.

    protected: (what, path) pairs (``reviewer.io.paths.protected_paths``) that the target must
    not be, contain or lie inside; the working directory, home and filesystem roots never can.
    A non-empty folder is replaced only with ``force`` and only when an earlier export made it
    (it holds the ``.reviewer-export.json`` marker).
    """
    try:
        check_output_folder(out, protected)
    except UnsafeOutputError as exc:
        raise ExportError(f"refusing to export there: {exc}") from None
    out = Path(out).expanduser().absolute()
    if not out.exists() and not out.is_symlink():
        return
    if not out.is_dir() or out.is_symlink():
        raise ExportError(f"{out}: exists and is not a folder")
    if _is_empty_dir(out):
        return
    if not (out / MARKER).is_file():
        raise ExportError(f"{out}: the folder is not empty and was not made by a Reviewer export "
                          f"(no {MARKER} inside); choose a new or empty folder")
    if not force:
        raise ExportError(f"{out}: holds an earlier export (use --force to replace it)")


def _owner_alive(pid: str | None) -> bool | None:
    """True / False when the staging folder names a pid on this host, None when it does not."""
    if not pid:
        return None
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True
    return True


def clean_stale(out: Path) -> list[str]:
    """Remove staging folders a killed export left next to ``out``; returns what was done.

    ``.OUT.export-*`` folders are half-written exports: removed. ``.OUT.old-*`` folders are
    earlier exports renamed aside during the final swap: when ``out`` is missing (the kill hit
    between the two renames) the newest is renamed back to ``out``, the others are removed.
    A folder whose owning process still runs (or, for names without a pid, younger than
    ``STALE_AFTER_S``) is left alone.
    """
    out = Path(out).expanduser().absolute()
    if not out.parent.is_dir():
        return []
    stale = []
    for entry in out.parent.iterdir():
        m = _STAGING.match(entry.name)
        if not m or m["name"] != out.name or not entry.is_dir() or entry.is_symlink():
            continue
        alive = _owner_alive(m["pid"])
        if alive is None:
            alive = time.time() - entry.stat().st_mtime < STALE_AFTER_S
        if not alive:
            stale.append((m["kind"], entry))
    notes = []
    olds = sorted((e for k, e in stale if k == "old"), key=lambda e: e.stat().st_mtime)
    if olds and not out.exists() and (olds[-1] / MARKER).is_file():
        os.rename(olds.pop(), out)
        notes.append(f"restored {out.name} from an interrupted export's backup")
    for _, entry in stale:
        if entry.exists():
            shutil.rmtree(entry, ignore_errors=True)
            notes.append(f"removed {entry.name}, left by an interrupted export")
    return notes


def write_marker(folder: Path, info: dict) -> None:
    """The marker that lets a later ``--force`` export replace ``folder``."""
    (folder / MARKER).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")


@contextlib.contextmanager
def staging(out, force: bool = False, protected=(), notes: list | None = None) -> Iterator[Path]:
    """A temporary folder next to ``out`` that becomes ``out`` when the block succeeds.

    Stale staging folders of earlier, killed exports are cleaned first (appended to ``notes``).
    """
    out = Path(out).expanduser().absolute()
    check_target(out, force, protected)
    out.parent.mkdir(parents=True, exist_ok=True)
    cleaned = clean_stale(out)
    if notes is not None:
        notes.extend(cleaned)
    check_target(out, force, protected)  # a restored backup counts as an earlier export
    tmp = out.parent / f".{out.name}.export-{os.getpid()}-{uuid.uuid4().hex[:12]}"
    tmp.mkdir()  # mode from the umask, like any folder the user creates
    try:
        yield tmp
        check_target(out, force, protected)  # something may have appeared meanwhile
        _swap_in(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _swap_in(tmp: Path, out: Path) -> None:
    """Rename ``tmp`` onto ``out``; an existing ``out`` is renamed aside first, then deleted."""
    if not out.exists():
        os.rename(tmp, out)
        return
    aside = out.parent / f".{out.name}.old-{os.getpid()}-{uuid.uuid4().hex[:12]}"
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
        w.writerow([csv_cell(h) for h in header])
        w.writerows([csv_cell(v) for v in row] for row in rows)
    return path
