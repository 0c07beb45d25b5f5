"""TagsPanel: model -> view (vocabulary rows, hotkeys, counts, checks) and view -> model (clicks,
hotkeys, new tag, object tags, the debounced note)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QLineEdit

from reviewer.core.tags import Tag, TagVocabulary, default_vocabulary
from reviewer.ui.widgets.tags_list import NAME_ROLE
from reviewer.ui.widgets.tags_panel import TagsPanel

# two groups, as in a store begun before the TIDE error types left the default vocabulary
VOCABULARY = TagVocabulary([Tag.make(n, group="error type")
                            for n in ("cls", "loc", "both", "dupe", "bkg", "miss")]
                           + list(default_vocabulary()))


@pytest.fixture
def panel(qtbot):
    widget = TagsPanel()
    qtbot.addWidget(widget)
    widget.set_vocabulary(VOCABULARY)
    widget.resize(300, 900)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _tag_rows(tree):
    rows = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
    return [r for r in rows if r.data(0, NAME_ROLE)]


def _click_row(qtbot, tree, name):
    item = tree.item_for(name)
    tree.scrollToItem(item)
    rect = tree.visualItemRect(item)
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(rect.center().x(), rect.center().y()))


# --- model -> view -------------------------------------------------------------------------

def test_vocabulary_rows_in_order_with_hotkeys_and_descriptions(panel):
    rows = _tag_rows(panel.image_list)
    assert [r.text(0) for r in rows] == VOCABULARY.names()
    for row, tag in zip(rows, VOCABULARY, strict=True):
        assert row.text(1) == (tag.hotkey or "")
        assert tag.description in row.toolTip(0)
        assert row.icon(0).pixmap(12, 12).toImage().pixelColor(6, 6).name() == tag.colour
    headings = [panel.image_list.topLevelItem(i).text(0)
                for i in range(panel.image_list.topLevelItemCount())
                if not panel.image_list.topLevelItem(i).data(0, NAME_ROLE)]
    assert [h.casefold() for h in headings] == VOCABULARY.groups()


def test_hotkeys_fall_back_to_list_positions(qtbot):
    widget = TagsPanel()
    qtbot.addWidget(widget)
    tags = [SimpleNamespace(name=f"t{i}", colour="#336699") for i in range(11)]
    widget.set_vocabulary(tags)
    assert [r.text(1) for r in _tag_rows(widget.image_list)] == \
        [str(i) for i in range(1, 10)] + ["", ""]
    with qtbot.waitSignal(widget.tag_toggled) as blocker:
        assert widget.toggle_position(4) == "t3"
    assert blocker.args == ["t3", True]


def test_counts_and_current_checks_without_signals(panel, qtbot):
    with qtbot.assertNotEmitted(panel.tag_toggled):
        panel.set_counts({"blur": 12, "Occlusion": 3})
        panel.set_current({"blur", "miss"})
    counts = {r.text(0): r.text(2) for r in _tag_rows(panel.image_list)}
    assert counts["blur"] == "12" and counts["occlusion"] == "3" and counts["cls"] == "0"
    assert panel.image_list.checked_names() == {"blur", "miss"}
    panel.set_current(set())
    assert panel.image_list.checked_names() == set()


def test_set_vocabulary_keeps_checks_and_counts(panel):
    panel.set_counts({"blur": 2})
    panel.set_current({"blur"})
    panel.set_vocabulary(VOCABULARY.without("cls"))
    assert panel.image_list.checked_names() == {"blur"}
    assert panel.image_list.item_for("blur").text(2) == "2"
    assert panel.image_list.item_for("cls") is None


# --- view -> model -------------------------------------------------------------------------

def test_clicking_a_tag_toggles_it(panel, qtbot):
    with qtbot.waitSignal(panel.tag_toggled) as blocker:
        _click_row(qtbot, panel.image_list, "occlusion")
    assert blocker.args == ["occlusion", True]
    with qtbot.waitSignal(panel.tag_toggled) as blocker:
        _click_row(qtbot, panel.image_list, "occlusion")
    assert blocker.args == ["occlusion", False]


def test_clicking_a_heading_does_nothing(panel, qtbot):
    heading = panel.image_list.topLevelItem(0)
    assert not heading.data(0, NAME_ROLE)
    rect = panel.image_list.visualItemRect(heading)
    with qtbot.assertNotEmitted(panel.tag_toggled):
        qtbot.mouseClick(panel.image_list.viewport(), Qt.MouseButton.LeftButton,
                         pos=rect.center())


def test_space_toggles_the_current_tag(panel, qtbot):
    panel.image_list.setCurrentItem(panel.image_list.item_for("truncated"))
    with qtbot.waitSignal(panel.tag_toggled) as blocker:
        qtbot.keyClick(panel.image_list, Qt.Key.Key_Space)
    assert blocker.args == ["truncated", True]


@pytest.mark.parametrize("n", range(1, 10))
def test_toggle_position_follows_the_vocabulary_hotkeys(panel, qtbot, n):
    expected = VOCABULARY.by_hotkey(str(n)).name
    panel.set_current({expected})
    with qtbot.waitSignal(panel.tag_toggled) as blocker:
        assert panel.toggle_position(n) == expected
    assert blocker.args == [expected, False]


def test_toggle_position_without_a_tag_is_a_no_op(qtbot):
    widget = TagsPanel()
    qtbot.addWidget(widget)
    widget.set_vocabulary([SimpleNamespace(name="only", colour="#123456", hotkey="1")])
    with qtbot.assertNotEmitted(widget.tag_toggled):
        assert widget.toggle_position(2) is None


def test_new_tag_enter_creates_and_toggles_it(panel, qtbot):
    events = []
    panel.tag_created.connect(lambda name: events.append(("created", name)))
    panel.tag_toggled.connect(lambda name, on: events.append(("toggled", name, on)))
    qtbot.keyClicks(panel.new_tag_edit, "  wet   road ")
    qtbot.keyClick(panel.new_tag_edit, Qt.Key.Key_Return)
    assert events == [("created", "wet road"), ("toggled", "wet road", True)]
    assert panel.new_tag_edit.text() == ""
    assert panel.image_list.is_checked("wet road")
    assert panel.object_list.chip_for("wet road") is not None


def test_new_tag_with_a_known_name_only_toggles_it(panel, qtbot):
    events = []
    panel.tag_created.connect(lambda name: events.append(("created", name)))
    panel.tag_toggled.connect(lambda name, on: events.append(("toggled", name, on)))
    qtbot.keyClicks(panel.new_tag_edit, "BLUR")
    qtbot.keyClick(panel.new_tag_edit, Qt.Key.Key_Return)
    qtbot.keyClick(panel.new_tag_edit, Qt.Key.Key_Return)  # empty: ignored
    assert events == [("toggled", "blur", True)]


def test_object_tags(panel, qtbot):
    assert panel.object_section.isHidden()
    panel.set_selected_object("pred", 17, {"loc"}, label="car")
    assert panel.object_section.isVisible()
    assert "#17" in panel.object_title.text()
    assert panel.object_list.checked_names() == {"loc"}
    chip = panel.object_list.chip_for("blur")
    with qtbot.waitSignal(panel.object_tag_toggled) as blocker, \
            qtbot.assertNotEmitted(panel.tag_toggled):
        qtbot.mouseClick(chip, Qt.MouseButton.LeftButton, pos=QPoint(8, chip.height() // 2))
    assert blocker.args == ["pred", 17, "blur", True]
    with qtbot.waitSignal(panel.object_tag_toggled) as blocker:
        assert panel.toggle_object_position(3) == VOCABULARY.by_hotkey("3").name
    assert blocker.args == ["pred", 17, "blur", False]
    panel.set_selected_object(None)
    assert panel.object_section.isHidden()
    with qtbot.assertNotEmitted(panel.object_tag_toggled):
        assert panel.toggle_object_position(3) is None


def test_note_is_emitted_once_per_typing_pause(panel, qtbot):
    notes = []
    panel.note_edited.connect(notes.append)
    panel.note_edit.setFocus()
    with qtbot.waitSignal(panel.note_edited, timeout=2000):
        qtbot.keyClicks(panel.note_edit, "dark scene")
    assert notes == ["dark scene"]
    with qtbot.waitSignal(panel.note_edited, timeout=2000):
        qtbot.keyClicks(panel.note_edit, ", rider")
    assert notes == ["dark scene", "dark scene, rider"]
    qtbot.assertNotEmitted(panel.note_edited, wait=700)


def test_note_is_emitted_on_focus_out(panel, qtbot):
    panel.activateWindow()
    panel.note_edit.setFocus()
    qtbot.waitUntil(panel.note_edit.hasFocus)
    qtbot.keyClicks(panel.note_edit, "occluded")
    other = panel.findChild(QLineEdit)
    with qtbot.waitSignal(panel.note_edited, timeout=100) as blocker:
        other.setFocus()
    assert blocker.args == ["occluded"]


def test_set_note_emits_nothing_and_flushes_a_pending_edit(panel, qtbot):
    with qtbot.assertNotEmitted(panel.note_edited):
        panel.set_note("from the store")
    assert panel.note_edit.toPlainText() == "from the store"
    qtbot.keyClicks(panel.note_edit, "!")
    with qtbot.waitSignal(panel.note_edited, timeout=50) as blocker:
        panel.set_note("next image")
    assert blocker.args == ["from the store!"]
    qtbot.assertNotEmitted(panel.note_edited, wait=700)


def test_every_control_has_a_tooltip(panel):
    from PySide6.QtWidgets import QAbstractButton, QPlainTextEdit

    panel.set_selected_object("gt", 3, set())
    controls = [w for kind in (QAbstractButton, QLineEdit, QPlainTextEdit)
                for w in panel.findChildren(kind)
                if not isinstance(w.parent(), QLineEdit)]  # the line edit's own clear button
    assert len(controls) >= len(VOCABULARY) + 2
    for widget in controls:
        assert widget.toolTip(), widget


def test_set_note_with_a_stale_value_keeps_the_pending_edit(panel, qtbot):
    panel.set_note("dark")
    qtbot.keyClicks(panel.note_edit, " scene")
    with qtbot.waitSignal(panel.note_edited, timeout=50) as blocker:
        panel.set_note("dark")  # a refresh that read the store before the flush
    assert blocker.args == ["dark scene"]
    assert panel.note_edit.toPlainText() == "dark scene"
    qtbot.assertNotEmitted(panel.note_edited, wait=700)
