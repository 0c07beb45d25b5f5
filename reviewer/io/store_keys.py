"""Review state belongs to the image, not to a task: one key per photo for every task.

A project may show the same photo in two tasks (detection ids are COCO image ids, segmentation
ids are file stems). The store keeps review state (status, note, tags, object tags) and the
journal's image column under the image's *review key* — its file name
(``reviewer.core.review.review_keys``) — so tagging ``street_007.jpg`` in the detection view is
seen in the segmentation view. A session still speaks its task's image ids: ``KeyedStore`` wraps
the store and translates ``str(image id)`` to the review key on the way in, and back on the way
out (entries of images this task does not have are left out of the ``all_*`` answers).

``adopt_review_keys(store, ids_to_keys)`` moves state recorded by an older Reviewer under image
ids to the review keys, once per task (merging what two tasks recorded for the same photo: the
later status / note wins, tags are united).

Object tags on predictions belong to one model: their key is ``<model>:<ann id>``
(``core.review.object_key``). Stores and journals of an earlier Reviewer hold bare ids: they
are the *legacy model*'s (the task's first model): ``adopt_model_keys`` moves them once the
store is writable, and ``KeyedStore(…, legacy_model=…)`` reads and writes bare prediction keys
as that model's (a read-only opening, an old journal entry undone).
"""

from __future__ import annotations

import json
from dataclasses import replace

from reviewer.core.review import MODEL_SEPARATOR, object_key
from reviewer.io.store_base import ImageReview, JournalEntry, Lease, StoreEvent

_KEYED_IN = frozenset({
    "status", "set_status", "note", "set_note", "image_review", "image_tags", "set_image_tags",
    "add_image_tag", "remove_image_tag", "object_tags", "set_object_tags", "add_object_tag",
    "remove_object_tag", "image_object_tags"})  # object tag methods translate the key too


_OBJECT_METHODS = frozenset({"object_tags", "set_object_tags", "add_object_tag",
                             "remove_object_tag"})


