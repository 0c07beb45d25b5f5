"""The command line: ``reviewer [init|score|eval|open] ...``.

Exit codes: 0 success, 2 unusable input (nothing usable remains, bad project file), 1 anything
unexpected. Problems found in the inputs go to stderr, the results to stdout.
"""

from __future__ import annotations

import argparse
import errno
import json
import math
import re
import sys
import time
from collections import Counter
from pathlib import Path

from reviewer import __version__
from reviewer.cli_help import THRESHOLD_HELP, add_command

DETECTION_SORT = ("error", "gt", "pred", "tp", "fp", "fn", "mispredicted", "precision", "recall",
                  "f1", "mean_iou", "ignored", "file_name", "image_id")
SEGMENTATION_SORT = ("error", "miou", "pixel_acc", "file_name", "image_id")

EXIT_OK, EXIT_BUG, EXIT_INPUT = 0, 1, 2
MAX_PROBLEMS_SHOWN = 20


class ProgressBar:
    """A one-line progress display on stderr, only when stderr is a terminal."""

    def __init__(self, stream=None, enabled: bool | None = None):
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self._last = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if done < total and now - self._last < 0.1:
            return
        self._last = now
        width = 30
        filled = int(width * done / total) if total else width
        self.stream.write(f"\r{stage:<16} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="reviewer", description=(
        "Error analysis and label repair for computer-vision datasets. With no command, opens the "
        "review window on the bundled sample project."))
    p.add_argument("--version", action="version", version=f"reviewer {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    q = add_command(sub, "init", "create a project from images, ground truth and predictions",
                    "Create PROJECT/reviewer.json for one task's inputs (every input is checked "
                    "first; nothing is written when one is unusable). Run it again with --add to "
                    "give the project a second task on the same images (detection and "
                    "segmentation, as the sample project has).",
                    ["reviewer init proj --images data/images --gt data/instances.json "
                     "--pred runs/predictions.json",
                     "reviewer init proj --images data/images --gt data/masks --pred runs/masks "
                     "--classes data/classes.json",
                     "reviewer init proj --add --images data/images --task segmentation "
                     "--gt data/masks --pred runs/masks --classes data/classes.json"])
    q.add_argument("project", help="project folder to create (reviewer.json is written there)")
    q.add_argument("--images", required=True, help="folder holding the images")
    q.add_argument("--gt", required=True,
                   help="ground truth: a COCO instances JSON, a YOLO label folder, Pascal VOC "
                        "XML, LabelMe JSON or a CVAT XML (detection, instance masks), or a "
                        "folder of label PNGs (semantic segmentation)")
    q.add_argument("--pred", help="predictions: a COCO results JSON, YOLO predict labels "
                                  "(save_conf=True), per-image pixel .txt files or VOC results, "
                                  "or a folder of predicted label PNGs named like the GT's")
    q.add_argument("--task", choices=("detection", "segmentation"),
                   help="what the inputs are (default: segmentation when --gt is a folder, "
                        "else detection)")
    q.add_argument("--add", action="store_true",
                   help="add this task to an existing project (same images folder) instead of "
                        "creating one")
    q.add_argument("--classes", help="class names: a YOLO data.yaml, a names file (one per "
                                     "line), a JSON object index -> name or a JSON list "
                                     "(segmentation: with colours for RGB colour-coded masks)")
    q.add_argument("--ignore-index", type=int, default=255,
                   help="segmentation: the label value that marks pixels left out of the scores "
                        "(default 255; ADE20K uses 0)")
    q.add_argument("--iou-threshold", type=float, default=0.5, help=THRESHOLD_HELP["iou"])
    q.add_argument("--score-threshold", type=float, default=0.5, help=THRESHOLD_HELP["score"])
    from reviewer.cli_formats import add_format_args
    add_format_args(q)
    q.add_argument("--force", action="store_true", help="replace an existing project file")
    q.add_argument("--store", metavar="URL",
                   help="keep the review on a PostgreSQL server (postgresql://user@host:port/"
                        "database; the password from PGPASSWORD or ~/.pgpass, never recorded)")
    q.add_argument("--all-problems", action="store_true", help="list every input problem")
    q.add_argument("--quiet", "-q", action="store_true", help="no progress, no problem list")

    q = add_command(sub, "score", "per-image table, worst first",
                    "Score every image and print the worst first, on the corrected ground truth "
                    "(--original: the files as they are). Columns for --sort — detection: "
                    f"{', '.join(DETECTION_SORT)}, err_<type> (TIDE: cls, loc, both, dupe, bkg, "
                    f"miss); segmentation: {', '.join(SEGMENTATION_SORT)}, iou_<class>.",
                    ["reviewer score proj", "reviewer score proj --sort fn --top 50",
                     "reviewer score proj --csv scores.csv --original",
                     "reviewer score proj --task segmentation --sort iou_road --ascending"])
    _common(q)
    q.add_argument("--csv", metavar="OUT.csv", help="write the full table as CSV (never onto an "
                                                    "input)")
    q.add_argument("--top", type=int, default=20, metavar="N", help="rows to print (default 20)")
    q.add_argument("--sort", default="error", metavar="COLUMN",
                   help="column to sort by (default error: the worst image first; the columns "
                        "are listed above)")
    q.add_argument("--ascending", action="store_true", help="sort ascending (default: descending)")

    q = add_command(sub, "eval", "dataset metrics",
                    "The dataset metrics — detection: the 12 COCO numbers (equal to pycocotools) "
                    "and per class AP and counts, every number named with its IoU type; "
                    "segmentation: mIoU, pixel accuracy and per-class IoU — on the corrected "
                    "ground truth, with original -> corrected where the review changed it.",
                    ["reviewer eval proj", "reviewer eval proj --json > metrics.json",
                     "reviewer eval proj --original --score-threshold 0.3"])
    _common(q)
    q.add_argument("--json", action="store_true", help="print one JSON object")

    q = add_command(sub, "open", "open a project in the review window",
                    "Open the review window on PROJECT (default: the bundled sample project).",
                    ["reviewer open proj", "reviewer"])
    q.add_argument("project", nargs="?", help="project folder (default: the sample project)")
    for module in _extensions():
        module.register(sub, _common)
    return p


