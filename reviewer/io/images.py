"""Reading image files: header, EXIF orientation, decoding within a pixel budget (no Qt).

Every reader of photos goes through this module: the review window (``ui/preloader.py``), the
report thumbnails (``io/report_thumbs.py``) and the loaders' size checks (``io/coco.py``,
``io/semantic.py``).

Pixel order. A JPEG (or PNG / WebP / TIFF) may carry an EXIF orientation that viewers apply
(OpenCV's ``IMREAD_COLOR`` does). A COCO dataset's boxes and masks are in the *stored* pixel
order, and its ``width`` / ``height`` say which order the dataset uses, so that decides
(``orientation_for``): the stored order when the dataset's size is the stored size (or unknown),
the EXIF-rotated order when the dataset's size is the rotated one, and a problem otherwise.

Pixel budget. Decoded images hold at most ``PIXEL_BUDGET`` pixels (64 MP, ~190 MB RGB): a JPEG
above it is decoded at 1/2, 1/4 or 1/8 scale by the JPEG decoder itself (memory stays bounded
whatever the file claims), another format is decoded whole and shrunk when it has at most
``MAX_DECODE_PIXELS`` (256 MP), and refused beyond (``ImageTooLarge``). Sizes are read from the
header before anything is decoded, so a file claiming 60000x60000 pixels costs nothing.
"""

from __future__ import annotations

import struct
import warnings
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

PIXEL_BUDGET = 64_000_000
MAX_DECODE_PIXELS = 256_000_000
MAX_JPEG_REDUCTION = 8
_REDUCED = {1: cv2.IMREAD_COLOR, 2: cv2.IMREAD_REDUCED_COLOR_2, 4: cv2.IMREAD_REDUCED_COLOR_4,
            8: cv2.IMREAD_REDUCED_COLOR_8}
_SOF = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})
_ORIENTATION_TAG = 0x0112
_PIL_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error, Image.DecompressionBombError)

# OpenCV prints its own warnings about damaged files to stderr; this module reports them instead
cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)


class ImageError(Exception):
    """A file that cannot be shown; the message says why, without the path."""


class ImageTooLarge(ImageError):
    """The header is fine but the image holds more pixels than can be decoded here."""


@dataclass(frozen=True)
class ImageInfo:
    """What the header says: the stored size (width, height), the EXIF orientation (1-8, 1 =
    none) and the format (``"JPEG"``, ``"PNG"``, or PIL's name of another format)."""

    width: int
    height: int
    orientation: int = 1
    format: str = ""

    @property
    def transposed(self) -> bool:
        """True when the orientation swaps width and height (EXIF 5-8)."""
        return self.orientation in (5, 6, 7, 8)

    @property
    def oriented_size(self) -> tuple[int, int]:
        """(width, height) as a viewer applying the EXIF orientation shows it."""
        return (self.height, self.width) if self.transposed else (self.width, self.height)

    @property
    def pixels(self) -> int:
        return self.width * self.height


@dataclass(frozen=True)
class LoadedImage:
    """The outcome of ``load_image``.

    pixels: (h, w, 3) uint8 (RGB, or BGR when asked) or None when the image cannot be shown;
        smaller than ``size`` when it was decoded below the pixel budget.
    size: (width, height) of the full image in the pixel order used (None when unknown).
    status: "ok", "missing", "unreadable" or "too large"; reason: why, for the last two.
    rotated: the EXIF orientation was applied (the dataset uses the rotated pixel order).
    """

    pixels: np.ndarray | None
    size: tuple[int, int] | None = None
    status: str = "ok"
    reason: str = ""
    rotated: bool = False

    @property
    def scale(self) -> float:
        """Decoded width / full width (1.0 for a full-resolution decode)."""
        if self.pixels is None or not self.size or not self.size[0]:
            return 1.0
        return self.pixels.shape[1] / self.size[0]

    @property
    def message(self) -> str:
        """What a user reads about a failure (empty when the image is shown)."""
        return failure_text(self.status, self.reason)


def failure_text(status: str, reason: str) -> str:
    """The one wording of image failures (window placeholder, Problems panel, CLI, report)."""
    if status == "missing":
        return "image file not found"
    if status == "unreadable":
        return f"unreadable image: {reason}"
    if status == "too large":
        return f"image too large to show: {reason}"
    return ""


