"""Semantic segmentation datasets: folders of images, GT label PNGs and predicted label PNGs.

Files are matched by their path relative to each folder without the extension (the file stem
for flat folders), which is also the image id. A label PNG holds one class index per pixel:
8-bit grey, 16-bit grey or palette PNGs (the palette *index* is the class, colours are only for
display), or RGB colour-coded masks mapped through the class colours (``label_png`` reads and
writes them). Sizes are checked from the headers (``io.images`` for the photos, ``label_png``
for the label PNGs); pixels are decoded when scoring. A photo with an EXIF orientation keeps its
stored pixel order unless its masks have the rotated size (then the image's width and height
are the rotated ones and the window shows it rotated).

Bad files never raise: each becomes a :class:`Problem` naming the file and the image.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from reviewer.core.problems import Problem
from reviewer.core.semantic import MAX_CLASSES, ConfusionStack, confusion_cells
from reviewer.core.tables import ImageTable
from reviewer.io.images import (
    ImageError,
    describe,
    displayable,
    failure_text,
    orientation_for,
    read_info,
)
from reviewer.io.label_png import (
    LabelFileError,
    image_size,
    mask_size,
    read_label_png,
    read_palette,
    write_label_png,
)
from reviewer.io.semantic_classes import Color, default_color, load_classes

__all__ = ["SemanticDataset", "LabelFileError", "load_classes", "load_semantic",
           "read_label_png", "read_label", "read_pair", "write_label_png", "score_semantic",
           "image_size", "default_color"]

IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")
MASK_EXTS = (".png",)


@dataclass(frozen=True)
class SemanticDataset:
    """A semantic segmentation dataset.

    images: ImageTable, ids = file stems (relative path without extension), file_names relative
        to ``images_dir``, widths/heights from the image headers (0 when unreadable).
    class_names: (K,) names, index = pixel value. class_colors: (K,) RGB or None.
    void_classes: classes the classes file marks ignored (scored like the ignore value).
    gt_paths, pred_paths: (N,) per image a Path or None (missing or unusable).
    palette: flat RGB palette (tuple of ints) of the GT PNGs when they are palette PNGs, kept to
        write corrected masks with the same colours; None otherwise.
    color_coded: the GT PNGs are RGB colour-coded (Cityscapes / CamVid style): corrected masks
        are written back in the class colours.
    """

    images: ImageTable
    class_names: list[str]
    class_colors: list[Color] | None
    ignore_index: int | None
    gt_paths: list[Path | None]
    pred_paths: list[Path | None]
    images_dir: Path | None = None
    palette: tuple[int, ...] | None = None
    problems: list[Problem] = field(default_factory=list)
    void_classes: tuple[int, ...] = ()
    color_coded: bool = False

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    @property
    def scoring_ignore(self) -> tuple:
        """The values left out of every score: the ignore value and the void classes."""
        return tuple(dict.fromkeys((self.ignore_index, *self.void_classes)))

    def image_path(self, i: int) -> Path | None:
        return None if self.images_dir is None else self.images_dir / self.images.file_names[i]


def _index_folder(folder: Path | None, exts, problems: list) -> dict[str, Path]:
    """Map key (relative path without extension, posix) -> file, for files with ``exts``."""
    if folder is None:
        return {}
    folder = Path(folder)
    if not folder.is_dir():
        problems.append(Problem(str(folder), "", "folder not found"))
        return {}
    found: dict[str, Path] = {}
    for p in sorted(folder.rglob("*")):
        if p.suffix.lower() not in exts or not p.is_file() or p.name.startswith("."):
            continue
        key = p.relative_to(folder).with_suffix("").as_posix()
        if key in found:
            problems.append(Problem(str(p), "", f"same name as {found[key].name}; ignored",
                                    severity="warning"))
        else:
            found[key] = p
    return found


def load_semantic(images_dir, gt_dir, pred_dir=None, classes=None,
                  ignore_index: int | None = 255) -> SemanticDataset:
    """Load a dataset from three folders matched by file stem; ``classes`` is a classes file
    (see :func:`load_classes`) or None to infer K from the largest value in the masks.

    Images without GT or prediction are kept (warning); masks without an image, unreadable masks
    and masks whose size differs from the image are dropped (error). Only headers are read,
    except when K must be inferred.
    """
    problems: list[Problem] = []
    images = _index_folder(images_dir, IMAGE_EXTS, problems)
    gts = _index_folder(gt_dir, MASK_EXTS, problems)
    preds = _index_folder(pred_dir, MASK_EXTS, problems) if pred_dir is not None else {}
    for kind, files in (("ground-truth mask", gts), ("prediction", preds)):
        for key in sorted(set(files) - set(images)):
            problems.append(Problem(str(files[key]), "", f"{kind} without an image "
                                    f"named {key}.* in {images_dir}; ignored", image_id=key))
    keys = sorted(images)
    infos, widths, heights = _image_sizes(keys, images, problems)
    gt_paths = _checked_masks(keys, gts, infos, widths, heights, "ground-truth mask", gt_dir,
                              problems)
    pred_paths = (_checked_masks(keys, preds, infos, widths, heights, "prediction", pred_dir,
                                 problems) if pred_dir is not None else [None] * len(keys))
    names, colors, void = _classes(classes, keys, gt_paths, pred_paths, ignore_index, problems)
    table = ImageTable(
        ids=np.asarray(keys, dtype=object),
        file_names=np.asarray([images[k].relative_to(images_dir).as_posix() for k in keys],
                              dtype=object),
        widths=np.asarray(widths, np.int64), heights=np.asarray(heights, np.int64),
        extra=[{} for _ in keys])
    first = next((p for p in gt_paths if p is not None), None)
    palette = read_palette(first) if first is not None else None
    coded = first is not None and _is_rgb(first)
    if coded and colors is None:
        problems.append(Problem(str(gt_dir), "", "the ground-truth masks are RGB colour-coded "
                                "but no class colours are known: give --classes with colours "
                                "(JSON \"color\", 'name r g b' lines or a CamVid class_dict.csv)"))
    return SemanticDataset(table, names, colors, ignore_index, gt_paths, pred_paths,
                           Path(images_dir), palette, problems, void, coded)


def _is_rgb(path) -> bool:
    from PIL import Image
    try:
        with Image.open(path) as im:
            return im.mode in ("RGB", "RGBA")
    except OSError:
        return False


def _image_sizes(keys, images: dict, problems: list) -> tuple[list, list[int], list[int]]:
    """Per image its header (``io.images.ImageInfo``, None when unreadable) and its stored
    width and height (0 when unknown)."""
    infos, widths, heights = [], [], []
    for key in keys:
        try:
            info = read_info(images[key])
        except (ImageError, OSError) as exc:
            problems.append(Problem(str(images[key]), f"image {key}",
                                    f"{failure_text('unreadable', str(exc))}; size unknown",
                                    severity="warning", image_id=key))
            info = None
        else:
            why = displayable(info)
            if why:
                problems.append(Problem(str(images[key]), f"image {key}",
                                        failure_text("too large", why), severity="warning",
                                        image_id=key))
        infos.append(info)
        widths.append(info.width if info else 0)
        heights.append(info.height if info else 0)
    return infos, widths, heights


def _checked_masks(keys, files: dict, infos, widths, heights, kind: str, folder,
                   problems: list) -> list[Path | None]:
    """Per image the mask path, or None when missing, unreadable or of the wrong size.

    A mask of the EXIF-rotated size of its image makes the rotated pixel order the image's
    (``widths`` / ``heights`` are updated in place): the masks decide, as a COCO file's sizes do.
    """
    out: list[Path | None] = []
    for k, key in enumerate(keys):
        path = files.get(key)
        if path is None:
            problems.append(Problem(str(folder), f"image {key}", f"no {kind} named {key}.png",
                                    severity="warning", image_id=key))
        else:
            try:
                size = mask_size(path)
                w, h = widths[k], heights[k]
                if infos[k] is not None and size != (w, h):
                    if not orientation_for(infos[k], size)[0]:
                        raise LabelFileError(f"mask is {size[0]}x{size[1]} but the image is "
                                             f"{describe(infos[k])}")
                    widths[k], heights[k] = size
            except LabelFileError as exc:
                problems.append(Problem(str(path), f"image {key}", str(exc), image_id=key))
                path = None
        out.append(path)
    return out


def _classes(classes, keys, gt_paths, pred_paths, ignore_index, problems: list):
    """Class names and colours from the classes file, else inferred from the mask values
    (0..the largest value; a mask with a value of ``MAX_CLASSES`` or more is not used)."""
    if classes is not None:
        names, colors, found, void = load_classes(classes)
        problems.extend(found)
        if names:
            return names, colors, tuple(void)
    top = -1
    for paths in (gt_paths, pred_paths):
        for i, (key, path) in enumerate(zip(keys, paths, strict=True)):
            if path is None:
                continue
            try:
                values = np.unique(read_label_png(path))
            except LabelFileError as exc:
                problems.append(Problem(str(path), f"image {key}", str(exc), image_id=key))
                paths[i] = None
                continue
            values = values[values != ignore_index] if ignore_index is not None else values
            high = int(values.max()) if values.size else -1
            if high >= MAX_CLASSES:
                problems.append(Problem(str(path), f"image {key}", _too_many(high), image_id=key))
                paths[i] = None
                continue
            top = max(top, high)
    return [f"class_{i}" for i in range(top + 1)], None, ()


def _too_many(value: int) -> str:
    return (f"label value {value}: without a classes file the classes are 0..the largest value, "
            f"and Reviewer supports at most {MAX_CLASSES} classes; this mask is not used (give "
            "a classes file, or check that it holds class indices, not instance ids or depth)")


def read_label(path, num_classes: int, ignore_index: int | None = 255, colors=None,
               kind: str = "mask", image_id=None) -> tuple[np.ndarray | None, list[Problem]]:
    """Decode a label PNG and check its values: (mask (H, W) or None, problems).

    Values outside ``0..K-1`` other than ``ignore_index`` give a warning: such GT pixels are
    not scored, such predicted pixels count as void (wrong).
    """
    entry = f"image {image_id}" if image_id is not None else ""
    ignore = (ignore_index, default_color(ignore_index)) if colors is not None and \
        ignore_index is not None and 0 <= ignore_index < 2**24 else None
    try:
        mask = read_label_png(path, colors, ignore)
    except LabelFileError as exc:
        return None, [Problem(str(path), entry, str(exc), image_id=image_id)]
    bad = mask >= num_classes
    if ignore_index is not None:
        bad &= mask != ignore_index
    if not bad.any():
        return mask, []
    values = np.unique(mask[bad])
    shown = ", ".join(str(v) for v in values[:5]) + (", ..." if len(values) > 5 else "")
    effect = "not scored" if kind == "ground-truth mask" else "counted as wrong (void)"
    return mask, [Problem(str(path), entry,
                          f"{int(bad.sum())} pixels have values ({shown}) that are not classes "
                          f"0..{num_classes - 1} nor ignore_index {ignore_index}; {effect}",
                          severity="warning", image_id=image_id)]


def read_pair(ds: SemanticDataset, i: int):
    """Decode image i's GT and prediction: (gt (H,W) | None, pred (H,W) | None, problems)."""
    key = ds.images.ids[i]
    out, problems = [], []
    for paths, kind in ((ds.gt_paths, "ground-truth mask"), (ds.pred_paths, "prediction")):
        mask = None
        if paths[i] is not None:
            mask, found = read_label(paths[i], ds.num_classes, ds.ignore_index,
                                     ds.class_colors, kind, key)
            problems.extend(found)
        out.append(mask)
    gt, pred = out
    if gt is not None and pred is not None and gt.shape != pred.shape:
        problems.append(Problem(str(ds.pred_paths[i]), f"image {key}",
                                f"prediction is {pred.shape[1]}x{pred.shape[0]} but the GT is "
                                f"{gt.shape[1]}x{gt.shape[0]}", image_id=key))
        pred = None
    return gt, pred, problems


def score_semantic(ds: SemanticDataset, progress: Callable[[int, int], None] | None = None
                   ) -> tuple[ConfusionStack, list[Problem]]:
    """Decode every GT/prediction pair and build the per-image confusions (N, K, K+1), sparse
    (``confusion_cells``: no (K, K+1) array per image).

    An image without a usable GT or prediction has an all-zero confusion (not scored).
    ``progress(done, total)`` is called after each image (raise from it to cancel).
    """
    k = ds.num_classes
    confs, problems = [], []
    for i in range(len(ds.images)):
        gt, pred, found = read_pair(ds, i)
        problems.extend(found)
        confs.append(None if gt is None or pred is None
                     else confusion_cells(gt, pred, k, ds.scoring_ignore))
        if progress is not None:
            progress(i + 1, len(ds.images))
    return ConfusionStack.from_cells(confs, k), problems
