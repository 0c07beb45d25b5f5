"""Reading XML annotation files safely (Pascal VOC, CVAT) and writing them.

Parsing goes through ``defusedxml.ElementTree``: entity declarations (the "billion laughs"
bomb, quadratic blowup) and external entities / DTDs fetching files are refused with a clear
message instead of being expanded. Files above ``MAX_BYTES`` are refused before parsing. Every
failure is a message (no exception escapes): the caller turns it into a problem for that file.
"""

from __future__ import annotations

import math
import os
import xml.etree.ElementTree as ET  # building output only; parsing uses defusedxml
from pathlib import Path

import defusedxml.ElementTree as safe_et
from defusedxml import DefusedXmlException

MAX_BYTES = 64 * 2**20  # one image's annotation file; CVAT task files may be larger (see cvat)


def parse(path, max_bytes: int = MAX_BYTES) -> tuple[ET.Element | None, str]:
    """The root element, or (None, why the file cannot be used)."""
    try:
        size = os.path.getsize(path)
    except OSError as exc:
        return None, f"cannot read the file ({exc.strerror or exc})"
    if size > max_bytes:
        return None, f"the file is {size / 2**20:.0f} MB; annotation files above " \
                     f"{max_bytes / 2**20:.0f} MB are not read"
    try:
        return safe_et.parse(str(path)).getroot(), ""
    except DefusedXmlException as exc:
        return None, f"refused: the XML declares entities or a DTD ({type(exc).__name__}); " \
                     "annotation files never need them"
    except ET.ParseError as exc:
        return None, f"not valid XML ({exc})"
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return None, f"cannot read the file ({exc})"


def text(elem: ET.Element | None, tag: str, default: str | None = None) -> str | None:
    """The stripped text of child ``tag`` (None / default when absent or empty)."""
    if elem is None:
        return default
    child = elem.find(tag)
    if child is None or child.text is None or not child.text.strip():
        return default
    return child.text.strip()


def num(value: float) -> str:
    """A coordinate as text: an integer when it is one, else the shortest exact decimal."""
    v = float(value)
    if math.isfinite(v) and v == int(v) and abs(v) < 2**53:
        return str(int(v))
    return repr(v)


def sub(parent: ET.Element, tag: str, value=None, **attrib) -> ET.Element:
    e = ET.SubElement(parent, tag, {k: str(v) for k, v in attrib.items()})
    if value is not None:
        e.text = str(value)
    return e


def write(root: ET.Element, path: Path) -> None:
    ET.indent(root, space="  ")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n")
