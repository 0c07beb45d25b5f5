"""The task registry: every kind of review (detection, segmentation, classification) is a plug-in.

``get(name)`` returns the registered ``Task`` (``reviewer/tasks/base.py`` says what a task owns);
``names()`` lists them in registration order, which is also the order ``guess_task`` asks them
whether a ground-truth path is theirs. Adding a task is one package under ``reviewer/tasks/`` and
one line in ``_BUILTIN`` below; code outside the task packages asks the task instead of naming it
(``tests/test_architecture.py`` holds that line).
"""

from __future__ import annotations

import importlib
from pathlib import Path

from reviewer.tasks.base import Field, ReviewDocument, Task, TaskData, TaskInputError

__all__ = ["Field", "ReviewDocument", "Task", "TaskData", "TaskInputError", "all_tasks", "get",
           "guess_task", "names", "register"]

# the order is the order ``guess_task`` asks: classification first (its tables and ImageFolder
# trees would otherwise look like a detection file or a segmentation folder)
_BUILTIN = ("reviewer.tasks.classification", "reviewer.tasks.detection",
            "reviewer.tasks.segmentation")
_REGISTRY: dict[str, Task] = {}
_loaded = False


def register(task: Task) -> Task:
    """Add ``task`` to the registry (its ``name`` must be new)."""
    if task.name in _REGISTRY and _REGISTRY[task.name] is not task:
        raise ValueError(f"a task named {task.name!r} is registered already")
    _REGISTRY[task.name] = task
    return task


def _load() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        for module in _BUILTIN:
            importlib.import_module(module)


def get(name: str) -> Task:
    """The task called ``name``; KeyError naming the known tasks otherwise."""
    _load()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown task {name!r} (known: {', '.join(_REGISTRY)})") from None


def names() -> tuple[str, ...]:
    _load()
    return tuple(_REGISTRY)


def all_tasks() -> tuple[Task, ...]:
    _load()
    return tuple(_REGISTRY.values())


def guess_task(gt_path) -> str | None:
    """The first task that accepts ``gt_path`` as its ground truth, or None."""
    path = Path(gt_path)
    return next((t.name for t in all_tasks() if t.accepts_gt(path)), None)
