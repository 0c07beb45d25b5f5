"""Records and errors of the review store contract (store_base.py): what stores return and raise."""

from __future__ import annotations

import enum
import getpass
import os
from dataclasses import dataclass

from reviewer.core.targets import describe_target

SOURCES = ("gt", "pred")


class StoreError(Exception):
    """The review store cannot be used as asked; ``path`` names the store, ``str()`` says why."""

    def __init__(self, path: object, message: str):
        super().__init__(f"{path}: {message}")
        self.path = str(path)
        self.reason = message


class StoreLockedError(StoreError):
    """Another Reviewer process has the project open for writing."""

    def __init__(self, path: object, project: object, pid: object, host: object,
                 user: object = None, since: object = None):
        who = f"pid {pid} on host {host}" + (f", user {user}" if user else "") \
            + (f", since {since}" if since else "")
        super().__init__(path, f"project {project} is open for writing in another Reviewer "
                               f"({who}); close it there, or open this one read-only")
        self.pid, self.host, self.user, self.since = pid, host, user, since


class StoreReadOnlyError(StoreError):
    """A write was attempted on a store opened with ``read_only=True`` (or a read-only role)."""


class StoreConnectionError(StoreError):
    """The database server cannot be reached (or the connection broke): the change in progress
    was not saved. ``reconnect()`` and try again."""


class StorePasswordError(StoreConnectionError):
    """The server wants a password and none was given (PGPASSWORD, ~/.pgpass or a prompt)."""


class StoreConflictError(StoreError):
    """Refused: what the command changes was changed by ``who`` at ``at`` after this session saw
    it, e.g. "object 12 of image 7 was changed by bob at 2024-05-02 10:04:31 UTC — reload or
    keep yours". ``target`` is the target key (core/targets.py) or "" ."""

    def __init__(self, path: object, message: str, target: str = "", who: str = "",
                 at: str = ""):
        super().__init__(path, message)
        self.target, self.who, self.at = target, who, at

    @classmethod
    def changed(cls, path: object, target: str, who: str, at: str) -> StoreConflictError:
        return cls(path, f"{describe_target(target)} was changed by {who} at {readable_time(at)}"
                         " — reload or keep yours", target, who, at)


def readable_time(at: str | None) -> str:
    """``2024-05-02T10:04:31.123+00:00`` -> ``2024-05-02 10:04:31 UTC``."""
    if not at:
        return "an unknown time"
    return at.replace("T", " ").split(".")[0].split("+")[0] + " UTC"


class ReviewStatus(str, enum.Enum):
    """Review status of one image (the values are what the store and exports write)."""

    UNREVIEWED = "unreviewed"
    REVIEWED = "reviewed"
    NEEDS_SECOND_LOOK = "needs-second-look"
    SKIPPED = "skipped"

    @classmethod
    def parse(cls, value: object) -> ReviewStatus:
        """Accept a ReviewStatus or its value; ValueError naming the allowed values otherwise."""
        try:
            return cls(value)
        except ValueError:
            allowed = ", ".join(s.value for s in cls)
            raise ValueError(f"unknown review status {value!r} (expected one of {allowed})") \
                from None


@dataclass(frozen=True)
class ImageReview:
    """Review state of one image; ``who``/``at`` tell the last change of status or note."""

    image_key: str
    status: ReviewStatus
    note: str
    tags: frozenset[str]
    who: str | None
    at: str | None


@dataclass(frozen=True)
class TagRecord:
    """A vocabulary entry as stored: ``tag_id`` is stable across renames."""

    tag_id: int
    name: str
    colour: str
    hotkey: str | None
    group: str
    description: str
    position: int
    created: str


@dataclass(frozen=True)
class JournalEntry:
    """One journalled command. ``discarded``: out of the active history (dropped by a new
    command of its author after undo, or set aside). ``conflict``: why it was set aside (it no
    longer fitted the GT); ``resolution``: what the reviewer did about it (``dropped``,
    ``re-applied as N``). ``undone``: in its author's redo stack."""

    seq: int
    image_key: str
    kind: str
    payload: dict
    who: str
    at: str
    discarded: bool
    conflict: str | None = None
    resolution: str | None = None
    undone: bool = False


@dataclass(frozen=True)
class StoreEvent:
    """One change, for the change log export.

    kind: status, note, image_tag_added, image_tag_removed, object_tag_added, object_tag_removed,
        command, undo, redo, conflict, conflict_resolved, tag_created, tag_updated, tag_renamed,
        tag_merged, tag_removed, assigned.
    subject / value by kind:
        status, note: None / the new status or note;
        image_tag_*: None / tag name;  object_tag_*: ``"gt:17"`` / tag name;
        command: journal seq / command kind;
        undo, redo: the author's old cursor / new cursor (one step: undo's subject and redo's
        value is the seq undone or redone);
        conflict: journal seq / why it was set aside;  conflict_resolved: seq / the resolution;
        tag_created: None / name;  tag_renamed, tag_merged: old (src) name / new (dst) name;
        tag_updated: name / JSON of the changed fields;  tag_removed: name / None;
        assigned: None / the assignee ("" when unassigned).
    ``session``: the store session that made it (``ReviewStore.session_id``).
    """

    event_id: int
    at: str
    who: str
    kind: str
    image_key: str | None
    subject: str | None
    value: str | None
    session: str | None = None


@dataclass(frozen=True)
class Lease:
    """``image_key`` is being reviewed by ``who`` until ``until`` (UTC ISO 8601)."""

    image_key: str
    who: str
    until: str


@dataclass(frozen=True)
class PersonProgress:
    """What one reviewer has done: images whose status they set last, by status; images
    assigned to them and how many of those are no longer unreviewed; commands journalled."""

    who: str
    statuses: dict
    assigned: int
    assigned_done: int
    commands: int

    @property
    def reviewed(self) -> int:
        return int(self.statuses.get(ReviewStatus.REVIEWED.value, 0))


USER_VARIABLE = "REVIEWER_USER"


def default_user() -> str:
    """``$REVIEWER_USER``, else the login name, else ``"unknown"``."""
    if os.environ.get(USER_VARIABLE, "").strip():
        return os.environ[USER_VARIABLE].strip()
    try:
        return getpass.getuser()
    except (OSError, KeyError, ImportError):
        return "unknown"
