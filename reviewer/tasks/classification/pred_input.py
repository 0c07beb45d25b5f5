"""Predictions: one probability column per class, top-1 ``label,score``, or binary ``probability``.

The layout is told from the header (``sniff_layout``):

- a ``label`` (or ``class``) column: top-1 only, with an optional ``score`` (``confidence``);
- columns named ``p_<class>``: one probability per class (then only those columns are classes);
- columns named after a class (of the classes file, or a GT label when there is none);
- else a ``probability`` (``prob``, ``score``) column: binary, the positive class's probability.

Every other column is kept as an extra column. Probability rows are checked (``fill``): a
missing or non-number cell, NaN, a value below 0 or above 1, or a row whose sum is off 1 by more
than ``TOLERANCE`` drops the row (the image then has no prediction); a row within the tolerance
is divided by its sum (a CSV writer's rounding).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from reviewer.core.problems import InputError
from reviewer.io.coco_validate import ProblemLog

from .gt_input import IMAGE_COLUMNS, LABEL_COLUMNS, find_column, normalise_keys
from .table_files import RawTable, header_of, is_parquet, read_table

TOLERANCE = 0.01  # |row sum - 1| up to which a row is renormalised; beyond, it is dropped
SCORE_COLUMNS = ("score", "confidence")
PROBABILITY_COLUMNS = ("probability", "prob", "score")
PREFIX = "p_"
_CHUNK_VALUES = 4_000_000  # values per chunk of the row checks (16 MB of float32)
# reason codes of a dropped probability row, in the order they are reported
OK, NOT_NUMBER, MISSING, NEGATIVE, ABOVE_ONE, SUM = range(6)


@dataclass
class PredLayout:
    """How a prediction table is laid out. kind: "probs", "top1" or "binary"; class_columns:
    column -> class name (probs); label / score / probability: column names or None."""

    kind: str
    image: str
    class_columns: dict = field(default_factory=dict)
    label: str | None = None
    score: str | None = None
    probability: str | None = None
    extra: list = field(default_factory=list)

    def number_columns(self) -> set:
        cols = set(self.class_columns)
        return cols | {c for c in (self.score, self.probability) if c}


def columns_of(path) -> list[str]:
    """A prediction table's column names (its header or Parquet schema)."""
    try:
        if is_parquet(path):
            import pyarrow.parquet as pq
            return [str(c).strip() for c in pq.read_schema(path).names]
        return header_of(path)
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"{path}: cannot be read as a table: {exc}") from None


def sniff_layout(name: str, columns: list[str], known: list[str] | None,
                 gt_labels: set) -> PredLayout:
    """The layout of a prediction table from its columns (see the module docstring).

    known: the classes file's class names, or None; gt_labels: the labels the GT uses."""
    image = find_column(columns, IMAGE_COLUMNS)
    if image is None:
        raise InputError(f"{name}: no 'image' column (the columns are {', '.join(columns)})")
    rest = [c for c in columns if c != image]
    label = find_column(rest, LABEL_COLUMNS)
    if label is not None:
        score = find_column([c for c in rest if c != label], SCORE_COLUMNS)
        return PredLayout("top1", image, label=label, score=score,
                          extra=[c for c in rest if c not in (label, score)])
    classes = _class_columns(rest, known, gt_labels)
    if classes:
        return PredLayout("probs", image, class_columns=classes,
                          extra=[c for c in rest if c not in classes])
    prob = find_column(rest, PROBABILITY_COLUMNS)
    if prob is not None:
        return PredLayout("binary", image, probability=prob,
                          extra=[c for c in rest if c != prob])
    raise InputError(f"{name}: no probability column found (the columns are "
                     f"{', '.join(columns)}); expected image + one column per class (named by "
                     "the class, or p_<class>), or image,label,score (top-1), or "
                     "image,probability (binary, with a positive class)")


def _class_columns(columns: list[str], known: list[str] | None, gt_labels: set) -> dict:
    prefixed = {c: c[len(PREFIX):] for c in columns if c.startswith(PREFIX) and len(c) > 2}
    if prefixed:
        return prefixed if known is None else {c: n for c, n in prefixed.items() if n in known}
    names = set(known) if known is not None else gt_labels
    return {c: c for c in columns if c in names}


@dataclass
class PredRows:
    """The prediction table read (P rows): keys (P,) object image keys (None: no name)."""

    raw: RawTable
    layout: PredLayout
    keys: np.ndarray

    def entry(self, r: int) -> str:
        return self.raw.entry(r)


