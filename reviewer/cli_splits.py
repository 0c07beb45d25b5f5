"""``reviewer splits P --make train=0.8,valid=0.1,test=0.1 | --kfold K | --check``.

``--make`` / ``--kfold`` assign every image (``--where``: the images it selects) to a partition
with ``core.splits`` — no group of ``--group-by`` in two partitions, ``--stratify``: iterative
stratification over the GT classes, ``--time-column``: the newest share last — and write the
split column (default ``split``) as one undoable ``SetMetadata`` command; then print the
balance per partition. ``--check`` lists pairs of images in different partitions that are
duplicates, near-duplicates or share a group (``reviewer.io.leaks``). Exit codes: 0 ok (also
when leaks are found: they are the answer), 2 unusable input.
"""

from __future__ import annotations

import json
import sys

import numpy as np

from reviewer.cli_help import add_command

EXIT_OK, EXIT_INPUT = 0, 2


def register(sub, common) -> None:
    from reviewer.io.leaks import NEAR_DISTANCE
    q = add_command(sub, "splits", "make a data split without leaks, or check one",
                    "--make: assign the images to partitions by the given shares and write the "
                    "split column (undoable). No group of --group-by ever spans two partitions; "
                    "--stratify balances the ground-truth classes (iterative stratification, "
                    "several classes per image allowed); --time-column puts the newest images "
                    "in the last partition (the holdout is the future). --kfold K makes K "
                    "folds instead. --check: pairs of images in different partitions that are "
                    "exact duplicates, near-duplicates (pHash within --max-distance bits) or "
                    "share a --group-by value.",
                    ["reviewer splits proj --make train=0.8,valid=0.1,test=0.1 "
                     "--group-by fruit_id --stratify",
                     "reviewer splits proj --make train=0.9,test=0.1 --time-column "
                     "date_captured",
                     "reviewer splits proj --kfold 5 --group-by fruit_id --column fold",
                     "reviewer splits proj --check --group-by fruit_id --json"])
    common(q)
    how = q.add_mutually_exclusive_group(required=True)
    how.add_argument("--make", metavar="NAME=SHARE,…",
                     help="partitions and their shares, e.g. train=0.8,valid=0.1,test=0.1")
    how.add_argument("--kfold", type=int, metavar="K", help="K equal folds fold1 … foldK")
    how.add_argument("--check", action="store_true", help="list the leaks of the split column")
    q.add_argument("--group-by", metavar="COL", help="images sharing a value stay together "
                   "(--make) / count as a leak across partitions (--check)")
    q.add_argument("--stratify", action="store_true",
                   help="balance the ground-truth classes across the partitions")
    q.add_argument("--time-column", metavar="COL",
                   help="a date or number column: the newest images go to the last partition")
    q.add_argument("--seed", type=int, default=0, help="seed of the random order (default 0)")
    q.add_argument("--column", default="split", metavar="NAME",
                   help="the metadata column written / checked (default split)")
    q.add_argument("--max-distance", type=int, default=NEAR_DISTANCE, metavar="BITS",
                   help=f"--check: pHash bits apart (of 256) still called a near-duplicate "
                        f"(default {NEAR_DISTANCE})")
    q.add_argument("--json", action="store_true", help="print one JSON object")
    q.set_defaults(handler=_cmd_splits)


def _fail(message: str) -> int:
    print(f"reviewer: error: {message}", file=sys.stderr)
    return EXIT_INPUT


def _cmd_splits(args) -> int:
    from reviewer.cli_review import _with_session
    if args.check:
        return _with_session(args, lambda s: _check(s, args), read_only=True)
    if args.kfold is not None and args.kfold < 2:
        return _fail("--kfold needs at least 2 folds")
    if args.stratify and args.time_column:
        return _fail("choose --stratify or --time-column, not both")
    return _with_session(args, lambda s: _make(s, args))


def _check(session, args) -> int:
    from reviewer.cli import ProgressBar
    from reviewer.cli_where import where_rows
    from reviewer.io.leaks import LeakCheckError, find_leaks
    rows = where_rows(session, args, args.original)
    try:
        payload = find_leaks(session, args.column, args.group_by, args.max_distance, rows,
                             ProgressBar(enabled=False if args.quiet else None))
    except LeakCheckError as exc:
        return _fail(str(exc))
    if args.json:
        print(json.dumps(payload))
        return EXIT_OK
    leaks = payload["leaks"]
    print(f"{payload['images_checked']} images with a {args.column!r} value checked: "
          f"{len(leaks)} leak{'s' if len(leaks) != 1 else ''}"
          + (f" ({payload['unreadable']} unreadable, left out)" if payload["unreadable"] else ""))
    for pair, n in payload["per_pair"].items():
        print(f"  {pair}: {n}")
    for e in leaks[:50]:
        what = e["reason"] + (f" {e['distance']} bits" if e["reason"] == "near-duplicate"
                              else f" {e['group']}" if e["reason"] == "group" else "")
        print(f"  {e['images'][0]} ({e['splits'][0]})  {e['images'][1]} ({e['splits'][1]})"
              f"  {what}")
    if len(leaks) > 50:
        print(f"  … {len(leaks) - 50} more (--json lists them all)")
    return EXIT_OK


