"""The change log of a review (``changes.csv``): one row per change, who made it and when.

Built from the store's ``events()`` (every change with who / when) and ``journal()`` (the payload
of each journalled command). Review state (status, note, tags) comes from its own events; GT
corrections from the ``command`` events, described in words ("relabel car -> truck",
"move box [..] -> [..]", "paint 1234 px as road"). An undo or redo is a row too, describing the
command it reverted or re-applied (old and new swapped for an undo). Seeding the tag vocabulary
is not a change and is left out. A correction set aside because it no longer fitted a changed GT
file gets a row "set aside: …" with the reason, and one more when it was re-applied or dropped.
"""

from __future__ import annotations

import numpy as np

from reviewer.core import commands as C

HEADER = ["when", "who", "image", "object", "change", "old", "new"]
_TAG_EVENTS = {"image_tag_added": "add image tag", "image_tag_removed": "remove image tag",
               "object_tag_added": "add object tag", "object_tag_removed": "remove object tag"}
_VOCAB_EVENTS = {"tag_renamed": "rename tag", "tag_merged": "merge tags",
                 "tag_removed": "remove tag"}


def _box(b) -> str:
    return "[" + ", ".join(f"{float(v):g}" for v in b) + "]"


class _Describer:
    """GT commands -> rows ``[image, object, change, old, new]``."""

    def __init__(self, class_names: dict):
        self.names = class_names  # category id (detection) or class index (semantic) -> name

    def name(self, key) -> str:
        return str(self.names.get(key, key))

    def obj(self, o: dict | None) -> str:
        if not o:
            return ""
        return f"{self.name(o.get('category_id'))} {_box(o.get('bbox', []))}"

    def rows(self, cmd: C.Command) -> list[list]:
        if isinstance(cmd, C.Macro):
            return [r for c in cmd.children for r in self.rows(c)]
        method = getattr(self, f"_{cmd.kind}", None)
        if method is None:
            own = cmd.change_row()  # a task's own command describes itself
            image = "" if cmd.image_id is None else str(cmd.image_id)
            return [] if own is None else [[image, *own]]
        return [[str(cmd.image_id), *method(cmd)]]

    def _relabel(self, c):
        old, new = self.name(c.before.get("category_id")), self.name(c.after.get("category_id"))
        return [c.ann_id, f"relabel {old} -> {new}", old, new]

    def _move_box(self, c):
        old, new = _box(c.before.get("bbox", [])), _box(c.after.get("bbox", []))
        return [c.ann_id, f"move box {old} -> {new}", old, new]

    def _replace_shape(self, c):
        old, new = _box(c.before.get("bbox", [])), _box(c.after.get("bbox", []))
        return [c.ann_id, "reshape object", old, new]

    def _delete_object(self, c):
        return [c.obj.get("id"), "delete object", self.obj(c.obj), ""]

    def _add_object(self, c):
        return [c.obj.get("id"), "add object", "", self.obj(c.obj)]

    def _accept_prediction(self, c):
        text = f"accept prediction {c.pred_id}"
        if c.replaced is not None:
            text += f" (replaces object {c.replaced.get('id')})"
        return [c.obj.get("id"), text, self.obj(c.replaced), self.obj(c.obj)]

    def _paint_mask(self, c):
        before, after = C.decode_patch(c.before), C.decode_patch(c.after)
        changed = before != after
        values, counts = np.unique(after[changed], return_counts=True)
        old_v = np.unique(before[changed])
        parts = [f"{self.name(int(v))}" for v in values]
        n = int(changed.sum())
        h, w = after.shape
        what = (f"paint {n} px as {parts[0]}" if len(parts) == 1
                else f"paint {n} px (" + ", ".join(
                    f"{p} {int(k)}" for p, k in zip(parts, counts, strict=True)) + ")")
        region = f"at x={c.x}, y={c.y}, {w}x{h}"
        return ["", f"{what} {region}", ", ".join(self.name(int(v)) for v in old_v),
                ", ".join(parts)]


def _swap(row: list) -> list:
    image, obj, change, old, new = row
    return [image, obj, change, new, old]


def change_rows(store, class_names: dict, image_keys: set | None = None) -> list[list]:
    """Rows (see ``HEADER``) of every change in ``store``, oldest first.

    class_names: category id (detection) or class index (semantic) -> name.
    image_keys: keep only rows of these images (str keys) and project-wide rows; None = all.
    """
    describe = _Describer(class_names)
    commands = {e.seq: C.from_payload(e.payload) for e in store.journal(include_discarded=True)}
    status: dict = {}
    note: dict = {}
    rows = []
    for ev in store.events():
        for row in _event_rows(ev, commands, describe, status, note):
            if image_keys is None or row[0] in ("", None) or row[0] in image_keys:
                rows.append([ev.at, ev.who, *row])
    return rows


def _event_rows(ev, commands: dict, describe: _Describer, status: dict, note: dict) -> list:
    key = ev.image_key
    if ev.kind == "status":
        old = status.get(key, "unreviewed")
        status[key] = ev.value
        return [[key, "", "set status", old, ev.value]]
    if ev.kind == "note":
        old = note.get(key, "")
        note[key] = ev.value or ""
        return [[key, "", "edit note", old, ev.value or ""]]
    if ev.kind in _TAG_EVENTS:
        added = ev.kind.endswith("added")
        obj = (ev.subject or "").replace(":", " ") if ev.kind.startswith("object") else ""
        return [[key, obj, _TAG_EVENTS[ev.kind], "" if added else ev.value,
                 ev.value if added else ""]]
    if ev.kind in _VOCAB_EVENTS:
        return [["", "", _VOCAB_EVENTS[ev.kind], ev.subject or "", ev.value or ""]]
    if ev.kind == "assigned":
        old = status.get(("assigned", key), "")
        status[("assigned", key)] = ev.value or ""
        return [[key, "", "assign", old, ev.value or ""]]
    return _history_rows(ev, commands, describe)


def _history_rows(ev, commands: dict, describe: _Describer) -> list:
    try:
        if ev.kind == "command":
            return describe.rows(commands[int(ev.subject)])
        if ev.kind == "undo":
            cmd = commands[int(ev.subject)]
            return [[r[0], r[1], f"undo: {r[2]}", *_swap(r)[3:]] for r in describe.rows(cmd)]
        if ev.kind == "redo":
            cmd = commands[int(ev.value)]
            return [[r[0], r[1], f"redo: {r[2]}", r[3], r[4]] for r in describe.rows(cmd)]
        if ev.kind == "conflict":
            cmd = commands[int(ev.subject)]
            return [[r[0], r[1], f"set aside: {r[2]} ({ev.value})", r[3], r[4]]
                    for r in describe.rows(cmd)]
        if ev.kind == "conflict_resolved":
            cmd = commands[int(ev.subject)]
            return [[r[0], r[1], f"{ev.value}: {r[2]}", r[3], r[4]] for r in describe.rows(cmd)]
    except (KeyError, ValueError, TypeError):
        return []
    return []
