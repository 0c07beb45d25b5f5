"""Filters and review columns of the ranked image table, vectorised with numpy (no Qt).

``ReviewColumns`` mirrors the review store per image row (status, tags) so that filtering and
sorting 100k rows stays a numpy pass; the controller patches one row after each review command.
``ImageFilter`` is the filter bar's state (view state: kept in QSettings, never undoable).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

STATUS_ORDER = ("unreviewed", "needs-second-look", "skipped", "reviewed")
CLASS_MODES = ("present", "missed")


class ReviewColumns:
    """Per image row: ``status`` (N,) object of status values, ``tags`` (N,) object of tuples,
    ``corrected`` (N,) bool (the image's GT was changed: rows in the document's
    ``corrected_images`` set, passed as ``corrected`` and re-read by ``update_row``).

    Kept beside them for 1M-row tables: each status's position in ``STATUS_ORDER`` (int8, -1
    for another value) and, per tag asked for, a (N,) bool membership (updated row by row), so
    a status or tag filter and a status sort are numpy passes."""

    def __init__(self, image_ids: np.ndarray, store=None, corrected=None):
        self.keys = np.asarray(image_ids).astype(str).tolist()
        self._row = dict(zip(self.keys, range(len(self.keys)), strict=True))
        n = len(self.keys)
        self.status = np.full(n, "unreviewed", dtype=object)
        self._codes = np.zeros(n, np.int8)
        self._tag_masks: dict[str, np.ndarray] = {}
        self.tags = np.empty(n, dtype=object)
        self.tags[:] = [()] * n
        self._corrected_rows = corrected if corrected is not None else set()
        self.corrected = np.zeros(n, dtype=bool)
        self.corrected[[r for r in self._corrected_rows if 0 <= r < n]] = True
        if store is not None:
            self.reload(store)

    def __len__(self) -> int:
        return len(self.keys)

    def row_of(self, key) -> int | None:
        """The row of image key ``key`` (str of the image id), None when not in the table."""
        return self._row.get(str(key))

    def reload(self, store) -> None:
        """Read every status and image tag from ``store`` (one query each)."""
        self.status[:] = "unreviewed"
        self._codes[:] = 0
        self._tag_masks.clear()
        for key, status in store.statuses().items():
            if key in self._row:
                self._set_status(self._row[key], getattr(status, "value", status))
        self.tags[:] = [()] * len(self.keys)
        for key, names in store.all_image_tags().items():
            if key in self._row:
                self.tags[self._row[key]] = tuple(sorted(names))

    def update_row(self, row: int, store) -> None:
        """Re-read one image's status and tags after a review command."""
        key = self.keys[row]
        self._set_status(row, getattr(store.status(key), "value", store.status(key)))
        self.tags[row] = tags = tuple(sorted(store.image_tags(key)))
        for name, mask in self._tag_masks.items():
            mask[row] = name in tags
        self.corrected[row] = row in self._corrected_rows

    def _set_status(self, row: int, status: str) -> None:
        self.status[row] = status
        self._codes[row] = STATUS_ORDER.index(status) if status in STATUS_ORDER else -1

    def has_status(self, status: str) -> np.ndarray:
        """(N,) bool: the image's review status is ``status``."""
        if status in STATUS_ORDER:
            return self._codes == STATUS_ORDER.index(status)
        return self.status == status

    def reviewed_count(self) -> int:
        return int(np.count_nonzero(self.status == "reviewed"))

    def status_codes(self) -> np.ndarray:
        """(N,) int64 position of each status in ``STATUS_ORDER`` (for sorting)."""
        return np.maximum(self._codes, 0).astype(np.int64)

    def has_tag(self, name: str) -> np.ndarray:
        """(N,) bool: the image carries tag ``name`` (a copy)."""
        mask = self._tag_masks.get(name)
        if mask is None:
            mask = np.fromiter((name in t for t in self.tags), bool, len(self.tags))
            self._tag_masks[name] = mask
        return mask.copy()


