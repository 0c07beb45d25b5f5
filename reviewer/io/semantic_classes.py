"""Class lists for semantic segmentation: JSON, text and ADE20K ``objectInfo150`` files.

Accepted formats (index = pixel value in the masks; gaps allowed):

- JSON object ``{"0": "road", "1": "car"}`` or ``{"0": {"name": "road", "color": [r, g, b]}}``;
- JSON list ``["road", "car"]`` or ``[{"name": "road", "color": [r, g, b]}, ...]`` (an entry may
  carry ``"id"``/``"index"``); a JSON object with a ``"classes"`` or ``"categories"`` list is
  read the same way;
- text, one class per line: ``name``, ``name r g b`` or ``r g b name`` (CamVid's
  ``label_colors.txt``); the first class line is index 0; blank lines and ``#`` comments are
  skipped;
- CSV with a header naming ``name`` and ``r``, ``g``, ``b`` columns and no index column
  (CamVid's ``class_dict.csv``): index = row order;
- tables with a header naming an index column (``Idx``/``id``/``index``) and a ``Name`` column,
  tab-separated (ADE20K ``objectInfo150.txt``) or ``.csv`` (``objectInfo150.csv``); names like
  ``building, edifice`` (``building;edifice`` in the CSV) keep the first synonym.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

from reviewer.core.problems import InputError, Problem
from reviewer.core.semantic import MAX_CLASSES

Color = tuple[int, int, int]
_INDEX_COLUMNS = ("idx", "id", "index", "label", "class_id")


def load_classes(path) -> tuple[list[str], list[Color] | None, list[Problem], list[int]]:
    """Read a class list. Returns names (K,), colours (K,) or None when the file gives none,
    problems, and the *void classes*: indices a JSON entry marks ``"ignore": true`` (also
    ``"ignoreInEval"`` or ``"void"``, as Cityscapes writes them), left out of every score like
    the ignore value. Index gaps get the name ``class_<i>`` (and a default colour)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return [], None, [Problem(str(path), "", f"cannot read the classes file: {exc}")], []
    void: list[int] = []
    if path.suffix.lower() == ".json" or text.lstrip()[:1] in ("{", "["):
        entries, problems = _parse_json(text, str(path), void)
    elif _looks_tabular(text, path):
        entries, problems = _parse_table(text, str(path), path.suffix.lower() == ".csv")
    else:
        entries, problems = _parse_lines(text, str(path))
    names, colors = _assemble(entries, str(path), problems)
    return names, colors, problems, sorted({v for v in void if 0 <= v < len(names)})


def _assemble(entries: list, file: str, problems: list) -> tuple[list[str], list | None]:
    """entries: (index, name, colour|None, entry label) -> dense names and colours.

    An index of ``MAX_CLASSES`` or more refuses the whole file (InputError): names are dense
    0..max, so one such index would mean that many classes.
    """
    by_index: dict[int, tuple[str, Color | None]] = {}
    for index, name, color, where in entries:
        if index >= MAX_CLASSES:
            raise InputError(f"{file}: {where}: class index {index} (the file lists "
                             f"{len(entries)} classes); Reviewer supports at most {MAX_CLASSES} "
                             f"classes (indices 0..{MAX_CLASSES - 1}), so this classes file is "
                             "refused")
        if index < 0:
            problems.append(Problem(file, where, f"class index {index} is negative"))
        elif index in by_index:
            problems.append(Problem(file, where, f"class index {index} given twice "
                                    f"({by_index[index][0]!r} and {name!r}); kept the first"))
        else:
            by_index[index] = (name, color)
    if not by_index:
        if not problems:
            problems.append(Problem(file, "", "no classes found"))
        return [], None
    k = max(by_index) + 1
    names = [by_index.get(i, (f"class_{i}", None))[0] for i in range(k)]
    if all(c is None for _, c in by_index.values()):
        return names, None
    colors = [by_index[i][1] if i in by_index and by_index[i][1] is not None
              else default_color(i) for i in range(k)]
    return names, colors


def default_color(i: int) -> Color:
    """The PASCAL VOC colour map (bit-interleaved), used for classes without a colour."""
    r = g = b = 0
    c = i
    for j in range(8):
        r |= ((c >> 0) & 1) << (7 - j)
        g |= ((c >> 1) & 1) << (7 - j)
        b |= ((c >> 2) & 1) << (7 - j)
        c >>= 3
    return (r, g, b)


def _color(value, file: str, where: str, problems: list) -> Color | None:
    if value is None:
        return None
    ok = (isinstance(value, (list, tuple)) and len(value) in (3, 4)
          and all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 255
                  for v in value))
    if not ok:
        problems.append(Problem(file, where, f"color {value!r} is not [r, g, b] in 0..255; "
                                "using a default colour", severity="warning"))
        return None
    return (value[0], value[1], value[2])


