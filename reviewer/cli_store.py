"""Team subcommands of `reviewer` (see reviewer/cli.py): the review store and sharing the work.

    reviewer store PROJECT info [--json]
    reviewer store PROJECT migrate
    reviewer store PROJECT set URL|sqlite [--schema NAME] [--copy]
    reviewer store PROJECT copy --to URL|PATH|sqlite [--schema NAME]
    reviewer assign PROJECT --to NAME[,NAME…] [--images LIST] [--rank A-B] [--status S]
                    [--tag T] [--unassigned] [--clear]
    reviewer next PROJECT [--minutes M]
    reviewer progress PROJECT [--json]

A URL is ``postgresql://user@host:port/database``; a password in it is used for this command
only and never written to the project file. Exit codes as in cli.py (2: unusable input or store).
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

EXIT_OK, EXIT_INPUT = 0, 2


def register(sub, common) -> None:
    from reviewer.cli_help import add_command
    q = add_command(sub, "store", "where the review lives: info, migrate, set, copy", (
        "The review of a project lives in PROJECT/review.sqlite (one writer at a time) or in a "
        "schema of a PostgreSQL database that many windows and commands write to at once. "
        "info: backend, version, access and who did what. migrate: upgrade an old store. set: "
        "move the project to another store (--copy takes the review along). copy: copy the "
        "whole review into a new, empty store and check it row by row. A password in a URL is "
        "used by this command only (never recorded; use PGPASSWORD or ~/.pgpass)."), [
        "reviewer store PROJECT info",
        "reviewer store PROJECT set postgresql://alice@db.example.org:5432/review --copy",
        "reviewer store PROJECT copy --to sqlite",
        "reviewer store PROJECT set sqlite --copy"])
    q.add_argument("project", help="project folder or its reviewer.json")
    q.add_argument("action", choices=("info", "migrate", "set", "copy"),
                   help="what to do with the project's review store")
    q.add_argument("target", nargs="?", help="set: a postgresql:// URL, or 'sqlite' for the "
                                             "project folder's review.sqlite")
    q.add_argument("--to", help="copy: a postgresql:// URL, a review.sqlite path or 'sqlite'")
    q.add_argument("--schema", help="the schema on the server (default: the project's, or a new "
                                    "one named after the project)")
    q.add_argument("--copy", action="store_true", help="set: copy the current review there first")
    q.add_argument("--json", action="store_true", help="info: one JSON object")
    q.set_defaults(handler=_cmd_store)

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
    q.add_argument("--task", choices=("detection", "segmentation"),
                   help="which inputs of the project (default: its default task)")
    q.add_argument("--quiet", "-q", action="store_true", help="no progress display")


def _fail(message: str) -> int:
    print(f"reviewer: error: {message}", file=sys.stderr)
    return EXIT_INPUT


def _guarded(body) -> int:
    from reviewer.io.store_base import StoreError
    try:
        return body()
    except (StoreError, ValueError, KeyError) as exc:
        return _fail(str(exc).strip("'\""))


# --- where the review lives ---------------------------------------------------------------------
def parse_target(text: str, project, schema: str | None = None):
    """A StoreLocation for a URL (password used for this process, never recorded), the
    project's review.sqlite for 'sqlite' / 'local', else a SQLite file (a folder: its
    review.sqlite)."""
    from reviewer.io.store_sqlite import STORE_FILE_NAME
    from reviewer.io.store_url import (
        LOCAL_WORDS,
        StoreLocation,
        check_schema,
        check_url,
        is_server_url,
        remember_password,
        schema_for,
        strip_password,
    )
    if is_server_url(text):
        from urllib.parse import urlsplit
        url, had_password = strip_password(text)
        if had_password:
            remember_password(url, urlsplit(text).password)
            print("note: the password in the URL is used now but not recorded; give it in "
                  "PGPASSWORD or ~/.pgpass next time", file=sys.stderr)
        own = project.store.schema if project.store is not None else None
        return StoreLocation(check_url(url), check_schema(schema or own
                                                          or schema_for(project.name)))
    if text.strip().lower() in LOCAL_WORDS:
        return project.store_path
    path = Path(text).expanduser().absolute()
    return path / STORE_FILE_NAME if path.is_dir() or not path.suffix else path


def _cmd_store(args) -> int:
    from reviewer.io.project import load_project
    actions = {"info": _info, "migrate": _migrate, "set": _set, "copy": _copy}
    return _guarded(lambda: actions[args.action](load_project(args.project, check_files=False),
                                                 args))


def _describe(where) -> str:
    from reviewer.io.store_url import StoreLocation
    if isinstance(where, StoreLocation):
        return f"PostgreSQL {where.url}, schema {where.schema}"
    return f"SQLite {where}"


def _info(project, args) -> int:
    from reviewer.io.store import open_review_store, store_exists, store_location
    where = store_location(project)
    out = {"store": _describe(where), "exists": store_exists(project)}
    if out["exists"]:
        with open_review_store(project, read_only=True) as store:
            out.update(_summary(store))
    if args.json:
        print(json.dumps(out))
        return EXIT_OK
    print(f"store: {out['store']}")
    if not out["exists"]:
        print("no review yet (the store is created when the project is first opened)")
        return EXIT_OK
    print(f"schema version {out['version']} (this Reviewer: {out['current']}); "
          f"access: {out['access']}")
    print(f"review: {out['images']} images with a status ({out['reviewed']} reviewed), "
          f"{out['tags']} tags, {out['commands']} commands, {out['events']} changes logged, "
          f"{out['assigned']} images assigned, {out['leases']} leased now")
    for p in out["people"]:
        print(f"  {p['who']}: {p['reviewed']} reviewed, {p['commands']} commands, "
              f"{p['assigned_done']}/{p['assigned']} assigned done")
    return EXIT_OK


def _summary(store) -> dict:
    from reviewer.io import store_schema
    from reviewer.io.store_postgres_schema import SCHEMA_VERSION as PG_VERSION
    with store._reading() as db:
        if store.backend == "postgresql":
            version, current = int(store._meta("schema_version") or 0), PG_VERSION
        else:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            current = store_schema.SCHEMA_VERSION
    statuses = store.statuses()
    people = [{"who": p.who, "reviewed": p.reviewed, "statuses": p.statuses,
               "assigned": p.assigned, "assigned_done": p.assigned_done,
               "commands": p.commands} for p in store.progress()]
    return {"version": version, "current": current,
            "access": "read-only" if _role_read_only(store) else "read and write",
            "images": len(statuses), "reviewed": sum(s.value == "reviewed"
                                                     for s in statuses.values()),
            "tags": len(store.tags()), "commands": len(store.applied_commands()),
            "events": store.last_event_id(), "assigned": len(store.assignments()),
            "leases": len(store.leases()), "people": people}


def _role_read_only(store) -> bool:
    if store.backend != "postgresql":
        return False
    from reviewer.io.store_postgres import _may_write
    with store._reading():
        return not _may_write(store._conn(), store.location.schema)


def _migrate(project, args) -> int:
    from reviewer.io.store import open_review_store, store_exists
    if not store_exists(project):
        return _fail("no review store yet: nothing to migrate")
    before = _version_on_disk(project)
    with open_review_store(project) as store:
        after = _summary(store)["version"]
    if before == after:
        print(f"{_describe_project(project)}: already at store schema {after}")
    else:
        print(f"{_describe_project(project)}: upgraded from store schema {before} to {after}")
    return EXIT_OK


def _describe_project(project) -> str:
    from reviewer.io.store import store_location
    return _describe(store_location(project))


def _version_on_disk(project) -> int:
    import sqlite3

    from reviewer.io.store import store_location
    from reviewer.io.store_url import StoreLocation
    where = store_location(project)
    if isinstance(where, StoreLocation):
        from reviewer.io.store_postgres import connect
        from reviewer.io.store_postgres_schema import schema_version
        conn = connect(where, str(where), search_path=False)
        try:
            return schema_version(conn, where.schema, str(where)) or 0
        finally:
            conn.close()
    conn = sqlite3.connect(f"{Path(where).resolve().as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.close()


def _copy(project, args) -> int:
    if not args.to:
        return _fail("copy needs --to URL|PATH|sqlite")
    target = parse_target(args.to, project, args.schema)
    report = copy_review(project, target)
    print(f"copied the review of {project.name} to {_describe(target)}: {report}")
    print(f"the project still uses {_describe_project(project)}; switch with "
          f"`reviewer store {project.root} set {args.to if '://' not in args.to else '<URL>'}`")
    return EXIT_OK


def copy_review(project, target):
    """Copy the project's current review into ``target`` (a new, empty store)."""
    from reviewer.io.store import open_review_store, store_exists, store_location
    from reviewer.io.store_base import StoreError
    from reviewer.io.store_copy import copy_store
    if store_location(project) == target:
        raise StoreError(_describe(target), "is the project's store already")
    if not store_exists(project):
        raise StoreError(_describe_project(project), "no review store yet: nothing to copy")
    with open_review_store(project, read_only=True) as source:
        return copy_store(source, lambda vocabulary: open_review_store(target,
                                                                         vocabulary=vocabulary))


