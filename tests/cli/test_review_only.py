"""Review-state commands (`tag`, `status`, `assign`, `next`, `progress`) without loading the
project (io/review_only.py): the same output and the same store rows as a full opening, and a
full opening whenever one has more to say."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3

import pytest

from reviewer import tasks
from reviewer.cli import main
from tests import synth

# columns that differ between two runs of the same commands (clock, process)
_VOLATILE = {"at", "created", "session", "vocabulary_seeded", "removed_at", "status_at",
             "lease_session", "lease_until"}


def _rows(project) -> dict:
    db = sqlite3.connect(project / "review.sqlite")
    try:
        out = {}
        for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                   "ORDER BY name"):
            cur = db.execute(f"SELECT * FROM {table}")
            names = [d[0] for d in cur.description]
            rows = []
            for r in cur.fetchall():
                row = dict(zip(names, r, strict=True))
                if table == "meta" and row["key"] in _VOLATILE:
                    row["value"] = None
                rows.append({k: None if k in _VOLATILE else v for k, v in row.items()})
            out[table] = rows
        return out
    finally:
        db.close()


class Loads:
    """Counts the task plug-ins' loads."""

    def __init__(self, monkeypatch):
        self.n = 0
        for t in tasks.all_tasks():
            original = type(t).open

            def counted(plugin, *args, _original=original, **kwargs):
                self.n += 1
                return _original(plugin, *args, **kwargs)
            monkeypatch.setattr(type(t), "open", counted)


def _run(capsys, project, *argv) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main([str(a) for a in (argv[0], project, *argv[1:])])
    out = capsys.readouterr()
    def plain(text: str) -> str:  # the project's path and the clock apart
        return _TIME.sub("T", text.replace(str(project), "P"))
    return code, plain(out.out), plain(out.err)


_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(\+\d\d:\d\d)?")


SCRIPT = [
    ("tag", "img_000.jpg", "night"),
    ("tag", "16", "Night", "rain"),
    ("tag", "img_005", "rain"),            # a stem
    ("tag", "16", "rain", "fog", "--remove"),  # fog: not carried (a message)
    ("tag", "no_such.jpg", "x"),           # unknown image: exit 2
    ("status", "7", "reviewed"),
    ("status", "img_003.jpg", "needs-second-look"),
    ("status", "img_003.jpg", "needs-second-look"),  # unchanged: nothing journalled
    ("status", "404", "reviewed"),
    ("assign", "--to", "alice,bob", "--rank", "1-5"),
    ("assign", "--clear", "--images", "img_001.jpg"),
    ("assign", "--to", "carol", "--images", "no_such"),
    ("next",),
    ("progress", "--json"),
]


@pytest.fixture()
def twins(tmp_path):
    """Two copies of one project, each opened once for writing (review keys adopted, the
    inputs' fingerprints recorded)."""
    proj, *_ = synth.init_project(tmp_path, 11, 12)
    twin = tmp_path / "twin"
    shutil.copytree(proj, twin)
    for p in (proj, twin):
        assert main(["status", str(p), "7", "unreviewed", "-q"]) == 0
    return proj, twin


def test_same_output_and_store_rows_as_a_full_opening(twins, monkeypatch, capsys):
    full, light = twins
    monkeypatch.setenv("REVIEWER_USER", "ann")
    with monkeypatch.context() as m:
        m.setenv("REVIEWER_NO_CACHE", "1")
        expected = [_run(capsys, full, *argv) for argv in SCRIPT]
    loads = Loads(monkeypatch)
    got = [_run(capsys, light, *argv) for argv in SCRIPT]
    assert loads.n == 0  # not one load: every command ran on the cached table
    for argv, e, g in zip(SCRIPT, expected, got, strict=True):
        assert g == e, argv
    assert [code for code, _, _ in got] == [0, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 2, 0, 0]
    assert "no image 'no_such.jpg' in the project" in got[4][2]
    assert _rows(light) == _rows(full)
    assert json.loads(got[-1][1])["images"] == 12