def _extensions():
    """Command modules that add subcommands: each has ``register(subparsers, common)`` which
    adds parsers with ``set_defaults(handler=function(args) -> exit code)``."""
    from reviewer import cli_export, cli_review, cli_store, cli_team
    return (cli_review, cli_export, cli_store, cli_team)


def _common(q: argparse.ArgumentParser, original: bool = True,
            task_help: str = "which inputs of the project (default: its default task)") -> None:
    q.add_argument("project", help="project folder or its reviewer.json")
    q.add_argument("--task", choices=("detection", "segmentation"), help=task_help)
    q.add_argument("--score-threshold", type=float,
                   help=THRESHOLD_HELP["score"].replace("(default 0.5)", "(default: the project's)"))
    q.add_argument("--iou-threshold", type=float,
                   help=THRESHOLD_HELP["iou"].replace("(default 0.5)", "(default: the project's)"))
    q.add_argument("--all-problems", action="store_true", help="list every input problem")
    q.add_argument("--quiet", "-q", action="store_true", help="no progress, no problem list")
    if original:
        q.add_argument("--original", action="store_true",
                       help="use the ground-truth files as they are (default: the corrected "
                            "ground truth, every correction made in the review applied)")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command in (None, "open"):
        return _open_gui(getattr(args, "project", None))
    from reviewer.core.problems import InputError
    from reviewer.io.project import ProjectError
    from reviewer.io.store_base import StoreError
    handlers = {"init": _cmd_init, "score": _cmd_score, "eval": _cmd_eval}
    try:
        handler = getattr(args, "handler", None) or handlers[args.command]
        return handler(args)
    except BrokenPipeError:  # `reviewer score … | head`
        sys.stderr.close()
        return EXIT_OK
    except (InputError, ProjectError) as exc:
        print(f"reviewer: error: {exc}", file=sys.stderr)
        print_problems(getattr(exc, "problems", []), args)
        return EXIT_INPUT
    except StoreError as exc:
        print(f"reviewer: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except OSError as exc:
        if exc.errno not in ENVIRONMENT_ERRNOS:
            raise
        print(f"reviewer: error: {os_error_message(exc)}", file=sys.stderr)
        return EXIT_INPUT


ENVIRONMENT_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM, errno.EROFS,
                      errno.EFBIG, errno.ENAMETOOLONG, errno.EMFILE, errno.ENFILE, errno.EIO}


