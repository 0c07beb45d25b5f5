"""The project file: ``PROJECT/reviewer.json``, human-readable, schema-versioned.

```json
{
  "reviewer_project": 1,
  "name": "sample",
  "images": "images",
  "default_task": "detection",
  "detection": {"gt": "annotations/instances_gt.json", "pred": "annotations/predictions.json",
                "iou_threshold": 0.5, "score_threshold": 0.5},
  "segmentation": {"gt": "semantic/gt", "pred": "semantic/pred",
                   "classes": "semantic/classes.json", "ignore_index": 255},
  "store": {"url": "postgresql://alice@db.example.org:5432/review",
            "schema": "rv_sample_3fa2c1"}
}
```

``store`` is optional: without it the review store is ``review.sqlite`` beside the file; with it,
the review lives on that PostgreSQL server in that schema (never a password in the URL).

Paths are stored relative to the project folder when they lie inside it (or anywhere a relative
path reaches), absolute otherwise. Unknown keys, wrong types and missing files are reported as a
``ProjectError`` that names the file and the key. The review store lives beside it
(``review.sqlite``).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from reviewer.io.store_url import StoreLocation, check_schema, check_url, strip_password

PROJECT_FILE = "reviewer.json"
STORE_FILE = "review.sqlite"
SCHEMA_VERSION = 1
TASKS = ("detection", "segmentation")


class ProjectError(Exception):
    """A project file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class DetectionInputs:
    """gt_format / pred_format: a format name of ``reviewer.formats`` (None: COCO, or found
    from the path when the project was made before formats were recorded); classes: a class
    names file (YOLO data.yaml, voc.names, ...); options: format options (``difficult``)."""

    gt: Path
    pred: Path | None
    iou_threshold: float = 0.5
    score_threshold: float = 0.5
    gt_format: str | None = None
    pred_format: str | None = None
    classes: Path | None = None
    options: dict = field(default_factory=dict)


@dataclass(frozen=True)
class SegmentationInputs:
    gt: Path
    pred: Path | None
    classes: Path | None = None
    ignore_index: int = 255


@dataclass(frozen=True)
class Project:
    """A loaded project; every path is absolute."""

    root: Path
    name: str
    images: Path
    detection: DetectionInputs | None = None
    segmentation: SegmentationInputs | None = None
    default_task: str = "detection"
    extra: dict = field(default_factory=dict)
    store: StoreLocation | None = None

    @property
    def file(self) -> Path:
        return self.root / PROJECT_FILE

    @property
    def store_path(self) -> Path:
        return self.root / STORE_FILE

    @property
    def tasks(self) -> list[str]:
        return [t for t in TASKS if getattr(self, t) is not None]

    def task(self, requested: str | None = None) -> str:
        """The task to work on: ``requested`` if the project has it, else the default."""
        task = requested or self.default_task
        if task not in self.tasks:
            raise ProjectError(f"{self.file}: the project has no {task!r} inputs "
                               f"(it has: {', '.join(self.tasks) or 'none'})")
        return task


def project_file(path) -> Path:
    """PROJECT folder or PROJECT/reviewer.json -> the project file path."""
    p = Path(path)
    return p if p.suffix == ".json" and not p.is_dir() else p / PROJECT_FILE


_TOP_KEYS = {"reviewer_project", "name", "images", "default_task", "detection", "segmentation",
             "store"}
_DET_KEYS = {"gt": str, "pred": (str, type(None)), "iou_threshold": (int, float),
             "score_threshold": (int, float), "gt_format": (str, type(None)),
             "pred_format": (str, type(None)), "classes": (str, type(None)), "options": dict}
_SEG_KEYS = {"gt": str, "pred": (str, type(None)), "classes": (str, type(None)),
             "ignore_index": int}


def load_project(path, check_files: bool = True) -> Project:
    """Read and validate a project file; raise ``ProjectError`` naming file and key."""
    file = project_file(path)
    if not file.is_file():
        raise ProjectError(f"{file}: no such project file (create one with `reviewer init`)")
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProjectError(f"{file}: not a readable JSON project file ({exc})") from None
    if not isinstance(data, dict):
        raise ProjectError(f"{file}: the project file must hold a JSON object")
    version = data.get("reviewer_project")
    if not isinstance(version, int):
        raise ProjectError(f"{file}: missing key 'reviewer_project' (the schema version)")
    if version > SCHEMA_VERSION:
        raise ProjectError(f"{file}: schema version {version} was written by a newer Reviewer "
                           f"(this one reads up to {SCHEMA_VERSION})")
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise ProjectError(f"{file}: unknown key {unknown[0]!r} (known: {', '.join(sorted(_TOP_KEYS))})")
    root = file.parent.resolve()
    det = _section(data, "detection", _DET_KEYS, file)
    seg = _section(data, "segmentation", _SEG_KEYS, file)
    if det is None and seg is None:
        raise ProjectError(f"{file}: needs a 'detection' or a 'segmentation' section")
    images = data.get("images", "images")
    if not isinstance(images, str):
        raise ProjectError(f"{file}: key 'images' must be a path string")
    project = Project(
        root=root, name=str(data.get("name") or root.name), images=_abs(root, images),
        detection=None if det is None else DetectionInputs(
            gt=_abs(root, det["gt"]), pred=_abs(root, det.get("pred")),
            iou_threshold=float(det.get("iou_threshold", 0.5)),
            score_threshold=float(det.get("score_threshold", 0.5)),
            gt_format=det.get("gt_format"), pred_format=det.get("pred_format"),
            classes=_abs(root, det.get("classes")), options=dict(det.get("options") or {})),
        segmentation=None if seg is None else SegmentationInputs(
            gt=_abs(root, seg["gt"]), pred=_abs(root, seg.get("pred")),
            classes=_abs(root, seg.get("classes")), ignore_index=int(seg.get("ignore_index", 255))),
        default_task=str(data.get("default_task") or ("detection" if det else "segmentation")),
        store=store_section(data.get("store"), file))
    project.task()  # validates default_task
    if check_files:
        _check_files(project)
    return project