# --- headers -------------------------------------------------------------------------------
def read_info(path) -> ImageInfo:
    """Size, EXIF orientation and format from the file header, without decoding the pixels.

    Raises FileNotFoundError when the file is missing and ``ImageError`` when it is not an image
    (or its header is damaged).
    """
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
            fh.seek(0)
            if head[:2] == b"\xff\xd8":
                return _jpeg_info(fh)
            if head == b"\x89PNG\r\n\x1a\n":
                return _png_info(fh)
    except FileNotFoundError:
        raise
    except IsADirectoryError as exc:
        raise ImageError("a folder, not an image file") from exc
    except OSError as exc:
        raise ImageError(f"cannot read the file ({exc.strerror or exc})") from exc
    return _pil_info(path)


def _jpeg_info(fh) -> ImageInfo:
    fh.read(2)
    orientation = 1
    while True:
        m = _next_marker(fh)
        if m == 0x01 or 0xD0 <= m <= 0xD8:
            continue  # markers without a length
        if m in (0xD9, 0xDA):
            raise ImageError("damaged JPEG header (no frame header before the image data)")
        raw = fh.read(2)
        if len(raw) < 2 or struct.unpack(">H", raw)[0] < 2:
            raise ImageError("truncated JPEG header")
        length = struct.unpack(">H", raw)[0] - 2
        if m in _SOF:
            return _jpeg_frame(fh.read(5), orientation)
        if m == 0xE1 and orientation == 1:
            payload = fh.read(length)
            if payload.startswith(b"Exif\x00\x00"):
                orientation = _tiff_orientation(payload[6:])
        else:
            fh.seek(length, 1)


def _next_marker(fh) -> int:
    byte = fh.read(1)
    if not byte:
        raise ImageError("truncated JPEG header (no frame header found)")
    if byte != b"\xff":
        raise ImageError("damaged JPEG header (a marker was expected)")
    marker = fh.read(1)
    while marker == b"\xff":  # fill bytes
        marker = fh.read(1)
    if not marker:
        raise ImageError("truncated JPEG header")
    return marker[0]


def _jpeg_frame(sof: bytes, orientation: int) -> ImageInfo:
    if len(sof) < 5:
        raise ImageError("truncated JPEG frame header")
    _, height, width = struct.unpack(">BHH", sof)
    if not (width and height):
        raise ImageError(f"the JPEG header gives no size ({width}x{height})")
    return ImageInfo(width, height, orientation, "JPEG")


def _png_info(fh) -> ImageInfo:
    fh.read(8)
    raw = fh.read(8)
    if len(raw) < 8 or raw[4:] != b"IHDR":
        raise ImageError("damaged PNG header (no IHDR chunk)")
    ihdr = fh.read(8)
    if len(ihdr) < 8:
        raise ImageError("truncated PNG header")
    width, height = struct.unpack(">II", ihdr)
    if not (width and height):
        raise ImageError(f"the PNG header gives no size ({width}x{height})")
    fh.seek(struct.unpack(">I", raw[:4])[0] - 8 + 4, 1)  # rest of IHDR + its CRC
    orientation = 1
    for _ in range(64):  # eXIf comes before the image data
        raw = fh.read(8)
        if len(raw) < 8 or raw[4:] in (b"IDAT", b"IEND"):
            break
        length = struct.unpack(">I", raw[:4])[0]
        if raw[4:] == b"eXIf":
            data = fh.read(length)
            orientation = _tiff_orientation(data[6:] if data.startswith(b"Exif") else data)
            break
        fh.seek(length + 4, 1)
    return ImageInfo(width, height, orientation, "PNG")


def _tiff_orientation(tiff: bytes) -> int:
    """The Orientation tag (0x0112) of IFD0 of an EXIF/TIFF block; 1 when absent or invalid."""
    if len(tiff) < 8 or tiff[:2] not in (b"II", b"MM"):
        return 1
    end = "<" if tiff[:2] == b"II" else ">"
    offset = struct.unpack(end + "I", tiff[4:8])[0]
    if offset + 2 > len(tiff):
        return 1
    count = struct.unpack(end + "H", tiff[offset:offset + 2])[0]
    for k in range(count):
        at = offset + 2 + 12 * k
        if at + 12 > len(tiff):
            break
        tag, kind = struct.unpack(end + "HH", tiff[at:at + 4])
        if tag == _ORIENTATION_TAG and kind == 3:
            value = struct.unpack(end + "H", tiff[at + 8:at + 10])[0]
            return value if 1 <= value <= 8 else 1
    return 1


