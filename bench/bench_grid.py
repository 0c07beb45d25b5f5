"""The thumbnail grid at scale: milliseconds per scroll page, at 1,000 and 100,000 images.

Generates classification projects (``--rows`` images each; the image files are hard links to
``--pictures`` distinct 1600x1200 JPEGs, so 100,000 images cost a few MB of disk), opens the real
window (offscreen unless QT_QPA_PLATFORM says otherwise) at 1600x1000, switches to the grid at
its default size and times, for ``--pages`` scroll pages (Page Down from the top, then jumps to
random places):

- page paint: the scroll + processing the events it posted (the grid's repaint with the pictures
  it has, the requests for the others) — what decides whether scrolling is smooth;
- page filled: until every thumbnail in view is decoded and painted (2 worker threads);
- decoded / in view: thumbnails decoded per page over the cells in view (only what is seen);
- select a thumbnail: a click's selection (grid, table and status bar repaint), 20 cells;
- peer: a page of the image table (``QTableView``) over the same model in the same window.

Prints medians and p95 per size, and the 100k / 1k ratio of the page paint (flat: the grid's
cost does not grow with the row count).

    python bench/bench_grid.py [--rows 1000 100000] [--pages 30] [--pictures 40]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

W, H = 1600, 1200


def make_project(root: Path, rows: int, pictures: int, seed: int = 0) -> Path:
    """A two-class project of ``rows`` images, hard links to ``pictures`` JPEGs."""
    rng = np.random.default_rng(seed)
    images = root / "images"
    images.mkdir(parents=True)
    base = []
    for k in range(pictures):
        small = rng.integers(0, 255, (12, 16, 3), dtype=np.uint8)
        path = root / f"picture_{k}.jpg"
        cv2.imwrite(str(path), cv2.resize(small, (W, H), interpolation=cv2.INTER_CUBIC))
        base.append(path)
    names = [f"img_{i:06d}.jpg" for i in range(rows)]
    for i, name in enumerate(names):
        os.link(base[i % pictures], images / name)
    p = rng.random(rows).round(4)
    labels = np.where(rng.random(rows) < 0.5, "cat", "dog")
    (root / "labels.csv").write_text("image,label\n" + "".join(
        f"{n},{lab}\n" for n, lab in zip(names, labels, strict=True)))
    (root / "pred.csv").write_text("image,cat,dog\n" + "".join(
        f"{n},{x},{1 - x:.4f}\n" for n, x in zip(names, p, strict=True)))
    (root / "reviewer.json").write_text(json.dumps({
        "reviewer_project": 1, "name": "bench", "images": "images",
        "default_task": "classification",
        "classification": {"gt": "labels.csv", "pred": "pred.csv"}}))
    return root


def _until(app, done, timeout: float = 120.0) -> None:
    t0 = time.perf_counter()
    while not done():
        app.processEvents()
        time.sleep(0.001)
        if time.perf_counter() - t0 > timeout:
            raise SystemExit("timed out")


def _stats(ms: list[float]) -> str:
    a = np.asarray(ms)
    return f"median {np.median(a):7.1f} ms   p95 {np.percentile(a, 95):7.1f} ms"


def _targets(pages: int, layout, viewport_h: int, rng) -> list[int]:
    """Scroll positions: Page Down from the top, then random jumps."""
    top = max(1, layout.height - viewport_h)
    down = [min(top, (k + 1) * viewport_h) for k in range(pages // 2)]
    return down + [int(rng.integers(0, top)) for _ in range(pages - len(down))]


def _open(app, root: Path, tmp: Path):
    """The window on ``root`` at 1600x1000, loaded: (window, controller, seconds to load)."""
    from PySide6.QtCore import QSettings

    from reviewer.app import build
    from reviewer.ui.dialogs.factory import HeadlessDialogs
    from reviewer.ui.settings import Settings
    settings = Settings(QSettings(str(tmp / f"{root.name}.ini"), QSettings.Format.IniFormat))
    window, c = build(str(root), settings, HeadlessDialogs())
    window.resize(1600, 1000)
    window.show()
    t0 = time.perf_counter()
    _until(app, lambda: c.session is not None)
    return window, c, time.perf_counter() - t0


def _scroll(app, c, pages: int, rng) -> tuple[list, list, list]:
    """Per scroll page: ms to paint, ms until every thumbnail in view is there, and the
    thumbnails decoded over those in view."""
    grid, loader, source = c.grid.grid, c.grid.loader, c.grid.source

    def filled() -> bool:
        return loader.pending() == 0 and all(
            loader.get(source.key(c.model.image_row(v))) is not None
            for v in grid.visible_rows())
    _until(app, filled)
    paint, fill, ratio = [], [], []
    for y in _targets(pages, grid.layout_, grid.viewport().height(), rng):
        before, shown = loader.decoded, len(grid.visible_rows())
        t0 = time.perf_counter()
        grid.verticalScrollBar().setValue(y)
        app.processEvents()
        paint.append((time.perf_counter() - t0) * 1000)
        _until(app, filled)
        app.processEvents()
        fill.append((time.perf_counter() - t0) * 1000)
        ratio.append((loader.decoded - before) / max(1, shown))
    return paint, fill, ratio


def _clicks(app, grid, rng, n: int = 20) -> list[float]:
    """ms to select a thumbnail in view (the grid, the table and the status bar repaint)."""
    from PySide6.QtCore import QItemSelectionModel
    out, shown = [], grid.visible_rows()
    for v in rng.integers(shown.start, shown.stop, n):
        t0 = time.perf_counter()
        grid.set_current(int(v), QItemSelectionModel.SelectionFlag.ClearAndSelect)
        app.processEvents()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def _table_pages(app, window, grid, pages: int, rng) -> list[float]:
    """The peer: ms per page of the image table over the same model."""
    table, bar, out = window.table.verticalScrollBar(), grid.verticalScrollBar(), []
    for y in _targets(pages, grid.layout_, grid.viewport().height(), rng):
        t0 = time.perf_counter()
        table.setValue(int(table.maximum() * y / max(1, bar.maximum())))
        app.processEvents()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def measure(app, root: Path, pages: int, tmp: Path) -> dict:
    window, c, loaded = _open(app, root, tmp)
    c.grid.enter()
    grid, rng = c.grid.grid, np.random.default_rng(1)
    paint, fill, ratio = _scroll(app, c, pages, rng)
    out = {"rows": c.model.rowCount(), "loaded_s": loaded, "in_view": len(grid.visible_rows()),
           "size": grid.thumb_size, "paint": paint, "fill": fill, "decoded_per_view": ratio,
           "click": _clicks(app, grid, rng), "table": _table_pages(app, window, grid, pages, rng)}
    window.close()
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, nargs="+", default=[1000, 100_000])
    p.add_argument("--pages", type=int, default=30)
    p.add_argument("--pictures", type=int, default=40)
    args = p.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication
    app = QApplication.instance() or QApplication(sys.argv[:1])
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for rows in args.rows:
            root = make_project(Path(tmp) / f"rows_{rows}", rows, args.pictures)
            r = measure(app, root, args.pages, Path(tmp))
            results.append(r)
            print(f"{r['rows']:>7} images (loaded in {r['loaded_s']:.1f} s; {r['in_view']} "
                  f"thumbnails of {r['size']} px in view, {W}x{H} JPEGs):")
            print(f"  grid page paint:        {_stats(r['paint'])}")
            print(f"  grid page filled:       {_stats(r['fill'])}")
            print(f"  table page (peer):      {_stats(r['table'])}")
            print(f"  select a thumbnail:     {_stats(r['click'])}")
            print(f"  decoded per page / in view: median "
                  f"{np.median(r['decoded_per_view']):.2f}  max "
                  f"{np.max(r['decoded_per_view']):.2f}")
    if len(results) > 1:
        small, big = results[0], results[-1]
        print(f"page paint {big['rows']} / {small['rows']} images: "
              f"{np.median(big['paint']) / np.median(small['paint']):.2f}x; "
              f"grid / table page at {big['rows']}: "
              f"{np.median(big['paint']) / np.median(big['table']):.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
