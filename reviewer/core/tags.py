"""Tag vocabulary: the names a reviewer tags images and objects with.

A ``Tag`` has a name, a colour (stable across runs and machines: derived from a hash of the name
unless set), an optional hotkey, a group (``"failure reason"`` or any group the user makes) and
a short description. ``TagVocabulary`` is an immutable ordered collection: edits return a new
vocabulary, so it can be compared, diffed and kept in an undo command. Names are
unique ignoring case and surrounding/double spaces; so are hotkeys. The review store persists the
vocabulary (by tag id, so renames keep assignments); this module knows nothing about storage.
"""

from __future__ import annotations

import colorsys
import hashlib
import importlib.resources
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

from reviewer.core.problems import Problem

VOCABULARY_FORMAT = 1
_HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def normalise_name(name: object) -> str:
    """``"  Poor   lighting "`` -> ``"Poor lighting"``; raises ValueError when nothing remains."""
    if not isinstance(name, str):
        raise ValueError(f"tag name must be text, not {type(name).__name__}")
    text = " ".join(name.split())
    if not text:
        raise ValueError("tag name is empty")
    return text


def name_key(name: str) -> str:
    """The key two names are compared by: normalised and case-folded."""
    return normalise_name(name).casefold()


def colour_for_name(name: str) -> str:
    """A stable ``#rrggbb`` colour for a tag name (same on every run; not Python's salted hash)."""
    digest = hashlib.sha1(name_key(name).encode("utf-8")).digest()
    hue = int.from_bytes(digest[:2], "big") / 65536.0
    saturation = 0.55 + 0.35 * digest[2] / 255.0
    value = 0.70 + 0.25 * digest[3] / 255.0
    r, g, b = colorsys.hsv_to_rgb(hue, saturation, value)
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"


def normalise_colour(colour: object) -> str:
    """``"#A0B1C2"`` -> ``"#a0b1c2"``; raises ValueError for anything but ``#rrggbb``."""
    if not isinstance(colour, str) or not _HEX_COLOUR.match(colour.strip()):
        raise ValueError(f"colour {colour!r} is not of the form #rrggbb")
    return colour.strip().lower()


def _normalise_hotkey(hotkey: object) -> str | None:
    if hotkey is None or hotkey == "":
        return None
    if not isinstance(hotkey, str | int) or isinstance(hotkey, bool):
        raise ValueError(f"hotkey {hotkey!r} must be text such as \"1\" or \"Ctrl+B\"")
    return str(hotkey).strip() or None


@dataclass(frozen=True)
class Tag:
    """One tag. Build with ``Tag.make`` to normalise and validate; fields are then trusted."""

    name: str
    colour: str
    hotkey: str | None = None
    group: str = ""
    description: str = ""

    @staticmethod
    def make(name: str, colour: str | None = None, hotkey: str | None = None,
             group: str = "", description: str = "") -> Tag:
        """Normalise and validate; ``colour=None`` derives the colour from the name."""
        name = normalise_name(name)
        colour = colour_for_name(name) if colour is None else normalise_colour(colour)
        return Tag(name, colour, _normalise_hotkey(hotkey), " ".join(str(group).split()),
                   str(description).strip())

    def to_json(self) -> dict:
        out = {"name": self.name, "group": self.group, "colour": self.colour,
               "description": self.description}
        if self.hotkey:
            out["hotkey"] = self.hotkey
        return out