def _section(data: dict, name: str, keys: dict, file: Path) -> dict | None:
    sec = data.get(name)
    if sec is None:
        return None
    if not isinstance(sec, dict):
        raise ProjectError(f"{file}: {name} must be an object")
    for key, value in sec.items():
        if key not in keys:
            raise ProjectError(f"{file}: {name}.{key}: unknown key (known: {', '.join(keys)})")
        if not isinstance(value, keys[key]) or isinstance(value, bool):
            raise ProjectError(f"{file}: {name}.{key}: wrong type {type(value).__name__}")
    if "gt" not in sec:
        raise ProjectError(f"{file}: {name}.gt: missing (the ground-truth path)")
    for key in ("iou_threshold", "score_threshold"):
        if key in sec and not 0.0 <= float(sec[key]) <= 1.0:
            raise ProjectError(f"{file}: {name}.{key}: must lie in [0, 1], not {sec[key]}")
    return sec


def store_section(value, file: Path) -> StoreLocation | None:
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) - {"url", "schema"}:
        raise ProjectError(f"{file}: store must be an object with keys 'url' and 'schema'")
    try:
        url, schema = check_url(value.get("url", "")), check_schema(value.get("schema", ""))
    except ValueError as exc:
        raise ProjectError(f"{file}: store: {exc}") from None
    if strip_password(url)[1]:
        raise ProjectError(f"{file}: store.url holds a password; remove it from the file (give it "
                           "in PGPASSWORD or ~/.pgpass instead)")
    return StoreLocation(url, schema)


def _abs(root: Path, value) -> Path | None:
    if value is None:
        return None
    p = Path(value).expanduser()
    return (p if p.is_absolute() else root / p).resolve()


def _check_files(project: Project) -> None:
    need = []  # a missing images folder is only a warning (the loaders report it): metrics still work
    if project.detection:
        d = project.detection
        need += [("detection.gt", d.gt, "path"), ("detection.pred", d.pred, "path"),
                 ("detection.classes", d.classes, "file")]
    if project.segmentation:
        s = project.segmentation
        need += [("segmentation.gt", s.gt, "dir"), ("segmentation.pred", s.pred, "dir"),
                 ("segmentation.classes", s.classes, "file")]
    for key, path, kind in need:
        if path is None:
            continue
        ok = {"dir": path.is_dir, "file": path.is_file, "path": path.exists}[kind]()
        if not ok:
            what = {"dir": "dir", "file": "file", "path": "file or folder"}[kind]
            raise ProjectError(f"{project.file}: {key}: {what} not found: {path}")


def _rel(root: Path, path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        return Path(os.path.relpath(path, root)).as_posix()
    except ValueError:  # another drive on Windows
        return str(path)


def to_dict(project: Project) -> dict:
    """The JSON object written to the project file (paths relative to the root)."""
    r = project.root
    out: dict = {"reviewer_project": SCHEMA_VERSION, "name": project.name,
                 "images": _rel(r, project.images), "default_task": project.default_task}
    if project.detection:
        d = project.detection
        out["detection"] = {"gt": _rel(r, d.gt), "pred": _rel(r, d.pred),
                            "iou_threshold": d.iou_threshold, "score_threshold": d.score_threshold}
        formats = {"gt_format": d.gt_format, "pred_format": d.pred_format,
                   "classes": _rel(r, d.classes), "options": d.options or None}
        out["detection"].update({k: v for k, v in formats.items() if v is not None})
    if project.segmentation:
        s = project.segmentation
        out["segmentation"] = {"gt": _rel(r, s.gt), "pred": _rel(r, s.pred),
                               "classes": _rel(r, s.classes), "ignore_index": s.ignore_index}
    if project.store is not None:
        out["store"] = {"url": strip_password(project.store.url)[0], "schema": project.store.schema}
    return out


def save_project(project: Project) -> Path:
    """Write the project file atomically (temp file in the same folder, then rename)."""
    project.root.mkdir(parents=True, exist_ok=True)
    text = json.dumps(to_dict(project), indent=2) + "\n"
    fd, tmp = tempfile.mkstemp(dir=project.root, prefix=".reviewer.", suffix=".json.tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, project.file)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return project.file


def new_project(folder, images, gt, pred=None, task: str = "detection", classes=None,
                iou_threshold: float = 0.5, score_threshold: float = 0.5,
                ignore_index: int = 255, name: str | None = None, gt_format: str | None = None,
                pred_format: str | None = None, options: dict | None = None) -> Project:
    """A Project for ``reviewer init`` (not yet saved); input paths are resolved from the CWD."""
    if task not in TASKS:
        raise ProjectError(f"unknown task {task!r} (choose {' or '.join(TASKS)})")
    root = Path(folder).expanduser().resolve()

    def res(p):
        return None if p is None else Path(p).expanduser().resolve()

    base = Project(root=root, name=name or root.name, images=res(images), default_task=task)
    if task == "detection":
        return replace(base, detection=DetectionInputs(
            res(gt), res(pred), iou_threshold, score_threshold, gt_format, pred_format,
            res(classes), dict(options or {})))
    return replace(base, segmentation=SegmentationInputs(res(gt), res(pred), res(classes),
                                                         ignore_index))
