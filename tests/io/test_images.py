"""reviewer.io.images: headers, EXIF orientation, pixel budget, damaged files.

Oracles: PIL's ``ImageOps.exif_transpose`` for the orientations, OpenCV's own EXIF-applying
``IMREAD_COLOR`` for the rotated pixel order, PIL's header reader for sizes.
"""

from __future__ import annotations

import struct
import zlib

import cv2
import numpy as np
import pytest
from PIL import Image, ImageOps

from reviewer.io import images

W, H = 64, 48


def _pixels(seed=0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 255, (H, W, 3), dtype=np.uint8)


def _save(path, pixels, orientation=None, **kw):
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation
    Image.fromarray(pixels).save(path, exif=exif.tobytes(), **kw)
    return path


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def claimed_png(path, width, height):
    """A small PNG file whose IHDR claims width x height RGB pixels (the data is not there)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr)
                     + _chunk(b"IDAT", zlib.compress(b"\0" * 64)) + _chunk(b"IEND", b""))
    return path


@pytest.mark.parametrize("fmt", ["jpg", "png", "webp"])
@pytest.mark.parametrize("orientation", range(1, 9))
def test_header_gives_stored_size_and_orientation(tmp_path, fmt, orientation):
    path = _save(tmp_path / f"a.{fmt}", _pixels(), orientation)
    info = images.read_info(path)
    with Image.open(path) as im:
        assert (info.width, info.height) == im.size == (W, H)
        assert info.orientation == im.getexif().get(0x0112, 1) == orientation
    assert info.oriented_size == ((H, W) if orientation >= 5 else (W, H))


def test_header_without_exif_is_orientation_1(tmp_path):
    path = tmp_path / "plain.jpg"
    cv2.imwrite(str(path), _pixels())
    assert images.read_info(path) == images.ImageInfo(W, H, 1, "JPEG")


@pytest.mark.parametrize("orientation", range(1, 9))
def test_apply_orientation_equals_pil_exif_transpose(tmp_path, orientation):
    path = _save(tmp_path / "a.png", _pixels(), orientation)
    with Image.open(path) as im:
        expected = np.asarray(ImageOps.exif_transpose(im).convert("RGB"))
    assert np.array_equal(images.apply_orientation(_pixels(), orientation), expected)


@pytest.mark.parametrize("orientation", [5, 6, 7, 8])
def test_dataset_size_decides_the_pixel_order(tmp_path, orientation):
    path = _save(tmp_path / "a.png", _pixels(), orientation)
    stored = images.load_image(path, expected=(W, H))  # COCO's usual case: the stored order
    assert not stored.rotated and stored.size == (W, H)
    assert np.array_equal(stored.pixels, _pixels())
    assert cv2.imread(str(path)).shape == (W, H, 3)  # what IMREAD_COLOR alone would have shown
    rotated = images.load_image(path, expected=(H, W))  # a dataset made on the rotated picture
    assert rotated.rotated and rotated.size == (H, W)
    opencv = cv2.cvtColor(cv2.imread(str(path), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    assert np.array_equal(rotated.pixels, opencv)
    unknown = images.load_image(path)
    assert not unknown.rotated and unknown.pixels.shape == (H, W, 3)


def test_size_mismatch_is_a_problem_naming_both_sizes(tmp_path):
    path = _save(tmp_path / "a.jpg", _pixels(), 6)
    rotate, message = images.orientation_for(images.read_info(path), (100, 100))
    assert not rotate
    assert "64x48" in message and "48x64 after its EXIF orientation 6" in message
    assert "100x100" in message
    assert images.check_image(path, (100, 100))[0] == "size"
    assert images.check_image(path, (W, H)) == ("", "")
    assert images.check_image(path, (H, W)) == ("", "")
    assert images.check_image(path, None) == ("", "")


def test_bgr_output_for_opencv_drawing(tmp_path):
    path = _save(tmp_path / "a.png", _pixels())
    loaded = images.load_image(path, bgr=True)
    assert np.array_equal(loaded.pixels, _pixels()[..., ::-1])


def test_png_claiming_60000_squared_is_refused_from_the_header(tmp_path):
    path = claimed_png(tmp_path / "huge.png", 60000, 60000)
    info = images.read_info(path)
    assert (info.width, info.height, info.format) == (60000, 60000, "PNG")
    loaded = images.load_image(path, expected=(60000, 60000))
    assert loaded.pixels is None and loaded.status == "too large"
    assert "60000x60000" in loaded.reason and "MP" in loaded.reason
    assert loaded.message.startswith("image too large to show: ")
    kind, message = images.check_image(path, (60000, 60000))
    assert kind == "too large" and "60000x60000" in message
    with pytest.raises(cv2.error):  # what happened before: OpenCV's pixel limit aborts
        cv2.imdecode(np.fromfile(str(path), np.uint8), cv2.IMREAD_COLOR)


def test_jpeg_above_the_budget_is_decoded_reduced(tmp_path):
    big = cv2.resize(_pixels(), (800, 600), interpolation=cv2.INTER_NEAREST)
    path = tmp_path / "big.jpg"
    cv2.imwrite(str(path), big)
    info = images.read_info(path)
    assert images.reduction(info, 800 * 600) == 1
    assert images.reduction(info, 200 * 150) == 4
    loaded = images.load_image(path, max_pixels=200 * 150)
    assert loaded.pixels.shape == (150, 200, 3) and loaded.size == (800, 600)
    assert loaded.scale == 0.25
    assert images.reduction(info, 50 * 50) is None  # even 1/8 (100x75) is over the budget
    assert images.load_image(path, max_pixels=50 * 50).status == "too large"


def test_png_above_the_budget_is_shrunk_after_decoding(tmp_path):
    path = tmp_path / "big.png"
    cv2.imwrite(str(path), cv2.resize(_pixels(), (800, 600)))
    loaded = images.load_image(path, max_pixels=20_000)
    h, w = loaded.pixels.shape[:2]
    assert w * h <= 20_000 and abs(w / h - 4 / 3) < 0.02
    assert loaded.size == (800, 600) and loaded.scale == pytest.approx(w / 800)


@pytest.mark.parametrize("keep", [0.5, 0.9])
@pytest.mark.parametrize("fmt", ["jpg", "png"])
def test_truncated_file_is_unreadable_with_a_reason(tmp_path, fmt, keep):
    full = _save(tmp_path / f"full.{fmt}", _pixels())
    data = full.read_bytes()
    path = tmp_path / f"cut.{fmt}"
    path.write_bytes(data[: int(len(data) * keep)])
    loaded = images.load_image(path)
    assert loaded.pixels is None and loaded.status == "unreadable"
    assert "truncated" in loaded.reason
    assert loaded.message.startswith("unreadable image: ")


@pytest.mark.parametrize("content", [b"", b"hello, not a picture", b"\xff\xd8\xff", b"\x89PNG\r\n"])
def test_non_image_is_unreadable_not_missing(tmp_path, content):
    path = tmp_path / "fake.jpg"
    path.write_bytes(content)
    loaded = images.load_image(path)
    assert loaded.status == "unreadable" and loaded.pixels is None and loaded.reason
    assert images.check_image(path, (W, H))[0] == "unreadable"


def test_missing_file(tmp_path):
    loaded = images.load_image(tmp_path / "nope.jpg", expected=(W, H))
    assert loaded.status == "missing" and loaded.size == (W, H)
    assert loaded.message == "image file not found"
    with pytest.raises(FileNotFoundError):
        images.check_image(tmp_path / "nope.jpg", (W, H))


def test_folder_named_like_an_image_is_unreadable(tmp_path):
    (tmp_path / "dir.jpg").mkdir()
    assert images.load_image(tmp_path / "dir.jpg").status == "unreadable"


def test_grey_and_16_bit_images_decode_to_rgb(tmp_path):
    grey = tmp_path / "grey.png"
    cv2.imwrite(str(grey), np.arange(W * H, dtype=np.uint16).reshape(H, W) * 7)
    loaded = images.load_image(grey)
    assert loaded.pixels.shape == (H, W, 3) and loaded.pixels.dtype == np.uint8


def test_other_formats_use_pil_headers(tmp_path):
    path = tmp_path / "a.bmp"
    Image.fromarray(_pixels()).save(path)
    info = images.read_info(path)
    assert (info.width, info.height, info.format) == (W, H, "BMP")
    assert np.array_equal(images.load_image(path).pixels, _pixels())


def test_jpeg_of_20000_by_16000_decodes_at_a_quarter(tmp_path):
    from tests.image_files import uniform_jpeg
    path = uniform_jpeg(tmp_path / "big.jpg", 20000, 16000)
    assert path.stat().st_size < 3_000_000
    info = images.read_info(path)
    assert (info.width, info.height, info.format) == (20000, 16000, "JPEG")
    loaded = images.load_image(path, expected=(20000, 16000))
    assert loaded.pixels.shape == (4000, 5000, 3) and loaded.scale == 0.25
    assert loaded.size == (20000, 16000) and loaded.pixels.mean() == pytest.approx(128, abs=1)
