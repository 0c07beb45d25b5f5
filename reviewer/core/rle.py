"""COCO run-length encodings checked exactly as pycocotools' C code would read them.

pycocotools trusts its input: ``iou`` and ``merge`` loop forever on a compressed RLE whose runs
do not add up to height x width (``area`` and ``toBbox`` return numbers, ``decode`` refuses only
sums that are too large), ``frPyObjects`` raises on a list count beyond 32 bits, and ``merge``
allocates 4 bytes per pixel. Every RLE is therefore checked here before pycocotools sees it:

- height x width below ``MAX_PIXELS`` (2**28, e.g. 16384 x 16384);
- compressed counts (str): characters ``0``..``o`` only, the last one not a "more follows"
  character, at most 6 characters per number (pycocotools' encoder never writes more for runs
  below 2**28), and no negative run;
- uncompressed counts (list): non-negative integers;
- both: the runs add up to exactly height x width.

Decoding mirrors ``rleFrString`` in pycocotools' maskApi.c: 5 bits per character, bit 0x20 "more
follows", bit 0x10 of the last character the sign, and from the fourth number on each one is a
difference to the run two places before it.
"""

from __future__ import annotations

import numpy as np

MAX_PIXELS = 2**28
"""Instance masks must have fewer pixels than this (pycocotools' ``merge`` allocates 4 bytes per
pixel; its pixel index is a 32-bit unsigned int)."""

_MAX_CHARS = 6
_CHUNK_CHARS = 1 << 17  # decode ~128k characters at a time: temporaries stay in the CPU cache
_EXACT_FLOAT_TOKENS = 1 << 23  # float64 running sums of numbers below 2**30 stay exact

BAD_STRING = "segmentation RLE counts is not a valid COCO RLE string"
BAD_RUN = "segmentation RLE counts decode to a negative run"
TOO_LARGE = (f"segmentation mask of {{h}}x{{w}} pixels: masks of {MAX_PIXELS} pixels or more are "
             "not supported")


def sum_message(total: int, h: int, w: int) -> str:
    return f"segmentation RLE counts sum to {total}, expected height*width = {h * w}"


def too_large(h: int, w: int) -> str | None:
    """None when an h x w mask is supported, else the message."""
    return TOO_LARGE.format(h=h, w=w) if h * w >= MAX_PIXELS else None


def check_compressed(counts: list[str], heights, widths) -> list[str | None]:
    """k compressed counts strings with their RLE sizes (k,) -> per RLE None or what is wrong."""
    heights = np.asarray(heights, np.int64).reshape(-1)
    widths = np.asarray(widths, np.int64).reshape(-1)
    out: list[str | None] = [None] * len(counts)
    start = 0
    while start < len(counts):
        stop, chars = start, 0
        while stop < len(counts) and (chars < _CHUNK_CHARS or stop == start):
            chars += len(counts[stop])
            stop += 1
        totals, reasons = _decode_chunk(counts[start:stop])
        h, w = heights[start:stop], widths[start:stop]
        wrong = (totals != h * w) | (h * w >= MAX_PIXELS)
        for j in np.flatnonzero(wrong | np.fromiter(map(bool, reasons), bool, len(reasons))):
            hj, wj = int(h[j]), int(w[j])
            out[start + j] = too_large(hj, wj) or reasons[j] or sum_message(int(totals[j]), hj, wj)
        start = stop
    return out


def check_uncompressed(counts: list, h: int, w: int) -> str | None:
    """An uncompressed RLE's counts list -> None or what is wrong."""
    if not all(type(c) is int and c >= 0 for c in counts):
        return "segmentation RLE counts are not all non-negative integers"
    total = sum(counts)
    return too_large(h, w) or (None if total == h * w else sum_message(total, h, w))


def size_problem(seg: dict, h: int | None = None, w: int | None = None) -> str | None:
    """An RLE dict's ``size`` -> None when valid (and equal to the image's h, w when those are
    given and non-zero) and below ``MAX_PIXELS``, else why."""
    size = seg.get("size")
    if not (type(size) in (list, tuple) and len(size) == 2
            and all(type(v) is int and 0 <= v < 2**31 for v in size)):
        return "segmentation RLE has no valid 'size' [height, width]"
    if h and w and list(size) != [h, w]:
        return f"segmentation RLE size {list(size)} does not match the image size [{h}, {w}]"
    return too_large(*size)


def rle_problem(seg, h: int | None = None, w: int | None = None) -> str | None:
    """One RLE dict (any counts flavour) -> None when pycocotools can use it safely, else why.

    h, w: the image size the RLE must have (None or 0: its own ``size`` is taken).
    """
    if type(seg) is not dict:
        return "segmentation RLE is not an object {size, counts}"
    problem = size_problem(seg, h, w)
    if problem:
        return problem
    (height, width), counts = seg["size"], seg.get("counts")
    if type(counts) is bytes:
        try:
            counts = counts.decode("ascii")
        except UnicodeDecodeError:
            return BAD_STRING
    if type(counts) is str:
        return check_compressed([counts], [height], [width])[0]
    if type(counts) is list:
        return check_uncompressed(counts, height, width)
    return "segmentation RLE has no 'counts' (a string or a list of integers)"


