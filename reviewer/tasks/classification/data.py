"""The classification dataset: images, classes, labels and predictions as struct-of-arrays.

Rows are images (N), columns of ``probs`` are classes (K). Class indices are positions in
``class_names``; -1 means "none" (an image without a label, or without a prediction).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from reviewer.core.tables import ImageTable

NO_CLASS = -1


@dataclass(frozen=True)
class ClassificationDataset:
    """One classification project as loaded.

    images: ``ImageTable`` (N rows): ids = the image key (the path relative to the images
        folder, POSIX), file_names = the same path, widths / heights = 0 (unknown until read
        from the file's header: ``load.read_sizes``), extra = [] (extra columns are kept
        column-wise in ``gt_extra`` / ``pred_extra``).
    class_names: (K,) object, str.
    targets: (N,) int64, the label's class index; -1 = no label.
    probs: (N, K) float32 class probabilities (rows sum to 1), NaN rows where the image has no
        prediction; None when the predictions give only the top-1 class (and K > 2).
    top1: (N,) int64, the predicted class (argmax of ``probs``, lowest index on ties, or the
        file's ``label`` in a top-1 file); -1 = no prediction.
    top1_score: (N,) float32, the predicted class's probability (NaN = no prediction or no
        score given).
    positive: index of the positive class (binary projects), or None.
    gt_extra / pred_extra: column name -> (N,) array: the other columns of the GT and
        prediction tables, aligned to image rows (None / NaN where an image has no row).
    gt_columns: the GT table's column names in file order (for the export); empty for an
        ImageFolder tree.
    gt_text: (N,) object, the label as written in the GT where it is not a known class (kept
        for the export), else None.
    gt_images: how many images the GT lists (they come first; the rest are images only the
        predictions name, whose files are in the images folder).
    problems: what was wrong with the inputs (``reviewer.core.problems.Problem``).
    """

    images: ImageTable
    class_names: np.ndarray
    targets: np.ndarray
    probs: np.ndarray | None
    top1: np.ndarray
    top1_score: np.ndarray
    positive: int | None = None
    gt_extra: dict = field(default_factory=dict)
    pred_extra: dict = field(default_factory=dict)
    gt_columns: tuple = ()
    gt_text: np.ndarray | None = None
    gt_images: int = 0
    problems: list = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.images)

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    @property
    def has_prediction(self) -> np.ndarray:
        """(N,) bool: the image has a usable prediction."""
        return self.top1 >= 0

    @property
    def has_distribution(self) -> bool:
        """Whether every prediction gives the whole class distribution (not only top-1)."""
        return self.probs is not None

    @property
    def is_binary(self) -> bool:
        """Two classes and a positive one: ``predicted`` follows the operating threshold."""
        return self.num_classes == 2 and self.positive is not None

    def class_index(self) -> dict[str, int]:
        """class name -> index."""
        return {str(n): k for k, n in enumerate(self.class_names.tolist())}

    def with_targets(self, targets: np.ndarray) -> ClassificationDataset:
        """The same dataset with other labels (the corrected ones); nothing is copied."""
        return replace(self, targets=targets)
