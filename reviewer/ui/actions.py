"""Every action of the review window, declared as a table: id, text, shortcut, icon, handler.

``build_actions(parent, target)`` makes one ``QAction`` per row, with its icon, shortcuts and a
tooltip naming the shortcut, and connects it to ``target.<handler>(*args)``. Menus and toolbar
are lists of ids (``MENUS``, ``TOOLBAR``). Rows with ``context="canvas"`` are extra shortcuts
active only while the canvas has the focus (arrow keys).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence

from reviewer import tasks
from reviewer.ui.icons import icon


@dataclass(frozen=True)
class ActionSpec:
    id: str
    text: str
    shortcut: str | None
    icon: str | None
    handler: str
    tip: str
    args: tuple = ()
    checkable: bool = False
    group: str | None = None
    extra_shortcuts: tuple[str, ...] = ()
    context: str = "window"


A = ActionSpec
ACTIONS: tuple[ActionSpec, ...] = (
    A("new_project", "&New Project…", "Ctrl+N", "new", "new_project", "Create a project from "
      "images, ground truth and predictions"),
    A("open_project", "&Open Project…", "Ctrl+O", "open", "open_project", "Open a project folder"),
    A("quit", "&Quit", "Ctrl+Q", "quit", "quit", "Close the window"),
    A("undo", "&Undo", "Ctrl+Z", "undo", "undo", "Undo the last review action or correction"),
    A("redo", "&Redo", "Ctrl+Shift+Z", "redo", "redo", "Redo the last undone action",
      extra_shortcuts=("Ctrl+Y",)),
    A("previous_image", "&Previous Image", "K", "previous", "previous_image",
      "Show the previous image of the ranking"),
    A("next_image", "&Next Image", "J", "next", "next_image", "Show the next image of the ranking"),
    A("next_unreviewed", "Next &Unreviewed", "U", "next_unreviewed", "next_unreviewed",
      "Show the next unreviewed image of the ranking"),
    A("next_for_me", "Next Image for &Me", "M", "next_unreviewed", "next_for_me",
      "Take the worst unreviewed image that nobody else is reviewing or was assigned (a lease: "
      "other reviewers will not get it); R, S and N then move on the same way"),
    A("set_user_name", "Set My &Name…", None, None, "set_user_name",
      "The name recorded with your changes (default: your login name)"),
    A("mark_reviewed", "Mark &Reviewed", "R", "reviewed", "mark_status",
      "Mark the image reviewed and go to the next one", ("reviewed",)),
    A("mark_skipped", "Mark &Skipped", "S", "skipped", "mark_status",
      "Skip the image and go to the next one", ("skipped",)),
    A("mark_second_look", "Needs Second &Look", "N", "second_look", "mark_status",
      "Flag the image for a second look and go to the next one", ("needs-second-look",)),
    A("view_overlay", "&Overlay", "O", "overlay", "set_view_mode",
      "Ground truth and predictions over the image", ("overlay",), True, "view"),
    A("view_side_by_side", "Side by &Side", "B", "side_by_side", "set_view_mode",
      "Image, ground truth and predictions in three synchronised panes, left to right",
      ("side_by_side",), True, "view"),
    A("view_stacked", "S&tacked", "T", "stacked", "set_view_mode",
      "Image above ground truth above predictions, synchronised (wide images)", ("stacked",),
      True, "view"),
    A("view_errors", "&Errors", "E", "errors", "set_view_mode",
      "Only the errors: false positives, missed objects, wrong classes", ("errors",), True,
      "view"),
    A("view_grid", "&Grid of Thumbnails", "G", "grid", "grid.toggle",
      "Thumbnails of the ranking and filter, ~50 at a glance: select several, tag, mark or "
      "relabel them at once; Enter or a double-click opens one; again: back to the image",
      checkable=True, extra_shortcuts=("Ctrl+G",)),
    A("swap_styles", "Swap Fill and Outline", "X", None, "view_actions.swap_styles",
      "Exchange the looks of ground truth and predictions: which one is filled, which outlined"),
    A("only_class", "Show Only This Class", "I", None, "view_actions.only_class_here",
      "Show only the class of the selected object (or the one under the mouse), in ground "
      "truth and predictions; again: every class"),
    A("all_classes", "Show All Classes", "Shift+I", None, "view_actions.all_classes",
      "Show every class again, in ground truth and predictions"),
    A("canvas_only", "&Canvas Only", "Ctrl+Shift+F", None, "view_actions.toggle_canvas_only",
      "Hide every panel to give the image the whole window; again: bring them back"),
    A("fit", "&Fit to Window", "F", "fit", "fit", "Fit the image to the window"),
    A("zoom_in", "Zoom &In", "+", "zoom_in", "zoom_in", "Zoom in", extra_shortcuts=("=",)),
    A("zoom_out", "Zoom &Out", "-", "zoom_out", "zoom_out", "Zoom out"),
    A("actual_size", "&Actual Size", "Ctrl+0", "actual_size", "actual_size",
      "One image pixel per screen pixel"),
    A("focus_filter", "&Filter Images…", "Ctrl+F", "filter", "focus_filter",
      "Type to filter the images by file name"),
    A("shortcuts", "&Keyboard Shortcuts", "F1", "keyboard", "show_shortcuts",
      "List every keyboard shortcut"),
    A("about", "&About Reviewer", None, "about", "show_about", "Versions and licence"),
    A("export", "&Export…", "Ctrl+E", None, "export_review", "Write the corrected dataset, "
      "the change log, tag statistics, metrics and an HTML report into a folder"),
    A("analysis_tag_stats", "&Tag Statistics", None, None, "show_analysis",
      "Error analysis per failure tag: share of data and errors, metric on the tag's images",
      ("tag_stats",)),
    A("analysis_confusion", "&Confusion Matrix", None, None, "show_analysis",
      "Which classes are predicted as which: click a cell to list its images", ("confusion",)),
    A("analysis_class_metrics", "&Per-Class Metrics", None, None, "show_analysis",
      "Metric per class before and after the corrections, GT and prediction counts",
      ("class_metrics",)),
    A("analysis_slices", "&Slices", None, None, "show_analysis",
      "The metric on a tag, status, class or the current filter beside the whole set",
      ("slices",)),
    A("analysis_pr", "P&R Curves", None, None, "show_analysis",
      "Precision-recall curve per class with the score threshold's operating point", ("pr",)),
    A("analysis_column_slices", "Slices &by Column", None, None, "show_analysis",
      "The metric on each value of a column (metadata such as split or camera, tag, status): "
      "click a slice to list its images", ("column_slices",)),
    A("analysis_leaks", "Lea&ks", None, None, "show_analysis",
      "Duplicates, near-duplicates and shared groups across the partitions of a split, side "
      "by side", ("leaks",)),
    A("analysis_class_curves", "PR and ROC C&urves", None, None, "show_analysis",
      "Precision-recall and ROC curve per class (one vs the rest) with the operating point",
      ("class_curves",)),
    A("analysis_calibration", "&Reliability Diagram", None, None, "show_analysis",
      "Accuracy against confidence in 15 bins: is the model as sure as it is right? (ECE)",
      ("calibration",)),
    A("analysis_score_hist", "Score &Histograms", None, None, "show_analysis",
      "The probability of a class for the images labelled with it and for the others",
      ("score_hist",)),
    A("analysis_scatter", "Class-vs-Class Sc&atter", None, None, "show_analysis",
      "p(class A) against p(class B) per image, coloured by label; click a point to open it",
      ("scatter",)),
    A("analysis_label_errors", "Confidence vs &Label", None, None, "show_analysis",
      "Confidence against the probability of the label per image: the confidently wrong and "
      "the likely label errors (confident learning); click a point to open it",
      ("label_errors",)),
    A("analysis_cost", "Threshold vs C&ost", None, None, "show_analysis",
      "Cost per image at every threshold from the costs of a false positive and a false "
      "negative; drag the threshold to choose the project's operating threshold",
      ("cost",)),
    A("analysis_compare", "Compare &Models", None, None, "models.show_compare",
      "Two models side by side: per class, image by image (most regressed first) and a "
      "paired bootstrap of the metric's difference"),
    A("canvas_next", "Next Image", "Right", None, "next_image", "Next image", context="canvas",
      extra_shortcuts=("Down",)),
    A("canvas_previous", "Previous Image", "Left", None, "previous_image", "Previous image",
      context="canvas", extra_shortcuts=("Up",)),
) + tuple(A(f"task_{t.name}", f"&{t.title} ({t.summary})", f"Ctrl+{k + 1}", None, "switch_task",
            f"Review the project's {t.title.lower()} ground truth and predictions", (t.name,),
            True, "task") for k, t in enumerate(tasks.all_tasks())
          ) + tuple(A(f"tag_{n}", f"Toggle Tag {n}", str(n), None, "toggle_tag_at",
                      f"Toggle the image tag with hotkey {n} (see the tags panel)", (n,))
                    for n in range(1, 10))
TASK_ACTIONS = tuple(f"task_{name}" for name in tasks.names())
del A

MENUS: tuple[tuple[str, tuple[str | None, ...]], ...] = (
    ("&File", ("new_project", "open_project", "@recent", None, "export", None, "quit")),
    ("&Edit", ("undo", "redo", None, "focus_filter")),
    ("&Review", ("mark_reviewed", "mark_skipped", "mark_second_look", None, "previous_image",
                 "next_image", "next_unreviewed", "next_for_me", None, "set_user_name")),
    ("&View", ("view_overlay", "view_side_by_side", "view_stacked", "view_errors", None,
               "view_grid", None, "swap_styles", "only_class", "all_classes", None, *TASK_ACTIONS, None, "fit", "zoom_in", "zoom_out", "actual_size", None,
               "canvas_only", "@docks")),
    ("&Analysis", ("analysis_tag_stats", "analysis_confusion", "analysis_class_metrics",
                   "analysis_slices", "analysis_pr", "analysis_column_slices",
                   "analysis_leaks", "analysis_class_curves", "analysis_calibration",
                   "analysis_score_hist", "analysis_scatter", "analysis_label_errors",
                   "analysis_cost", None, "analysis_compare")),
    ("&Help", ("shortcuts", None, "about")),
)
TOOLBAR: tuple[str | None, ...] = (
    "open_project", None, "undo", "redo", None, "previous_image", "next_image", "next_unreviewed",
    None, "mark_reviewed", "mark_skipped", "mark_second_look", None, "view_overlay",
    "view_side_by_side", "view_stacked", "view_errors", "view_grid", None, "fit", "zoom_in",
    "zoom_out")


def spec(action_id: str) -> ActionSpec:
    return next(s for s in ACTIONS if s.id == action_id)


def build_actions(parent, target) -> dict[str, QAction]:
    """One QAction per row of ``ACTIONS``, triggering ``target.<handler>(*args)``."""
    groups: dict[str, QActionGroup] = {}
    out = {}
    for s in ACTIONS:
        action = QAction(icon(s.icon), s.text, parent)
        action.setObjectName(s.id)
        keys = [QKeySequence(k) for k in (s.shortcut, *s.extra_shortcuts) if k]
        action.setShortcuts(keys)
        shortcut = f" ({keys[0].toString(QKeySequence.SequenceFormat.NativeText)})" if keys else ""
        action.setToolTip(f"{s.text.replace('&', '').rstrip('…')}{shortcut}: {s.tip}")
        action.setStatusTip(s.tip)
        action.setCheckable(s.checkable)
        if s.context == "canvas":
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        if s.group:
            groups.setdefault(s.group, QActionGroup(parent)).addAction(action)
        action.triggered.connect(_caller(target, s.handler, s.args))
        out[s.id] = action
    return out


def _caller(target, handler: str, args: tuple):
    """``target.handler(*args)``; a dotted handler ("view_actions.swap_styles") names a helper
    the target builds after its actions, so it is looked up when the action fires."""
    if "." not in handler:
        method = getattr(target, handler)
        return lambda *_: method(*args)

    def call(*_):
        obj = target
        for part in handler.split("."):
            obj = getattr(obj, part)
        obj(*args)
    return call


def shortcut_rows() -> list[tuple[str, str, str]]:
    """(keys, action, description) for the keyboard shortcuts sheet."""
    rows = []
    for s in ACTIONS:
        keys = [k for k in (s.shortcut, *s.extra_shortcuts) if k]
        if not keys or s.id.startswith("tag_"):
            continue
        text = QKeySequence(keys[0]).toString(QKeySequence.SequenceFormat.NativeText)
        for k in keys[1:]:
            text += " / " + QKeySequence(k).toString(QKeySequence.SequenceFormat.NativeText)
        where = " (canvas)" if s.context == "canvas" else ""
        rows.append((text, s.text.replace("&", "") + where, s.tip))
    rows.append(("1 … 9", "Toggle tag", "Toggle the image tag with that number (tags panel); "
                 "on several selected images: add it to all, or remove it from all"))
    rows.append(("Shift / Ctrl + click, Ctrl+A", "Select several images (image table)",
                 "R / S / N and the tags then apply to every selected image, as one undo step"))
    rows.append(("Enter (new tag field)", "Add a tag", "Adds the typed tag to the image and gives "
                 "the keyboard back to the image; a new tag gets the next free number"))
    rows.append(("Alt+Up / Alt+Down (tags panel)", "Move a tag",
                 "Move the current tag within its group: the number keys stay with the places"))
    rows.append(("Arrows, Home / End, Page Up / Down (grid)", "Move in the grid",
                 "Shift extends the selection, Ctrl moves without selecting; Ctrl+A selects "
                 "every thumbnail, Esc keeps only the current one, Enter opens it"))
    rows.append(("Ctrl+wheel (grid)", "Thumbnail size", "Bigger or smaller thumbnails "
                 "(also the slider in the status bar)"))
    rows.append(("Double-click (layers class)", "Show only this class",
                 "Show one class in ground truth and predictions; again: every class"))
    rows.append(("Ctrl+wheel (confusion matrix)", "Zoom the matrix", "Bigger or smaller cells"))
    from reviewer.ui.tools.toolbar import shortcut_rows as tool_rows  # tools import no actions
    return rows + tool_rows()