def _parse_json(text: str, file: str, void: list) -> tuple[list, list]:
    problems: list[Problem] = []
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return [], [Problem(file, "", f"not valid JSON: {exc}")]
    if isinstance(data, dict):
        for key in ("classes", "categories"):
            if isinstance(data.get(key), list):
                data = data[key]
                break
    if isinstance(data, dict):
        items = []
        for key, value in data.items():
            try:
                items.append((int(key), value, f"[{key!r}]"))
            except ValueError:
                problems.append(Problem(file, f"[{key!r}]", "key is not a class index"))
    elif isinstance(data, list):
        items = [(i, v, f"[{i}]") for i, v in enumerate(data)]
    else:
        return [], [Problem(file, "", "expected a JSON object or list of classes")]
    entries = []
    for index, value, where in items:
        entry = _json_entry(index, value, file, where, problems)
        if entry is not None:
            entries.append(entry)
            if isinstance(value, dict) and any(value.get(k) is True for k in _VOID_KEYS):
                void.append(entry[0])
    return entries, problems


_VOID_KEYS = ("ignore", "ignoreInEval", "void")


def _json_entry(index: int, value, file: str, where: str, problems: list):
    if isinstance(value, str):
        return index, value, None, where
    if isinstance(value, dict) and isinstance(value.get("name"), str):
        for key in ("id", "index", "trainId"):
            if isinstance(value.get(key), int) and not isinstance(value.get(key), bool):
                index = value[key]
                break
        color = next((value[k] for k in ("color", "color_rgb", "rgb") if k in value), None)
        return index, value["name"], _color(color, file, where, problems), where
    problems.append(Problem(file, where, "expected a class name or {\"name\": ...}"))
    return None


def _looks_tabular(text: str, path: Path) -> bool:
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    sep = "," if path.suffix.lower() == ".csv" else "\t"
    header = [h.strip().lower() for h in first.split(sep)]
    rgb = all(c in header for c in ("r", "g", "b"))
    return "name" in header and (rgb or any(h in header for h in _INDEX_COLUMNS))


def _parse_table(text: str, file: str, is_csv: bool) -> tuple[list, list]:
    rows = list(csv.reader(text.splitlines(), delimiter="," if is_csv else "\t"))
    header = [h.strip().lower() for h in rows[0]]
    col_name = header.index("name")
    if not any(h in header for h in _INDEX_COLUMNS):
        return _parse_colour_table(rows, header, file)
    col_idx = next(header.index(h) for h in _INDEX_COLUMNS if h in header)
    entries, problems = [], []
    for line_no, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        where = f"line {line_no}"
        try:
            index = int(row[col_idx])
            name = row[col_name]
        except (ValueError, IndexError):
            problems.append(Problem(file, where, "expected an index and a name"))
            continue
        first = re.split(r"[;,]", name)[0].strip()
        entries.append((index, first or name.strip(), None, where))
    return entries, problems


def _parse_colour_table(rows: list, header: list, file: str) -> tuple[list, list]:
    """CamVid ``class_dict.csv``: ``name,r,g,b`` rows, index = row order."""
    cols = [header.index(c) for c in ("name", "r", "g", "b")]
    entries, problems = [], []
    for line_no, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        where = f"line {line_no}"
        try:
            name = row[cols[0]].strip()
            rgb = [int(row[c]) for c in cols[1:]]
        except (ValueError, IndexError):
            problems.append(Problem(file, where, "expected a name and r, g, b integers"))
            continue
        entries.append((len(entries), name, _color(rgb, file, where, problems), where))
    return entries, problems


_RGB_FIRST = re.compile(r"^(\d{1,3})\s+(\d{1,3})\s+(\d{1,3})\s+(\D.*)$")


def _parse_lines(text: str, file: str) -> tuple[list, list]:
    entries, problems, index = [], [], 0
    for line_no, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split("\t") if "\t" in line else line.split()
        color = None
        if len(parts) >= 4 and all(re.fullmatch(r"\d{1,3}", p.strip()) for p in parts[-3:]):
            rgb = [int(p) for p in parts[-3:]]
            color = _color(rgb, file, f"line {line_no}", problems)
            parts = parts[:-3]
        elif _RGB_FIRST.match(line):  # CamVid label_colors.txt: r g b name
            m = _RGB_FIRST.match(line)
            color = _color([int(m[k]) for k in (1, 2, 3)], file, f"line {line_no}", problems)
            parts = [m[4]]
        name = " ".join(p.strip() for p in parts)
        entries.append((index, name, color, f"line {line_no}"))
        index += 1
    return entries, problems
