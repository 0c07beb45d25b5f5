"""Colours and line styles of the canvas (plain tuples; items turn them into pens)."""

from __future__ import annotations

from dataclasses import dataclass

from reviewer.core.view_state import CanvasObject

TP = (46, 204, 113)          # matched prediction
FP = (255, 149, 0)           # false positive (loc, both, dupe, bkg)
FN = (235, 59, 59)           # missed GT
MISCLASSIFIED = (170, 90, 230)  # error type "cls"
IGNORED = (150, 150, 150)    # ignored / below threshold
SEM_MISSED = (230, 30, 30)   # GT class c predicted as something else
SEM_EXTRA = (255, 150, 0)    # predicted c where GT is something else
SEM_UNLABELED = (60, 190, 255)  # predicted a class where the GT class means "not labelled"
SELECTION = (255, 255, 255)

SOLID, DASHED, DOTTED = "solid", "dashed", "dotted"


@dataclass(frozen=True)
class LineStyle:
    """How one box is stroked: rgb colour, dash pattern name and width in screen pixels."""

    rgb: tuple[int, ...]  # (r, g, b) or (r, g, b, a)
    dash: str = SOLID
    width: float = 2.0


def line_rgb(rgb) -> tuple[int, int, int]:
    """A class colour made light enough to read as a line over its own mask and dark images
    (relative luminance raised to at least 0.45 by mixing with white)."""
    r, g, b = (float(v) for v in rgb)
    luminance = (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255.0
    if luminance >= 0.45:
        return int(r), int(g), int(b)
    t = (0.45 - luminance) / (1.0 - luminance)
    return tuple(int(round(c + (255.0 - c) * t)) for c in (r, g, b))


def overlay_style(obj: CanvasObject, rgb) -> LineStyle:
    """Overlay mode: class colour (lightened), GT solid, predictions dashed."""
    return LineStyle(line_rgb(rgb), SOLID if obj.source == "gt" else DASHED, 2.0)


def error_style(obj: CanvasObject) -> LineStyle:
    """Errors mode: colour by match status and error type."""
    if obj.status in ("ignored", "below threshold"):
        return LineStyle(IGNORED, DOTTED, 1.5)
    if obj.source == "gt":
        if obj.status == "fn":
            return LineStyle(FN, DASHED, 2.0)
        return LineStyle(TP, DOTTED, 1.5)          # matched GT: thin, the prediction carries it
    if obj.error_type == "cls":
        return LineStyle(MISCLASSIFIED, SOLID, 2.0)
    if obj.status == "tp":
        return LineStyle(TP, SOLID, 2.0)
    return LineStyle(FP, SOLID, 2.0)


def error_rgb(obj: CanvasObject) -> tuple[int, int, int]:
    """The errors-mode colour of an object (also used for its instance mask)."""
    return error_style(obj).rgb


DETECTION_LEGEND = (
    ("True positive", TP, SOLID),
    ("False positive", FP, SOLID),
    ("Wrong class", MISCLASSIFIED, SOLID),
    ("Missed (FN)", FN, DASHED),
    ("Ignored", IGNORED, DOTTED),
)
SEGMENTATION_LEGEND = (
    ("Missed pixels (GT class)", SEM_MISSED, "area"),
    ("Extra pixels (predicted class)", SEM_EXTRA, "area"),
)
UNLABELED_LEGEND = (("Predicted where GT is unlabeled", SEM_UNLABELED, "area"),)


def label_text(obj: CanvasObject, errors: bool) -> str:
    """Box label: "class", "class 0.87" for predictions, plus the error type in errors mode."""
    text = obj.class_name
    if obj.score is not None and obj.source == "pred":
        text += f" {obj.score:.2f}"
    if errors and obj.error_type:
        text += f" · {obj.error_type}"
    return text


def tooltip_text(obj: CanvasObject) -> str:
    """Hover text: class, source, score, IoU, match status, error type, correction."""
    source = "Ground truth" if obj.source == "gt" else "Prediction"
    lines = [f"{obj.class_name} — {source} #{obj.ann_id}"]
    numbers = []
    if obj.score is not None:
        numbers.append(f"score {obj.score:.2f}")
    if obj.iou is not None:
        numbers.append(f"IoU {obj.iou:.2f}")
    if numbers:
        lines.append(" · ".join(numbers))
    status = f"status: {obj.status}"
    if obj.error_type:
        status += f" · error: {obj.error_type}"
    if obj.matched_ann_id is not None:
        status += f" · matched #{obj.matched_ann_id}"
    lines.append(status)
    if obj.corrected:
        lines.append("corrected")
    return "\n".join(lines)
