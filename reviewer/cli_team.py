"""Sharing the work, subcommands of `reviewer` (see reviewer/cli.py; the store: cli_store.py).

    reviewer assign PROJECT --to NAME[,NAME…] [--images LIST] [--rank A-B] [--status S]
                    [--tag T] [--unassigned] [--clear]
    reviewer next PROJECT [--minutes M]
    reviewer progress PROJECT [--json]

Names are reviewers' names ($REVIEWER_USER or the login). Exit codes as in cli.py.
"""

from __future__ import annotations

import json

from reviewer import tasks
from reviewer.cli_store import EXIT_OK, fail, guarded


def register(sub, common) -> None:
    from reviewer.cli_help import add_command
    q = add_command(sub, "assign", "assign images to reviewers (a planned split of the work)", (
        "Plan who reviews what: the selected images (all by default), in worst-first ranking "
        "order, are dealt round-robin to the names given. A reviewer's 'next image for me' "
        "prefers their assigned images and never takes someone else's."), [
        "reviewer assign PROJECT --to alice,bob --rank 1-300",
        "reviewer assign PROJECT --to carol --status unreviewed --tag night --unassigned",
        "reviewer assign PROJECT --clear --images street_001.jpg,street_002.jpg"])
    _project(q)
    q.add_argument("--to", help="reviewer name; several comma-separated names split the "
                                "selection round-robin in ranking order")
    q.add_argument("--images", metavar="LIST", help="image ids or file names, comma-separated; "
                                                    "A-B is a range of numeric ids")
    q.add_argument("--rank", metavar="A-B", help="positions A to B of the worst-first ranking")
    q.add_argument("--status", help="only images with this review status")
    q.add_argument("--tag", help="only images carrying this tag")
    q.add_argument("--unassigned", action="store_true", help="only images assigned to nobody")
    q.add_argument("--clear", action="store_true", help="unassign the selected images")
    q.set_defaults(handler=_cmd_assign)

    q = add_command(sub, "next", "lease the next unreviewed image for me (worst first)", (
        "Reserve the worst unreviewed image nobody else holds (assigned to you first, never one "
        "assigned to someone else) for --minutes and print its id and file name: two reviewers "
        "asking at once never get the same image. The name is $REVIEWER_USER or the login."), [
        "reviewer next PROJECT", "REVIEWER_USER=alice reviewer next PROJECT --minutes 30"])
    _project(q)
    q.add_argument("--minutes", type=float, default=20.0, help="lease length (default 20)")
    q.set_defaults(handler=_cmd_next)

    q = add_command(sub, "progress", "progress per reviewer", (
        "Per person: images whose status they set last (reviewed, skipped, needs second look), "
        "their assigned images done, and their applied commands — the numbers of the window's "
        "status bar and the report."), ["reviewer progress PROJECT", "reviewer progress PROJECT "
                                        "--json"])
    _project(q)
    q.add_argument("--json", action="store_true", help="print one JSON object")
    q.set_defaults(handler=_cmd_progress)


def _project(q) -> None:
    q.add_argument("project", help="project folder or its reviewer.json")
    q.add_argument("--task", choices=tasks.names(),
                   help="which inputs of the project (default: its default task)")
    q.add_argument("--quiet", "-q", action="store_true", help="no progress display")


# --- sharing the work ----------------------------------------------------------------------------
def _session(args, read_only: bool = False):
    """Review state only: a review-only session when the project cache allows it."""
    from reviewer.cli_review import open_cli_session
    return open_cli_session(args, read_only, review_only=True)


def _cmd_assign(args) -> int:
    if not args.clear and not args.to:
        return fail("assign needs --to NAME (or --clear)")

    def body() -> int:
        with _session(args) as session:
            keys = select_images(session, args)
            if args.clear:
                n = session.store.assign(keys, None)
                print(f"unassigned {n} of {len(keys)} selected images")
                return EXIT_OK
            names = [n.strip() for n in args.to.split(",") if n.strip()]
            if not names:
                return fail("--to names nobody")
            changed = {n: session.store.assign(keys[k::len(names)], n)
                       for k, n in enumerate(names)}
            parts = ", ".join(f"{n} {len(keys[k::len(names)])}" for k, n in enumerate(names))
            print(f"assigned {len(keys)} images ({parts}); {sum(changed.values())} changed")
            return EXIT_OK
    return guarded(body)


