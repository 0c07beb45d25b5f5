"""``reviewer init``'s input formats: the ``--gt-format`` / ``--pred-format`` / ``--difficult``
options, the task guessed from the ground truth's layout, and the formats recorded in the
project (found from the paths when not forced, so that reopening reads them the same way).

Kept apart from ``cli.py`` so the task registry can take it over: everything here asks
``reviewer.formats``.
"""

from __future__ import annotations


def add_format_args(q) -> None:
    """The format options of ``init``."""
    from reviewer.formats import names
    q.add_argument("--gt-format", choices=names(), metavar="FORMAT",
                   help="the ground truth's format (default: found from the path): "
                        + ", ".join(names(role="gt")))
    q.add_argument("--pred-format", choices=names(), metavar="FORMAT",
                   help="the predictions' format (default: found from the path): "
                        + ", ".join(names(role="pred")))
    q.add_argument("--difficult", choices=("ignore", "score"),
                   help="Pascal VOC 'difficult' objects: ignored in matching like COCO crowd "
                        "regions, as VOC's own evaluation does (ignore, the default), or scored "
                        "as ordinary objects (score)")


def guess_task(gt, forced: str | None = None) -> str:
    """The task of ``--gt`` when ``--task`` is not given: the task of ``--gt-format`` when
    given, else the one its layout fits (``formats.guess_task``)."""
    from reviewer.formats import get
    from reviewer.formats import guess_task as by_layout
    return get(forced).task if forced else by_layout(gt)


def format_options(args, task: str) -> dict:
    """Keyword arguments of ``new_project`` for the input formats (detection only): the
    formats named or found (InputError naming every format considered when one fits none)."""
    if task != "detection":
        if getattr(args, "gt_format", None) or getattr(args, "pred_format", None):
            from reviewer.formats import get
            for name in (args.gt_format, args.pred_format):
                if name and get(name).task != task:
                    from reviewer.core.problems import InputError
                    raise InputError(f"--gt-format / --pred-format {name}: a detection format, "
                                     f"but the task is {task}")
        return {}
    from reviewer.formats.detection import resolve
    gt = resolve(args.gt, "gt", args.gt_format).name
    pred = resolve(args.pred, "pred", args.pred_format).name if args.pred else None
    options = {"difficult": args.difficult} if getattr(args, "difficult", None) else {}
    return {"gt_format": None if gt == "coco" else gt,
            "pred_format": None if pred in ("coco", None) else pred, "options": options}
