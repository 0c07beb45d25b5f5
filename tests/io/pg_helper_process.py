"""A Reviewer process writing to a PostgreSQL store, for the multi-process tests (run as a script).

    python pg_helper_process.py write URL SCHEMA NAME COUNT
        as reviewer NAME, makes COUNT changes (0: forever): a command on its own image, a
        status on a shared image, a tag on its own image; after each call returns prints
        ``ack <i> <kind> <image_key> <value>``. When the connection to the server is lost it
        reconnects (for up to 60 s) and checks whether the change was saved after all (the break
        may come during COMMIT) before doing it again; each reconnection prints ``reconnected``.
"""

from __future__ import annotations

import sys
import time

from reviewer.core.tags import TagVocabulary
from reviewer.core.targets import target_key
from reviewer.io.store import StoreLocation, open_review_store
from reviewer.io.store_base import StoreConnectionError

STATUSES = ("reviewed", "skipped", "needs-second-look", "unreviewed")


def change(name: str, i: int) -> tuple[str, str, str]:
    """Change ``i`` of writer ``name``: (kind, image_key, value)."""
    kind = ("command", "status", "tag")[i % 3]
    if kind == "status":
        return kind, f"shared{i % 5}", STATUSES[i % 4]
    return kind, f"{name}-img{i // 3}", f"{i}" if kind == "command" else f"tag{i % 4}"


def apply(store, name: str, i: int) -> None:
    kind, key, value = change(name, i)
    if kind == "command":
        store.append_command(key, "Edit", {"i": i, "writer": name}, [target_key("gt", key, i)])
    elif kind == "status":
        store.set_status(key, value)
    else:
        store.add_image_tag(key, value)


def saved(store, name: str, i: int) -> bool:
    """Whether change ``i`` is in the store (statuses and tags may be written twice: the same
    value again changes nothing the tests check)."""
    kind, key, value = change(name, i)
    if kind != "command":
        return False
    return any(e.payload.get("writer") == name and e.payload.get("i") == i
               for e in store.journal())


def reconnect(store) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            store.reconnect()
            return
        except StoreConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def write(url: str, schema: str, name: str, count: int) -> None:
    store = open_review_store(StoreLocation(url, schema), user=name, vocabulary=TagVocabulary())
    i = 0
    while count == 0 or i < count:
        try:
            apply(store, name, i)
        except StoreConnectionError:
            reconnect(store)
            print("reconnected", flush=True)
            if not saved(store, name, i):
                continue
        kind, key, value = change(name, i)
        print(f"ack {i} {kind} {key} {value}", flush=True)
        i += 1
    store.close()


if __name__ == "__main__":
    write(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