def select_images(session, args) -> list[str]:
    """Image keys chosen by --images / --rank / --status / --tag / --unassigned, worst first."""
    from reviewer.core.ranking import rank
    table = session.data.table
    keys = [str(k) for k in table["image_id"].tolist()]
    order = [keys[i] for i in rank(table, "error", False).tolist()]
    chosen = order
    if args.rank:
        lo, hi = _range(args.rank, "--rank")
        chosen = order[max(lo - 1, 0):hi]
    if args.images:
        wanted = _image_list(session, args.images)
        chosen = [k for k in chosen if k in wanted]
    store = session.store
    if args.status:
        from reviewer.io.store_base import ReviewStatus
        status = ReviewStatus.parse(args.status).value
        have = {k: s.value for k, s in store.statuses().items()}
        chosen = [k for k in chosen if have.get(k, "unreviewed") == status]
    if args.tag:
        tagged = {k for k, names in store.all_image_tags().items()
                  if args.tag.casefold() in {n.casefold() for n in names}}
        chosen = [k for k in chosen if k in tagged]
    if args.unassigned:
        taken = store.assignments()
        chosen = [k for k in chosen if k not in taken]
    if not chosen:
        raise ValueError("no image matches the selection")
    return chosen


def _range(text: str, flag: str) -> tuple[int, int]:
    try:
        lo, _, hi = text.partition("-")
        return int(lo), int(hi or lo)
    except ValueError:
        raise ValueError(f"{flag} {text!r}: expected A-B (whole numbers)") from None


def _image_list(session, text: str) -> set[str]:
    ids = [str(k) for k in session.data.table["image_id"].tolist()]
    out: set[str] = set()
    for token in (t.strip() for t in text.split(",")):
        if not token:
            continue
        try:
            out.add(str(session.image_id(token)))
            continue
        except KeyError:
            if "-" not in token:
                raise
        lo, hi = _range(token, "--images")
        out |= {k for k in ids if k.lstrip("-").isdigit() and lo <= int(k) <= hi}
    return out


def _cmd_next(args) -> int:
    def body() -> int:
        with _session(args) as session:
            keys = select_images(session, _all())
            statuses = {k: s.value for k, s in session.store.statuses().items()}
            lease = session.store.take_lease(
                [k for k in keys if statuses.get(k, "unreviewed") == "unreviewed"], args.minutes)
            if lease is None:
                print("no unreviewed image is free for you (all reviewed, leased or assigned "
                      "to others)")
                return EXIT_OK
            row = keys_to_rows(session)[lease.image_key]
            name = session.data.table["file_name"][row]
            print(f"{lease.image_key}\t{name}\tleased to {lease.who} until {lease.until}")
            return EXIT_OK
    return guarded(body)


def _all():
    from types import SimpleNamespace
    return SimpleNamespace(rank=None, images=None, status=None, tag=None, unassigned=False)


def keys_to_rows(session) -> dict[str, int]:
    return {str(k): i for i, k in enumerate(session.data.table["image_id"].tolist())}


def _cmd_progress(args) -> int:
    def body() -> int:
        with _session(args, read_only=True) as session:
            keys = keys_to_rows(session)
            people = session.store.progress(keys)
        if args.json:
            print(json.dumps({"images": len(keys), "people": [
                {"who": p.who, "statuses": p.statuses, "reviewed": p.reviewed,
                 "assigned": p.assigned, "assigned_done": p.assigned_done,
                 "commands": p.commands} for p in people]}))
            return EXIT_OK
        print(f"{'who':<20} {'reviewed':>8} {'skipped':>8} {'2nd look':>8} {'assigned':>10} "
              f"{'commands':>8}")
        for p in people:
            s = p.statuses
            print(f"{p.who[:20]:<20} {p.reviewed:>8} {s.get('skipped', 0):>8} "
                  f"{s.get('needs-second-look', 0):>8} "
                  f"{f'{p.assigned_done}/{p.assigned}':>10} {p.commands:>8}")
        return EXIT_OK
    return guarded(body)
