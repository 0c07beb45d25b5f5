"""Several models in one task: the prediction sets of a task's section, in one place for every task.

A *model* is one named set of predictions of a task (``reviewer init --pred NAME=PATH``,
``reviewer models``). Which keys of a task's section belong to a model is declared by the task's
fields (``Field(per_model=True)``: ``pred`` everywhere, ``pred_format`` for detection); every
other key (the ground truth, classes, thresholds) is shared by all models. So a new task gets
several models for free: this module reads and writes the list for any task.

The section of ``reviewer.json`` (project schema 2)::

    "detection": {"gt": "annotations/instances_gt.json", "iou_threshold": 0.5,
                  "models": [{"name": "baseline", "pred": "annotations/predictions.json"},
                             {"name": "retrained", "pred": "runs/retrained.json",
                              "pred_format": "yolo"}],
                  "current_model": "baseline"}

Schema 1 (one ``pred`` beside the other keys) still reads: one model named by the prediction
file's stem (``predictions.json`` -> ``predictions``), or ``model`` when the stem is no usable
name; no ``pred`` is a task without models. The *current model* is the default of every command
(``--model`` chooses another); the first model when the file does not say.

Model names: letters, digits and ``_ . + - @``, not starting with a punctuation mark (they
appear on command lines — ``--models A B``, ``NAME=PATH`` — and in review-store keys, where
``:`` separates the model from an object id).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

NAME_RULE = "letters, digits and _ . + - @, starting with a letter or digit"
_NAME = re.compile(r"^[^\W_][\w.+@-]*$")
_SECTION_KEYS = ("models", "current_model")


class ModelError(ValueError):
    """An unknown, duplicate or malformed model name; ``str()`` names the models there are."""


def valid_name(name) -> bool:
    return isinstance(name, str) and bool(_NAME.match(name)) and len(name) <= 100


def check_name(name) -> str:
    if not valid_name(name):
        raise ModelError(f"model name {name!r} is not usable ({NAME_RULE})")
    return name


def default_name(pred) -> str:
    """The name of a model given by its path alone: the file's (or folder's) stem made a
    usable name, or ``model``."""
    if pred is None:
        return "model"
    stem = Path(Path(str(pred).rstrip("/\\")).name).stem
    stem = re.sub(r"[^\w.+@-]+", "_", stem).strip("_.+@-")
    return stem if valid_name(stem) else "model"


@dataclass(frozen=True)
class Model:
    """One model: its name and the values of the task's per-model keys (paths absolute)."""

    name: str
    values: dict

    @property
    def pred(self):
        return self.values.get("pred")


@dataclass(frozen=True)
class ModelSet:
    """The models of one task, in the project file's order, and the current one (None: no
    model)."""

    models: tuple[Model, ...] = ()
    current: str | None = None

    @property
    def names(self) -> list[str]:
        return [m.name for m in self.models]

    def __len__(self) -> int:
        return len(self.models)

    def __contains__(self, name) -> bool:
        return name in self.names

    def describe(self) -> str:
        """``baseline (current), retrained`` or ``none``."""
        return ", ".join(f"{n} (current)" if n == self.current else n
                         for n in self.names) or "none"

    def get(self, name: str | None = None) -> Model:
        """Model ``name`` (None: the current one); ModelError listing the models otherwise."""
        name = self.current if name is None else name
        for m in self.models:
            if m.name == name:
                return m
        if name is None:
            raise ModelError("the task has no model (add one with `reviewer models P add NAME "
                             "PATH`)")
        raise ModelError(f"no model named {name!r} (models: {self.describe()})")

    def index(self, name: str) -> int:
        return self.names.index(self.get(name).name)

    def with_current(self, name: str) -> ModelSet:
        return replace(self, current=self.get(name).name)

    def added(self, model: Model) -> ModelSet:
        check_name(model.name)
        if model.name in self:
            raise ModelError(f"a model named {model.name!r} exists already (models: "
                             f"{self.describe()})")
        return ModelSet(self.models + (model,), self.current or model.name)

    def removed(self, name: str) -> ModelSet:
        gone = self.get(name).name
        rest = tuple(m for m in self.models if m.name != gone)
        current = self.current if self.current != gone else (rest[0].name if rest else None)
        return ModelSet(rest, current)

    def renamed(self, old: str, new: str) -> ModelSet:
        gone = self.get(old).name
        check_name(new)
        if new in self and new != gone:
            raise ModelError(f"a model named {new!r} exists already (models: "
                             f"{self.describe()})")
        models = tuple(replace(m, name=new) if m.name == gone else m for m in self.models)
        return ModelSet(models, new if self.current == gone else self.current)

    def replaced(self, name: str, values: dict) -> ModelSet:
        """Model ``name`` with new values for its per-model keys."""
        found = self.get(name).name
        return replace(self, models=tuple(replace(m, values={**m.values, **values})
                                          if m.name == found else m for m in self.models))


# --- a task's section -------------------------------------------------------------------------
def model_keys(task) -> tuple[str, ...]:
    """The keys of ``task``'s fields that belong to one model."""
    return tuple(f.key for f in task.fields if f.per_model)


