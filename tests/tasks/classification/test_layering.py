"""The classification engine is Qt-free and keeps to its layer (no ui, no app, no cli).

Two modules are the task's faces and sit one layer up: ``ui.py`` (the window's TaskView, named by
``Task.ui_module``, imported only by ``reviewer.ui``) and ``cli.py`` (the task's own commands, named
by ``Task.cli_module``). Each may reach its own layer and nothing above it.
"""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import reviewer.tasks.classification as pkg

ROOT = Path(pkg.__file__).parent
FACES = {"ui", "cli"}
MODULES = [f"reviewer.tasks.classification.{m.name}" for m in pkgutil.iter_modules([str(ROOT)])
           if m.name not in FACES]
ALLOWED = {"ui.py": ("reviewer.ui", "PySide6"), "cli.py": ("reviewer.cli",)}


def test_imports_without_qt():
    code = ("import sys\n" + "".join(f"import {m}\n" for m in MODULES) +
            "print(','.join(sorted(m for m in sys.modules if m.startswith(('PySide6', "
            "'shiboken6')))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
    assert len(MODULES) >= 10


def test_no_import_of_ui_app_or_cli():
    for file in ROOT.glob("*.py"):
        tree = ast.parse(file.read_text(encoding="utf-8"))
        names = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module]
        names += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        allowed = ALLOWED.get(file.name, ())
        bad = [m for m in names if m.startswith(("reviewer.ui", "reviewer.app", "reviewer.cli",
                                                  "PySide6", "cleanlab", "sklearn"))
               and not m.startswith(allowed)]
        assert bad == [], (file.name, bad)


def test_faces_are_named_by_the_task():
    from reviewer.tasks import get

    task = get("classification")
    assert task.ui_module == "reviewer.tasks.classification.ui"
    assert task.cli_module == "reviewer.tasks.classification.cli"
