"""Label PNGs: one class index per pixel, read and written with Pillow (no Qt).

8-bit grey, 16-bit grey or palette PNGs (the palette *index* is the class, colours are only for
display), or RGB colour-coded masks mapped through the class colours. Sizes come from the PNG
header (PIL reads only the header on open); a mask whose header claims ``MAX_MASK_PIXELS`` or
more is refused before any pixel is decoded (a decompression bomb cannot exhaust memory), and a
file named ``.png`` that holds another format (a JPEG: lossy, its "classes" would be noise) is
refused too. Every failure is a ``LabelFileError`` whose message says why (without the path).
"""

from __future__ import annotations

import os
import struct
import tempfile
import warnings
import zlib
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from PIL import Image

from reviewer.io.semantic_classes import Color

MAX_MASK_PIXELS = 2**27
"""Label masks must have fewer pixels than this (134,217,728, e.g. 11585 x 11585)."""

# PIL raises these (and a few more) on broken files; anything else is a bug in our code.
_PIL_ERRORS = (OSError, SyntaxError, ValueError, EOFError, MemoryError, struct.error, zlib.error,
               Image.DecompressionBombError)


class LabelFileError(ValueError):
    """A label PNG that cannot be used; the message says why (without the path)."""


@contextmanager
def _open(path):
    """Image.open with PIL's own decompression-bomb *warning* silenced (``MAX_MASK_PIXELS`` is
    checked instead; PIL still raises beyond twice its limit)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with Image.open(path) as im:
            yield im


def image_size(path) -> tuple[int, int]:
    """(width, height) from the file header, without decoding the pixels. Raises LabelFileError."""
    try:
        with _open(path) as im:
            return im.size
    except _PIL_ERRORS as exc:
        raise LabelFileError(f"cannot read the file header: {exc}") from exc


def mask_size(path) -> tuple[int, int]:
    """(width, height) of a label PNG from its header; LabelFileError when it is not a PNG or
    too large to decode (``MAX_MASK_PIXELS``)."""
    try:
        with _open(path) as im:
            _check_header(im)
            return im.size
    except LabelFileError:
        raise
    except _PIL_ERRORS as exc:
        raise LabelFileError(f"cannot read the file header: {exc}") from exc


def _check_header(im) -> None:
    if im.format != "PNG":
        raise LabelFileError(f"not a PNG file (the data is {im.format or 'unknown'}); label "
                             "masks must be lossless PNGs")
    w, h = im.size
    if w * h >= MAX_MASK_PIXELS:
        raise LabelFileError(f"the PNG header claims {w}x{h} = {w * h} pixels; label masks must "
                             f"have fewer than {MAX_MASK_PIXELS}")


def read_label_png(path, colors: list[Color] | None = None,
                   ignore: tuple[int, Color] | None = None) -> np.ndarray:
    """Decode a label PNG -> (H, W) uint8 or uint16 class indices. Raises LabelFileError.

    Palette PNGs give their palette indices; RGB(A) masks are mapped through ``colors`` (K,)
    (an RGB mask with equal channels is read as grey when no colours are given). ``ignore``:
    (value, colour) — pixels of that colour, when no class has it, are the ignore value (VOC's
    colour masks paint their 255 boundary (224, 224, 192)).
    """
    try:
        with _open(path) as im:
            _check_header(im)
            im.load()
            mode = im.mode
            arr = np.asarray(im)
    except LabelFileError:
        raise
    except _PIL_ERRORS as exc:
        raise LabelFileError(f"cannot decode the PNG: {exc}") from exc
    if mode in ("P", "PA", "LA"):
        arr = arr[..., 0] if arr.ndim == 3 else arr
    elif mode == "1":
        arr = arr.astype(np.uint8)
    elif mode in ("RGB", "RGBA"):
        arr = _map_colors(arr[..., :3], colors, ignore)
    elif mode.startswith("I"):
        arr = _to_uint16(arr)
    elif mode != "L":
        raise LabelFileError(f"unsupported PNG mode {mode!r} for a label mask")
    return np.ascontiguousarray(arr)


def _to_uint16(arr: np.ndarray) -> np.ndarray:
    if arr.dtype == np.uint16:
        return arr
    if arr.size and (arr.min() < 0 or arr.max() > 65535):
        raise LabelFileError("pixel values outside 0..65535")
    return arr.astype(np.uint16)


def _map_colors(rgb: np.ndarray, colors: list[Color] | None,
                ignore: tuple[int, Color] | None = None) -> np.ndarray:
    """(H, W, 3) uint8 -> (H, W) class indices through colours (K,) (and the ignore colour)."""
    if colors is None:
        if (rgb[..., 0] == rgb[..., 1]).all() and (rgb[..., 1] == rgb[..., 2]).all():
            return rgb[..., 0].copy()
        raise LabelFileError("RGB colour mask but the classes file gives no colours")
    code = (rgb[..., 0].astype(np.int64) << 16) | (rgb[..., 1].astype(np.int64) << 8) | rgb[..., 2]
    values = list(range(len(colors)))
    colors = list(colors)
    if ignore is not None and tuple(ignore[1]) not in set(map(tuple, colors)):
        values.append(ignore[0])
        colors.append(tuple(ignore[1]))
    table = np.asarray([(r << 16) | (g << 8) | b for r, g, b in colors], np.int64)
    uniq, inverse = np.unique(code.reshape(-1), return_inverse=True)
    order = np.argsort(table, kind="stable")
    pos = np.searchsorted(table[order], uniq).clip(0, len(table) - 1)
    found = table[order][pos] == uniq
    if not found.all():
        bad = uniq[~found][:3]
        shown = ", ".join(f"({c >> 16}, {(c >> 8) & 255}, {c & 255})" for c in bad)
        raise LabelFileError(f"{int((~found).sum())} colours are not in the classes file, "
                             f"e.g. {shown}")
    top = max(values)
    dtype = np.uint8 if top < 256 else np.uint16
    lut = np.asarray(values, np.int64)[order]
    return lut[pos][inverse].reshape(rgb.shape[:2]).astype(dtype)


def read_palette(path) -> tuple[int, ...] | None:
    """The flat RGB palette of a palette PNG, else None (header only)."""
    try:
        with _open(path) as im:
            if im.mode not in ("P", "PA"):
                return None
            return tuple(im.getpalette() or ()) or None
    except _PIL_ERRORS:
        return None


def colour_image(mask: np.ndarray, colors: list[Color]) -> np.ndarray:
    """(H, W) class indices -> (H, W, 3) uint8 through ``colors``; a value without a colour of
    its own gets the PASCAL VOC colour map's (``default_color``: (224, 224, 192) for 255)."""
    from reviewer.io.semantic_classes import default_color
    top = int(mask.max()) if mask.size else 0
    lut = np.asarray(list(colors) + [default_color(v) for v in range(len(colors), top + 1)],
                     np.uint8)
    return lut[mask]


def write_label_png(path, mask: np.ndarray, palette=None, colors=None) -> None:
    """Write mask (H, W) int atomically: an RGB colour-coded PNG through ``colors`` (K,) when
    given, a palette PNG with ``palette`` (flat RGB ints) when given (values must be < 256),
    else 8-bit grey, or 16-bit grey when a value exceeds 255."""
    mask = np.asarray(mask)
    if mask.ndim != 2:
        raise ValueError(f"mask must be (H, W), got {mask.shape}")
    if mask.size and mask.min() < 0:
        raise ValueError("mask has negative values")
    top = int(mask.max()) if mask.size else 0
    if colors is not None:
        im = Image.fromarray(colour_image(mask.astype(np.int64), colors))
    elif palette is not None:
        if top > 255:
            raise ValueError(f"value {top} does not fit a palette PNG")
        im = Image.fromarray(mask.astype(np.uint8))
        im.putpalette(list(palette))
    else:
        im = Image.fromarray(mask.astype(np.uint8 if top <= 255 else np.uint16))
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            im.save(fh, format="PNG")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