class KeyedStore:
    """A ``ReviewStore`` as one task's session sees it (image ids in, image ids out; bare
    prediction keys as ``legacy_model``'s)."""

    def __init__(self, store, to_key: dict[str, str], legacy_model: str | None = None):
        self.store = store
        self._to_key = dict(to_key)
        self._to_id = {v: k for k, v in self._to_key.items()}
        self.legacy_model = legacy_model

    @property
    def horizon(self) -> int:
        return self.store.horizon

    @horizon.setter
    def horizon(self, value: int) -> None:
        self.store.horizon = value

    def _id(self, review_key):
        return self._to_id.get(review_key, review_key)

    def key(self, image_id) -> str:
        text = str(image_id)
        return self._to_key.get(text, text)

    def image_id_key(self, review_key: str) -> str | None:
        """The session's key (``str(image id)``) of a review key, None when not in this task."""
        return self._to_id.get(review_key)

    def __getattr__(self, name):
        attr = getattr(self.store, name)
        if name in _OBJECT_METHODS:
            def keyed_object(image_key, source, ann_id, *args, **kwargs):
                return attr(self.key(image_key), source, self._ann(source, ann_id), *args,
                            **kwargs)
            return keyed_object
        if name in _KEYED_IN:
            def keyed(image_key, *args, **kwargs):
                return attr(self.key(image_key), *args, **kwargs)
            return keyed
        return attr

    # --- object tags of predictions: model:ann ---------------------------------------------------
    def _ann(self, source: str, ann_id) -> str:
        text = str(ann_id)
        if source == "pred" and self.legacy_model and MODEL_SEPARATOR not in text:
            return object_key(source, text, self.legacy_model)
        return text

    def object_tags(self, image_key, source, ann_id) -> set[str]:
        key, ann = self.key(image_key), self._ann(source, ann_id)
        found = set(self.store.object_tags(key, source, ann))
        bare = self._bare(source, ann)
        if bare is not None and self.store.read_only:  # not moved yet (adopt_model_keys)
            found |= set(self.store.object_tags(key, source, bare))
        return found

    def _bare(self, source: str, ann: str) -> str | None:
        """The bare key an earlier Reviewer kept the legacy model's prediction ``ann`` under."""
        prefix = f"{self.legacy_model}{MODEL_SEPARATOR}"
        if source == "pred" and self.legacy_model and ann.startswith(prefix):
            return ann[len(prefix):]
        return None

    def image_object_tags(self, image_key) -> dict:
        out: dict = {}
        for (source, ann), names in self.store.image_object_tags(self.key(image_key)).items():
            out.setdefault((source, self._ann(source, ann)), set()).update(names)
        return out

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.store.close()

    def image_review(self, image_key) -> ImageReview:
        r = self.store.image_review(self.key(image_key))
        return ImageReview(str(image_key), r.status, r.note, r.tags, r.who, r.at)

    def statuses(self) -> dict:
        return self._back(self.store.statuses())

    def all_image_tags(self) -> dict:
        return self._back(self.store.all_image_tags())

    def all_object_tags(self) -> dict:
        out: dict = {}
        for (key, source, ann), names in self.store.all_object_tags().items():
            mine = self._to_id.get(key)
            if mine is not None:
                out.setdefault((mine, source, self._ann(source, ann)), set()).update(names)
        return out

    def _back(self, by_key: dict) -> dict:
        return {self._to_id[k]: v for k, v in by_key.items() if k in self._to_id}

    def _entry(self, e: JournalEntry) -> JournalEntry:
        return replace(e, image_key=self._id(e.image_key))

    def append_command(self, image_key, kind, payload, targets=()) -> int:
        """Journalled under the review key; so are the images its targets name (a status set
        in one task's view conflicts with one set in the other's)."""
        return self.store.append_command(self.key(image_key), kind, payload,
                                         [self._target(t) for t in targets])

    def _target(self, target: str) -> str:
        parts = json.loads(target)
        if len(parts) > 1:
            parts[1] = self.key(parts[1])
        return json.dumps(parts, separators=(",", ":"))

    def entries(self, seqs) -> dict[int, JournalEntry]:
        return {s: self._entry(e) for s, e in self.store.entries(seqs).items()}

    # --- sharing the work (image ids in, image ids out) ------------------------------------------
    def assign(self, image_keys, who) -> int:
        return self.store.assign([self.key(k) for k in image_keys], who)

    def assignments(self) -> dict[str, str]:
        return self._back(self.store.assignments())

    def take_lease(self, candidates, minutes: float = 20.0) -> Lease | None:
        lease = self.store.take_lease([self.key(k) for k in candidates], minutes)
        return None if lease is None else replace(lease, image_key=self._id(lease.image_key))

    def release_lease(self, image_key=None) -> None:
        self.store.release_lease(None if image_key is None else self.key(image_key))

    def leases(self) -> list[Lease]:
        return [replace(x, image_key=self._id(x.image_key)) for x in self.store.leases()]

    def progress(self, image_keys=None) -> list:
        if image_keys is None:
            return self.store.progress(None)
        if not isinstance(image_keys, list):
            return self.store.progress(frozenset(self.key(k) for k in image_keys))
        cached = getattr(self, "_progress_keys", None)  # the window asks after every command
        if cached is None or cached[0] is not image_keys or cached[1] != len(image_keys):
            cached = (image_keys, len(image_keys), frozenset(self.key(k) for k in image_keys))
            self._progress_keys = cached
        return self.store.progress(cached[2])

    def journal(self, include_discarded: bool = False) -> list[JournalEntry]:
        return [self._entry(e) for e in self.store.journal(include_discarded)]

    def applied_commands(self) -> list[JournalEntry]:
        return [self._entry(e) for e in self.store.applied_commands()]

    def redo_commands(self) -> list[JournalEntry]:
        return [self._entry(e) for e in self.store.redo_commands()]

    def conflicts(self, include_resolved: bool = False) -> list[JournalEntry]:
        return [self._entry(e) for e in self.store.conflicts(include_resolved)]

    def events(self, since: int = 0) -> list[StoreEvent]:
        return [replace(e, image_key=self._id(e.image_key) if e.image_key else None)
                for e in self.store.events(since)]


def adopt_review_keys(store, task: str, ids_to_keys: dict[str, str]) -> int:
    """Move review state an older Reviewer kept under this task's image ids to the review keys
    (once per task; a read-only store is left alone). Returns the images moved."""
    marker = f"review_keys:{task}"
    if store.read_only or store.meta_value(marker):
        return 0
    moves = {old: new for old, new in ids_to_keys.items() if old != new}
    with store.transaction():
        moved = store.rekey_images(moves) if moves else 0
        store.set_meta_value(marker, "file_name")
    return moved


def adopt_model_keys(store, legacy_model: str | None) -> int:
    """Give the prediction object tags an earlier Reviewer kept under bare ids to
    ``legacy_model`` (the task's first model); a read-only store is left alone (``KeyedStore``
    reads them as that model's). Returns the rows moved."""
    if legacy_model is None or store.read_only:
        return 0
    if not any(src == "pred" and MODEL_SEPARATOR not in str(ann)
               for (_, src, ann) in store.all_object_tags()):
        return 0
    return store.rename_prediction_keys(None, legacy_model)
