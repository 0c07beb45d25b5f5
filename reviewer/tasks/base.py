"""What a task is: the contract every task plug-in fulfils, and the typed review document.

A *task* (detection, segmentation, classification, …) is one registered object
(``reviewer.tasks.register``) that owns everything that differs between kinds of labels: its
inputs (the keys of its section in ``reviewer.json`` and the ``reviewer init`` flags that fill
them), loading and scoring, the review document and the commands it accepts, dataset evaluation
(``eval --json``), the slicer of tag statistics, export, and — through its ``ui`` module, which
alone may import Qt — what the window offers for it. Code outside a task asks the task instead of
branching on its name.

Qt-free: a task module imports io / core lazily inside its methods (``reviewer.io.project``
imports the registry to read project files). The window's part of a task lives in the module
named by ``Task.ui_module`` and is imported only by ``reviewer.ui``.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, ClassVar, Protocol, runtime_checkable

Progress = Callable[[str, int, int], None]


class TaskInputError(ValueError):
    """A task section that cannot be used; ``str()`` names the key and why."""


@dataclass(frozen=True)
class Field:
    """One key of a task's section in ``reviewer.json``.

    kind: ``"file"``, ``"dir"``, ``"path"`` (a file or a folder: the format decides),
    ``"fraction"`` (a number in [0, 1]), ``"int"``, ``"text"``.
    flag: the ``reviewer init`` option that fills it (``"--gt"``); help: its help text;
    override: the other commands take the flag too, to override the project's value for one run
    (thresholds); per_model: the key belongs to one model (its predictions), not to the task
    (``reviewer.tasks.models``: a project may hold several models).
    """

    key: str
    kind: str
    required: bool = False
    default: Any = None
    flag: str | None = None
    help: str = ""
    override: bool = False
    per_model: bool = False

    @property
    def is_path(self) -> bool:
        return self.kind in ("file", "dir", "path")


@dataclass
class TaskData:
    """A task's data after loading and scoring.

    task: the task's name; dataset: the task's dataset (``DetectionDataset``,
    ``SemanticDataset``, …); scores: its per-image scores; table: per-image columns (dict of
    (N,) arrays, ``image_id`` and ``file_name`` first); problems: the loaders' problems.
    params / rles: detection's matching parameters and decoded masks (None elsewhere).
    model: the name of the model whose predictions were loaded (None: the task has none).
    notices: what this opening must tell the reviewer besides the inputs' problems (the project
    cache was unreadable and rebuilt, …); never cached.
    """

    task: str
    dataset: object
    scores: object
    table: dict
    problems: list
    params: object = None
    rles: tuple | None = None
    extra: dict = field(default_factory=dict)
    model: str | None = None
    notices: list = field(default_factory=list)


@runtime_checkable
class ReviewDocument(Protocol):
    """What every task's document offers (GT changes only through commands).

    table / table_before: per-image columns with / without the corrections; corrected_images:
    rows whose GT changed; review: where review-state commands write (the session's store);
    annotations_changed(row): a psygnal signal after any GT change of one image.
    """

    table: dict
    table_before: dict
    corrected_images: set
    review: object

    def image_row(self, image_id) -> int: ...

    def has_image(self, image_id) -> bool: ...


class Task:
    """Base class of the task plug-ins (see the module docstring). Subclasses set the class
    attributes and implement the methods that raise ``NotImplementedError``."""

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""
    summary: ClassVar[str] = ""  # what is reviewed, in a few words ("boxes, instance masks")
    fields: ClassVar[tuple[Field, ...]] = ()
    inputs_type: ClassVar[type] = object
    ui_module: ClassVar[str | None] = None
    cli_module: ClassVar[str | None] = None  # adds the task's own commands (``register``)
    sort_columns: ClassVar[tuple[str, ...]] = ("error",)
    error_threshold: ClassVar[float] = 0.0  # tag statistics: an image is erroneous above it
    erroneous_rule: ClassVar[str] = ""      # the words for the task's own ``erroneous`` rule

    # --- inputs and the project file --------------------------------------------------------
    def read_inputs(self, section: dict, root: Path, where: str):
        """The inputs of a ``reviewer.json`` section (paths made absolute from ``root``);
        TaskInputError naming ``where.key`` when a key is unknown, missing or of a wrong type."""
        known = {f.key: f for f in self.fields}
        for key, value in section.items():
            f = known.get(key)
            if f is None:
                raise TaskInputError(f"{where}.{key}: unknown key (known: {', '.join(known)})")
            _check_type(f, value, f"{where}.{key}")
        values = {}
        for f in self.fields:
            value = section.get(f.key, f.default)
            if f.required and value is None:
                raise TaskInputError(f"{where}.{f.key}: missing ({f.help or f.kind})")
            values[f.key] = _absolute(root, value) if f.is_path else _cast(f, value)
        return self.inputs_type(**values)

    def write_inputs(self, inputs, relative: Callable[[Path | None], str | None]) -> dict:
        """The section written to ``reviewer.json`` (paths through ``relative``)."""
        return {f.key: relative(getattr(inputs, f.key)) if f.is_path else getattr(inputs, f.key)
                for f in self.fields}

    def input_paths(self, inputs) -> dict[str, Path]:
        """key -> path of every path input that is set."""
        return {f.key: getattr(inputs, f.key) for f in self.fields
                if f.is_path and getattr(inputs, f.key) is not None}

    def check_files(self, inputs, where: str) -> None:
        """TaskInputError when a path input does not exist (as the right kind)."""
        for f in self.fields:
            path = getattr(inputs, f.key) if f.is_path else None
            if path is None:
                continue
            ok = {"file": path.is_file(), "dir": path.is_dir(), "path": path.exists()}[f.kind]
            if not ok:
                what = {"file": "file", "dir": "dir", "path": "file or folder"}[f.kind]
                raise TaskInputError(f"{where}.{f.key}: {what} not found: {path}")

    def new_inputs(self, options: dict):
        """Inputs from ``reviewer init`` options (key -> value; paths resolved from the CWD)."""
        values = {}
        for f in self.fields:
            value = options.get(f.key)
            value = f.default if value is None else value
            values[f.key] = (None if value is None else Path(value).expanduser().resolve()) \
                if f.is_path else _cast(f, value)
        return self.inputs_type(**values)

    def accepts_gt(self, path: Path) -> bool:
        """Whether ``path`` looks like this task's ground truth (``reviewer init`` guesses the
        task by asking every task in registration order)."""
        return False

    def with_overrides(self, inputs, overrides: dict):
        """``inputs`` with command-line overrides (e.g. thresholds) applied; unknown keys and
        None values are ignored."""
        names = {f.name for f in fields(inputs)}
        changes = {k: v for k, v in overrides.items() if k in names and v is not None}
        return inputs if not changes else type(inputs)(**{**vars(inputs), **changes})

    # --- loading, scoring, the document -------------------------------------------------------
    def open(self, project, inputs, progress: Progress) -> TaskData:
        raise NotImplementedError

    def make_document(self, data: TaskData) -> ReviewDocument:
        raise NotImplementedError

    def owns(self, command) -> bool:
        """Whether ``command`` (a leaf, not a macro) changes this task's ground truth."""
        return False

    def class_names(self, data: TaskData) -> list[str]:
        raise NotImplementedError

    def display_table(self, data: TaskData, table: dict) -> dict:
        """The per-image table as ``score`` prints and writes it (class indices as names…)."""
        return table

    def class_colors(self, data: TaskData) -> list | None:
        """The dataset's own class colours ((K,) RGB), or None (the window's palette)."""
        return None

    allocates_ids: ClassVar[bool] = False  # the document makes new object ids (id_source)

    def image_metadata(self, data: TaskData) -> dict:
        """Per-image metadata the inputs carry: column -> (N,) raw cells aligned to the image
        rows (None where an image has none); ``reviewer.io.metadata`` types them."""
        return {}

    # --- slices (``reviewer slices``): the key of the slice metric in its JSON ----------------
    slice_metric_key: ClassVar[str] = "metric"

    # --- numbers --------------------------------------------------------------------------------
    def evaluate(self, session, image_rows=None, original: bool = False) -> dict:
        """The ``eval --json`` payload on the corrected (or ``original``) ground truth."""
        raise NotImplementedError

    def eval_lines(self, payload: dict, before: dict | None) -> list[str]:
        """The text of ``reviewer eval`` (``before``: the original GT's payload, to show
        original -> corrected where the review changed a number)."""
        raise NotImplementedError

    def stats_parts(self, session, population, original: bool):
        """(slicer, class names, class_images (N, K) bool, metric name) for tag statistics."""
        raise NotImplementedError

    def erroneous(self, table: dict, threshold: float | None):
        """(N,) bool: the images tag statistics count as erroneous, or None for the default
        rule ``error > threshold`` (``threshold``: the one asked for, None when not asked)."""
        return None

    def stats_extra(self, stats, t: int | None) -> dict:
        """Extra keys of a tag's entry (``t``) or of the whole population (None)."""
        return {}

    def metrics_block(self, payload: dict) -> dict:
        """The part of an ``evaluate`` payload that ``metrics.json`` keeps (``metric`` first)."""
        raise NotImplementedError

    # --- comparing models (reviewer compare, the window's compare mode) -------------------------
    class_metric: ClassVar[str] = ""  # the per-class number compared side by side (per_class key)

    def headline(self, payload: dict) -> tuple[str, float | None]:
        """(name, value) of the dataset metric an ``evaluate`` payload leads with (AP, mIoU,
        accuracy): what ``reviewer compare`` bootstraps."""
        raise NotImplementedError

    def overall(self, payload: dict) -> dict:
        """The dataset numbers of an ``evaluate`` payload (compare's ``overall``)."""
        return dict(payload["overall"])

    def resampler(self, session, original: bool = False):
        """An object whose ``metric(weights (c, N)) -> (c,)`` is the headline metric of the
        session's images weighted by a bootstrap resample (``reviewer.core.bootstrap``); all
        weights 1 give ``headline(evaluate(session))``."""
        raise NotImplementedError

    def correct(self, table: dict):
        """(N,) float: 1 where the model gets the image right, 0 where wrong, nan where not
        scored — for tasks with a right / wrong outcome per image (classification: compare's
        fixed / broken); None for the others."""
        return None

    # --- export -----------------------------------------------------------------------------
    export_formats: ClassVar[tuple[str, ...]] = ()  # formats (reviewer.formats) export writes

    def export_dataset(self, folder: Path, session, rows, progress: Progress, formats=None):
        """Write the corrected dataset of image ``rows`` into ``folder`` in ``formats`` (those of
        ``export_formats`` asked for; None: the task's own); -> (files, problems, loss reports:
        one ``reviewer.formats.loss.LossReport`` per format written)."""
        raise NotImplementedError

    def change_names(self, session) -> dict:
        """Class id / index -> name, for the change log."""
        return dict(enumerate(self.class_names(session.data)))

    # --- the HTML report ----------------------------------------------------------------------
    per_class_key: ClassVar[str] = "metric"   # the key of metrics_block's per-class metric
    report_legend: ClassVar[str] = ""         # HTML legend of the thumbnails

    def thumbnail(self, session, i: int, width: int, loaded) -> bytes:
        """Image row ``i`` drawn with its labels (``loaded``: the decoded picture)."""
        raise NotImplementedError

    def report_confusion(self, session, rows, metrics: dict):
        """(matrix (R, C), row labels, column labels, title) of the exported images."""
        conf = metrics["after"]["confusion"]
        matrix = conf["matrix"]
        return matrix, conf["labels"][: len(matrix)], conf["labels"], "Confusion (corrected GT)"

    def report_numbers(self, table: dict, before: dict, i: int) -> tuple[str, str]:
        """Two lines under a thumbnail: the error before / after, and the task's counts."""
        return (f"error {float(table['error'][i]):.3f} "
                f"(before {float(before['error'][i]):.3f})", "")

    def metric_definition(self, metrics: dict) -> str:
        return str(metrics["metric_name"])

    def report_section(self, session, rows, metrics: dict) -> str:
        """The task's own part of the report (HTML, after the confusion matrix), or ""."""
        return ""

    # --- the window -------------------------------------------------------------------------
    def ui(self):
        """The task's window module (Qt): imported only by ``reviewer.ui``."""
        if self.ui_module is None:
            raise NotImplementedError(f"the {self.name} task has no window part")
        return importlib.import_module(self.ui_module)


def _check_type(f: Field, value, where: str) -> None:
    if value is None:
        if f.required:
            raise TaskInputError(f"{where}: missing")
        return
    ok = {"file": str, "dir": str, "path": str, "text": str, "int": int,
          "fraction": (int, float)}[f.kind]
    if isinstance(value, bool) or not isinstance(value, ok):
        raise TaskInputError(f"{where}: wrong type {type(value).__name__}")
    if f.kind == "fraction" and not 0.0 <= float(value) <= 1.0:
        raise TaskInputError(f"{where}: must lie in [0, 1], not {value}")


def _cast(f: Field, value):
    if value is None:
        return None
    return {"fraction": float, "int": int, "text": str}.get(f.kind, lambda v: v)(value)


def _absolute(root: Path, value) -> Path | None:
    if value is None:
        return None
    p = Path(os.path.expanduser(str(value)))
    return (p if p.is_absolute() else root / p).resolve()
