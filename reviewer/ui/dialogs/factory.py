"""Every dialog the controller opens goes through a ``DialogFactory``.

Tests pass a ``HeadlessDialogs`` (records what would have been shown, answers from a script), so
no modal dialog ever blocks a headless run.
"""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QFileDialog, QInputDialog, QLineEdit, QMessageBox, QWidget

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

    def conflict(self, parent: QWidget | None, message: str) -> str:
        """Someone else changed what a command changes: "reload" (take theirs) or "keep"."""
        box = QMessageBox(QMessageBox.Icon.Warning, "Changed by someone else", message,
                          parent=parent)
        box.setInformativeText("Reload shows their version and drops your change; Keep Mine "
                               "puts your version over theirs (they can undo it).")
        reload = box.addButton("Reload", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Keep Mine", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(reload)
        box.exec()
        return "reload" if box.clickedButton() is reload else "keep"

    def password(self, parent: QWidget | None, where: str) -> str | None:
        """The server's password (kept in memory only), or None when cancelled."""
        text, ok = QInputDialog.getText(parent, "Password", f"Password for {where}\n(not "
                                        "saved: set PGPASSWORD or ~/.pgpass to skip this)",
                                        QLineEdit.EchoMode.Password)
        return text if ok and text else None

    def user_name(self, parent: QWidget | None, current: str) -> str | None:
        """The name recorded with every change, or None when cancelled."""
        text, ok = QInputDialog.getText(parent, "My Name", "Name recorded with your changes "
                                        "(empty: your login name)", QLineEdit.EchoMode.Normal,
                                        current)
        return text.strip() if ok else None


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

    def conflict(self, parent, message):
        self.shown.append(("conflict", message))
        return self.answers.get("conflict", "reload")

    def password(self, parent, where):
        self.shown.append(("password", where))
        return self.answers.get("password")

    def user_name(self, parent, current):
        self.shown.append(("user_name", current))
        return self.answers.get("user_name")
