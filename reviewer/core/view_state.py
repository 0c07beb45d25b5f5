"""What the image canvas shows: one image's content (``CanvasFrame``) and the layer settings
(``LayerState``). Qt-free, numpy only.

The canvas never reads files or tables: the controller builds a ``CanvasFrame`` per image and a
``LayerState`` from the layer panel. Layer state is view state, never undoable.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

SOURCES = ("gt", "pred")
STATUSES = ("tp", "fp", "fn", "ignored", "below threshold")
ERROR_TYPES = ("", "cls", "loc", "both", "dupe", "bkg", "miss")
VIEW_MODES = ("overlay", "side_by_side", "stacked", "errors")
PANE_MODES = ("side_by_side", "stacked")  # image | GT | prediction in three synchronised panes
# GT class names that mean "nobody labelled this" (compared case-folded): pixels predicted there
# are not "missed" by the model; the errors view names them apart
UNLABELED_NAMES = ("unlabeled", "unlabelled", "void")
DEFAULT_IMAGE_SIZE = (640, 480)


@dataclass(frozen=True, eq=False)
class CanvasObject:
    """One GT or predicted object of the shown image.

    ``box`` is xywh in image pixels; ``mask`` is an (H,W) bool/uint8 array, a COCO RLE dict
    (compressed str/bytes counts or uncompressed list counts, decoded lazily), or None.
    ``row`` is the object's row in the dataset table; ``(source, ann_id)`` is its key.
    """

    source: str
    row: int
    ann_id: int
    class_index: int
    class_name: str
    box: tuple[float, float, float, float]
    mask: np.ndarray | dict | None = None
    score: float | None = None
    status: str = "tp"
    error_type: str = ""
    iou: float | None = None
    matched_ann_id: int | None = None
    corrected: bool = False

    def __post_init__(self):
        if self.source not in SOURCES:
            raise ValueError(f"source must be one of {SOURCES}, not {self.source!r}")
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, not {self.status!r}")
        if self.error_type not in ERROR_TYPES:
            raise ValueError(f"error_type must be one of {ERROR_TYPES}, not {self.error_type!r}")
        object.__setattr__(self, "box", tuple(float(v) for v in self.box))

    @property
    def key(self) -> tuple[str, int]:
        """(source, ann_id): the object's identity on the canvas."""
        return (self.source, self.ann_id)

    @property
    def area(self) -> float:
        """Box area w*h in square pixels."""
        return max(self.box[2], 0.0) * max(self.box[3], 0.0)


@dataclass(frozen=True)
class ImageLabel:
    """An image's class label beside the model's answer (classification).

    label: the current label (a class name, None = none); original: the label as loaded when
    the review changed it, else None; predicted: the predicted class; correct: whether they
    agree (None without a label or a prediction); top: the most probable classes as
    (name, probability), best first."""

    label: str | None
    predicted: str | None = None
    correct: bool | None = None
    top: tuple = ()
    original: str | None = None


