"""The review store: where a project's review state lives (statuses, notes, tags, corrections).

Import from here: ``open_review_store(project)`` returns a ``ReviewStore``: the
``PostgresReviewStore`` named by the project file's ``store`` key (URL + schema), else the
``SqliteReviewStore`` in ``PROJECT/review.sqlite``. Core and ui depend only on the
``ReviewStore`` interface (store_base.py).
"""

from __future__ import annotations

import json
from pathlib import Path

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
from reviewer.io.store_url import StoreLocation

__all__ = [
    "SCHEMA_VERSION", "SOURCES", "STORE_FILE_NAME", "ImageReview", "JournalEntry", "ReviewStatus",
    "ReviewStore", "SqliteReviewStore", "StoreError", "StoreEvent", "StoreLocation",
    "StoreLockedError", "StoreReadOnlyError", "TagRecord", "default_user", "open_review_store",
    "store_exists", "store_location", "store_path_for",
]


def store_location(project) -> StoreLocation | Path:
    """Where ``project`` keeps its review: a ``StoreLocation`` (server) or the SQLite file path.

    project: a ``Project``, a project folder or its ``reviewer.json`` (the ``store`` key is read),
    a ``StoreLocation``, or the path of a store file."""
    from reviewer.io.project import Project, ProjectError, project_file, store_section
    if isinstance(project, StoreLocation):
        return project
    if isinstance(project, Project):
        return project.store or store_path_for(project.root)
    file = project_file(project) if Path(project).is_dir() or \
        Path(project).name == "reviewer.json" else None
    if file is not None and file.is_file():
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = None
        if isinstance(data, dict) and data.get("store") is not None:
            try:
                return store_section(data["store"], file)
            except ProjectError as exc:
                raise StoreError(file, str(exc).split(": ", 1)[-1]) from None
    return store_path_for(project)


def open_review_store(project, *, read_only: bool = False, user: str | None = None,
                      vocabulary: TagVocabulary | None = None) -> ReviewStore:
    """Open the review store of a project (see ``store_location``).

    Raises StoreLockedError when another Reviewer writes to a SQLite store (open
    ``read_only=True`` to look anyway), StoreConnectionError / StorePasswordError when a server
    cannot be reached, and StoreError naming the store when it cannot be used; an existing store
    is never reset or overwritten.
    """
    where = store_location(project)
    if isinstance(where, StoreLocation):
        from reviewer.io.store_postgres import PostgresReviewStore
        return PostgresReviewStore.open(where, read_only=read_only, user=user,
                                        vocabulary=vocabulary)
    return SqliteReviewStore.open(where, read_only=read_only, user=user, vocabulary=vocabulary)


def store_exists(project) -> bool:
    """Whether the project's review store exists already (a file, or a schema on the server)."""
    where = store_location(project)
    if not isinstance(where, StoreLocation):
        return Path(where).is_file()
    from reviewer.io.store_postgres import connect
    from reviewer.io.store_postgres_schema import schema_version
    conn = connect(where, str(where), search_path=False)
    try:
        return bool(schema_version(conn, where.schema, str(where)))
    finally:
        conn.close()
