"""The review store: where a project's review state lives (statuses, notes, tags, corrections).

Import from here: ``open_review_store(project_dir)`` returns a ``ReviewStore``; today that is the
``SqliteReviewStore`` in ``PROJECT/review.sqlite``. Core and ui depend only on the ``ReviewStore``
interface (store_base.py), so a shared PostgreSQL store can replace it here.
"""

from __future__ import annotations

import os

from reviewer.core.tags import TagVocabulary
from reviewer.io.store_base import (
    SOURCES,
    ImageReview,
    JournalEntry,
    ReviewStatus,
    ReviewStore,
    StoreError,
    StoreEvent,
    StoreLockedError,
    StoreReadOnlyError,
    TagRecord,
    default_user,
)
from reviewer.io.store_schema import SCHEMA_VERSION
from reviewer.io.store_sqlite import STORE_FILE_NAME, SqliteReviewStore, store_path_for

__all__ = [
    "SCHEMA_VERSION", "SOURCES", "STORE_FILE_NAME", "ImageReview", "JournalEntry", "ReviewStatus",
    "ReviewStore", "SqliteReviewStore", "StoreError", "StoreEvent", "StoreLockedError",
    "StoreReadOnlyError", "TagRecord", "default_user", "open_review_store", "store_path_for",
]


def open_review_store(project: str | os.PathLike, *, read_only: bool = False,
                      user: str | None = None,
                      vocabulary: TagVocabulary | None = None) -> ReviewStore:
    """Open the review store of a project folder (or its ``reviewer.json``).

    Raises StoreLockedError when another Reviewer writes to it (open ``read_only=True`` to look
    anyway) and StoreError, naming the file, when it cannot be used; an existing store is never
    reset or overwritten.
    """
    return SqliteReviewStore.open(project, read_only=read_only, user=user, vocabulary=vocabulary)
