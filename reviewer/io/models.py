"""The other models of a session's task: their sessions on the same review store.

Review state and ground-truth corrections belong to the images, not to a model, so every model
of a task is scored on the same corrected ground truth: ``model_session(session, name)`` loads
and scores another model's predictions (``open_task``) and replays the journal's corrections
onto its document through the session's own store (no second store, no second lock). The
window switching models passes the ``TaskData`` it keeps in its cache (``data``) instead of
loading again.

``models_metrics(session, rows)`` is the per-model part of ``metrics.json``: each model's
metric on the original and on the corrected ground truth (a wrong label can flatter one model
and punish another).
"""

from __future__ import annotations

from reviewer.io.export_metrics import noise_share, session_metrics
from reviewer.io.session import Session, attach_session
from reviewer.io.workspace import Progress, TaskData, make_document, open_task


def model_session(session, model: str, progress: Progress | None = None,
                  data: TaskData | None = None, overrides: dict | None = None) -> Session:
    """A session of ``model`` on ``session``'s task, project and store (the session's own
    corrections included). ``data``: the model's loaded task, when cached; ProjectError naming
    the models when the task has no such model."""
    if model == session.model and data is None:
        return session
    task = session.data.task
    project = session.project.with_current_model(task, model)
    if data is None:
        data = open_task(project, task, progress, overrides, model=model)
    return attach_session(project, data, make_document(fresh(data)), session.store,
                          read_only=True)


def fresh(data: TaskData) -> TaskData:
    """``data`` with a table of its own: a document may patch its table in place, and a cached
    ``TaskData`` must stay as loaded for the next document."""
    from dataclasses import replace
    return replace(data, table={k: v.copy() for k, v in data.table.items()})


def models_metrics(session, rows, progress: Progress | None = None,
                   sessions: dict | None = None) -> dict:
    """``{model: {"metric_before", "metric_after", "label_noise_share"}}`` for every model of
    the session's task on image ``rows`` (``sessions``: model -> session already open)."""
    out = {}
    for name in session.project.model_set(session.data.task).names:
        other = (sessions or {}).get(name) or model_session(session, name, progress)
        m = session_metrics(other, rows)
        out[name] = {"metric_before": m["metric_before"], "metric_after": m["metric_after"],
                     "label_noise_share": noise_share(m["metric_before"], m["metric_after"])}
    return out
