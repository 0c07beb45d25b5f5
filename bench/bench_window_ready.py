"""Time until the review window is ready on a project: the table filled and the first image shown.

    python bench/bench_window_ready.py PROJECT [PROJECT ...] [--repeat 3] [--timeout 900]

Each run is a child process (offscreen Qt unless QT_QPA_PLATFORM says otherwise): the window is
built and shown at 1600x1000, then events are processed until the controller has a session and a
frame (loading, scoring and the first image happen in the background as for a user). Reports the
median wall time from the start of the build, the peak RSS of the child (``ru_maxrss``) and the
child's own start-up (interpreter + imports) separately. Used for issue 15's "window ready"
figures (100k images; the 3-image ADE20K sample with 150 classes).
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


def child(project: str) -> dict:
    t_start = time.perf_counter()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from reviewer.app import build
    from reviewer.ui.dialogs.factory import HeadlessDialogs
    from reviewer.ui.settings import Settings
    app = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(QSettings(str(Path(tmp) / "s.ini"), QSettings.Format.IniFormat))
        imports = time.perf_counter() - t_start
        t0 = time.perf_counter()
        window, c = build(project, settings, HeadlessDialogs())
        window.resize(1600, 1000)
        window.show()
        while c.session is None or c.frame is None:
            app.processEvents()
            time.sleep(0.001)
        ready = time.perf_counter() - t0
        window.close()
        app.processEvents()
    return {"ready_s": ready, "imports_s": imports,
            "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        print(MARKER + json.dumps(child(argv[1])), flush=True)
        return 0
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("projects", nargs="+")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--timeout", type=float, default=900)
    args = p.parse_args(argv)
    repo = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(repo)}
    for project in args.projects:
        runs = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            proc = subprocess.run([sys.executable, __file__, "--child", project], env=env,
                                  capture_output=True, text=True, timeout=args.timeout)
            lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(MARKER)]
            if not lines:
                print(f"{project}: failed: {proc.stderr.strip().splitlines()[-3:]}")
                break
            r = json.loads(lines[-1][len(MARKER):])
            r["process_s"] = time.perf_counter() - t0
            runs.append(r)
            print(f"  {project}: ready {r['ready_s']:.2f} s (imports {r['imports_s']:.2f} s, "
                  f"whole process {r['process_s']:.2f} s), {r['maxrss_mb']:.0f} MB", flush=True)
        if runs:
            med = statistics.median(r["ready_s"] for r in runs)
            print(f"{project}: window ready median {med:.2f} s over {len(runs)} runs, peak RSS "
                  f"{max(r['maxrss_mb'] for r in runs):.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
