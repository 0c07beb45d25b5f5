"""The review store interface: review state that never loses work.

``ReviewStore`` is what core and ui talk to. ``SqliteReviewStore`` (store_sqlite.py) keeps a
project's review in ``PROJECT/review.sqlite`` (one writer at a time); ``PostgresReviewStore``
(store_postgres.py) keeps it in one schema of a PostgreSQL database that many windows and CLI
processes write to at once. Both run the same SQL (store_sql_*.py).

Keys: an image is ``image_key = str(original image id)``; an object is
``(image_key, source, ann_key)`` with ``source`` in ``{"gt", "pred"}`` and
``ann_key = str(annotation id)``. Methods accept any id and apply ``str()``; keys come back as str.

Contract every implementation keeps:
- every setter has committed durably when it returns (or raised and changed nothing);
- ``with store.transaction():`` groups many setters into one commit (all or nothing);
- tags are stored by id: ``rename_tag`` and ``merge_tags`` keep every assignment;
- the command journal is append-only: a new command after undos marks the redo tail
  ``discarded`` instead of deleting it;
- every change is also appended to ``events()`` with who and when (UTC ISO 8601; the server's
  clock for a server store), in commit order: an event id is never committed after a larger one;
- undo is per author: ``redo_commands``/``history_cursor`` and ``undo_command``/``redo_command``
  act on ``user``'s own commands; ``applied_commands`` are everyone's;
- a command whose targets (core/targets.py) another session changed after this session's
  ``horizon`` is refused (``StoreConflictError``), and so is an undo or redo of a command whose
  targets someone changed since: nothing is applied over someone else's change.
"""

from __future__ import annotations

import abc
import contextlib
from collections.abc import Iterable, Mapping

from reviewer.core.tags import Tag, TagVocabulary, name_key
from reviewer.io.store_records import (  # noqa: F401  (re-exported: the contract's records)
    SOURCES,
    USER_VARIABLE,
    ImageReview,
    JournalEntry,
    Lease,
    PersonProgress,
    ReviewStatus,
    StoreConflictError,
    StoreConnectionError,
    StoreError,
    StoreEvent,
    StoreLockedError,
    StorePasswordError,
    StoreReadOnlyError,
    TagRecord,
    default_user,
    readable_time,
)


