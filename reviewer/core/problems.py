"""Problems found while loading inputs: one record per bad entry, never an exception.

Loaders return the valid entries together with a list of ``Problem``; the CLI prints them and the
GUI lists them in the problems panel (clickable to the image when ``image_id`` is set).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem in one input file.

    file: the path as the user gave it (or relative to the project folder).
    entry: which entry, as a user finds it in the file: ``annotations[17]``, ``image 17``,
        ``prediction 88``, ``line 4`` or ``""`` for the whole file.
    message: what is wrong, in plain words: ``bbox width is negative``.
    severity: ``"error"`` (the entry was dropped), ``"warning"`` (the entry was kept) or
        ``"notice"`` (nothing wrong with an entry: something to know about the opening).
    image_id: the image the entry belongs to, when known (lets the GUI jump to it).
    """

    file: str
    entry: str
    message: str
    severity: str = "error"
    image_id: object = None

    def __str__(self) -> str:
        where = f"{self.file}: {self.entry}" if self.entry else self.file
        return f"{where}: {self.message}"


class InputError(Exception):
    """Raised only when nothing usable remains (the CLI exits with code 2)."""

    def __init__(self, message: str, problems: list[Problem] | None = None):
        super().__init__(message)
        self.problems = list(problems or [])
