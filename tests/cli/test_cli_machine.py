"""The CLI when the machine refuses: full disk, read-only file system, no permission.

Every case runs the real CLI in a subprocess (tests/sandbox.py): it must end with exit 2 and a
message that says what is wrong, never a traceback, never "damaged" for an intact store, and it
must leave nothing half-made behind.
"""

from __future__ import annotations

import re
import shlex
import shutil

import pytest

from reviewer.cli import main
from tests import sandbox, synth


@pytest.fixture()
def project(tmp_path):
    proj, g, p, gt, res = synth.init_project(tmp_path, 3, 20)
    return proj, g, p


def _outcome(done) -> tuple[int, list[str]]:
    exit_code = int(re.search(r"^exit=(\d+)$", done.stdout, re.M)[1])
    files = re.search(r"^files=(.*)$", done.stdout, re.M)[1].split()
    return exit_code, files


def _clear(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    assert stderr.startswith("reviewer: error:"), stderr
    return stderr


def test_export_on_a_full_disk_says_so_and_leaves_nothing(project, tmp_path):
    proj, _, _ = project
    mount = tmp_path / "small"
    done = sandbox.cli_on_small_disk(mount, 48, ["export", proj, "--out", mount / "out", "-q"],
                                     cwd=tmp_path)
    code, files = _outcome(done)
    err = _clear(done.stderr)
    assert code == 2 and "No space left on device" in err and "free some space" in err
    assert "nothing was written there" in err
    assert files == []  # no staging folder, no half export


def test_init_on_a_read_only_file_system_writes_nothing_and_says_why(project, tmp_path):
    _, g, p = project
    mount = tmp_path / "ro"
    done = sandbox.cli_on_small_disk(
        mount, 1024, ["init", mount / "proj", "--images", tmp_path / "img", "--gt", g, "--pred", p,
                      "-q"], cwd=tmp_path, setup=f"mkdir {shlex.quote(str(mount / 'proj'))}",
        read_only=True)
    code, files = _outcome(done)
    err = _clear(done.stderr)
    assert code == 2 and "cannot write" in err and "Read-only file system" in err
    assert files == ["./proj"]


def test_init_without_permission_says_so(project, tmp_path):
    _, g, p = project
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    done = sandbox.cli_without_permission(
        ["init", locked / "proj", "--images", tmp_path / "img", "--gt", g, "--pred", p, "-q"],
        cwd=tmp_path)
    locked.chmod(0o755)
    err = _clear(done.stderr)
    assert done.returncode == 2 and "Permission denied" in err
    assert list(locked.iterdir()) == []


def _with_store(project) -> tuple:
    """The project with one tag in its store, and the shell line that copies it with its
    inputs (relative paths in reviewer.json stay valid) into a folder ``$1``."""
    proj, g, p = project
    assert main(["tag", str(proj), "img_000", "blur", "-q"]) == 0
    parts = " ".join(shlex.quote(str(x)) for x in (proj, g, p, proj.parent / "img"))
    return proj, parts


def test_a_read_only_project_folder_is_not_called_a_damaged_store(project, tmp_path):
    proj, parts = _with_store(project)
    mount = tmp_path / "ro"
    setup = f"cp -a {parts} {shlex.quote(str(mount))}"
    args = lambda *a: [a[0], mount / proj.name, *a[1:]]  # noqa: E731
    done = sandbox.cli_on_small_disk(mount, 4096, args("tag", "img_000", "dark", "-q"),
                                     cwd=tmp_path, setup=setup, read_only=True)
    err = _clear(done.stderr)
    assert _outcome(done)[0] == 2 and "read-only" in err and "damaged" not in err
    assert "move it away" not in err
    done = sandbox.cli_on_small_disk(mount, 4096, args("stats", "--json", "-q"), cwd=tmp_path,
                                     setup=setup, read_only=True)
    assert _outcome(done)[0] == 0, done.stderr
    assert '"blur"' in done.stdout


def test_a_full_disk_is_not_called_a_damaged_store(project, tmp_path):
    proj, parts = _with_store(project)
    size = sum(f.stat().st_size for f in proj.parent.rglob("*") if f.is_file()) // 1024 + 600
    mount = tmp_path / "full"
    q = shlex.quote
    setup = (f"cp -a {parts} {q(str(mount))} && "
             f"(head -c {size * 1024} /dev/zero > {q(str(mount / 'fill'))} 2>/dev/null || true)")
    done = sandbox.cli_on_small_disk(mount, size, ["tag", mount / proj.name, "img_000", "dark",
                                                   "-q"], cwd=tmp_path, setup=setup)
    err = _clear(done.stderr)
    assert _outcome(done)[0] == 2 and "full" in err and "damaged" not in err, err
    assert "move it away" not in err


def test_missing_tools_skip_with_a_reason():
    assert shutil.which("sh") is not None  # the sandbox runs its scripts with sh