@dataclass(frozen=True, eq=False)
class CanvasFrame:
    """Everything drawn for one image.

    image: (h,w,3) uint8 RGB, or None when the file cannot be shown (missing, unreadable, too
    large: a grey placeholder is drawn with ``placeholder_text``).
    image_size: (W,H) of the image in the pixel order of the boxes and masks; the canvas scales
    ``image`` onto it when they differ (a picture decoded below the pixel budget). Without it
    the size comes from the image, the semantic masks or the boxes.
    semantic_gt / semantic_pred: (H,W) uint8/uint16 class-index arrays or None.
    class_colors: (K,3) uint8 RGB for ``class_names`` (missing rows get generated colours).
    pixel_confusion: the image's (K, K+1) pixel confusion as the scores use it (segmentation;
    hover figures come from it, so they equal the table's). unlabeled_classes: class indices
    that mean "not labelled" (``unlabeled_classes()``); the ignore index is handled apart.
    """

    image: np.ndarray | None
    objects: tuple[CanvasObject, ...] = ()
    semantic_gt: np.ndarray | None = None
    semantic_pred: np.ndarray | None = None
    class_names: tuple[str, ...] = ()
    class_colors: np.ndarray | None = None
    ignore_index: int | None = 255
    image_size: tuple[int, int] | None = None
    placeholder_text: str = "Image file not found"
    pixel_confusion: np.ndarray | None = None
    unlabeled_classes: frozenset[int] = frozenset()
    image_label: ImageLabel | None = None  # classification: drawn as a card over the image

    def __post_init__(self):
        if self.image is not None and (self.image.ndim != 3 or self.image.shape[2] != 3
                                       or self.image.dtype != np.uint8):
            raise ValueError(f"image must be (H,W,3) uint8, got {self.image.shape} "
                             f"{self.image.dtype}")
        for name in ("semantic_gt", "semantic_pred"):
            labels = getattr(self, name)
            if labels is not None and (labels.ndim != 2 or labels.dtype.kind != "u"
                                       or labels.dtype.itemsize > 2):
                raise ValueError(f"{name} must be (H,W) uint8/uint16, got {labels.shape} "
                                 f"{labels.dtype}")
        object.__setattr__(self, "objects", tuple(self.objects))

    def size(self) -> tuple[int, int]:
        """(width, height) of the image in pixels (placeholder size when the image is missing)."""
        if self.image_size is not None:
            return int(self.image_size[0]), int(self.image_size[1])
        if self.image is not None:
            return int(self.image.shape[1]), int(self.image.shape[0])
        for sem in (self.semantic_gt, self.semantic_pred):
            if sem is not None:
                return int(sem.shape[1]), int(sem.shape[0])
        return _size_from_boxes(self.objects)

    def objects_of(self, source: str) -> tuple[CanvasObject, ...]:
        """The objects of one source, in frame order."""
        return tuple(o for o in self.objects if o.source == source)

    def color_table(self, n: int) -> np.ndarray:
        """(n,3) uint8 RGB colours for class indices 0..n-1 (given colours first, then generated)."""
        out = default_class_colors(n)
        if self.class_colors is not None and len(self.class_colors):
            given = np.asarray(self.class_colors, dtype=np.uint8).reshape(-1, 3)[:n]
            out[:len(given)] = given
        return out


def unlabeled_classes(class_names, flagged=()) -> frozenset[int]:
    """Indices of the classes that mean "not labelled": those ``flagged`` by the project and
    those named like ``UNLABELED_NAMES`` ("unlabeled", "void", …)."""
    named = {i for i, n in enumerate(class_names) if str(n).strip().casefold() in UNLABELED_NAMES}
    return frozenset(int(i) for i in flagged) | frozenset(named)


def _size_from_boxes(objects) -> tuple[int, int]:
    if not objects:
        return DEFAULT_IMAGE_SIZE
    xywh = np.array([o.box for o in objects], dtype=np.float64)
    w = int(np.ceil(max((xywh[:, 0] + xywh[:, 2]).max(), 1.0)))
    h = int(np.ceil(max((xywh[:, 1] + xywh[:, 3]).max(), 1.0)))
    return w, h


def default_class_colors(n: int) -> np.ndarray:
    """(n,3) uint8 distinct RGB colours (golden-ratio hues, alternating brightness)."""
    i = np.arange(n, dtype=np.float64)
    hue = (i * 0.618033988749895) % 1.0
    val = np.where(i % 2 == 0, 0.95, 0.75)
    sat = np.where(i % 3 == 0, 0.65, 0.85)
    k = (np.array([5.0, 3.0, 1.0])[None, :] + hue[:, None] * 6.0) % 6.0
    rgb = val[:, None] - val[:, None] * sat[:, None] * np.clip(np.minimum(k, 4.0 - k), 0.0, 1.0)
    return np.round(rgb * 255.0).astype(np.uint8)


