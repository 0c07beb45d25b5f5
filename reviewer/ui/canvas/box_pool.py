"""BoxPool: the box and label items of a scene, reused from one frame to the next.

Showing another image reassigns the existing items to the new objects (a rectangle, a position
and a label chip change) instead of deleting and creating a hundred items with their label
chips; items left over stay hidden as spares. Items stack by their z value (the object's place
among the frame's objects of its source), so the order they were created in never matters and
a reused item draws exactly where a fresh one would.
"""

from __future__ import annotations

from operator import attrgetter

from reviewer.core.view_state import SOURCES, CanvasObject

from .items import BoxItem, LabelItem

MAX_SPARES = 512  # hidden items kept per source for the next frames


class BoxPool:
    """``boxes``: (source, ann_id) -> BoxItem of the objects shown (each with its ``label``)."""

    def __init__(self, scene, box_layers: dict, label_layers: dict):
        self.scene = scene
        self.box_layers, self.label_layers = box_layers, label_layers
        self.boxes: dict[tuple[str, int], BoxItem] = {}
        self._spares: dict[str, list[BoxItem]] = {s: [] for s in SOURCES}

    def show_all(self, objects) -> None:
        """Items for a new frame's objects (every item restyled by the caller)."""
        free = self._spares
        for item in self.boxes.values():
            free[item.obj.source].append(item)
        self.boxes, z = {}, dict.fromkeys(SOURCES, 0)
        for obj in objects:
            spare = free[obj.source]
            item = spare.pop() if spare else self._new_item(obj)
            self._place(item, obj, z[obj.source])
            z[obj.source] += 1
            self.boxes[obj.key] = item
        for source in SOURCES:
            for item in free[source]:
                _hide(item)
            while len(free[source]) > MAX_SPARES:
                item = free[source].pop()
                self.scene.removeItem(item.label)
                self.scene.removeItem(item)

    def update(self, objects) -> list[tuple[str, int]]:
        """Items for another version of the same frame's objects, keeping those drawn alike;
        returns the keys of the objects added, changed or removed."""
        old, self.boxes, changed = self.boxes, {}, []
        last = dict.fromkeys(SOURCES, -1)
        for obj in objects:
            item = old.pop(obj.key, None)
            source = obj.source
            if item is not None and (item.obj is obj or drawn_alike(item.obj, obj)):
                item.obj = obj
                z = item.z if item.z > last[source] else last[source] + 1
                _set_z(item, z)
            else:  # a changed object is drawn by another item (a spare), as a new one would
                spare = self._spares[source]
                fresh = spare.pop() if spare else self._new_item(obj)
                if item is not None:
                    _hide(item)
                    spare.append(item)
                z = item.z if item is not None and item.z > last[source] else last[source] + 1
                item = fresh
                self._place(item, obj, z)
                changed.append(obj.key)
            last[source] = item.z
            self.boxes[obj.key] = item
        for key, item in old.items():
            _hide(item)
            self._spares[key[0]].append(item)
            changed.append(key)
        return changed

    def _new_item(self, obj: CanvasObject) -> BoxItem:
        item = BoxItem(obj, self.box_layers[obj.source])
        gt = obj.source == "gt"  # GT labels under the box, prediction labels above it
        item.label = LabelItem(obj.class_name, (0, 0, 0), obj.corrected,
                               self.label_layers[obj.source], below=gt)
        return item

    @staticmethod
    def _place(item: BoxItem, obj: CanvasObject, z: int) -> None:
        item.set_object(obj)
        x, y, _, h = obj.box
        item.label.setPos(x, y + (h if obj.source == "gt" else 0.0))
        _set_z(item, z)


def _set_z(item: BoxItem, z: int) -> None:
    if item.z != z:
        item.z = z
        item.setZValue(z)
        item.label.setZValue(z)


def _hide(item: BoxItem) -> None:
    item.setVisible(False)
    item.label.setVisible(False)


_drawn = attrgetter("box", "class_index", "class_name", "score", "status", "error_type",
                    "corrected")


def drawn_alike(a: CanvasObject, b: CanvasObject) -> bool:
    """True when two versions of an object draw the same box, label and mask."""
    if _drawn(a) != _drawn(b):
        return False
    if a.mask is None or b.mask is None or a.mask is b.mask:
        return a.mask is b.mask
    if isinstance(a.mask, dict) and isinstance(b.mask, dict):
        return a.mask == b.mask
    return False
