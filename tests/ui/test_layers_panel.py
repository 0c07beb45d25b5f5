"""LayersPanel: model -> view (setters show the state, emit nothing) and view -> model (user
actions emit the right LayerState, slider drags are rate-limited)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QStyle, QStyleOptionViewItem

from reviewer.core.view_state import VIEW_MODES, LayerState, SourceLayer, default_class_colors
from reviewer.ui.widgets.layers_panel import LayersPanel

NAMES = ["person", "car", "road", "traffic light"]
HEX = ["#e6194b", "#3cb44b", "#4363d8", "#f58231"]


@pytest.fixture
def panel(qtbot):
    widget = LayersPanel()
    qtbot.addWidget(widget)
    widget.set_classes(NAMES, HEX)
    widget.resize(300, 800)
    widget.show()
    return widget


def _rows(class_list):
    return [class_list.topLevelItem(i) for i in range(class_list.topLevelItemCount())]


def _click_check_indicator(qtbot, tree, item):
    """Click where the style draws the row's check box, as a user would."""
    option = QStyleOptionViewItem()
    tree.itemDelegate().initStyleOption(option, tree.indexFromItem(item, 0))
    option.rect = tree.visualItemRect(item)
    rect = tree.style().subElementRect(QStyle.SubElement.SE_ItemViewItemCheckIndicator,
                                       option, tree)
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


# --- model -> view -------------------------------------------------------------------------

def test_set_classes_builds_rows_with_swatches(panel):
    for section in (panel.gt, panel.pred):
        rows = _rows(section.class_list)
        assert [r.text(0) for r in rows] == NAMES
        for row, colour in zip(rows, HEX, strict=True):
            image = row.icon(0).pixmap(12, 12).toImage()
            assert image.pixelColor(6, 6).name() == QColor(colour).name()
            assert row.checkState(0) == Qt.CheckState.Checked


def test_set_classes_accepts_rgb_rows(qtbot):
    widget = LayersPanel()
    qtbot.addWidget(widget)
    colours = default_class_colors(3)
    widget.set_classes(["a", "b", "c"], colours)
    row = widget.gt.class_list.topLevelItem(2)
    assert row.icon(0).pixmap(12, 12).toImage().pixelColor(6, 6).getRgb()[:3] == \
        tuple(int(v) for v in colours[2])


def test_set_classes_keeps_hidden_classes_by_name(panel):
    panel.set_state(LayerState(gt=SourceLayer(classes=frozenset({0, 2}))))  # car, tl hidden
    panel.set_classes(["traffic light", "person", "bus", "car", "road"], HEX + ["#000000"])
    assert panel.state().gt.classes == frozenset({1, 2, 4})  # person, new bus, road


def test_set_counts_shows_counts_by_index_name_or_sequence(panel):
    panel.set_counts({0: 3, "road": 5}, [1, 0, 2, 4])
    assert [r.text(1) for r in _rows(panel.gt.class_list)] == ["3", "0", "5", "0"]
    assert [r.text(1) for r in _rows(panel.pred.class_list)] == ["1", "0", "2", "4"]
    assert "3 ground truth, 1 predicted" in _rows(panel.pred.class_list)[0].toolTip(1)
    panel.set_counts(None, None)
    assert {r.text(1) for r in _rows(panel.gt.class_list)} == {""}


def test_set_state_shows_the_state_without_signals(panel, qtbot):
    state = LayerState(show_image=False,
                       gt=SourceLayer(visible=False, classes=frozenset({1}), opacity=0.25,
                                      fill=False),
                       pred=SourceLayer(visible=True, classes=frozenset(), opacity=0.6),
                       show_labels=False, view_mode="errors", score_threshold=0.35)
    with qtbot.assertNotEmitted(panel.layers_changed), \
            qtbot.assertNotEmitted(panel.threshold_changed):
        panel.set_state(state)
    assert panel.state() == state
    assert not panel.image_box.isChecked() and not panel.labels_box.isChecked()
    assert not panel.gt.visible_box.isChecked()
    assert panel.gt.opacity_slider.value() == 25 and panel.gt.opacity_label.text() == "25 %"
    assert panel.gt.fill_group.checkedButton().objectName() == "outline"
    assert [r.checkState(0) == Qt.CheckState.Checked for r in _rows(panel.gt.class_list)] == \
        [False, True, False, False]
    assert panel.mode_group.checkedButton().objectName() == "errors"
    assert panel.threshold.slider.value() == 35
    assert panel.threshold.spin.value() == pytest.approx(0.35)


def test_threshold_keeps_an_exact_value(panel):
    panel.set_state(LayerState(score_threshold=0.555))
    assert panel.state().score_threshold == 0.555


# --- view -> model -------------------------------------------------------------------------

def test_clicking_a_class_checkbox_hides_that_class(panel, qtbot):
    row = panel.gt.class_list.item_for("car")
    with qtbot.waitSignal(panel.layers_changed) as blocker:
        _click_check_indicator(qtbot, panel.gt.class_list, row)
    state = blocker.args[0]
    assert state.gt.classes == frozenset({0, 2, 3})
    swatch = row.icon(0).pixmap(12, 12).toImage()  # hidden: hollow swatch
    assert swatch.pixelColor(6, 6).alpha() == 0
    assert swatch.pixelColor(1, 6).name() == QColor(HEX[1]).name()
    assert not state.gt.shows_class(NAMES.index("car"))
    assert state.pred.classes is None


def test_space_toggles_the_current_class(panel, qtbot):
    tree = panel.pred.class_list
    tree.setCurrentItem(tree.item_for("road"))
    with qtbot.waitSignal(panel.layers_changed) as blocker:
        qtbot.keyClick(tree, Qt.Key.Key_Space)
    assert blocker.args[0].pred.classes == frozenset({0, 1, 3})


