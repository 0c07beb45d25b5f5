"""Image files in datasets: EXIF orientation decided by the dataset's sizes, unreadable and huge
files reported (loader problems, CLI), never aborting an export; thumbnails in the dataset's
pixel order."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image

from reviewer.cli import main
from reviewer.io import report_thumbs
from reviewer.io.coco import load_coco_gt
from reviewer.io.export import export
from reviewer.io.semantic import load_semantic, write_label_png
from reviewer.io.session import open_session
from tests import image_files as F

W, H = 64, 48


def _messages(problems, image_id) -> list[str]:
    return [p.message for p in problems if p.image_id == image_id]


@pytest.fixture()
def mixed(tmp_path):
    """Five images: EXIF 6 in the stored order, EXIF 6 in the rotated order, EXIF 6 of another
    size, a text file named .jpg, a PNG claiming 60000x60000, and a truncated JPEG."""
    root = F.detection_project(tmp_path / "p", [
        ("stored.jpg", W, H), ("rotated.jpg", H, W), ("other.jpg", 100, 100),
        ("text.jpg", W, H), ("huge.png", 60000, 60000), ("cut.jpg", W, H)])
    images = root / "images"
    for name in ("stored.jpg", "rotated.jpg", "other.jpg"):
        F.exif_jpeg(images / name, F.marked(), 6)
    (images / "text.jpg").write_text("not a picture")
    F.claimed_png(images / "huge.png", 60000, 60000)
    F.truncated(images / "cut.jpg", F.marked())
    return root


def test_coco_loader_reports_what_the_headers_say(mixed):
    _, _, _, problems = load_coco_gt(mixed / "gt.json", mixed / "images")
    assert _messages(problems, 1) == []  # the dataset uses the stored order
    assert _messages(problems, 2) == []  # the dataset uses the rotated order
    (size,) = _messages(problems, 3)
    assert "64x48 (48x64 after its EXIF orientation 6)" in size and "100x100" in size
    (text,) = _messages(problems, 4)
    assert text.startswith("unreadable image: not an image file") and "text.jpg" in text
    (huge,) = _messages(problems, 5)
    assert huge.startswith("image too large to show: 60000x60000 px")
    assert _messages(problems, 6) == []  # its header is intact: found when decoded
    assert all(p.severity == "warning" for p in problems)
    assert {p.entry for p in problems} == {"images[2] (id 3)", "images[3] (id 4)",
                                           "images[4] (id 5)"}


def test_cli_lists_the_image_problems(mixed, capsys):
    assert main(["score", str(mixed), "--all-problems"]) == 0
    err = capsys.readouterr().err
    assert "images[3] (id 4): unreadable image: not an image file" in err
    assert "images[4] (id 5): image too large to show: 60000x60000 px" in err
    assert "images[2] (id 3): the image file is 64x48 (48x64 after its EXIF orientation 6)" in err
    assert main(["score", str(mixed)]) == 0  # one line counting them by kind
    brief = capsys.readouterr().err
    assert "1 × unreadable image" in brief and "1 × image too large to show" in brief


def test_export_survives_bad_images_and_lists_them(mixed, tmp_path, capsys):
    with open_session(mixed) as s:
        result = export(s, tmp_path / "out")
    assert (tmp_path / "out" / "report.html").is_file()
    listed = {p.image_id: p.message for p in result.problems}
    assert listed[5].startswith("image too large to show: 60000x60000 px")
    assert listed[6].startswith("unreadable image: the pixel data cannot be decoded")
    assert listed[4].startswith("unreadable image: not an image file")
    assert all(m.endswith("the report shows a placeholder") for m in listed.values())
    assert set(listed) == {4, 5, 6}
    assert main(["export", str(mixed), "--out", str(tmp_path / "cli"), "-q"]) == 0
    assert (tmp_path / "cli" / "report.html").is_file()
    assert main(["export", str(mixed), "--out", str(tmp_path / "cli2")]) == 0
    err = capsys.readouterr().err
    assert "image 5: image too large to show" in err and "image 6: unreadable image" in err


def _png_size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as im:
        return im.size


def _top_left_is_white(data: bytes) -> bool:
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    h, w = img.shape[:2]
    return img[h // 10, w // 10].mean() > 200


@pytest.mark.parametrize("name,size,rotated", [("stored.jpg", (W, H), False),
                                               ("rotated.jpg", (H, W), True)])
def test_thumbnails_follow_the_dataset_pixel_order(mixed, name, size, rotated):
    with open_session(mixed) as s:
        i = list(s.data.dataset.images.file_names).index(name)
        png = report_thumbs.thumbnail(s, i)
    assert _png_size(png) == (200, round(200 * size[1] / size[0]))
    # stored order: the white block stays top-left; EXIF 6 (90 degrees clockwise) moves it
    # to the top-right corner
    assert _top_left_is_white(png) is not rotated


def test_large_jpeg_thumbnail_is_decoded_reduced(tmp_path):
    root = F.detection_project(tmp_path / "p", [("big.jpg", 1600, 1200)],
                               boxes=[[400, 300, 800, 600]])
    cv2.imwrite(str(root / "images" / "big.jpg"),
                cv2.resize(F.marked(), (1600, 1200), interpolation=cv2.INTER_NEAREST))
    loaded = report_thumbs.read_image(root / "images", "big.jpg", (1600, 1200))
    assert loaded.pixels.shape[1] == 400 and loaded.size == (1600, 1200)  # 1/4 >= 2 x 200
    with open_session(root) as s:
        png = report_thumbs.thumbnail(s, 0)
    img = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
    assert img.shape[:2] == (150, 200)
    green = np.all(img == report_thumbs.GT_BGR, axis=2) | np.all(
        np.abs(img.astype(int) - report_thumbs.PRED_BGR) < 40, axis=2)
    ys, xs = np.nonzero(green)
    assert (xs.min(), ys.min(), xs.max(), ys.max()) == pytest.approx((50, 37, 150, 112), abs=2)


def _semantic(tmp_path, mask_size, orientation=6):
    images, gt, pred = (tmp_path / d for d in ("images", "gt", "pred"))
    for d in (images, gt, pred):
        d.mkdir()
    F.exif_jpeg(images / "a.jpg", F.marked(), orientation)
    w, h = mask_size
    for d in (gt, pred):
        write_label_png(d / "a.png", np.ones((h, w), np.uint8))
    return load_semantic(images, gt, pred)


def test_semantic_masks_in_the_stored_order(tmp_path):
    ds = _semantic(tmp_path, (W, H))
    assert ds.problems == []
    assert (int(ds.images.widths[0]), int(ds.images.heights[0])) == (W, H)


def test_semantic_masks_in_the_rotated_order_rotate_the_image(tmp_path):
    ds = _semantic(tmp_path, (H, W))
    assert ds.problems == [] and ds.gt_paths[0] is not None
    assert (int(ds.images.widths[0]), int(ds.images.heights[0])) == (H, W)


def test_semantic_masks_of_another_size_are_a_problem(tmp_path):
    ds = _semantic(tmp_path, (50, 50))
    messages = [p.message for p in ds.problems]
    assert messages == ["mask is 50x50 but the image is 64x48 (48x64 after its EXIF "
                        "orientation 6)"] * 2
    assert ds.gt_paths == [None] and ds.pred_paths == [None]


def test_semantic_unreadable_and_huge_images_are_listed(tmp_path):
    images, gt = tmp_path / "images", tmp_path / "gt"
    images.mkdir()
    gt.mkdir()
    (images / "a.jpg").write_bytes(b"\xff\xd8\xff")
    F.claimed_png(images / "b.png", 60000, 60000)
    for key in ("a", "b"):
        write_label_png(gt / f"{key}.png", np.ones((4, 4), np.uint8))
    ds = load_semantic(images, gt)
    (a,) = _messages(ds.problems, "a")
    assert a.startswith("unreadable image: ") and a.endswith("size unknown")
    assert "image too large to show: 60000x60000 px (3600 MP); PNG above 256 MP are not " \
           "decoded (memory budget)" in _messages(ds.problems, "b")
