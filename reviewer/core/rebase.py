""""Keep yours": a refused command rebuilt on top of the change that made it conflict.

When another reviewer changed what a command targets, the store refuses it (never applied over
their change). If the reviewer, told who changed it and when, chooses to keep their version,
``rebase(cmd, doc)`` rebuilds the command against the document *as it is now* (after catching up
with the other change): its ``before`` values become the current ones, its ``after`` values stay,
so executing it makes the targets look as the reviewer wanted, and its undo restores the other
reviewer's version. Returns None when that no longer makes sense (the object was deleted).
Ground-truth commands rebase themselves (``Command.rebased``, the same rule that re-applies a
correction set aside after the GT file changed); review-state commands read the store here.
"""

from __future__ import annotations

from dataclasses import replace

from . import commands as C
from .conflicts import CommandConflictError


def rebase(cmd: C.Command, doc) -> C.Command | None:
    """``cmd`` with its before-values read from ``doc`` (and ``doc.review``) now."""
    if isinstance(cmd, C.Macro):
        children = tuple(c for c in (rebase(child, doc) for child in cmd.children) if c)
        return replace(cmd, children=children) if children else None
    if cmd.changes_gt:
        try:
            return cmd.rebased(doc)
        except CommandConflictError:
            return None
    return replace(cmd, before=_review_now(cmd, doc.review))


def _review_now(cmd, review):
    key = str(cmd.image_id)
    if isinstance(cmd, C.SetStatus):
        status = review.status(key)
        return getattr(status, "value", status)
    if isinstance(cmd, C.EditNote):
        return review.note(key)
    if isinstance(cmd, C.SetImageTags):
        return tuple(sorted(review.image_tags(key)))
    if isinstance(cmd, C.SetObjectTags):
        return tuple(sorted(review.object_tags(key, cmd.source, cmd.object_key)))
    raise TypeError(f"cannot rebase a {cmd.kind} command")
