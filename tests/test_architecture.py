"""The layering rule of STYLE.md: core <- io <- ui <- app/cli; no Qt below ui/."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import reviewer

ROOT = Path(reviewer.__file__).parent


def _modules(package: str) -> list[str]:
    path = ROOT / package
    return [f"reviewer.{package}.{m.name}" for m in pkgutil.iter_modules([str(path)])]


def test_core_and_io_import_without_qt():
    mods = _modules("core") + _modules("io") + _modules("formats") + ["reviewer.cli",
                                                                       "reviewer.cli_formats"]
    code = ("import sys\n" + "".join(f"import {m}\n" for m in mods) +
            "bad = sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6')))\n"
            "print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"Qt imported by core/io/cli: {out.stdout}"


def _imports(file: Path) -> set[str]:
    tree = ast.parse(file.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative import inside the same package
                names.add(f"reviewer.{file.parent.name}")
            elif node.module:
                names.add(node.module)
    return names


def test_core_does_not_import_io_or_ui_and_io_does_not_import_ui():
    for layer, forbidden in (("core", ("reviewer.io", "reviewer.ui", "reviewer.app",
                                       "reviewer.formats")),
                             ("io", ("reviewer.ui", "reviewer.app")),
                             ("formats", ("reviewer.ui", "reviewer.app", "reviewer.cli"))):
        for file in (ROOT / layer).glob("*.py"):
            bad = [m for m in _imports(file) if m.startswith(forbidden)]
            assert not bad, f"{file.name} imports {bad}"


def test_every_package_is_listed_for_the_wheel():
    """pyproject lists packages explicitly (resources/ maps to reviewer.resources): none missing."""
    import pytest
    tomllib = pytest.importorskip("tomllib")
    config = tomllib.loads((ROOT.parent / "pyproject.toml").read_text())
    listed = set(config["tool"]["setuptools"]["packages"])
    found = {".".join(("reviewer",) + init.parent.relative_to(ROOT).parts)
             for init in ROOT.rglob("__init__.py")}
    assert found - listed == set()
