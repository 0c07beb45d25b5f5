"""A second Reviewer process for the store tests (run as a script, not collected by pytest).

    python store_helper_process.py write PROJECT_DIR
        writes change after change forever; after each call returns prints
        ``ack <i> <kind> <image_key> <value>`` (kind: status, tag, note, command).
    python store_helper_process.py write-step PROJECT_DIR
        the same, but after each ack waits for a line on stdin before the next change, so a
        SIGKILL can land while the process sits idle just after an acknowledgement.
    python store_helper_process.py hold PROJECT_DIR
        opens the store, prints ``ready <pid>``, then for each stdin line ``KEY STATUS`` sets the
        status and prints ``ok``; closes the store at end of input.
"""

from __future__ import annotations

import sys

from reviewer.core.tags import TagVocabulary
from reviewer.io.store import ReviewStatus, open_review_store

STATUSES = [s.value for s in ReviewStatus]


def expected_change(i: int) -> tuple[str, str, str]:
    """Change number ``i`` of the write stream: (kind, image_key, value)."""
    kind = ("status", "tag", "note", "command")[i % 4]
    key = f"img{i // 4}"
    value = {"status": STATUSES[(i // 4) % 4], "tag": f"tag {i % 7}", "note": f"note {i}",
             "command": f"{i}"}[kind]
    return kind, key, value


def write(project: str, step: bool = False) -> None:
    store = open_review_store(project, user="writer", vocabulary=TagVocabulary())
    i = 0
    while True:
        kind, key, value = expected_change(i)
        if kind == "status":
            store.set_status(key, value)
        elif kind == "tag":
            store.add_image_tag(key, value)
        elif kind == "note":
            store.set_note(key, value)
        else:
            store.append_command(key, "Edit", {"i": int(value), "box": [i, i, 2.5, 3.5]})
        print(f"ack {i} {kind} {key} {value}", flush=True)
        if step and not sys.stdin.readline():
            break
        i += 1


def hold(project: str) -> None:
    store = open_review_store(project, user="holder", vocabulary=TagVocabulary())
    print(f"ready {__import__('os').getpid()}", flush=True)
    for line in sys.stdin:
        key, status = line.split()
        store.set_status(key, status)
        print("ok", flush=True)
    store.close()


if __name__ == "__main__":
    {"write": write, "write-step": lambda p: write(p, step=True),
     "hold": hold}[sys.argv[1]](sys.argv[2])
