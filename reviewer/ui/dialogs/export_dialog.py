"""File ▸ Export…: choose a folder and options, run ``reviewer.io.export.export`` in the
background with a progress bar and Cancel, then open report.html.

``ExportDialog(session, parent, url_opener)``: ``url_opener(QUrl)`` opens the report when the
export ends (default ``QDesktopServices.openUrl``; tests pass a recorder so no browser starts).
Signals: ``exported(ExportResult)``, ``export_failed(str)``, ``export_cancelled()``.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from reviewer.ui.workers import Job

STAGES = {"selecting": "Selecting images…", "changes": "Writing the change log…",
          "tag statistics": "Computing tag statistics…", "metrics": "Computing metrics…",
          "finishing": "Finishing…"}


def default_folder(session) -> Path:
    root = Path(session.project.root)
    return root.parent / f"{root.name}-export"


class ExportDialog(QDialog):
    exported = Signal(object)
    export_failed = Signal(str)
    export_cancelled = Signal()

    def __init__(self, session, parent=None, url_opener=None):
        super().__init__(parent)
        self.setWindowTitle("Export Review")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.session = session
        self.url_opener = url_opener or QDesktopServices.openUrl
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="export")
        self.job: Job | None = None
        self.result = None
        self._build()
        self.finished.connect(lambda _: self.pool.shutdown(wait=False))

    def _build(self) -> None:
        self.folder = QLineEdit(str(default_folder(self.session)), self)
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self._on_browse_clicked)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(browse)
        self.only_reviewed = QCheckBox("Only images marked reviewed", self)
        self.tags = QListWidget(self, toolTip="Tick tags to export only the images carrying "
                                "one of them (nothing ticked: every image)")
        self.tags.setAccessibleName("Only images carrying one of the ticked tags")
        self.tags.setMaximumHeight(130)
        for rec in self.session.store.tags():
            item = QListWidgetItem(rec.name, self.tags)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
        self.report = QCheckBox("Include the HTML report (report.html)", self, checked=True)
        self.open_report = QCheckBox("Open the report when done", self, checked=True)
        self.report.toggled.connect(self.open_report.setEnabled)
        self.force = QCheckBox("Replace an earlier export in this folder", self, toolTip=(
            "Only a folder an earlier Reviewer export made is ever replaced"))
        others = [t for t in self.session.project.tasks if t != self.session.data.task]
        self.all_tasks = QCheckBox(
            f"Also export {', '.join(others)} (each task in its own subfolder)", self,
            checked=True, visible=bool(others))
        self.formats = self._format_boxes()
        form = QFormLayout()
        form.addRow("Folder", folder_row)
        if self.formats:
            row = QHBoxLayout()
            for box in self.formats.values():
                row.addWidget(box)
            row.addStretch(1)
            form.addRow("Formats", row)
        form.addRow("Images", self.only_reviewed)
        form.addRow("Only tags", self.tags)
        form.addRow("", self.report)
        form.addRow("", self.open_report)
        form.addRow("", self.force)
        if others:
            form.addRow("Tasks", self.all_tasks)
        self.stage = QLabel(self, wordWrap=True)
        self.progress = QProgressBar(self)
        self.progress.hide()
        self.buttons = QDialogButtonBox(self)
        self.export_button = self.buttons.addButton("Export",
                                                    QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.export_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self._on_cancel_clicked)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.stage)
        layout.addWidget(self.progress)
        layout.addWidget(self.buttons)
        self.resize(520, self.sizeHint().height())

    # --- options ----------------------------------------------------------------------------
    def _format_boxes(self) -> dict[str, QCheckBox]:
        """One tick box per format the project's tasks export (``Task.export_formats``; the
        first, a task's own format, ticked); none when no task offers a choice."""
        from reviewer import tasks
        offered = [f for t in self.session.project.tasks for f in tasks.get(t).export_formats]
        offered = list(dict.fromkeys(offered))
        if len(offered) < 2:
            return {}
        tips = {"coco": "COCO JSON: holds everything (original ids and fields kept)",
                "yolo": "YOLO labels (yolo/labels/*.txt + data.yaml)",
                "voc": "Pascal VOC XML (voc/Annotations/*.xml)",
                "labelme": "LabelMe JSON, one file per image (labelme/*.json)"}
        labels = {"coco": "COCO", "yolo": "YOLO", "voc": "Pascal VOC", "labelme": "LabelMe"}
        return {n: QCheckBox(labels.get(n, n), self, checked=k == 0,
                             toolTip=tips.get(n, n) + "; loss_report.json says what it could "
                             "not hold")
                for k, n in enumerate(offered)}

    def chosen_formats(self) -> list[str] | None:
        """The ticked formats (None: each task's own)."""
        return [n for n, box in self.formats.items() if box.isChecked()] or None

    def chosen_tags(self) -> list[str]:
        return [self.tags.item(i).text() for i in range(self.tags.count())
                if self.tags.item(i).checkState() == Qt.CheckState.Checked]

    def _on_browse_clicked(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Export into folder", self.folder.text())
        if path:
            self.folder.setText(path)

    # --- running ----------------------------------------------------------------------------
    def start(self) -> None:
        """Run the export in the background with the options shown."""
        from reviewer.io.export import export
        out = Path(self.folder.text().strip()).expanduser()
        if not self.folder.text().strip():
            self._show_error("Choose a folder to export into.")
            return
        session, reviewed, tags = self.session, self.only_reviewed.isChecked(), self.chosen_tags()
        force, report = self.force.isChecked(), self.report.isChecked()
        formats = self.chosen_formats()
        others = [t for t in session.project.tasks if t != session.data.task] \
            if self.all_tasks.isChecked() else []

        def run(progress):
            from contextlib import ExitStack

            from reviewer.io.session import open_session
            with ExitStack() as stack:  # the other tasks, read from the store this window writes
                sessions = [session] + [
                    stack.enter_context(open_session(session.project, t, read_only=True))
                    for t in others]
                sessions.sort(key=lambda s: session.project.tasks.index(s.data.task))
                from reviewer import tasks
                offered = {f for s in sessions for f in tasks.get(s.data.task).export_formats}
                chosen = [f for f in formats or () if f in offered] or None
                return export(sessions, out, reviewed, tags or None, force, progress, report,
                              chosen)

        job = Job(run, parent=self)
        job.progressed.connect(self._on_job_progressed)
        job.finished.connect(self._on_job_finished)
        job.failed.connect(self._on_job_failed)
        job.cancelled.connect(self._on_job_cancelled)
        self.job = job
        self._set_running(True)
        self.stage.setText("Exporting…")
        job.start(self.pool)

    def _set_running(self, running: bool) -> None:
        self.progress.setVisible(running)
        self.progress.setRange(0, 0)
        self.export_button.setEnabled(not running)
        for w in self.findChildren(QWidget):
            if isinstance(w, QCheckBox | QLineEdit | QListWidget):
                w.setEnabled(not running)
        if not running:
            self.open_report.setEnabled(self.report.isChecked())

    def _on_cancel_clicked(self) -> None:
        if self.job is not None:
            self.job.cancel()
            self.stage.setText("Cancelling…")
        else:
            super().reject()

    def _on_job_progressed(self, stage: str, done: int, total: int) -> None:
        self.stage.setText(STAGES.get(stage, stage.capitalize() + "…"))
        self.progress.setRange(0, max(total, 0))
        self.progress.setValue(done)

    def _on_job_finished(self, result) -> None:
        self.job, self.result = None, result
        self._set_running(False)
        text = f"Exported {result.images} images to {result.out}\n{result.summary}"
        if result.loss:
            text += "\n" + "\n".join(result.loss_lines())
        if result.problems:
            text += f"\n{len(result.problems)} problems were reported (see the report)."
        self.stage.setText(text)
        self.export_button.setText("Export Again")
        self.cancel_button.setText("Close")
        name = next((f for f in result.files if f.endswith("report.html")), "report.html")
        report = result.out / name
        if name in result.files and self.open_report.isChecked() and report.is_file():
            self.url_opener(QUrl.fromLocalFile(str(report)))
        self.exported.emit(result)

    def _on_job_failed(self, exc) -> None:
        self.job = None
        self._set_running(False)
        self._show_error(f"Export failed: {exc}")
        self.export_failed.emit(str(exc))

    def _on_job_cancelled(self) -> None:
        self.job = None
        self._set_running(False)
        self.stage.setText("Export cancelled: nothing was written.")
        self.export_cancelled.emit()

    def _show_error(self, text: str) -> None:
        self.stage.setText(f"<span style='color:#c0392b'>{text}</span>")

    def reject(self) -> None:
        if self.job is not None:  # Esc / Cancel while running: stop first, close afterwards
            self._on_cancel_clicked()
            return
        super().reject()
