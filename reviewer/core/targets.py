"""What a command changes: its *targets*, the unit of conflict between reviewers.

Several reviewers may write to one review store at once. The store refuses a command whose
target someone else changed since this session last caught up, and an undo or redo whose target
someone changed since (store_base.StoreConflictError). A target names one thing that two people
cannot both change without one overwriting the other:

- ``("gt", image, ann)``: one ground-truth object (move, relabel, reshape, delete, accept);
- ``("mask", image)``: a semantic label mask (any paint on the image);
- ``("status", image)``, ``("note", image)``, ``("tags", image)``: review state of an image;
- ``("otags", image, source, ann)``: the tags of one object (a prediction's ``ann`` names its
  model: ``"retrained:12"``, ``core.review.object_key``);
- ``("label", image)``: an image's class label (classification);
- ``("setting", name)``: a project setting (a classification project's operating threshold).

Targets travel as short JSON strings (``target_key``) so a store can index them; image keys and
annotation ids are ``str`` as everywhere in the store.
"""

from __future__ import annotations

import json

from . import commands as C

_KINDS = {"gt": "object {2} of image {1}", "mask": "the label mask of image {1}",
          "status": "the review status of image {1}", "note": "the note of image {1}",
          "tags": "the tags of image {1}", "otags": "the tags of {2} object {3} of image {1}",
          "label": "the label of image {1}", "meta": "the metadata column {2}",
          "setting": "the project's {1}"}


def target_key(*parts) -> str:
    """``("gt", 7, 12)`` -> ``'["gt","7","12"]'`` (every part as str)."""
    return json.dumps([str(p) for p in parts], separators=(",", ":"))


def describe_target(key: str) -> str:
    """A target key in words: ``'["gt","7","12"]'`` -> ``"object 12 of image 7"``."""
    try:
        parts = json.loads(key)
        return _KINDS[parts[0]].format(*parts)
    except (ValueError, KeyError, IndexError, TypeError):
        return key


def command_targets(cmd: C.Command) -> tuple[str, ...]:
    """The target keys ``cmd`` changes, sorted and without repeats (a macro: its children's)."""
    return tuple(sorted(set(_targets(cmd))))


def _targets(cmd: C.Command) -> list[str]:
    if isinstance(cmd, C.Macro):
        return [t for child in cmd.children for t in _targets(child)]
    own = cmd.targets()
    if own is not None:
        return list(own)
    image = cmd.image_id
    if isinstance(cmd, C.AddObject | C.DeleteObject):
        return [target_key("gt", image, cmd.obj.get("id"))]
    if isinstance(cmd, C.AcceptPrediction):
        out = [target_key("gt", image, cmd.obj.get("id"))]
        if cmd.replaced is not None:
            out.append(target_key("gt", image, cmd.replaced.get("id")))
        return out
    if isinstance(cmd, C.Relabel | C.MoveBox | C.ReplaceShape):
        return [target_key("gt", image, cmd.ann_id)]
    if isinstance(cmd, C.PaintMask):
        return [target_key("mask", image)]
    if isinstance(cmd, C.SetObjectTags):
        return [target_key("otags", image, cmd.source, cmd.object_key)]
    simple = {C.SetImageTags: "tags", C.SetStatus: "status", C.EditNote: "note"}
    kind = simple.get(type(cmd))
    if kind is None:
        raise TypeError(f"no targets known for command kind {cmd.kind!r}")
    return [target_key(kind, image)]
