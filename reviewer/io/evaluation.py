"""The dataset metrics of a review session, on the corrected or the original ground truth.

``session_eval(session, image_rows=None, original=False)`` is the one function behind ``reviewer
eval``, the export's ``metrics.json``, and the window's class-metrics panel: the ``eval --json``
payload (the task plug-in's ``evaluate``) of the corrected GT (the default: every correction journalled
so far applied) or of the GT files as they are (``original``), tagged with which one it is.
"""

from __future__ import annotations

from reviewer import tasks


def session_eval(session, image_rows=None, original: bool = False) -> dict:
    """The ``eval --json`` payload of ``session`` (see the module docstring): the task's
    ``evaluate``, tagged with the ground truth it is on."""
    payload = tasks.get(session.data.task).evaluate(session, image_rows, original)
    payload["model"] = session.data.model
    payload["ground_truth"] = "original" if original else "corrected"
    payload["corrected_images"] = len(session.document.corrected_images)
    return payload


def ground_truth_line(corrected_images: int, original: bool) -> str:
    """Which ground truth the numbers are on, in words (``corrected_images``: how many images
    the review corrected)."""
    n = corrected_images
    if original:
        return (f"on the original ground truth (the files as they are; {n} image"
                f"{'s' if n != 1 else ''} corrected in the review are not counted)")
    if not n:
        return "on the ground truth as loaded (no corrections yet)"
    return (f"on the corrected ground truth ({n} image{'s' if n != 1 else ''} corrected; "
            "--original for the files as they are)")
