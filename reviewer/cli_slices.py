"""``reviewer slices P --by COLUMN [--bins N] [--json]``: the metric on each slice of a column.

For each value of the column (numbers and dates in quantile bins; ``tag``: each tag) the images,
the error rate, the task's metric on the slice and on the rest, a bootstrap 95 % interval and the
room for improvement — the tag-statistics table generalised to any column
(``reviewer.io.slices``). ``--where`` narrows the population first.
"""

from __future__ import annotations

import json
import sys

from reviewer import tasks
from reviewer.cli_help import add_command

EXIT_OK, EXIT_INPUT = 0, 2


def register(sub, common) -> None:
    q = add_command(sub, "slices", "the metric on each value of a column (metadata, tag, …)",
                    "One row per value of COLUMN (numbers and dates in quantile bins, each tag "
                    "for --by tag, a '(missing)' row for images without a value): images, share "
                    "of the data and of the errors, error rate, the task's metric on the slice "
                    "(AP, mIoU or accuracy) and on the rest, a bootstrap 95% interval over the "
                    "slice's images, and the room for improvement (how much the metric would "
                    "gain if the slice did as well as the rest).",
                    ["reviewer slices proj --by split", "reviewer slices proj --by fruit_id",
                     "reviewer slices proj --by date_captured --bins 6 --json",
                     "reviewer slices proj --by camera --where split=valid"])
    common(q)
    q.add_argument("--by", required=True, metavar="COLUMN",
                   help="a metadata column, tag, status, or a column of the per-image table")
    q.add_argument("--bins", type=int, default=4, metavar="N",
                   help="quantile bins of a number or date column with more than N distinct "
                        "values (default 4)")
    q.add_argument("--bootstrap", type=int, default=200, metavar="B",
                   help="resamples of the 95%% interval (default 200; 0: no interval)")
    q.add_argument("--seed", type=int, default=0, help="seed of the resampling (default 0)")
    q.add_argument("--json", action="store_true", help="print one JSON object")
    q.set_defaults(handler=_cmd_slices)


def _cmd_slices(args) -> int:
    from reviewer.cli_review import _with_session
    if args.bins < 1 or args.bootstrap < 0:
        print("reviewer: error: --bins must be at least 1 and --bootstrap at least 0",
              file=sys.stderr)
        return EXIT_INPUT
    return _with_session(args, lambda s: _slices(s, args), read_only=True)


def _slices(session, args) -> int:
    from reviewer.cli import json_default, print_problems
    from reviewer.cli_where import where_rows
    from reviewer.io.slices import SliceColumnError, slices_payload
    print_problems(session.data.problems, args, brief=True)
    rows = where_rows(session, args, args.original)
    try:
        payload = slices_payload(session, args.by, args.bins, rows, args.original,
                                 args.bootstrap, args.seed)
    except SliceColumnError as exc:
        print(f"reviewer: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    if args.json:
        print(json.dumps(payload, allow_nan=False, default=json_default))
    else:
        print_slices(payload)
    return EXIT_OK


def _f(v, digits: int = 3) -> str:
    return "" if v is None else f"{v:.{digits}f}"


def _pct(v) -> str:
    return "" if v is None else f"{100 * v:.1f}%"


def print_slices(p: dict) -> None:
    key = p["metric"]
    from reviewer.io.evaluation import ground_truth_line
    print(f"{p['task']}: slices by {p['by']} ({p['kind']}"
          + (f", {p['bins']} quantile bins" if p["bins"] else "") + f"); "
          f"{p['population_images']} images, {p['erroneous_images']} erroneous "
          f"({p['erroneous_rule']}); {p['metric_name']} overall {_f(p['overall'][key])}, "
          f"{ground_truth_line(0, p['ground_truth'] == 'original').split(' (')[0]}")
    b = p["bootstrap"]
    ci = f"95% CI ({b['resamples']} resamples)" if b["resamples"] else "95% CI"
    cols = ["slice", "images", "%images", "%errors", "err.rate", key, "rest", ci, "room"]
    rows = []
    for label, e in p["slices"].items():
        lo, hi = e["ci95"]
        rows.append([label[:30], str(e["images"]), _pct(e["share_of_images"]),
                     _pct(e["share_of_errors"]), _pct(e["error_rate"]), _f(e[key]),
                     _f(e[f"{key}_rest"]), "" if lo is None else f"{lo:.3f}–{hi:.3f}",
                     _f(e["room_for_improvement"])])
    widths = [max([len(c)] + [len(r[j]) for r in rows]) for j, c in enumerate(cols)]
    print("  ".join(c.ljust(w) if j == 0 else c.rjust(w)
                    for j, (c, w) in enumerate(zip(cols, widths, strict=True))))
    for r in rows:
        print("  ".join(v.ljust(w) if j == 0 else v.rjust(w)
                        for j, (v, w) in enumerate(zip(r, widths, strict=True))))


_ = tasks  # the task registry fills --task's choices through ``common``
