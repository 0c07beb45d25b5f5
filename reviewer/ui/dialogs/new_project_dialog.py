"""New project: the fields of ``reviewer init``, validated the same way before anything opens.

The form asks for the project folder, the images, the task and that task's own inputs — the
fields its plug-in declares (``reviewer.tasks``: paths with a Browse button, thresholds and
indices as spin boxes), shown for the chosen task only; "Guess from the ground truth" asks every
task whether the ground truth is theirs, as ``reviewer init`` does.

``create_project(folder, images, task, options, force)`` is the validation and writing step: an
existing project file is refused unless overwriting is asked, the paths are resolved, the file is
written and read back with ``load_project`` (which checks every path exists); on failure nothing
new is left behind.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from reviewer import tasks
from reviewer.core.problems import InputError
from reviewer.io.project import ProjectError, load_project, new_project, project_file, save_project


def create_project(folder: str, images: str, task: str | None, options: dict,
                   force: bool = False) -> Path:
    """Write and validate a project file; ProjectError names what is wrong.

    task: a task name, or None to guess it from ``options["gt"]``; options: the task's input
    values by field key (``gt``, ``pred``, thresholds…)."""
    gt = options.get("gt")
    if not folder or not images or not gt:
        raise ProjectError("the project folder, the images and the ground truth are required")
    file = project_file(folder)
    if file.exists() and not force:
        raise ProjectError(f"{file} exists (tick 'overwrite' to replace it)")
    task = task or tasks.guess_task(Path(gt).expanduser())
    if task is None:
        raise ProjectError(f"cannot tell which task {gt} is for: choose the task")
    try:
        project = new_project(folder, images, task, options)
    except InputError as exc:  # e.g. a ground truth in no format Reviewer reads
        raise ProjectError(str(exc)) from None
    old = file.read_bytes() if file.exists() else None
    save_project(project)
    try:
        load_project(file)
    except ProjectError:
        if old is None:
            file.unlink(missing_ok=True)
        else:
            file.write_bytes(old)
        raise
    return file


class NewProjectDialog(QDialog):
    """Ask for the inputs of a new project; ``project_path`` is set when accepted."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("New Project")
        self.project_path: Path | None = None
        self.folder, self.images = self._path_edit("dir"), self._path_edit("dir")
        self.task = QComboBox(self)
        self.task.addItem("Guess from the ground truth", "")
        for t in tasks.all_tasks():
            self.task.addItem(t.title, t.name)
        self.force = QCheckBox("Overwrite an existing project file", self)
        self.error = QLabel(self, wordWrap=True)
        self.inputs: dict[str, QWidget] = {}  # field key -> editor (one per key, all tasks)
        self._rows: dict[str, QWidget] = {}
        self._layout()
        self.task.currentIndexChanged.connect(self._show_task_fields)
        self._show_task_fields()

    def _path_edit(self, kind: str) -> QLineEdit:
        edit = QLineEdit(self)
        edit.setProperty("kind", kind)
        return edit

    def _with_browse(self, edit: QLineEdit, tip: str) -> QWidget:
        box = QWidget(self)
        h = QHBoxLayout(box)
        h.setContentsMargins(0, 0, 0, 0)
        h.addWidget(edit, 1)
        browse = QPushButton("Browse…", box, toolTip=tip)
        browse.clicked.connect(lambda: self._browse(edit))
        h.addWidget(browse)
        edit.setToolTip(tip)
        return box

    def _editor(self, f) -> QWidget:
        if f.is_path:
            edit = self._path_edit(f.kind)
            edit.setProperty("key", f.key)
            self.inputs[f.key] = edit
            return self._with_browse(edit, f.help)
        if f.kind == "fraction":
            spin = QDoubleSpinBox(self, minimum=0.0, maximum=1.0, singleStep=0.05, decimals=2,
                                  toolTip=f.help)
        else:
            spin = QSpinBox(self, minimum=-1, maximum=2**31 - 1, toolTip=f.help)
        if f.default is not None:
            spin.setValue(f.default)
        self.inputs[f.key] = spin
        return spin

    def _layout(self) -> None:
        form = QFormLayout()
        form.addRow("Project folder", self._with_browse(self.folder,
                                                        "Where reviewer.json is written"))
        form.addRow("Images", self._with_browse(self.images, "Folder of images"))
        form.addRow("Task", self.task)
        for t in tasks.all_tasks():
            for f in t.fields:
                if f.key not in self._rows:
                    self._rows[f.key] = self._editor(f)
                    form.addRow(_label(f.key), self._rows[f.key])
        form.addRow("", self.force)
        self.form = form
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def _task_keys(self) -> set[str]:
        name = self.task.currentData()
        chosen = [tasks.get(name)] if name else tasks.all_tasks()
        return {f.key for t in chosen for f in t.fields}

    def _show_task_fields(self, *args) -> None:
        keys = self._task_keys()
        for key, row in self._rows.items():
            self.form.setRowVisible(row, key in keys)

    def _browse(self, edit: QLineEdit) -> None:
        kind = edit.property("kind")
        key = edit.property("key")
        if key is not None:  # the chosen task's kind of input (a folder for one, a file for another)
            name = self.task.currentData()
            field = next((f for f in tasks.get(name).fields if f.key == key), None) \
                if name else None
            kind = field.kind if field is not None else "path"
        if kind == "dir":
            path = QFileDialog.getExistingDirectory(self, "Choose a folder", edit.text())
        else:
            path = QFileDialog.getOpenFileName(self, "Choose a file", edit.text())[0]
        if path:
            edit.setText(path)

    def options(self) -> dict:
        """The shown task fields' values (empty paths are None)."""
        out = {}
        for key in self._task_keys():
            w = self.inputs[key]
            out[key] = (w.text().strip() or None) if isinstance(w, QLineEdit) else w.value()
        return out

    def accept(self) -> None:
        try:
            self.project_path = create_project(
                self.folder.text().strip(), self.images.text().strip(),
                self.task.currentData() or None, self.options(), self.force.isChecked())
        except (ProjectError, OSError) as exc:
            self.error.setText(str(exc))
            return
        super().accept()


def _label(key: str) -> str:
    return {"gt": "Ground truth", "pred": "Predictions"}.get(key, key.replace("_", " ").capitalize())
