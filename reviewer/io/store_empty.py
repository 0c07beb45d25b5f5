"""``EmptyReviewStore``: the review of a project nobody has reviewed yet, for read-only commands.

``reviewer eval``, ``score``, ``stats`` and ``export`` only read the review. On a project without
``review.sqlite`` they get this store instead of creating a file as a side effect (which a
read-only folder would refuse): no status, note, tag or correction, the default tag vocabulary,
and every write refused like a read-only SQLite store.
"""

from __future__ import annotations

import contextlib

from reviewer.core.tags import TagVocabulary, default_vocabulary
from reviewer.io.store_base import (
    ImageReview,
    JournalEntry,
    ReviewStatus,
    ReviewStore,
    StoreEvent,
    StoreReadOnlyError,
    TagRecord,
    default_user,
)


class EmptyReviewStore(ReviewStore):
    """A read-only store holding no review (see the module docstring)."""

    def __init__(self, path: object, vocabulary: TagVocabulary | None = None,
                 user: str | None = None):
        self.path = str(path)
        self.user = user or default_user()
        self.read_only = True
        self.session_id, self.horizon = "", 0
        vocab = default_vocabulary() if vocabulary is None else vocabulary
        self._tags = [TagRecord(k + 1, t.name, t.colour, t.hotkey, t.group, t.description, k, "")
                      for k, t in enumerate(vocab)]

    def _refuse(self, *args, **kwargs):
        raise StoreReadOnlyError(self.path, "the project has no review store yet (read-only "
                                            "command); open it for writing to start a review")

    def close(self) -> None:
        return None

    def status(self, image_key: object) -> ReviewStatus:
        return ReviewStatus.UNREVIEWED

    def statuses(self) -> dict[str, ReviewStatus]:
        return {}

    def note(self, image_key: object) -> str:
        return ""

    def image_review(self, image_key: object) -> ImageReview:
        return ImageReview(str(image_key), ReviewStatus.UNREVIEWED, "", frozenset(), None, None)

    def image_tags(self, image_key: object) -> set[str]:
        return set()

    def all_image_tags(self) -> dict[str, set[str]]:
        return {}

    def object_tags(self, image_key: object, source: str, ann_id: object) -> set[str]:
        return set()

    def image_object_tags(self, image_key: object) -> dict[tuple[str, str], set[str]]:
        return {}

    def all_object_tags(self) -> dict[tuple[str, str, str], set[str]]:
        return {}

    def tags(self) -> list[TagRecord]:
        return list(self._tags)

    def journal(self, include_discarded: bool = False) -> list[JournalEntry]:
        return []

    def history_cursor(self) -> int:
        return 0

    def conflicts(self, include_resolved: bool = False) -> list[JournalEntry]:
        return []

    def input_fingerprints(self) -> dict:
        return {}

    def meta_value(self, key: str) -> str | None:
        return None

    def events(self, since: int = 0) -> list[StoreEvent]:
        return []

    def entries(self, seqs) -> dict:
        return {}

    def last_event_id(self) -> int:
        return 0

    def snapshot(self):
        return contextlib.nullcontext()

    def assignments(self) -> dict[str, str]:
        return {}

    def leases(self) -> list:
        return []

    def progress(self, image_keys=None) -> list:
        return []

    set_status = set_note = set_image_tags = add_image_tag = remove_image_tag = _refuse
    set_object_tags = add_object_tag = remove_object_tag = _refuse
    add_tag = update_tag = rename_tag = merge_tags = remove_tag = _refuse
    transaction = append_command = set_history_cursor = set_aside = resolve_conflict = _refuse
    set_input_fingerprints = set_meta_value = rekey_images = rename_prediction_keys = _refuse
    undo_command = redo_command = allocate_id = assign = take_lease = release_lease = _refuse
