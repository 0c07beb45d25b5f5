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

from reviewer import __version__, tasks
from reviewer.cli_help import add_command

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


# review-state commands -> the module that registers them: such a command's parser is built from
# that module alone (a call is mostly start-up: the other modules' imports and ~25 subparsers are
# not needed; tests/cli/test_cli.py checks the table against the full parser)
REVIEW_STATE_COMMANDS = {"tag": "reviewer.cli_review", "status": "reviewer.cli_review",
                         "assign": "reviewer.cli_team", "next": "reviewer.cli_team",
                         "progress": "reviewer.cli_team"}


def _parser(command: str | None = None) -> argparse.ArgumentParser:
    """The `reviewer` parser; command: the command about to run (only a review-state command's
    own module is then imported, see ``REVIEW_STATE_COMMANDS``)."""
    p = argparse.ArgumentParser(prog="reviewer", description=(
        "Error analysis and label repair for computer-vision datasets. With no command, opens the "
        "review window on the bundled sample project."))
    p.add_argument("--version", action="version", version=f"reviewer {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    q = add_command(sub, "score", "per-image table, worst first",
                    "Score every image and print the worst first, on the corrected ground truth "
                    "(--original: the files as they are). Columns for --sort — " + "; ".join(
                        f"{t.name}: {', '.join(t.sort_columns)}" for t in tasks.all_tasks())
                    + "; detection also err_<type> (TIDE: cls, loc, both, dupe, bkg, miss), "
                    "segmentation iou_<class>.",
                    ["reviewer score proj", "reviewer score proj --sort fn --top 50",
                     "reviewer score proj --csv scores.csv --original",
                     "reviewer score proj --eval --metrics-json metrics.json",
                     "reviewer score proj --task segmentation --sort iou_road --ascending"])
    _common(q)
    q.add_argument("--csv", metavar="OUT.csv", help="write the full table as CSV (never onto an "
                                                    "input)")
    q.add_argument("--eval", action="store_true",
                   help="also print the dataset metrics, as `reviewer eval` does (the project "
                        "is loaded once for both)")
    q.add_argument("--metrics-json", metavar="OUT.json",
                   help="also write the dataset metrics as `reviewer eval --json` prints them")
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
                    ["reviewer open proj", "reviewer open proj --grid", "reviewer"])
    q.add_argument("project", nargs="?", help="project folder (default: the sample project)")
    q.add_argument("--grid", action="store_true",
                   help="start in the grid of thumbnails (G switches to the image and back)")
    for module in _extensions(command):
        module.register(sub, _common)
    return p


def _extensions(command: str | None = None):
    """Command modules that add subcommands: each has ``register(subparsers, common)`` which
    adds parsers with ``set_defaults(handler=function(args) -> exit code)``."""
    import importlib

    if command in REVIEW_STATE_COMMANDS:
        return (importlib.import_module(REVIEW_STATE_COMMANDS[command]),)
    from reviewer import (
        cli_compare,
        cli_export,
        cli_init,
        cli_metadata,
        cli_models,
        cli_review,
        cli_store,
        cli_team,
    )
    own = tuple(importlib.import_module(t.cli_module) for t in tasks.all_tasks() if t.cli_module)
    return (cli_init, cli_review, cli_export, cli_store, cli_team, cli_models, cli_compare,
            cli_metadata, *own)


def _common(q: argparse.ArgumentParser, original: bool = True,
            task_help: str = "which inputs of the project (default: its default task)") -> None:
    q.add_argument("project", help="project folder or its reviewer.json")
    q.add_argument("--task", choices=tasks.names(), help=task_help)
    q.add_argument("--model", metavar="NAME",
                   help="whose predictions (default: the project's current model; `reviewer "
                        "models P` lists them)")
    for flag, f in override_flags().items():
        kind = {"int": int, "fraction": float}.get(f.kind, str)
        q.add_argument(flag, dest=f.key, type=kind,
                       help=f.help.replace("(default ", "(project's default ", 1)
                       + " — overrides the project's value for this run")
    q.add_argument("--all-problems", action="store_true", help="list every input problem")
    q.add_argument("--quiet", "-q", action="store_true", help="no progress, no problem list")
    from reviewer.cli_where import add_where
    add_where(q)
    if original:
        q.add_argument("--original", action="store_true",
                       help="use the ground-truth files as they are (default: the corrected "
                            "ground truth, every correction made in the review applied)")


def override_flags() -> dict:
    """flag -> field of the task inputs a command may override for one run (thresholds)."""
    return {f.flag: f for t in tasks.all_tasks() for f in t.fields if f.override and f.flag}


