"""``SetMetadata``: set one metadata column of some images, as one undoable history entry.

A split made by ``reviewer splits --make`` (every image's ``split`` at once), an image moved to
the other partition in the window, ``reviewer metadata P set`` — each is one ``SetMetadata``:

- ``column``: the metadata column (``split``);
- ``after``: ``((value, (key, …)), …)`` — the images (review keys: file names, the same in every
  task of a project) grouped by their new value (JSON: text, a number, an ISO date; None = set to
  missing), so a split of 100,000 images journals each key once;
- ``before``: the same grouping of the values these images had *set in the review* before;
  an image of ``after`` found in no ``before`` group had none (its imported value showed) and
  undo drops its value again.

The document's ``review`` (the store) provides ``set_metadata(column, values, remove)``. Every
command on a column has the target ``("meta", "*", column)``: two reviewers changing one column
at once conflict, as two edits of one object do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from .commands import Command, _register


def group_values(values: dict) -> tuple:
    """{key: value} -> ((value, (key, ...)), ...) in first-seen order of the values."""
    groups: dict = {}
    for key, value in values.items():
        groups.setdefault(_hashable(value), (value, []))[1].append(str(key))
    return tuple((value, tuple(keys)) for value, keys in groups.values())


def _hashable(value):
    return (type(value).__name__, value) if not isinstance(value, list | dict) else repr(value)


def ungroup(groups) -> dict:
    """((value, (key, ...)), ...) -> {key: value}."""
    return {str(k): value for value, keys in groups for k in keys}


@_register
@dataclass(frozen=True)
class SetMetadata(Command):
    kind: ClassVar[str] = "set_metadata"
    column: str = ""
    after: tuple = ()
    before: tuple = ()
    text: str = ""

    @classmethod
    def make(cls, column: str, new: dict, old_edits: dict, text: str = "",
             image_id=None) -> SetMetadata:
        """new: {key: value} to set; old_edits: the column's values set in the review now
        ({key: value}, any keys: only those of ``new`` are kept)."""
        before = {k: old_edits[k] for k in new if k in old_edits}
        return cls(image_id=image_id, column=str(column), after=group_values(new),
                   before=group_values(before), text=text)

    @property
    def label(self) -> str:
        if self.text:
            return self.text
        n = self.count
        values = ", ".join(str(v) for v, _ in self.after[:3])
        return f"set {self.column} = {values} on {n} image{'s' if n != 1 else ''}"

    @property
    def count(self) -> int:
        return sum(len(keys) for _, keys in self.after)

    def redo(self, doc) -> None:
        doc.review.set_metadata(self.column, ungroup(self.after))

    def undo(self, doc) -> None:
        old = ungroup(self.before)
        gone = [k for k in ungroup(self.after) if k not in old]
        doc.review.set_metadata(self.column, old, remove=gone)

    def targets(self) -> tuple[str, ...]:
        from .targets import target_key  # targets imports the commands
        return (target_key("meta", "*", self.column),)

    def change_row(self) -> list:
        values = "; ".join(f"{v} ({len(keys)})" for v, keys in self.after)
        return [f"metadata {self.column}", self.label, "", values]

    @classmethod
    def from_fields(cls, data):
        def groups(raw):
            return tuple((v, tuple(keys)) for v, keys in raw or ())
        return cls(image_id=data.get("image_id"), column=data.get("column", ""),
                   after=groups(data.get("after")), before=groups(data.get("before")),
                   text=data.get("text", ""))
