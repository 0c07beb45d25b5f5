"""Corrections and review actions as commands: frozen, before/after values, stable ids.

Every change a reviewer makes is one of these. ``redo(doc)`` applies it, ``undo(doc)`` reverts it;
``to_payload()`` / ``from_payload()`` give the JSON journalled by the review store, so the history
survives a restart. Commands name images by their original id and GT objects by annotation id,
never by list position.

A GT object travels as a COCO annotation dict: ``{"id", "category_id", "bbox": [x, y, w, h],
"area", "iscrowd", "segmentation"?}`` plus any extra fields (``accepted_from_prediction`` marks an
accepted prediction). Mask patches of semantic edits travel as ``encode_patch`` dicts.

The document a command acts on provides:
``add_gt(image_id, obj)``, ``remove_gt(image_id, ann_id) -> obj``,
``update_gt(image_id, ann_id, fields)``, ``paint(image_id, y, x, patch)`` (semantic) and
``review`` with ``set_image_tags(image_id, names)``, ``set_object_tags(image_id, source, ann_id,
names)``, ``set_status(image_id, status)``, ``set_note(image_id, text)``.
"""

from __future__ import annotations

import base64
import zlib
from dataclasses import dataclass, field, fields, replace
from typing import ClassVar

import numpy as np

from . import conflicts as X
from .review import object_key

_REGISTRY: dict[str, type] = {}


def _register(cls):
    _REGISTRY[cls.kind] = cls
    return cls


@dataclass(frozen=True)
class Command:
    """Base class. ``image_id``: the image the command changes (None for a project-wide macro)."""

    kind: ClassVar[str] = "command"
    changes_gt: ClassVar[bool] = False
    image_id: object

    @property
    def label(self) -> str:
        return self.kind.replace("_", " ")

    def redo(self, doc) -> None:
        raise NotImplementedError

    def undo(self, doc) -> None:
        raise NotImplementedError

    def image_ids(self) -> tuple:
        return (self.image_id,)

    def conflict(self, doc) -> str | None:
        """Why this command cannot be redone on ``doc`` as it stands (its target no longer holds
        what it held when the command was made), or None. Review state never conflicts."""
        return None

    def rebased(self, doc) -> Command:
        """The same change aimed at ``doc`` as it stands now, for a reviewer who re-applies a
        conflicting correction; CommandConflictError when its target is gone."""
        return self

    def change_row(self) -> list | None:
        """``[object, change, old, new]`` for the change log, or None for the built-in commands
        (``reviewer.io.export_changes`` describes them). A task's own command says."""
        return None

    def targets(self) -> tuple[str, ...] | None:
        """The target keys this command changes (``reviewer.core.targets``), or None for the
        built-in commands, whose targets that module knows. A task's own command says."""
        return None

    def to_payload(self) -> dict:
        out = {"kind": self.kind}
        for f in fields(self):
            out[f.name] = _jsonable(getattr(self, f.name))
        return out


def _jsonable(value):
    if isinstance(value, Command):
        return value.to_payload()
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if isinstance(value, frozenset | set):
        return sorted(value)
    if isinstance(value, np.generic):
        return value.item()
    return value


def from_payload(payload: dict) -> Command:
    """Rebuild a command from its journal payload (inverse of ``to_payload``)."""
    cls = _REGISTRY.get(payload.get("kind"))
    if cls is None:
        raise ValueError(f"unknown command kind {payload.get('kind')!r}")
    return cls.from_fields({k: v for k, v in payload.items() if k != "kind"})


def _fields(cls, data):
    return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})


# --- ground truth objects --------------------------------------------------------------------

@_register
@dataclass(frozen=True)
class AddObject(Command):
    """A new GT object (drawn box / polygon). ``obj`` carries its fresh id."""

    kind: ClassVar[str] = "add_object"
    changes_gt: ClassVar[bool] = True
    obj: dict = field(default_factory=dict)

    def redo(self, doc):
        doc.add_gt(self.image_id, dict(self.obj))

    def undo(self, doc):
        doc.remove_gt(self.image_id, self.obj["id"])

    def conflict(self, doc):
        return (X.image_missing(doc, self.image_id) or X.id_taken(doc, self.obj["id"])
                or X.unusable_shape(doc, self.image_id, self.obj))

    def rebased(self, doc):
        return replace(self, obj=_fresh_id(doc, self.image_id, self.obj))

    @classmethod
    def from_fields(cls, data):
        return _fields(cls, data)


def _fresh_id(doc, image_id, obj: dict) -> dict:
    """``obj`` with a new id when the GT took its id meanwhile (re-applying an addition)."""
    reason = X.image_missing(doc, image_id)
    if reason:
        raise X.CommandConflictError(reason)
    return obj if X.id_taken(doc, obj["id"]) is None else {**obj, "id": doc.new_ann_id()}


_OBJECT_KEYS = ("category_id", "bbox", "iscrowd", "segmentation")  # what identifies an object