def test_a_changed_input_opens_the_project_and_says_so(twins, monkeypatch, capsys):
    _, proj = twins
    gt = proj.parent / "gt.json"
    data = json.loads(gt.read_text())
    data["annotations"] = data["annotations"][1:]
    gt.write_text(json.dumps(data))
    loads = Loads(monkeypatch)
    code, out, err = _run(capsys, proj, "tag", "7", "blur")
    assert code == 0 and out == "image 7: blur\n"
    assert loads.n == 1 and "note: detection.gt changed since the last opening" in err
    code, _, err = _run(capsys, proj, "tag", "7", "fog")
    assert code == 0 and loads.n == 1 and "changed since" not in err  # recorded: no load again


def test_conflicts_are_reported_as_a_full_opening_reports_them(twins, monkeypatch, capsys):
    from reviewer.core import commands as C
    from reviewer.io.session import open_session
    _, proj = twins
    with open_session(proj) as s:
        row = [i for i, n in enumerate(s.data.table["gt"].tolist()) if n > 0][0]
        image = s.data.table["image_id"][row]
        ann = int(s.document.base.gt.ids[s.document.base.gt.image_index == row][0])
        s.history.execute(C.DeleteObject(image, s.document.gt_object(ann)))
    gt = proj.parent / "gt.json"
    data = json.loads(gt.read_text())
    data["annotations"] = [a for a in data["annotations"] if a["id"] != ann]
    gt.write_text(json.dumps(data))
    code, _, err_full = _run(capsys, proj, "status", "7", "reviewed")  # full: sets it aside
    assert code == 0 and "1 correction no longer fit" in err_full
    with monkeypatch.context() as m:
        m.setenv("REVIEWER_NO_CACHE", "1")
        expected = _run(capsys, proj, "status", "7", "reviewed")  # full, nothing new
    loads = Loads(monkeypatch)
    got = _run(capsys, proj, "status", "7", "reviewed")
    assert loads.n == 0 and got == expected
    assert got[2].startswith("note: 1 correction no longer fit the ground truth and was set "
                             "aside (not applied)")


HEAVY = ("pandas", "matplotlib", "numba", "PySide6", "pycocotools", "scipy", "sklearn", "PIL",
         "cv2", "pyarrow", "orjson", "psygnal")
LOADING = ("reviewer.io.coco", "reviewer.io.coco_fast", "reviewer.core.document",
           "reviewer.core.cocoeval", "reviewer.core.matching", "reviewer.core.tide",
           "reviewer.core.reports", "reviewer.io.stats", "reviewer.cli_compare",
           "reviewer.cli_export", "reviewer.core.bootstrap")


def test_review_state_commands_import_neither_loaders_nor_heavy_libraries(twins):
    """What `tag`, `status`, `next` and `progress` import, in a fresh interpreter: numpy, the
    store and the cache reader, not the task loaders, the metrics or the heavy libraries
    (imports are most of such a command's time)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    import reviewer
    proj, _ = twins
    script = (
        "import json, sys\n"
        "from reviewer.cli import main\n"
        f"p = {str(proj)!r}\n"
        "codes = [main(['tag', p, '7', 'blur', '-q']), main(['status', p, 'img_003.jpg', "
        "'reviewed', '-q']), main(['next', p, '-q']), main(['progress', p, '-q'])]\n"
        f"names = {HEAVY + LOADING!r}\n"
        "print(json.dumps({'codes': codes, 'loaded': [n for n in names if n in sys.modules]}))\n")
    root = str(Path(reviewer.__file__).resolve().parents[1])
    env = {k: v for k, v in os.environ.items() if k != "REVIEWER_NO_CACHE"}
    env["PYTHONPATH"] = root
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, cwd=root, timeout=120, check=True)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report == {"codes": [0, 0, 0, 0], "loaded": []}
    assert "image 7: blur" in done.stdout  # the commands did their work
