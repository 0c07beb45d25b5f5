"""The error dialog: a short message, and the details (traceback, file names) folded away."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget


def error_box(parent: QWidget | None, title: str, message: str, details: str = "") -> QMessageBox:
    """A non-modal-ready message box; the caller decides to ``exec()`` or ``open()`` it."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle(title)
    box.setText(message)
    if details:
        box.setDetailedText(details)
        box.setInformativeText("The details list what went wrong; the log file keeps them too.")
    box.setStandardButtons(QMessageBox.StandardButton.Close)
    return box
