"""Sessions for commands that only read or write review state, without loading the project.

``reviewer tag``, ``status``, ``assign``, ``next`` and ``progress`` touch the review store only:
which image a name means, its tags or status, assignments and leases. Loading and scoring the
whole dataset for that (seconds at 100,000 images, for each call) is not needed when the project
cache (io/task_cache.py) holds a valid per-image table: ``open_review_only`` builds a session from
that table and the store — the same store, the same review keys, the same history class running
the same ``SetImageTags`` / ``SetStatus`` commands, so the journal and the review rows are those a
full session writes. It gives up (returns None, the caller opens a full session) whenever a full
opening would do more than that:

- no valid cache (first opening, an input, a setting or the code changed);
- the store's recorded input fingerprints differ from the inputs now (a full opening prints what
  changed, records the new fingerprints and sets aside corrections that no longer fit);
- a writable opening of a store whose review keys were never adopted for this task.

Corrections are not replayed (review-state commands do not need the ground truth); conflicts
set aside earlier are reported exactly as a full opening reports them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reviewer import tasks
from reviewer.core.history import History
from reviewer.io import task_cache
from reviewer.io.fingerprints import compare, project_fingerprints
from reviewer.io.paths import outside_notice
from reviewer.io.session import find_image, find_row, legacy_model, notices_of, open_store
from reviewer.io.store_keys import KeyedStore, adopt_model_keys


@dataclass
class _TableOnly:
    """What a review-only session knows of the task's data: its per-image table (original GT)."""

    task: str
    table: dict
    problems: list = field(default_factory=list)
    model: str | None = None


class _NoDocument:
    """The document of a review-only session: review-state commands write through ``review``;
    it holds no ground truth (the history is told it owns no ground-truth command)."""

    def __init__(self, review):
        self.review = review


def _owns_nothing(command) -> bool:
    return False


@dataclass
class ReviewOnlySession:
    """A session without the loaded dataset (see the module docstring): ``data.table``,
    ``store``, ``history`` and ``notices`` as in ``Session``."""

    project: object
    data: _TableOnly
    store: KeyedStore
    history: History
    notices: list[str] = field(default_factory=list)
    found: dict = field(default_factory=dict)  # image reference -> its row, looked up once

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> ReviewOnlySession:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def model(self) -> str | None:
        return self.data.model

    def image_id(self, text: str):
        if text in self.found:
            return self.data.table["image_id"][self.found[text]]
        return find_image(self.data.table, text)


def open_review_only(project, task: str | None = None, read_only: bool = False,
                     user: str | None = None, image: str | None = None
                     ) -> ReviewOnlySession | None:
    """A review-only session on ``project`` (a Project), or None when only a full opening
    (``open_session``) gives the right answer. image: the command touches only this image (a
    user's reference, as ``find_image`` takes it): the store speaks of that image alone, which
    spares mapping every image's id to its review key (~0.3 s at 100,000 images)."""
    name = project.task(task)
    cached = task_cache.table(project, name, project.inputs[name])  # the current model's
    if cached is None:
        return None
    table, keys = cached
    store = open_store(project, read_only, user)
    try:
        recorded = store.input_fingerprints()
        current = project_fingerprints(project, name, recorded)
        if compare(recorded, current) or not read_only and (
                {k: v for k, v in recorded.items() if k in current} != current
                or not store.meta_value(f"review_keys:{name}")):
            store.close()
            return None
        legacy = legacy_model(project, name)
        adopt_model_keys(store, legacy)  # as a full opening does (a no-op once done)
        found = _found(table, image)
        keyed = KeyedStore(store, _id_keys(table, keys, image, found), legacy)
        keyed.horizon = store.last_event_id()
        history = History(_NoDocument(keyed), keyed, owns=_owns_nothing)
        history.conflicts = history.recorded_conflicts(tasks.get(name).owns)
        notices = notices_of([], history)
        outside = outside_notice(project)
        if outside:
            notices.append(outside)
    except BaseException:
        store.close()
        raise
    data = _TableOnly(name, table, model=project.model_set(name).current)
    return ReviewOnlySession(project, data, keyed, history, notices, found)


def _found(table: dict, image: str | None) -> dict:
    """{image: its row} when the command names an image the table holds, else {}."""
    if image is None:
        return {}
    try:
        return {image: find_row(table, image)}
    except KeyError:
        return {}


def _id_keys(table: dict, keys: list[str], image: str | None, found: dict) -> dict[str, str]:
    """str(image id) -> review key, of every image or of ``image`` only (none if unknown: the
    command reports it)."""
    ids = table["image_id"]
    if image is None:
        return {str(i): k for i, k in zip(ids.tolist(), keys, strict=True)}
    return {str(ids[row]): keys[row] for row in found.values()}
