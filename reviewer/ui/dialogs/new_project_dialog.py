"""New project: the fields of ``reviewer init``, validated the same way before anything opens.

``create_project(...)`` is the validation and writing step shared with the CLI's rules: an
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

from reviewer.io.project import ProjectError, load_project, new_project, project_file, save_project


def create_project(folder: str, images: str, gt: str, pred: str | None, task: str | None,
                   classes: str | None = None, iou: float = 0.5, score: float = 0.5,
                   ignore_index: int = 255, force: bool = False) -> Path:
    """Write and validate a project file; ProjectError names what is wrong."""
    if not folder or not images or not gt:
        raise ProjectError("the project folder, the images and the ground truth are required")
    file = project_file(folder)
    if file.exists() and not force:
        raise ProjectError(f"{file} exists (tick 'overwrite' to replace it)")
    if not task:
        from reviewer.formats import guess_task  # a YOLO / VOC folder is detection
        task = guess_task(gt)
    project = new_project(folder, images, gt, pred or None, task, classes or None, iou, score,
                          ignore_index)
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
        self.folder, self.images = self._path(True), self._path(True)
        self.gt, self.pred, self.classes = self._path(None), self._path(None), self._path(False)
        self.task = QComboBox(self)
        for text, value in (("Guess from the ground truth", ""), ("Detection", "detection"),
                            ("Segmentation", "segmentation")):
            self.task.addItem(text, value)
        self.iou, self.score = _spin(0.5), _spin(0.5)
        self.ignore = QSpinBox(self, minimum=-1, maximum=65535, value=255)
        self.force = QCheckBox("Overwrite an existing project file", self)
        self.error = QLabel(self, wordWrap=True)
        self.error.setForegroundRole(self.error.foregroundRole())
        self._layout()

    def _path(self, folder: bool | None) -> QLineEdit:
        edit = QLineEdit(self)
        edit.setProperty("pick_folder", folder)
        return edit

    def _row(self, edit: QLineEdit, tip: str) -> QWidget:
        box = QWidget(self)
        h = QHBoxLayout(box)
        h.setContentsMargins(0, 0, 0, 0)
        h.addWidget(edit, 1)
        browse = QPushButton("Browse…", box, toolTip=tip)
        browse.clicked.connect(lambda: self._browse(edit))
        h.addWidget(browse)
        edit.setToolTip(tip)
        return box

    def _layout(self) -> None:
        form = QFormLayout()
        form.addRow("Project folder", self._row(self.folder, "Where reviewer.json is written"))
        form.addRow("Images", self._row(self.images, "Folder of images"))
        form.addRow("Ground truth", self._row(self.gt, "COCO instances JSON, or a folder of "
                                                       "label PNGs"))
        form.addRow("Predictions", self._row(self.pred, "COCO results JSON, or a folder of "
                                                        "predicted label PNGs (optional)"))
        form.addRow("Classes", self._row(self.classes, "Segmentation class names (optional)"))
        form.addRow("Task", self.task)
        form.addRow("IoU threshold", self.iou)
        form.addRow("Score threshold", self.score)
        form.addRow("Ignore index", self.ignore)
        form.addRow("", self.force)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def _browse(self, edit: QLineEdit) -> None:
        kind = edit.property("pick_folder")
        if kind is True or (kind is None and self.task.currentData() == "segmentation"):
            path = QFileDialog.getExistingDirectory(self, "Choose a folder", edit.text())
        else:
            path = QFileDialog.getOpenFileName(self, "Choose a file", edit.text())[0]
        if path:
            edit.setText(path)

    def accept(self) -> None:
        try:
            self.project_path = create_project(
                self.folder.text().strip(), self.images.text().strip(), self.gt.text().strip(),
                self.pred.text().strip() or None, self.task.currentData() or None,
                self.classes.text().strip() or None, self.iou.value(), self.score.value(),
                self.ignore.value(), self.force.isChecked())
        except (ProjectError, OSError) as exc:
            self.error.setText(str(exc))
            return
        super().accept()


def _spin(value: float) -> QDoubleSpinBox:
    spin = QDoubleSpinBox(minimum=0.0, maximum=1.0, singleStep=0.05, decimals=2)
    spin.setValue(value)
    return spin
