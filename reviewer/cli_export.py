"""``reviewer export PROJECT --out DIR [--only-reviewed] [--tags T1,T2] [--force]``.

Writes the fixed dataset, changes.csv, tag statistics, metrics.json and report.html into DIR
(atomically; see reviewer/io/export.py) and prints the metric before / after corrections.
Exit codes as in cli.py: 0 ok, 2 unusable input (non-empty DIR without --force, unknown tag,
locked store).
"""

from __future__ import annotations

import sys

EXIT_OK, EXIT_INPUT = 0, 2


def register(sub, common) -> None:
    """Add ``export`` to the `reviewer` parser."""
    q = sub.add_parser("export", help="write the fixed dataset, change log, tag statistics, "
                                      "metrics and an HTML report")
    common(q)
    q.add_argument("--out", required=True, metavar="DIR", help="folder to write (created)")
    q.add_argument("--only-reviewed", action="store_true",
                   help="only images with review status 'reviewed'")
    q.add_argument("--tags", metavar="T1,T2", help="only images carrying one of these tags")
    q.add_argument("--force", action="store_true", help="replace a non-empty DIR")
    q.add_argument("--no-report", action="store_true", help="skip report.html")
    q.set_defaults(handler=_cmd_export)


def _tags(text: str | None) -> list[str] | None:
    if not text:
        return None
    return [t.strip() for t in text.split(",") if t.strip()] or None


def _open(args):
    """A read-only session on args.project / args.task with the threshold overrides applied
    (the export only reads the review; a project without a store gets an empty one)."""
    from dataclasses import replace

    from reviewer.cli import ProgressBar
    from reviewer.io.project import load_project
    from reviewer.io.session import open_session
    project = load_project(args.project)
    score, iou = args.score_threshold, args.iou_threshold
    if project.detection is not None and (score is not None or iou is not None):
        det = project.detection
        project = replace(project, detection=replace(
            det, score_threshold=det.score_threshold if score is None else score,
            iou_threshold=det.iou_threshold if iou is None else iou))
    from reviewer.io.store import store_exists
    read_only = store_exists(project)
    progress = ProgressBar(enabled=False if args.quiet else None)
    return open_session(project, args.task, progress, read_only=read_only)


def _cmd_export(args) -> int:
    from pathlib import Path

    from reviewer.cli import ProgressBar, print_problems
    from reviewer.io.export import ExportError, export
    from reviewer.io.export_files import check_target
    from reviewer.io.store_base import StoreError
    try:
        check_target(Path(args.out).expanduser().absolute(), args.force)  # fail before loading
        with _open(args) as session:
            print_problems(session.data.problems, args)
            result = export(session, args.out, only_reviewed=args.only_reviewed,
                            tags=_tags(args.tags), force=args.force,
                            progress=ProgressBar(enabled=False if args.quiet else None),
                            report=not args.no_report)
    except (ExportError, StoreError) as exc:
        print(f"reviewer: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    print_problems(result.problems, args)
    print(f"exported {result.images} images to {result.out}: {', '.join(result.files)}")
    print(result.summary)
    return EXIT_OK
