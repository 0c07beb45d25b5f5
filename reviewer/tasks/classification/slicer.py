"""Tag statistics of a classification project: accuracy as the slice metric.

``ClassificationSlicer(ds, threshold)(rows) -> SliceEval``: value = accuracy of the images in
``rows`` (``metrics.evaluate``'s), per_class = each class's recall there (its accuracy on the
images labelled with it; NaN for a class without such an image). The same function as the
dataset metrics, on a subset.
"""

from __future__ import annotations

import math

import numpy as np

from reviewer.core.tag_stats import SliceEval

from .data import ClassificationDataset
from .metrics import confusion


class ClassificationSlicer:
    metric_name = "accuracy"

    def __init__(self, ds: ClassificationDataset, threshold: float = 0.5):
        self.ds = ds
        self.threshold = threshold

    def __call__(self, rows) -> SliceEval:
        conf = confusion(self.ds, rows, self.threshold)
        n = conf.sum()
        support = conf.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            recall = np.where(support > 0, np.diag(conf) / support, np.nan)
        value = float(np.trace(conf) / n) if n else math.nan
        return SliceEval(value, math.nan, recall)

    def resampled(self, rows, weights) -> float:
        """The accuracy of ``rows`` with image i counted ``weights[i]`` times (bootstrap)."""
        conf = confusion(self.ds, rows, self.threshold, weights)
        n = conf.sum()
        return float(np.trace(conf) / n) if n else math.nan


def class_images(ds: ClassificationDataset, targets=None) -> np.ndarray:
    """(N, K) bool: the image is labelled with the class."""
    targets = ds.targets if targets is None else targets
    out = np.zeros((len(ds), ds.num_classes), bool)
    rows = np.flatnonzero(targets >= 0)
    out[rows, targets[rows]] = True
    return out
