"""Review state as the document's commands see it (image tags, object tags, status, note).

``ReviewStore`` (reviewer.io) implements these methods and persists each change; ``NullReview``
keeps them in memory for tests and for sessions without a store.
"""

from __future__ import annotations

STATUSES = ("unreviewed", "reviewed", "needs-second-look", "skipped")
MODEL_SEPARATOR = ":"


def object_key(source: str, ann_id, model: str | None = None) -> str:
    """The key an object's tags are kept under: a GT object's id; a prediction's id with its
    model's name in front (``"retrained:12"``: object tags on predictions belong to that
    model's objects). A prediction without a model (an earlier Reviewer's) keeps its bare id."""
    if source == "pred" and model:
        return f"{model}{MODEL_SEPARATOR}{ann_id}"
    return str(ann_id)


def own_object_tags(object_tags: dict, model: str | None) -> dict:
    """``{(image_key, source, ann_key): names}`` cut to the GT objects' and model ``model``'s
    predictions' tags (other models' predictions are other objects)."""
    prefix = f"{model}{MODEL_SEPARATOR}"
    return {k: v for k, v in object_tags.items()
            if k[1] != "pred" or model is None or str(k[2]).startswith(prefix)}


class NullReview:
    """In-memory review state with the store's method names."""

    def __init__(self):
        self._tags: dict[str, set[str]] = {}
        self._object_tags: dict[tuple[str, str, str], set[str]] = {}
        self._status: dict[str, str] = {}
        self._notes: dict[str, str] = {}

    def set_image_tags(self, image_key, names) -> None:
        self._tags[str(image_key)] = set(names)

    def image_tags(self, image_key) -> set[str]:
        return set(self._tags.get(str(image_key), ()))

    def all_image_tags(self) -> dict[str, set[str]]:
        return {k: set(v) for k, v in self._tags.items() if v}

    def set_object_tags(self, image_key, source, ann_id, names) -> None:
        self._object_tags[(str(image_key), source, str(ann_id))] = set(names)

    def object_tags(self, image_key, source, ann_id) -> set[str]:
        return set(self._object_tags.get((str(image_key), source, str(ann_id)), ()))

    def set_status(self, image_key, status) -> None:
        value = getattr(status, "value", status)
        if value not in STATUSES:
            raise ValueError(f"unknown review status {value!r}")
        self._status[str(image_key)] = value

    def status(self, image_key) -> str:
        return self._status.get(str(image_key), "unreviewed")

    def statuses(self) -> dict[str, str]:
        return dict(self._status)

    def set_note(self, image_key, note: str) -> None:
        self._notes[str(image_key)] = note

    def note(self, image_key) -> str:
        return self._notes.get(str(image_key), "")


def review_keys(image_ids, file_names) -> list[str]:
    """The key under which each image's review state is kept: its file name (POSIX, without a
    leading ``./``), the same for every task of a project that shows the same photo. Two images
    of one task sharing a file name keep apart: each gets ``name#id``."""
    names = [str(n).replace("\\", "/").removeprefix("./") for n in file_names]
    seen: dict[str, int] = {}
    for n in names:
        seen[n] = seen.get(n, 0) + 1
    return [n if seen[n] == 1 and n else f"{n}#{i}" for n, i in
            zip(names, (v.item() if hasattr(v, "item") else v for v in image_ids), strict=True)]
