"""The classification package is Qt-free and keeps to its layer (no ui, no app, no cli)."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import reviewer.tasks.classification as pkg

ROOT = Path(pkg.__file__).parent
MODULES = [f"reviewer.tasks.classification.{m.name}" for m in pkgutil.iter_modules([str(ROOT)])]


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
        bad = [m for m in names if m.startswith(("reviewer.ui", "reviewer.app", "reviewer.cli",
                                                  "PySide6", "cleanlab", "sklearn"))]
        assert bad == [], (file.name, bad)
