"""Compare models of one task: dataset metrics, per class, per image, and a paired bootstrap.

``compare_payload(sessions)`` takes one session per model (the first is A, the baseline; each
model's session replays the same corrections, ``reviewer.io.models.model_session``) and returns
the ``reviewer compare --json`` object:

``{"task", "models": [A, B, …], "ground_truth", "corrected_images", "metric_name",
"overall": {A: {…}, B: {…}}, "per_class": {class: {A: {…}, B: {…}}},
"per_class_delta": {class: {key: B − A}}, "images": {"improved", "regressed", "unchanged",
"not_compared", ("fixed", "broken", "both_wrong", "both_right"), "per_image": [{"image_id",
"file_name", "error": {A: e, B: e}, "delta"}]}, "confusion": {"labels", "rows", "columns",
"matrices": {A: m, B: m}, "delta": B − A}, "difference": {"metric", "a", "b", "value",
"ci95": [lo, hi], "p_b_better", "resamples", "seed"}, "corrections"?, "pairs"?}``

- ``overall`` / ``per_class``: each model's ``evaluate`` payload (``session_eval``): exactly the
  numbers ``reviewer eval --model`` prints.
- ``images``: each model's ``error`` (the table's column: detection FP + FN + mispredicted,
  segmentation 1 − mIoU, classification 1 − p(label)); B improved an image when its error is
  lower than A's, regressed it when higher. Classification also counts fixed (A wrong, B
  right), broken (A right, B wrong), both wrong, both right. Images where an error is undefined
  are ``not_compared``.
- ``confusion``: each model's confusion matrix (``eval --json``'s, rows the ground truth) and
  their difference B − A (which confusions B added or removed).
- ``difference``: B − A of the headline metric (AP, mIoU, accuracy) with the paired bootstrap's
  95 % interval and the share of resamples where B is better (``reviewer.core.bootstrap``).
- ``corrections`` (when the review corrected images): each model's headline on the original
  and on the corrected ground truth — corrections count for every model.
- ``pairs`` (three models or more): ``images`` and ``difference`` of A against each other model.
"""

from __future__ import annotations

import numpy as np

from reviewer import tasks
from reviewer.core.bootstrap import RESAMPLES, SEED, paired_bootstrap
from reviewer.core.problems import InputError
from reviewer.io.evaluation import session_eval


def _noop(stage: str, done: int, total: int) -> None:
    return None


def compare_payload(sessions: list, original: bool = False, resamples: int = RESAMPLES,
                    seed: int = SEED, progress=None) -> dict:
    """The ``reviewer compare --json`` object of ``sessions`` (one per model, A first)."""
    progress = progress or _noop
    task = tasks.get(sessions[0].data.task)
    names = [s.model for s in sessions]
    _check_images(sessions)
    payloads = []
    for k, s in enumerate(sessions):
        progress("evaluating", k, len(sessions))
        payloads.append(session_eval(s, original=original))
    tables = [s.document.table_before if original else s.document.table for s in sessions]
    resamplers = [task.resampler(s, original) for s in sessions]
    n = len(tables[0]["image_id"])
    boot = paired_bootstrap([r.metric for r in resamplers], n, resamples, seed,
                            lambda d, t: progress("bootstrap", d, t))
    pairs = [_pair(task, names, tables, payloads, boot, 0, b) for b in range(1, len(sessions))]
    out = {"task": task.name, "models": names, "ground_truth": payloads[0]["ground_truth"],
           "corrected_images": payloads[0]["corrected_images"],
           "metric_name": task.headline(payloads[0])[0],
           "overall": {m: task.overall(p) for m, p in zip(names, payloads, strict=True)},
           "per_class": _per_class(names, payloads),
           "per_class_delta": _class_delta(names[0], names[1], payloads[0], payloads[1]),
           "images": pairs[0]["images"], "difference": pairs[0]["difference"]}
    out["images"]["per_image"] = _per_image(names, tables)
    out["confusion"] = _confusion(names, payloads)
    if not original and payloads[0]["corrected_images"]:
        out["corrections"] = _corrections(task, sessions, names, payloads)
    if len(sessions) > 2:
        out["pairs"] = pairs
    progress("done", 1, 1)
    return out


