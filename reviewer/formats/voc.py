"""Pascal VOC XML: one ``<annotation>`` file per image (``Annotations/*.xml``).

Read: ``filename`` (the image, relative to the images folder; an image of the same stem when
it is absent), ``size`` (``width`` / ``height``; read from the image header when 0 or absent),
and per ``object``: ``name`` (the class), ``bndbox`` (``xmin ymin xmax ymax``), ``difficult``,
``truncated``, ``occluded``, ``pose``.

- Boxes: ``[xmin, ymin, xmax - xmin, ymax - ymin]`` in the file's own coordinates, no ±1 shift
  (as CVAT, globox and the COCO conversions of VOC write them; detectron2's VOC loader
  subtracts 1 from xmin / ymin instead). The export writes them back the same way.
- ``difficult``: VOC's own evaluation ignores difficult objects — a detection on one is neither
  a true nor a false positive, and a missed one is not a miss — which is what COCO does with
  crowd regions. So a difficult object is read as ``iscrowd`` (option ``difficult="ignore"``,
  the default): ignored in matching like a COCO crowd region (its IoU is COCO's crowd IoU,
  intersection over the prediction's area, at least the usual IoU). ``difficult="score"`` scores
  them as ordinary objects. ``difficult``, ``truncated``, ``occluded`` and ``pose`` are kept as
  extra fields (and written back by the VOC export).
- Class ids: the order of ``--classes`` when given (a name not in it is a problem), else the
  names found, sorted (VOC's 20 classes are listed alphabetically), ids 1..K.
- Files are parsed with defusedxml (entities and DTDs refused); one bad file or object is a
  problem naming it, the rest loads.
"""

from __future__ import annotations

import os
from pathlib import Path

from reviewer.core.problems import InputError
from reviewer.formats import Loaded, register
from reviewer.formats import _xml as xml
from reviewer.formats._files import keyed_files
from reviewer.formats._tables import RawSet, build_gt, image_size, index_images, number
from reviewer.formats.classes import read_names

DIFFICULT_MODES = ("ignore", "score")
_FLAGS = ("difficult", "truncated", "occluded")


def xml_files(folder: Path) -> dict[str, Path]:
    return keyed_files(folder, ".xml")


def annotations_folder(path: Path) -> Path:
    """A VOC dataset root holds ``Annotations/``; a folder of XML files is taken as it is."""
    return path / "Annotations" if (path / "Annotations").is_dir() else path


class VocFormat:
    name = "voc"
    task = "detection"
    roles = frozenset({"gt"})
    exports = True
    description = "Pascal VOC XML: a folder of per-image <annotation> files (Annotations/*.xml)"

    def sniff(self, path, role=None) -> tuple[bool, str]:
        path = Path(path)
        if not path.is_dir():
            return False, "not a folder of .xml files"
        folder = annotations_folder(path)
        files = list(xml_files(folder).values())[:3]
        if not files:
            return False, "holds no .xml file"
        root, why = xml.parse(files[0])
        if root is None:
            return False, f"{files[0].name}: {why}"
        if root.tag != "annotation":
            return False, f"{files[0].name}: the root element is <{root.tag}>, not <annotation>"
        return True, f"Pascal VOC <annotation> files in {folder.name}/"

    def load(self, path, images_dir=None, role="gt", gt=None, classes=None,
             difficult="ignore", **options) -> Loaded:
        if role != "gt":
            raise InputError(f"{path}: Pascal VOC XML holds ground truth (predictions: "
                             "--pred-format voc_results or txt_xyxy)")
        if difficult not in DIFFICULT_MODES:
            raise InputError(f"difficult={difficult!r}: expected one of {DIFFICULT_MODES}")
        path = annotations_folder(Path(path))
        raw = RawSet()
        names = None
        if classes:
            names, found = read_names(classes)
            raw.problems += found
        images = index_images(images_dir) if images_dir and Path(images_dir).is_dir() else {}
        found_names: list[str] = []
        for key, file in xml_files(path).items():
            _read_file(file, key, images, images_dir, difficult == "ignore", raw, found_names)
        raw.categories = _categories(names, found_names, raw)
        return build_gt(raw, path, "voc", images_dir)

    def export(self, source, out, rows, problems=None):
        from reviewer.formats.voc_export import export_voc
        return export_voc(source, out, rows)


def _categories(names, found: list[str], raw: RawSet) -> list[dict]:
    order = list(names) if names is not None else sorted(set(found))
    raw.assign_categories(order, "class")
    return raw.categories


def _image_entry(root, file: Path, key: str, images: dict, images_dir, raw: RawSet) -> dict:
    name = xml.text(root, "filename")
    if name is None or os.path.splitext(name)[1] == "":  # find the image by its stem
        match = images.get(name or key) or images.get(key)
        name = match.relative_to(images_dir).as_posix() if match else (name or key)
    size = root.find("size")
    w, h = (number(xml.text(size, t, "0")) or 0 for t in ("width", "height"))
    entry = {"id": key, "file_name": name, "width": int(w), "height": int(h),
             "_where": str(file)}
    if (entry["width"] <= 0 or entry["height"] <= 0) and images_dir is not None:
        iw, ih, why = image_size(Path(images_dir) / name)
        if iw:
            entry["width"], entry["height"] = iw, ih
        else:
            raw.problem(file, "size", f"no image size in the file and the image cannot be read "
                        f"({why}); masks and sizes are unknown", "warning", key)
    return entry


def _read_file(file: Path, key: str, images: dict, images_dir, crowd_difficult: bool,
               raw: RawSet, found_names: list) -> None:
    root, why = xml.parse(file)
    if root is None:
        raw.problem(file, "", why)
        return
    if root.tag != "annotation":
        raw.problem(file, "", f"the root element is <{root.tag}>, not <annotation>; not read")
        return
    raw.images.append(_image_entry(root, file, key, images, images_dir, raw))
    for k, obj in enumerate(root.findall("object")):
        ann = _object(obj, k, file, key, crowd_difficult, raw)
        if ann is not None:
            found_names.append(ann["category"])
            name = ann["category"]
            raw.add(ann, str(file), f"object[{k}] ({name})")


def _object(obj, k: int, file: Path, key: str, crowd_difficult: bool, raw: RawSet):
    name = xml.text(obj, "name")
    entry = f"object[{k}]" + (f" ({name})" if name else "")
    if name is None:
        raw.problem(file, entry, "no <name> (the class)", image_id=key)
        return None
    box = obj.find("bndbox")
    if box is None:
        raw.problem(file, entry, "no <bndbox>", image_id=key)
        return None
    values = {}
    for tag in ("xmin", "ymin", "xmax", "ymax"):
        t = xml.text(box, tag)
        v = number(t) if t is not None else None
        if v is None:
            raw.problem(file, entry, f"bndbox {tag} is missing or not a number ({t!r})",
                        image_id=key)
            return None
        values[tag] = v
    ann = {"image_id": key, "category": name,
           "bbox": [values["xmin"], values["ymin"], values["xmax"] - values["xmin"],
                    values["ymax"] - values["ymin"]]}
    for tag in _FLAGS:
        t = xml.text(obj, tag)
        if t is not None:
            v = number(t)
            if v is None or v not in (0, 1):
                raw.problem(file, entry, f"<{tag}> is {t!r}, expected 0 or 1; read as "
                            f"{int(bool(v))}", "warning", key)
            ann[tag] = int(bool(v))
    pose = xml.text(obj, "pose")
    if pose is not None:
        ann["pose"] = pose
    ann["iscrowd"] = int(crowd_difficult and ann.get("difficult", 0) == 1)
    return ann


register(VocFormat())
