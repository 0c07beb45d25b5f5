"""The about box: what Reviewer is and the versions of everything it runs on."""

from __future__ import annotations

import platform
from importlib import metadata

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import qVersion
from PySide6.QtWidgets import QMessageBox, QWidget

from reviewer import __version__

PACKAGES = ("numpy", "opencv-python-headless", "pycocotools", "psygnal", "pandas")


def versions() -> list[tuple[str, str]]:
    """(name, version) of Reviewer, Python, Qt, PySide6 and the numeric libraries."""
    out = [("Reviewer", __version__), ("Python", platform.python_version()),
           ("Qt", qVersion()), ("PySide6", pyside_version)]
    for name in PACKAGES:
        try:
            out.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            out.append((name, "not installed"))
    return out


def about_box(parent: QWidget | None, log_path: str = "") -> QMessageBox:
    rows = "".join(f"<tr><td>{n}</td><td>&nbsp;&nbsp;{v}</td></tr>" for n, v in versions())
    box = QMessageBox(parent)
    box.setWindowTitle("About Reviewer")
    box.setText(f"<h3>Reviewer {__version__}</h3>"
                "<p>Error analysis and label repair for computer-vision datasets.</p>")
    log = f"<p>Log file: {log_path}</p>" if log_path else ""
    box.setInformativeText(f"<table>{rows}</table>{log}<p>Licence: MIT</p>")
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    return box
