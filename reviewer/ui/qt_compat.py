"""Work around a PySide6 6.12 / shiboken6 6.12 bug on Python < 3.12.

Every call of a PySide6 method that returns nothing (``painter.drawRect``, ``setObjectName``,
a Python ``paint`` override called by Qt, ...) drops one reference to ``None`` that it never took
(shiboken 6.12 assumes the immortal ``None`` of Python 3.12+). A few tens of thousands of calls
later ``None``'s count reaches zero and the interpreter aborts with "none_dealloc: deallocating
None" (reproduced: 1000 ``QObject.setObjectName`` calls lower ``sys.getrefcount(None)`` by 1000).
``keep_none_alive()`` gives ``None`` the effectively infinite count it has on 3.12+.
Remove this module when PySide6 is fixed or Python >= 3.12 is required.
"""

from __future__ import annotations

import ctypes
import sys

_MARGIN = 1 << 40


def keep_none_alive() -> None:
    """Make ``None`` immortal in practice (no-op on Python 3.12+, where it is)."""
    if sys.version_info >= (3, 12):
        return
    refcount = ctypes.c_ssize_t.from_address(id(None))  # ob_refcnt: first field of PyObject
    if refcount.value < _MARGIN:
        refcount.value += _MARGIN


keep_none_alive()
