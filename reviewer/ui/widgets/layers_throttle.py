"""Rate limiting for slider drags and typing, built on single-shot QTimers (no superqt)."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal


class Throttle(QObject):
    """Fires ``fired`` at most once per ``interval_ms``.

    The first ``poke()`` fires at once; pokes during the following interval are coalesced into
    one firing at its end (so the last value is never lost). ``flush()`` fires a pending poke
    now (slider released); ``cancel()`` drops it (state replaced by a setter).
    """

    fired = Signal()

    def __init__(self, interval_ms: int, parent: QObject | None = None):
        super().__init__(parent)
        self._pending = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._on_timer_timeout)

    @property
    def pending(self) -> bool:
        return self._pending

    def poke(self) -> None:
        if self._timer.isActive():
            self._pending = True
            return
        self._timer.start()
        self.fired.emit()

    def flush(self) -> None:
        self._timer.stop()
        if self._pending:
            self._pending = False
            self.fired.emit()

    def cancel(self) -> None:
        self._timer.stop()
        self._pending = False

    def _on_timer_timeout(self) -> None:
        if self._pending:
            self._pending = False
            self._timer.start()  # keep the rate limit while the drag goes on
            self.fired.emit()


class Debounce(QObject):
    """Fires ``fired`` once, ``interval_ms`` after the last ``poke()`` (one firing per pause).

    ``flush()`` fires a pending poke now (focus left the editor); ``cancel()`` drops it.
    """

    fired = Signal()

    def __init__(self, interval_ms: int, parent: QObject | None = None):
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.fired.emit)

    @property
    def pending(self) -> bool:
        return self._timer.isActive()

    def poke(self) -> None:
        self._timer.start()  # restarts: the interval counts from the last poke

    def flush(self) -> None:
        if self._timer.isActive():
            self._timer.stop()
            self.fired.emit()

    def cancel(self) -> None:
        self._timer.stop()