def counts_from_string(s: str | bytes) -> np.ndarray:
    """One valid compressed counts string -> (R,) int64 run lengths (zeros first, alternating)."""
    data = s.encode("ascii") if isinstance(s, str) else bytes(s)
    c = np.frombuffer(data, np.uint8) - np.uint8(48)
    values, _ = _numbers(c, np.flatnonzero((c & 0x20) == 0), np.flatnonzero(c & 0x20))
    runs = values.astype(np.int64)
    runs[3::2] = np.cumsum(values[1::2])[1:]
    runs[4::2] = np.cumsum(values[2::2])[1:]
    return runs


def _decode_chunk(counts: list[str]) -> tuple[np.ndarray, list[str | None]]:
    """k strings -> ((k,) sum of runs, per string None or what is wrong)."""
    k = len(counts)
    lengths = np.fromiter(map(len, counts), np.int64, k)
    try:
        data = "".join(counts).encode("ascii")
    except UnicodeEncodeError:
        data = b"".join(s.encode() if s.isascii() else b"\x7f" * len(s) for s in counts)
    c = np.frombuffer(data, np.uint8) - np.uint8(48)  # characters below '0' wrap above 63
    bad = _bad_strings(c, lengths)
    if bad.any():
        c = c[np.repeat(~bad, lengths)]
        lengths = np.where(bad, 0, lengths)
    continued = (c & 0x20) != 0
    ends = np.flatnonzero(~continued)
    tokens = np.diff(np.searchsorted(ends, np.cumsum(lengths)), prepend=0)
    values, too_long = _numbers(c, ends, np.flatnonzero(continued))
    first = np.cumsum(tokens) - tokens
    bad[_owners(np.flatnonzero(too_long), first)] = True
    exact = np.float64 if len(values) < _EXACT_FLOAT_TOKENS else np.int64
    totals, negative = _run_sums(values.astype(exact), tokens, first)
    reasons: list[str | None] = [None] * k
    for i in np.flatnonzero(negative & ~bad):
        reasons[int(i)] = BAD_RUN
    for i in np.flatnonzero(bad):
        reasons[int(i)] = BAD_STRING
    return totals, reasons


def _bad_strings(c: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """(k,) bool: strings with a character outside 0..o or ending on "more follows"."""
    string_end = np.cumsum(lengths)
    bad = np.zeros(len(lengths), bool)
    if c.size and c.max() > 63:
        bad[np.searchsorted(string_end, np.flatnonzero(c > 63), side="right")] = True
    nonempty = lengths > 0
    bad[nonempty] |= (c[string_end[nonempty] - 1] & 0x20) != 0
    return bad


def _owners(token_rows: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Token indices -> index of the string holding each (first: (k,) first token per string)."""
    return np.searchsorted(first, token_rows, side="right") - 1


_SIGNED = np.array([(c & 0x1F) - ((c & 0x10) << 1) for c in range(64)] + [0] * 192, np.int32)
"""Value of a one-character number, by character value (0..63)."""


def _numbers(c: np.ndarray, ends: np.ndarray, more: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray]:
    """(n,) uint8 character values 0..63, ``ends`` (T,) positions of final characters and
    ``more`` those of the others ->
    ((T,) int32 signed numbers, (T,) bool "longer than 6 characters": refused, since a run
    below 2**28 never needs more; only its first 6 characters are read)."""
    values = _SIGNED[c[ends]]  # right for one-character numbers, most of them
    too_long = np.zeros(len(ends), bool)
    if not len(more):
        return values, too_long
    multi = np.searchsorted(ends, more)  # the numbers holding those characters (sorted)
    multi = multi[np.concatenate(([True], multi[1:] != multi[:-1]))]
    end = ends[multi]
    start = np.concatenate(([0], ends[:-1] + 1))[multi] if multi[0] == 0 else ends[multi - 1] + 1
    length = end - start + 1
    n = np.minimum(length, _MAX_CHARS)
    v = np.zeros(len(multi), np.int64)
    for j in range(_MAX_CHARS):
        rows = np.flatnonzero(n > j)
        v[rows] |= (c[start[rows] + j] & 0x1F).astype(np.int64) << (5 * j)
    v -= ((c[end] & 0x10) != 0) << (5 * n)
    values[multi] = v
    too_long[multi] = length > _MAX_CHARS
    return values, too_long


def _run_sums(values: np.ndarray, tokens: np.ndarray, first: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray]:
    """Numbers of k strings -> ((k,) sum of their runs, (k,) bool "a run is negative").

    From each string's fourth number on, ``run[m] = number[m] + run[m - 2]``: the runs of odd
    and of even m >= 2 are running sums. Taken per global index parity (strided views, no
    gather): a string's numbers of one parity are one contiguous block of that view, whose
    running sum minus the sum before the block gives the runs; the first number (m = 0) is a
    run by itself and is zeroed in the views. float64 is exact here: numbers are below 2**30
    (int64 when a chunk holds 2**23 numbers or more).
    """
    k = len(tokens)
    has = tokens > 0
    heads = first[has]
    totals = np.zeros(k, values.dtype)
    totals[has] = values[heads]
    negative = np.zeros(k, bool)
    negative[has] = values[heads] < 0
    chains = values.copy()
    chains[heads] = 0
    end = first + tokens
    for parity in (0, 1):
        running = np.cumsum(chains[parity::2])
        start = (first + 1 - parity) // 2
        count = (end + 1 - parity) // 2 - start
        rows = count > 0
        start, count = start[rows], count[rows]
        before = np.where(start > 0, running[np.maximum(start - 1, 0)], 0)
        negative[rows] |= np.minimum.reduceat(running, start) < before
        totals[rows] += np.add.reduceat(running, start) - count * before
    return totals, negative
