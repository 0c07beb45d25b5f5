"""``reports.rank`` (the image table's and the CLI's ranking) against a plain Python sort: NaN
last in either direction, ties in image order, the default ranking's F1 tie-break."""

from __future__ import annotations

import math

import numpy as np
import pytest

from reviewer.core.reports import rank


def _oracle(values, ascending: bool, tie=None) -> list[int]:
    def key(i):
        v = float(values[i])
        nan = math.isnan(v)
        primary = 0.0 if nan else (v if ascending else -v)
        t = 0.0 if tie is None else (-tie[i] if ascending else tie[i])
        return (nan, primary, t, i)
    return sorted(range(len(values)), key=key)


@pytest.mark.parametrize("seed", range(40))
def test_rank_matches_a_python_sort(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 80))
    col = np.round(rng.normal(size=n), 1)  # ties
    col[rng.random(n) < 0.25] = np.nan
    ints = rng.integers(-3, 4, n)
    unsigned = rng.integers(0, 4, n).astype(np.uint8)
    f1 = np.round(rng.random(n), 1)
    for ascending in (True, False):
        assert rank({"x": col}, "x", ascending).tolist() == _oracle(col, ascending)
        assert rank({"k": ints}, "k", ascending).tolist() == _oracle(ints, ascending)
        assert rank({"u": unsigned}, "u", ascending).tolist() == _oracle(unsigned, ascending)
        assert rank({"error": col, "f1": f1}, "error", ascending).tolist() == \
            _oracle(col, ascending, f1)