def _make(session, args) -> int:
    from reviewer.core import splits as sp
    from reviewer.io import team
    from reviewer.io.image_columns import SessionColumns
    from reviewer.io.metadata import session_keys, set_command
    try:
        fractions = {n: 1.0 / args.kfold for n in sp.kfold_names(args.kfold)} if args.kfold \
            else sp.parse_fractions(args.make)
    except ValueError as exc:
        return _fail(f"--make: {exc}")
    columns = SessionColumns(session)
    selected = _selected(session, args, columns)
    groups = times = None
    if args.group_by:
        col = columns(args.group_by)
        if col is None:
            return _fail(f"--group-by {args.group_by!r}: no such column "
                         f"(columns: {', '.join(columns.names())})")
        groups = _group_values(col)
    if args.time_column:
        times, missing = _times(columns, args.time_column)
        if times is None:
            return _fail(missing)
        if (selected & np.isnan(times)).any():
            print(f"note: {int((selected & np.isnan(times)).sum())} images without a "
                  f"{args.time_column} value are left out of the split", file=sys.stderr)
            selected &= ~np.isnan(times)
    from reviewer import tasks
    _, classes, labels, _ = tasks.get(session.data.task).stats_parts(session, selected, False)
    names = list(fractions)
    part = sp.make_split(list(fractions.values()), selected, groups,
                         labels if args.stratify else None, times, args.seed)
    keys = session_keys(session)
    values = {keys[r]: names[part[r]] for r in np.flatnonzero(part >= 0).tolist()}
    label = f"split {len(values)} images into {', '.join(names)} ({args.column})"
    team.execute(session, set_command(session, args.column, values, label))
    gi = sp.group_index(selected, groups) if groups is not None else None
    bal = sp.balance(part, len(names), labels, gi)
    if args.json:
        print(json.dumps(balance_payload(args.column, names, fractions, bal, classes)))
    else:
        print_balance(label, names, fractions, bal, classes)
    return EXIT_OK


def _selected(session, args, columns) -> np.ndarray:
    from reviewer.cli_where import where_rows
    rows = where_rows(session, args)
    out = np.zeros(columns.n, bool)
    out[np.arange(columns.n) if rows is None else rows] = True
    return out


def _group_values(col) -> np.ndarray:
    from reviewer.core.metadata import present
    has = present(col.kind, col.values)
    out = np.empty(len(has), object)
    out[:] = [v if h else None for v, h in zip(col.values.tolist(), has.tolist(), strict=True)]
    return out


def _times(columns, name: str):
    col = columns(name)
    if col is None:
        return None, (f"--time-column {name!r}: no such column (columns: "
                      f"{', '.join(columns.names())})")
    if col.kind == "datetime":
        v = col.values.astype("datetime64[s]")
        out = v.astype(np.int64).astype(np.float64)
        out[np.isnat(v)] = np.nan
        return out, ""
    if col.kind == "number":
        return col.values.astype(np.float64), ""
    return None, f"--time-column {name!r} holds {col.kind} values, not dates or numbers"


def balance_payload(column: str, names: list, fractions: dict, bal: dict, classes) -> dict:
    out = {"column": column, "partitions": {}}
    total = max(int(bal["images"].sum()), 1)
    for p, name in enumerate(names):
        entry = {"share": fractions[name], "images": int(bal["images"][p]),
                 "share_of_images": int(bal["images"][p]) / total}
        if bal["groups"] is not None:
            entry["groups"] = int(bal["groups"][p])
        if bal["class_images"] is not None and classes is not None:
            entry["class_images"] = {str(c): int(v) for c, v in
                                     zip(classes, bal["class_images"][p].tolist(), strict=True)}
        out["partitions"][name] = entry
    return out


def print_balance(label: str, names: list, fractions: dict, bal: dict, classes) -> None:
    print(f"{label} (undo in the window: Ctrl+Z)")
    cls = list(classes or [])[:12] if bal["class_images"] is not None else []
    head = ["partition", "share", "images", "%images"] + (["groups"] if bal["groups"] is not None
                                                        else []) + [str(c)[:12] for c in cls]
    total = max(int(bal["images"].sum()), 1)
    rows = []
    for p, name in enumerate(names):
        r = [name, f"{fractions[name]:.2f}", str(int(bal["images"][p])),
             f"{100 * bal['images'][p] / total:.1f}%"]
        if bal["groups"] is not None:
            r.append(str(int(bal["groups"][p])))
        r += [str(int(bal["class_images"][p, k])) for k in range(len(cls))]
        rows.append(r)
    widths = [max([len(h)] + [len(r[j]) for r in rows]) for j, h in enumerate(head)]
    for r in [head, *rows]:
        print("  ".join(v.ljust(w) if j == 0 else v.rjust(w)
                        for j, (v, w) in enumerate(zip(r, widths, strict=True))))
    if bal["class_images"] is not None and len(classes or []) > len(cls):
        print(f"(images per class: the first {len(cls)} of {len(classes)} classes; --json: all)")
