"""Incremental canvas paths draw exactly what a fresh render draws.

- frames rebuilt after edits reuse unchanged CanvasObjects and equal a fresh build field by field;
- instance-mask rasters patched in dirty rectangles equal a fresh full render (fill, outline,
  errors mode), and the dirty-rectangle compose equals the full compose;
- box and label items reused from image to image draw what fresh items draw;
- the next image's frame, pixmap and label chips are prepared after the current image is
  painted.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

pytest.importorskip("pytestqt")
from reviewer.core.view_state import LayerState  # noqa: E402
from reviewer.io.session import open_session  # noqa: E402
from reviewer.ui import frames  # noqa: E402
from reviewer.ui.canvas import CanvasView, items  # noqa: E402
from reviewer.ui.canvas.raster import compose_instances, paint_crops  # noqa: E402
from reviewer.ui.preloader import decode_image  # noqa: E402
from tests.ui.conftest import copy_sample, drop_masks, open_window  # noqa: E402


@pytest.fixture
def project(tmp_path, request):
    """A copy of the sample project (masks, scored by mask IoU); "bbox": masks dropped."""
    dst = copy_sample(tmp_path / "project")
    if getattr(request, "param", "segm") == "bbox":
        drop_masks(dst)
    return dst


BOTH = pytest.mark.parametrize("project", ["segm", "bbox"], indirect=True)


@pytest.fixture
def app(qtbot, settings, project):
    """(window, controller) with the project loaded and shown."""
    return open_window(qtbot, settings, project, active=False)


@pytest.fixture
def session(tmp_path):
    s = open_session(copy_sample(tmp_path / "project"))
    yield s
    s.close()


def _same_fields(a, b) -> bool:
    for f in dataclasses.fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if x != y and not (x is None and y is None):
            return False
    return True


def _edits(doc, i, rng):
    """A few edits of image row i: move, add, delete, relabel (through the document)."""
    image_id = doc.base.images.ids[i]
    image_id = image_id.item() if hasattr(image_id, "item") else image_id
    rows = np.flatnonzero(doc.gt.image_index == i)
    ann = int(doc.gt.ids[rows[0]])
    x, y, w, h = doc.gt_object(ann)["bbox"]
    yield lambda: doc.update_gt(image_id, ann, {"bbox": [x + 9, y + 5, w, h],
                                                "segmentation": [[x + 9, y + 5, x + w, y + 5,
                                                                  x + w, y + h, x + 9, y + h]]})
    new = doc.new_ann_id()
    cat = int(doc.base.categories.ids[0])
    yield lambda: doc.add_gt(image_id, {"id": new, "category_id": cat, "iscrowd": 0,
                                        "bbox": [20.0, 30.0, 80.0, 60.0], "area": 4800.0})
    victim = int(doc.gt.ids[rows[len(rows) // 2]])
    yield lambda: doc.remove_gt(image_id, victim)
    other = int(doc.base.categories.ids[int(rng.integers(len(doc.base.categories)))])
    yield lambda: doc.update_gt(image_id, new, {"category_id": other})


def test_rebuilt_frames_reuse_unchanged_objects_and_equal_a_fresh_build(session):
    doc, builder, rng = session.document, frames.FrameBuilder(), np.random.default_rng(2)
    i = int(np.argmax(np.bincount(doc.gt.image_index, minlength=len(doc.base.images))))
    before = builder.build(session, i, None)
    for edit in _edits(doc, i, rng):
        edit()
        frame = builder.build(session, i, None)
        fresh = frames.build_frame(session, i, None)
        assert len(frame.objects) == len(fresh.objects)
        for ours, theirs in zip(frame.objects, fresh.objects, strict=True):
            assert _same_fields(ours, theirs), (ours, theirs)
        rows = {o.key: o.row for o in before.objects}
        kept = [o for o in frame.objects if rows.get(o.key) == o.row]  # same key, same row
        reused = [o for o in kept if any(o is b for b in before.objects)]
        assert len(reused) >= len(kept) - 4  # the edited object and a few matches change
        before = frame


@pytest.mark.parametrize("state", [
    LayerState(),
    LayerState().with_source("gt", fill=False).with_source("pred", fill=False),
    LayerState(view_mode="errors"),
], ids=["fill", "outline", "errors"])
def test_patched_instance_rasters_equal_a_fresh_render(qtbot, session, state):
    doc, builder, rng = session.document, frames.FrameBuilder(), np.random.default_rng(3)
    i = int(np.argmax(np.bincount(doc.gt.image_index, minlength=len(doc.base.images))))
    image = decode_image(frames.image_path(session, i))
    view = CanvasView()
    qtbot.addWidget(view)
    view.set_layers(state)
    view.set_frame(builder.build(session, i, image))
    patched = 0
    for edit in _edits(doc, i, rng):
        edit()
        item = view.canvas_scene.instance_items["gt"]
        raster = item.raster()
        view.set_frame(builder.build(session, i, image))
        patched += item.raster() is raster  # patched in place, not rendered again
        fresh = CanvasView()
        qtbot.addWidget(fresh)
        fresh.set_layers(state)
        fresh.set_frame(view.frame())
        for source in ("gt", "pred"):
            ours = view.canvas_scene.instance_items[source].raster()
            theirs = fresh.canvas_scene.instance_items[source].raster()
            assert np.array_equal(ours, theirs), source
    assert patched >= 3  # the rasters were patched in place, not rendered again


def test_region_compose_equals_full_compose():
    rng = np.random.default_rng(0)
    shape = (90, 130)
    crops = []
    for _ in range(25):  # some crops run past the right / bottom edges
        y0, x0 = int(rng.integers(0, 85)), int(rng.integers(0, 125))
        crops.append((y0, x0, rng.random((int(rng.integers(1, 40)), int(rng.integers(1, 40))))
                      > 0.3))
    colors = rng.integers(1, 2**32 - 1, len(crops), dtype=np.uint64).astype(np.uint32)
    for outline in (False, True):
        full = compose_instances(shape, crops, colors, outline)
        out = rng.integers(0, 2**32 - 1, shape, dtype=np.uint64).astype(np.uint32)
        paint_crops(out, crops, colors, outline, region=(10, 20, 70, 115))
        assert np.array_equal(out[10:70, 20:115], full[10:70, 20:115])


@BOTH
def test_items_reused_for_the_next_image_draw_like_fresh_items(app, qtbot):
    window, c = app
    view = window.canvas
    for _ in range(4):
        before = {id(item) for item in view.canvas_scene.boxes.values()}
        c.next_image()
        qtbot.waitUntil(lambda: view.painted_frame is c.frame)
        now = {id(item) for item in view.canvas_scene.boxes.values()}
        assert len(before & now) >= min(len(before), len(now)) // 2  # items were reused
        fresh = CanvasView()
        qtbot.addWidget(fresh)
        fresh.resize(view.size())
        fresh.show()
        qtbot.waitExposed(fresh)
        fresh.set_layers(c.layers)
        fresh.set_frame(c.frame)
        fresh.set_view(view.transform(), view.horizontalScrollBar().value(),
                       view.verticalScrollBar().value())
        view.viewport().repaint()
        assert fresh.viewport().grab().toImage() == view.viewport().grab().toImage()


def test_next_frame_and_pixmap_are_prepared_after_the_paint(app, qtbot, monkeypatch):
    window, c = app
    view = window.canvas
    c.next_image()
    nxt = c.model.neighbour(c.current, 1)
    assert nxt is not None
    qtbot.waitUntil(lambda: view.painted_frame is c.frame)
    qtbot.waitUntil(lambda: nxt in c.frames._frames, timeout=5000)
    path, expected = frames.load_request(c.session, nxt)
    qtbot.waitUntil(lambda: c.preloader.is_cached(path, expected), timeout=5000)
    image = c.preloader.get(path, expected).pixels
    qtbot.waitUntil(lambda: id(image) in items._prepared, timeout=5000)
    converted, built, chips = [], [], []
    real_convert, real_build, real_chip = items._convert, c.frames.builder.build, items._render_chip
    monkeypatch.setattr(items, "_convert", lambda rgb: converted.append(1) or real_convert(rgb))
    monkeypatch.setattr(c.frames.builder, "build",
                        lambda *a: built.append(1) or real_build(*a))
    monkeypatch.setattr(items, "_render_chip", lambda *a: chips.append(a) or real_chip(*a))
    c.next_image()
    assert c.current == nxt and converted == [] and built == [] and chips == []
