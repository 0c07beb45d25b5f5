"""The export's ``report.html``: one self-contained page (charts and thumbnails inlined as base64
PNG, no external URL), readable offline and printable.

Sections: summary (project, date, counts, metric before vs after, label noise share), progress
per person (what each reviewer set and journalled, assignments done), per-class
metric before vs after, confusion matrix (normalised per GT row), failure tags (frequency and
share of errors, the tag statistics table), the 20 worst images with thumbnails and their error
numbers, what the export formats could not hold (the loss report), and the definitions used.
"""

from __future__ import annotations

import base64
import datetime
import html
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from reviewer import tasks
from reviewer.core.reports import rank
from reviewer.io import report_plots as plots
from reviewer.io import report_thumbs
from reviewer.io.store_base import ReviewStatus

WORST = 20
MAX_COUNT_CLASSES = 20

CSS = """
body{font-family:-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#1f2937;
 background:#f6f7f9;margin:0;line-height:1.45}
main{max-width:1120px;margin:0 auto;padding:28px 32px 48px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:19px;margin:34px 0 10px;padding-bottom:6px;
 border-bottom:1px solid #e5e7eb}
.sub{color:#6b7280;font-size:14px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:12px;margin-top:18px}
.card{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:12px 14px}
.card .v{font-size:22px;font-weight:600}.card .k{font-size:12px;color:#6b7280;text-transform:uppercase;
 letter-spacing:.03em}
.up{color:#15803d}.down{color:#b91c1c}
.panel{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:14px;margin:10px 0}
.panel img{max-width:100%;height:auto;display:block}
table{border-collapse:collapse;width:100%;font-size:13px;background:#fff}
th,td{padding:5px 8px;border-bottom:1px solid #eef0f3;text-align:right;white-space:nowrap}
th{background:#f3f4f6;font-weight:600}th:first-child,td:first-child{text-align:left}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(210px,1fr));gap:12px}
.thumb{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:6px;font-size:12px}
.thumb img{width:100%;height:auto;border-radius:4px;display:block}
.thumb .n{font-weight:600;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;margin-top:4px}
.legend span{display:inline-block;width:12px;height:12px;margin:0 4px -2px 10px;border-radius:2px}
.note{color:#6b7280;font-size:13px}
"""


@dataclass
class ReportContext:
    """Everything the report shows; ``rows`` (M,) are the exported image rows."""

    session: object
    rows: np.ndarray
    metrics: dict
    tag_stats: dict | None
    changes: int
    options: str
    created: datetime.datetime
    problems: list = field(default_factory=list)  # images the report could not show
    loss: list = field(default_factory=list)  # formats.loss.LossReport per format written


def _e(v) -> str:
    return html.escape(str(v), quote=True)


def _img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<img alt="{_e(alt)}" src="data:image/png;base64,{data}">'


def _f(v, digits: int = 3) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "–"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def _pct(v) -> str:
    return "–" if v is None else f"{100 * v:.1f}%"


def _card(key: str, value: str, cls: str = "") -> str:
    return f'<div class="card"><div class="k">{_e(key)}</div><div class="v {cls}">{value}</div></div>'


def _summary(ctx: ReportContext) -> str:
    s, m = ctx.session, ctx.metrics
    keys = [str(k) for k in s.document.table["image_id"].tolist()]
    statuses = s.store.statuses()
    chosen = ctx.rows.tolist()
    reviewed = sum(statuses.get(keys[i]) == ReviewStatus.REVIEWED for i in chosen)
    corrected = len(set(s.document.corrected_images) & set(chosen))
    b, a = m["metric_before"], m["metric_after"]
    delta = "" if b is None or a is None else f"{a - b:+.3f}"
    cls = "" if not delta else ("up" if a > b else "down" if a < b else "")
    cards = [
        _card("images exported", f"{len(chosen)} / {len(keys)}"),
        _card("reviewed", str(reviewed)), _card("images corrected", str(corrected)),
        _card("changes logged", str(ctx.changes)),
        _card(f"{m['metric_name']} before", _f(b)), _card(f"{m['metric_name']} after", _f(a)),
        _card("difference", delta or "–", cls),
        _card("label noise share", _pct(m["label_noise_share"])),
    ]
    when = ctx.created.strftime("%Y-%m-%d %H:%M %Z").strip()
    return (f"<h1>{_e(s.project.name)} — review report</h1>"
            f'<div class="sub">{_e(s.data.task)} · exported {_e(when)} · {_e(ctx.options)}</div>'
            f'<div class="cards">{"".join(cards)}</div>')


