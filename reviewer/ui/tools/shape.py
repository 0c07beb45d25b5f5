"""The editable geometry of one GT object and the one command that changes it.

``Shape.of(doc, ann_id)`` reads the object: a plain box (edited with ``edits.move_box``), a
single-ring polygon (edited with ``edits.reshape``; moving or resizing moves or scales its
vertices) or a painted mask (not editable here: RLE / several rings).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from reviewer.core import edits

from . import handles as H


@dataclass(frozen=True)
class Shape:
    ann_id: int
    kind: str                              # "box" | "polygon" | "mask"
    box: tuple[float, float, float, float]  # xywh
    coords: tuple[float, ...] | None = None  # polygon [x0, y0, x1, y1, ...]
    width: int = 0                         # image size (0 when unknown)
    height: int = 0

    @classmethod
    def of(cls, doc, ann_id: int) -> Shape:
        obj = doc.gt_object(ann_id)
        row = doc.image_row(obj["image_id"])
        w, h = int(doc.base.images.widths[row]), int(doc.base.images.heights[row])
        ring = H.single_ring(obj.get("segmentation"))
        if ring is not None:
            return cls(int(ann_id), "polygon", tuple(obj["bbox"]), tuple(ring), w, h)
        kind = "box" if obj.get("segmentation") is None else "mask"
        return cls(int(ann_id), kind, tuple(obj["bbox"]), None, w, h)

    @property
    def editable(self) -> bool:
        return self.kind in ("box", "polygon")

    def points(self):
        return H.points_of(self.coords) if self.coords else []

    # --- new geometry -----------------------------------------------------------------------
    def shifted(self, dx: float, dy: float) -> Shape:
        """Moved by (dx, dy) image pixels, kept inside the image."""
        dx, dy = H.clamp_shift(self.box, dx, dy, self.width, self.height)
        box = (self.box[0] + dx, self.box[1] + dy, self.box[2], self.box[3])
        coords = None if self.coords is None else tuple(H.shift_coords(self.coords, dx, dy))
        return replace(self, box=box, coords=coords)

    def resized(self, handle: int, dx: float, dy: float) -> Shape:
        """With the edges of box handle ``handle`` moved by (dx, dy), clipped to the image."""
        box = H.resize_box(self.box, handle, dx, dy)
        if self.width and self.height:
            box = tuple(edits.clip_box(box, self.width, self.height))
        coords = None
        if self.coords is not None:
            coords = tuple(H.scale_coords(self.coords, H.coords_box(self.coords), box))
        return replace(self, box=box, coords=coords)

    def with_coords(self, coords) -> Shape:
        coords = tuple(H.clip_coords(coords, self.width, self.height))
        return replace(self, coords=coords, box=H.coords_box(coords))

    def with_vertex(self, index: int, x: float, y: float) -> Shape:
        coords = list(self.coords)
        coords[2 * index: 2 * index + 2] = [x, y]
        return self.with_coords(coords)

    def without_vertex(self, index: int) -> Shape | None:
        """The polygon minus one vertex (None when fewer than three would be left)."""
        if self.coords is None or len(self.coords) <= 6:
            return None
        coords = list(self.coords)
        del coords[2 * index: 2 * index + 2]
        return self.with_coords(coords)

    def with_inserted(self, edge: int, x: float, y: float) -> Shape:
        """A new vertex after vertex ``edge`` (on the edge edge -> edge+1)."""
        coords = list(self.coords)
        coords[2 * edge + 2: 2 * edge + 2] = [x, y]
        return self.with_coords(coords)

    def same_as(self, other: Shape) -> bool:
        return self.box == other.box and self.coords == other.coords

    def command(self, doc, new: Shape):
        """The one command turning this shape into ``new`` (None when nothing changed)."""
        if self.same_as(new) or not self.editable:
            return None
        if self.kind == "polygon":
            return edits.reshape(doc, self.ann_id, list(new.coords))
        if new.box[2] <= 0 or new.box[3] <= 0:
            return None
        return edits.move_box(doc, self.ann_id, list(new.box))
