"""The tags panel of the review window: tags of the current image and of the selected object,
a "new tag" field and the image note.

Model -> view (no signals): ``set_vocabulary``, ``set_counts``, ``set_current``,
``set_selected_object``, ``set_note``.
View -> model: ``tag_toggled(name, checked)`` for the current image, ``object_tag_toggled(source,
ann_id, name, checked)`` for the selected object, ``tag_created(name)`` (followed by
``tag_toggled(name, True)``), ``entry_finished()`` after Enter in the new-tag field (the window
gives the image the keyboard back: R / S / N / 1-9 work at once), ``tag_move_requested(name,
offset)`` (Alt+Up / Alt+Down or the menu of a tag row), ``tag_remove_requested(name)`` (the
menu of a tag no image carries), ``note_edited(text)`` once per typing
pause (~500 ms) and on focus-out.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFocusEvent, QFont, QTextCursor
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from reviewer.core.tags import Tag, normalise_name
from reviewer.ui.widgets.layers_throttle import Debounce
from reviewer.ui.widgets.tags_chips import TagChips
from reviewer.ui.widgets.tags_list import TagList, hotkeys_for

NOTE_DEBOUNCE_MS = 500
_SOURCE_NOUNS = {"gt": "Ground truth", "pred": "Prediction"}


class _NoteEdit(QPlainTextEdit):
    focus_lost = Signal()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.focus_lost.emit()


def _heading(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    font = QFont(label.font())
    font.setBold(True)
    label.setFont(font)
    return label


class TagsPanel(QWidget):
    """Image tags (hotkeys 1-9), object tags, new tag entry and note editor."""

    tag_toggled = Signal(str, bool)
    object_tag_toggled = Signal(str, int, str, bool)  # source, ann_id, name, checked
    tag_created = Signal(str)
    entry_finished = Signal()
    tag_move_requested = Signal(str, int)
    tag_remove_requested = Signal(str)
    note_edited = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("TagsPanel")
        self._tags: list = []
        self._hotkeys: dict[str, str] = {}
        self._object: tuple[str, int] | None = None
        self._note_sent = ""
        self.image_list = TagList(show_counts=True, parent=self)
        self.image_list.setToolTip("Tags of the current image: click, or press the number. "
                                   "Alt+Up / Alt+Down (or right-click) moves a tag: the number "
                                   "keys stay with the places")
        self.image_list.movable = True
        self.new_tag_edit = QLineEdit(self)
        self.new_tag_edit.setPlaceholderText("New tag… (Enter adds it to this image)")
        self.new_tag_edit.setToolTip("Type a tag name and press Enter: the tag is added to the "
                                     "vocabulary and to the current image")
        self.new_tag_edit.setClearButtonEnabled(True)
        self.object_title = _heading("Selected object", self)
        self.object_list = TagChips(self)
        self.object_list.setToolTip("Tags of the selected object")
        self.note_edit = _NoteEdit(self)
        self.note_edit.setPlaceholderText("Note on this image…")
        self.note_edit.setToolTip("Free-text note on the current image; saved as you type")
        self.note_edit.setTabChangesFocus(True)
        self.note_edit.setFixedHeight(self.note_edit.fontMetrics().lineSpacing() * 4 + 12)
        self._note_debounce = Debounce(NOTE_DEBOUNCE_MS, self)
        self._build_layout()
        self._connect()
        self.set_selected_object(None)

    def _build_layout(self) -> None:
        content = QWidget(self)
        layout = QVBoxLayout(content)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(6)
        image_heading = _heading("Image tags", content)
        layout.addWidget(image_heading)
        layout.addWidget(self.image_list)
        layout.addWidget(self.new_tag_edit)
        self.object_section = QWidget(content)
        object_layout = QVBoxLayout(self.object_section)
        object_layout.setContentsMargins(0, 6, 0, 0)
        object_layout.setSpacing(6)
        object_layout.addWidget(self.object_title)
        object_layout.addWidget(self.object_list)
        layout.addWidget(self.object_section)
        note_label = _heading("&Note", content)
        note_label.setBuddy(self.note_edit)
        layout.addSpacing(6)
        layout.addWidget(note_label)
        layout.addWidget(self.note_edit)
        layout.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

    def _connect(self) -> None:
        self.image_list.toggled.connect(self.tag_toggled)
        self.image_list.move_requested.connect(self.tag_move_requested)
        self.image_list.remove_requested.connect(self.tag_remove_requested)
        self.object_list.toggled.connect(self._on_object_list_toggled)
        self.new_tag_edit.returnPressed.connect(self._on_new_tag_return_pressed)
        self.note_edit.textChanged.connect(self._on_note_text_changed)
        self.note_edit.focus_lost.connect(self._note_debounce.flush)
        self._note_debounce.fired.connect(self._emit_note)

    # --- model -> view -------------------------------------------------------------------
    def set_vocabulary(self, tags: Iterable) -> None:
        """Tags in display order (a TagVocabulary or objects with ``.name``, ``.colour`` and
        optional ``.hotkey``, ``.description``, ``.group``). Checks and counts are kept by name."""
        self._tags = list(tags)
        self._hotkeys = hotkeys_for(self._tags)
        self.image_list.set_tags(self._tags, self._hotkeys)
        self.object_list.set_tags(self._tags, {})

    def set_counts(self, counts: dict[str, int] | None) -> None:
        """Number of images carrying each tag (missing names: 0; None: no counts shown)."""
        self.image_list.set_counts(counts)

    def set_current(self, image_tags: Iterable[str]) -> None:
        """Check the tags of the current image."""
        self.image_list.set_checked_names(image_tags)

    def set_selected_object(self, source: str | None, ann_id: int | None = None,
                            tags: Iterable[str] = (), label: str = "") -> None:
        """Show the selected object's tags (``source`` "gt" or "pred"); ``None`` hides the
        section. ``label`` (e.g. the class name) is shown in the title."""
        if source is None:
            self._object = None
            self.object_section.hide()
            return
        self._object = (str(source), int(ann_id))
        noun = _SOURCE_NOUNS.get(source, str(source))
        extra = f" · {label}" if label else ""
        self.object_title.setText(f"Tags of {noun.lower()} #{ann_id}{extra}")
        self.object_list.set_checked_names(tags)
        self.object_section.show()

    def set_note(self, text: str) -> None:
        """Show the current image's note (emits nothing itself).

        A pending (not yet emitted) edit is emitted first so it is never lost; the controller
        should flush before switching images so it lands on the right one. When ``text`` is the
        note as it was before that edit (a refresh that read the store before the flush), the
        edited text stays on screen instead of being replaced by the stale value.
        """
        text = text or ""
        if self._note_debounce.pending:
            before = self._note_sent
            self.flush_note()
            if text == before:
                return
        self.note_edit.blockSignals(True)
        self.note_edit.setPlainText(text)
        self.note_edit.moveCursor(QTextCursor.MoveOperation.End)  # typing appends
        self.note_edit.blockSignals(False)
        self._note_sent = text

    # --- user actions (also for the window's key forwarding) -----------------------------
    def toggle_position(self, n: int) -> str | None:
        """Toggle the image tag with hotkey ``n`` (1-9, as the hints show); returns its name,
        or None when no tag has that hotkey."""
        name = self._name_for_hotkey(n)
        if name is not None:
            self.image_list.toggle(name)
        return name

    def toggle_object_position(self, n: int) -> str | None:
        """Toggle the selected object's tag with hotkey ``n``; None when no object is selected
        or no tag has that hotkey."""
        name = self._name_for_hotkey(n)
        if name is None or self._object is None:
            return None
        self.object_list.toggle(name)
        return name

    def flush_note(self) -> None:
        """Emit a pending note edit now."""
        self._note_debounce.flush()

    def _name_for_hotkey(self, n: int) -> str | None:
        wanted = str(n).casefold()
        for name, key in self._hotkeys.items():
            if key.casefold() == wanted:
                return name
        return None

    def _on_object_list_toggled(self, name: str, checked: bool) -> None:
        if self._object is not None:
            self.object_tag_toggled.emit(self._object[0], self._object[1], name, checked)

    def _on_new_tag_return_pressed(self) -> None:
        try:
            name = normalise_name(self.new_tag_edit.text())
        except ValueError:
            self.entry_finished.emit()  # Enter on an empty field: back to the image too
            return
        self.new_tag_edit.clear()
        if self.image_list.item_for(name) is None:
            self.tag_created.emit(name)
            if self.image_list.item_for(name) is None:  # the controller did not rebuild yet
                self.set_vocabulary([*self._tags, Tag.make(name)])
        existing = self.image_list.item_for(name)
        self.image_list.toggle(existing.data(0, Qt.ItemDataRole.UserRole), True)
        self.entry_finished.emit()

    def _on_note_text_changed(self) -> None:
        self._note_debounce.poke()

    def _emit_note(self) -> None:
        text = self.note_edit.toPlainText()
        if text != self._note_sent:
            self._note_sent = text
            self.note_edited.emit(text)