class ReviewStore(abc.ABC):
    """Review state of one project: statuses, notes, tags, the command journal and a change log."""

    user: str
    read_only: bool
    rolls_back_review = True  # a failed transaction also undoes review-state writes in it

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
    session_id: str
    horizon: int

    @abc.abstractmethod
    def append_command(self, image_key: object, kind: str, payload: Mapping,
                       targets: Iterable[str] = ()) -> int:
        """Journal an executed command by ``user``; returns its seq (``user``'s new cursor).

        ``user``'s undone commands (their redo tail) are marked discarded first. Raises
        StoreConflictError when another session changed one of ``targets`` after ``horizon``.
        """

    @abc.abstractmethod
    def undo_command(self, seq: int) -> None:
        """Mark ``user``'s last applied command ``seq`` undone. StoreConflictError when it is not
        their last one, or when a later applied command of someone else touches its targets."""

    @abc.abstractmethod
    def redo_command(self, seq: int) -> None:
        """Mark ``user``'s next undone command ``seq`` applied again. StoreConflictError when
        anything touching its targets changed since it was undone."""

    @abc.abstractmethod
    def journal(self, include_discarded: bool = False) -> list[JournalEntry]:
        """Journalled commands in seq order (the active history unless include_discarded)."""

    @abc.abstractmethod
    def entries(self, seqs: Iterable[int]) -> dict[int, JournalEntry]:
        """The journal entries with these seqs (discarded ones too), by seq."""

    @abc.abstractmethod
    def history_cursor(self) -> int:
        """Seq of ``user``'s last applied command, 0 when none is applied."""

    def set_history_cursor(self, seq: int) -> None:
        """Undo or redo ``user``'s commands one by one until their cursor is ``seq`` (0 or the
        seq of one of their active commands)."""
        seq = int(seq)
        with self.transaction():
            own = [e for e in self.journal() if e.who == self.user]
            if seq != 0 and seq not in {e.seq for e in own}:
                raise ValueError(f"{seq} is not the seq of an active journalled command "
                                 f"of {self.user}")
            for entry in reversed(own):
                if not entry.undone and entry.seq > seq:
                    self.undo_command(entry.seq)
            for entry in own:
                if entry.undone and entry.seq <= seq:
                    self.redo_command(entry.seq)

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
    def rename_prediction_keys(self, old: str | None, new: str) -> int:
        """Object tags of predictions are kept under ``<model>:<ann id>``: move those of model
        ``old`` to model ``new`` (``old`` None: the keys an earlier Reviewer wrote without a
        model, which become ``new``'s), merging with what ``new`` holds. Returns the rows
        moved."""

    @abc.abstractmethod
    def input_fingerprints(self) -> dict:
        """The fingerprints of the inputs recorded at the last opening (``{}`` at first)."""

    @abc.abstractmethod
    def set_input_fingerprints(self, fingerprints: Mapping) -> None: ...

    def applied_commands(self) -> list[JournalEntry]:
        """Every author's applied commands, oldest first (what the ground truth is made of)."""
        return [e for e in self.journal() if not e.undone]

    def redo_commands(self) -> list[JournalEntry]:
        """``user``'s redo stack, next redo first: their undone, not discarded commands."""
        return [e for e in self.journal() if e.undone and e.who == self.user]

    @abc.abstractmethod
    def last_event_id(self) -> int:
        """The id of the newest committed event (0 when none)."""

    @abc.abstractmethod
    def snapshot(self) -> contextlib.AbstractContextManager:
        """Reads inside see one consistent state of the store (nothing committed meanwhile)."""

    @abc.abstractmethod
    def allocate_id(self, floor: int) -> int:
        """A new annotation id >= ``floor`` that no session of this store got before."""

    # --- sharing the work ---------------------------------------------------------------------
    @abc.abstractmethod
    def assign(self, image_keys: Iterable[object], who: str | None) -> int:
        """Assign images to ``who`` (None: unassign); returns how many changed."""

    @abc.abstractmethod
    def assignments(self) -> dict[str, str]:
        """image_key -> assignee, for assigned images."""

    @abc.abstractmethod
    def take_lease(self, candidates: Iterable[object], minutes: float = 20.0) -> Lease | None:
        """Lease the first of ``candidates`` (keys in the order the reviewer works) that is
        unreviewed, assigned to ``user`` or to nobody, and not leased by anyone else; ``user``'s
        other leases end. Concurrent callers never get the same image. None: nothing left."""

    @abc.abstractmethod
    def release_lease(self, image_key: object | None = None) -> None:
        """End ``user``'s lease on ``image_key`` (None: all of their leases)."""

    @abc.abstractmethod
    def leases(self) -> list[Lease]:
        """Leases that have not expired."""

    @abc.abstractmethod
    def progress(self, image_keys: Iterable[object] | None = None) -> list[PersonProgress]:
        """Per person (who set a status, has assignments or journalled commands), by name;
        only over ``image_keys`` when given."""

    # --- change log --------------------------------------------------------------------------
    @abc.abstractmethod
    def events(self, since: int = 0) -> list[StoreEvent]:
        """Every change with ``event_id > since``, oldest first."""

    # --- servers --------------------------------------------------------------------------------
    def reconnect(self) -> None:
        """Open a new connection after a StoreConnectionError (a local store has nothing to do)."""
        return None

    def acknowledged(self, event_id: int) -> bool:
        """Whether this session saw the commit of its own event ``event_id`` succeed. An own
        event that is in the store but not acknowledged was committed while the connection broke
        (during COMMIT): catching up must apply it like someone else's."""
        return True

    def notifications(self):
        """A Qt-free source of change notices (``wait(timeout) -> bool``, ``close()``) for live
        refresh, or None when no other session can write (a local store)."""
        return None

    def describe(self) -> str:
        """Where the store lives, for messages (a path, or a URL without password)."""
        return str(getattr(self, "path", "review store"))
