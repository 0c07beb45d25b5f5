"""A checkable list of tags: colour chip, name, hotkey hint and count; a click anywhere on a row
(or Space / Enter on the current row) toggles it. Alt+Up / Alt+Down or the right-click menu ask
to move the current tag within its group (``move_requested``): keys stay with the places."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QFont, QKeyEvent, QPalette
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QMenu, QTreeWidget, QTreeWidgetItem

from reviewer.core.tag_keys import display_order, effective_hotkeys
from reviewer.core.tags import name_key
from reviewer.ui.widgets.layers_class_list import (
    RoomyDelegate,
    fit_rows_height,
    swatch_icon,
    to_qcolor,
)

NAME, KEY, COUNT = 0, 1, 2
NAME_ROLE = Qt.ItemDataRole.UserRole


def hotkeys_for(tags: list) -> dict[str, str]:
    """name -> hotkey text: the tags' own ``hotkey`` fields when any tag has one, else the
    positions 1-9 in the list (``core.tag_keys.effective_hotkeys``)."""
    return effective_hotkeys(tags)


class TagList(QTreeWidget):
    """``toggled(name, checked)`` when the user toggles a tag (never from the setters);
    ``move_requested(name, offset)`` (-1 up, +1 down) when the user moves one;
    ``remove_requested(name)`` to take a tag that no image carries out of the vocabulary."""

    toggled = Signal(str, bool)
    move_requested = Signal(str, int)
    remove_requested = Signal(str)  # a tag no image carries, from the right-click menu

    def __init__(self, show_counts: bool = True, parent=None):
        super().__init__(parent)
        self._items: dict[str, QTreeWidgetItem] = {}  # name_key -> row
        self.setColumnCount(3)
        self.setHeaderHidden(True)
        self.setRootIsDecorated(False)
        self.setIndentation(0)
        self.setItemDelegate(RoomyDelegate(self))
        self.setIconSize(QSize(12, 12))
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(KEY, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COUNT, QHeaderView.ResizeMode.ResizeToContents)
        self.setColumnHidden(COUNT, not show_counts)
        self.itemClicked.connect(self._on_item_clicked)
        self.movable = False  # set by the owner when moves are handled
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._on_context_menu_requested)

    # --- setters (no signals) ---------------------------------------------------------------
    def set_tags(self, tags: list, hotkeys: Mapping[str, str]) -> None:
        """Rebuild the rows, keeping check states and counts by name. Tags need ``.name`` and
        ``.colour``; ``.description`` becomes the tooltip, ``.group`` a heading when the list
        has more than one group."""
        checked = self.checked_names()
        counts = {k: item.text(COUNT) for k, item in self._items.items()}
        self.clear()
        self._items = {}
        tags = display_order(tags)
        groups = list(dict.fromkeys(getattr(t, "group", "") for t in tags))
        group = None
        for tag in tags:
            if len(groups) > 1 and getattr(tag, "group", "") != group:
                group = getattr(tag, "group", "")
                self._add_heading(group or "other")
            item = self._add_tag(tag, hotkeys.get(tag.name, ""))
            key = name_key(tag.name)
            item.setText(COUNT, counts.get(key, ""))
            self._set_item_checked(item, key in {name_key(n) for n in checked})
        self._fit_height()

    def _add_heading(self, text: str) -> None:
        heading = QTreeWidgetItem([text[:1].upper() + text[1:]])
        heading.setFlags(Qt.ItemFlag.ItemIsEnabled)
        font = QFont(self.font())
        font.setBold(True)
        heading.setFont(NAME, font)
        heading.setForeground(NAME, self.palette().color(QPalette.ColorRole.PlaceholderText))
        self.addTopLevelItem(heading)
        heading.setFirstColumnSpanned(True)

    def _add_tag(self, tag, hotkey: str) -> QTreeWidgetItem:
        item = QTreeWidgetItem([tag.name, hotkey, ""])
        item.setData(NAME, NAME_ROLE, tag.name)
        item.setIcon(NAME, swatch_icon(to_qcolor(tag.colour)))
        item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
        description = getattr(tag, "description", "") or ""
        tip = tag.name + (f" — {description}" if description else "")
        if hotkey:
            item.setToolTip(KEY, f"Press {hotkey} to toggle “{tag.name}”")
        item.setToolTip(NAME, tip)
        item.setToolTip(COUNT, f"Images tagged “{tag.name}”")
        item.setForeground(KEY, self.palette().color(QPalette.ColorRole.PlaceholderText))
        item.setTextAlignment(KEY, Qt.AlignmentFlag.AlignCenter)
        item.setTextAlignment(COUNT, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.addTopLevelItem(item)
        self._items[name_key(tag.name)] = item
        return item

    def set_checked_names(self, names: Iterable[str]) -> None:
        keys = {name_key(n) for n in names}
        for key, item in self._items.items():
            self._set_item_checked(item, key in keys)

    def set_counts(self, counts: Mapping[str, int] | None) -> None:
        """Images per tag; tags missing from ``counts`` show 0; None shows no counts."""
        by_key = {name_key(k): int(v) for k, v in (counts or {}).items()}
        for key, item in self._items.items():
            item.setText(COUNT, "" if counts is None else str(by_key.get(key, 0)))

    # --- queries and user actions -------------------------------------------------------
    def names(self) -> list[str]:
        return [item.data(NAME, NAME_ROLE) for item in self._items.values()]

    def item_for(self, name: str) -> QTreeWidgetItem | None:
        try:
            return self._items.get(name_key(name))
        except ValueError:
            return None

    def is_checked(self, name: str) -> bool:
        item = self.item_for(name)
        return item is not None and item.checkState(NAME) == Qt.CheckState.Checked

    def checked_names(self) -> set[str]:
        return {item.data(NAME, NAME_ROLE) for item in self._items.values()
                if item.checkState(NAME) == Qt.CheckState.Checked}

    def toggle(self, name: str, checked: bool | None = None) -> bool:
        """Toggle (or set) a tag as the user would: emits ``toggled`` when it changes.
        Returns False when no tag has that name."""
        item = self.item_for(name)
        if item is None:
            return False
        on = not self.is_checked(name) if checked is None else bool(checked)
        if on != self.is_checked(name):
            self._set_item_checked(item, on)
            self.toggled.emit(item.data(NAME, NAME_ROLE), on)
        return True

    def keyPressEvent(self, event: QKeyEvent) -> None:
        item = self.currentItem()
        alt = event.modifiers() == Qt.KeyboardModifier.AltModifier
        if alt and event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down) and item is not None \
                and item.data(NAME, NAME_ROLE) and self.movable:
            self.move_requested.emit(item.data(NAME, NAME_ROLE),
                                     -1 if event.key() == Qt.Key.Key_Up else 1)
            event.accept()
            return
        toggles = (Qt.Key.Key_Space, Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if event.key() in toggles and item is not None and item.data(NAME, NAME_ROLE):
            self.toggle(item.data(NAME, NAME_ROLE))
            event.accept()
            return
        super().keyPressEvent(event)

    def select_name(self, name: str) -> None:
        """Make a tag the current row (keeps the place of a moved tag under the keyboard)."""
        item = self.item_for(name)
        if item is not None:
            self.setCurrentItem(item)

    def _on_context_menu_requested(self, pos) -> None:
        item = self.itemAt(pos)
        name = item.data(NAME, NAME_ROLE) if item is not None else None
        if not name or not self.movable:
            return
        self.setCurrentItem(item)
        menu = QMenu(self)
        menu.addAction("Move Up", lambda: self.move_requested.emit(name, -1)) \
            .setShortcut("Alt+Up")
        menu.addAction("Move Down", lambda: self.move_requested.emit(name, 1)) \
            .setShortcut("Alt+Down")
        if item.text(COUNT) == "0":  # only a tag no image carries: nothing to lose
            menu.addSeparator()
            menu.addAction(f"Remove “{name}” from the Vocabulary",
                           lambda: self.remove_requested.emit(name))
        menu.exec(self.viewport().mapToGlobal(pos))

    def _on_item_clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        if item.data(NAME, NAME_ROLE):
            self.toggle(item.data(NAME, NAME_ROLE))

    @staticmethod
    def _set_item_checked(item: QTreeWidgetItem, on: bool) -> None:
        """Check mark plus a bold name: readable whatever the style draws for the box."""
        item.setCheckState(NAME, Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
        font = item.font(NAME)
        font.setBold(on)
        item.setFont(NAME, font)

    def _fit_height(self) -> None:
        self.setFixedHeight(fit_rows_height(self))
