"""core.rle: every RLE it accepts is one pycocotools reads to exactly height x width pixels.

The oracle is a line-by-line port of pycocotools' ``rleFrString`` (maskApi.c) with its 32-bit
unsigned runs: pycocotools' ``iou`` / ``merge`` terminate exactly when those runs add up to
height x width, so an accepted RLE must satisfy that, and pycocotools' own ``decode`` must give
the same pixels as our decoder.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pycocotools import mask as mask_utils

from reviewer.core import rle
from reviewer.core.masks import mask_problem
from tests.rle_oracle import c_runs

ALPHABET = "".join(chr(c) for c in range(48, 112))


def encode(mask: np.ndarray) -> str:
    return mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))["counts"].decode()


@settings(max_examples=200, deadline=None)
@given(h=st.integers(0, 40), w=st.integers(0, 40), density=st.floats(0, 1), seed=st.integers(0, 99))
def test_pycocotools_encodings_are_accepted_and_decoded_alike(h, w, density, seed):
    mask = np.random.default_rng(seed).random((h, w)) < density
    s = encode(mask)
    assert rle.check_compressed([s], [h], [w]) == [None]
    runs = rle.counts_from_string(s)
    assert runs.tolist() == c_runs(s)
    assert runs.sum() == h * w and runs[1::2].sum() == mask.sum()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(s=st.text(ALPHABET, max_size=14) | st.text(max_size=6), h=st.integers(0, 9),
       w=st.integers(0, 9))
def test_any_string_is_accepted_only_when_pycocotools_would_read_h_times_w_pixels(s, h, w):
    reason = rle.check_compressed([s], [h], [w])[0]
    well_formed = bool(s) and all(48 <= ord(ch) < 112 for ch in s) and not (ord(s[-1]) - 48) & 0x20
    if reason is not None:
        return
    assert s == "" or well_formed
    assert sum(c_runs(s)) == h * w  # so pycocotools' iou / merge loops end
    decoded = mask_utils.decode({"size": [h, w], "counts": s.encode()})
    assert decoded.shape == (h, w)
    assert int(decoded.sum()) == int(rle.counts_from_string(s)[1::2].sum())
    assert mask_utils.iou([{"size": [h, w], "counts": s.encode()}] * 2,
                          [{"size": [h, w], "counts": s.encode()}], [0]).shape == (2, 1)


def test_runs_adding_up_past_the_image_are_refused():
    """The case that hung every command: a 20x20 mask labelled 10x10."""
    big = np.zeros((20, 20), bool)
    big[2:8, 2:8] = True
    s = encode(big)
    assert rle.check_compressed([s], [10], [10]) == [rle.sum_message(400, 10, 10)]
    with pytest.raises(ValueError):
        mask_utils.decode({"size": [10, 10], "counts": s.encode()})  # pycocotools agrees


def test_runs_adding_up_short_of_the_image_are_refused():
    s = encode(np.ones((3, 3), bool))
    assert rle.check_compressed([s], [4], [4]) == [rle.sum_message(9, 4, 4)]


@pytest.mark.parametrize("s, reason", [
    ("0P", rle.BAD_STRING),        # ends on "more follows": pycocotools reads past the end
    ("0~", rle.BAD_STRING),        # a character beyond 'o'
    ("0 1", rle.BAD_STRING),       # below '0'
    ("0é", rle.BAD_STRING),        # not ASCII
    ("PPPPPP0", rle.BAD_STRING),   # 7 characters: beyond any run pycocotools writes here
    ("100O", rle.BAD_RUN),         # 4th number -1 added to run 1 (0): pycocotools reads 2**32-1
])
def test_malformed_strings(s, reason):
    assert rle.check_compressed([s], [1], [1]) == [reason]


def test_many_strings_across_chunks_equal_one_by_one(monkeypatch):
    rng = np.random.default_rng(3)
    masks = [rng.random((int(rng.integers(1, 30)), int(rng.integers(1, 30)))) < 0.3
             for _ in range(300)]
    strings = [encode(m) for m in masks]
    hs = [m.shape[0] for m in masks]
    ws = [m.shape[1] + (k % 7 == 0) for k, m in enumerate(masks)]  # every 7th is mislabelled
    strings[5] = strings[5] + "P"  # truncated
    one_by_one = [rle.check_compressed([s], [h], [w])[0] for s, h, w in zip(strings, hs, ws,
                                                                              strict=True)]
    monkeypatch.setattr(rle, "_CHUNK_CHARS", 50)
    assert rle.check_compressed(strings, hs, ws) == one_by_one
    assert [r is None for r in one_by_one].count(False) == 1 + len(range(0, 300, 7))


@pytest.mark.parametrize("counts, reason", [
    ([2, 2], None),
    ([2, 1], rle.sum_message(3, 2, 2)),
    ([-1, 5], "segmentation RLE counts are not all non-negative integers"),
    ([True, 3], "segmentation RLE counts are not all non-negative integers"),
    ([2**33, 0], rle.sum_message(2**33, 2, 2)),
])
def test_uncompressed_counts(counts, reason):
    assert rle.rle_problem({"size": [2, 2], "counts": counts}) == reason


def test_masks_of_2_28_pixels_or_more_are_refused():
    assert rle.rle_problem({"size": [2**14, 2**14], "counts": [2**28]}) == rle.too_large(2**14, 2**14)
    assert rle.rle_problem({"size": [2**14, 2**14 - 1], "counts": [2**28 - 2**14]}) is None


def test_mask_problem_covers_polygons_and_the_image_size():
    assert mask_problem([[0, 0, 5, 0, 5, 5]], 10, 10) is None
    assert mask_problem([[0, 0, 5, 0, 5, 5]], 20000, 20000) == rle.too_large(20000, 20000)
    # unknown image size: the polygon's own extent decides (a segfault in pycocotools' merge)
    assert mask_problem([[0, 0, 9e5, 0, 0, 9e5], [0, 0, 1, 0, 1, 1]], 0, 0) is not None
    assert mask_problem([[0, 0, float("nan"), 0, 1, 1]], 10, 10) is not None
    assert mask_problem({"size": [10, 10], "counts": "PP"}, 10, 10) == rle.BAD_STRING
    assert mask_problem({"size": [4, 4], "counts": [16]}, 10, 10).startswith(
        "segmentation RLE size [4, 4] does not match")
