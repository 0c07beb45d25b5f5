"""The project file: ``PROJECT/reviewer.json``, human-readable, schema-versioned.

```json
{
  "reviewer_project": 2,
  "name": "sample",
  "images": "images",
  "default_task": "detection",
  "detection": {"gt": "annotations/instances_gt.json", "iou_threshold": 0.5,
                "score_threshold": 0.5,
                "models": [{"name": "baseline", "pred": "annotations/predictions.json"},
                           {"name": "retrained", "pred": "annotations/retrained.json"}],
                "current_model": "baseline"},
  "segmentation": {"gt": "semantic/gt", "classes": "semantic/classes.json",
                   "ignore_index": 255, "models": [{"name": "pred", "pred": "semantic/pred"}]},
  "store": {"url": "postgresql://alice@db.example.org:5432/review",
            "schema": "rv_sample_3fa2c1"}
}
```

``store`` is optional: without it the review store is ``review.sqlite`` beside the file; with it,
the review lives on that PostgreSQL server in that schema (never a password in the URL).

A task holds any number of *models* (prediction sets: ``reviewer.tasks.models``); schema 1
files, with one ``pred`` per task, are read as one model named by the file's stem and written
back as schema 2. ``Project.inputs[task]`` is the inputs of the task's current model;
``Project.inputs_for(task, model)`` those of any model.

Paths are stored relative to the project folder when they lie inside it (or anywhere a relative
path reaches), absolute otherwise. Unknown keys, wrong types and missing files are reported as a
``ProjectError`` that names the file and the key. The review store lives beside it
(``review.sqlite``).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from reviewer import tasks
from reviewer.io.store_url import StoreLocation, check_schema, check_url, strip_password
from reviewer.tasks import models as task_models
from reviewer.tasks.models import ModelSet

PROJECT_FILE = "reviewer.json"
STORE_FILE = "review.sqlite"
SCHEMA_VERSION = 2  # 2: models (several prediction sets per task)


class ProjectError(Exception):
    """A project file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class Project:
    """A loaded project; every path is absolute.

    inputs: task name -> that task's inputs (``reviewer.tasks``: each task reads and writes its
    own section of the file), in the registry's order, with the current model's predictions.
    models: task name -> its ``ModelSet`` (every model of the task, and the current one).
    """

    root: Path
    name: str
    images: Path
    inputs: dict = field(default_factory=dict)
    default_task: str = ""
    extra: dict = field(default_factory=dict)
    store: StoreLocation | None = None
    models: dict = field(default_factory=dict)

    @property
    def file(self) -> Path:
        return self.root / PROJECT_FILE

    @property
    def store_path(self) -> Path:
        return self.root / STORE_FILE

    @property
    def tasks(self) -> list[str]:
        return list(self.inputs)

    def task(self, requested: str | None = None) -> str:
        """The task to work on: ``requested`` if the project has it, else the default."""
        task = requested or self.default_task
        if task not in self.inputs:
            raise ProjectError(f"{self.file}: the project has no {task!r} inputs "
                               f"(it has: {', '.join(self.tasks) or 'none'})")
        return task

    def with_inputs(self, task: str, inputs, models: ModelSet | None = None) -> Project:
        """This project with ``task``'s inputs set (added or replaced), in registry order.

        models: the task's models (None: the task keeps its models, the current one taking the
        predictions of ``inputs``; a new task gets the one model ``inputs`` name)."""
        plugin = tasks.get(task)
        if models is None:
            old = self.model_set(task) if task in self.inputs else None
            values = task_models.values_of(plugin, inputs)
            if old is not None and old.current is not None:
                models = old.replaced(old.current, values)
            else:
                models = task_models.single(plugin, inputs)
        inputs = task_models.with_model(plugin, inputs, models.get() if len(models) else None)
        merged, merged_models = {**self.inputs, task: inputs}, {**self.models, task: models}
        ordered = {t: merged[t] for t in tasks.names() if t in merged}
        return replace(self, inputs=ordered, default_task=self.default_task or task,
                       models={t: merged_models[t] for t in ordered})

    # --- models ---------------------------------------------------------------------------------
    def model_set(self, task: str | None = None) -> ModelSet:
        """The models of ``task`` (default: the default task)."""
        task = self.task(task)
        found = self.models.get(task)
        return found if found is not None else task_models.single(tasks.get(task),
                                                                  self.inputs[task])

    def with_models(self, task: str, models: ModelSet) -> Project:
        """This project with ``task``'s models replaced (the inputs follow the current one)."""
        return self.with_inputs(task, self.inputs[task], models)

    def inputs_for(self, task: str, model: str | None = None):
        """``task``'s inputs with the predictions of ``model`` (None: the current model);
        ProjectError naming the models when there is no such model."""
        models = self.model_set(task)
        if model is None or model == models.current:
            return self.inputs[task]
        try:
            chosen = models.get(model)
        except task_models.ModelError as exc:
            raise ProjectError(f"{self.file}: {task}: {exc}") from None
        return task_models.with_model(tasks.get(task), self.inputs[task], chosen)

    def with_current_model(self, task: str, model: str | None) -> Project:
        """This project (in memory) with ``model`` the current model of ``task``."""
        if model is None or model == self.model_set(task).current:
            return self
        self.inputs_for(task, model)  # ProjectError naming the models
        return self.with_models(task, self.model_set(task).with_current(model))


