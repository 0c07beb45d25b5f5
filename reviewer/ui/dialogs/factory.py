"""Every dialog the controller opens goes through a ``DialogFactory``.

Tests pass a ``HeadlessDialogs`` (records what would have been shown, answers from a script), so
no modal dialog ever blocks a headless run.
"""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QFileDialog, QWidget

from .about_dialog import about_box
from .error_dialog import error_box
from .new_project_dialog import NewProjectDialog
from .shortcuts_dialog import ShortcutsDialog


class DialogFactory:
    """Real dialogs (modal where a decision is needed)."""

    def __init__(self, log_path: str = ""):
        self.log_path = log_path

    def choose_project(self, parent: QWidget | None, start: str = "") -> str | None:
        path = QFileDialog.getExistingDirectory(parent, "Open Project (folder with reviewer.json)",
                                                start)
        return path or None

    def new_project(self, parent: QWidget | None) -> str | None:
        dialog = NewProjectDialog(parent)
        ok = dialog.exec() == QDialog.DialogCode.Accepted
        return str(dialog.project_path) if ok and dialog.project_path else None

    def error(self, parent: QWidget | None, title: str, message: str, details: str = "") -> None:
        box = error_box(parent, title, message, details)
        box.exec()

    def about(self, parent: QWidget | None) -> None:
        about_box(parent, self.log_path).exec()

    def shortcuts(self, parent: QWidget | None) -> None:
        ShortcutsDialog(parent).exec()


class HeadlessDialogs(DialogFactory):
    """Shows nothing: records calls in ``shown`` and answers ``answers[kind]`` (or None)."""

    def __init__(self, answers: dict | None = None):
        super().__init__()
        self.answers = dict(answers or {})
        self.shown: list[tuple] = []

    def choose_project(self, parent, start=""):
        self.shown.append(("choose_project",))
        return self.answers.get("choose_project")

    def new_project(self, parent):
        self.shown.append(("new_project",))
        return self.answers.get("new_project")

    def error(self, parent, title, message, details=""):
        self.shown.append(("error", title, message))

    def about(self, parent):
        self.shown.append(("about",))

    def shortcuts(self, parent):
        self.shown.append(("shortcuts",))
