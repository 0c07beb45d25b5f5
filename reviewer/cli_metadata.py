"""``reviewer metadata P [list | show IMAGE | import FILE | set COL=VALUE …]`` and the commands
built on metadata: ``reviewer slices`` (cli_slices.py) and ``reviewer splits`` (cli_splits.py).

``import`` matches the file's rows to the project's images (by file name, image id, or file name
without folders / extension when unique), lists every problem with its file and row, and keeps
the typed columns in ``PROJECT/metadata.parquet``; ``set`` is a journalled, undoable command.
Exit codes as in cli.py: 0 ok, 2 unusable input.
"""

from __future__ import annotations

import json
import sys
from collections import Counter

import numpy as np

from reviewer import tasks
from reviewer.cli_help import add_command

EXIT_OK, EXIT_INPUT = 0, 2


def register(sub, common) -> None:
    q = add_command(sub, "metadata", "per-image metadata: list, show, import, set",
                    "Per-image metadata columns: the inputs' extra fields (COCO images[] keys, "
                    "extra columns of a classification table), imported files (CSV, Parquet or "
                    "JSON lines with an 'image' column) and values set in the review (a split). "
                    "Every command's --where, the slices and the splits read them.",
                    ["reviewer metadata proj", "reviewer metadata proj show lemon_01_a.jpg",
                     "reviewer metadata proj import cameras.csv",
                     "reviewer metadata proj set split=test --where 'fruit_id in L01,L02'",
                     "reviewer metadata proj set split=valid --image lemon_07_a.jpg"])
    q.add_argument("project", help="project folder or its reviewer.json")
    q.add_argument("action", nargs="?", default="list", choices=("list", "show", "import", "set"),
                   help="list (default): the columns; show IMAGE: one image's values; import "
                        "FILE: add the file's columns; set COL=VALUE…: set values (undoable)")
    q.add_argument("args", nargs="*", metavar="ARG", help="IMAGE, FILE or COL=VALUE pairs")
    q.add_argument("--task", choices=tasks.names(),
                   help="which inputs of the project (default: its default task)")
    q.add_argument("--replace", action="store_true",
                   help="import: drop every column imported before (default: the file's "
                        "columns replace the same-named ones, the others stay)")
    q.add_argument("--image", action="append", metavar="IMAGE", help="set: this image "
                   "(repeatable; an id or file name)")
    from reviewer.cli_where import add_where
    add_where(q)
    q.add_argument("--json", action="store_true", help="list / show as JSON")
    q.add_argument("--all-problems", action="store_true", help="list every input problem")
    q.add_argument("--quiet", "-q", action="store_true", help="no progress display")
    q.set_defaults(handler=_cmd_metadata)
    from reviewer import cli_slices, cli_splits
    cli_slices.register(sub, common)
    cli_splits.register(sub, common)


def _fail(message: str) -> int:
    print(f"reviewer: error: {message}", file=sys.stderr)
    return EXIT_INPUT


def _cmd_metadata(args) -> int:
    if args.action == "import":
        return _import(args)
    from reviewer.cli_review import _with_session
    if args.action == "set":
        return _with_session(args, lambda s: _set(s, args))
    body = _show if args.action == "show" else _list
    return _with_session(args, lambda s: body(s, args), read_only=True)


# --- list / show ---------------------------------------------------------------------------------
def column_summary(session) -> list[dict]:
    """Per column: name, kind, source, images with a value, distinct values and the most common
    (text) or the range (numbers, dates)."""
    from reviewer.core.metadata import format_value
    from reviewer.io.metadata import session_metadata
    meta = session_metadata(session)
    out = []
    for name, col in meta.columns.items():
        has = col.present()
        entry = {"column": name, "kind": col.kind, "source": meta.source[name],
                 "images": int(has.sum()), "edited": int(meta.edited.get(name, has & False)
                                                         .sum())}
        values = col.values[has]
        if col.kind == "text":
            counts = Counter(values.tolist())
            entry["distinct"] = len(counts)
            entry["top"] = [[v, n] for v, n in counts.most_common(8)]
        elif len(values):
            entry["distinct"] = int(len(np.unique(values)))
            entry["min"] = format_value(col.kind, values.min())
            entry["max"] = format_value(col.kind, values.max())
        out.append(entry)
    return out