@_register
@dataclass(frozen=True)
class DeleteObject(Command):
    """Remove a GT object; ``obj`` is the object as it was (to restore on undo)."""

    kind: ClassVar[str] = "delete_object"
    changes_gt: ClassVar[bool] = True
    obj: dict = field(default_factory=dict)

    def redo(self, doc):
        doc.remove_gt(self.image_id, self.obj["id"])

    def undo(self, doc):
        doc.add_gt(self.image_id, dict(self.obj))

    def conflict(self, doc):
        return X.image_missing(doc, self.image_id) or X.object_differs(
            doc, self.image_id, self.obj["id"], self.obj, _OBJECT_KEYS)

    def rebased(self, doc):
        return replace(self, obj=X.current_object(doc, self.image_id, self.obj["id"]))

    @classmethod
    def from_fields(cls, data):
        return _fields(cls, data)


@dataclass(frozen=True)
class _EditObject(Command):
    changes_gt: ClassVar[bool] = True
    ann_id: int = 0
    before: dict = field(default_factory=dict)
    after: dict = field(default_factory=dict)

    def redo(self, doc):
        doc.update_gt(self.image_id, self.ann_id, dict(self.after))

    def undo(self, doc):
        doc.update_gt(self.image_id, self.ann_id, dict(self.before))

    def conflict(self, doc):
        return X.image_missing(doc, self.image_id) or X.object_differs(
            doc, self.image_id, self.ann_id, self.before, self.before.keys()) or \
            X.unusable_shape(doc, self.image_id, {"id": self.ann_id, **self.after})

    def rebased(self, doc):
        current = X.current_object(doc, self.image_id, self.ann_id)
        return replace(self, before={k: current.get(k) for k in self.before})

    @classmethod
    def from_fields(cls, data):
        return _fields(cls, data)


@_register
@dataclass(frozen=True)
class Relabel(_EditObject):
    """Change the class: before/after ``{"category_id": c}``."""

    kind: ClassVar[str] = "relabel"


@_register
@dataclass(frozen=True)
class MoveBox(_EditObject):
    """Move or resize a box: before/after ``{"bbox": [...], "area": a}``."""

    kind: ClassVar[str] = "move_box"


@_register
@dataclass(frozen=True)
class ReplaceShape(_EditObject):
    """Replace a polygon / instance mask: before/after ``segmentation``, ``bbox`` and ``area``."""

    kind: ClassVar[str] = "replace_shape"


@_register
@dataclass(frozen=True)
class AcceptPrediction(Command):
    """Copy a prediction into GT (box, mask, class), optionally replacing the GT it overlaps.

    obj: the new GT object (with ``accepted_from_prediction``); replaced: the GT object removed, or
    None to keep every existing object.
    """

    kind: ClassVar[str] = "accept_prediction"
    changes_gt: ClassVar[bool] = True
    pred_id: int = 0
    obj: dict = field(default_factory=dict)
    replaced: dict | None = None

    def redo(self, doc):
        if self.replaced is not None:
            doc.remove_gt(self.image_id, self.replaced["id"])
        doc.add_gt(self.image_id, dict(self.obj))

    def undo(self, doc):
        doc.remove_gt(self.image_id, self.obj["id"])
        if self.replaced is not None:
            doc.add_gt(self.image_id, dict(self.replaced))

    def conflict(self, doc):
        reason = X.image_missing(doc, self.image_id)
        if reason is None and self.replaced is not None:
            reason = X.object_differs(doc, self.image_id, self.replaced["id"], self.replaced,
                                      _OBJECT_KEYS)
        return (reason or X.id_taken(doc, self.obj["id"])
                or X.unusable_shape(doc, self.image_id, self.obj))

    def rebased(self, doc):
        replaced = None
        if self.replaced is not None:
            current = doc.find_gt(self.replaced["id"])
            if current is not None and current.get("image_id") == self.image_id:
                replaced = current
        return replace(self, obj=_fresh_id(doc, self.image_id, self.obj), replaced=replaced)

    @classmethod
    def from_fields(cls, data):
        return _fields(cls, data)


# --- semantic masks --------------------------------------------------------------------------

def encode_patch(array: np.ndarray) -> dict:
    """(h, w) integer array -> JSON-ready dict (zlib + base64, dtype and shape kept)."""
    a = np.ascontiguousarray(array)
    return {"dtype": a.dtype.str, "shape": list(a.shape),
            "data": base64.b64encode(zlib.compress(a.tobytes(), 6)).decode("ascii")}


def decode_patch(patch: dict) -> np.ndarray:
    """Inverse of ``encode_patch``."""
    raw = zlib.decompress(base64.b64decode(patch["data"]))
    return np.frombuffer(raw, dtype=np.dtype(patch["dtype"])).reshape(patch["shape"]).copy()


