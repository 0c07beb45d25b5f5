"""Tag vocabulary: defaults, stable colours, edits, parsing bad files into Problems."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from reviewer.core.tags import (
    Tag,
    TagVocabulary,
    colour_for_name,
    default_vocabulary,
    name_key,
    parse_vocabulary,
)

REPO = Path(__file__).resolve().parents[2]
DEFAULTS_FILE = REPO / "resources" / "default_tags.json"
TIDE_TYPES = ["cls", "loc", "both", "dupe", "bkg", "miss"]
FAILURE_REASONS = ["poor lighting", "occlusion", "blur", "small object", "truncated",
                   "faded marking", "unusual viewpoint", "label missing", "label wrong",
                   "ambiguous"]


def load_defaults() -> TagVocabulary:
    """``default_vocabulary()`` once the package is installed (pip install -e .); until then the
    same file read by path (the fallback lives in the tests only)."""
    try:
        return default_vocabulary()
    except ModuleNotFoundError:
        vocabulary, problems = parse_vocabulary(json.loads(DEFAULTS_FILE.read_text("utf-8")))
        assert problems == []
        return vocabulary


def test_default_vocabulary_is_failure_reasons_without_tide_types():
    """TIDE error types are computed per object (errors view, err_* columns), never offered as
    manual tags that would stay empty."""
    vocabulary = load_defaults()
    assert vocabulary.names() == FAILURE_REASONS
    assert [t.name for t in vocabulary.in_group("failure reason")] == FAILURE_REASONS
    assert not set(TIDE_TYPES) & {name.casefold() for name in vocabulary.names()}
    for tag in vocabulary:
        assert re.fullmatch(r"#[0-9a-f]{6}", tag.colour), tag
        assert 10 <= len(tag.description) <= 120, tag


def test_default_hotkeys_are_1_to_9_on_the_first_nine_failure_reasons():
    vocabulary = load_defaults()
    hotkeys = {t.name: t.hotkey for t in vocabulary if t.hotkey}
    assert hotkeys == {name: str(i + 1) for i, name in enumerate(FAILURE_REASONS[:9])}
    assert vocabulary.by_hotkey("3").name == FAILURE_REASONS[2]


def test_default_colours_are_distinct():
    colours = [t.colour for t in load_defaults()]
    assert len(set(colours)) == len(colours)


def test_default_vocabulary_through_importlib_resources_matches_the_file():
    vocabulary = default_vocabulary()  # reviewer.resources ships with the package
    expected, _ = parse_vocabulary(json.loads(DEFAULTS_FILE.read_text("utf-8")))
    assert vocabulary == expected


def test_colour_for_name_is_stable_across_processes_and_spelling():
    names = ["blur", "occlusion", "my own tag"]
    script = ("import sys; from reviewer.core.tags import colour_for_name; "
              "print(' '.join(colour_for_name(n) for n in sys.argv[1:]))")
    outputs = set()
    for seed in ("1", "2"):  # Python's str hash differs per seed; the colour must not
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(REPO)}
        out = subprocess.run([sys.executable, "-c", script, *names], env=env, check=True,
                             capture_output=True, text=True).stdout.split()
        outputs.add(tuple(out))
    assert outputs == {tuple(colour_for_name(n) for n in names)}
    assert colour_for_name("  Blur ") == colour_for_name("blur")
    assert all(re.fullmatch(r"#[0-9a-f]{6}", c) for c in outputs.pop())


def test_tag_make_normalises_and_derives_colour():
    tag = Tag.make("  Poor   lighting ", hotkey=1)
    assert tag.name == "Poor lighting"
    assert tag.colour == colour_for_name("poor lighting")
    assert tag.hotkey == "1"
    assert Tag.make("x", colour="#A0B1C2").colour == "#a0b1c2"
    for bad in [dict(name="  "), dict(name=3), dict(name="x", colour="red"),
                dict(name="x", hotkey=1.5)]:
        with pytest.raises(ValueError):
            Tag.make(**bad)


def test_vocabulary_rejects_duplicate_names_and_hotkeys():
    with pytest.raises(ValueError, match="appears twice"):
        TagVocabulary([Tag.make("Blur"), Tag.make("blur")])
    with pytest.raises(ValueError, match="hotkey"):
        TagVocabulary([Tag.make("a", hotkey="b"), Tag.make("c", hotkey="B")])


def test_vocabulary_edits_return_new_vocabularies():
    base = TagVocabulary([Tag.make("a", hotkey="1"), Tag.make("b"), Tag.make("c")])
    renamed = base.renamed("a", "Alpha")
    assert base.names() == ["a", "b", "c"]
    assert renamed.names() == ["Alpha", "b", "c"]
    assert renamed["alpha"].colour == base["a"].colour  # the colour stays with the tag
    assert renamed.by_hotkey("1").name == "Alpha"
    assert base.with_tag(Tag.make("z"), position=1).names() == ["a", "z", "b", "c"]
    assert base.without("b").names() == ["a", "c"]
    assert base.reordered(["c", "a"]).names() == ["c", "a", "b"]
    updated = base.updated("b", colour="#000000", hotkey="2", description="dark")
    assert updated["b"] == Tag("b", "#000000", "2", "", "dark")
    with pytest.raises(ValueError):
        base.with_tag(Tag.make("B"))
    with pytest.raises(KeyError):
        base.renamed("missing", "x")
    assert "A" in base and "missing" not in base and 5 not in base
    assert base.colour("unknown tag") == colour_for_name("unknown tag")


def test_to_json_round_trips_through_parse():
    vocabulary = load_defaults().updated("blur", colour="#123456")
    again, problems = parse_vocabulary(json.loads(json.dumps(vocabulary.to_json())), "t.json")
    assert problems == []
    assert again == vocabulary


def test_parse_reports_bad_entries_and_keeps_good_ones():
    data = {"reviewer_tags": 1, "tags": [
        {"name": "good", "hotkey": "1"},
        "not an object",
        {"colour": "#ffffff"},
        {"name": "GOOD"},
        {"name": "odd colour", "colour": "blue"},
        {"name": "same key", "hotkey": "1"},
    ]}
    vocabulary, problems = parse_vocabulary(data, "tags.json")
    assert vocabulary.names() == ["good", "odd colour", "same key"]
    assert vocabulary["odd colour"].colour == colour_for_name("odd colour")
    assert vocabulary["same key"].hotkey is None
    by_entry = {p.entry: p for p in problems}
    assert set(by_entry) == {"tags[1]", "tags[2]", "tags[3]", "tags[4]", "tags[5]"}
    assert by_entry["tags[3]"].message == "tag 'GOOD' appears twice"
    assert by_entry["tags[4]"].severity == "warning"
    assert by_entry["tags[5]"].severity == "warning"
    assert all(p.file == "tags.json" for p in problems)


@pytest.mark.parametrize("data", [[], {"tags": "x"}, None, {"name": "a"}])
def test_parse_of_a_wrong_shape_is_one_problem(data):
    vocabulary, problems = parse_vocabulary(data, "f.json")
    assert len(vocabulary) == 0
    assert [(p.file, p.entry) for p in problems] == [("f.json", "")]


def test_name_key_ignores_case_and_spacing():
    assert name_key(" Poor  LIGHTING") == name_key("poor lighting")
    assert name_key("Straße") == name_key("STRASSE")
