"""``--where EXPR`` on the command line: the option and how a command applies it.

One option, the same in ``score``, ``eval``, ``stats``, ``export``, ``slices``, ``splits`` and
``assign`` (repeatable: every expression must hold). The grammar is ``reviewer.core.where``'s;
an invalid expression stops the command with exit 2 and a caret under the offending column or
value; an equality that selects nothing names the values the column has.
"""

from __future__ import annotations

import sys

import numpy as np

WHERE_HELP = ("only the images this expression selects, e.g. split=valid, 'camera in A,B', "
              "hour>=20, date_captured>=2024-05-01, tag=occlusion, 'status=reviewed and "
              "fp>0' (metadata columns, tag, status, image and the per-image table's columns; "
              "repeat --where: all must hold; README: Metadata)")


def add_where(q) -> None:
    q.add_argument("--where", action="append", metavar="EXPR", help=WHERE_HELP)


def where_rows(session, args, original: bool = False) -> np.ndarray | None:
    """The image rows ``args.where`` selects (None when not given); notes on stderr. Raises
    ``WhereError`` (exit 2 in ``cli.main``) for an invalid expression."""
    texts = getattr(args, "where", None)
    if not texts:
        return None
    from reviewer.io.image_columns import where_rows as select
    rows, warnings = select(session, texts, original)
    quiet = getattr(args, "quiet", False)
    for w in warnings if not quiet or not len(rows) else ():
        print(f"note: {w}", file=sys.stderr)
    n = len(session.document.table["image_id"])
    if not len(rows):
        from reviewer.core.problems import InputError
        raise InputError(f"--where {' --where '.join(repr(t) for t in texts)}: no image of the "
                         f"{n} passes")
    if not quiet:
        print(f"--where: {len(rows)} of {n} images", file=sys.stderr)
    return rows
