"""Sorting and filtering the window's image table at 1,000,000 rows (issue 15: < 100 ms).

    python bench/bench_table_model.py [--rows 1000000] [--classes 100] [--repeat 7]

Builds a classification project's per-image table (the columns ``score_table`` produces, random
values of a 100-class model, ~2 % unscored rows as NaN, 5 % of the images reviewed or tagged)
and the real ``ImageTableModel`` behind a shown ``QTableView`` (offscreen), so each timing
includes what the view does with the model's signals. Each action alternates with a reset to the
default ranking / no filter; reports the median and the worst wall time of ``--repeat`` samples
and the median CPU time of the process (less sensitive to other work on a shared machine), ms.
The model keeps the ranking of each (column, direction) until values change, so a sort
alternating with the default ranking is, after its first sample, a cached ranking; the first
sample of each sort is the worst column. No files: the table is generated in memory (~2 s).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np


def make_table(n: int, k: int, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    target = rng.integers(0, k, n)
    predicted = np.where(rng.random(n) < 0.7, target, rng.integers(0, k, n))
    confidence = rng.beta(5, 2, n)
    p_target = np.where(predicted == target, confidence, confidence * rng.random(n))
    unscored = rng.random(n) < 0.02
    p_target[unscored] = np.nan
    margin = np.where(unscored, np.nan, rng.normal(0, 0.3, n))
    ids = np.arange(n, dtype=np.int64) * 7 + 3
    names = np.array([f"images/{i // 1000:04d}/img_{i:07d}.jpg" for i in ids], dtype=object)
    return {"image_id": ids, "file_name": names, "target": target, "predicted": predicted,
            "confidence": confidence, "p_target": p_target, "error": 1.0 - p_target,
            "margin": margin, "label_issue": np.where(rng.random(n) < 0.03, 1.0, 0.0)}


class FakeStore:
    """Statuses and tags of a partly reviewed project (what ``ReviewColumns.reload`` reads)."""

    def __init__(self, keys: list[str], seed: int = 1):
        rng = np.random.default_rng(seed)
        picked = rng.choice(len(keys), len(keys) // 20, replace=False)
        statuses = ("reviewed", "needs-second-look", "skipped")
        self._status = {keys[i]: statuses[j % 3] for j, i in enumerate(picked.tolist())}
        tags = ("blur", "occlusion", "label wrong")
        self._tags = {keys[i]: {tags[j % 3]} for j, i in enumerate(picked[::2].tolist())}

    def statuses(self) -> dict:
        return self._status

    def all_image_tags(self) -> dict:
        return self._tags


def _time(app, fn, reset, repeat: int) -> tuple[float, float, float]:
    """(median wall ms, worst wall ms, median CPU ms of this process)."""
    wall, cpu = [], []
    for _ in range(repeat):
        reset()
        app.processEvents()
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        app.processEvents()
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return statistics.median(wall), max(wall), statistics.median(cpu)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--classes", type=int, default=100)
    p.add_argument("--repeat", type=int, default=7)
    args = p.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QTableView

    from reviewer.ui.models.image_filter import ImageFilter, ReviewColumns
    from reviewer.ui.models.image_table_model import ImageTableModel, columns_for

    app = QApplication.instance() or QApplication(sys.argv[:1])
    t0 = time.perf_counter()
    table = make_table(args.rows, args.classes)
    review = ReviewColumns(table["image_id"])
    review.reload(FakeStore(review.keys))
    t1 = time.perf_counter()
    model = ImageTableModel(table, columns_for(table, "classification"), review,
                            good_when_high={"confidence", "p_target", "margin"})
    t2 = time.perf_counter()
    view = QTableView()
    view.setModel(model)
    view.setSortingEnabled(True)
    view.resize(900, 700)
    view.show()
    app.processEvents()
    print(f"{args.rows:,} rows: table + review columns {t1 - t0:.2f} s, model {1000 * (t2 - t1):.0f} "
          f"ms\n  (median wall / worst wall / median CPU of {args.repeat}, ms)")
    default = lambda: model.set_sort("error", False)  # noqa: E731
    no_filter = lambda: model.set_filter(ImageFilter())  # noqa: E731
    cases = [("sort: Confidence header (view)", lambda: view.sortByColumn(
                 model.column_of("confidence"), Qt.SortOrder.DescendingOrder), default),
             ("sort: p(label) ascending", lambda: model.set_sort("p_target", True), default),
             ("sort: error (default ranking)", lambda: model.set_sort("error", False),
              lambda: model.set_sort("p_target", True)),
             ("sort: file name", lambda: model.set_sort("file_name", True), default),
             ("sort: status", lambda: model.set_sort("status", True), default),
             ("sort: tags", lambda: model.set_sort("tags", True), default),
             ("filter: status reviewed", lambda: model.set_filter(ImageFilter(status="reviewed")),
              no_filter),
             ("filter: tag", lambda: model.set_filter(ImageFilter(tag="blur")), no_filter),
             ("filter: file name text", lambda: model.set_filter(ImageFilter(text="img_00123")),
              no_filter),
             ("filter: metric range", lambda: model.set_filter(
                 ImageFilter(metric="p_target", lo=0.2, hi=0.4)), no_filter),
             ("filter: cleared", no_filter,
              lambda: model.set_filter(ImageFilter(metric="p_target", lo=0.2, hi=0.4)))]
    for name, fn, reset in cases:
        med, worst, cpu = _time(app, fn, reset, args.repeat)
        print(f"  {name:36s} {med:8.1f} {worst:8.1f} {cpu:8.1f}   rows shown "
              f"{model.rowCount():,}", flush=True)
    assert view.isSortingEnabled() and Qt  # the view stayed live
    return 0


if __name__ == "__main__":
    sys.exit(main())
