"""Time until the review window is ready on a project: the table filled and the first image shown.

    python bench/bench_window_ready.py PROJECT [PROJECT ...] [--repeat 3] [--timeout 900]
        [--panels] [--repo CHECKOUT]

``ade20k`` as a PROJECT is the 3-image ADE20K sample (150 classes) of tests/data, made into a
project in a temporary folder for each run. ``--panels`` then shows each analysis panel in turn
and times it until its figures are in and the window has painted (``window.grab()``), plus one
repaint of the confusion matrix as a mouse hover triggers it. ``--repo`` measures another
checkout's ``reviewer`` (before / after) with this script.

Each run is a child process (offscreen Qt unless QT_QPA_PLATFORM says otherwise): the window is
built and shown at 1600x1000, then events are processed until the controller has a session and a
frame (loading, scoring and the first image happen in the background as for a user). Reports the
median wall time from the start of the build, the peak RSS of the child (``ru_maxrss``) and the
child's own start-up (interpreter + imports) separately. Used for issue 15's "window ready"
figures (100k images; the 3-image ADE20K sample with 150 classes). "after the load" is the
part that is the window's own: from the end of the loader's work (reading and scoring, as the
CLI does) until the first image is shown.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MARKER = "BENCH_RESULT "
ADE = Path(__file__).resolve().parents[1] / "tests" / "data" / "ade20k_sample"


def _ade20k(folder: Path) -> str:
    """The ADE20K sample as a segmentation project in ``folder`` (inputs read in place)."""
    from reviewer.cli import main
    project = folder / "ade20k"
    main(["init", str(project), "--images", str(ADE / "images"), "--gt", str(ADE / "annotations"),
          "--pred", str(ADE / "predictions"), "--classes", str(ADE / "objectInfo150.txt"),
          "--ignore-index", "0", "-q"])
    return str(project)


def _wait(app, done) -> None:
    while not done():
        app.processEvents()
        time.sleep(0.001)


def _time_panels(app, window, c) -> dict:
    """Seconds from asking for each analysis panel until it has its figures and is painted."""
    links, out = c.analysis, {}
    got: list[str] = []
    links.refreshed.connect(got.append)
    for name in list(links.docks):
        got.clear()
        t0 = time.perf_counter()
        c.show_analysis(name)
        _wait(app, lambda n=name, t0=t0: n in got or (
            not links.runner.busy(n) and n not in links.dirty
            and time.perf_counter() - t0 > 0.05))  # a panel with nothing to compute
        window.grab()
        out[name] = time.perf_counter() - t0
    heat = links.panels["confusion"].heatmap
    c.show_analysis("confusion")
    window.grab()
    t0 = time.perf_counter()
    heat.repaint()  # what each hover over a new cell costs
    out["confusion_repaint"] = time.perf_counter() - t0
    return out


def child(project: str, panels: bool = False) -> dict:
    t_start = time.perf_counter()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from reviewer.app import build
    from reviewer.ui.dialogs.factory import HeadlessDialogs
    from reviewer.ui.loader import default_opener
    from reviewer.ui.settings import Settings
    app = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as tmp:
        if project == "ade20k":
            project = _ade20k(Path(tmp))
        settings = Settings(QSettings(str(Path(tmp) / "s.ini"), QSettings.Format.IniFormat))
        imports = time.perf_counter() - t_start
        t0 = time.perf_counter()
        marks: dict[str, float] = {}

        def opener(path, progress, task=None):  # the loader's work, timed where it ends
            session = default_opener(path, progress, task)
            marks["opened"] = time.perf_counter()
            return session
        window, c = build(project, settings, HeadlessDialogs(), opener)
        window.resize(1600, 1000)
        window.show()
        while c.session is None or c.frame is None:
            app.processEvents()
            time.sleep(0.001)
        ready = time.perf_counter() - t0
        result = {"ready_s": ready, "imports_s": imports,
                  "window_s": time.perf_counter() - marks.get("opened", t0)}
        if panels:
            result["panels_s"] = _time_panels(app, window, c)
        window.close()
        app.processEvents()
    result["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        print(MARKER + json.dumps(child(argv[1], "--panels" in argv)), flush=True)
        return 0
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("projects", nargs="+")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--timeout", type=float, default=900)
    p.add_argument("--panels", action="store_true", help="also time each analysis panel")
    p.add_argument("--repo", help="the checkout whose reviewer is measured (default: this one)")
    args = p.parse_args(argv)
    repo = Path(args.repo).resolve() if args.repo else Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(repo)}
    for project in args.projects:
        runs = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            cmd = [sys.executable, __file__, "--child", project] + ["--panels"] * args.panels
            proc = subprocess.run(cmd, env=env,
                                  capture_output=True, text=True, timeout=args.timeout)
            lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(MARKER)]
            if not lines:
                print(f"{project}: failed: {proc.stderr.strip().splitlines()[-3:]}")
                break
            r = json.loads(lines[-1][len(MARKER):])
            r["process_s"] = time.perf_counter() - t0
            runs.append(r)
            print(f"  {project}: ready {r['ready_s']:.2f} s, of which the window after the load "
                  f"{r['window_s']:.2f} s (imports {r['imports_s']:.2f} s, "
                  f"whole process {r['process_s']:.2f} s), {r['maxrss_mb']:.0f} MB", flush=True)
            if "panels_s" in r:
                print("    panels: " + ", ".join(f"{k} {v:.2f} s" for k, v in r["panels_s"].items()),
                      flush=True)
        if runs:
            med = statistics.median(r["ready_s"] for r in runs)
            after = statistics.median(r["window_s"] for r in runs)
            print(f"{project}: window ready median {med:.2f} s (after the load {after:.2f} s) "
                  f"over {len(runs)} runs, peak RSS "
                  f"{max(r['maxrss_mb'] for r in runs):.0f} MB")
            for name in runs[0].get("panels_s", {}):
                print(f"    {name}: median "
                      f"{statistics.median(r['panels_s'][name] for r in runs):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