@dataclass(frozen=True)
class SourceLayer:
    """Settings of one source layer (GT or predictions).

    classes: visible class indices, or None for all. opacity: 0..1 for the whole layer.
    fill: True draws filled masks and lightly filled boxes; False draws outlines and contours.
    show_boxes / show_masks / show_semantic: the layer's parts (boxes with their labels,
    instance masks, semantic mask), all drawn only while ``visible``.
    """

    visible: bool = True
    classes: frozenset[int] | None = None
    opacity: float = 1.0
    fill: bool = True
    show_boxes: bool = True
    show_masks: bool = True
    show_semantic: bool = True

    def shows_class(self, class_index: int) -> bool:
        """True when objects and pixels of this class are drawn."""
        return self.classes is None or int(class_index) in self.classes

    def class_mask(self, n: int) -> np.ndarray:
        """(n,) bool: which of the class indices 0..n-1 are visible."""
        if self.classes is None:
            return np.ones(n, dtype=bool)
        out = np.zeros(n, dtype=bool)
        idx = [c for c in self.classes if 0 <= c < n]
        out[idx] = True
        return out


GT_DEFAULT = SourceLayer(fill=True, opacity=0.6)
PRED_DEFAULT = SourceLayer(fill=False, opacity=1.0)


@dataclass(frozen=True)
class LayerState:
    """What the canvas shows. Not undoable.

    view_mode: "overlay" | "side_by_side" | "stacked" | "errors". Predictions scoring below
    ``score_threshold`` are not drawn. By default the two sources look different: ground truth
    filled at 60 % opacity, predictions as outlines (``swapped_styles`` exchanges them).
    """

    show_image: bool = True
    gt: SourceLayer = field(default_factory=lambda: GT_DEFAULT)
    pred: SourceLayer = field(default_factory=lambda: PRED_DEFAULT)
    show_labels: bool = True
    view_mode: str = "overlay"
    score_threshold: float = 0.0

    def __post_init__(self):
        if self.view_mode not in VIEW_MODES:
            raise ValueError(f"view_mode must be one of {VIEW_MODES}, not {self.view_mode!r}")

    @property
    def show_gt(self) -> bool:
        return self.gt.visible

    @property
    def show_pred(self) -> bool:
        return self.pred.visible

    def source(self, name: str) -> SourceLayer:
        """The SourceLayer of "gt" or "pred"."""
        if name not in SOURCES:
            raise ValueError(f"source must be one of {SOURCES}, not {name!r}")
        return self.gt if name == "gt" else self.pred

    def with_source(self, name: str, **changes) -> LayerState:
        """A copy with fields of one source layer changed, e.g. ``with_source("gt", opacity=.5)``."""
        return replace(self, **{name: replace(self.source(name), **changes)})

    def swapped_styles(self) -> LayerState:
        """GT and predictions exchange fill/outline and opacity; when both are drawn alike, the
        default scheme comes back (GT filled and faint, predictions outlined)."""
        gt, pred = self.gt, self.pred
        if gt.fill == pred.fill:
            return replace(self, gt=replace(gt, fill=GT_DEFAULT.fill, opacity=GT_DEFAULT.opacity),
                           pred=replace(pred, fill=PRED_DEFAULT.fill,
                                        opacity=PRED_DEFAULT.opacity))
        return replace(self, gt=replace(gt, fill=pred.fill, opacity=pred.opacity),
                       pred=replace(pred, fill=gt.fill, opacity=gt.opacity))

    def only_class(self, class_index: int | None) -> LayerState:
        """Both sources show class ``class_index`` only (None: every class again)."""
        classes = None if class_index is None else frozenset((int(class_index),))
        return replace(self, gt=replace(self.gt, classes=classes),
                       pred=replace(self.pred, classes=classes))

    def shows(self, obj: CanvasObject) -> bool:
        """True when this object is drawn (source visible, class visible, score above threshold).
        The layer's show_boxes / show_masks switches are not considered here."""
        layer = self.source(obj.source)
        if not layer.visible or not layer.shows_class(obj.class_index):
            return False
        return obj.score is None or obj.source == "gt" or obj.score >= self.score_threshold
