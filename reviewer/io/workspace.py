"""Open a project's inputs and score them: the pipeline shared by the CLI and the GUI.

``open_task`` loads the dataset of one task and scores every image, reporting progress through a
``progress(stage, done, total)`` callback (raise from it to cancel). It returns a ``TaskData`` with
the dataset, the per-image scores, the per-image table and the loader's problems.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from reviewer.core import reports, semantic
from reviewer.core.cocoeval import gt_rles, pred_rles
from reviewer.core.detection_scores import DetectionParams, score_detection
from reviewer.core.problems import InputError
from reviewer.io.project import Project
from reviewer.io.semantic import load_semantic, score_semantic

Progress = Callable[[str, int, int], None]


@dataclass
class TaskData:
    """A task's data after loading and scoring.

    task: "detection" or "segmentation"; dataset: DetectionDataset or SemanticDataset;
    scores: DetectionScores or semantic.ConfusionStack; table: per-image columns (dict of (N,));
    params: DetectionParams (detection only); rles: (pred, gt) RLE lists when masks are used.
    """

    task: str
    dataset: object
    scores: object
    table: dict
    problems: list
    params: DetectionParams | None = None
    rles: tuple | None = None


def _noop(stage: str, done: int, total: int) -> None:
    return None


def open_task(project: Project, task: str | None = None, progress: Progress | None = None,
              score_threshold: float | None = None, iou_threshold: float | None = None) -> TaskData:
    """Load and score one task of ``project`` (default: the project's default task)."""
    progress = progress or _noop
    task = project.task(task)
    if task == "detection":
        return _open_detection(project, progress, score_threshold, iou_threshold)
    return _open_segmentation(project, progress)


def _open_detection(project, progress, score_threshold, iou_threshold) -> TaskData:
    inputs = project.detection
    progress("loading", 0, 2)
    from reviewer.formats.detection import load_inputs  # any input format (COCO, YOLO, VOC...)
    ds = load_inputs(inputs, project.images)
    progress("loading", 2, 2)
    if len(ds.images) == 0:
        raise InputError(f"{inputs.gt}: no usable image", ds.problems)
    params = reports.default_params(
        ds, inputs.iou_threshold if iou_threshold is None else iou_threshold,
        inputs.score_threshold if score_threshold is None else score_threshold)
    rles = None
    if params.iou_type == "segm":
        progress("decoding masks", 0, 1)
        rles = (pred_rles(ds), gt_rles(ds))
    progress("scoring", 0, 1)
    scores = score_detection(ds, params, rles=rles)
    progress("scoring", 1, 1)
    return TaskData("detection", ds, scores, reports.detection_table(ds, scores),
                    list(ds.problems), params, rles)


def _open_segmentation(project, progress) -> TaskData:
    inputs = project.segmentation
    progress("loading", 0, 1)
    ds = load_semantic(project.images, inputs.gt, inputs.pred, inputs.classes, inputs.ignore_index)
    if len(ds.images) == 0:
        raise InputError(f"{inputs.gt}: no usable image", ds.problems)
    if ds.num_classes == 0:
        raise InputError(f"{inputs.gt}: no usable class (no classes file, and no usable label "
                         "mask to read the classes from)", ds.problems)
    stack, problems = score_semantic(ds, lambda d, t: progress("scoring", d, t))
    table = semantic.image_table(stack, ds.images.ids, ds.images.file_names, ds.class_names,
                                 ds.scoring_ignore)
    return TaskData("segmentation", ds, stack, table, list(ds.problems) + list(problems))


def eval_payload(data: TaskData, image_rows=None) -> dict:
    """The ``eval --json`` object for a loaded task (optionally a slice of image rows)."""
    if data.task == "detection":
        scores = data.scores if image_rows is None else None
        return reports.detection_eval(data.dataset, data.params, image_rows, scores, data.rles)
    ds = data.dataset
    return reports.semantic_eval(data.scores, ds.class_names, ds.scoring_ignore, image_rows)


def make_document(data: TaskData):
    """The editable document for a loaded task (GT changes only through commands)."""
    if data.task == "detection":
        from reviewer.core.document import DetectionDocument
        return DetectionDocument(data.dataset, data.params, data.scores, data.rles)
    from reviewer.core.semantic_document import SemanticDocument
    from reviewer.io.semantic import read_pair
    ds = data.dataset
    return SemanticDocument(ds.images.ids, ds.images.file_names, ds.class_names, ds.ignore_index,
                            data.scores, data.table, lambda i: read_pair(ds, i)[:2],
                            void_classes=ds.void_classes)