def project_file(path) -> Path:
    """PROJECT folder or PROJECT/reviewer.json -> the project file path."""
    p = Path(path)
    return p if p.suffix == ".json" and not p.is_dir() else p / PROJECT_FILE


_FIXED_KEYS = {"reviewer_project", "name", "images", "default_task", "store"}


def load_project(path, check_files: bool = True) -> Project:
    """Read and validate a project file; raise ``ProjectError`` naming file and key."""
    file = project_file(path)
    data = _read(file)
    top_keys = _FIXED_KEYS | set(tasks.names())
    unknown = sorted(set(data) - top_keys)
    if unknown:
        raise ProjectError(f"{file}: unknown key {unknown[0]!r} "
                           f"(known: {', '.join(sorted(top_keys))})")
    root = file.parent.resolve()
    inputs, models = {}, {}
    for task in tasks.all_tasks():
        section = data.get(task.name)
        if section is None:
            continue
        if not isinstance(section, dict):
            raise ProjectError(f"{file}: {task.name} must be an object")
        try:
            inputs[task.name], models[task.name] = task_models.read_section(task, section, root,
                                                                            task.name)
        except tasks.TaskInputError as exc:
            raise ProjectError(f"{file}: {exc}") from None
    if not inputs:
        raise ProjectError(f"{file}: needs a task section (one of: {', '.join(tasks.names())})")
    images = data.get("images", "images")
    if not isinstance(images, str):
        raise ProjectError(f"{file}: key 'images' must be a path string")
    project = Project(root=root, name=str(data.get("name") or root.name),
                      images=_abs(root, images), inputs=inputs,
                      default_task=str(data.get("default_task") or next(iter(inputs))),
                      store=store_section(data.get("store"), file), models=models)
    project.task()  # validates default_task
    if check_files:
        _check_files(project)
    return project


def _read(file: Path) -> dict:
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
    return data


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
    """A missing images folder is only a warning (the loaders report it): metrics still work."""
    for name, inputs in project.inputs.items():
        try:
            tasks.get(name).check_files(inputs, name)
        except tasks.TaskInputError as exc:
            raise ProjectError(f"{project.file}: {exc}") from None


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
    for name, inputs in project.inputs.items():
        out[name] = task_models.write_section(tasks.get(name), inputs, project.model_set(name),
                                              lambda p: _rel(r, p))
    if project.store is not None:
        out["store"] = {"url": strip_password(project.store.url)[0], "schema": project.store.schema}
    return out


def save_project(project: Project) -> Path:
    """Write the project file atomically (temp file in the same folder, then rename)."""
    project.root.mkdir(parents=True, exist_ok=True)
    text = json.dumps(to_dict(project), indent=2) + "\n"
    import tempfile  # only when saving: review-state commands read the project only

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


def new_project(folder, images, task: str, options: dict, name: str | None = None,
                models: list | None = None) -> Project:
    """A Project for ``reviewer init`` (not yet saved): ``task``'s inputs from ``options``
    (its field keys -> values; paths resolved from the CWD); ``models``: (name or None,
    {per-model key: value}) of each model (None: the one ``options["pred"]`` names, if any)."""
    try:
        plugin = tasks.get(task)
    except KeyError as exc:
        raise ProjectError(str(exc).strip("'\"")) from None
    root = Path(folder).expanduser().resolve()
    images = None if images is None else Path(images).expanduser().resolve()
    inputs, model_set = new_task_inputs(plugin, options, models)
    return Project(root=root, name=name or root.name, images=images, inputs={task: inputs},
                   default_task=task, models={task: model_set})


def new_task_inputs(plugin, options: dict, models=None):
    """-> (inputs of the first model, ModelSet) of one task from ``reviewer init`` options;
    ``models``: (name or None, {per-model key: value}) each, a model's values found by the
    task's ``new_inputs`` (formats from its path); ModelError (a ValueError) for repeated or
    unusable names."""
    if not models:
        inputs = plugin.new_inputs(options)
        return inputs, task_models.single(plugin, inputs)
    names = task_models.named_models([(n, v.get("pred")) for n, v in models])
    entries, first = [], None
    for name, (_, values) in zip(names, models, strict=True):
        inputs = plugin.new_inputs({**options, **values})
        first = first or inputs
        entries.append(task_models.Model(task_models.check_name(name),
                                         task_models.values_of(plugin, inputs)))
    return first, ModelSet(tuple(entries), entries[0].name)
