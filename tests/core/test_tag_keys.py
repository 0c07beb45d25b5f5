"""Number keys of the tag vocabulary: next free digit, moves within a group, positional keys."""

from __future__ import annotations

from reviewer.core import tag_keys
from reviewer.core.tags import Tag, TagVocabulary, default_vocabulary


def _vocab(*specs) -> TagVocabulary:
    """specs: (name, hotkey or None, group)."""
    return TagVocabulary(Tag.make(n, hotkey=k, group=g) for n, k, g in specs)


def test_next_free_digit_is_the_lowest_unused():
    v = _vocab(("a", "1", ""), ("b", "2", ""), ("c", "4", ""), ("d", None, ""))
    assert tag_keys.next_free_digit(v) == "3"
    assert tag_keys.hotkey_for_new_tag(v) == "3"
    full = _vocab(*[(f"t{i}", str(i), "") for i in range(1, 10)])
    assert tag_keys.next_free_digit(full) is None
    assert tag_keys.next_free_digit(default_vocabulary()) is None  # 1-9 on failure reasons


def test_a_vocabulary_without_stored_keys_uses_positions_and_stores_none_for_new_tags():
    v = _vocab(("a", None, ""), ("b", None, ""))
    assert tag_keys.effective_hotkeys(v) == {"a": "1", "b": "2"}
    assert tag_keys.next_free_digit(v) == "3"
    assert tag_keys.hotkey_for_new_tag(v) is None  # appended third: its position gives it 3


def test_moving_a_tag_swaps_it_with_its_neighbour_and_the_keys_stay_with_the_places():
    v = _vocab(("a", "1", "g"), ("b", "2", "g"), ("c", None, "g"))
    up = tag_keys.move(v, "c", -1)
    assert up.order == ("a", "c", "b")
    assert up.hotkeys == {"c": "2", "b": None}
    down = tag_keys.move(v, "a", 1)
    assert down.order == ("b", "a", "c") and down.hotkeys == {"b": "1", "a": "2"}


def test_moves_stay_inside_the_group_and_stop_at_its_ends():
    v = _vocab(("x", None, "one"), ("a", "1", "two"), ("b", "2", "two"))
    assert tag_keys.move(v, "a", -1) is None  # first of its group
    assert tag_keys.move(v, "b", 1) is None   # last of the list
    assert tag_keys.move(v, "zzz", 1) is None
    # interleaved groups are listed grouped, as the panel shows them
    mixed = _vocab(("a", "1", "two"), ("x", None, "one"), ("b", "2", "two"))
    assert [t.name for t in tag_keys.display_order(mixed)] == ["a", "b", "x"]
    assert tag_keys.move(mixed, "b", -1).order == ("b", "a", "x")


def test_positional_keys_move_with_the_order():
    v = _vocab(("a", None, ""), ("b", None, ""), ("c", None, ""))
    move = tag_keys.move(v, "c", -1)
    assert move.order == ("a", "c", "b") and move.hotkeys == {}
    reordered = TagVocabulary([v.get(n) for n in move.order])
    assert tag_keys.effective_hotkeys(reordered)["c"] == "2"