def _pil_info(path) -> ImageInfo:
    """Other formats (BMP, TIFF, WebP, ...): PIL reads the header only."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                width, height = im.size
                orientation = im.getexif().get(_ORIENTATION_TAG, 1)
                fmt = im.format or ""
    except Image.DecompressionBombError as exc:
        raise ImageTooLarge(str(exc)) from exc
    except Image.UnidentifiedImageError as exc:
        raise ImageError("not an image file (unknown format)") from exc
    except _PIL_ERRORS as exc:
        raise ImageError(f"damaged header ({exc})") from exc
    orientation = orientation if isinstance(orientation, int) and 1 <= orientation <= 8 else 1
    return ImageInfo(int(width), int(height), orientation, fmt)


# --- pixel order ---------------------------------------------------------------------------
def orientation_for(info: ImageInfo, expected) -> tuple[bool, str]:
    """Whether to apply the EXIF orientation for a dataset that says the image is ``expected``
    = (width, height) (None or zeros: unknown), and a problem message when neither the stored
    nor the rotated size is the dataset's ("" when they agree)."""
    if not expected or not (expected[0] and expected[1]):
        return False, ""
    expected = (int(expected[0]), int(expected[1]))
    if expected == (info.width, info.height):
        return False, ""
    if info.transposed and expected == info.oriented_size:
        return True, ""
    return False, (f"the image file is {describe(info)} but the dataset says "
                   f"{expected[0]}x{expected[1]}; the picture is stretched to the dataset's size")


def describe(info: ImageInfo) -> str:
    """``"640x480"``, or ``"640x480 (480x640 after its EXIF orientation 6)"``."""
    if not info.transposed:
        return f"{info.width}x{info.height}"
    w, h = info.oriented_size
    return f"{info.width}x{info.height} ({w}x{h} after its EXIF orientation {info.orientation})"


def displayable(info: ImageInfo, max_pixels: int = PIXEL_BUDGET) -> str:
    """Why an image with this header cannot be decoded within ``max_pixels`` ("" when it can)."""
    factor = reduction(info, max_pixels)
    if factor is not None:
        return ""
    mp = info.pixels / 1e6
    if info.format == "JPEG":
        limit = f"JPEGs above {MAX_JPEG_REDUCTION ** 2 * max_pixels / 1e6:.0f} MP"
    else:
        limit = f"{info.format or 'images'} above {MAX_DECODE_PIXELS / 1e6:.0f} MP"
    return (f"{info.width}x{info.height} px ({mp:.0f} MP); {limit} are not decoded "
            f"(memory budget)")


