"""Input and export formats: one module per format, one registry (this module). Qt-free.

A *format* is a plug-in of a task's inputs and exports. Each registered object follows the
``Format`` protocol:

- ``name`` (``"yolo"``), ``task`` (``"detection"`` or ``"segmentation"``), ``roles`` (a subset of
  ``{"gt", "pred"}``), ``description`` (one line for ``--help`` and messages);
- ``sniff(path, role=None) -> (bool, reason)``: whether ``path`` looks like this format; the
  reason says why not (or what was recognised), so an unknown layout can be explained;
- ``load(path, images_dir, role="gt", gt=None, **options) -> Loaded``: the same tables the COCO
  loader builds (``ImageTable``, ``CategoryTable``, ``AnnotationTable``) and the problems, one
  per bad line or element naming the file and the entry; predictions (``role="pred"``) are joined
  to ``gt`` (a ``Loaded`` of the ground truth) as ``io.coco.load_predictions`` joins them;
  ``InputError`` only when nothing usable remains;
- ``export(source, out, rows) -> LossReport`` for formats Reviewer writes (``exports`` is True):
  ``source`` is an ``ExportSource`` (the corrected tables); what the format cannot hold is
  counted in the loss report.

The registry: ``get(name)``, ``names(task, role)``, ``sniff_all(path, role, task)``,
``detect(path, role, task)`` (the one format that fits, or ``InputError`` listing every format
considered and why each was rejected) and ``guess_task(path)`` (what ``init`` assumes without
``--task``: a YOLO label folder is detection, a folder of label PNGs segmentation).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from reviewer.core.problems import InputError, Problem
from reviewer.formats.loss import LossReport

__all__ = ["Format", "Loaded", "LossReport", "ExportSource", "register", "get", "names",
           "formats", "sniff_all", "detect", "guess_task", "EXPORT_NAMES"]

ROLES = ("gt", "pred")


@dataclass(frozen=True)
class Loaded:
    """What a detection format loaded: images, categories, annotations (GT or predictions, in
    the COCO loader's tables) and the problems found. For predictions, ``images`` and
    ``categories`` are the ground truth's (the predictions are joined to them)."""

    images: object
    categories: object
    annotations: object
    problems: list[Problem] = field(default_factory=list)
    format: str = ""


@dataclass(frozen=True)
class ExportSource:
    """The corrected dataset an export writes: a ``DetectionDataset`` (GT only), the images
    folder (for image sizes and relative paths), the original GT path and its format."""

    dataset: object
    images_dir: Path | None
    gt_path: Path | None = None
    gt_format: str = "coco"
    document: object = None


@runtime_checkable
class Format(Protocol):
    name: str
    task: str
    roles: frozenset
    description: str
    exports: bool

    def sniff(self, path, role: str | None = None) -> tuple[bool, str]: ...

    def load(self, path, images_dir=None, role: str = "gt", gt: Loaded | None = None,
             **options) -> Loaded: ...


_REGISTRY: dict[str, Format] = {}


def register(fmt: Format) -> Format:
    """Add a format (its name must be new)."""
    if fmt.name in _REGISTRY:
        raise ValueError(f"format {fmt.name!r} is registered twice")
    _REGISTRY[fmt.name] = fmt
    return fmt


_MODULES = ("coco", "yolo", "voc", "labelme", "cvat", "textpred", "semantic")
"""Format modules in detection priority order; each registers its formats when imported."""


def _ensure_loaded() -> None:
    if not _REGISTRY:
        import importlib
        for module in _MODULES:
            importlib.import_module(f"reviewer.formats.{module}")


def get(name: str) -> Format:
    """The format called ``name``; ``KeyError`` naming the known ones otherwise."""
    _ensure_loaded()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown format {name!r} (known: {', '.join(names())})") from None


def formats(task: str | None = None, role: str | None = None) -> list[Format]:
    """Registered formats, in detection priority order, optionally for one task / role."""
    _ensure_loaded()
    return [f for f in _REGISTRY.values()
            if (task is None or f.task == task) and (role is None or role in f.roles)]


def names(task: str | None = None, role: str | None = None) -> list[str]:
    return [f.name for f in formats(task, role)]


EXPORT_NAMES = ("coco", "yolo", "voc", "labelme")
"""The formats ``reviewer export --format`` writes (detection)."""


def sniff_all(path, role: str | None = None, task: str | None = None
              ) -> list[tuple[str, bool, str]]:
    """[(format name, fits, reason)] for every format of ``task`` taking ``role``."""
    out = []
    for f in formats(task, role):
        try:
            ok, reason = f.sniff(Path(path), role)
        except OSError as exc:
            ok, reason = False, f"cannot be read ({exc.strerror or exc})"
        out.append((f.name, ok, reason))
    return out


_BY_EXTENSION = {".json": "coco", ".xml": "cvat"}
"""A file that fits no format but has one of these extensions is read by that format's loader
(an empty or truncated instances.json gets the COCO loader's message, not a list of formats)."""


def detect(path, role: str = "gt", task: str | None = None) -> Format:
    """The one format ``path`` fits; InputError naming every format considered and why each was
    rejected when none fits, or the candidates when several do."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: file or folder not found")
    results = sniff_all(path, role, task)
    fits = [n for n, ok, _ in results if ok]
    if len(fits) == 1:
        return get(fits[0])
    by_extension = _BY_EXTENSION.get(path.suffix.lower()) if path.is_file() else None
    if not fits and by_extension and role in get(by_extension).roles and \
            (task is None or get(by_extension).task == task):
        return get(by_extension)  # its own loader says precisely what is wrong with the file
    what = "ground truth" if role == "gt" else "predictions"
    flag = "--gt-format" if role == "gt" else "--pred-format"
    if fits:
        message = (f"{path}: the {what} fit several formats ({', '.join(fits)}); choose one with "
                   f"{flag}")
    else:
        message = f"{path}: the {what} are in no format Reviewer reads"
    details = [Problem(str(path), "", f"not {n}: {reason}" if not ok else f"fits {n}: {reason}",
                       severity="error" if not fits else "warning")
               for n, ok, reason in results]
    tried = "; ".join(f"{n}: {reason}" for n, ok, reason in results if not ok)
    raise InputError(f"{message} (considered {tried})" if not fits else message, details)


def guess_task(path) -> str:
    """The task the ground truth at ``path`` belongs to: the task of the first format it fits
    (a folder of YOLO .txt labels is detection, a folder of label PNGs segmentation). A folder
    that fits none is segmentation only when it holds PNG files (the label PNG loader then names
    the bad ones); anything else is detection, whose loader explains which formats were
    considered and why each was rejected."""
    import os
    path = Path(path)
    if not path.is_dir():
        return "detection"
    for name, ok, _ in sniff_all(path, "gt"):
        if ok:
            return get(name).task
    has_png = any(f.lower().endswith(".png") for _, _, files in os.walk(path) for f in files)
    return "segmentation" if has_png else "detection"