def read_predictions(path, layout: PredLayout, log: ProblemLog) -> PredRows:
    numbers = layout.number_columns()
    raw = read_table(path, float_columns=lambda c: c in numbers)
    for note in raw.notes:
        log.add("", note)
    keys = normalise_keys(raw.text(layout.image))
    raw.drop(layout.image)
    return PredRows(raw, layout, keys)


def predicted_labels(pred: PredRows) -> np.ndarray:
    """(P,) object: the top-1 file's ``label`` cells (None where empty)."""
    return pred.raw.text(pred.layout.label)


# --- filling the (N, K) arrays ----------------------------------------------------------------

@dataclass
class Filled:
    """probs (N, K) float32 or None; top1 (N,) int64 (-1 = none); top1_score (N,) float32."""

    probs: np.ndarray | None
    top1: np.ndarray
    top1_score: np.ndarray


def fill(pred: PredRows, src: np.ndarray, dest: np.ndarray, n: int, names: list[str],
         positive: int | None, log: ProblemLog) -> Filled:
    """Put prediction rows ``src`` (table rows) into image rows ``dest`` of (n,) arrays.

    names: the class names (K); positive: the positive class (binary tables)."""
    kind = pred.layout.kind
    if kind == "probs":
        probs, bad = _probs_from_columns(pred, src, dest, n, names, log)
    elif kind == "binary":
        probs, bad = _probs_from_binary(pred, src, dest, n, positive, log)
    else:
        return _top1(pred, src, dest, n, names, log)
    return _checked_probs(probs, src, dest, bad, pred, names, log)


def _identity(src: np.ndarray, dest: np.ndarray, n: int, rows: int) -> bool:
    """Whether table row i goes to image row i for every row of both (the usual file)."""
    return len(src) == n == rows and bool((src == np.arange(n)).all() and (dest == src).all())


def _probs_from_columns(pred, src, dest, n, names, log):
    k_of = {name: k for k, name in enumerate(names)}
    same = _identity(src, dest, n, len(pred.keys))
    probs = np.empty((n, len(names)), np.float32) if same else \
        np.full((n, len(names)), np.nan, np.float32)
    not_number = np.full(len(src), -1, np.int64)  # first class whose cell was not a number
    covered = np.zeros(len(names), bool)
    for column, name in pred.layout.class_columns.items():
        k = k_of[name]
        values, bad = pred.raw.numbers(column)
        pred.raw.drop(column)
        if same:
            probs[:, k] = values
        else:
            probs[dest, k] = values[src]
        hit = bad[src] & (not_number < 0)
        not_number[hit] = k
        covered[k] = True
    for k in np.flatnonzero(~covered):
        probs[dest, k] = 0.0
        log.add("", f"no probability column for class {names[k]!r}: its probability is taken "
                "as 0", severity="warning")
    return probs, not_number


def _probs_from_binary(pred, src, dest, n, positive, log):
    values, bad = pred.raw.numbers(pred.layout.probability)
    probs = np.full((n, 2), np.nan, np.float32)
    p = values[src]
    probs[dest, positive] = p
    probs[dest, 1 - positive] = np.float32(1.0) - p
    return probs, np.where(bad[src], positive, -1)


