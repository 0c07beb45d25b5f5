"""A review session: project + loaded task + document + review store + history, wired together.

The CLI's review commands and the GUI open one with ``open_session``. The store is the document's
review sink and the history's journal, so every action is committed when it is made, and the
corrections journalled in earlier sessions are replayed on open. On a shared store, the replay and
the session's horizon come from one snapshot, and new objects get ids no other writer gets
(io/team.py keeps the session up to date with the other writers).
"""

from __future__ import annotations

from dataclasses import dataclass

from reviewer.core.history import History
from reviewer.io.project import Project, load_project
from reviewer.io.store import ReviewStore, open_review_store
from reviewer.io.workspace import Progress, TaskData, make_document, open_task


@dataclass
class Session:
    project: Project
    data: TaskData
    document: object
    store: ReviewStore
    history: History

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def image_id(self, text: str):
        """A user's image reference -> the image id.

        Accepts the id, the file name (with or without its folder), or the file name without its
        extension when exactly one image has that stem.
        """
        ids = self.data.table["image_id"]
        names = [str(n) for n in self.data.table["file_name"].tolist()]
        for i, (img, name) in enumerate(zip(ids.tolist(), names, strict=True)):
            if text in (str(img), name) or name.rsplit("/", 1)[-1] == text:
                return ids[i]
        stems = [i for i, n in enumerate(names) if n.rsplit("/", 1)[-1].rsplit(".", 1)[0] == text]
        if len(stems) == 1:
            return ids[stems[0]]
        raise KeyError(f"no image {text!r} in the project (give an image id or file name)")


def open_session(project, task: str | None = None, progress: Progress | None = None,
                 read_only: bool = False, user: str | None = None) -> Session:
    """Open ``project`` (folder, file or Project) for review as ``user`` (default: the login
    name or $REVIEWER_USER)."""
    if not isinstance(project, Project):
        project = load_project(project)
    store = open_review_store(project, read_only=read_only, user=user)
    try:
        data = open_task(project, task, progress)
        doc = make_document(data)
        doc.review = store
        history = History(doc, store)
        with store.snapshot():
            history.restore()
            store.horizon = store.last_event_id()
        if hasattr(doc, "id_source") and not store.read_only:
            doc.id_source = store.allocate_id
    except BaseException:
        store.close()
        raise
    return Session(project, data, doc, store, history)
