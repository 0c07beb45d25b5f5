"""Run the real CLI where the machine says no: a full disk, a read-only file system, a folder
without write permission. No mocks: each case runs ``python -m reviewer.cli`` in a subprocess
inside a private mount / user namespace (``unshare``), so a tiny tmpfs or a read-only remount
exists for that process only and vanishes with it. Tests skip, saying why, where the kernel
allows no user namespaces.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _unshare(*flags: str) -> list[str]:
    exe = shutil.which("unshare")
    if exe is None:
        pytest.skip("needs util-linux's unshare")
    probe = subprocess.run([exe, *flags, "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"user namespaces unavailable here ({probe.stderr.decode().strip()})")
    return [exe, *flags]


def _cli(args) -> str:
    return " ".join(shlex.quote(str(a)) for a in [sys.executable, "-m", "reviewer.cli", *args])


def _run(prefix: list[str], script: str, cwd: Path, timeout: float):
    env = {**os.environ, "PYTHONPATH": str(REPO), "REVIEWER_LOCK_WAIT": "0"}
    return subprocess.run([*prefix, "sh", "-c", script], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=timeout)


def cli_on_small_disk(mount: Path, size_kb: int, args, cwd: Path, timeout: float = 120,
                      setup: str = "", read_only: bool = False):
    """Run the CLI with a ``size_kb`` tmpfs mounted at ``mount`` (``setup`` shell runs first,
    e.g. to copy a project there; ``read_only`` remounts it read-only before the CLI runs)."""
    prefix = _unshare("--user", "--map-root-user", "--mount")
    mount.mkdir(parents=True, exist_ok=True)
    remount = f"mount -o remount,ro {shlex.quote(str(mount))} && " if read_only else ""
    script = (f"mount -t tmpfs -o size={size_kb}k tmpfs {shlex.quote(str(mount))} && "
              f"{setup}{' && ' if setup else ''}{remount}{_cli(args)}; "
              f"echo \"exit=$?\"; echo \"files=$(cd {shlex.quote(str(mount))} && "
              "find . -mindepth 1 | sort | tr '\\n' ' ')\"")
    return _run(prefix, script, cwd, timeout)


def cli_without_permission(args, cwd: Path, timeout: float = 120):
    """Run the CLI as an unprivileged user (no root powers over the caller's files)."""
    prefix = _unshare("--user")
    return _run(prefix, _cli(args), cwd, timeout)