def _checked_probs(probs, src, dest, not_number, pred, names, log) -> Filled:
    """Row checks in chunks; dropped rows become NaN, kept ones are renormalised."""
    n = len(probs)
    top1 = np.full(n, -1, np.int64)
    top1_score = np.full(n, np.nan, np.float32)
    reasons = np.zeros(len(src), np.int8)
    step = max(1, _CHUNK_VALUES // max(probs.shape[1], 1))
    same = _identity(src, dest, n, len(pred.keys))
    for lo in range(0, len(src), step):
        part = slice(lo, lo + step)
        rows = np.arange(lo, min(lo + step, len(src))) if same else dest[part]
        block = probs[part] if same else probs[rows]  # a view in the usual file
        code = _row_reasons(block, not_number[part])
        reasons[part] = code
        ok = code == OK
        if ok.all():
            block /= block.sum(axis=1, dtype=np.float64)[:, None].astype(np.float32)
            kept, good = rows, block
        else:
            block[~ok] = np.nan
            good = block[ok]
            good /= good.sum(axis=1, dtype=np.float64)[:, None].astype(np.float32)
            block[ok] = good
            kept = rows[ok]
        if not same:
            probs[rows] = block
        top1[kept] = np.argmax(good, axis=1)
        top1_score[kept] = good[np.arange(len(kept)), top1[kept]]
    _report_rows(reasons, src, not_number, pred, names, log)
    return Filled(probs, top1, top1_score)


def _row_reasons(block: np.ndarray, not_number: np.ndarray) -> np.ndarray:
    """(c,) int8 reason code of each row of the (c, K) block (OK = kept)."""
    code = np.zeros(len(block), np.int8)
    sums = np.nansum(block, axis=1, dtype=np.float64)
    code[np.abs(sums - 1.0) > TOLERANCE] = SUM
    code[(block > 1).any(axis=1)] = ABOVE_ONE
    code[(block < 0).any(axis=1)] = NEGATIVE
    code[np.isnan(block).any(axis=1)] = MISSING
    code[not_number >= 0] = NOT_NUMBER
    return code


def _report_rows(reasons, src, not_number, pred: PredRows, names, log: ProblemLog) -> None:
    texts = {NOT_NUMBER: "a probability is not a number", MISSING: "a probability is missing "
             "or NaN", NEGATIVE: "a probability is negative", ABOVE_ONE: "a probability is "
             "above 1", SUM: f"the probabilities do not sum to 1 (within {TOLERANCE})"}
    for code, kind in texts.items():
        rows = np.flatnonzero(reasons == code)
        log.add_rows(rows, lambda i: pred.entry(src[i]),
                     lambda i, c=code: _row_message(c, i, src, not_number, pred, names),
                     kind=kind, image_id=lambda i: pred.keys[src[i]])


def _row_message(code, i, src, not_number, pred: PredRows, names) -> str:
    image = pred.keys[src[i]]
    if code == NOT_NUMBER:
        return f"image {image!r}: the probability of {names[not_number[i]]!r} is not a " \
               "number; prediction skipped"
    what = {MISSING: "is missing or NaN", NEGATIVE: "is negative", ABOVE_ONE: "is above 1",
            SUM: f"do not sum to 1 (within {TOLERANCE})"}[code]
    subject = "the probabilities" if code == SUM else "a probability"
    return f"image {image!r}: {subject} {what}; prediction skipped"


def _top1(pred: PredRows, src, dest, n, names, log: ProblemLog) -> Filled:
    """A top-1 table: the predicted class and its score (NaN when there is no score column)."""
    k_of = {name: k for k, name in enumerate(names)}
    labels = predicted_labels(pred)[src]
    cls = np.array([k_of.get(v, -1) if v is not None else -1 for v in labels], np.int64)
    score = np.full(len(src), np.nan, np.float32)
    bad_score = np.zeros(len(src), bool)
    if pred.layout.score is not None:
        values, bad = pred.raw.numbers(pred.layout.score)
        score = values[src]
        with np.errstate(invalid="ignore"):
            bad_score = bad[src] | np.isnan(score) | (score < 0) | (score > 1)
    unknown = cls < 0
    log.add_rows(np.flatnonzero(unknown), lambda i: pred.entry(src[i]),
                 lambda i: f"image {pred.keys[src[i]]!r}: " + (
                     "no predicted class" if labels[i] is None else
                     f"predicted class {labels[i]!r} is not a class of the project")
                 + "; prediction skipped",
                 kind="unknown predicted class", image_id=lambda i: pred.keys[src[i]])
    bad_score &= ~unknown
    log.add_rows(np.flatnonzero(bad_score), lambda i: pred.entry(src[i]),
                 lambda i: f"image {pred.keys[src[i]]!r}: the score is missing, not a "
                           "number, or outside 0..1; prediction skipped",
                 kind="bad score", image_id=lambda i: pred.keys[src[i]])
    ok = ~unknown & ~bad_score
    top1 = np.full(n, -1, np.int64)
    top1_score = np.full(n, np.nan, np.float32)
    top1[dest[ok]] = cls[ok]
    top1_score[dest[ok]] = score[ok]
    if len(names) == 2 and pred.layout.score is not None:
        return _binary_from_top1(top1, top1_score)
    return Filled(None, top1, top1_score)


def _binary_from_top1(top1: np.ndarray, top1_score: np.ndarray) -> Filled:
    """Two classes: a top-1 score gives the whole distribution (the other class has the rest)."""
    probs = np.full((len(top1), 2), np.nan, np.float32)
    has = top1 >= 0
    rows = np.flatnonzero(has)
    probs[rows, top1[has]] = top1_score[has]
    probs[rows, 1 - top1[has]] = np.float32(1.0) - top1_score[has]
    top1 = np.where(has, np.argmax(np.nan_to_num(probs, nan=-1.0), axis=1), -1)
    score = np.where(has, np.nanmax(np.where(has[:, None], probs, 0.0), axis=1), np.nan)
    return Filled(probs, top1.astype(np.int64), score.astype(np.float32))