def os_error_message(exc: OSError) -> str:
    """``PATH: reason`` for an error of the machine (disk full, no permission), with a hint."""
    where = f"{exc.filename}: " if exc.filename else ""
    hint = {errno.ENOSPC: " (free some space and run the command again)",
            errno.EDQUOT: " (disk quota exceeded; free some space)",
            errno.EACCES: " (no permission: check the folder's owner and mode)",
            errno.EROFS: " (the file system is read-only)"}.get(exc.errno, "")
    return f"{where}{exc.strerror or exc}{hint}; the command stopped and wrote nothing further"


def _open_gui(project) -> int:
    try:
        from reviewer.app import run
    except ImportError as exc:
        print("reviewer: the review window is not available in this build yet "
              f"({exc}); use `reviewer score` / `reviewer eval`.", file=sys.stderr)
        return EXIT_INPUT
    return run(project)


def print_problems(problems, args, brief: bool = False) -> None:
    """The input problems on stderr: listed (``init``, a failure, ``--all-problems``), or, for
    the commands that reopen a project, in ``brief``: one line counting them by kind."""
    if not problems or getattr(args, "quiet", False):
        return
    errors = sum(1 for p in problems if p.severity == "error")
    every = getattr(args, "all_problems", False)
    if brief and not every:
        kinds = Counter(problem_kind(p.message) for p in problems)
        shown = ", ".join(f"{n} × {k}" for k, n in kinds.most_common(3))
        more = f", {len(kinds) - 3} more kinds" if len(kinds) > 3 else ""
        print(f"note: {len(problems)} input problem(s) as at init ({errors} error(s): entries "
              f"skipped): {shown}{more}; --all-problems lists them", file=sys.stderr)
        return
    shown = problems if every else problems[:MAX_PROBLEMS_SHOWN]
    print(f"{len(problems)} input problem(s) ({errors} error(s); the entries were skipped, "
          "the rest loaded):", file=sys.stderr)
    for p in shown:
        print(f"  {p.severity}: {p}", file=sys.stderr)
    if len(shown) < len(problems):
        print(f"  … and {len(problems) - len(shown)} more (--all-problems lists them)",
              file=sys.stderr)


def problem_kind(message: str) -> str:
    """A problem's message without its particulars (paths, numbers, quoted values, asides)."""
    head = re.sub(r"\([^)]*\)?", "", message.split(";", 1)[0])
    head = re.sub(r"\S*[/\\]\S*|'[^']*'|\"[^\"]*\"|-?\d+(\.\d+)?", "", head)
    head = " ".join(head.split()).rstrip(" :,.")
    return head[:60] or message[:60]


def _load(args):
    """A read-only session (corrections replayed) with its problems and notices printed."""
    from reviewer.cli_review import open_cli_session
    session = open_cli_session(args, read_only=True)
    print_problems(session.data.problems, args, brief=True)
    return session


def _guess_task(gt: str, forced: str | None = None) -> str:
    from reviewer.cli_formats import guess_task
    return guess_task(gt, forced)


_INIT_FLAGS = (("--images", "images", "dir"), ("--gt", "gt", None), ("--pred", "pred", None),
               ("--classes", "classes", "file"))


def _check_init_flags(args) -> str | None:
    """The first input flag naming a path that does not exist, as a message, or None."""
    for flag, attr, kind in _INIT_FLAGS:
        value = getattr(args, attr, None)
        if value is None:
            continue
        path = Path(value).expanduser()
        ok = {"dir": path.is_dir(), "file": path.is_file(), None: path.exists()}[kind]
        if not ok:
            what = {"dir": "folder", "file": "file", None: "file or folder"}[kind]
            return f"{flag}: {what} not found: {value}"
    return None