@dataclass(frozen=True)
class ImageFilter:
    """The filter bar. Empty fields filter nothing.

    status: a review status value; tag: a tag name; class_name + class_mode ("present": the class
    is in the image's GT or predictions, "missed": a GT object of it was missed / its IoU is 0);
    text: case-insensitive substring of the file name; metric in [lo, hi] (NaN rows drop out
    when a bound is set); corrected: only the images whose GT was corrected ("images I corrected").
    """

    status: str = ""
    tag: str = ""
    class_name: str = ""
    class_mode: str = "present"
    text: str = ""
    metric: str = ""
    lo: float | None = None
    hi: float | None = None
    corrected: bool = False

    @property
    def is_empty(self) -> bool:
        return self == ImageFilter(class_mode=self.class_mode, metric=self.metric)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data) -> ImageFilter:
        """Rebuild from ``to_json`` output; unknown or malformed fields fall back to defaults."""
        if not isinstance(data, dict):
            return cls()
        out = {}
        for key in ("status", "tag", "class_name", "class_mode", "text", "metric"):
            if isinstance(data.get(key), str):
                out[key] = data[key]
        for key in ("lo", "hi"):
            v = data.get(key)
            if isinstance(v, int | float) and not math.isnan(v):
                out[key] = float(v)
        if isinstance(data.get("corrected"), bool):
            out["corrected"] = data["corrected"]
        if out.get("class_mode") not in CLASS_MODES:
            out.pop("class_mode", None)
        return cls(**out)


def filter_mask(spec: ImageFilter, table: dict, review: ReviewColumns,
                class_counts: dict | None = None, class_names=()) -> np.ndarray:
    """(N,) bool: rows of ``table`` that pass ``spec``.

    class_counts: detection per-image-and-class counts, dict of (N, K) arrays with "gt", "tp",
    "fp", "fn"; None for segmentation, where ``iou_<class>`` columns tell presence.
    """
    n = len(review)
    keep = np.ones(n, dtype=bool)
    if spec.status:
        keep &= review.has_status(spec.status)
    if spec.tag:
        keep &= review.has_tag(spec.tag)
    if spec.corrected:
        keep &= review.corrected
    if spec.text:
        needle = spec.text.casefold().encode("utf-8")
        keep &= np.strings.find(_folded(table["file_name"]), needle) >= 0
    if spec.class_name:
        keep &= _class_mask(spec, table, class_counts, list(class_names), n)
    if spec.metric and spec.metric in table and (spec.lo is not None or spec.hi is not None):
        values = np.asarray(table[spec.metric], dtype=np.float64)
        with np.errstate(invalid="ignore"):
            if spec.lo is not None:
                keep &= values >= spec.lo
            if spec.hi is not None:
                keep &= values <= spec.hi
    return keep


_FOLDED: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def _folded(names) -> np.ndarray:
    """The file names casefolded, UTF-8 encoded, as one numpy bytes array (made once per names
    array; a substring of the UTF-8 bytes is a substring of the text: ~30 ms at 1M names)."""
    names = np.asarray(names)
    hit = _FOLDED.get(id(names))
    if hit is not None and hit[0] is names:
        return hit[1]
    folded = np.array([str(s).casefold().encode("utf-8") for s in names.tolist()], dtype=bytes)
    _FOLDED.clear()  # one table at a time: the shown project's
    _FOLDED[id(names)] = (names, folded)
    return folded


def _class_mask(spec, table, class_counts, class_names, n) -> np.ndarray:
    if class_counts is not None:
        if spec.class_name not in class_names:
            return np.zeros(n, dtype=bool)
        k = class_names.index(spec.class_name)
        if spec.class_mode == "missed":
            return class_counts["fn"][:, k] > 0
        return (class_counts["gt"][:, k] + class_counts["tp"][:, k] + class_counts["fp"][:, k]) > 0
    col = table.get(f"iou_{spec.class_name}")
    if col is None:
        return np.zeros(n, dtype=bool)
    col = np.asarray(col, dtype=np.float64)
    if spec.class_mode == "missed":
        return col == 0.0
    return ~np.isnan(col)
