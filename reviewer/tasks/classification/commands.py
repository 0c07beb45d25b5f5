"""``SetLabel``: the one correction of a classification project (relabel an image); and
``SetThreshold``: the project's operating threshold (a two-class project), chosen in the window.

Registered with ``reviewer.core.commands``' registry, so ``from_payload`` rebuilds them from the
journal. Labels travel as class *names* (``None`` = no label), which stay right when a classes
file is reordered. SetLabel's target (the unit of conflict between reviewers) is the image's
label: ``targets()`` -> ``('["label","<image>"]',)``.

``SetThreshold`` is not a correction of the labels (``changes_gt`` False: not replayed on
opening, not counted by tag statistics): its redo / undo write the setting to the project file
(``settings.save_operating_threshold``, as ``reviewer cost --set`` does) and re-score every
image, so the journal gives it undo / redo and the change log while ``reviewer.json`` holds the
value every command reads.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

from reviewer.core import conflicts as X
from reviewer.core.commands import Command, _fields, _register
from reviewer.core.targets import target_key

TASK = "classification"


@_register
@dataclass(frozen=True)
class SetLabel(Command):
    """The label of image ``image_id`` before and after (class names, None = no label)."""

    kind: ClassVar[str] = "set_label"
    changes_gt: ClassVar[bool] = True
    task: ClassVar[str] = TASK
    before: str | None = None
    after: str | None = None

    @property
    def label(self) -> str:
        return f"label {_shown(self.before)} -> {_shown(self.after)}"

    def redo(self, doc) -> None:
        doc.set_label(self.image_id, self.after)

    def undo(self, doc) -> None:
        doc.set_label(self.image_id, self.before)

    def conflict(self, doc) -> str | None:
        """Why this relabel no longer fits ``doc``: the image is gone, its label is not
        ``before`` any more, or ``after`` is no longer a class."""
        reason = X.image_missing(doc, self.image_id)
        if reason:
            return reason
        current = doc.label_of(self.image_id)
        if current != self.before:
            return (f"image {self.image_id}: its label is {_shown(current)} now, it was "
                    f"{_shown(self.before)} when corrected")
        return _unknown_class(doc, self.after)

    def rebased(self, doc) -> SetLabel:
        """The same relabel from the image's current label; CommandConflictError when the image
        or the class is gone."""
        reason = X.image_missing(doc, self.image_id) or _unknown_class(doc, self.after)
        if reason:
            raise X.CommandConflictError(reason)
        return replace(self, before=doc.label_of(self.image_id))

    def targets(self) -> tuple[str, ...]:
        return (target_key("label", self.image_id),)

    def change_row(self) -> list:
        old = "" if self.before is None else self.before
        new = "" if self.after is None else self.after
        return ["", f"relabel {old or '(no label)'} -> {new or '(no label)'}", old, new]

    @classmethod
    def from_fields(cls, data):
        return _fields(cls, data)


@_register
@dataclass(frozen=True)
class SetThreshold(Command):
    """The project's operating threshold before and after (``image_id`` None: project-wide)."""

    kind: ClassVar[str] = "set_threshold"
    task: ClassVar[str] = TASK
    before: float = 0.5
    after: float = 0.5

    @property
    def label(self) -> str:
        return f"operating threshold {self.before:.4g} -> {self.after:.4g}"

    def redo(self, doc) -> None:
        doc.set_operating_threshold(self.after)

    def undo(self, doc) -> None:
        doc.set_operating_threshold(self.before)

    def image_ids(self) -> tuple:
        return (None,)

    def targets(self) -> tuple[str, ...]:
        return (target_key("setting", "threshold"),)

    def change_row(self) -> list:
        return ["", "operating threshold", f"{self.before:g}", f"{self.after:g}"]

    @classmethod
    def from_fields(cls, data):
        return _fields(cls, data)


def _unknown_class(doc, name) -> str | None:
    if name is None or doc.class_of(name) is not None:
        return None
    return f"{name!r} is not a class of the project any more"


def _shown(name) -> str:
    return "(no label)" if name is None else repr(name)
