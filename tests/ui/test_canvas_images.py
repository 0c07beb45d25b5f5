"""The review window on awkward image files (pytest-qt, offscreen): EXIF-rotated photos in the
dataset's pixel order, truncated and non-image files, a header claiming 60000x60000 pixels and
a 20000x16000 JPEG decoded at a quarter of its size."""

from __future__ import annotations

import numpy as np
import pytest

from reviewer.app import build
from reviewer.ui.dialogs.factory import HeadlessDialogs
from tests import image_files as F

W, H = 64, 48
ENTRIES = [("stored.jpg", W, H), ("rotated.jpg", H, W), ("cut.jpg", W, H),
           ("text.jpg", W, H), ("huge.png", 60000, 60000), ("big.jpg", 20000, 16000)]


@pytest.fixture
def window(qtbot, settings, tmp_path):
    root = F.detection_project(tmp_path / "p", ENTRIES)
    images = root / "images"
    F.exif_jpeg(images / "stored.jpg", F.marked(), 6)
    F.exif_jpeg(images / "rotated.jpg", F.marked(), 6)
    F.truncated(images / "cut.jpg", F.marked())
    (images / "text.jpg").write_text("not a picture")
    F.claimed_png(images / "huge.png", 60000, 60000)
    F.uniform_jpeg(images / "big.jpg", 20000, 16000)
    window, c = build(str(root), settings, HeadlessDialogs())
    qtbot.addWidget(window)
    with qtbot.waitSignal(c.loaded, timeout=30_000):
        pass
    window.show()
    qtbot.waitExposed(window)
    return window, c


def _show(qtbot, c, name):
    row = list(c.session.data.dataset.images.file_names).index(name)
    c.select_image(row)
    qtbot.waitUntil(lambda: c.frame is not None and c.current == row)
    return c.frame, c.window.canvas


def test_exif_photo_is_shown_in_the_stored_pixel_order(qtbot, window):
    _, c = window
    frame, view = _show(qtbot, c, "stored.jpg")
    assert frame.size() == (W, H) and frame.image.shape == (H, W, 3)
    assert frame.image[2, 2].min() > 200  # the white block is top-left, where it is stored
    pixmap = view.canvas_scene.image_item.pixmap()
    assert (pixmap.width(), pixmap.height()) == (W, H)
    assert view.canvas_scene.image_item.transform().isIdentity()
    box = view.canvas_scene.boxes[("gt", 1)].rect()
    assert (box.width(), box.height()) == pytest.approx((W / 3, H / 3))
    assert not view.message.isVisible()


def test_exif_photo_of_a_dataset_in_the_rotated_order_is_rotated(qtbot, window):
    _, c = window
    frame, view = _show(qtbot, c, "rotated.jpg")
    assert frame.size() == (H, W) and frame.image.shape == (W, H, 3)
    assert frame.image[2, 2].max() < 100 and frame.image[2, -3].min() > 200  # turned clockwise


@pytest.mark.parametrize("name,text", [
    ("cut.jpg", "Unreadable image: the pixel data cannot be decoded (truncated or damaged file)"),
    ("text.jpg", "Unreadable image: not an image file (unknown format)"),
])
def test_unreadable_image_says_so_and_is_listed(qtbot, window, name, text):
    win, c = window
    panel = win.problems_panel
    frame, view = _show(qtbot, c, name)
    assert frame.image is None
    assert view.message.isVisible()
    assert view.message.text.startswith(text + "\n") and name in view.message.text
    assert "not found" not in view.message.text
    listed = [panel.problem(k) for k in range(panel.count())]
    mine = [p for p in listed if p.message.startswith(text[0].lower() + text[1:])]
    assert len(mine) == 1 and name in str(mine[0])  # once: at load (header) or when shown
    assert win.docks["problems"].isVisible()
    _show(qtbot, c, "stored.jpg")
    _show(qtbot, c, name)
    assert panel.count() == len(listed)  # shown again: listed once


