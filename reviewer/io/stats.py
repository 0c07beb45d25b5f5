"""Tag statistics of a review session as a JSON-ready payload (``reviewer stats --json``).

Glue only: reads the session's current (corrected) document, the store's tags, statuses and the
applied command history, and hands arrays to ``reviewer.core.tag_stats``. The payload:

``{"task", "metric_name", "population": "all" | "reviewed", "images", "reviewed",
"population_images", "erroneous_images", "error_threshold", "metric_overall", "AP50_overall"?,
"tags": {name: {...}}, "cooccurrence": {tag: {other: n}}}`` — see docs/tag_statistics.md.
"""

from __future__ import annotations

import math

import numpy as np

from reviewer import tasks
from reviewer.core import tag_stats as ts
from reviewer.core.commands import from_payload
from reviewer.core.review import own_object_tags
from reviewer.core.tags import name_key
from reviewer.io.store_base import ReviewStatus


def _num(v) -> float | None:
    """A float for JSON: None for nan."""
    v = float(v)
    return None if math.isnan(v) else v


def _tag_names(store) -> list[str]:  # every model's tags: the vocabulary is the project's
    """Vocabulary order, then any assigned name the vocabulary does not hold."""
    names = [r.name for r in store.tags()]
    known = {name_key(n) for n in names}
    assigned = [n for tags in store.all_image_tags().values() for n in tags]
    assigned += [n for tags in store.all_object_tags().values() for n in tags]
    for n in assigned:
        if name_key(n) not in known:
            known.add(name_key(n))
            names.append(n)
    return names


def compute_stats(session, reviewed_only: bool = False, error_threshold: float | None = None,
                  original: bool = False) -> tuple[ts.TagStats, dict]:
    """-> (TagStats, context dict with keys, reviewed mask, class names, metric name...)."""
    doc, store = session.document, session.store
    keys = [str(k) for k in doc.table["image_id"].tolist()]
    statuses = store.statuses()
    reviewed = np.array([statuses.get(k) == ReviewStatus.REVIEWED for k in keys], bool)
    population = reviewed if reviewed_only else np.ones(len(keys), bool)
    names = _tag_names(store)
    carries = ts.tag_membership(keys, names, store.all_image_tags(),
                                own_object_tags(store.all_object_tags(), session.model))
    task = tasks.get(session.data.task)
    slicer, classes, class_images, metric_name = task.stats_parts(session, population, original)
    threshold = task.error_threshold
    if error_threshold is not None:
        threshold = float(error_threshold)
    row = {k: i for i, k in enumerate(keys)}
    applied = [from_payload(e.payload) for e in store.applied_commands()]  # every author's
    corrections = ts.gt_corrections(applied, row)
    table = doc.table_before if original else doc.table
    erroneous = task.erroneous(table, error_threshold)
    stats = ts.tag_statistics(names, carries, population,
                              np.asarray(table["error"], np.float64), threshold, slicer,
                              class_images, corrections, erroneous)
    context = {"task": session.data.task, "keys": keys, "reviewed": reviewed,
               "erroneous_rule": task.erroneous_rule if erroneous is not None else None,
               "carries": carries, "classes": classes, "metric_name": metric_name,
               "reviewed_only": reviewed_only, "original": original}
    return stats, context


def _per_class(stats: ts.TagStats, t: int, classes: list[str]) -> dict:
    out = {}
    overall = stats.overall.per_class
    for k, name in enumerate(classes):
        if np.isnan(stats.class_metric[t, k]) and stats.class_images[t, k] == 0:
            continue
        out[name] = {"metric": _num(stats.class_metric[t, k]), "metric_overall": _num(overall[k]),
                     "images": int(stats.class_images[t, k]),
                     "images_overall": int(stats.class_images_overall[k]),
                     "room_for_improvement": _num(stats.class_room[t, k])}
    return out


def _tag_entry(stats: ts.TagStats, ctx: dict, t: int) -> dict:
    entry = {
        "images": int(stats.images[t]),
        "images_all": int(ctx["carries"][t].sum()),
        "images_reviewed": int((ctx["carries"][t] & ctx["reviewed"]).sum()),
        "share_of_images": _num(stats.share_of_images[t]),
        "erroneous_images": int(stats.erroneous[t]),
        "share_of_errors": _num(stats.share_of_errors[t]),
        "error_rate": _num(stats.error_rate[t]),
        "mean_error": _num(stats.mean_error[t]),
        "metric": _num(stats.metric[t]),
        "metric_overall": _num(stats.overall.value),
        "room_for_improvement": _num(stats.room_for_improvement[t]),
        "corrections": int(stats.corrections[t]),
    }
    entry.update(tasks.get(ctx["task"]).stats_extra(stats, t))
    entry["per_class"] = _per_class(stats, t, ctx["classes"])
    return entry


def stats_payload(session, reviewed_only: bool = False, error_threshold: float | None = None,
                  original: bool = False) -> dict:
    """The ``reviewer stats --json`` object for an open session (on the corrected ground truth
    unless ``original``)."""
    stats, ctx = compute_stats(session, reviewed_only, error_threshold, original)
    names = stats.names
    payload = {
        "task": ctx["task"], "model": session.model, "metric_name": ctx["metric_name"],
        "ground_truth": "original" if original else "corrected",
        "corrected_images": len(session.document.corrected_images),
        "population": "reviewed" if reviewed_only else "all",
        "images": len(ctx["keys"]), "reviewed": int(ctx["reviewed"].sum()),
        "population_images": int(stats.population.sum()),
        "erroneous_images": stats.population_errors,
        "error_threshold": stats.error_threshold,
        "erroneous_rule": ctx["erroneous_rule"] or f"error > {stats.error_threshold:g}",
        "metric_overall": _num(stats.overall.value),
    }
    payload.update(tasks.get(ctx["task"]).stats_extra(stats, None))
    payload["tags"] = {n: _tag_entry(stats, ctx, t) for t, n in enumerate(names)}
    payload["cooccurrence"] = {
        a: {b: int(stats.cooccurrence[i, j]) for j, b in enumerate(names) if j != i}
        for i, a in enumerate(names)}
    return payload
