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
