"""The classification part of the export's ``report.html``: how well the probabilities are
calibrated (the reliability diagram of the window's panel, on the exported images and the
corrected labels), the decision rule (the operating threshold of a two-class project) and the
per-class AP and ROC AUC of ``metrics.json``.
"""

from __future__ import annotations

import base64
import html
import math


def _f(v) -> str:
    return "–" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.3f}"


def report_section(session, rows, metrics: dict) -> str:
    from reviewer.io import report_plots
    from reviewer.io.prob_charts import draw_reliability

    from .analysis import reliability_bins
    doc = session.document
    ds = doc.dataset()
    parts = ["<h2>Calibration and the decision rule</h2>", f"<p>{_rule(doc)}</p>"]
    try:
        bins = reliability_bins(ds, rows)
    except ValueError as exc:
        parts.append(f"<p class='note'>No reliability diagram: {html.escape(str(exc))}.</p>")
    else:
        png = report_plots.chart(10.0, 3.4, lambda fig: draw_reliability(fig, bins))
        data = base64.b64encode(png).decode("ascii")
        parts.append(f"<div class='panel'><img alt='reliability diagram' "
                     f"src='data:image/png;base64,{data}'><p class='note'>Accuracy against the "
                     "top-1 confidence in 15 equal-width bins (the ECE's); shaded: the gap to "
                     "a perfectly calibrated model. Exported images, corrected labels.</p></div>")
    parts.append(_overall_table(metrics["before"]["overall"], metrics["after"]["overall"]))
    parts.append(_ranking_table(metrics["before"]["per_class"], metrics["after"]["per_class"]))
    return "".join(parts)


def _rule(doc) -> str:
    ds = doc.base
    if ds.is_binary:
        pos = html.escape(doc.class_names[ds.positive])
        return (f"Two classes: “{pos}” is predicted when p({pos}) ≥ {doc.threshold:.4g}, the "
                "project's operating threshold (<code>reviewer cost --set</code> or the "
                "window's Threshold vs Cost panel choose it).")
    if ds.probs is None:
        return "The predictions give only the top-1 class: it is the predicted class."
    return f"{ds.num_classes} classes: the predicted class is the most probable one."


OVERALL = (("accuracy", "accuracy"), ("balanced_accuracy", "balanced accuracy"),
           ("macro_f1", "macro F1"), ("log_loss", "log loss"), ("brier", "Brier score"),
           ("ece", "ECE"), ("top5_accuracy", "top-5 accuracy"))


def _overall_table(before: dict, after: dict) -> str:
    rows = "".join(f"<tr><td>{title}</td><td>{_f(before.get(k))}</td><td>{_f(after.get(k))}</td>"
                   "</tr>" for k, title in OVERALL if k in before or k in after)
    return ("<table><tr><th>dataset metric</th><th>original labels</th><th>corrected labels"
            f"</th></tr>{rows}</table><p class='note'>The same model, judged against the labels "
            "as delivered and as corrected (<code>metrics.json</code> before / after).</p>")


def _ranking_table(before: dict, after: dict) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(n)}</td><td>{_f(before.get(n, {}).get('ap'))}</td>"
        f"<td>{_f(c.get('ap'))}</td><td>{_f(before.get(n, {}).get('roc_auc'))}</td>"
        f"<td>{_f(c.get('roc_auc'))}</td><td>{c.get('support', '')}</td></tr>"
        for n, c in after.items())
    return ("<table><tr><th>class</th><th>AP before</th><th>AP after</th><th>ROC AUC before</th>"
            f"<th>ROC AUC after</th><th>labelled</th></tr>{rows}</table><p class='note'>AP and "
            "ROC AUC rank the images by the class's probability, one class against the rest "
            "(independent of the threshold); before / after the corrections.</p>")
