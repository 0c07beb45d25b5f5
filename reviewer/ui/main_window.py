"""The review window's layout: canvas in the centre, docks around it, toolbar, status bar.

Layout only: no behaviour lives here. The controller fills the widgets and connects their
signals; ``install_actions`` builds the menus and toolbar from the actions table.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMenu,
    QProgressBar,
    QStackedWidget,
    QTableView,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from reviewer.ui import actions as action_table
from reviewer.ui.canvas.side_by_side import SideBySideView
from reviewer.ui.canvas.view import CanvasView
from reviewer.ui.icons import icon
from reviewer.ui.widgets.conflicts_panel import ConflictsPanel
from reviewer.ui.widgets.filter_bar import FilterBar
from reviewer.ui.widgets.history_panel import HistoryPanel
from reviewer.ui.widgets.problems_panel import ProblemsPanel
from reviewer.ui.widgets.sort_arrows import install_sort_arrows

OVERLAY_PAGE, SIDE_BY_SIDE_PAGE = 0, 1
SPLIT_HEIGHT = 900  # below this window height the layers and tags panels share one place


class MainWindow(QMainWindow):
    """Signals: ``closed()`` when the window is about to close (state can still be read)."""

    closed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Reviewer")
        self.setDockNestingEnabled(True)
        self.canvas = CanvasView(self)
        self.side_by_side = SideBySideView(self)
        self.canvas_stack = QStackedWidget(self)
        self.canvas_stack.addWidget(self.canvas)
        self.canvas_stack.addWidget(self.side_by_side)
        self.setCentralWidget(self.canvas_stack)
        self.filter_bar = FilterBar(self)
        self.table = _image_table(self)
        self.problems_panel = ProblemsPanel(self)
        self.conflicts_panel = ConflictsPanel(self)
        self.history_panel = HistoryPanel(self)
        self.docks: dict[str, QDockWidget] = {}
        self._add_dock("images", "Images", _column(self, self.filter_bar, self.table),
                       Qt.DockWidgetArea.LeftDockWidgetArea)
        self._add_dock("history", "History", self.history_panel,
                       Qt.DockWidgetArea.RightDockWidgetArea)
        self._add_dock("problems", "Problems", self.problems_panel,
                       Qt.DockWidgetArea.BottomDockWidgetArea)
        self.docks["problems"].hide()
        self._add_dock("conflicts", "Conflicts", self.conflicts_panel,
                       Qt.DockWidgetArea.BottomDockWidgetArea)
        self.docks["conflicts"].hide()
        self.toolbar = QToolBar("Main toolbar", self, objectName="toolbar", movable=False)
        self.toolbar.setIconSize(QSize(20, 20))
        self.addToolBar(self.toolbar)
        self._build_status_bar()
        self.recent_menu = QMenu("Open &Recent", self)
        self.resize(*initial_size(self.screen().availableGeometry() if self.screen() else None))

    # --- docks ------------------------------------------------------------------------------
    def _add_dock(self, name: str, title: str, widget: QWidget, area) -> QDockWidget:
        dock = QDockWidget(title, self, objectName=f"dock_{name}")
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.addDockWidget(area, dock)
        self.docks[name] = dock
        return dock

    def add_side_panel(self, name: str, title: str, widget: QWidget, above: str = "history"):
        """Dock a panel on the right, above ``above`` (layers, tags)."""
        dock = self._add_dock(name, title, widget, Qt.DockWidgetArea.RightDockWidgetArea)
        if above in self.docks:
            self.splitDockWidget(dock, self.docks[above], Qt.Orientation.Vertical)
        if name == "tags" and "history" in self.docks:  # history shares the tags' place
            self.tabifyDockWidget(dock, self.docks["history"])
            dock.raise_()
        return dock

    # --- status bar -------------------------------------------------------------------------
    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.image_label = QLabel(self)
        self.reviewed_label = QLabel(self, toolTip="Images with status 'reviewed'")
        self.team_label = QLabel(self, visible=False)  # reviewed per person (shared stores)
        self.progress_label = QLabel(self)
        self.progress = QProgressBar(self, maximumWidth=220, textVisible=True)
        self.cancel_button = QToolButton(self, text="Cancel", toolTip="Stop loading")
        self.cancel_button.setIcon(icon("cancel"))
        self.cancel_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        bar.addWidget(self.image_label, 1)
        for w in (self.progress_label, self.progress, self.cancel_button):
            bar.addPermanentWidget(w)
        bar.addPermanentWidget(self.team_label)
        bar.addPermanentWidget(self.reviewed_label)
        self.show_progress(False)

    def show_progress(self, visible: bool) -> None:
        for w in (self.progress_label, self.progress, self.cancel_button):
            w.setVisible(visible)

    # --- actions ----------------------------------------------------------------------------
    def install_actions(self, actions: dict[str, QAction]) -> None:
        """Menus and toolbar from ``actions.MENUS`` / ``actions.TOOLBAR``."""
        for s in action_table.ACTIONS:
            target = self.canvas_stack if s.context == "canvas" else self
            target.addAction(actions[s.id])
        for title, ids in action_table.MENUS:
            menu = self.menuBar().addMenu(title)
            for action_id in ids:
                if action_id is None:
                    menu.addSeparator()
                elif action_id == "@recent":
                    menu.addMenu(self.recent_menu)
                elif action_id == "@docks":
                    self.docks_menu = menu.addMenu("&Panels")
                else:
                    menu.addAction(actions[action_id])
        for action_id in action_table.TOOLBAR:
            if action_id is None:
                self.toolbar.addSeparator()
            else:
                self.toolbar.addAction(actions[action_id])

    def refresh_docks_menu(self) -> None:
        self.docks_menu.clear()
        for dock in self.docks.values():
            self.docks_menu.addAction(dock.toggleViewAction())

    def fit_table_columns(self) -> None:
        """Column widths from the header texts (never from 100k cells); the name column wider."""
        header = self.table.horizontalHeader()
        metrics = header.fontMetrics()
        model = self.table.model()
        for c in range(model.columnCount()):
            text = str(model.headerData(c, Qt.Orientation.Horizontal))
            width = metrics.horizontalAdvance(text) + 28
            header.resizeSection(c, max(width, 150 if c == 0 else 44))

    def default_layout(self) -> None:
        """Dock sizes for a first start (a saved layout replaces them): the canvas gets most of
        the width (at 1366 px: ~760 px, three side-by-side panes of ~250 px)."""
        width = self.width()
        left, right = dock_widths(width)
        self.resizeDocks([self.docks["images"]], [left], Qt.Orientation.Horizontal)
        side = [d for k, d in self.docks.items() if k in ("layers", "tags", "history")]
        self.resizeDocks(side[:1], [right], Qt.Orientation.Horizontal)
        if self.height() < SPLIT_HEIGHT and {"layers", "tags"} <= set(self.docks):
            # a short screen (768 px): layers and tags as tabs, each whole; most layer
            # settings have keys (O B T E, X, I), the tags are in front
            self.tabifyDockWidget(self.docks["tags"], self.docks["layers"])
            if "history" in self.docks:  # tabs: Tags, Layers, History
                self.tabifyDockWidget(self.docks["layers"], self.docks["history"])
            self.docks["tags"].raise_()
            return
        height = max(self.height() - 120, 300)
        self.resizeDocks(side[:2], [int(height * 0.58), int(height * 0.42)],
                         Qt.Orientation.Vertical)

    def show_page(self, page: int) -> None:
        self.canvas_stack.setCurrentIndex(page)

    def closeEvent(self, event) -> None:
        self.closed.emit()
        super().closeEvent(event)


def initial_size(available) -> tuple[int, int]:
    """The window's first size: the whole available screen up to 1680 x 1050."""
    if available is None:
        return 1400, 880
    return min(1680, available.width()), min(1050, available.height())


def dock_widths(window_width: int) -> tuple[int, int]:
    """(image table, right panels) widths for a window ``window_width`` wide."""
    left = int(min(max(window_width * 0.25, 300), 440))
    right = int(min(max(window_width * 0.19, 250), 310))
    return left, right


def _image_table(parent) -> QTableView:
    table = QTableView(parent)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    # Shift / Ctrl + click and Ctrl+A select several images: R / S / N and tags apply to all
    table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    table.setSortingEnabled(True)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.setShowGrid(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().hide()
    rows = table.verticalHeader()
    rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # constant row height: 100k rows scroll
    rows.setDefaultSectionSize(table.fontMetrics().height() + 6)
    header = table.horizontalHeader()
    install_sort_arrows(header)  # ▲ smallest first, ▼ largest (worst) first
    header.setHighlightSections(False)
    header.setSectionsMovable(True)
    header.setStretchLastSection(True)
    table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    return table


def _column(parent, *widgets) -> QWidget:
    box = QWidget(parent)
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    for w in widgets:
        layout.addWidget(w, 1 if isinstance(w, QTableView) else 0)
    return box
