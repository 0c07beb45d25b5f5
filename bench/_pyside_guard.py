"""Work around PySide6 6.12.0 on Python < 3.12: every call of a Qt method returning void
decrements None's reference count (measured: -1000 after 1000 QObject.setObjectName calls;
6.11.3 gives 0), so a process aborts with "none_dealloc" after a few thousand Qt calls.

Benchmarks and demos only: the real fix is a PySide6 version without the bug (e.g. 6.11.3)
or Python >= 3.12, whose None is immortal.
"""

from __future__ import annotations

import ctypes
import sys


def guard_none_refcount() -> None:
    """Give None a huge reference count when running the affected PySide6 on Python < 3.12."""
    import PySide6
    if sys.version_info < (3, 12) and PySide6.__version__.startswith("6.12."):
        ctypes.c_ssize_t.from_address(id(None)).value += 1 << 40
