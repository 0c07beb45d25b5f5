"""COCO JSON as a format: the existing loader (``io.coco``) and export (``io.export_coco``)
behind the ``Format`` protocol.

Ground truth: a COCO instances object; predictions: a COCO results list or a dataset object with
a ``score`` on every annotation. The export writes the corrected dataset: the original file with
the corrections when the ground truth was COCO (ids, fields and key order kept), else a COCO
object built from the tables (image ids as read: a file stem for the per-image formats).
COCO holds everything Reviewer holds: its loss report is empty.
"""

from __future__ import annotations

from pathlib import Path

from reviewer.core.problems import Problem
from reviewer.formats import Loaded, register
from reviewer.formats.loss import LossReport

_PEEK = 1 << 16


def peek_json(path: Path) -> tuple[str, str]:
    """(kind, text head): kind is ``list``, ``object`` or ``""`` (not JSON-looking)."""
    with open(path, "rb") as fh:
        head = fh.read(_PEEK).decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    return {"[": "list", "{": "object"}.get(head[:1], ""), head


class CocoFormat:
    name = "coco"
    task = "detection"
    roles = frozenset({"gt", "pred"})
    exports = True
    description = "COCO JSON: an instances file (GT) or a results list (predictions)"

    def sniff(self, path, role=None) -> tuple[bool, str]:
        path = Path(path)
        if not path.is_file():
            return False, "not a file (COCO is one .json file)"
        kind, head = peek_json(path)
        if kind == "list":
            if role == "gt":
                return False, "a JSON list (a COCO results list holds predictions, not GT)"
            return True, "a COCO results list"
        if kind != "object":
            return False, "not a JSON object or list"
        if '"shapes"' in head and '"imagePath"' in head:
            return False, "a LabelMe file (it has 'shapes' and 'imagePath')"
        if '"images"' in head or '"annotations"' in head or len(head) >= _PEEK:
            return True, "a COCO JSON object"
        return False, "a JSON object without 'images' or 'annotations'"

    def load(self, path, images_dir=None, role="gt", gt=None, gt_path=None, **options
             ) -> Loaded:
        from reviewer.io.coco import load_coco_gt, load_predictions
        if role == "pred":
            pred, problems = load_predictions(path, gt.images, gt.categories, gt_path)
            return Loaded(gt.images, gt.categories, pred, problems, self.name)
        images, categories, table, problems = load_coco_gt(path, images_dir)
        return Loaded(images, categories, table, problems, self.name)

    def export(self, source, out: Path, rows, problems: list[Problem] | None = None
               ) -> LossReport:
        from reviewer.io.export_coco import fixed_annotations, fixed_coco
        from reviewer.io.export_files import write_json
        doc = source.document
        if source.gt_format == "coco" and source.gt_path and Path(source.gt_path).is_file():
            name = Path(source.gt_path).name
            data = fixed_coco(doc, source.gt_path, rows, problems)
        else:
            name = "instances.json"
            data = _from_tables(doc, rows, fixed_annotations(doc, [], rows))
        write_json(out, name, data, indent=None)
        report = LossReport(self.name, images=len(data["images"]),
                            objects=len(data["annotations"]), files=[name])
        return report


def _plain(v):
    return v.item() if hasattr(v, "item") else v


def _from_tables(doc, rows, annotations: list) -> dict:
    images, cats = doc.base.images, doc.base.categories
    chosen = range(len(images)) if rows is None else [int(r) for r in rows]
    image_list = [{"id": _plain(images.ids[r]), "file_name": str(images.file_names[r]),
                   "width": int(images.widths[r]), "height": int(images.heights[r]),
                   **(images.extra[r] if images.extra else {})} for r in chosen]
    cat_list = [{"id": int(c), "name": str(n), **(cats.extra[k] if cats.extra else {})}
                for k, (c, n) in enumerate(zip(cats.ids.tolist(), cats.names.tolist(),
                                               strict=True))]
    return {"images": image_list, "categories": cat_list, "annotations": annotations}


register(CocoFormat())
