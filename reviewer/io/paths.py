"""Where Reviewer may write: outputs never land on an input, the project or a dangerous folder.

``protected_paths(project)`` names what must never be overwritten or deleted: the project folder
(its ``reviewer.json`` and review store) and every input (images, GT, predictions, classes).
``check_output_file(path, protected)`` refuses a file output (``score --csv``) that is one of
them or lies inside one; ``check_output_folder(path, protected)`` refuses a folder output
(``export --out``) that is, contains or lies inside one of them, the working directory, the
home folder or a filesystem root. Both raise ``UnsafeOutputError`` with a message that names the
path and why; callers turn it into their own error type.

``csv_cell(value)`` escapes text a spreadsheet would run as a formula (OWASP CSV injection: a
leading ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a ``'`` in front).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from reviewer import tasks

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class UnsafeOutputError(ValueError):
    """An output path that would overwrite or delete something it must not."""


def csv_cell(value):
    """``value`` made safe for a CSV cell opened by a spreadsheet (non-text values unchanged)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def protected_paths(project) -> list[tuple[str, Path]]:
    """(what, absolute path) for the project folder and every input path of ``project``."""
    out = [("the project folder", Path(project.root)), ("the images folder", Path(project.images))]
    for name, inputs in project.inputs.items():
        for key, path in tasks.get(name).input_paths(inputs).items():
            out.append((f"the {name} {_INPUT_NAMES.get(key, key)}", Path(path)))
    return out


_INPUT_NAMES = {"gt": "ground truth", "pred": "predictions", "classes": "classes file"}


def outside_inputs(project) -> list[tuple[str, Path]]:
    """(what, path) of the inputs that lie outside the project folder (a project may read
    anywhere its reviewer.json points; this is how the reviewer gets told)."""
    root = _resolved(Path(project.root))
    return [(what, p) for what, p in protected_paths(project)[1:]
            if not _inside(_resolved(p), root)]


def outside_notice(project) -> str | None:
    """One line naming the inputs outside the project folder, or None."""
    outside = outside_inputs(project)
    if not outside:
        return None
    names = ", ".join(f"{what.removeprefix('the ')} {p}" for what, p in outside)
    return f"this project reads inputs outside its folder: {names}"


def _resolved(path: Path) -> Path:
    return Path(os.path.realpath(Path(path).expanduser().absolute()))


def _inside(child: Path, parent: Path) -> bool:
    return child == parent or child.is_relative_to(parent)


def check_output_file(path, protected: Iterable[tuple[str, Path]]) -> Path:
    """The resolved ``path``; UnsafeOutputError when it is a protected path, a file of the
    project (reviewer.json, the store) or lies inside a GT / prediction folder."""
    target = _resolved(Path(path))
    for what, p in protected:
        p = _resolved(p)
        if target == p:
            raise UnsafeOutputError(f"{path}: is {what}; Reviewer never overwrites its inputs "
                                    "(write the output elsewhere)")
        if p.is_dir() and _inside(target, p) and what not in _MAY_HOLD_OUTPUTS:
            raise UnsafeOutputError(f"{path}: lies inside {what} ({p}); write the output "
                                    "elsewhere")
        if what == "the images folder" and _inside(target, p) and target.exists():
            raise UnsafeOutputError(f"{path}: would overwrite a file in {what}")
        if what == "the project folder" and target.parent == p and target.name in _PROJECT_FILES:
            raise UnsafeOutputError(f"{path}: is a file of the project ({target.name})")
    return target


_MAY_HOLD_OUTPUTS = ("the project folder", "the images folder")  # new files there harm nothing
_PROJECT_FILES = ("reviewer.json", "review.sqlite", "review.sqlite-wal", "review.sqlite-shm",
                  "review.sqlite.lock")


def check_output_folder(path, protected: Iterable[tuple[str, Path]]) -> Path:
    """The resolved folder ``path``; UnsafeOutputError when replacing it could delete something
    that is not an export: a filesystem root, the home folder, the working directory (or a folder
    holding it), the project or an input (being, containing or lying inside one)."""
    text = str(path)
    if not text.strip():
        raise UnsafeOutputError("the output folder is empty (an unset variable?); name a folder")
    target = _resolved(Path(path))
    if target.parent == target:
        raise UnsafeOutputError(f"{path}: is a filesystem root")
    home = _resolved(Path.home())
    if target == home:
        raise UnsafeOutputError(f"{path}: is your home folder")
    cwd = _resolved(Path.cwd())
    if _inside(cwd, target):
        raise UnsafeOutputError(f"{path}: is or contains the working directory ({cwd})")
    for what, p in protected:
        p = _resolved(p)
        if _inside(p, target):
            relation = "is" if p == target else "contains"
            raise UnsafeOutputError(f"{path}: {relation} {what} ({p})")
        if _inside(target, p):
            raise UnsafeOutputError(f"{path}: lies inside {what} ({p}); export next to the "
                                    "project instead")
    return target
