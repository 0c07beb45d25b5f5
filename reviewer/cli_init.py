"""``reviewer init``: a project from images, ground truth and predictions (see reviewer/cli.py).

The options besides ``--images``, ``--gt``, ``--task``, ``--add``, ``--store`` and ``--force``
come from the task plug-ins (``reviewer.tasks``: every task declares the keys of its section
and the flags that fill them), so a new task brings its own flags. Every input is checked first
and the project file is written last: a failed init writes nothing, and leaves an existing
project file as it was.
"""

from __future__ import annotations

import sys
from pathlib import Path

from reviewer import tasks
from reviewer.cli_help import add_command
from reviewer.tasks import models as task_models

EXIT_OK, EXIT_INPUT = 0, 2
_FIXED = {"--images", "--task"}


def register(sub, common) -> None:
    q = add_command(
        sub, "init", "create a project from images, ground truth and predictions",
        "Create PROJECT/reviewer.json for one task's inputs (every input is checked first; "
        "nothing is written when one is unusable). Run it again with --add to give the project "
        "a second task on the same images (detection and segmentation, as the sample project "
        "has). The task is guessed from --gt when --task is not given.",
        ["reviewer init proj --images data/images --gt data/instances.json "
         "--pred runs/predictions.json",
         "reviewer init proj --images data/images --gt data/masks --pred runs/masks "
         "--classes data/classes.json",
         "reviewer init proj --images data/images --gt data/instances.json "
         "--pred baseline=runs/base.json --pred retrained=runs/new.json",
         "reviewer init proj --add --images data/images --task segmentation "
         "--gt data/masks --pred runs/masks --classes data/classes.json"])
    q.add_argument("project", help="project folder to create (reviewer.json is written there)")
    q.add_argument("--images", required=True, help="folder holding the images")
    q.add_argument("--task", choices=tasks.names(),
                   help="what the inputs are (default: guessed from --gt: " + "; ".join(
                       f"{t.name}: {_gt_help(t)}" for t in tasks.all_tasks()) + ")")
    for flag, fields in _task_flags().items():
        _add_field_flag(q, flag, fields)
    q.add_argument("--add", action="store_true",
                   help="add this task to an existing project (same images folder) instead of "
                        "creating one")
    q.add_argument("--force", action="store_true", help="replace an existing project file")
    q.add_argument("--store", metavar="URL",
                   help="keep the review on a PostgreSQL server (postgresql://user@host:port/"
                        "database; the password from PGPASSWORD or ~/.pgpass, never recorded)")
    q.add_argument("--all-problems", action="store_true", help="list every input problem")
    q.add_argument("--quiet", "-q", action="store_true", help="no progress, no problem list")
    q.set_defaults(handler=cmd_init)


def _gt_help(task) -> str:
    return next((f.help for f in task.fields if f.key == "gt"), "")


def _task_flags() -> dict:
    """flag -> [(task, field)] over every task's init flags, in registry order."""
    out: dict = {}
    for task in tasks.all_tasks():
        for f in task.fields:
            if f.flag and f.flag not in _FIXED:
                out.setdefault(f.flag, []).append((task, f))
    return out


def _add_field_flag(q, flag: str, fields: list) -> None:
    f = fields[0][1]
    helps = [(t, g) for t, g in fields if g.help]
    if len(helps) == 1 or len({g.help for _, g in helps}) == 1:
        text = helps[0][1].help if helps else ""
    else:
        text = "; ".join(f"{t.name}: {g.help}" for t, g in helps)
    kind = {"int": int, "fraction": float}.get(f.kind, str)
    if f.per_model:  # one per model: repeated, NAME=VALUE for --pred
        text = (text or f.key) + (" — repeat it for several models: NAME=PATH names one, a "
                                  "bare PATH is named by its file stem" if f.key == "pred" else
                                  " — once for every model, or once per --pred in order")
        q.add_argument(flag, dest=f.key, action="append", help=text,
                       metavar="[NAME=]PATH" if f.key == "pred" else f.key.upper())
        return
    q.add_argument(flag, dest=f.key, type=kind, required=flag == "--gt", help=text or f.key,
                   metavar=f.key.upper() if kind is str else None)


def _paths(args, key: str) -> list:
    """The path(s) a flag gave: a per-model flag's values without their ``NAME=``."""
    value = getattr(args, key, None)
    if isinstance(value, list):
        return [p for _, p in task_models.parse_named(value)]
    return [] if value is None else [value]


def _missing_path(args) -> str | None:
    """The first path flag naming nothing that exists, as a message, or None."""
    checks = [("--images", "images")] + [(flag, fields[0][1].key)
                                         for flag, fields in _task_flags().items()
                                         if fields[0][1].is_path]
    for flag, key in checks:
        for value in _paths(args, key):
            if not Path(value).expanduser().exists():
                what = "folder" if flag == "--images" else "file or folder"
                return f"{flag}: {what} not found: {value}"
    if not Path(args.images).expanduser().is_dir():
        return f"--images: not a folder: {args.images}"
    return None


