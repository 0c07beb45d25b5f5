"""Review subcommands of `reviewer`: ``tag``, ``status`` and ``stats`` (see reviewer/cli.py).

``tag`` and ``status`` run as commands through the session's history (``SetImageTags``,
``SetStatus``), so they are journalled like GUI edits and can be undone there. ``stats`` prints
the tag statistics table (docs/tag_statistics.md) or, with ``--json``, one JSON object.
Exit codes as in cli.py: 0 ok, 2 unusable input (unknown image, bad tag name, locked store).
"""

from __future__ import annotations

import argparse
import json
import math
import sys

from reviewer import tasks
from reviewer.cli_help import add_command
from reviewer.core.review import STATUSES

EXIT_OK, EXIT_INPUT = 0, 2


def register(sub, common) -> None:
    """Add ``tag``, ``status`` and ``stats`` to the `reviewer` parser."""
    q = add_command(sub, "tag", "add (or --remove) tags on one image",
                    "Add failure tags to an image (or take them off with --remove). A name the "
                    "vocabulary does not know joins it. Journalled like a window edit: saved at "
                    "once, undoable in the window, seen by every task of the project.",
                    ["reviewer tag proj street_007.jpg \"poor lighting\" occlusion",
                     "reviewer tag proj 42 blur --remove"])
    _target(q)
    q.add_argument("tags", nargs="+", metavar="TAG", help="tag names (new names join the vocabulary)")
    q.add_argument("--remove", action="store_true", help="remove the tags instead of adding them")
    q.set_defaults(handler=_cmd_tag)

    q = add_command(sub, "status", "set the review status of one image",
                    "Set an image's review status (journalled, undoable in the window).",
                    ["reviewer status proj street_007.jpg reviewed",
                     "reviewer status proj street_012 needs-second-look"])
    _target(q)
    q.add_argument("status", choices=STATUSES, help="the new review status")
    q.set_defaults(handler=_cmd_status)

    q = add_command(sub, "conflicts", "corrections that no longer fit a changed ground truth",
                    "Corrections are replayed onto the GT files at every opening; one whose "
                    "object no longer holds what it held when it was made (ids reassigned, "
                    "objects or images removed, edited elsewhere) is set aside as a conflict "
                    "instead of landing on another object. List them, re-apply one to its "
                    "object as it is now, or drop it (it stays in the change log).",
                    ["reviewer conflicts proj", "reviewer conflicts proj reapply 12",
                     "reviewer conflicts proj drop all"])
    q.add_argument("project", help="project folder or its reviewer.json")
    q.add_argument("action", nargs="?", choices=("list", "reapply", "drop"), default="list",
                   help="list (default), reapply or drop")
    q.add_argument("which", nargs="?", metavar="SEQ|all",
                   help="the conflict's journal number (first column of the list) or 'all'")
    q.add_argument("--task", choices=tasks.names(),
                   help="which inputs of the project (default: its default task)")
    q.add_argument("--json", action="store_true", help="list as one JSON object")
    q.add_argument("--quiet", "-q", action="store_true", help="no progress display")
    q.set_defaults(handler=_cmd_conflicts)

    q = add_command(sub, "stats", "tag statistics: the error-analysis table",
                    "One row per failure tag: its share of the errors, the error rate and the "
                    "metric on its images, its share of the data, and the room for improvement "
                    "(how much the metric would gain if those images did as well as the rest) — "
                    "on the corrected ground truth unless --original.",
                    ["reviewer stats proj", "reviewer stats proj --reviewed-only --json",
                     "reviewer stats proj --task segmentation --error-threshold 0.2"])
    common(q)
    q.add_argument("--json", action="store_true", help="print one JSON object")
    q.add_argument("--reviewed-only", action="store_true",
                   help="population = images with status 'reviewed' (default: all images)")
    q.add_argument("--error-threshold", type=float, metavar="E",
                   help="an image is erroneous when its error > E (default: " + ", ".join(
                       f"{t.error_threshold:g} for {t.name}" for t in tasks.all_tasks()) + ")")
    q.set_defaults(handler=_cmd_stats)


def _target(q: argparse.ArgumentParser) -> None:
    q.add_argument("project", help="project folder or its reviewer.json")
    q.add_argument("image", help="image id or file name")
    q.add_argument("--task", choices=tasks.names(),
                   help="which inputs of the project (default: its default task)")
    q.add_argument("--quiet", "-q", action="store_true", help="no progress display")


