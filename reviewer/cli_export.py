"""``reviewer export PROJECT --out DIR [--format coco,yolo,voc,labelme] [--only-reviewed]
[--tags T1,T2] [--force]``.

Writes the fixed dataset (in each format asked for), loss_report.json, changes.csv, tag
statistics, metrics.json and report.html into DIR (atomically; see reviewer/io/export.py) and
prints the metric before / after corrections and what each format could not hold.
Exit codes as in cli.py: 0 ok, 2 unusable input (non-empty DIR without --force, unknown tag,
locked store).
"""

from __future__ import annotations

import argparse
import contextlib
import sys

from reviewer.cli_help import add_command

EXIT_OK, EXIT_INPUT = 0, 2


def register(sub, common) -> None:
    """Add ``export`` to the `reviewer` parser."""
    q = add_command(sub, "export", "write the fixed dataset, change log, tag statistics, "
                                   "metrics and an HTML report",
                    "Write the corrected dataset (original ids and fields kept), changes.csv, "
                    "tag statistics, metrics.json (before / after the corrections) and "
                    "report.html into DIR, atomically. A project with two tasks gets one "
                    "subfolder each. DIR is replaced only when an earlier export made it.",
                    ["reviewer export proj --out proj-export",
                     "reviewer export proj --out proj-export --format yolo,voc",
                     "reviewer export proj --out fixes --only-reviewed --tags \"label wrong\"",
                     "reviewer export proj --out proj-export --force --no-report",
                     "reviewer export proj --out valid-set --where split=valid"])
    common(q, original=False, task_help="export this task only (default: every task of the "
                                        "project, each in its own subfolder when there are two)")
    q.add_argument("--out", required=True, metavar="DIR", help="folder to write (created)")
    q.add_argument("--format", action="append", metavar="FORMAT[,FORMAT]",
                   help="detection: the dataset's format(s): coco (default; where it always "
                        "was), yolo (yolo/labels/*.txt + yolo/data.yaml), voc "
                        "(voc/Annotations/*.xml), labelme (labelme/*.json); classification: "
                        "csv (default: the label table) and imagefolder "
                        "(images_by_class/<class>/<file> links); several at once "
                        "(--format coco,yolo). loss_report.json says what each could not hold")
    q.add_argument("--only-reviewed", action="store_true",
                   help="only images with review status 'reviewed'")
    q.add_argument("--tags", metavar="T1,T2", help="only images carrying one of these tags")
    q.add_argument("--force", action="store_true",
                   help="replace DIR when it holds an earlier Reviewer export (never any other "
                        "folder: the project, an input, the working directory, home or a root)")
    q.add_argument("--no-report", action="store_true", help="skip report.html")
    q.set_defaults(handler=_cmd_export)


def _tags(text: str | None) -> list[str] | None:
    if not text:
        return None
    return [t.strip() for t in text.split(",") if t.strip()] or None


def _formats(values) -> list[str] | None:
    if not values:
        return None
    return [f.strip() for v in values for f in v.split(",") if f.strip()]


def _check_formats(values, project, task: str | None) -> None:
    """Before loading: every --format is one the exported task(s) write."""
    from reviewer import tasks
    from reviewer.io.export import ExportError
    offered = [f for t in ([task] if task else project.tasks) for f in tasks.get(t).export_formats]
    bad = [f for f in _formats(values) or () if f.lower() not in offered]
    if bad:
        raise ExportError(f"--format: unknown export format {bad[0]!r} (choose from "
                          f"{', '.join(dict.fromkeys(offered))})")


def _models(project, tasks: list[str], model: str | None) -> list[str | None]:
    """``--model`` for each exported task: the tasks holding a model of that name use it, the
    others their current model; ProjectError (naming the models) when none holds it."""
    if model is None:
        return [None] * len(tasks)
    chosen = [model if model in project.model_set(t) else None for t in tasks]
    if not any(chosen):
        project.inputs_for(tasks[0], model)  # raises, naming the models
    return chosen


def _cmd_export(args) -> int:

    from reviewer.cli import ProgressBar, print_problems
    from reviewer.cli_review import open_cli_session
    from reviewer.cli_where import where_rows
    from reviewer.io.export import ExportError, export
    from reviewer.io.export_files import check_target
    from reviewer.io.paths import protected_paths
    from reviewer.io.project import load_project
    from reviewer.io.store_base import StoreError
    try:
        project = load_project(args.project)
        check_target(args.out, args.force, protected_paths(project))  # fail before loading
        _check_formats(args.format, project, args.task)
        tasks = [args.task] if args.task else project.tasks
        models = _models(project, tasks, args.model)
        with contextlib.ExitStack() as stack:
            sessions = []
            for task, model in zip(tasks, models, strict=True):
                session = stack.enter_context(
                    open_cli_session(argparse.Namespace(**{**vars(args), "task": task,
                                                           "model": model}),
                                     read_only=True))
                print_problems(session.data.problems, args, brief=True)
                where_rows(session, args)  # an invalid or empty --where stops here (exit 2)
                sessions.append(session)
            result = export(sessions, args.out, only_reviewed=args.only_reviewed,
                            tags=_tags(args.tags), force=args.force,
                            progress=ProgressBar(enabled=False if args.quiet else None),
                            report=not args.no_report, formats=_formats(args.format),
                            where=args.where)
    except (ExportError, StoreError) as exc:
        print(f"reviewer: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except OSError as exc:
        from reviewer.cli import ENVIRONMENT_ERRNOS, os_error_message
        if exc.errno not in ENVIRONMENT_ERRNOS:
            raise
        print(f"reviewer: error: export to {args.out} failed, nothing was written there: "
              f"{os_error_message(exc)}", file=sys.stderr)
        return EXIT_INPUT
    print_problems(result.problems, args)
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    print(f"exported {result.images} images to {result.out}: {', '.join(result.files)}")
    print(result.summary)
    for line in result.loss_lines():
        print(f"format {line}")
    return EXIT_OK