def reduction(info: ImageInfo, max_pixels: int = PIXEL_BUDGET, min_width: int = 0
              ) -> int | None:
    """The decoder's scale denominator: 1 = full size, 2, 4 or 8 for a JPEG over the budget (or
    the largest that still gives ``min_width`` columns: a thumbnail needs few), 0 for a full
    decode shrunk afterwards, None when the image cannot be decoded within ``max_pixels``."""
    if info.format == "JPEG":
        fits = [f for f in (1, 2, 4, MAX_JPEG_REDUCTION)
                if -(-info.width // f) * -(-info.height // f) <= max_pixels]
        wide = [f for f in fits if -(-info.width // f) >= min_width] if min_width else []
        return max(wide) if wide else (min(fits) if fits else None)
    if info.pixels <= max_pixels:
        return 1
    return 0 if info.pixels <= MAX_DECODE_PIXELS else None


# --- decoding ------------------------------------------------------------------------------
def load_image(path, expected=None, max_pixels: int = PIXEL_BUDGET, bgr: bool = False,
               min_width: int = 0) -> LoadedImage:
    """Decode ``path`` in the dataset's pixel order (see ``orientation_for``), at most
    ``max_pixels`` pixels (a JPEG only as wide as ``min_width`` needs, when given: see
    ``reduction``). Never raises: a failure is a LoadedImage with pixels None."""
    try:
        info = read_info(path)
    except FileNotFoundError:
        return LoadedImage(None, _size(expected), "missing")
    except ImageTooLarge as exc:
        return LoadedImage(None, _size(expected), "too large", str(exc))
    except ImageError as exc:
        return LoadedImage(None, _size(expected), "unreadable", str(exc))
    rotate, _ = orientation_for(info, expected)
    size = info.oriented_size if rotate else (info.width, info.height)
    factor = reduction(info, max_pixels, min_width)
    if factor is None:
        return LoadedImage(None, size, "too large", displayable(info, max_pixels))
    try:
        pixels = _decode(path, factor, info, max_pixels)
    except ImageError as exc:
        return LoadedImage(None, size, "unreadable", str(exc))
    if rotate:
        pixels = apply_orientation(pixels, info.orientation)
    if not bgr:
        pixels = cv2.cvtColor(pixels, cv2.COLOR_BGR2RGB)
    return LoadedImage(pixels, size, rotated=rotate)


def _decode(path, factor: int, info: ImageInfo, max_pixels: int) -> np.ndarray:
    """(h, w, 3) uint8 BGR in the stored pixel order, reduced by ``factor``."""
    try:
        raw = np.fromfile(str(path), dtype=np.uint8)  # unlike imread, works with any path
    except OSError as exc:
        raise ImageError(f"cannot read the file ({exc.strerror or exc})") from exc
    flags = _REDUCED[max(factor, 1)] | cv2.IMREAD_IGNORE_ORIENTATION
    try:
        bgr = cv2.imdecode(raw, flags)
    except cv2.error as exc:
        raise ImageError(f"the decoder failed ({str(exc).strip().splitlines()[-1]})") from exc
    if bgr is None:
        raise ImageError("the pixel data cannot be decoded (truncated or damaged file)")
    if bgr.ndim == 2:
        bgr = cv2.cvtColor(bgr, cv2.COLOR_GRAY2BGR)
    if factor == 0:  # decoded whole, then shrunk to the budget
        scale = (max_pixels / bgr.shape[0] / bgr.shape[1]) ** 0.5
        size = (max(1, int(bgr.shape[1] * scale)), max(1, int(bgr.shape[0] * scale)))
        bgr = cv2.resize(bgr, size, interpolation=cv2.INTER_AREA)
    return bgr


def apply_orientation(pixels: np.ndarray, orientation: int) -> np.ndarray:
    """(h, w, ...) in the stored order -> as EXIF ``orientation`` (1-8) tells a viewer to show it
    (the transforms of PIL's ``ImageOps.exif_transpose``), contiguous."""
    ops = {2: lambda a: a[:, ::-1], 3: lambda a: a[::-1, ::-1], 4: lambda a: a[::-1],
           5: lambda a: a.swapaxes(0, 1), 6: lambda a: a.swapaxes(0, 1)[:, ::-1],
           7: lambda a: a.swapaxes(0, 1)[::-1, ::-1], 8: lambda a: a.swapaxes(0, 1)[::-1]}
    op = ops.get(int(orientation))
    return pixels if op is None else np.ascontiguousarray(op(pixels))


def check_image(path, expected) -> tuple[str, str]:
    """(kind, message) of what is wrong with image file ``path`` for a dataset that says it is
    ``expected`` = (width, height), from the header only; ("", "") when nothing is.

    kind: "unreadable", "too large" or "size" (neither the stored nor the EXIF-rotated size is
    the dataset's). A missing file raises FileNotFoundError.
    """
    try:
        info = read_info(path)
    except ImageTooLarge as exc:
        return "too large", failure_text("too large", str(exc))
    except ImageError as exc:
        return "unreadable", failure_text("unreadable", str(exc))
    why = displayable(info)
    if why:
        return "too large", failure_text("too large", why)
    _, mismatch = orientation_for(info, expected)
    return ("size", mismatch) if mismatch else ("", "")


def _size(expected) -> tuple[int, int] | None:
    if not expected or not (expected[0] and expected[1]):
        return None
    return int(expected[0]), int(expected[1])

