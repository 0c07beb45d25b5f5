"""A review session: project + loaded task + document + review store + history, wired together.

The CLI's review commands and the GUI open one with ``open_session``. The store is the document's
review sink and the history's journal, so every action is committed when it is made, and the
corrections journalled in earlier sessions are replayed on open. On a shared store, the replay and
the session's horizon come from one snapshot, and new objects get ids no other writer gets
(io/team.py keeps the session up to date with the other writers).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from reviewer import tasks
from reviewer.core.history import History
from reviewer.core.review import review_keys
from reviewer.io.fingerprints import compare, project_fingerprints
from reviewer.io.paths import outside_notice
from reviewer.io.project import Project, load_project
from reviewer.io.store import ReviewStore, open_review_store, store_exists
from reviewer.io.store_empty import EmptyReviewStore
from reviewer.io.store_keys import KeyedStore, adopt_model_keys, adopt_review_keys
from reviewer.io.workspace import Progress, TaskData, make_document, open_task


@dataclass
class Session:
    """notices: what the reviewer must know about this opening (inputs changed since the last
    one, corrections set aside as conflicts), one line each; review_keys: the review key of each
    row of ``data.table`` (made once, on the loader's thread: ~1 s at 1,000,000 images)."""

    project: Project
    data: TaskData
    document: object
    store: ReviewStore
    history: History
    notices: list[str] = field(default_factory=list)
    review_keys: list[str] | None = None

    @property
    def model(self) -> str | None:
        """The name of the model whose predictions this session shows (None: none)."""
        return self.data.model

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def image_id(self, text: str):
        """A user's image reference -> the image id (``find_image``)."""
        return find_image(self.data.table, text)


def find_image(table: dict, text: str):
    """A user's image reference -> the image id of ``table`` (a per-image table).

    Accepts the id, the file name (with or without its folder), or the file name without its
    extension when exactly one image has that stem; KeyError otherwise.
    """
    return table["image_id"][find_row(table, text)]


def find_row(table: dict, text: str) -> int:
    """The row of the image ``find_image`` finds.

    The rule is ``_is_image`` / ``_stem`` on each row in order, tried only on the rows that can
    match (the name contains ``text``, or the id may read as it): a lookup among 100,000 images
    then takes milliseconds instead of a Python pass building every id's and name's parts."""
    ids = table["image_id"]
    names = list(map(str, table["file_name"].tolist()))
    text = str(text)
    maybe = {i for i, name in enumerate(names) if text in name}
    maybe.update(np.flatnonzero(_id_may_be(ids, text)).tolist())
    for i in sorted(maybe):
        if _is_image(ids[i], names[i], text):
            return i
    dotted = text + "."
    stems = [i for i, name in enumerate(names) if dotted in name and _stem(name) == text]
    if len(stems) == 1:
        return stems[0]
    raise KeyError(f"no image {text!r} in the project (give an image id or file name)")


def _is_image(image_id, name: str, text: str) -> bool:
    return text in (str(image_id), name) or name.rsplit("/", 1)[-1] == text


def _stem(name: str) -> str:
    return name.rsplit("/", 1)[-1].rsplit(".", 1)[0]


def _id_may_be(ids: np.ndarray, text: str) -> np.ndarray:
    """Rows whose id may read as ``text`` (a superset: ``_is_image`` decides). Integer or string
    ids are compared as values; ids of any other kind through ``str``."""
    try:
        value = int(text)
    except ValueError:
        value = None
    if ids.dtype.kind in "iu":
        info = np.iinfo(ids.dtype)
        if value is None or not info.min <= value <= info.max:
            return np.zeros(len(ids), bool)
        return ids == value
    if ids.dtype.kind == "O" and {type(i) for i in ids.tolist()} <= {int, str}:
        return (ids == text) | (ids == value) if value is not None else ids == text
    return ids.astype(str) == text


def open_session(project, task: str | None = None, progress: Progress | None = None,
                 read_only: bool = False, user: str | None = None,
                 overrides: dict | None = None, model: str | None = None) -> Session:
    """Open ``project`` (folder, file or Project) for review as ``user`` (default: the login
    name or $REVIEWER_USER) with the predictions of ``model`` (default: the task's current
    model; the session's project has it as its current model); ``overrides`` replace input
    values for this opening (``open_task``)."""
    if not isinstance(project, Project):
        project = load_project(project)
    project = project.with_current_model(project.task(task), model)
    store = open_store(project, read_only, user)
    try:
        data = open_task(project, task, progress, overrides)
        return attach_session(project, data, make_document(data), store, read_only)
    except BaseException:
        store.close()
        raise


def attach_session(project: Project, data: TaskData, doc, store, read_only: bool = False,
                   ) -> Session:
    """A session of a loaded task (``data``, its fresh document ``doc``) on an open review
    store: review keys, the corrections journalled so far replayed, notices. ``store``: the
    project's store, or the ``KeyedStore`` of another session of the same task (the window
    switching models, a comparison): that session keeps its horizon (what it caught up on)."""
    sibling = isinstance(store, KeyedStore)
    raw = store.store if isinstance(store, KeyedStore) else store
    table = data.table
    keys = review_keys(table["image_id"], table["file_name"])
    to_key = {str(i): k for i, k in zip(table["image_id"].tolist(), keys, strict=True)}
    adopt_review_keys(raw, data.task, to_key)
    legacy = legacy_model(project, data.task)
    adopt_model_keys(raw, legacy)
    store = KeyedStore(raw, to_key, legacy)
    doc.review = store
    history = History(doc, store, owns=tasks.get(data.task).owns)
    recorded = store.input_fingerprints()
    current = project_fingerprints(project, data.task, recorded)
    _restore(history, store, set_horizon=not sibling)
    if tasks.get(data.task).allocates_ids and not store.read_only:
        doc.id_source = store.allocate_id
    notices = notices_of(compare(recorded, current), history) + list(data.notices)
    outside = outside_notice(project)
    if outside:
        notices.append(outside)
    if not read_only and not store.read_only \
            and {k: v for k, v in recorded.items() if k in current} != current:
        store.set_input_fingerprints({**recorded, **current})
    return Session(project, data, doc, store, history, notices, keys)


def legacy_model(project: Project, task: str) -> str | None:
    """The model whose prediction object tags an earlier Reviewer kept under bare ids: the
    task's first model."""
    models = project.model_set(task)
    return models.names[0] if len(models) else None


class _JournalAsRead:
    """The journal as read in one snapshot (with the newest event id then): ``History.restore``
    replays exactly that state, and the session catches up from that event on. Writes (setting
    conflicts aside) go to the store."""

    def __init__(self, store):
        self.store = store
        with store.snapshot():
            self._applied = store.applied_commands()
            self._redo = store.redo_commands()
            self._conflicts = store.conflicts()
            self.horizon = store.last_event_id()

    def __getattr__(self, name):
        return getattr(self.store, name)

    def applied_commands(self):
        return self._applied

    def redo_commands(self):
        return self._redo

    def conflicts(self, include_resolved: bool = False):
        return self._conflicts if not include_resolved else self.store.conflicts(True)


def _restore(history: History, store, set_horizon: bool = True) -> None:
    """``history.restore()`` from one snapshot of the journal; the store's horizon is that
    snapshot's newest event (``set_horizon``)."""
    read = _JournalAsRead(store)
    history.journal = read
    try:
        history.restore()
    finally:
        history.journal = store
    if set_horizon:
        store.horizon = read.horizon


def open_store(project: Project, read_only: bool, user: str | None):
    """The project's review store; a read-only opening of a project without one (or with an
    empty file, or no schema on the server yet) gets an ``EmptyReviewStore`` instead of creating
    one."""
    if project.store is not None:
        if read_only and not store_exists(project):
            return EmptyReviewStore(project.store, user=user)
        return open_review_store(project, read_only=read_only, user=user)
    path = project.store_path
    if read_only and (not path.is_file() or path.stat().st_size == 0):
        return EmptyReviewStore(path, user=user)
    return open_review_store(project.root, read_only=read_only, user=user)


def notices_of(changed: list[str], history: History) -> list[str]:
    """The most pressing first: corrections set aside, then the inputs that changed."""
    out = []
    if history.conflicts:
        n = len(history.conflicts)
        out.append(f"{n} correction{'s' if n != 1 else ''} no longer fit the ground truth and "
                   f"{'were' if n != 1 else 'was'} set aside (not applied): resolve with "
                   "`reviewer conflicts` or in the window's Conflicts panel")
    return out + list(changed)