def _list(session, args) -> int:
    rows = column_summary(session)
    n = len(session.document.table["image_id"])
    if args.json:
        print(json.dumps({"images": n, "columns": rows}))
        return EXIT_OK
    if not rows:
        print(f"no metadata columns ({n} images); add some with `reviewer metadata "
              f"{args.project} import FILE` or `reviewer splits {args.project} --make …`")
        return EXIT_OK
    print(f"{n} images, {len(rows)} metadata column{'s' if len(rows) != 1 else ''}")
    width = max(len(r["column"]) for r in rows)
    for r in rows:
        if r["kind"] == "text":
            top = ", ".join(f"{v} ({c})" for v, c in r["top"])
            more = ", …" if r["distinct"] > len(r["top"]) else ""
            what = f"{r['distinct']} values: {top}{more}"
        else:
            what = f"{r.get('min', '')} … {r.get('max', '')}" if r["images"] else "(empty)"
        edited = f", {r['edited']} set in the review" if r["edited"] else ""
        print(f"{r['column']:<{width}}  {r['kind']:<8}  {r['source']:<8}  "
              f"{r['images']:>7} images{edited}  {what}")
    return EXIT_OK


def _show(session, args) -> int:
    from reviewer.core.metadata import format_value, to_json
    from reviewer.io.metadata import session_metadata
    if len(args.args) != 1:
        return _fail("metadata show: name one image (an id or file name)")
    try:
        row = session.document.image_row(session.image_id(args.args[0]))
    except KeyError as exc:
        return _fail(str(exc).strip("'\""))
    meta = session_metadata(session)
    name = str(session.document.table["file_name"][row])
    if args.json:
        print(json.dumps({"image": name, "metadata": {
            c: to_json(col.kind, col.values[row]) for c, col in meta.columns.items()}}))
        return EXIT_OK
    print(name)
    for c, col in meta.columns.items():
        mark = " (set in the review)" if meta.edited.get(c, np.zeros(1, bool))[row:row + 1].any() \
            else ""
        print(f"  {c}: {format_value(col.kind, col.values[row]) or '(missing)'}{mark}")
    return EXIT_OK


# --- import --------------------------------------------------------------------------------------
def _import(args) -> int:
    from reviewer.cli import ProgressBar, print_problems
    from reviewer.io.metadata import import_file, project_index
    from reviewer.io.project import load_project
    from reviewer.io.workspace import open_task
    if len(args.args) != 1:
        return _fail("metadata import: name one file (CSV, Parquet or JSON lines)")
    project = load_project(args.project)
    progress = ProgressBar(enabled=False if args.quiet else None)
    datas = [open_task(project, t, progress) for t in project.tasks]
    result = import_file(project, args.args[0], project_index(datas), replace=args.replace)
    print_problems(result.problems, args)
    frame = result.frame
    kinds = ", ".join(f"{n} ({c.kind})" for n, c in frame.columns.items())
    total = len(project_index(datas).keys)
    print(f"imported {len(frame.columns)} column{'s' if len(frame.columns) != 1 else ''} for "
          f"{len(frame.keys)} of {total} images: {kinds or 'no columns besides the image'}; "
          f"kept in {result.path}")
    return EXIT_OK


# --- set -------------------------------------------------------------------------------------------
def _set(session, args) -> int:
    from reviewer.cli_where import where_rows
    from reviewer.core.commands import Macro
    from reviewer.io import team
    from reviewer.io.metadata import (
        guess_kind,
        json_value,
        session_keys,
        session_metadata,
        set_command,
    )
    pairs = [a.split("=", 1) for a in args.args]
    if not pairs or any(len(p) != 2 or not p[0].strip() for p in pairs):
        return _fail("metadata set: give COL=VALUE pairs (an empty VALUE sets it missing)")
    if bool(args.image) == bool(args.where):
        return _fail("metadata set: choose the images with --image IMAGE (repeatable) or "
                     "--where EXPR")
    keys = session_keys(session)
    if args.image:
        try:
            rows = [session.document.image_row(session.image_id(t)) for t in args.image]
        except KeyError as exc:
            return _fail(str(exc).strip("'\""))
    else:
        rows = where_rows(session, args).tolist()
    meta = session_metadata(session)
    commands = []
    for col, text in ((c.strip(), v) for c, v in pairs):
        from reviewer.core.metadata import RESERVED
        if col in RESERVED:
            return _fail(f"metadata set: {col!r} is a built-in column, not metadata")
        kind = meta.column(col).kind if meta.column(col) is not None else guess_kind(text)
        try:
            value = json_value(kind, text)
        except ValueError as exc:
            return _fail(f"metadata set {col}: {exc} (the column holds {kind} values)")
        label = f"set {col} = {text or '(missing)'} on {len(rows)} image(s)"
        commands.append(set_command(session, col, {keys[r]: value for r in rows}, label))
    cmd = commands[0] if len(commands) == 1 else Macro(None, "set metadata", tuple(commands))
    team.execute(session, cmd)
    print(f"{cmd.label} (undo in the window: Ctrl+Z)")
    return EXIT_OK
