"""The review store interface: review state that never loses work.

``ReviewStore`` is what core and ui talk to. ``SqliteReviewStore`` (store_sqlite.py) keeps a
project's review in ``PROJECT/review.sqlite``; a shared PostgreSQL store is meant to implement the
same abstract methods without core or ui changing.

Keys: an image is ``image_key = str(original image id)``; an object is
``(image_key, source, ann_key)`` with ``source`` in ``{"gt", "pred"}`` and
``ann_key = str(annotation id)``. Methods accept any id and apply ``str()``; keys come back as str.

Contract every implementation keeps:
- every setter has committed durably when it returns (or raised and changed nothing);
- ``with store.transaction():`` groups many setters into one commit (all or nothing);
- tags are stored by id: ``rename_tag`` and ``merge_tags`` keep every assignment;
- the command journal is append-only: a new command after undos marks the redo tail
  ``discarded`` instead of deleting it;
- every change is also appended to ``events()`` with who and when (UTC ISO 8601).
"""

from __future__ import annotations

import abc
import contextlib
import enum
import getpass
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from reviewer.core.tags import Tag, TagVocabulary, name_key

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
    """A write was attempted on a store opened with ``read_only=True``."""


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
    command after undo, or set aside). ``conflict``: why it was set aside (it no longer fitted
    the GT); ``resolution``: what the reviewer did about it (``dropped``, ``re-applied as N``)."""

    seq: int
    image_key: str
    kind: str
    payload: dict
    who: str
    at: str
    discarded: bool
    conflict: str | None = None
    resolution: str | None = None


@dataclass(frozen=True)
class StoreEvent:
    """One change, for the change log export.

    kind: status, note, image_tag_added, image_tag_removed, object_tag_added, object_tag_removed,
        command, undo, redo, conflict, conflict_resolved, tag_created, tag_updated, tag_renamed, tag_merged, tag_removed.
    subject / value by kind:
        status, note: None / the new status or note;
        image_tag_*: None / tag name;  object_tag_*: ``"gt:17"`` / tag name;
        command: journal seq / command kind;  undo, redo: old cursor / new cursor;
        conflict: journal seq / why it was set aside;  conflict_resolved: seq / the resolution;
        tag_created: None / name;  tag_renamed, tag_merged: old (src) name / new (dst) name;
        tag_updated: name / JSON of the changed fields;  tag_removed: name / None.
    """

    event_id: int
    at: str
    who: str
    kind: str
    image_key: str | None
    subject: str | None
    value: str | None


def default_user() -> str:
    """The login name, or ``"unknown"`` where the platform cannot tell."""
    try:
        return getpass.getuser()
    except (OSError, KeyError, ImportError):
        return "unknown"


class ReviewStore(abc.ABC):
    """Review state of one project: statuses, notes, tags, the command journal and a change log."""

    user: str
    read_only: bool

    # --- lifetime --------------------------------------------------------------------------
    @abc.abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> ReviewStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @abc.abstractmethod
    def transaction(self) -> contextlib.AbstractContextManager:
        """Group setters into one all-or-nothing commit (nestable)."""

    # --- images ----------------------------------------------------------------------------
    @abc.abstractmethod
    def status(self, image_key: object) -> ReviewStatus: ...

    @abc.abstractmethod
    def set_status(self, image_key: object, status: ReviewStatus | str) -> None: ...

    @abc.abstractmethod
    def statuses(self) -> dict[str, ReviewStatus]:
        """Images whose status was ever set (others are unreviewed)."""

    @abc.abstractmethod
    def note(self, image_key: object) -> str: ...

    @abc.abstractmethod
    def set_note(self, image_key: object, note: str) -> None: ...

    @abc.abstractmethod
    def image_review(self, image_key: object) -> ImageReview: ...

    # --- image tags (by name; a name not in the vocabulary is added to it) -------------------
    @abc.abstractmethod
    def image_tags(self, image_key: object) -> set[str]: ...

    @abc.abstractmethod
    def set_image_tags(self, image_key: object, names: Iterable[str]) -> None: ...

    @abc.abstractmethod
    def add_image_tag(self, image_key: object, name: str) -> None: ...

    @abc.abstractmethod
    def remove_image_tag(self, image_key: object, name: str) -> None: ...

    @abc.abstractmethod
    def all_image_tags(self) -> dict[str, set[str]]:
        """image_key -> tag names, for images with at least one tag."""

    # --- object tags -----------------------------------------------------------------------
    @abc.abstractmethod
    def object_tags(self, image_key: object, source: str, ann_id: object) -> set[str]: ...

    @abc.abstractmethod
    def set_object_tags(self, image_key: object, source: str, ann_id: object,
                        names: Iterable[str]) -> None: ...

    @abc.abstractmethod
    def add_object_tag(self, image_key: object, source: str, ann_id: object, name: str) -> None:
        ...

    @abc.abstractmethod
    def remove_object_tag(self, image_key: object, source: str, ann_id: object,
                          name: str) -> None: ...

    @abc.abstractmethod
    def image_object_tags(self, image_key: object) -> dict[tuple[str, str], set[str]]:
        """(source, ann_key) -> tag names for the tagged objects of one image."""

    @abc.abstractmethod
    def all_object_tags(self) -> dict[tuple[str, str, str], set[str]]:
        """(image_key, source, ann_key) -> tag names, for objects with at least one tag."""

    # --- vocabulary ------------------------------------------------------------------------
    @abc.abstractmethod
    def tags(self) -> list[TagRecord]:
        """Live tags in vocabulary order."""

    @abc.abstractmethod
    def add_tag(self, name: str, colour: str | None = None, hotkey: str | None = None,
                group: str = "", description: str = "") -> TagRecord: ...

    @abc.abstractmethod
    def update_tag(self, name: str, **changes) -> TagRecord:
        """Change colour, hotkey, group, description or position of a tag."""

    @abc.abstractmethod
    def rename_tag(self, old: str, new: str) -> None: ...

    @abc.abstractmethod
    def merge_tags(self, src: str, dst: str) -> None:
        """Every assignment of ``src`` becomes one of ``dst``; ``src`` leaves the vocabulary."""

    @abc.abstractmethod
    def remove_tag(self, name: str) -> None:
        """Hide a tag and its assignments; adding the name again brings both back."""

    def vocabulary(self) -> TagVocabulary:
        """The live tags as a core ``TagVocabulary``."""
        return TagVocabulary(Tag(r.name, r.colour, r.hotkey, r.group, r.description)
                             for r in self.tags())

    def add_missing_tags(self, vocabulary: TagVocabulary) -> None:
        """Add the tags of ``vocabulary`` whose names the store does not know (one commit)."""
        known = {name_key(r.name) for r in self.tags()}
        with self.transaction():
            for tag in vocabulary:
                if name_key(tag.name) not in known:
                    self.add_tag(tag.name, tag.colour, tag.hotkey, tag.group, tag.description)

    # --- command journal and history ---------------------------------------------------------
    @abc.abstractmethod
    def append_command(self, image_key: object, kind: str, payload: Mapping) -> int:
        """Journal an executed command; returns its seq and moves the cursor onto it.

        Active commands after the cursor (the redo tail) are marked discarded first.
        """

    @abc.abstractmethod
    def journal(self, include_discarded: bool = False) -> list[JournalEntry]:
        """Journalled commands in seq order (the active history unless include_discarded)."""

    @abc.abstractmethod
    def history_cursor(self) -> int:
        """Seq of the last applied command, 0 when none is applied."""

    @abc.abstractmethod
    def set_history_cursor(self, seq: int) -> None:
        """Record an undo (cursor moves back) or redo (forward); ``seq`` is 0 or an active seq."""

    @abc.abstractmethod
    def set_aside(self, seq: int, reason: str) -> None:
        """Take a journalled command out of the active history as a conflict (``reason``)."""

    @abc.abstractmethod
    def conflicts(self, include_resolved: bool = False) -> list[JournalEntry]:
        """Commands set aside as conflicts, oldest first (unresolved ones unless asked)."""

    @abc.abstractmethod
    def resolve_conflict(self, seq: int, resolution: str) -> None:
        """Record what the reviewer did with a conflict (it leaves ``conflicts()``)."""

    @abc.abstractmethod
    def meta_value(self, key: str) -> str | None:
        """A project-level setting kept with the review (None when never set)."""

    @abc.abstractmethod
    def set_meta_value(self, key: str, value: str) -> None: ...

    @abc.abstractmethod
    def rekey_images(self, moves: Mapping[str, str]) -> int:
        """Move the review state (status, note, tags, object tags, journal and change-log
        image column) of each ``old`` image key to ``new``, merging with what ``new`` holds:
        the later status / note wins, tags are united. Returns the images moved."""

    @abc.abstractmethod
    def input_fingerprints(self) -> dict:
        """The fingerprints of the inputs recorded at the last opening (``{}`` at first)."""

    @abc.abstractmethod
    def set_input_fingerprints(self, fingerprints: Mapping) -> None: ...

    def applied_commands(self) -> list[JournalEntry]:
        """The undo stack, oldest first: active commands up to the cursor."""
        cursor = self.history_cursor()
        return [e for e in self.journal() if e.seq <= cursor]

    def redo_commands(self) -> list[JournalEntry]:
        """The redo stack, next redo first: active commands after the cursor."""
        cursor = self.history_cursor()
        return [e for e in self.journal() if e.seq > cursor]

    # --- change log --------------------------------------------------------------------------
    @abc.abstractmethod
    def events(self, since: int = 0) -> list[StoreEvent]:
        """Every change with ``event_id > since``, oldest first."""
