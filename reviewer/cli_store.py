"""``reviewer store`` (see reviewer/cli.py): where a project's review lives.

    reviewer store PROJECT info [--json]
    reviewer store PROJECT migrate
    reviewer store PROJECT set URL|sqlite [--schema NAME] [--copy]
    reviewer store PROJECT copy --to URL|PATH|sqlite [--schema NAME]

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


def fail(message: str) -> int:
    print(f"reviewer: error: {message}", file=sys.stderr)
    return EXIT_INPUT


def guarded(body) -> int:
    from reviewer.io.store_base import StoreError
    try:
        return body()
    except (StoreError, ValueError, KeyError) as exc:
        return fail(str(exc).strip("'\""))


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
    return guarded(lambda: actions[args.action](load_project(args.project, check_files=False),
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
        return fail("no review store yet: nothing to migrate")
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
        return fail("copy needs --to URL|PATH|sqlite")
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
        return fail("set needs a URL (postgresql://user@host:port/database) or 'sqlite'")
    target = parse_target(args.target, project, args.schema)
    if not isinstance(target, StoreLocation) and target != project.store_path:
        return fail("a SQLite store lives in the project folder: use 'sqlite'")
    if store_location(project) == target:
        print(f"{project.file}: already uses {_describe(target)}")
        return EXIT_OK
    if args.copy:
        print(f"copied: {copy_review(project, target)}")
    elif store_exists(project) and not store_exists(target):
        with open_review_store(project, read_only=True) as current:
            if not is_empty(current):
                return fail(f"the current store ({_describe_project(project)}) holds a review "
                             f"and {_describe(target)} holds none: add --copy to take it along")
    project = replace(project, store=target if isinstance(target, StoreLocation) else None)
    if project.store is not None:
        open_review_store(project).close()  # create (or check) it now
    save_project(project)
    print(f"{project.file}: the review store is now {_describe(store_location(project))}")
    return EXIT_OK