def overrides(args) -> dict:
    """The override flags given on the command line: field key -> value."""
    return {f.key: getattr(args, f.key) for f in override_flags().values()
            if getattr(args, f.key, None) is not None}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = _parser(argv[0] if argv else None).parse_args(argv)
    if args.command in (None, "open"):
        return _open_gui(getattr(args, "project", None), getattr(args, "grid", False))
    from reviewer.core.problems import InputError
    from reviewer.core.where import WhereError
    from reviewer.io.project import ProjectError
    from reviewer.io.store_base import StoreError
    handlers = {"score": _cmd_score, "eval": _cmd_eval}
    try:
        handler = getattr(args, "handler", None) or handlers[args.command]
        return handler(args)
    except BrokenPipeError:  # `reviewer score … | head`
        sys.stderr.close()
        return EXIT_OK
    except (InputError, ProjectError, WhereError) as exc:
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


def _open_gui(project, grid: bool = False) -> int:
    try:
        from reviewer.app import run
    except ImportError as exc:
        print("reviewer: the review window is not available in this build yet "
              f"({exc}); use `reviewer score` / `reviewer eval`.", file=sys.stderr)
        return EXIT_INPUT
    return run(project, grid=grid)


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


def _cmd_score(args) -> int:
    from reviewer.core.ranking import rank
    from reviewer.io.evaluation import ground_truth_line
    with _load(args) as session:
        doc = session.document
        table = doc.table_before if args.original else doc.table
        if args.sort not in table:
            print(f"reviewer: error: no column {args.sort!r}; columns: {', '.join(table)}",
                  file=sys.stderr)
            return EXIT_INPUT
        order = rank(table, args.sort, args.ascending)
        from reviewer.cli_where import where_rows
        rows = where_rows(session, args, args.original)
        if rows is not None:
            import numpy as np
            order = order[np.isin(order, rows)]
        if not _check_outputs(args, session.project):
            return EXIT_INPUT
        shown = tasks.get(session.data.task).display_table(session.data, table)
        if args.csv:
            from reviewer.io.tables import write_csv
            write_csv(args.csv, shown, order)
        if not args.quiet:
            n = len(doc.corrected_images)
            print(f"scores {ground_truth_line(n, args.original)}", file=sys.stderr)
        _print_table(shown, order[: max(args.top, 0)])
        if args.eval or args.metrics_json:
            _score_eval(args, session, rows)
    return EXIT_OK


def _check_outputs(args, project) -> bool:
    """--csv and --metrics-json must not name an input (message on stderr when one does)."""
    from reviewer.io.paths import UnsafeOutputError, check_output_file, protected_paths
    for flag, path in (("--csv", args.csv), ("--metrics-json", args.metrics_json)):
        if not path:
            continue
        try:
            check_output_file(path, protected_paths(project))
        except UnsafeOutputError as exc:
            print(f"reviewer: error: {flag} {exc}", file=sys.stderr)
            return False
    return True


def _score_eval(args, session, rows=None) -> None:
    """``score --eval`` / ``--metrics-json``: the metrics of ``reviewer eval`` from the session
    already loaded and scored (one load for both); ``rows``: the images ``--where`` chose."""
    from reviewer.io.evaluation import session_eval
    payload = session_eval(session, rows, original=args.original)
    if args.metrics_json:
        from reviewer.io.tables import write_text
        write_text(args.metrics_json,
                   json.dumps(payload, allow_nan=False, default=json_default) + "\n")
    if args.eval:
        before = None
        if not args.original and session.document.corrected_images:
            before = session_eval(session, rows, original=True)
        print()
        print(eval_header(payload, args.original))
        _print_eval(payload, before)


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
    from reviewer.cli_where import where_rows
    from reviewer.io.evaluation import session_eval
    with _load(args) as session:
        rows = where_rows(session, args, args.original)
        payload = session_eval(session, rows, original=args.original)
        if args.json:
            print(json.dumps(payload, allow_nan=False, default=json_default))
            return EXIT_OK
        before = None
        if not args.original and session.document.corrected_images:
            before = session_eval(session, rows, original=True)
        print(eval_header(payload, args.original))
        _print_eval(payload, before)
    return EXIT_OK


def eval_header(payload: dict, original: bool) -> str:
    """The first line of ``eval`` (and of ``score --eval``'s metrics)."""
    from reviewer.io.evaluation import ground_truth_line
    return (f"{payload['task']}, {model_words(payload)}{payload['images']} images, "
            f"{ground_truth_line(payload['corrected_images'], original)}")


def model_words(payload: dict) -> str:
    """``model retrained, `` for the first line of a command's text (nothing without one)."""
    return f"model {payload['model']}, " if payload.get("model") else ""


def json_default(v):
    if hasattr(v, "item"):
        return v.item()
    raise TypeError(type(v).__name__)


def _print_eval(payload: dict, before: dict | None = None) -> None:
    """The text of ``reviewer eval``: the task's lines (every number names its IoU type; one
    table, one type)."""
    for line in tasks.get(payload["task"]).eval_lines(payload, before):
        print(line)


if __name__ == "__main__":
    sys.exit(main())