class TagVocabulary:
    """An ordered, immutable set of tags with unique names and unique hotkeys."""

    def __init__(self, tags: Iterable[Tag] = ()):
        self._tags = tuple(tags)
        self._by_key: dict[str, int] = {}
        self._by_hotkey: dict[str, int] = {}
        for i, tag in enumerate(self._tags):
            key = name_key(tag.name)
            if key in self._by_key:
                raise ValueError(f"tag {tag.name!r} appears twice")
            self._by_key[key] = i
            if tag.hotkey:
                hot = tag.hotkey.casefold()
                if hot in self._by_hotkey:
                    other = self._tags[self._by_hotkey[hot]].name
                    raise ValueError(f"hotkey {tag.hotkey!r} is used by {other!r} and {tag.name!r}")
                self._by_hotkey[hot] = i

    # --- queries -------------------------------------------------------------------------
    @property
    def tags(self) -> tuple[Tag, ...]:
        return self._tags

    def names(self) -> list[str]:
        return [t.name for t in self._tags]

    def __len__(self) -> int:
        return len(self._tags)

    def __iter__(self) -> Iterator[Tag]:
        return iter(self._tags)

    def __contains__(self, name: object) -> bool:
        return self.get(name) is not None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TagVocabulary) and self._tags == other._tags

    def __hash__(self) -> int:
        return hash(self._tags)

    def __repr__(self) -> str:
        return f"TagVocabulary({self.names()!r})"

    def get(self, name: object) -> Tag | None:
        try:
            i = self._by_key.get(name_key(name))  # type: ignore[arg-type]
        except ValueError:
            return None
        return None if i is None else self._tags[i]

    def __getitem__(self, name: str) -> Tag:
        tag = self.get(name)
        if tag is None:
            raise KeyError(name)
        return tag

    def index(self, name: str) -> int:
        """Position of the tag in the vocabulary order; KeyError when absent."""
        self[name]
        return self._by_key[name_key(name)]

    def colour(self, name: str) -> str:
        """The tag's colour; an unknown name still gets its stable derived colour."""
        tag = self.get(name)
        return tag.colour if tag is not None else colour_for_name(name)

    def by_hotkey(self, hotkey: str) -> Tag | None:
        i = self._by_hotkey.get(str(hotkey).strip().casefold())
        return None if i is None else self._tags[i]

    def groups(self) -> list[str]:
        """Group names in order of first appearance."""
        return list(dict.fromkeys(t.group for t in self._tags))

    def in_group(self, group: str) -> list[Tag]:
        return [t for t in self._tags if t.group == group]

    # --- edits (each returns a new vocabulary) ---------------------------------------------
    def with_tag(self, tag: Tag, position: int | None = None) -> TagVocabulary:
        """Insert ``tag`` (at the end unless ``position``); ValueError when the name exists."""
        tags = list(self._tags)
        tags.insert(len(tags) if position is None else position, tag)
        return TagVocabulary(tags)

    def updated(self, name: str, **changes) -> TagVocabulary:
        """Change fields of one tag: ``updated("blur", colour="#00ff00", hotkey=None)``."""
        old = self[name]
        merged = {"name": old.name, "colour": old.colour, "hotkey": old.hotkey,
                  "group": old.group, "description": old.description, **changes}
        tags = list(self._tags)
        tags[self.index(name)] = Tag.make(**merged)
        return TagVocabulary(tags)

    def renamed(self, old: str, new: str) -> TagVocabulary:
        """Rename keeping colour, hotkey and position (the colour does not follow the new name)."""
        tags = list(self._tags)
        tags[self.index(old)] = replace(self[old], name=normalise_name(new))
        return TagVocabulary(tags)

    def without(self, name: str) -> TagVocabulary:
        i = self.index(name)
        return TagVocabulary(self._tags[:i] + self._tags[i + 1:])

    def reordered(self, names: Iterable[str]) -> TagVocabulary:
        """Tags named first in the given order, the others after them in their old order."""
        first = [self[n] for n in names]
        seen = {name_key(t.name) for t in first}
        return TagVocabulary(first + [t for t in self._tags if name_key(t.name) not in seen])

    def to_json(self) -> dict:
        return {"reviewer_tags": VOCABULARY_FORMAT, "tags": [t.to_json() for t in self._tags]}


def _parse_entry(entry: object, where: str, file: str,
                 problems: list[Problem]) -> Tag | None:
    if not isinstance(entry, dict):
        problems.append(Problem(file, where, "a tag must be an object with a \"name\""))
        return None
    colour = entry.get("colour")
    if colour is not None and not (isinstance(colour, str) and _HEX_COLOUR.match(colour.strip())):
        problems.append(Problem(file, where, f"colour {colour!r} is not of the form #rrggbb; "
                                "using a colour derived from the name", "warning"))
        colour = None
    try:
        return Tag.make(entry.get("name"), colour, entry.get("hotkey"),
                        entry.get("group") or "", entry.get("description") or "")
    except ValueError as exc:
        problems.append(Problem(file, where, str(exc)))
        return None


def parse_vocabulary(data: object, file: str = "") -> tuple[TagVocabulary, list[Problem]]:
    """Read ``{"reviewer_tags": 1, "tags": [{name, group, colour, hotkey, description}, ...]}``.

    Bad entries become ``Problem``s naming ``tags[i]``; the valid ones are kept. A repeated name
    drops the later entry; a repeated hotkey keeps the entry without the hotkey.
    """
    problems: list[Problem] = []
    if not isinstance(data, dict) or not isinstance(data.get("tags"), list):
        return TagVocabulary(), [Problem(file, "", "expected an object with a \"tags\" list")]
    version = data.get("reviewer_tags", VOCABULARY_FORMAT)
    if not isinstance(version, int) or version > VOCABULARY_FORMAT:
        problems.append(Problem(file, "reviewer_tags", f"unknown format {version!r}; "
                                "reading what this Reviewer understands", "warning"))
    vocabulary = TagVocabulary()
    for i, entry in enumerate(data["tags"]):
        tag = _parse_entry(entry, f"tags[{i}]", file, problems)
        if tag is None:
            continue
        if tag.name in vocabulary:
            problems.append(Problem(file, f"tags[{i}]", f"tag {tag.name!r} appears twice"))
            continue
        if tag.hotkey and vocabulary.by_hotkey(tag.hotkey) is not None:
            problems.append(Problem(file, f"tags[{i}]", f"hotkey {tag.hotkey!r} is already "
                                    "used; keeping the tag without a hotkey", "warning"))
            tag = replace(tag, hotkey=None)
        vocabulary = vocabulary.with_tag(tag)
    return vocabulary, problems


def default_vocabulary() -> TagVocabulary:
    """The vocabulary shipped in ``reviewer.resources/default_tags.json``: common failure reasons,
    hotkeys 1-9 on the first nine. The TIDE error types are computed per object, never tagged."""
    resource = importlib.resources.files("reviewer.resources") / "default_tags.json"
    vocabulary, problems = parse_vocabulary(json.loads(resource.read_text("utf-8")),
                                            "default_tags.json")
    if problems:  # a packaging bug, not a user error
        raise RuntimeError("; ".join(map(str, problems)))
    return vocabulary