def _people(ctx: ReportContext) -> str:
    """Progress per person over the exported images (the numbers of `reviewer progress`)."""
    keys = [str(k) for k in ctx.session.document.table["image_id"].tolist()]
    people = ctx.session.store.progress([keys[i] for i in ctx.rows.tolist()])
    if not people:
        return ""
    rows = "".join(
        f"<tr><td>{_e(p.who)}</td><td>{p.reviewed}</td><td>{p.statuses.get('skipped', 0)}</td>"
        f"<td>{p.statuses.get('needs-second-look', 0)}</td>"
        f"<td>{f'{p.assigned_done} / {p.assigned}' if p.assigned else '–'}</td>"
        f"<td>{p.commands}</td></tr>" for p in people)
    return ("<h2>Progress per person</h2><table><tr><th>reviewer</th><th>reviewed</th>"
            "<th>skipped</th><th>needs second look</th><th>assigned done</th><th>commands</th>"
            f"</tr>{rows}</table><p class='note'>An image counts for whoever set its status "
            "last; commands are the corrections and review actions each person has applied "
            "(undone ones do not count).</p>")


def _per_class(ctx: ReportContext) -> str:
    m = ctx.metrics
    key = tasks.get(m["task"]).per_class_key
    before, after = m["before"]["per_class"], m["after"]["per_class"]
    names = [n for n in after if after[n].get(key) is not None or
             (n in before and before[n].get(key) is not None)]
    if not names:
        return "<h2>Per class</h2><p class='note'>No class could be evaluated.</p>"
    vals_b = [_nan(before.get(n, {}).get(key)) for n in names]
    vals_a = [_nan(after[n].get(key)) for n in names]
    png = plots.paired_bars(names, vals_b, vals_a, ("before corrections", "after corrections"),
                            (plots.BEFORE, plots.AFTER), f"{key} per class", key)
    rows = "".join(f"<tr><td>{_e(n)}</td><td>{_f(vb)}</td><td>{_f(va)}</td>"
                   f"<td>{_delta(vb, va)}</td></tr>"
                   for n, vb, va in zip(names, vals_b, vals_a, strict=True))
    table = (f"<table><tr><th>class</th><th>{key} before</th><th>{key} after</th>"
             f"<th>difference</th></tr>{rows}</table>")
    return (f"<h2>{key} per class, before and after corrections</h2>"
            f'<div class="panel">{_img(png, key + " per class")}</div>{table}')


def _nan(v) -> float:
    return float("nan") if v is None else float(v)


def _delta(b: float, a: float) -> str:
    if np.isnan(b) or np.isnan(a):
        return "–"
    return f"{a - b:+.3f}"


def _confusion(ctx: ReportContext) -> str:
    s = ctx.session
    matrix, rows_lab, cols, title = tasks.get(s.data.task).report_confusion(s, ctx.rows,
                                                                           ctx.metrics)
    matrix = np.asarray(matrix, np.int64)
    totals = matrix.sum(axis=1, keepdims=True)
    norm = np.divide(matrix, np.maximum(totals, 1), dtype=np.float64)
    counts = matrix if max(matrix.shape) <= MAX_COUNT_CLASSES + 1 else None
    png = plots.heatmap(norm, rows_lab, cols, title, counts)
    note = ("Each row is normalised to its ground-truth total (objects, pixels or images of "
            "that class); cells show counts." if counts is not None else
            "Each row is normalised to its ground-truth total.")
    return (f"<h2>Confusion matrix</h2><div class='panel'>{_img(png, 'confusion matrix')}"
            f"<p class='note'>{note}</p></div>")


def _tags(ctx: ReportContext) -> str:
    stats = ctx.tag_stats
    if stats is None:
        return "<h2>Failure tags</h2><p class='note'>Tag statistics are not available.</p>"
    tags = {n: t for n, t in stats.get("tags", {}).items() if t.get("images_all", t["images"])}
    if not tags:
        return "<h2>Failure tags</h2><p class='note'>No image carries a tag yet.</p>"
    names = list(tags)
    png = plots.paired_bars(names, [_nan(tags[n]["share_of_images"]) for n in names],
                            [_nan(tags[n]["share_of_errors"]) for n in names],
                            ("share of images", "share of erroneous images"),
                            (plots.IMAGES, plots.ERRORS), "Tag frequency and error share",
                            "share", unit_range=False)
    return (f"<h2>Failure tags</h2><div class='panel'>{_img(png, 'tag frequency')}</div>"
            + _tag_table(stats, tags))


