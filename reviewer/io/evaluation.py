"""The dataset metrics of a review session, on the corrected or the original ground truth.

``session_eval(session, image_rows=None, original=False)`` is the one function behind ``reviewer
eval``, the export's ``metrics.json``, and the window's class-metrics panel: the ``eval --json``
payload (``reviewer.core.reports``) of the corrected GT (the default: every correction journalled
so far applied) or of the GT files as they are (``original``), tagged with which one it is.
"""

from __future__ import annotations

from reviewer.core import reports


def session_eval(session, image_rows=None, original: bool = False) -> dict:
    """The ``eval --json`` payload of ``session`` (see the module docstring)."""
    doc, data = session.document, session.data
    corrected = not original and bool(doc.corrected_images)
    if data.task == "detection":
        if corrected:
            ds, rles, scores = doc.dataset(), doc.rles(), None
        else:
            ds, rles = doc.base, data.rles
            fresh = image_rows is None and doc.params == data.params
            scores = data.scores if fresh else None
        payload = reports.detection_eval(ds, doc.params, image_rows, scores, rles)
    else:
        stack = doc.stack if corrected else data.scores
        ds = data.dataset
        payload = reports.semantic_eval(stack, ds.class_names, ds.scoring_ignore, image_rows)
    payload["ground_truth"] = "original" if original else "corrected"
    payload["corrected_images"] = len(doc.corrected_images)
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
