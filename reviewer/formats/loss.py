"""The loss report of an export: what the chosen format cannot hold, and how many objects it
touched.

Every export writes ``loss_report.json``::

    {"reviewer_loss_report": 1,
     "formats": {"yolo": {"images": 100, "objects": 273, "files": ["yolo/labels/", ...],
                          "lost": [{"what": "crowd flag", "objects": 38,
                                    "detail": "YOLO has no crowd flag: crowd objects are left out"},
                                   ...],
                          "lossless": false}}}

``lost`` lists only what was actually lost on this dataset (a count of 0 is not listed); an empty
list means the export holds everything the corrected dataset holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Loss:
    """One kind of loss: ``what`` the format cannot hold, the ``objects`` it touched (images or
    categories when ``unit`` says so) and a sentence on what was done instead."""

    what: str
    objects: int
    detail: str
    unit: str = "objects"

    def to_dict(self) -> dict:
        out = {"what": self.what, "objects": self.objects, "detail": self.detail}
        if self.unit != "objects":
            out["unit"] = self.unit
        return out


@dataclass
class LossReport:
    """The loss report of one format's export."""

    format: str
    images: int = 0
    objects: int = 0
    files: list[str] = field(default_factory=list)
    lost: list[Loss] = field(default_factory=list)

    def add(self, what: str, count: int, detail: str, unit: str = "objects") -> None:
        """Record a loss (nothing when ``count`` is 0)."""
        if count:
            self.lost.append(Loss(what, int(count), detail, unit))

    @property
    def lossless(self) -> bool:
        return not self.lost

    def count(self, what: str) -> int:
        return sum(x.objects for x in self.lost if x.what == what)

    def to_dict(self) -> dict:
        return {"images": self.images, "objects": self.objects, "files": list(self.files),
                "lost": [x.to_dict() for x in self.lost], "lossless": self.lossless}

    def summary(self) -> str:
        """One line: ``yolo: 273 objects in 100 images; lost: crowd flag (38 objects), ...``."""
        head = f"{self.format}: {self.objects} objects in {self.images} images"
        if self.lossless:
            return f"{head}; nothing lost"
        parts = ", ".join(f"{x.what} ({x.objects} {x.unit})" for x in self.lost)
        return f"{head}; lost: {parts}"


def report_payload(reports: list[LossReport]) -> dict:
    """The ``loss_report.json`` object for the formats written."""
    return {"reviewer_loss_report": 1, "formats": {r.format: r.to_dict() for r in reports}}