def _fail(message: str) -> int:
    print(f"reviewer: error: {message}", file=sys.stderr)
    return EXIT_INPUT


def open_cli_session(args, read_only: bool = False, review_only: bool = False):
    """Open a session on args.project / args.task (threshold overrides applied) and print its
    notices (unless -q). review_only: the command reads or writes review state only; a
    review-only session (io/review_only.py: no loading, no scoring) is used when it can be."""
    from reviewer.cli import ProgressBar, overrides
    from reviewer.io.project import load_project
    from reviewer.io.session import open_session
    project = load_project(args.project)
    session = None
    if review_only and getattr(args, "model", None) is None:
        from reviewer.io.review_only import open_review_only
        session = open_review_only(project, args.task, read_only=read_only,
                                   image=getattr(args, "image", None))
    if session is None:
        progress = ProgressBar(enabled=False if args.quiet else None)
        session = open_session(project, args.task, progress, read_only=read_only,
                               overrides=overrides(args), model=getattr(args, "model", None))
    if not getattr(args, "quiet", False):
        for notice in session.notices:
            print(f"note: {notice}", file=sys.stderr)
    return session


def _with_session(args, body, read_only: bool = False, review_only: bool = False) -> int:
    """Run ``body(session) -> exit code``; store and image-lookup problems exit 2."""
    from reviewer.io.store_base import StoreError
    try:
        session = open_cli_session(args, read_only, review_only)
    except StoreError as exc:
        return _fail(str(exc))
    with session:
        try:
            return body(session)
        except StoreError as exc:
            return _fail(str(exc))


def _image(session, text: str):
    """-> (image id as a plain value, image key) or raise KeyError.

    Accepts what ``Session.image_id`` accepts, and a file name without its extension when only
    one image has that stem.
    """
    image_id = session.image_id(text)
    image_id = image_id.item() if hasattr(image_id, "item") else image_id
    return image_id, str(image_id)


def _cmd_tag(args) -> int:
    return _with_session(args, lambda s: _tag(s, args), review_only=True)


def _tag(session, args) -> int:
    from reviewer.core.commands import SetImageTags
    from reviewer.core.tag_keys import hotkey_for_new_tag
    from reviewer.core.tags import name_key, normalise_name
    from reviewer.io import team
    try:
        image_id, key = _image(session, args.image)
        wanted = [normalise_name(t) for t in args.tags]
    except (KeyError, ValueError) as exc:
        return _fail(str(exc).strip("'\""))
    vocabulary = session.store.vocabulary()
    before = sorted(session.store.image_tags(key))
    have = {name_key(n) for n in before}
    asked = {name_key(n) for n in wanted}
    if args.remove:
        for name in wanted:
            if name_key(name) not in have:
                print(f"image {key} does not carry tag {name!r}", file=sys.stderr)
        after = [n for n in before if name_key(n) not in asked]
    else:
        canonical = [vocabulary[n].name if n in vocabulary else n for n in wanted]
        after = before + [n for n in dict.fromkeys(canonical) if name_key(n) not in have]
        for name in dict.fromkeys(canonical):
            if name not in vocabulary:
                key_ = hotkey_for_new_tag(session.store.vocabulary())
                session.store.add_tag(name, hotkey=key_)  # as the window's new-tag field does
                print(f"tag {name!r} is new: added to the vocabulary"
                      + (f" (number key {key_})" if key_ else ""), file=sys.stderr)
    if sorted(after) != before:
        team.execute(session, SetImageTags(image_id, tuple(before), tuple(sorted(after))))
    print(f"image {key}: {', '.join(sorted(after)) or '(no tags)'}")
    return EXIT_OK


def _cmd_status(args) -> int:
    return _with_session(args, lambda s: _status(s, args), review_only=True)


def _status(session, args) -> int:
    from reviewer.core.commands import SetStatus
    from reviewer.io import team
    try:
        image_id, key = _image(session, args.image)
    except KeyError as exc:
        return _fail(str(exc).strip("'\""))
    before = session.store.status(key).value
    if before != args.status:
        team.execute(session, SetStatus(image_id, before, args.status))
    print(f"image {key}: {args.status}")
    return EXIT_OK


def _cmd_conflicts(args) -> int:
    if args.action != "list" and not args.which:
        return _fail(f"conflicts {args.action}: name a conflict number or 'all'")
    return _with_session(args, lambda s: _conflicts(s, args), read_only=args.action == "list")