def values_of(task, inputs) -> dict:
    """The per-model values held by a task's inputs."""
    return {k: getattr(inputs, k) for k in model_keys(task)}


def with_model(task, inputs, model: Model | None):
    """``inputs`` with ``model``'s per-model values (None: no predictions at all)."""
    if model is None:
        defaults = {f.key: f.default for f in task.fields if f.per_model}
        return replace(inputs, **defaults)
    return replace(inputs, **{k: model.values.get(k) for k in model_keys(task)})


def single(task, inputs, name: str | None = None) -> ModelSet:
    """The model set of inputs holding one prediction set (none when ``pred`` is None)."""
    values = values_of(task, inputs)
    if values.get("pred") is None:
        return ModelSet()
    name = check_name(name) if name is not None else default_name(values["pred"])
    return ModelSet((Model(name, values),), name)


def read_section(task, section: dict, root: Path, where: str):
    """-> (inputs of the current model, ModelSet) from a task's section of ``reviewer.json``
    (schema 1: one ``pred``; schema 2: ``models``); ``TaskInputError`` naming the key."""
    from reviewer.tasks.base import TaskInputError
    if "models" not in section:
        if "current_model" in section:
            raise TaskInputError(f"{where}.current_model: given without 'models'")
        inputs = task.read_inputs(section, root, where)
        return inputs, single(task, inputs)
    keys = model_keys(task)
    shared = {k: v for k, v in section.items() if k not in _SECTION_KEYS}
    for key in shared:
        if key in keys:
            raise TaskInputError(f"{where}.{key}: with 'models', give {key!r} inside each model")
    base = task.read_inputs(shared, root, where)
    models = _read_models(task, section["models"], shared, root, f"{where}.models", keys)
    current = section.get("current_model")
    if current is None:
        current = models[0].name if models else None
    elif current not in [m.name for m in models]:
        raise TaskInputError(f"{where}.current_model: {current!r} is not one of the models "
                             f"({', '.join(m.name for m in models) or 'none'})")
    chosen = ModelSet(tuple(models), current)
    return with_model(task, base, chosen.get() if models else None), chosen


def _read_models(task, value, shared: dict, root: Path, where: str, keys) -> list[Model]:
    from reviewer.tasks.base import TaskInputError
    if not isinstance(value, list):
        raise TaskInputError(f"{where}: must be a list of objects {{\"name\", \"pred\"}}")
    out: list[Model] = []
    for i, entry in enumerate(value):
        here = f"{where}[{i}]"
        if not isinstance(entry, dict):
            raise TaskInputError(f"{here}: must be an object with 'name' and 'pred'")
        name = entry.get("name")
        if not valid_name(name):
            raise TaskInputError(f"{here}.name: {name!r} is not a usable model name "
                                 f"({NAME_RULE})")
        if name in [m.name for m in out]:
            raise TaskInputError(f"{here}.name: a second model named {name!r}")
        extra = sorted(set(entry) - {"name", *keys})
        if extra:
            raise TaskInputError(f"{here}.{extra[0]}: not a key of a model (a model has: "
                                 f"name, {', '.join(keys)})")
        if entry.get("pred") is None:
            raise TaskInputError(f"{here}.pred: missing (the model's predictions)")
        values = {k: v for k, v in entry.items() if k != "name"}
        inputs = task.read_inputs({**shared, **values}, root, here)
        out.append(Model(name, values_of(task, inputs)))
    return out


def write_section(task, inputs, models: ModelSet, relative) -> dict:
    """The section written to ``reviewer.json`` (schema 2): the shared keys, ``models`` and
    ``current_model`` (paths through ``relative``)."""
    keys = model_keys(task)
    out = {k: v for k, v in task.write_inputs(inputs, relative).items() if k not in keys}
    entries = []
    for m in models.models:
        written = task.write_inputs(with_model(task, inputs, m), relative)
        entries.append({"name": m.name, **{k: v for k, v in written.items() if k in keys}})
    out["models"] = entries
    if models.current is not None:
        out["current_model"] = models.current
    return out


def parse_named(values, flag: str = "--pred") -> list[tuple[str | None, str]]:
    """``--pred`` values -> (name or None, path): ``NAME=PATH`` when NAME is a usable name and
    the whole value is no existing path, else a bare path (named later by its stem)."""
    out = []
    for value in values or ():
        name, sep, path = str(value).partition("=")
        if sep and valid_name(name) and path and not Path(value).expanduser().exists():
            out.append((name, path))
        elif sep and not path:
            raise ModelError(f"{flag} {value!r}: no path after '='")
        else:
            out.append((None, str(value)))
    return out


def named_models(entries: list[tuple[str | None, object]]) -> list[str]:
    """The names of models given as (name or None, path): bare paths by their stem; a repeated
    name is an error naming both."""
    names = [n if n is not None else default_name(p) for n, p in entries]
    for i, name in enumerate(names):
        if name in names[:i]:
            j = names.index(name)
            raise ModelError(f"two models named {name!r} ({entries[j][1]} and {entries[i][1]}); "
                             "name them: --pred NAME=PATH")
    return names
