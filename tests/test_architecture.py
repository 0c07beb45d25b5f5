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


def _task_modules() -> list[str]:
    """Every module of the task plug-ins but their ``ui`` modules (the window's part)."""
    out = ["reviewer.tasks"] + _modules("tasks")
    for pkg in (ROOT / "tasks").iterdir():
        if (pkg / "__init__.py").is_file():
            out += [f"reviewer.tasks.{pkg.name}.{m.name}"
                    for m in pkgutil.iter_modules([str(pkg)]) if m.name != "ui"]
    return out


def test_core_and_io_import_without_qt():
    mods = _modules("core") + _modules("io") + _task_modules() + _modules("formats") + \
        ["reviewer.cli"]
    code = ("import sys\n" + "".join(f"import {m}\n" for m in mods) +
            "bad = sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6')))\n"
            "print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"Qt imported by core/io/tasks/cli: {out.stdout}"


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
                                       "reviewer.tasks", "reviewer.formats")),
                             ("io", ("reviewer.ui", "reviewer.app")),
                             ("formats", ("reviewer.ui", "reviewer.app", "reviewer.cli"))):
        for file in (ROOT / layer).glob("*.py"):
            bad = [m for m in _imports(file) if m.startswith(forbidden)]
            assert not bad, f"{file.name} imports {bad}"
    for file in (ROOT / "tasks").rglob("*.py"):  # a task's window part lives in its ui.py only
        if file.name != "ui.py":
            bad = [m for m in _imports(file) if m.startswith(("reviewer.ui", "reviewer.app"))]
            assert not bad, f"{file.relative_to(ROOT)} imports {bad}"


_COCO_KEYS = {"segmentation"}  # also an annotation key of COCO files: obj["segmentation"]


def _task_name_uses(file: Path, names: set[str]) -> list[str]:
    """Places in ``file`` that branch on or enumerate task names: an ``==`` / ``!=`` with a
    task-name string, a tuple / list / set literal holding two or more of them, a subscript by
    one (COCO's ``"segmentation"`` key excepted)."""
    tree = ast.parse(file.read_text(encoding="utf-8"))
    found = []

    def is_name(node, keys_too: bool = True) -> bool:
        return isinstance(node, ast.Constant) and node.value in names and \
            (keys_too or node.value not in _COCO_KEYS)

    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and \
                any(isinstance(op, ast.Eq | ast.NotEq) for op in node.ops) and \
                any(is_name(n) for n in [node.left, *node.comparators]):
            found.append(f"line {node.lineno}: comparison with a task name")
        elif isinstance(node, ast.Tuple | ast.List | ast.Set) and \
                sum(is_name(e) for e in node.elts) >= 2:
            found.append(f"line {node.lineno}: a list of task names")
        elif isinstance(node, ast.Subscript) and is_name(node.slice, keys_too=False):
            found.append(f"line {node.lineno}: indexed by a task name")
    return found


def test_task_names_are_only_spoken_inside_the_task_packages():
    """Code outside reviewer/tasks asks the task plug-in (``reviewer.tasks.get(name)``) instead
    of branching on its name: adding a task is one package plus its registration."""
    from reviewer import tasks
    names = set(tasks.names())
    offenders = {}
    for file in ROOT.rglob("*.py"):
        if "tasks" in file.relative_to(ROOT).parts[:1]:
            continue
        uses = _task_name_uses(file, names)
        if uses:
            offenders[str(file.relative_to(ROOT))] = uses
    assert offenders == {}


def test_every_package_is_listed_for_the_wheel():
    """pyproject lists packages explicitly (resources/ maps to reviewer.resources): none missing."""
    import pytest
    tomllib = pytest.importorskip("tomllib")
    config = tomllib.loads((ROOT.parent / "pyproject.toml").read_text())
    listed = set(config["tool"]["setuptools"]["packages"])
    found = {".".join(("reviewer",) + init.parent.relative_to(ROOT).parts)
             for init in ROOT.rglob("__init__.py")}
    assert found - listed == set()
