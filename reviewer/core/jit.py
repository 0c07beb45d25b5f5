"""The compiled kernels' switch: numba when it can be imported, else the numpy reference code.

Every kernel (``core.sparse_iou``, ``core.match_kernel``, ``core.accumulate_kernel``) has a numpy
reference implementation it is tested against element by element; ``enabled()`` tells the
callers which one runs. numba compiles a kernel the first time it is called and keeps the
machine code on disk (``cache=True``): in ``__pycache__`` beside this package when that folder is
writable, else in the user's cache folder (numba's ``NUMBA_CACHE_DIR``, default
``~/.cache/numba``-like per platform). A first run on a fresh machine pays the compilation once
(measured in bench/README.md); later processes load the cached code in milliseconds.

``REVIEWER_NO_JIT=1`` in the environment turns the kernels off (the numpy path runs), as does a
missing or broken numba.
"""

from __future__ import annotations

import os

_state: dict = {}

MIN_WORK = 200_000
"""Below this many predictions the numpy path is faster than loading the compiled kernels
(~0.5-1 s per process: importing numba and its cached machine code)."""

CROWDED = 250_000
"""A group (one image and class) with more prediction x GT pairs than this takes the kernels
whatever the size of the dataset: the numpy path would hold the dense IoU matrix."""


def use(work: int, largest_group: int = 0) -> bool:
    """Whether the kernels should run for ``work`` predictions whose largest group has
    ``largest_group`` pairs (see MIN_WORK and CROWDED; ``_state["always"]`` forces them, for
    the tests that compare both paths on small cases)."""
    if work < MIN_WORK and largest_group <= CROWDED and not _state.get("always"):
        return False
    return enabled()


def enabled() -> bool:
    """True when numba is importable and not switched off by ``REVIEWER_NO_JIT``."""
    if "on" not in _state:
        _state["on"] = False
        if os.environ.get("REVIEWER_NO_JIT", "") not in ("", "0"):
            return False
        try:
            import numba  # noqa: F401
        except Exception:  # ImportError, or a numba that fails on this numpy
            return False
        _state["on"] = True
    return _state["on"]


def njit(fn):
    """``numba.njit(cache=True, nogil=True, error_model="numpy")`` (IEEE division: x / 0 is inf,
    0 / 0 nan, as in numpy) when numba is there, else ``fn`` unchanged (pure
    Python: correct, slow, and never called by the library when ``enabled()`` is False)."""
    if not enabled():
        return fn
    import numba
    return numba.njit(cache=True, nogil=True, error_model="numpy")(fn)
