"""`reviewer export` on a generated project: output files, the before/after line, refusals."""

from __future__ import annotations

import json

import pytest

from reviewer.cli import main
from reviewer.core import commands as C
from reviewer.io.session import open_session
from tests import synth


@pytest.fixture()
def project(tmp_path):
    gt, res = synth.make_dataset(11, 8, 3, 0.0, True, False, 6)
    g, p = synth.write(tmp_path, gt, res)
    (tmp_path / "img").mkdir()
    proj = tmp_path / "proj"
    assert main(["init", str(proj), "--images", str(tmp_path / "img"), "--gt", str(g),
                 "--pred", str(p), "-q"]) == 0
    return proj, gt, res


def _run(capsys, *argv) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_export_writes_everything_and_prints_before_after(project, tmp_path, capsys):
    proj, gt, res = project
    with open_session(proj) as s:
        a = gt["annotations"][0]
        other = next(c["id"] for c in gt["categories"] if c["id"] != a["category_id"])
        s.history.execute(C.Relabel(a["image_id"], a["id"], {"category_id": a["category_id"]},
                                    {"category_id": other}))
    out = tmp_path / "out"
    code, stdout, err = _run(capsys, "export", proj, "--out", out, "-q")
    assert code == 0, err
    names = {p.name for p in out.iterdir()}
    assert names == {"gt.json", "changes.csv", "tag_stats.csv", "tag_stats.json",
                     "metrics.json", "report.html"}
    metrics = json.loads((out / "metrics.json").read_text())
    fixed = json.loads((out / "gt.json").read_text())
    before, after = synth.oracle(gt, res).stats[0], synth.oracle(fixed, res).stats[0]
    assert f"AP (bbox) before {before:.3f} -> after {after:.3f}" in stdout
    assert metrics["metric_before"] == pytest.approx(before)


def test_export_refuses_a_non_empty_folder_and_unknown_tags(project, tmp_path, capsys):
    proj, _, _ = project
    out = tmp_path / "out"
    out.mkdir()
    (out / "x.txt").write_text("keep")
    code, _, err = _run(capsys, "export", proj, "--out", out, "-q")
    assert code == 2 and "not empty" in err and "--force" in err
    assert (out / "x.txt").read_text() == "keep"
    code, _, err = _run(capsys, "export", proj, "--out", tmp_path / "o2", "--tags", "nope", "-q")
    assert code == 2 and "unknown tag 'nope'" in err
    assert not (tmp_path / "o2").exists()
    code, _, err = _run(capsys, "export", proj, "--out", out, "--force", "-q")
    assert code == 0, err
    assert not (out / "x.txt").exists() and (out / "report.html").is_file()


def test_export_only_reviewed_with_tags(project, tmp_path, capsys):
    proj, gt, _ = project
    ids = [im["id"] for im in gt["images"]]
    assert _run(capsys, "status", proj, ids[1], "reviewed", "-q")[0] == 0
    assert _run(capsys, "status", proj, ids[2], "reviewed", "-q")[0] == 0
    assert _run(capsys, "tag", proj, ids[2], "blur", "-q")[0] == 0
    assert _run(capsys, "tag", proj, ids[3], "blur", "-q")[0] == 0
    out = tmp_path / "out"
    code, _, err = _run(capsys, "export", proj, "--out", out, "--only-reviewed", "--tags",
                        "blur,night", "-q")
    assert code == 2 and "night" in err  # unknown tag
    code, stdout, err = _run(capsys, "export", proj, "--out", out, "--only-reviewed", "--tags",
                             "blur", "--no-report", "-q")
    assert code == 0, err
    fixed = json.loads((out / "gt.json").read_text())
    assert [im["id"] for im in fixed["images"]] == [ids[2]]
    assert not (out / "report.html").exists()
    assert "exported 1 images" in stdout