def test_header_claiming_60000_squared_gets_a_placeholder(qtbot, window):
    _, c = window
    frame, view = _show(qtbot, c, "huge.png")
    assert frame.image is None and frame.size() == (60000, 60000)
    assert view.message.text.startswith("Image too large to show: 60000x60000 px (3600 MP)")
    pixmap = view.canvas_scene.image_item.pixmap()
    assert max(pixmap.width(), pixmap.height()) <= 256  # not a 60000x60000 grey pixmap
    rect = view.canvas_scene.image_item.sceneBoundingRect()
    assert (rect.width(), rect.height()) == pytest.approx((60000, 60000))
    box = view.canvas_scene.boxes[("gt", 5)].rect()
    assert box.width() == pytest.approx(20000)


def test_20000_by_16000_jpeg_is_shown_downscaled_under_its_boxes(qtbot, window):
    _, c = window
    frame, view = _show(qtbot, c, "big.jpg")
    assert frame.size() == (20000, 16000) and frame.image.shape == (4000, 5000, 3)
    item = view.canvas_scene.image_item
    assert (item.pixmap().width(), item.pixmap().height()) == (5000, 4000)
    rect = item.sceneBoundingRect()
    assert (rect.width(), rect.height()) == pytest.approx((20000, 16000))
    box = view.canvas_scene.boxes[("gt", 6)].rect()  # in the dataset's pixels
    assert (box.width(), box.height()) == pytest.approx((20000 / 3, 16000 / 3))
    assert np.abs(frame.image.astype(int) - 128).max() <= 1
    assert not view.message.isVisible()


@pytest.mark.parametrize("step", [1, 2, 3, 7])
def test_sampled_mask_crops_equal_the_full_crop_subsampled(step):
    from pycocotools import mask as M

    from reviewer.ui.canvas.rle_crop import object_crop, sampled_crop
    rng = np.random.default_rng(step)
    for _ in range(60):
        h, w = (int(v) for v in rng.integers(1, 70, 2))
        m = (rng.random((h, w)) < rng.uniform(0.05, 0.9)).astype(np.uint8)
        rle = M.encode(np.asfortranarray(m))
        for mask in (rle, m.astype(bool)):
            def paint(crop, shape):
                out = np.zeros(shape, bool)
                if crop is not None:
                    y, x, c = crop
                    out[y:y + c.shape[0], x:x + c.shape[1]] = c
                return out
            full = paint(object_crop(mask, (0, 0, w, h)), (h, w))
            coarse = paint(sampled_crop(mask, (0, 0, w, h), step), full[::step, ::step].shape)
            assert np.array_equal(coarse, full[::step, ::step])


def test_mask_overlay_of_a_40000_by_30000_image_is_coarsened(qtbot):
    from pycocotools import mask as M

    from reviewer.core.view_state import CanvasFrame, CanvasObject
    from reviewer.ui.canvas import overlays
    from reviewer.ui.canvas.view import CanvasView
    rle = M.frPyObjects([[1000, 1000, 21000, 1000, 21000, 9000, 1000, 9000]], 30000, 40000)[0]
    obj = CanvasObject("gt", 0, 1, 0, "thing", (1000, 1000, 20000, 8000), mask=rle)
    frame = CanvasFrame(None, (obj,), class_names=("thing",), image_size=(40000, 30000))
    view = CanvasView()
    qtbot.addWidget(view)
    view.set_frame(frame)
    item = view.canvas_scene.instance_items["gt"]
    raster = item.raster()
    step = overlays.raster_step(frame)
    assert step == 7 and raster.size <= overlays.RASTER_BUDGET
    assert raster.shape == (-(-30000 // step), -(-40000 // step))
    rect = item.boundingRect()
    assert rect.width() >= 40000 and rect.width() < 40000 + step  # stretched over the image
    painted = np.argwhere(raster != 0)
    assert painted.min(0).tolist() == [-(-1000 // step), -(-1000 // step)]
    assert painted.max(0).tolist() == [(9000 - 1) // step, (21000 - 1) // step]
