"""Wiring of the layers panel, the tags panel and the canvas clicks to the controller.

The panels only show what they are given and emit what the user did; this module turns their
signals into commands (``SetImageTags``, ``SetObjectTags``, ``EditNote``; on several selected
images one ``Macro``) and view changes (``LayerState``), and feeds them the current image's
tags, note and class counts. Vocabulary changes (a new tag gets the next free number key, a
moved tag takes the key of its new place) go to the review store's vocabulary.
"""

from __future__ import annotations

from collections import Counter

from reviewer import tasks
from reviewer.core import tag_keys
from reviewer.core.commands import EditNote, SetObjectTags
from reviewer.core.view_state import default_class_colors
from reviewer.ui.widgets.layers_panel import LayersPanel
from reviewer.ui.widgets.tags_panel import TagsPanel


class PanelLinks:
    """Creates the two side panels in the window and links them to ``controller``."""

    def __init__(self, controller):
        self.c = controller
        w = controller.window
        self.layers = LayersPanel(w)
        self.tags = TagsPanel(w)
        w.add_side_panel("layers", "Layers", self.layers)
        w.add_side_panel("tags", "Tags", self.tags)
        self.layers.layers_changed.connect(self._on_layers_changed)
        self.layers.only_class_requested.connect(
            lambda k: controller.view_actions.show_only_class(k))
        self.layers.all_classes_requested.connect(lambda: controller.view_actions.all_classes())
        self.tags.tag_toggled.connect(self._on_tags_tag_toggled)
        self.tags.object_tag_toggled.connect(self._on_tags_object_tag_toggled)
        self.tags.tag_created.connect(self._on_tags_tag_created)
        self.tags.entry_finished.connect(lambda: controller.view_actions.focus_canvas())
        self.tags.tag_move_requested.connect(self._on_tags_tag_move_requested)
        self.tags.tag_remove_requested.connect(self._on_tags_tag_remove_requested)
        self.tags.note_edited.connect(self._on_tags_note_edited)
        for view in (w.canvas, w.side_by_side):
            view.object_clicked.connect(self._on_canvas_object_clicked)

    # --- controller -> panels ---------------------------------------------------------------
    def session_opened(self, session) -> None:
        names = self.c.class_names()
        colours = tasks.get(session.data.task).class_colors(session.data)
        table = default_class_colors(len(names))
        if colours:
            table[: len(colours)] = colours[: len(names)]
        self.layers.set_classes(names, table)
        self._refresh_vocabulary()

    def _refresh_vocabulary(self) -> None:
        store = self.c.session.store
        self.tags.set_vocabulary(store.vocabulary())
        counts = Counter(t for tags in self.c.model.review.tags for t in tags) \
            if self.c.model is not None else None
        self.tags.set_counts(dict(counts) if counts is not None else None)

    def image_selected(self, row: int) -> None:
        """Show the tags, note and class counts of image row ``row``."""
        c = self.c
        key = c.image_id(row)
        self.tags.set_current(c.model.review.tags[row])
        self.tags.set_note(c.session.store.note(key))
        self.tags.set_selected_object(None)
        frame = c.frame
        if frame is not None and frame.objects:
            gt = Counter(o.class_index for o in frame.objects if o.source == "gt")
            pred = Counter(o.class_index for o in frame.objects if o.source == "pred")
            self.layers.set_counts(dict(gt), dict(pred))
        else:
            self.layers.set_counts(None, None)

    def review_changed(self) -> None:
        counts = Counter(t for tags in self.c.model.review.tags for t in tags)
        self.tags.set_counts(dict(counts))

    def show_view_mode(self, state) -> None:
        self.layers.set_state(state)

    def toggle_position(self, n: int) -> None:
        self.tags.toggle_position(n)

    def flush(self) -> None:
        self.tags.flush_note()

    # --- panels -> controller ---------------------------------------------------------------
    def _on_layers_changed(self, state) -> None:
        if state.view_mode != self.c.layers.view_mode:
            self.c.layers = state
            self.c.set_view_mode(state.view_mode)
        else:
            self.c.apply_layers(state)

    def _on_tags_tag_toggled(self, name: str, checked: bool) -> None:
        c = self.c
        if c.current is None:
            return
        if c.selection.several():  # every selected image, one history entry
            c.selection.set_tag(name, checked)
            return
        before = set(c.model.review.tags[c.current])
        if (name in before) != checked:
            c.toggle_tag(name)

    def _on_tags_object_tag_toggled(self, source: str, ann_id: int, name: str,
                                    checked: bool) -> None:
        c = self.c
        if c.current is None:
            return
        key = c.image_id(c.current)
        before = tuple(sorted(c.session.store.object_tags(key, source, ann_id)))
        after = tuple(sorted(set(before) | {name} if checked else set(before) - {name}))
        if after != before:
            c.execute(SetObjectTags(key, before, after, source=source, ann_id=int(ann_id)))

    def _on_tags_tag_created(self, name: str) -> None:
        store = self.c.session.store
        if name not in {r.name for r in store.tags()}:
            store.add_tag(name, hotkey=tag_keys.hotkey_for_new_tag(store.vocabulary()))
        self._refresh_vocabulary()
        self.c.refresh_filter_choices()

    def _on_tags_tag_move_requested(self, name: str, offset: int) -> None:
        """Move a tag within its group; the number keys stay with the places."""
        store = self.c.session.store
        move = tag_keys.move(store.vocabulary(), name, offset)
        if move is None:
            return
        with store.transaction():
            for tag in move.hotkeys:  # free the keys first: a key is unique at every step
                store.update_tag(tag, hotkey=None)
            for tag, key in move.hotkeys.items():
                if key:
                    store.update_tag(tag, hotkey=key)
            for position, tag in enumerate(move.order):
                if [r.name for r in store.tags()][position] != tag:
                    store.update_tag(tag, position=position)
        self._refresh_vocabulary()
        self.tags.image_list.select_name(name)

    def _on_tags_tag_remove_requested(self, name: str) -> None:
        """Take an unused tag out of the vocabulary (the store keeps it: typing the name
        again brings it back)."""
        self.c.session.store.remove_tag(name)
        self._refresh_vocabulary()
        self.c.refresh_filter_choices()
        self.c.window.statusBar().showMessage(
            f"“{name}” removed from the tags (type it as a new tag to bring it back)", 5000)

    def _on_tags_note_edited(self, text: str) -> None:
        c = self.c
        if c.current is None:
            return
        key = c.image_id(c.current)
        before = c.session.store.note(key)
        if text != before:
            c.execute(EditNote(key, before, text))

    def _on_canvas_object_clicked(self, source: str, ann_id: int) -> None:
        c = self.c
        if c.current is None or not source or ann_id < 0 or c.frame is None:
            self.tags.set_selected_object(None)
            return
        obj = next((o for o in c.frame.objects if o.key == (source, ann_id)), None)
        key = c.image_id(c.current)
        tags = c.session.store.object_tags(key, source, ann_id)
        self.tags.set_selected_object(source, ann_id, tags, obj.class_name if obj else "")