def _tag_table(stats: dict, tags: dict) -> str:
    metric = _e(stats.get("metric_name", "metric"))
    head = ("<tr><th>tag</th><th>images</th><th>share of images</th><th>share of errors</th>"
            f"<th>error rate</th><th>{metric} on tag</th><th>{metric} overall</th>"
            "<th>room for improvement</th><th>corrections</th></tr>")
    body = "".join(
        f"<tr><td>{_e(n)}</td><td>{t['images']}</td><td>{_pct(t['share_of_images'])}</td>"
        f"<td>{_pct(t['share_of_errors'])}</td><td>{_pct(t['error_rate'])}</td>"
        f"<td>{_f(t['metric'])}</td><td>{_f(t['metric_overall'])}</td>"
        f"<td>{_f(t['room_for_improvement'])}</td><td>{t.get('corrections', 0)}</td></tr>"
        for n, t in tags.items())
    pop = stats.get("population", "all")
    rule = stats.get("erroneous_rule") or f"error > {stats.get('error_threshold', '')}"
    return (f"<table>{head}{body}</table><p class='note'>Population: {_e(pop)} images "
            f"({stats.get('population_images', '')}); an image is erroneous when: "
            f"{_e(rule)}.</p>")


def _worst(ctx: ReportContext, progress: Callable[[str, int, int], None]) -> str:
    s = ctx.session
    task = tasks.get(s.data.task)
    table, before = s.document.table, s.document.table_before
    sub = {k: np.asarray(v)[ctx.rows] for k, v in table.items()}
    order = ctx.rows[rank(sub, "error")][:WORST] if len(ctx.rows) else ctx.rows
    cells = []
    for n, i in enumerate(order.tolist()):
        png = report_thumbs.thumbnail(s, i, problems=ctx.problems)
        cells.append(f'<div class="thumb">{_img(png, str(table["file_name"][i]))}'
                     f'<div class="n" title="{_e(table["file_name"][i])}">'
                     f"{_e(table['file_name'][i])}</div>{_numbers(task, table, before, i)}"
                     "</div>")
        progress("report", n + 1, len(order))
    legend = task.report_legend
    return (f"<h2>The {len(order)} worst images</h2><p class='note legend'>Ranked by error after "
            f"corrections. {legend}</p><div class='grid'>{''.join(cells)}</div>")


def _numbers(task, table: dict, before: dict, i: int) -> str:
    err, extra = task.report_numbers(table, before, i)
    return f"<div>{_e(err)}</div><div class='note'>{_e(extra)}</div>"


def _loss(ctx: ReportContext) -> str:
    """What each written format could not hold (``loss_report.json``)."""
    if not ctx.loss:
        return ""
    rows = []
    for r in ctx.loss:
        if r.lossless:
            rows.append(f"<tr><td>{_e(r.format)}</td><td>{r.objects}</td><td>–</td>"
                        "<td style='text-align:left'>nothing lost</td></tr>")
        for x in r.lost:
            rows.append(f"<tr><td>{_e(r.format)}</td><td>{r.objects}</td>"
                        f"<td>{_e(x.what)}: {x.objects} {_e(x.unit)}</td>"
                        f"<td style='text-align:left;white-space:normal'>{_e(x.detail)}</td></tr>")
    return ("<h2>What the export formats could not hold</h2>"
            "<p class='note'>From loss_report.json: per format written, what it has no place "
            "for and how many objects that touched.</p>"
            "<table><tr><th>format</th><th>objects written</th><th>lost</th><th>what was done"
            f"</th></tr>{''.join(rows)}</table>")


def _definitions(ctx: ReportContext) -> str:
    m = ctx.metrics
    metric = tasks.get(m["task"]).metric_definition(m)
    return ("<h2>Definitions</h2><ul class='note'>"
            f"<li>{_e(metric)}; <b>before</b> uses the original labels, <b>after</b> the "
            "corrected ones, both on the exported images and the same predictions.</li>"
            "<li><b>Label noise share</b> = (metric after − metric before) / (1 − metric before):"
            " the part of the error measured on the original labels that disappeared when the "
            "labels were fixed, i.e. was label noise rather than model error. Negative when the "
            "corrections lowered the metric (e.g. objects the annotators missed were added and "
            "the model misses them too).</li>"
            "<li>Image error: detection FP + FN at the project's thresholds; segmentation "
            "1 − mIoU of the image; classification 1 − the probability of the labelled "
            "class.</li></ul>")


def render(ctx: ReportContext, progress: Callable[[str, int, int], None] | None = None) -> str:
    """The report as one HTML string."""
    progress = progress or (lambda *a: None)
    own = tasks.get(ctx.session.data.task).report_section(ctx.session, ctx.rows, ctx.metrics)
    parts = [_summary(ctx), _people(ctx), _per_class(ctx), _confusion(ctx), own, _tags(ctx),
             _worst(ctx, progress), _loss(ctx), _definitions(ctx)]
    title = _e(f"{ctx.session.project.name} — review report")
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{title}</title><style>{CSS}</style></head>"
            f"<body><main>{''.join(parts)}</main></body></html>\n")


def write_report(path: Path, ctx: ReportContext,
                 progress: Callable[[str, int, int], None] | None = None) -> Path:
    path = Path(path)
    path.write_text(render(ctx, progress), encoding="utf-8")
    return path
