"""CanvasView: zoom, pan, hover and click over a CanvasScene."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, QPointF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QTransform
from PySide6.QtWidgets import QFrame, QGraphicsView, QToolTip

from reviewer.core.view_state import CanvasFrame, CanvasObject, LayerState

from . import palette, pixel_info
from .label_card import LabelCard
from .legend import LegendWidget, MessageWidget
from .scene import CanvasScene

ZOOM_STEP = 1.25
MIN_ZOOM, MAX_ZOOM = 0.02, 64.0
DRAG_THRESHOLD = 4  # pixels the mouse moves before a left press becomes a pan


class CanvasView(QGraphicsView):
    """Shows one frame. Signals carry (source, ann_id); hovering nothing emits ("", -1).

    view_changed is emitted whenever the zoom or the scroll position changes; frame_painted
    after the first paint of each new frame (idle work waits for it: the image is on screen).
    """

    object_hovered = Signal(str, int)
    object_clicked = Signal(str, int)
    view_changed = Signal()
    frame_painted = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.canvas_scene = CanvasScene(self)
        self.setScene(self.canvas_scene)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setBackgroundBrush(QColor(38, 38, 40))
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # only the changed region is repainted (an edit of one box of thousands stays cheap);
        # cosmetic halos are at most 2.5 px wide, inside the 2 px margin Qt adds to dirty rects
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setMouseTracking(True)
        self.horizontalScrollBar().valueChanged.connect(self.view_changed)
        self.verticalScrollBar().valueChanged.connect(self.view_changed)
        self.legend = LegendWidget(self)
        self.message = MessageWidget(self)
        self.label_card = LabelCard(self)
        self.hover_text = ""
        self._hovered: tuple[str, int] = ("", -1)
        self._press: QPoint | None = None
        self._panning = False
        self._fit_mode = True
        self.tools = None  # a reviewer.ui.tools ToolManager routes events to the active tool
        self.painted_frame: CanvasFrame | None = None  # the frame of the last paint

    # ---------------------------------------------------------------- API
    def set_frame(self, frame: CanvasFrame, pixmap=None) -> None:
        """Show a frame; keeps the zoom when the image size is unchanged, else fits."""
        old = self.canvas_scene.frame
        same_size = old is not None and old.size() == frame.size()
        self.canvas_scene.set_frame(frame, pixmap)
        self._set_hovered(None, QPoint())
        self._update_overlays()
        if not same_size:  # same size: the fit (if any) is still right; resizeEvent re-fits
            self.fit()
        if self.tools is not None:
            self.tools.frame_shown(self)

    def prepare(self, frame: CanvasFrame) -> None:
        """Idle work for a frame about to be shown (its label chips)."""
        self.canvas_scene.prepare(frame)

    def set_layers(self, state: LayerState) -> None:
        """Apply a layer state (only what changed is re-rendered)."""
        self.canvas_scene.set_layers(state)
        self._update_overlays()

    def highlight(self, objects) -> list[tuple[str, int]]:
        """Outline objects given as CanvasObjects or (source, ann_id) keys; returns keys found."""
        keys = [o.key if isinstance(o, CanvasObject) else tuple(o) for o in objects]
        return self.canvas_scene.set_highlight(keys)

    def frame(self) -> CanvasFrame | None:
        return self.canvas_scene.frame

    def zoom(self) -> float:
        """Screen pixels per image pixel."""
        return self.transform().m11()

    def fit(self) -> None:
        """Fit the whole image in the window."""
        rect = self.canvas_scene.image_rect()
        if rect.isEmpty():
            return
        self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        self._fit_mode = True
        self._zoom_changed()

    def actual_size(self) -> None:
        """1 image pixel = 1 screen pixel, keeping the view centre."""
        self.zoom_by(1.0 / self.zoom())

    def zoom_in(self) -> None:
        self.zoom_by(ZOOM_STEP)

    def zoom_out(self) -> None:
        self.zoom_by(1.0 / ZOOM_STEP)

    def zoom_by(self, factor: float, anchor: QPoint | None = None) -> None:
        """Scale by ``factor`` keeping the scene point under ``anchor`` (viewport px) fixed."""
        if anchor is None:
            anchor = self.viewport().rect().center()
        factor = min(max(self.zoom() * factor, MIN_ZOOM), MAX_ZOOM) / self.zoom()
        before = self.mapToScene(anchor)
        self.scale(factor, factor)
        self.scroll_by(self.mapFromScene(before) - anchor)
        self._fit_mode = False
        self._zoom_changed()

    def scroll_by(self, delta: QPoint) -> None:
        """Move the view by ``delta`` viewport pixels."""
        self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() + delta.x())
        self.verticalScrollBar().setValue(self.verticalScrollBar().value() + delta.y())

    @property
    def fit_mode(self) -> bool:
        """True while the view follows the window size (after fit(), until the user zooms)."""
        return self._fit_mode

    def set_view(self, transform: QTransform, h_scroll: int, v_scroll: int,
                 fit_mode: bool = False) -> None:
        """Copy another view's zoom and scroll position (side-by-side sync)."""
        self._fit_mode = fit_mode
        if self.transform() != transform:
            self.setTransform(transform)
            self._zoom_changed(emit=False)
        self.horizontalScrollBar().setValue(h_scroll)
        self.verticalScrollBar().setValue(v_scroll)

    def _zoom_changed(self, emit: bool = True) -> None:
        smooth = self.zoom() < 1.0
        mode = (Qt.TransformationMode.SmoothTransformation if smooth
                else Qt.TransformationMode.FastTransformation)
        self.canvas_scene.image_item.setTransformationMode(mode)
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, smooth)
        if emit:
            self.view_changed.emit()

    def _update_overlays(self) -> None:
        scene = self.canvas_scene
        frame, state = scene.frame, scene.state
        self.legend.set_entries(_legend_entries(frame, state))
        missing = frame is not None and frame.image is None
        self.message.set_text(frame.placeholder_text if missing else "")
        self.label_card.set_label(None if frame is None else frame.image_label)
        self._place_overlays()

    def _place_overlays(self) -> None:
        """Legend at the viewport's top-left, message centred (children of the view, above the
        viewport, so scrolling never moves them)."""
        rect = self.viewport().geometry()
        self.legend.move(rect.topLeft() + QPoint(10, 10))
        self.message.fit(rect.width() - 20)
        self.message.move(rect.center() - self.message.rect().center())
        self.label_card.move(rect.topRight() - QPoint(self.label_card.width() + 10, -10))
        self.legend.raise_()
        self.message.raise_()
        self.label_card.raise_()

    # ---------------------------------------------------------------- events
    def paintEvent(self, event):
        super().paintEvent(event)
        frame = self.canvas_scene.frame
        if frame is not self.painted_frame:
            self.painted_frame = frame
            self.frame_painted.emit()

    def resizeEvent(self, event):
        super().resizeEvent(event)
        if self._fit_mode:
            self.fit()
        self._place_overlays()

    def wheelEvent(self, event):
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.zoom_by(ZOOM_STEP ** steps, event.position().toPoint())
        event.accept()

    def _tool(self, kind: str, event) -> bool:
        """Offer an event to the active tool (reviewer.ui.tools); True when it took it."""
        return self.tools is not None and self.tools.handle(kind, self, event)

    def event(self, event):
        if event.type() == QEvent.Type.ShortcutOverride and self._tool("shortcut", event):
            event.accept()  # the key reaches keyPressEvent instead of a window shortcut
            return True
        return super().event(event)

    def keyPressEvent(self, event):
        if not self._tool("key", event):
            super().keyPressEvent(event)

    def keyReleaseEvent(self, event):
        if not self._tool("key_release", event):
            super().keyReleaseEvent(event)

    def contextMenuEvent(self, event):
        if not self._tool("context_menu", event):
            super().contextMenuEvent(event)

    def mouseDoubleClickEvent(self, event):
        if not self._tool("double_click", event):
            super().mouseDoubleClickEvent(event)

    def mousePressEvent(self, event):
        if self._tool("press", event):
            return
        if event.button() in (Qt.MouseButton.LeftButton, Qt.MouseButton.MiddleButton):
            self._press = event.position().toPoint()
            self._panning = event.button() == Qt.MouseButton.MiddleButton
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event):
        pos = event.position().toPoint()
        if self._press is None and self._tool("move" if event.buttons() else "hover", event):
            self._set_hovered(None, QPoint())
            if not event.buttons():  # the mask tools take hovers: the pixel info still shows
                self._hover_pixel(self.mapToScene(pos), event.globalPosition().toPoint())
            return
        if self._press is not None:
            if not self._panning and (pos - self._press).manhattanLength() >= DRAG_THRESHOLD:
                self._panning = True
                self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            if self._panning:
                self.scroll_by(self._press - pos)
                self._press = pos
            return
        obj = self.canvas_scene.object_at(self.mapToScene(pos))
        self._set_hovered(obj, event.globalPosition().toPoint())
        if obj is None:
            self._hover_pixel(self.mapToScene(pos), event.globalPosition().toPoint())

    def mouseReleaseEvent(self, event):
        if self._press is None and self._tool("release", event):
            return
        if self._press is None:
            super().mouseReleaseEvent(event)
            return
        was_panning, self._press, self._panning = self._panning, None, False
        self.viewport().unsetCursor()
        if not was_panning and event.button() == Qt.MouseButton.LeftButton:
            self._click(event.position().toPoint())

    def leaveEvent(self, event):
        self._set_hovered(None, QPoint())
        super().leaveEvent(event)

    def _click(self, pos: QPoint) -> None:
        obj = self.canvas_scene.object_at(QPointF(self.mapToScene(pos)))
        if obj is None:
            self.highlight(())
            self.object_clicked.emit("", -1)
            return
        self.highlight([obj])
        self.object_clicked.emit(obj.source, obj.ann_id)

    def _set_hovered(self, obj: CanvasObject | None, global_pos: QPoint) -> None:
        key = ("", -1) if obj is None else obj.key
        if key == self._hovered:
            return
        self._hovered = key
        self.hover_text = "" if obj is None else palette.tooltip_text(obj)
        if obj is None:
            QToolTip.hideText()
        else:
            QToolTip.showText(global_pos, self.hover_text, self.viewport())
        self.object_hovered.emit(*key)


    def _hover_pixel(self, point: QPointF, global_pos: QPoint) -> None:
        """Segmentation: the classes, error kind and per-image IoU of the pixel under the mouse."""
        frame = self.canvas_scene.frame
        if frame is None or frame.semantic_gt is None:
            return
        text = pixel_info.pixel_text(frame, point.x(), point.y())
        if text == self.hover_text:
            return
        self.hover_text = text
        if text:
            QToolTip.showText(global_pos, text, self.viewport())
        else:
            QToolTip.hideText()

    def hovered(self) -> tuple[str, int]:
        """(source, ann_id) of the object under the mouse, ("", -1) for none."""
        return self._hovered


def _legend_entries(frame: CanvasFrame | None, state: LayerState) -> tuple:
    if frame is None or state.view_mode != "errors":
        return ()
    entries = ()
    if frame.objects:
        entries += palette.DETECTION_LEGEND
    if frame.semantic_gt is not None and frame.semantic_pred is not None:
        entries += palette.SEGMENTATION_LEGEND
        if frame.unlabeled_classes:
            entries += palette.UNLABELED_LEGEND
    return entries
