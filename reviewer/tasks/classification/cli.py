"""``reviewer cost``: the decision threshold of a two-class (or one-vs-rest) classifier chosen
from what a false positive and a false negative cost (the lemon-mould business case).

An image is predicted positive when p(positive) >= t. For every distinct threshold the table of
tp, fp, fn, tn, FPR, FNR and the cost per image (A·FP + B·FN) / N; the best threshold and its cost
beside the cost at 0.5. ``--set`` makes the best threshold the project's operating threshold
(what the table's ``predicted`` / ``correct`` follow in a two-class project). Works on the
corrected labels unless ``--original``.
"""

from __future__ import annotations

import json
import sys

from reviewer.cli_help import add_command

EXIT_OK, EXIT_INPUT = 0, 2


def register(sub, common) -> None:
    q = add_command(
        sub, "cost", "choose a classifier's decision threshold from the costs of its errors",
        "For a positive class and the cost of a false positive (A) and of a false negative "
        "(B): the cost per image (A·FP + B·FN) / N at every threshold of p(positive), the best "
        "threshold and the cost at 0.5 (classification projects).",
        ["reviewer cost sample_project/lemons --positive mold --fp-cost 1 --fn-cost 5",
         "reviewer cost proj --positive cat --fp-cost 2 --fn-cost 1 --json",
         "reviewer cost proj --positive mold --fp-cost 1 --fn-cost 5 --set"])
    common(q)
    q.add_argument("--positive", metavar="CLASS",
                   help="the positive class (default: the project's positive class)")
    q.add_argument("--fp-cost", type=float, required=True, metavar="A",
                   help="what one false positive costs (any unit)")
    q.add_argument("--fn-cost", type=float, required=True, metavar="B",
                   help="what one false negative costs (same unit)")
    q.add_argument("--json", action="store_true", help="print one JSON object")
    q.add_argument("--set", action="store_true",
                   help="make the best threshold the project's operating threshold")
    q.set_defaults(handler=cmd_cost)


def _fail(message: str) -> int:
    print(f"reviewer: error: {message}", file=sys.stderr)
    return EXIT_INPUT


def cmd_cost(args) -> int:
    from reviewer.cli import _load, json_default
    if args.fp_cost < 0 or args.fn_cost < 0:
        return _fail("--fp-cost and --fn-cost cannot be negative")
    with _load(args) as session:
        if session.data.task != "classification":
            return _fail(f"{session.project.file}: `reviewer cost` needs a classification task "
                         "(--task classification)")
        payload = _payload(session, args)
        if isinstance(payload, str):
            return _fail(payload)
    if args.json:
        print(json.dumps(payload, allow_nan=False, default=json_default))
    else:
        _print(payload)
    if args.set and payload["best"] is not None:
        return _set_threshold(args.project, payload["best"]["threshold"])
    return EXIT_OK


def _payload(session, args):
    from .cost import cost_payload
    doc = session.document
    ds = doc.base if args.original else doc.dataset()
    name = args.positive
    if name is None:
        if ds.positive is None:
            return "say which class is positive (--positive CLASS)"
        name = str(ds.class_names[ds.positive])
    k = doc.class_of(name)
    if k is None:
        return f"--positive: {name!r} is not a class (classes: {', '.join(doc.class_names)})"
    try:
        return cost_payload(ds, k, args.fp_cost, args.fn_cost)
    except ValueError as exc:
        return str(exc)


def _row(label: str, p: dict) -> str:
    rate = lambda v: "n/a" if v is None else f"{100 * v:.1f}%"  # noqa: E731
    cost = "n/a" if p["cost"] is None else f"{p['cost']:.4f}"
    return (f"{label:<12} threshold {p['threshold']:.4f}  cost/image {cost}  tp {p['tp']}  "
            f"fp {p['fp']}  fn {p['fn']}  tn {p['tn']}  FPR {rate(p['fpr'])}  "
            f"FNR {rate(p['fnr'])}")


def _print(payload: dict) -> None:
    print(f"positive class {payload['positive']!r}: a false positive costs "
          f"{payload['fp_cost']:g}, a false negative {payload['fn_cost']:g}; "
          f"{payload['images']} images")
    if payload["best"] is not None:
        print(_row("best", payload["best"]))
    print(_row("at 0.5", payload["at_0_5"]))
    print(f"({len(payload['curve'])} thresholds in --json's curve)")


def _set_threshold(project_path, threshold: float) -> int:
    """The one writer of the setting (``settings``), as the window's Threshold vs Cost panel."""
    from .settings import ThresholdError, save_operating_threshold
    try:
        file = save_operating_threshold(project_path, threshold)
    except ThresholdError as exc:
        return _fail(f"--set: {exc}")
    print(f"operating threshold set to {threshold:.4f} in {file}")
    return EXIT_OK
