"""Number keys of the tag vocabulary: which tag 1-9 toggles, and how keys follow the list.

The keys are stored with the tags (``Tag.hotkey``, the store's vocabulary). Rules:

- ``effective_hotkeys``: a vocabulary whose tags carry hotkeys uses them; one without any uses
  the list positions 1-9 (so a vocabulary file without hotkeys still has number keys).
- ``next_free_digit`` / ``hotkey_for_new_tag``: a new tag gets the lowest digit 1-9 no tag holds
  (None when all nine are taken: the list can then be reordered to give it one).
- ``move``: the list holds keys in *slots*: moving a tag up or down swaps it with its neighbour
  in the same group (the panel lists tags by group) and the two exchange their keys, so moving
  a tag into a keyed place gives it that key. The result says which tags change position and
  key; nothing is written here.
"""

from __future__ import annotations

from dataclasses import dataclass

DIGITS = tuple(str(n) for n in range(1, 10))


def effective_hotkeys(tags) -> dict[str, str]:
    """name -> hotkey text of tags with ``.name`` and optional ``.hotkey``, in list order."""
    tags = list(tags)
    own = {t.name: str(t.hotkey) for t in tags if getattr(t, "hotkey", None)}
    if own:
        return own
    return {t.name: DIGITS[i] for i, t in enumerate(tags[:9])}


def next_free_digit(tags) -> str | None:
    """The lowest digit 1-9 not used by any tag's effective hotkey."""
    used = {k.casefold() for k in effective_hotkeys(tags).values()}
    return next((d for d in DIGITS if d not in used), None)


def hotkey_for_new_tag(tags) -> str | None:
    """The hotkey to store with a tag appended to ``tags``: the next free digit, or None when
    the vocabulary has no stored keys (the new tag then gets its position, 1-9, implicitly)."""
    tags = list(tags)
    if not any(getattr(t, "hotkey", None) for t in tags):
        return None
    return next_free_digit(tags)


def display_order(tags) -> list:
    """Tags as the panel lists them: grouped, groups in order of first appearance, list order
    within a group."""
    tags = list(tags)
    groups = list(dict.fromkeys(getattr(t, "group", "") for t in tags))
    return [t for g in groups for t in tags if getattr(t, "group", "") == g]


@dataclass(frozen=True)
class TagMove:
    """The outcome of a move: the new list order (names) and the new hotkey of every tag whose
    key changes (None: no key)."""

    order: tuple[str, ...]
    hotkeys: dict[str, str | None]


def move(tags, name: str, offset: int) -> TagMove | None:
    """Move tag ``name`` one place up (offset -1) or down (+1) within its group; None when it
    cannot move (first / last of its group, unknown name)."""
    ordered = display_order(tags)
    names = [t.name for t in ordered]
    if name not in names or offset not in (-1, 1):
        return None
    i = names.index(name)
    j = i + offset
    group = getattr(ordered[i], "group", "")
    if not 0 <= j < len(ordered) or getattr(ordered[j], "group", "") != group:
        return None
    keys = effective_hotkeys(tags)
    names[i], names[j] = names[j], names[i]
    if not any(getattr(t, "hotkey", None) for t in tags):
        return TagMove(tuple(names), {})  # positional keys: the new order moves them
    a, b = ordered[i].name, ordered[j].name
    changed = {a: keys.get(b), b: keys.get(a)}
    return TagMove(tuple(names), {n: k for n, k in changed.items() if k != keys.get(n)})