def _cmd_init(args) -> int:
    """Validate every input first, write the project file last: a failed init writes nothing
    (and leaves an existing project file as it was)."""
    from reviewer.io.project import project_file, save_project
    from reviewer.io.workspace import open_task
    file = project_file(args.project)
    if file.exists() and not args.force and not args.add:
        print(f"reviewer: error: {file} exists (use --force to overwrite, or --add to give it "
              "another task)", file=sys.stderr)
        return EXIT_INPUT
    problem = _check_init_flags(args)
    if problem:
        print(f"reviewer: error: {problem}", file=sys.stderr)
        return EXIT_INPUT
    task = args.task or _guess_task(args.gt, args.gt_format)
    project = _added_task(args, file, task) if args.add else _new_project(args, task)
    if isinstance(project, str):
        print(f"reviewer: error: {project}", file=sys.stderr)
        return EXIT_INPUT
    data = open_task(project, task, progress=ProgressBar(enabled=False if args.quiet else None))
    print_problems(data.problems, args)
    if args.store:
        project = _init_store(project, args.store)
        if isinstance(project, int):
            return project
    try:
        save_project(project)
    except OSError as exc:
        print(f"reviewer: error: cannot write {file}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_INPUT
    n = len(data.table["image_id"])
    verb = f"added {task} to" if args.add else f"created ({task})"
    print(f"{verb} {file}: {n} images, {len(data.problems)} problems; tasks: "
          f"{', '.join(project.tasks)}")
    from reviewer.io.paths import outside_notice
    outside = outside_notice(project)
    if outside and not args.quiet:
        print(f"note: {outside} (paths are stored relative to the project file)", file=sys.stderr)
    return EXIT_OK


def _init_store(project, url: str):
    """``init --store URL``: the project with its server store (created now), or an exit code."""
    from dataclasses import replace

    from reviewer.cli_store import parse_target
    from reviewer.io.store import open_review_store
    from reviewer.io.store_base import StoreError
    from reviewer.io.store_url import StoreLocation, is_server_url
    if not is_server_url(url):
        print(f"reviewer: error: --store {url!r}: expected postgresql://user@host:port/database "
              "(without --store the review lives in the project folder)", file=sys.stderr)
        return EXIT_INPUT
    try:
        location = parse_target(url, project)
        assert isinstance(location, StoreLocation)
        open_review_store(location).close()
    except (StoreError, ValueError) as exc:
        print(f"reviewer: error: --store: {exc}", file=sys.stderr)
        return EXIT_INPUT
    return replace(project, store=location)


def _new_project(args, task: str):
    from reviewer.cli_formats import format_options
    from reviewer.io.project import new_project
    return new_project(args.project, args.images, args.gt, args.pred, task, args.classes,
                       args.iou_threshold, args.score_threshold, args.ignore_index,
                       **format_options(args, task))


def _added_task(args, file: Path, task: str):
    """The existing project with ``task``'s inputs added, or a message saying why not."""
    from dataclasses import replace

    from reviewer.io.project import load_project
    if not file.is_file():
        return f"{file}: no project to add a task to (create it without --add first)"
    project = load_project(file)
    if task in project.tasks and not args.force:
        return (f"{file}: the project has {task} inputs already (--force replaces them)")
    if Path(args.images).expanduser().resolve() != project.images:
        return (f"--images: {args.images} is not the project's images folder "
                f"({project.images}); a project's tasks share one images folder")
    one = _new_project(argparse.Namespace(**{**vars(args), "project": project.root}), task)
    return replace(project, **{task: getattr(one, task)})


def _cmd_score(args) -> int:
    from reviewer.core.reports import rank
    from reviewer.io.evaluation import ground_truth_line
    with _load(args) as session:
        doc = session.document
        table = doc.table_before if args.original else doc.table
        if args.sort not in table:
            print(f"reviewer: error: no column {args.sort!r}; columns: {', '.join(table)}",
                  file=sys.stderr)
            return EXIT_INPUT
        order = rank(table, args.sort, args.ascending)
        if args.csv:
            from reviewer.io.paths import UnsafeOutputError, check_output_file, protected_paths
            from reviewer.io.tables import write_csv
            try:
                check_output_file(args.csv, protected_paths(session.project))
            except UnsafeOutputError as exc:
                print(f"reviewer: error: --csv {exc}", file=sys.stderr)
                return EXIT_INPUT
            write_csv(args.csv, table, order)
        if not args.quiet:
            n = len(doc.corrected_images)
            print(f"scores {ground_truth_line(n, args.original)}", file=sys.stderr)
        _print_table(table, order[: max(args.top, 0)])
    return EXIT_OK


def _fmt(v) -> str:
    if isinstance(v, float):
        return "" if math.isnan(v) else f"{v:.3f}"
    return str(v)


def _print_table(table: dict, order) -> None:
    cols = [c for c in table if not c.startswith(("iou_", "err_"))][:12]
    rows = [[_fmt(table[c][i].item() if hasattr(table[c][i], "item") else table[c][i])
             for c in cols] for i in order]
    widths = [max([len(c)] + [len(r[j]) for r in rows]) for j, c in enumerate(cols)]
    print("  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=False)))
    for r in rows:
        print("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=False)))


def _cmd_eval(args) -> int:
    from reviewer.io.evaluation import ground_truth_line, session_eval
    with _load(args) as session:
        payload = session_eval(session, original=args.original)
        if args.json:
            print(json.dumps(payload, allow_nan=False, default=json_default))
            return EXIT_OK
        before = None
        if not args.original and session.document.corrected_images:
            before = session_eval(session, original=True)
        print(f"{payload['task']}, {payload['images']} images, "
              f"{ground_truth_line(payload['corrected_images'], args.original)}")
        _print_eval(payload, before)
    return EXIT_OK


def json_default(v):
    if hasattr(v, "item"):
        return v.item()
    raise TypeError(type(v).__name__)


def _num(v, digits: int = 3) -> str:
    return "n/a" if v is None or v < 0 or (isinstance(v, float) and math.isnan(v)) \
        else f"{v:.{digits}f}"


def _headline(names, now: dict, before: dict | None, digits: int = 3) -> str:
    """``AP 0.412 → 0.455 · AP50 …``: before → after where a before is given and differs."""
    parts = []
    for label, key in names:
        a = _num(now.get(key), digits)
        b = a if before is None else _num(before.get(key), digits)
        parts.append(f"{label} {a}" if a == b else f"{label} {b} → {a}")
    return " · ".join(parts)


def _print_eval(payload: dict, before: dict | None = None) -> None:
    """The text of ``reviewer eval``: every number names its IoU type; one table, one type."""
    if payload["task"] != "detection":
        print(_headline([("mIoU", "miou"), ("pixel accuracy", "pixel_acc")], payload, before, 4))
        print(f"{'class':<24} {'IoU':>7} {'gt px':>10} {'pred px':>10}")
        for name, c in payload["per_class"].items():
            print(f"{name[:24]:<24} {_num(c['iou'], 4):>7} {c['gt_area']:>10} "
                  f"{c['pred_area']:>10}")
        return
    t = payload["iou_type"]
    print(f"matching: {t} IoU >= {payload['iou_threshold']:g}, score >= "
          f"{payload['score_threshold']:g} (counts, confusion and TIDE types)")
    print(_headline([(f"AP ({t})", "AP"), (f"AP50 ({t})", "AP50")], payload["overall"],
                    None if before is None else before["overall"]))
    for family, block in payload["by_iou_type"].items():
        print(f"{family}: " + "  ".join(f"{k} {_num(v)}" for k, v in block["overall"].items()))
    print(f"{'class':<20} {'AP':>6} {'AP50':>6} {'gt':>6} {'pred':>6} {'tp':>6} {'fp':>6} "
          f"{'fn':>6} {'mispr':>6}   ({t} throughout)")
    for name, c in payload["per_class"].items():
        print(f"{name[:20]:<20} {_num(c['AP']):>6} {_num(c['AP50']):>6} {c['gt']:>6} "
              f"{c['pred']:>6} {c['tp']:>6} {c['fp']:>6} {c['fn']:>6} {c['mispredicted']:>6}")
    print(f"errors (TIDE, {t} matching): " +
          "  ".join(f"{k} {v}" for k, v in payload["errors"].items()))


if __name__ == "__main__":
    sys.exit(main())
