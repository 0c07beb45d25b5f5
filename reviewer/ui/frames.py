"""Build the canvas's ``CanvasFrame`` for one image of a session (no Qt).

The task view (``view_of(session).frame``) picks the builder. Detection: GT and predicted objects of the image with their statuses, TIDE error types, IoU and
matches, from ``document.image_scores(i)``. Segmentation: the GT and predicted label masks from
``document.masks(i)``, the image's pixel confusion (hover figures) and its unlabeled classes.
The image pixels come from the caller (the preloader's cache, a
``reviewer.io.images.LoadedImage``): ``attach_image`` puts them in a frame, with the text of the
placeholder when the image cannot be shown (missing, unreadable, too large).

The frame's size is the dataset's (width, height) of the image when the dataset gives one (boxes
and masks are in that pixel order): a picture decoded smaller (over the pixel budget) or of
another size (reported as a problem when the project loads) is scaled onto it by the canvas.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import replace
from pathlib import Path

import numpy as np

from reviewer.core import masks as mask_ops
from reviewer.core.problems import Problem
from reviewer.core.view_state import CanvasFrame, unlabeled_classes
from reviewer.io.images import LoadedImage
from reviewer.ui.frame_objects import diff_objects, object_columns
from reviewer.ui.task_view import view_of


def image_path(session, i: int) -> Path | None:
    """Where image row ``i``'s file is (None when the project cannot tell)."""
    return view_of(session).image_path(session, i)


def expected_size(session, i: int) -> tuple[int, int] | None:
    """The dataset's (width, height) of image row ``i`` (None when it does not say)."""
    return _size(session.data.dataset.images, i)


def load_request(session, i: int) -> tuple[Path | None, tuple[int, int] | None]:
    """(path, expected size): what the preloader needs to load image row ``i``."""
    return image_path(session, i), expected_size(session, i)


def build_frame(session, i: int, image) -> CanvasFrame:
    """The frame of image row ``i``; ``image``: a LoadedImage, (H,W,3) uint8 RGB pixels or None."""
    return FrameBuilder().build(session, i, image)


def as_loaded(image) -> LoadedImage:
    """A LoadedImage from a LoadedImage, an (H,W,3) array or None (no file)."""
    if isinstance(image, LoadedImage):
        return image
    if image is None:
        return LoadedImage(None, None, "missing")
    return LoadedImage(image, (int(image.shape[1]), int(image.shape[0])))


def attach_image(frame: CanvasFrame, session, i: int, image) -> CanvasFrame:
    """``frame`` (built without pixels) showing ``image`` (see ``as_loaded``)."""
    loaded = as_loaded(image)
    size = frame.image_size or loaded.size
    return replace(frame, image=loaded.pixels, image_size=size,
                   placeholder_text=placeholder_text(session, i, loaded))


