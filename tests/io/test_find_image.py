"""``find_row`` / ``find_image``: which image a user's reference names (an id, a file name with
or without its folder, a unique stem), against the rule spelled as a plain loop."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest

from reviewer.io.session import find_image, find_row


def _oracle(ids, names, text: str) -> int | None:
    """The rule, row by row: the first row whose id or name reads as ``text`` (the name with or
    without its folder), else the only row whose stem does; None when none or several."""
    for i, (image_id, name) in enumerate(zip(ids, names, strict=True)):
        name = str(name)
        if text in (str(image_id), name) or name.rsplit("/", 1)[-1] == text:
            return i
    stems = [i for i, n in enumerate(names)
             if str(n).rsplit("/", 1)[-1].rsplit(".", 1)[0] == text]
    return stems[0] if len(stems) == 1 else None


def _objects(values) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


NAMES = ["a/img_1.jpg", "img_1.png", "b/img_10.jpg", "12.jpg", "c/d/7", "img.tar.gz", "x/12",
         "img_10.jpg.bak", "3", "e/img_2.jpeg"]
IDS = {
    "int64": np.array([3, 12, 7, 100, 5, 6, 40, 8, 9, 10], dtype=np.int64),
    "uint8": np.array([3, 12, 7, 100, 5, 6, 40, 8, 9, 10], dtype=np.uint8),
    "object ints": _objects([3, 12, 7, 100, 5, 6, 40, 8, 9, 10]),
    "object strings": _objects(["s3", "12", "x/12", "img_1", "5", "b", "40", "8", "9", "q"]),
    "mixed": _objects(["s3", 12, "7", 100, 5.0, "img_1.jpg", 40, 8, 9, None]),
    "floats": np.array([3.0, 12, 7, 100, 5, 6, 40, 8, 9, 10]),
}
TEXTS = ["3", "12", "7", "5", "5.0", "100", "img_1", "img_1.jpg", "a/img_1.jpg", "img_10",
         "img_10.jpg", "b/img_10.jpg", "img_2", "img", "img.tar", "c/d/7", "d/7", "x/12", "None",
         "12.jpg", "", "-1", "300", "99999999999999999999", " 12", "s3", "q", "zzz", "img_1.jp"]


@pytest.mark.parametrize("kind", IDS)
def test_every_reference_finds_the_row_the_rule_finds(kind):
    ids = IDS[kind]
    table = {"image_id": ids, "file_name": _objects(NAMES)}
    for text in TEXTS:
        want = _oracle(ids.tolist(), NAMES, text)
        if want is None:
            with pytest.raises(KeyError, match="no image"):
                find_row(table, text)
        else:
            assert find_row(table, text) == want, (kind, text)
            assert find_image(table, text) == ids[want]


def test_random_tables_agree_with_the_rule():
    rng = np.random.default_rng(0)
    parts = ["a", "b", "1", "12", "img", "."]
    for _ in range(200):
        n = int(rng.integers(1, 12))
        names = ["/".join("".join(rng.choice(parts, rng.integers(1, 4)))
                          for _ in range(rng.integers(1, 3))) for _ in range(n)]
        ids = rng.integers(0, 20, n)
        table = {"image_id": ids, "file_name": _objects(names)}
        for text in [*names[:3], *map(str, ids[:3].tolist()), "1", "12", "a", "img", "b.1"]:
            want = _oracle(ids.tolist(), names, text)
            got = None
            with contextlib.suppress(KeyError):
                got = find_row(table, text)
            assert got == want, (names, ids.tolist(), text)