def _wrong_kind(task, args) -> str | None:
    """A path flag of ``task`` naming the wrong kind of thing (a file for a folder), or None."""
    for f in task.fields:
        if not f.is_path or f.kind == "path":
            continue
        for value in _paths(args, f.key):
            path = Path(value).expanduser()
            if f.kind == "file" and not path.is_file():
                return (f"{f.flag}: {task.name} expects a file here ({f.help}), not a folder: "
                        f"{value}")
            if f.kind == "dir" and not path.is_dir():
                return (f"{f.flag}: {task.name} expects a folder here ({f.help}), not a file: "
                        f"{value}")
    return None


def _options(task, args) -> dict:
    """The task's shared options (the per-model ones come from ``_models``)."""
    return {f.key: getattr(args, f.key, None) for f in task.fields if not f.per_model}


def _models(task, args) -> list:
    """(name or None, {per-model key: value}) per ``--pred``; ModelError (ValueError) when a
    per-model flag is given neither once nor once per ``--pred``."""
    preds = task_models.parse_named(getattr(args, "pred", None))
    out = [(name, {"pred": path}) for name, path in preds]
    for f in task.fields:
        values = getattr(args, f.key, None) if f.per_model and f.key != "pred" else None
        if not values:
            continue
        if len(values) not in (1, len(out)):
            raise task_models.ModelError(f"{f.flag}: given {len(values)} times for {len(out)} "
                                         "--pred; give it once, or once per --pred")
        for k, (_, v) in enumerate(out):
            v[f.key] = values[0] if len(values) == 1 else values[k]
    return out


def cmd_init(args) -> int:
    from reviewer.cli import ProgressBar, print_problems
    from reviewer.io.project import project_file, save_project
    from reviewer.io.workspace import open_task
    file = project_file(args.project)
    if file.exists() and not args.force and not args.add:
        return _fail(f"{file} exists (use --force to overwrite, or --add to give it another "
                     "task)")
    problem = _missing_path(args)
    name = args.task or (None if problem else tasks.guess_task(Path(args.gt).expanduser()))
    if problem is None and name is None:
        problem = (f"--gt: cannot tell which task {args.gt} is for; say --task "
                   f"({', '.join(tasks.names())})")
    task = None if problem else tasks.get(name)
    problem = problem or _wrong_kind(task, args)
    if problem:
        return _fail(problem)
    try:
        project = _added_task(args, file, task) if args.add else _new_project(args, task)
    except task_models.ModelError as exc:
        return _fail(str(exc))
    if isinstance(project, str):
        return _fail(project)
    data = None
    for model in project.model_set(task.name).names or [None]:  # every model loads
        loaded = open_task(project, task.name, ProgressBar(enabled=False if args.quiet else None),
                           model=model, cache=False)
        print_problems(loaded.problems, args)
        data = data or loaded
    if args.store:
        project = _init_store(project, args.store)
        if isinstance(project, int):
            return project
    try:
        save_project(project)
    except OSError as exc:
        return _fail(f"cannot write {file}: {exc.strerror or exc}")
    from reviewer.io import task_cache  # once the project exists: the next opening reads it
    inputs = project.inputs_for(task.name, data.model)
    for note in task_cache.save(project, task.name, inputs, data):
        print(f"note: {note}", file=sys.stderr)
    n = len(data.table["image_id"])
    verb = f"added {task.name} to" if args.add else f"created ({task.name})"
    models = project.model_set(task.name)
    print(f"{verb} {file}: {n} images, {len(data.problems)} problems; tasks: "
          f"{', '.join(project.tasks)}; {task.name} models: {models.describe()}")
    from reviewer.io.paths import outside_notice
    outside = outside_notice(project)
    if outside and not args.quiet:
        print(f"note: {outside} (paths are stored relative to the project file)", file=sys.stderr)
    return EXIT_OK


def _fail(message: str) -> int:
    print(f"reviewer: error: {message}", file=sys.stderr)
    return EXIT_INPUT


def _init_store(project, url: str):
    """``init --store URL``: the project with its server store (created now), or an exit code."""
    from dataclasses import replace

    from reviewer.cli_store import parse_target
    from reviewer.io.store import open_review_store
    from reviewer.io.store_base import StoreError
    from reviewer.io.store_url import StoreLocation, is_server_url
    if not is_server_url(url):
        return _fail(f"--store {url!r}: expected postgresql://user@host:port/database (without "
                     "--store the review lives in the project folder)")
    try:
        location = parse_target(url, project)
        assert isinstance(location, StoreLocation)
        open_review_store(location).close()
    except (StoreError, ValueError) as exc:
        return _fail(f"--store: {exc}")
    return replace(project, store=location)


def _new_project(args, task):
    from reviewer.io.project import new_project
    return new_project(args.project, args.images, task.name, _options(task, args),
                       models=_models(task, args))


def _added_task(args, file: Path, task):
    """The existing project with ``task``'s inputs added, or a message saying why not."""
    from reviewer.io.project import load_project
    if not file.is_file():
        return f"{file}: no project to add a task to (create it without --add first)"
    project = load_project(file)
    if task.name in project.tasks and not args.force:
        return f"{file}: the project has {task.name} inputs already (--force replaces them)"
    if Path(args.images).expanduser().resolve() != project.images:
        return (f"--images: {args.images} is not the project's images folder "
                f"({project.images}); a project's tasks share one images folder")
    from reviewer.io.project import new_task_inputs
    inputs, models = new_task_inputs(task, _options(task, args), _models(task, args))
    return project.with_inputs(task.name, inputs, models)