@_register
@dataclass(frozen=True)
class PaintMask(Command):
    """Paint / erase / fill a region of a semantic GT mask: the patch at (y, x) before and after."""

    kind: ClassVar[str] = "paint_mask"
    changes_gt: ClassVar[bool] = True
    y: int = 0
    x: int = 0
    before: dict = field(default_factory=dict)
    after: dict = field(default_factory=dict)

    def redo(self, doc):
        doc.paint(self.image_id, self.y, self.x, decode_patch(self.after))

    def undo(self, doc):
        doc.paint(self.image_id, self.y, self.x, decode_patch(self.before))

    def conflict(self, doc):
        return X.image_missing(doc, self.image_id) or X.patch_differs(
            doc, self.image_id, self.y, self.x, decode_patch(self.before))

    def rebased(self, doc):
        h, w = self.before["shape"]
        current = doc.gt_patch(self.image_id, self.y, self.x, h, w)
        if current is None:
            raise X.CommandConflictError(X.image_missing(doc, self.image_id) or
                                         f"image {self.image_id}: the GT mask no longer covers "
                                         "the painted region")
        return replace(self, before=encode_patch(current))

    @classmethod
    def from_fields(cls, data):
        return _fields(cls, data)


# --- review state ----------------------------------------------------------------------------

@dataclass(frozen=True)
class _ReviewChange(Command):
    before: object = None
    after: object = None

    @classmethod
    def from_fields(cls, data):
        fixed = dict(data)
        for key in ("before", "after"):
            if isinstance(fixed.get(key), list):
                fixed[key] = tuple(fixed[key])
        return _fields(cls, fixed)


@_register
@dataclass(frozen=True)
class SetImageTags(_ReviewChange):
    """Image tags before/after (tuples of names)."""

    kind: ClassVar[str] = "set_image_tags"

    def redo(self, doc):
        doc.review.set_image_tags(self.image_id, self.after)

    def undo(self, doc):
        doc.review.set_image_tags(self.image_id, self.before)


@_register
@dataclass(frozen=True)
class SetObjectTags(_ReviewChange):
    """Tags of one object (``source`` "gt" or "pred", ``ann_id``) before/after; ``model``: the
    model whose prediction it is (None for GT objects, and in journals of an earlier Reviewer,
    whose prediction tags the store reads as its first model's)."""

    kind: ClassVar[str] = "set_object_tags"
    source: str = "gt"
    ann_id: int = 0
    model: str | None = None

    @property
    def object_key(self) -> str:
        return object_key(self.source, self.ann_id, self.model)

    def to_payload(self) -> dict:
        out = super().to_payload()
        if out.get("model") is None:
            out.pop("model", None)  # GT objects (and the journal an earlier Reviewer reads)
        return out

    def redo(self, doc):
        doc.review.set_object_tags(self.image_id, self.source, self.object_key, self.after)

    def undo(self, doc):
        doc.review.set_object_tags(self.image_id, self.source, self.object_key, self.before)


@_register
@dataclass(frozen=True)
class SetStatus(_ReviewChange):
    """Review status before/after (``unreviewed``, ``reviewed``, ``needs-second-look``, ``skipped``)."""

    kind: ClassVar[str] = "set_status"

    def redo(self, doc):
        doc.review.set_status(self.image_id, self.after)

    def undo(self, doc):
        doc.review.set_status(self.image_id, self.before)


@_register
@dataclass(frozen=True)
class EditNote(_ReviewChange):
    """The image's note before/after."""

    kind: ClassVar[str] = "edit_note"

    def redo(self, doc):
        doc.review.set_note(self.image_id, self.after)

    def undo(self, doc):
        doc.review.set_note(self.image_id, self.before)


# --- macros ----------------------------------------------------------------------------------

@_register
@dataclass(frozen=True)
class Macro(Command):
    """Several commands as one history entry (one gesture, "accept all of class X")."""

    kind: ClassVar[str] = "macro"
    text: str = ""
    children: tuple = ()

    @property
    def label(self) -> str:
        return self.text or "macro"

    @property
    def changes_gt(self) -> bool:  # type: ignore[override]
        return any(c.changes_gt for c in self.children)

    def redo(self, doc):
        for c in self.children:
            c.redo(doc)

    def undo(self, doc):
        for c in reversed(self.children):
            c.undo(doc)

    def conflict(self, doc):
        """The first child's conflict, each child checked after the ones before it were redone
        (the document is left as it was)."""
        done = []
        try:
            for c in self.children:
                reason = c.conflict(doc)
                if reason:
                    return reason
                c.redo(doc)
                done.append(c)
            return None
        finally:
            for c in reversed(done):
                c.undo(doc)

    def rebased(self, doc):
        out, applied = [], []
        try:
            for c in self.children:
                r = c.rebased(doc)
                out.append(r)
                r.redo(doc)
                applied.append(r)
        finally:
            for r in reversed(applied):
                r.undo(doc)
        return replace(self, children=tuple(out))

    def image_ids(self) -> tuple:
        seen = []
        for c in self.children:
            seen += [i for i in c.image_ids() if i not in seen]
        return tuple(seen)

    @classmethod
    def from_fields(cls, data):
        return cls(image_id=data.get("image_id"), text=data.get("text", ""),
                   children=tuple(from_payload(c) for c in data.get("children", [])))
