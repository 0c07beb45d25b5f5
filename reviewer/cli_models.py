"""``reviewer models PROJECT [list | add NAME PATH | remove NAME | rename OLD NEW | use NAME]``.

A task of a project holds any number of models (prediction sets, ``reviewer.tasks.models``).
``add`` loads and scores the new predictions against the ground truth before writing anything
(a file made for another dataset is refused with the loaders' message, exit 2); ``remove``
forgets a model (its files and its object tags in the review store stay); ``rename`` moves its
object tags in the review store too; ``use`` makes a model the current one (the default of
every command). The project file is written last, atomically: a failed command changes nothing.
Exit codes as in cli.py: 0 ok, 2 unusable input (unknown model, bad name, unusable file).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from reviewer import tasks
from reviewer.cli_help import add_command
from reviewer.tasks import models as task_models

EXIT_OK, EXIT_INPUT = 0, 2
ACTIONS = ("list", "add", "remove", "rename", "use")


def register(sub, common) -> None:
    q = add_command(
        sub, "models", "list, add, remove, rename the models (prediction sets) of a project",
        "A project's task may hold several models: their predictions are scored on the same "
        "(corrected) ground truth and share the review (tags, status, notes, corrections); "
        "object tags on predictions belong to their model. `score`, `eval`, `stats`, `export` "
        "and `cost` take --model NAME (default: the current model); `reviewer compare` sets "
        "two side by side.",
        ["reviewer models proj", "reviewer models proj add retrained runs/retrained.json",
         "reviewer models proj add yolo11 runs/detect/predict/labels --pred-format yolo",
         "reviewer models proj rename predictions baseline",
         "reviewer models proj use retrained", "reviewer models proj remove retrained"])
    q.add_argument("project", help="project folder or its reviewer.json")
    q.add_argument("action", nargs="?", choices=ACTIONS, default="list",
                   help="list (default), add NAME PATH, remove NAME, rename OLD NEW, use NAME")
    q.add_argument("names", nargs="*", metavar="ARG", help="the action's names and path")
    q.add_argument("--task", choices=tasks.names(),
                   help="which task's models (default: the project's default task)")
    q.add_argument("--pred-format", dest="pred_format", metavar="FORMAT",
                   help="add: the predictions' format when the path does not tell it "
                        "(detection: coco, yolo, labelme, cvat, txt_xywh, txt_xyxy, "
                        "voc_results)")
    q.add_argument("--json", action="store_true", help="list: one JSON object")
    q.add_argument("--quiet", "-q", action="store_true", help="no progress, no problem list")
    q.set_defaults(handler=cmd_models)


_ARITY = {"list": 0, "add": 2, "remove": 1, "rename": 2, "use": 1}
_USAGE = {"list": "", "add": " NAME PATH", "remove": " NAME", "rename": " OLD NEW",
          "use": " NAME"}


def _fail(message: str) -> int:
    print(f"reviewer: error: {message}", file=sys.stderr)
    return EXIT_INPUT


def cmd_models(args) -> int:
    from reviewer.io.project import load_project
    if len(args.names) != _ARITY[args.action]:
        return _fail(f"usage: reviewer models PROJECT {args.action}{_USAGE[args.action]}")
    project = load_project(args.project, check_files=args.action == "add")
    task = project.task(args.task)
    if args.action == "list":
        return _list(project, task, args.json)
    try:
        return {"add": _add, "remove": _remove, "rename": _rename,
                "use": _use}[args.action](project, task, args)
    except task_models.ModelError as exc:
        return _fail(f"{project.file}: {task}: {exc}")


def _list(project, task: str, as_json: bool) -> int:
    models = project.model_set(task)
    if as_json:
        entries = [{"name": m.name, **{k: (str(v) if isinstance(v, Path) else v)
                                       for k, v in m.values.items() if v is not None}}
                   for m in models.models]
        print(json.dumps({"task": task, "current": models.current, "models": entries}))
        return EXIT_OK
    print(f"{task}: {len(models)} model{'s' if len(models) != 1 else ''}"
          + (f" (current: {models.current})" if models.current else
             " — add one with `reviewer models P add NAME PATH`"))
    width = max([len(n) for n in models.names] + [4])
    for m in models.models:
        mark = "*" if m.name == models.current else " "
        extra = "".join(f" ({v})" for k, v in m.values.items() if k != "pred" and v)
        print(f"{mark} {m.name:<{width}}  {_shown(project.root, m.pred)}{extra}")
    return EXIT_OK


def _shown(root: Path, path) -> str:
    try:
        return Path(path).relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _add(project, task: str, args) -> int:
    from reviewer.cli import ProgressBar, print_problems
    from reviewer.io.project import save_project
    from reviewer.io.workspace import open_task
    name, path = args.names
    plugin = tasks.get(task)
    if not Path(path).expanduser().exists():
        return _fail(f"{path}: file or folder not found")
    task_models.check_name(name)
    values = {"pred": path} | ({"pred_format": args.pred_format} if args.pred_format else {})
    inputs = plugin.new_inputs({**{f.key: getattr(project.inputs[task], f.key)
                                   for f in plugin.fields if not f.per_model}, **values})
    model = task_models.Model(name, task_models.values_of(plugin, inputs))
    models = project.model_set(task).added(model)
    changed = project.with_models(task, models)
    data = open_task(changed, task, ProgressBar(enabled=False if args.quiet else None),
                     model=name)  # scored before anything is written
    print_problems(data.problems, args)
    save_project(changed)
    print(f"added model {name} to {task}: {len(data.table['image_id'])} images, "
          f"{len(data.problems)} problems; models: {models.describe()}")
    return EXIT_OK


def _remove(project, task: str, args) -> int:
    from reviewer.io.project import save_project
    (name,) = args.names
    models = project.model_set(task)
    models.get(name)  # ModelError naming the models
    if models.names[0] == name:  # bare prediction keys of an earlier Reviewer are its own
        _with_store(project, lambda s: _adopt(s, name))
    changed = models.removed(name)
    save_project(project.with_models(task, changed))
    print(f"removed model {name} from {task} (its files and its object tags in the review "
          f"store stay); models: {changed.describe()}")
    return EXIT_OK


def _rename(project, task: str, args) -> int:
    from reviewer.io.project import save_project
    old, new = args.names
    models = project.model_set(task)
    changed = models.renamed(old, new)
    moved = _with_store(project, lambda s: _adopt(s, models.names[0])
                        + s.rename_prediction_keys(old, new))
    try:
        save_project(project.with_models(task, changed))
    except BaseException:
        _with_store(project, lambda s: s.rename_prediction_keys(new, old))
        raise
    print(f"renamed model {old} to {new} in {task}"
          + (f" ({moved} object tag{'s' if moved != 1 else ''} moved)" if moved else "")
          + f"; models: {changed.describe()}")
    return EXIT_OK


def _use(project, task: str, args) -> int:
    from reviewer.io.project import save_project
    (name,) = args.names
    changed = project.model_set(task).with_current(name)
    save_project(project.with_models(task, changed))
    print(f"current model of {task}: {name} (the default of score, eval, stats, export, "
          "cost; --model chooses another)")
    return EXIT_OK


def _adopt(store, first: str) -> int:
    from reviewer.io.store_keys import adopt_model_keys
    return adopt_model_keys(store, first)


def _with_store(project, action) -> int:
    """Run ``action(store)`` on the project's review store (nothing when there is none yet)."""
    from reviewer.io.store import open_review_store, store_exists
    if project.store is None and not project.store_path.is_file():
        return 0
    if project.store is not None and not store_exists(project):
        return 0
    store = open_review_store(project if project.store is not None else project.root)
    try:
        return int(action(store) or 0)
    finally:
        store.close()
