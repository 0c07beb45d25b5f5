"""Export a review: the fixed dataset, the change log, tag statistics, metrics and a report.

``export(sessions, out, only_reviewed=False, tags=None, force=False, progress=None,
formats=None)`` writes,
for one task (several tasks of one project: the same in ``OUT/<task>/`` for each)::

    OUT/<gt file name>.json   detection: the corrected COCO file (see export_coco)
    OUT/yolo/, OUT/voc/, OUT/labelme/   the same in the other ``formats`` asked for
    OUT/masks/...             segmentation: corrected label PNGs (see export_semantic)
    OUT/loss_report.json      what each format could not hold (``reviewer.formats.loss``)
    OUT/changes.csv           one row per change, who and when (see export_changes)
    OUT/tag_stats.csv, OUT/tag_stats.json   the tag statistics (``reviewer stats --json``)
    OUT/metrics.json          metric before / after corrections (see export_metrics)
    OUT/report.html           a self-contained HTML report (see report_html)

Atomic: everything is written into a temporary folder next to OUT, renamed onto OUT at the end
(a failure leaves OUT untouched and no temporary folder). A non-empty OUT is refused unless
``force``. Every output path is checked to stay inside the folder. The inputs are only read.
``progress(stage, done, total)`` is called along the way (raise from it to cancel).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from reviewer import tasks
from reviewer.core.problems import Problem
from reviewer.core.tags import name_key
from reviewer.io import export_changes, export_metrics
from reviewer.io.export_files import ExportError, staging, write_csv, write_json, write_marker
from reviewer.io.paths import protected_paths
from reviewer.io.stats import stats_payload
from reviewer.io.store_base import ReviewStatus

__all__ = ["ExportError", "ExportResult", "export", "select_images"]

Progress = Callable[[str, int, int], None]
STAT_COLUMNS = ("images", "images_all", "images_reviewed", "share_of_images", "erroneous_images",
                "share_of_errors", "error_rate", "mean_error", "metric", "metric_overall",
                "room_for_improvement", "corrections", "AP50", "AP50_overall")


@dataclass
class ExportResult:
    """What ``export`` wrote: the folder, its files (relative names), the metrics and problems."""

    out: Path
    images: int
    files: list[str]
    metrics: dict
    summary: str
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # e.g. stale staging folders cleaned
    loss: list = field(default_factory=list)  # one formats.loss.LossReport per format written

    def loss_lines(self) -> list[str]:
        """One line per format written: what it could not hold."""
        return [r.summary() for r in self.loss]


def _noop(stage: str, done: int, total: int) -> None:
    return None


def image_keys(session) -> list[str]:
    return [str(k) for k in session.document.table["image_id"].tolist()]


def select_images(session, only_reviewed: bool = False, tags=None) -> np.ndarray:
    """Image rows to export: all, the reviewed ones, and/or those carrying one of ``tags``
    (on the image or on one of its objects). Unknown tag names raise ExportError."""
    keys = image_keys(session)
    keep = np.ones(len(keys), bool)
    store = session.store
    if only_reviewed:
        statuses = store.statuses()
        keep &= np.array([statuses.get(k) == ReviewStatus.REVIEWED for k in keys], bool)
    if tags:
        known = {name_key(r.name) for r in store.tags()}
        unknown = [t for t in tags if name_key(t) not in known]
        if unknown:
            names = ", ".join(r.name for r in store.tags()) or "none"
            raise ExportError(f"unknown tag {unknown[0]!r} (the project's tags: {names})")
        wanted = {name_key(t) for t in tags}
        carry = set()
        for key, names in store.all_image_tags().items():
            if any(name_key(n) in wanted for n in names):
                carry.add(key)
        for (key, _src, _ann), names in store.all_object_tags().items():
            if any(name_key(n) in wanted for n in names):
                carry.add(key)
        keep &= np.array([k in carry for k in keys], bool)
    return np.flatnonzero(keep)


def _write_tag_stats(tmp: Path, session, only_reviewed: bool) -> tuple[dict | None, list[str]]:
    payload = stats_payload(session, reviewed_only=only_reviewed)
    write_json(tmp, "tag_stats.json", payload)
    tags = payload.get("tags", {})
    present = [c for c in STAT_COLUMNS if any(c in e for e in tags.values())]
    rows = [[name] + [_cell(entry.get(c)) for c in present] for name, entry in tags.items()]
    write_csv(tmp, "tag_stats.csv", ["tag", *present], rows)
    return payload, ["tag_stats.json", "tag_stats.csv"]


def _cell(v):
    return "" if v is None else v


def export(sessions, out, only_reviewed: bool = False, tags=None, force: bool = False,
           progress: Progress | None = None, report: bool = True, formats=None) -> ExportResult:
    """Export one session, or the sessions of several tasks of one project, into the folder
    ``out`` (see the module docstring). Several tasks go into one subfolder each
    (``OUT/detection/``, ``OUT/segmentation/``), every one a complete export of its task."""
    sessions = list(sessions) if isinstance(sessions, list | tuple) else [sessions]
    progress = progress or _noop
    formats = _check_formats(sessions, formats)
    notes: list[str] = []
    protected = protected_paths(sessions[0].project)
    parts = []
    with staging(out, force, protected, notes) as tmp:
        write_marker(tmp, {"reviewer_export": 1, "project": str(sessions[0].project.root),
                           "tasks": [s.data.task for s in sessions],
                           "created": datetime.datetime.now().astimezone().isoformat()})
        for s in sessions:
            folder = tmp if len(sessions) == 1 else tmp / s.data.task
            folder.mkdir(exist_ok=True)
            parts.append(_export_task(folder, s, only_reviewed, tags, progress, report,
                                      formats))
        progress("finishing", 1, 1)
    return _combined(Path(out).expanduser().absolute(), sessions, parts, notes)


def _check_formats(sessions, formats) -> list[str] | None:
    """The export formats asked for (None: each task's default), checked: a format no exported
    task writes is an ExportError naming the ones they do."""
    if not formats:
        return None
    names = list(dict.fromkeys(f.strip().lower() for f in formats if f.strip()))
    offered = {f for s in sessions for f in tasks.get(s.data.task).export_formats}
    bad = [n for n in names if n not in offered]
    if bad or not names:
        raise ExportError(f"--format {bad[0] if bad else ''!r}: the exported task(s) write "
                          f"{', '.join(sorted(offered)) or 'their own format only'}")
    return names


def _export_task(folder: Path, session, only_reviewed: bool, tags, progress: Progress,
                 report: bool, formats=None) -> dict:
    progress("selecting", 0, 1)
    rows = select_images(session, only_reviewed, tags)
    keys = image_keys(session)
    task = tasks.get(session.data.task)
    files, problems, loss = task.export_dataset(folder, session, rows, progress, formats)
    from reviewer.formats.loss import report_payload
    write_json(folder, "loss_report.json", report_payload(loss))
    files.append("loss_report.json")
    progress("changes", 0, 1)
    changes = export_changes.change_rows(session.store, task.change_names(session),
                                         {keys[i] for i in rows.tolist()})
    write_csv(folder, "changes.csv", export_changes.HEADER, changes)
    files.append("changes.csv")
    progress("tag statistics", 0, 1)
    stats, names = _write_tag_stats(folder, session, only_reviewed)
    files += names
    progress("metrics", 0, 1)
    metrics = export_metrics.session_metrics(session, rows)
    metrics["model"] = session.model
    if len(session.project.model_set(session.data.task)) > 1:  # corrections count for each
        from reviewer.io.models import models_metrics
        progress("metrics of every model", 0, 1)
        metrics["models"] = models_metrics(session, rows, sessions={session.model: session})
    write_json(folder, "metrics.json", metrics)
    files.append("metrics.json")
    if report:
        from reviewer.io import report_html
        context = report_html.ReportContext(
            session=session, rows=rows, metrics=metrics, tag_stats=stats,
            changes=len(changes), options=_options(only_reviewed, tags),
            created=datetime.datetime.now().astimezone(), problems=problems, loss=loss)
        report_html.write_report(folder / "report.html", context, progress)
        files.append("report.html")
    return {"task": session.data.task, "images": len(rows), "files": files,
            "metrics": metrics, "problems": problems, "notices": list(session.notices),
            "loss": loss}


def _combined(out: Path, sessions, parts: list[dict], notes: list[str]) -> ExportResult:
    if len(parts) == 1:
        p = parts[0]
        return ExportResult(out, p["images"], p["files"], p["metrics"],
                            export_metrics.summary_line(p["metrics"]), p["problems"], notes,
                            p["loss"])
    files = [f"{p['task']}/{f}" for p in parts for f in p["files"]]
    summary = "\n".join(f"{p['task']}: {export_metrics.summary_line(p['metrics'])}"
                        for p in parts)
    return ExportResult(out, max(p["images"] for p in parts), files,
                        {p["task"]: p["metrics"] for p in parts}, summary,
                        [x for p in parts for x in p["problems"]], notes,
                        [x for p in parts for x in p["loss"]])


def _options(only_reviewed: bool, tags) -> str:
    parts = []
    if only_reviewed:
        parts.append("reviewed images only")
    if tags:
        parts.append("images tagged " + ", ".join(tags))
    return "; ".join(parts) or "all images"