def test_none_then_one_class_takes_two_clicks(panel, qtbot):
    states = []
    panel.layers_changed.connect(states.append)
    qtbot.mouseClick(panel.gt.none_button, Qt.MouseButton.LeftButton)
    _click_check_indicator(qtbot, panel.gt.class_list, panel.gt.class_list.item_for("road"))
    assert [s.gt.classes for s in states] == [frozenset(), frozenset({NAMES.index("road")})]
    qtbot.mouseClick(panel.gt.all_button, Qt.MouseButton.LeftButton)
    assert states[-1].gt.classes is None and len(states) == 3
    qtbot.mouseClick(panel.gt.all_button, Qt.MouseButton.LeftButton)  # nothing changes
    assert len(states) == 3


@pytest.mark.parametrize("widget_name, expected", [
    ("image_box", lambda s: not s.show_image),
    ("labels_box", lambda s: not s.show_labels),
])
def test_checkboxes_emit_at_once(panel, qtbot, widget_name, expected):
    with qtbot.waitSignal(panel.layers_changed, timeout=50) as blocker:
        qtbot.mouseClick(getattr(panel, widget_name), Qt.MouseButton.LeftButton,
                         pos=QPoint(6, getattr(panel, widget_name).height() // 2))
    assert expected(blocker.args[0])


def test_source_visibility_and_fill_toggle(panel, qtbot):
    states = []
    panel.layers_changed.connect(states.append)
    panel.pred.visible_box.click()
    panel.pred.fill_group.button(0).click()  # predictions start outlined: fill them
    assert [(s.pred.visible, s.pred.fill) for s in states] == [(False, False), (False, True)]


@pytest.mark.parametrize("mode", VIEW_MODES)
def test_view_mode_buttons(qtbot, mode):
    widget = LayersPanel()
    qtbot.addWidget(widget)
    widget.set_state(LayerState(view_mode="side_by_side" if mode == "overlay" else "overlay"))
    button = next(b for b in widget.mode_group.buttons() if b.objectName() == mode)
    with qtbot.waitSignal(widget.layers_changed) as blocker:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert blocker.args[0].view_mode == mode


def test_opacity_drag_is_rate_limited_and_ends_on_the_release_value(panel, qtbot):
    states = []
    panel.layers_changed.connect(states.append)
    slider = panel.gt.opacity_slider
    slider.setSliderDown(True)
    for value in range(100, 19, -1):
        slider.setValue(value)
    assert len(states) == 1  # the first move at once, the rest coalesced
    with qtbot.waitSignal(panel.layers_changed) as blocker:  # trailing emission, still dragging
        pass
    assert blocker.args[0].gt.opacity == pytest.approx(0.2)
    slider.setValue(30)
    slider.setSliderDown(False)  # release flushes at once
    assert states[-1].gt.opacity == pytest.approx(0.3)
    assert panel.state().gt.opacity == pytest.approx(0.3)
    assert len(states) <= 4


def test_threshold_drag_emits_few_signals_and_the_final_value(panel, qtbot):
    values, states = [], []
    panel.threshold_changed.connect(values.append)
    panel.layers_changed.connect(states.append)
    slider = panel.threshold.slider
    slider.setSliderDown(True)
    for position in range(1, 101):
        slider.setValue(position)
    assert values == [0.01]
    assert panel.threshold.spin.value() == pytest.approx(1.0)  # readout follows the drag
    slider.setValue(73)
    with qtbot.waitSignal(panel.threshold_changed, timeout=50):
        slider.setSliderDown(False)
    assert values[-1] == pytest.approx(0.73)
    assert len(values) <= 3
    assert states[-1].score_threshold == pytest.approx(0.73)


def test_threshold_trailing_emission_while_dragging(panel, qtbot):
    slider = panel.threshold.slider
    slider.setSliderDown(True)
    slider.setValue(10)
    slider.setValue(42)
    with qtbot.waitSignal(panel.threshold_changed, timeout=1000) as blocker:
        pass
    assert blocker.args == [pytest.approx(0.42)]


def test_threshold_typed_value(panel, qtbot):
    spin = panel.threshold.spin
    spin.selectAll()
    with qtbot.waitSignal(panel.threshold_changed, timeout=50) as blocker:
        qtbot.keyClicks(spin.lineEdit(), "0.42")
        qtbot.keyClick(spin.lineEdit(), Qt.Key.Key_Return)
    assert blocker.args == [pytest.approx(0.42)]
    assert panel.threshold.slider.value() == 42


def test_every_control_has_a_tooltip_and_takes_keyboard_focus(panel):
    from PySide6.QtWidgets import QAbstractButton, QAbstractSpinBox, QSlider

    controls = [w for kind in (QAbstractButton, QSlider, QAbstractSpinBox)
                for w in panel.findChildren(kind)]
    assert len(controls) >= 18
    for widget in controls:
        assert widget.toolTip(), widget
        group = getattr(widget, "group", lambda: None)()
        if group is not None and not widget.isChecked():
            continue  # Qt tabs to the checked button of an exclusive group; arrows move in it
        assert widget.focusPolicy() & Qt.FocusPolicy.TabFocus, widget


def test_arrow_keys_switch_the_view_mode(panel, qtbot):
    button = panel.mode_group.checkedButton()
    assert button.objectName() == "overlay"
    panel.activateWindow()
    button.setFocus()
    qtbot.waitUntil(button.hasFocus)
    with qtbot.waitSignal(panel.layers_changed) as blocker:
        qtbot.keyClick(button, Qt.Key.Key_Right)
    assert blocker.args[0].view_mode == "errors"  # the button right of Overlay (2 x 2 grid)