class FrameBuilder:
    """Builds frames, reusing the ``CanvasObject``s (and mask RLEs) of the frames it built before
    for the objects that did not change: after an edit of one object among thousands, only that
    object (and those whose match changed) is new, and the canvas keeps the items of the others.
    """

    MEMO_ROWS = 16  # images whose objects are remembered

    def __init__(self):
        self._memo: OrderedDict[int, dict] = OrderedDict()
        self._rles: dict[int, tuple] = {}  # id(segmentation) -> (segmentation, h, w, rle)

    def clear(self) -> None:
        self._memo.clear()
        self._rles.clear()

    def build(self, session, i: int, image) -> CanvasFrame:
        """The frame of image row ``i``; ``image``: see ``as_loaded``."""
        loaded = as_loaded(image)
        frame = view_of(session).frame(self, session, i, loaded.size)
        return attach_image(frame, session, i, loaded)

    def detection_frame(self, session, i: int, fallback_size) -> CanvasFrame:
        """Objects with statuses, error types, IoU and matches (``image_scores(i)``); the
        objects of unchanged rows are the ones this builder made before."""
        doc = session.document
        sub, scores = doc.image_scores(i)
        names = tuple(str(n) for n in sub.categories.names)
        w, h = _size(sub.images, 0) or fallback_size or (0, 0)
        rles = doc.image_rles(i)
        memo, new = self._memo.pop(i, {}), {}
        corrected = i in doc.corrected_images
        objects = []
        for source, table, k in (("gt", sub.gt, 1), ("pred", sub.pred, 0)):
            masks = self._masks(table, (h, w), None if rles is None else rles[k])
            cols = object_columns(source, sub, scores, masks, corrected)
            old_cols, old_objects = memo.get(source, (None, None))
            new[source] = (cols, diff_objects(cols, names, old_cols, old_objects))
            objects += new[source][1]
        self._memo[i] = new
        while len(self._memo) > self.MEMO_ROWS:
            self._memo.popitem(last=False)
        if len(self._rles) > 200_000:
            self._rles.clear()
        return CanvasFrame(None, tuple(objects), class_names=names,
                           image_size=(w, h) if w and h else None)

    def _masks(self, table, hw, doc_rles) -> list:
        """Each row's mask as a COCO RLE at (h,w) (the document's when it has one), or None."""
        segs = table.segmentations
        h, w = hw
        if segs is None or not (h and w):
            return [None] * len(table)
        out = []
        for r, seg in enumerate(segs):
            if seg is None:
                out.append(None)
                continue
            rle = None if doc_rles is None else doc_rles[r]
            if rle is not None and list(rle["size"]) == [h, w]:
                out.append(rle)
                continue
            hit = self._rles.get(id(seg))
            if hit is None or hit[0] is not seg or hit[1:3] != (h, w):
                hit = self._rles[id(seg)] = (seg, h, w, _mask(table, r, h, w))
            out.append(hit[3])
        return out


    @staticmethod
    def semantic_frame(session, i) -> CanvasFrame:
        """GT and predicted label masks, the pixel confusion and the unlabeled classes."""
        return _semantic_frame(session, i)


def _semantic_frame(session, i) -> CanvasFrame:
    ds = session.data.dataset
    doc = session.document
    gt, pred = doc.masks(i)
    colors = None if ds.class_colors is None else np.asarray(ds.class_colors, np.uint8)
    names = tuple(doc.class_names)
    return CanvasFrame(None, semantic_gt=gt, semantic_pred=pred,
                       class_names=names, class_colors=colors,
                       ignore_index=doc.ignore_index, image_size=_size(ds.images, i),
                       pixel_confusion=doc.stack.dense(i),
                       unlabeled_classes=unlabeled_classes(names, ds.void_classes))


def _mask(table, r, h, w):
    if table.segmentations is None or table.segmentations[r] is None or not (h and w):
        return None
    try:
        return mask_ops.to_rle(table.segmentations[r], h, w)
    except (ValueError, TypeError, KeyError):  # a mask pycocotools refuses: draw the box only
        return None


def _size(images, i):
    w, h = int(images.widths[i]), int(images.heights[i])
    return (w, h) if w > 0 and h > 0 else None


def placeholder_text(session, i: int, loaded: LoadedImage) -> str:
    """What the canvas says instead of a picture it cannot show ("" when it shows one)."""
    if loaded.pixels is not None:
        return ""
    text = loaded.message or "image file not found"
    path = image_path(session, i)
    text = text[0].upper() + text[1:]
    return f"{text}\n{path}" if path is not None else text


def image_problem(session, i: int, loaded: LoadedImage | None) -> Problem | None:
    """The problem to list for image row ``i`` when its file is unreadable or too large to show
    (a missing file was listed when the project loaded); None otherwise."""
    if loaded is None or loaded.status not in ("unreadable", "too large"):
        return None
    image_id = session.document.table["image_id"][i]
    image_id = image_id.item() if isinstance(image_id, np.generic) else image_id
    return Problem(str(image_path(session, i)), f"image {image_id}", loaded.message,
                   "warning", image_id)
