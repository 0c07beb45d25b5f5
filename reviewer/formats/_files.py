"""Walking a dataset folder the one way every format reader does: sorted, hidden files and folders
left out, files picked by extension."""

from __future__ import annotations

import os
from collections.abc import Iterator
from itertools import islice
from pathlib import Path


def walk_files(root: Path, suffixes: tuple[str, ...] | frozenset | set,
               skip: frozenset | set = frozenset()) -> Iterator[Path]:
    """The files under ``root`` whose lower-case extension is in ``suffixes`` (".txt"), in sorted
    order (folders first by name, then their files), neither hidden nor named in ``skip``."""
    for dirpath, dirnames, files in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for f in sorted(files):
            if (not f.startswith(".") and f not in skip
                    and os.path.splitext(f)[1].lower() in suffixes):
                yield Path(dirpath) / f


def keyed_files(root: Path, suffix: str, skip: frozenset | set = frozenset()) -> dict[str, Path]:
    """key (path relative to ``root`` without the extension, posix) -> file, for ``walk_files``."""
    return {p.relative_to(root).with_suffix("").as_posix(): p
            for p in walk_files(root, (suffix,), skip)}


def first_files(root: Path, suffix: str, n: int,
                skip: frozenset | set = frozenset()) -> list[Path]:
    """The first ``n`` files of ``walk_files`` (what format detection samples)."""
    return list(islice(walk_files(root, (suffix,), skip), n))