def _set(project, args) -> int:
    from reviewer.io.project import save_project
    from reviewer.io.store import open_review_store, store_exists, store_location
    from reviewer.io.store_copy import is_empty
    from reviewer.io.store_url import StoreLocation
    if not args.target:
        return _fail("set needs a URL (postgresql://user@host:port/database) or 'sqlite'")
    target = parse_target(args.target, project, args.schema)
    if not isinstance(target, StoreLocation) and target != project.store_path:
        return _fail("a SQLite store lives in the project folder: use 'sqlite'")
    if store_location(project) == target:
        print(f"{project.file}: already uses {_describe(target)}")
        return EXIT_OK
    if args.copy:
        print(f"copied: {copy_review(project, target)}")
    elif store_exists(project) and not store_exists(target):
        with open_review_store(project, read_only=True) as current:
            if not is_empty(current):
                return _fail(f"the current store ({_describe_project(project)}) holds a review "
                             f"and {_describe(target)} holds none: add --copy to take it along")
    project = replace(project, store=target if isinstance(target, StoreLocation) else None)
    if project.store is not None:
        open_review_store(project).close()  # create (or check) it now
    save_project(project)
    print(f"{project.file}: the review store is now {_describe(store_location(project))}")
    return EXIT_OK


# --- sharing the work ----------------------------------------------------------------------------
def _session(args, read_only: bool = False):
    from reviewer.cli_review import open_cli_session
    return open_cli_session(args, read_only)


def _cmd_assign(args) -> int:
    if not args.clear and not args.to:
        return _fail("assign needs --to NAME (or --clear)")

    def body() -> int:
        with _session(args) as session:
            keys = select_images(session, args)
            if args.clear:
                n = session.store.assign(keys, None)
                print(f"unassigned {n} of {len(keys)} selected images")
                return EXIT_OK
            names = [n.strip() for n in args.to.split(",") if n.strip()]
            if not names:
                return _fail("--to names nobody")
            changed = {n: session.store.assign(keys[k::len(names)], n)
                       for k, n in enumerate(names)}
            parts = ", ".join(f"{n} {len(keys[k::len(names)])}" for k, n in enumerate(names))
            print(f"assigned {len(keys)} images ({parts}); {sum(changed.values())} changed")
            return EXIT_OK
    return _guarded(body)


def select_images(session, args) -> list[str]:
    """Image keys chosen by --images / --rank / --status / --tag / --unassigned, worst first."""
    from reviewer.core.reports import rank
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
    return _guarded(body)


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
    return _guarded(body)