def _conflicts(session, args) -> int:
    from reviewer.core.conflicts import CommandConflictError
    history = session.history
    if args.action == "list":
        return _list_conflicts(history.conflicts, args.json)
    chosen = list(history.conflicts)
    if args.which != "all":
        try:
            chosen = [history.conflict(int(args.which))]
        except (KeyError, ValueError):
            return _fail(f"no conflict {args.which!r} (`reviewer conflicts P` lists them)")
    failed = 0
    for c in chosen:
        try:
            if args.action == "drop":
                history.drop(c.seq)
                print(f"{c.seq}: dropped ({c.command.label} of image {c.command.image_id})")
            else:
                history.reapply(c.seq)
                print(f"{c.seq}: re-applied ({c.command.label} of image {c.command.image_id})")
        except CommandConflictError as exc:
            failed += 1
            print(f"{c.seq}: cannot re-apply: {exc}; drop it instead", file=sys.stderr)
    return EXIT_INPUT if failed else EXIT_OK


def _list_conflicts(conflicts, as_json: bool) -> int:
    if as_json:
        print(json.dumps({"conflicts": [
            {"seq": c.seq, "kind": c.command.kind, "image": c.command.image_id,
             "reason": c.reason, "who": c.who, "at": c.at} for c in conflicts]}))
        return EXIT_OK
    if not conflicts:
        print("no conflicts: every correction fits the ground truth")
        return EXIT_OK
    for c in conflicts:
        print(f"{c.seq:>5}  {c.at or '':<25} {c.who or '':<10} image {c.command.image_id}: "
              f"{c.command.label} — {c.reason}")
    return EXIT_OK


def _cmd_stats(args) -> int:
    return _with_session(args, lambda s: _stats(s, args), read_only=True)


def _stats(session, args) -> int:
    from reviewer.cli import json_default, print_problems
    from reviewer.io.stats import stats_payload
    print_problems(session.data.problems, args, brief=True)
    payload = stats_payload(session, args.reviewed_only, args.error_threshold, args.original)
    if args.json:
        print(json.dumps(payload, allow_nan=False, default=json_default))
    else:
        print_stats(payload)
    return EXIT_OK


def _pct(v) -> str:
    return "" if v is None else f"{100 * v:.1f}%"


def _f(v, digits: int = 3) -> str:
    return "" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.{digits}f}"


_COLUMNS = ("tag", "images", "%images", "%errors", "err.rate", "mean err", "metric", "room",
            "corr.")


def print_stats(payload: dict) -> None:
    """The text table of ``reviewer stats`` (tags without images in the population omitted)."""
    who = "reviewed" if payload["population"] == "reviewed" else "all"
    print(f"{payload['task']}: {payload['images']} images, {payload['reviewed']} reviewed; "
          f"population: {who} ({payload['population_images']} images, "
          f"{payload['erroneous_images']} erroneous: {payload['erroneous_rule']})")
    from reviewer.io.evaluation import ground_truth_line
    gt = ground_truth_line(payload.get("corrected_images", 0),
                           payload.get("ground_truth") == "original")
    model = f" (model {payload['model']})" if payload.get("model") else ""
    print(f"{payload['metric_name']}{model} overall: {_f(payload['metric_overall'])}, {gt}")
    shown = [(name, t) for name, t in payload["tags"].items() if t["images"] > 0]
    shown.sort(key=lambda nt: (-(nt[1]["room_for_improvement"] or 0.0), -nt[1]["images"]))
    rows = [[name[:24], str(t["images"]), _pct(t["share_of_images"]), _pct(t["share_of_errors"]),
             _pct(t["error_rate"]), _f(t["mean_error"], 2), _f(t["metric"]),
             _f(t["room_for_improvement"]), str(t["corrections"])] for name, t in shown]
    widths = [max([len(c)] + [len(r[j]) for r in rows]) for j, c in enumerate(_COLUMNS)]
    print("  ".join(c.ljust(w) if j == 0 else c.rjust(w)
                    for j, (c, w) in enumerate(zip(_COLUMNS, widths, strict=True))))
    for r in rows:
        print("  ".join(v.ljust(w) if j == 0 else v.rjust(w)
                        for j, (v, w) in enumerate(zip(r, widths, strict=True))))
    hidden = len(payload["tags"]) - len(rows)
    if hidden:
        print(f"({hidden} tags carry no image of the population)")
