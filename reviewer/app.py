"""The composition root: argv -> application, settings, window, controller -> event loop.

``run(project)`` is what ``reviewer`` / ``reviewer open`` call. With no project it opens the
bundled sample project (``sample_project/`` next to the package). Logging goes to
``<AppLocalDataLocation>/reviewer.log``; an uncaught exception is logged and shown in the error
dialog instead of killing the window.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
from pathlib import Path

import reviewer

log = logging.getLogger("reviewer")


def sample_project() -> Path | None:
    """The bundled demo project (next to the source tree), or None when not shipped."""
    path = Path(reviewer.__file__).resolve().parents[1] / "sample_project"
    return path if (path / "reviewer.json").is_file() else None


def log_file() -> Path:
    """Where the log goes (the platform's app-local data folder)."""
    from PySide6.QtCore import QStandardPaths
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppLocalDataLocation)
    return Path(base or Path.home() / ".reviewer") / "reviewer.log"


def setup_logging(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(path, encoding="utf-8")
    except OSError:
        handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def install_excepthook(window, dialogs) -> None:
    """Uncaught exceptions: logged, then shown in the error dialog (the window stays open)."""
    def hook(kind, value, tb):
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, value, tb)
            return
        details = "".join(traceback.format_exception(kind, value, tb))
        log.error("uncaught exception\n%s", details)
        try:
            dialogs.error(window, "Unexpected error", f"{kind.__name__}: {value}", details)
        except Exception:  # never recurse from the hook
            sys.__excepthook__(kind, value, tb)
    sys.excepthook = hook


def build(project=None, settings=None, dialogs=None, opener=None, grid: bool = False):
    """Window + controller, opening ``project`` (the sample project when None; ``grid``: in
    the grid of thumbnails)."""
    from reviewer.ui.controller import ReviewController
    from reviewer.ui.dialogs.factory import DialogFactory
    from reviewer.ui.loader import default_opener
    from reviewer.ui.main_window import MainWindow
    from reviewer.ui.settings import Settings
    window = MainWindow()
    dialogs = dialogs or DialogFactory(str(log_file()))
    controller = ReviewController(window, settings or Settings(), dialogs,
                                  opener or default_opener)
    controller.grid.enter_on_load = grid
    target = project if project is not None else sample_project()
    if target is not None:
        controller.open_project(str(target))
    return window, controller


def display_problem(env=None, find_library=None) -> str | None:
    """Why the window cannot open on this machine, in plain words, or None.

    Qt aborts the process (exit 134, with a hint about reinstalling the application) when Linux
    has no display or lacks the X libraries its xcb plugin needs; this says so first."""
    import ctypes.util
    env = os.environ if env is None else env
    find_library = find_library or ctypes.util.find_library
    if not sys.platform.startswith("linux"):
        return None
    platform = env.get("QT_QPA_PLATFORM", "")
    if platform and not platform.startswith(("xcb", "wayland")):
        return None  # offscreen, minimal, vnc, eglfs: no display needed or chosen on purpose
    if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        return ("the review window needs a display, and none is set (no DISPLAY or "
                "WAYLAND_DISPLAY). Run it on a desktop, over `ssh -X`, or under `xvfb-run`; "
                "everything else works without one: reviewer score / eval / stats / tag / "
                "export (see `reviewer --help`)")
    if env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY") and not platform.startswith("way"):
        missing = [lib for lib in ("xcb-cursor", "xkbcommon-x11") if find_library(lib) is None]
        if missing:
            packages = " ".join(f"lib{m}0" for m in missing)
            return (f"the review window needs the X libraries {', '.join(missing)}, which are not "
                    f"installed (Debian / Ubuntu: apt-get install {packages}); the command line "
                    "works without them")
    return None


def run(project=None, argv: list[str] | None = None, grid: bool = False) -> int:
    """Open the review window and run the event loop; returns the exit code."""
    problem = display_problem()
    if problem is not None:
        print(f"reviewer: {problem}", file=sys.stderr)
        return 2
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QApplication

    from reviewer.ui.settings import APPLICATION, ORGANIZATION
    QCoreApplication.setOrganizationName(ORGANIZATION)
    QCoreApplication.setApplicationName(APPLICATION)
    QCoreApplication.setApplicationVersion(reviewer.__version__)
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    setup_logging(log_file())
    log.info("Reviewer %s starting (project: %s)", reviewer.__version__, project)
    window, controller = build(project, grid=grid)
    install_excepthook(window, controller.dialogs)
    window.show()
    code = app.exec()
    log.info("Reviewer exiting (%s)", code)
    return int(code)