def _check_images(sessions) -> None:
    ids = [s.document.table["image_id"] for s in sessions]
    for s, other in zip(sessions[1:], ids[1:], strict=True):
        if len(other) != len(ids[0]) or any(str(a) != str(b) for a, b in
                                             zip(ids[0].tolist(), other.tolist(), strict=True)):
            raise InputError(f"models {sessions[0].model} and {s.model} are not scored on the "
                             "same images; they cannot be compared image by image")


def _pair(task, names, tables, payloads, boot, a: int, b: int) -> dict:
    metric, va = task.headline(payloads[a])
    _, vb = task.headline(payloads[b])
    value = None if va is None or vb is None else float(vb) - float(va)
    diff = {"metric": metric, "a": va, "b": vb, "value": value, **boot.difference(a, b)}
    return {"models": [names[a], names[b]], "images": _image_counts(task, tables[a], tables[b]),
            "difference": diff}


def _image_counts(task, ta: dict, tb: dict) -> dict:
    outcomes = image_outcomes(task, ta, tb)
    counts = {k: int(v.sum()) for k, v in outcomes.items()}
    scored = outcomes["improved"] | outcomes["regressed"] | outcomes["unchanged"]
    counts["not_compared"] = int(np.sum(~scored))
    return counts


def image_outcomes(task, ta: dict, tb: dict) -> dict[str, np.ndarray]:
    """(N,) bool per outcome (improved, regressed, unchanged; fixed, broken, both_wrong,
    both_right where the task has a right / wrong outcome): the rows ``images`` counts."""
    ea, eb = (np.asarray(t["error"], np.float64) for t in (ta, tb))
    ok = ~(np.isnan(ea) | np.isnan(eb))
    out = {"improved": ok & (eb < ea), "regressed": ok & (eb > ea), "unchanged": ok & (eb == ea)}
    ca, cb = task.correct(ta), task.correct(tb)
    if ca is not None:
        both = ~(np.isnan(ca) | np.isnan(cb))
        right_a, right_b = both & (ca == 1), both & (cb == 1)
        out.update({"fixed": both & ~right_a & right_b, "broken": right_a & ~right_b,
                    "both_wrong": both & ~right_a & ~right_b, "both_right": right_a & right_b})
    return out


def _per_class(names: list[str], payloads: list[dict]) -> dict:
    classes = list(payloads[0]["per_class"])
    return {c: {m: p["per_class"].get(c) for m, p in zip(names, payloads, strict=True)}
            for c in classes}


def _class_delta(a: str, b: str, pa: dict, pb: dict) -> dict:
    out = {}
    for c, va in pa["per_class"].items():
        vb = pb["per_class"].get(c) or {}
        out[c] = {k: vb[k] - v for k, v in va.items()
                  if _number(v) and _number(vb.get(k))}
    return out


def _number(v) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and not np.isnan(v)


def _per_image(names: list[str], tables: list[dict]) -> list[dict]:
    ids, files = tables[0]["image_id"].tolist(), tables[0]["file_name"].tolist()
    errors = [np.asarray(t["error"], np.float64) for t in tables]
    delta = errors[1] - errors[0]
    return [{"image_id": _plain(ids[i]), "file_name": str(files[i]),
             "error": {m: _float(e[i]) for m, e in zip(names, errors, strict=True)},
             "delta": _float(delta[i])} for i in range(len(ids))]


def _confusion(names: list[str], payloads: list[dict]) -> dict | None:
    """Each model's confusion matrix and B − A (None when the task's payload has none)."""
    found = [p.get("confusion") for p in payloads]
    if any(c is None or "matrix" not in c for c in found):
        return None
    first = found[0]
    mats = {m: c["matrix"] for m, c in zip(names, found, strict=True)}
    a, b = (np.asarray(mats[m], np.float64) for m in names[:2])
    delta = (b - a).tolist() if a.shape == b.shape else None
    if delta is not None and all(float(v).is_integer() for row in delta for v in row):
        delta = [[int(v) for v in row] for row in delta]
    return {"labels": first.get("labels"), "rows": first.get("rows"),
            "columns": first.get("columns"), "matrices": mats, "delta": delta}


def _corrections(task, sessions, names, after: list[dict]) -> dict:
    out = {}
    for name, s, p in zip(names, sessions, after, strict=True):
        before = session_eval(s, original=True)
        out[name] = {"before": task.headline(before)[1], "after": task.headline(p)[1]}
    return out


def _float(v) -> float | None:
    v = float(v)
    return None if np.isnan(v) else v


def _plain(v):
    return v.item() if hasattr(v, "item") else v
