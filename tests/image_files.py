"""Image files of every kind the readers must survive, written by the tests themselves.

- ``exif_jpeg``: a JPEG whose pixels are stored WxH with an EXIF orientation (PIL writes it);
- ``claimed_png``: a few hundred bytes whose PNG header claims any size (60000x60000);
- ``truncated``: the first part of a real image file;
- ``uniform_jpeg``: a real, decodable grey JPEG of any size (tens of thousands of pixels a side)
  written without ever holding its pixels: every 8x8 block is "DC 0, end of block";
- ``marked``: a picture with a white block in its top-left corner (stored order), so a test can
  tell whether a reader rotated it.
"""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image


def marked(width: int = 64, height: int = 48) -> np.ndarray:
    """(height, width, 3) uint8: dark grey with a white (height//3, width//3) top-left block."""
    pixels = np.full((height, width, 3), 40, np.uint8)
    pixels[: height // 3, : width // 3] = 255
    return pixels


def exif_jpeg(path: Path, pixels: np.ndarray, orientation: int) -> Path:
    exif = Image.Exif()
    exif[0x0112] = orientation
    Image.fromarray(pixels).save(path, exif=exif.tobytes(), quality=95)
    return path


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def claimed_png(path: Path, width: int, height: int) -> Path:
    """A PNG whose IHDR claims width x height RGB pixels (the pixel data is not there)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr)
                     + _chunk(b"IDAT", zlib.compress(b"\0" * 64)) + _chunk(b"IEND", b""))
    return path


def truncated(path: Path, pixels: np.ndarray, keep: float = 0.5) -> Path:
    """The first ``keep`` of a JPEG of ``pixels``."""
    Image.fromarray(pixels).save(path, format="JPEG", quality=95)
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    return path


def detection_project(root: Path, entries: list[tuple[str, int, int]], boxes=None) -> Path:
    """A detection project at ``root`` whose GT lists ``entries`` (file_name, width, height)
    with image ids 1..N and one GT box + one matching prediction per image (``boxes[k]``, COCO
    xywh; default the top-left third of the image). Image files are the caller's, in
    ``root/images``."""
    (root / "images").mkdir(parents=True, exist_ok=True)
    images, gt, pred = [], [], []
    for k, (name, w, h) in enumerate(entries, start=1):
        images.append({"id": k, "file_name": name, "width": w, "height": h})
        box = list(boxes[k - 1]) if boxes else [0.0, 0.0, w / 3, h / 3]
        gt.append({"id": k, "image_id": k, "category_id": 1, "bbox": box,
                   "area": box[2] * box[3], "iscrowd": 0})
        pred.append({"image_id": k, "category_id": 1, "bbox": box, "score": 0.9})
    (root / "gt.json").write_text(json.dumps({"images": images, "annotations": gt,
                                              "categories": [{"id": 1, "name": "thing"}]}))
    (root / "pred.json").write_text(json.dumps(pred))
    (root / "reviewer.json").write_text(json.dumps({
        "reviewer_project": 1, "name": root.name, "images": "images",
        "default_task": "detection",
        "detection": {"gt": "gt.json", "pred": "pred.json", "iou_threshold": 0.5,
                      "score_threshold": 0.5}}))
    return root


def _segment(marker: int, payload: bytes) -> bytes:
    return b"\xff" + bytes([marker]) + struct.pack(">H", len(payload) + 2) + payload


def uniform_jpeg(path: Path, width: int, height: int) -> Path:
    """A baseline greyscale JPEG of width x height mid-grey pixels (3 bits per 8x8 block)."""
    out = b"\xff\xd8" + _segment(0xDB, b"\x00" + bytes([1] * 64))  # one quantisation table
    out += _segment(0xC0, struct.pack(">BHHB", 8, height, width, 1) + b"\x01\x11\x00")
    out += _segment(0xC4, b"\x00" + bytes([0, 1] + [0] * 14) + b"\x00")  # DC: '00' -> 0
    out += _segment(0xC4, b"\x10" + bytes([1] + [0] * 15) + b"\x00")     # AC: '0' -> EOB
    out += _segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
    blocks = -(-width // 8) * -(-height // 8)
    path.write_bytes(out + bytes((3 * blocks + 7) // 8) + b"\xff\xd9")
    return path
