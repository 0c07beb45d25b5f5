"""Load a detection task's inputs in whatever formats they are: the one entry point the
workspace (CLI and window) calls.

``load_detection(gt, pred, images_dir, gt_format=None, pred_format=None, classes=None,
options=None) -> DetectionDataset``: a format left None is found from the path
(``formats.detect``: an unknown or ambiguous layout is an ``InputError`` that names every format
considered and why each was rejected). COCO ground truth with COCO predictions gives exactly
what ``io.coco.load_detection`` gives.
"""

from __future__ import annotations

from pathlib import Path

from reviewer.core.tables import AnnotationTable, DetectionDataset
from reviewer.formats import Loaded, detect, get


def resolve(path, role: str, name: str | None):
    """The format object for ``path`` in ``role``: the one named, else the one detected."""
    if name:
        try:
            fmt = get(name)
        except KeyError as exc:
            from reviewer.core.problems import InputError
            raise InputError(str(exc.args[0])) from None
        if role not in fmt.roles:
            from reviewer.core.problems import InputError
            kind = "ground truth" if role == "gt" else "predictions"
            raise InputError(f"{path}: the {name} format does not hold {kind} (formats for "
                             f"{kind}: {', '.join(_names(role))})")
        return fmt
    return detect(path, role, "detection")


def _names(role: str) -> list[str]:
    from reviewer.formats import names
    return names("detection", role)


def load_gt(gt, images_dir=None, gt_format: str | None = None, classes=None,
            options: dict | None = None) -> Loaded:
    fmt = resolve(gt, "gt", gt_format)
    return fmt.load(Path(gt), images_dir, role="gt", classes=classes, **(options or {}))


def load_detection(gt, pred, images_dir=None, gt_format: str | None = None,
                   pred_format: str | None = None, classes=None,
                   options: dict | None = None) -> DetectionDataset:
    g = load_gt(gt, images_dir, gt_format, classes, options)
    if pred is None:
        return DetectionDataset(g.images, g.categories, g.annotations, AnnotationTable.empty(),
                                list(g.problems))
    fmt = resolve(pred, "pred", pred_format)
    p = fmt.load(Path(pred), images_dir, role="pred", gt=g, classes=classes, gt_path=gt,
                 **(options or {}))
    return DetectionDataset(g.images, g.categories, g.annotations, p.annotations,
                            list(g.problems) + list(p.problems))


def load_inputs(inputs, images_dir) -> DetectionDataset:
    """A project's ``DetectionInputs`` -> DetectionDataset."""
    return load_detection(inputs.gt, inputs.pred, images_dir, inputs.gt_format,
                          inputs.pred_format, inputs.classes, inputs.format_options())
