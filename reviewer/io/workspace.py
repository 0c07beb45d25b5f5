"""Open a project's inputs and score them: the pipeline shared by the CLI and the GUI.

``open_task`` asks the task plug-in (``reviewer.tasks``) to load the dataset of one task and score
every image, reporting progress through a ``progress(stage, done, total)`` callback (raise from it
to cancel). It returns a ``TaskData`` with the dataset, the per-image scores, the per-image table
and the loaders' problems.
"""

from __future__ import annotations

from reviewer import tasks
from reviewer.io import task_cache
from reviewer.io.project import Project, ProjectError
from reviewer.tasks.base import Progress, TaskData

__all__ = ["Progress", "TaskData", "make_document", "open_task"]


def _noop(stage: str, done: int, total: int) -> None:
    return None


def open_task(project: Project, task: str | None = None, progress: Progress | None = None,
              overrides: dict | None = None, model: str | None = None,
              cache: bool = True) -> TaskData:
    """Load and score one task of ``project`` (default: the project's default task) with the
    predictions of ``model`` (default: the task's current model; ProjectError naming the models
    when it has no such model, or when that model's files are missing).

    overrides: input values replacing the project's for this opening (``{"score_threshold":
    0.3}``; keys the task does not have and None values are ignored); cache: read and write the
    project cache (io/task_cache.py)."""
    name = project.task(task)
    plugin = tasks.get(name)
    models = project.model_set(name)
    inputs = project.inputs_for(name, model)
    chosen = models.current if model is None else model
    if chosen != models.current:  # load_project checked the current model's files only
        where = f"{name}.models[{models.index(chosen)}]"
        try:
            plugin.check_files(inputs, where)
        except tasks.TaskInputError as exc:
            raise ProjectError(f"{project.file}: {exc}") from None
    inputs = plugin.with_overrides(inputs, overrides or {})
    progress = progress or _noop
    notes: list[str] = []
    if cache:
        progress("reading the project cache", 0, 1)
        data, notes = task_cache.load(project, name, inputs)
        if data is not None:
            progress("reading the project cache", 1, 1)
            data.model = chosen
            return data
    data = plugin.open(project, inputs, progress)
    data.model = chosen
    if cache:
        notes += task_cache.save(project, name, inputs, data)
    data.notices.extend(notes)
    return data


def make_document(data: TaskData):
    """The editable document for a loaded task (GT changes only through commands)."""
    return tasks.get(data.task).make_document(data)
