"""`reviewer export` on a generated project: output files, the before/after line, refusals."""

from __future__ import annotations

import csv
import json

import pytest

from reviewer.cli import main
from reviewer.core import commands as C
from reviewer.io.session import open_session
from tests import synth


@pytest.fixture()
def project(tmp_path):
    proj, g, p, gt, res = synth.init_project(tmp_path, 11, 8)
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
    assert names == {".reviewer-export.json", "gt.json", "changes.csv", "tag_stats.csv", "tag_stats.json",
                     "metrics.json", "report.html", "loss_report.json"}
    loss = json.loads((out / "loss_report.json").read_text())
    assert loss["formats"]["coco"]["lost"] == [] and loss["formats"]["coco"]["lossless"]
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
    for force in ((), ("--force",)):
        code, _, err = _run(capsys, "export", proj, "--out", out, *force, "-q")
        assert code == 2 and "not empty" in err and "not made by a Reviewer export" in err
        assert (out / "x.txt").read_text() == "keep"
    code, _, err = _run(capsys, "export", proj, "--out", tmp_path / "o2", "--tags", "nope", "-q")
    assert code == 2 and "unknown tag 'nope'" in err
    assert not (tmp_path / "o2").exists()
    o3 = tmp_path / "o3"
    assert _run(capsys, "export", proj, "--out", o3, "-q")[0] == 0
    code, _, err = _run(capsys, "export", proj, "--out", o3, "-q")
    assert code == 2 and "--force" in err
    code, _, err = _run(capsys, "export", proj, "--out", o3, "--force", "-q")
    assert code == 0, err
    assert (o3 / "report.html").is_file()


def _tree(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


@pytest.mark.parametrize("target", ["project", "parent", "images", "gt_file", "gt_folder",
                                    "inside_project", "empty", "cwd", "root", "home"])
def test_export_force_never_deletes_what_it_did_not_export(project, tmp_path, capsys,
                                                           monkeypatch, target):
    proj, _, _ = project
    monkeypatch.chdir(tmp_path / "img")
    before = _tree(tmp_path)
    out = {"project": proj, "parent": tmp_path, "images": tmp_path / "img",
           "gt_file": tmp_path / "gt.json", "gt_folder": tmp_path,
           "inside_project": proj / "export", "empty": "", "cwd": ".", "root": "/",
           "home": "~"}[target]
    code, stdout, err = _run(capsys, "export", proj, "--out", out, "--force", "-q")
    assert code == 2, (stdout, err)
    assert err.startswith("reviewer: error:") and "Traceback" not in err
    assert "refusing" in err or "not a folder" in err
    assert _tree(tmp_path) == before


def test_export_cleans_what_a_killed_export_left(project, tmp_path, capsys):
    proj, _, _ = project
    out = tmp_path / "out"
    assert _run(capsys, "export", proj, "--out", out, "-q")[0] == 0
    # a kill between the two renames of a --force export: OUT renamed aside, new one not in yet
    aside = tmp_path / ".out.old-999999999-0123456789ab"
    out.rename(aside)
    half = tmp_path / ".out.export-999999999-ba9876543210"
    half.mkdir()
    (half / "gt.json").write_text("{")
    code, _, err = _run(capsys, "export", proj, "--out", out, "--force")
    assert code == 0, err
    assert "restored out from an interrupted export's backup" in err
    assert "removed .out.export-999999999-ba9876543210" in err
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".out")) == []


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


def test_csv_cells_that_a_spreadsheet_would_run_are_escaped(project, tmp_path, capsys):
    proj, gt, _ = project
    evil = "=cmd|' /C calc'!A0"
    image = gt["images"][0]["id"]
    assert _run(capsys, "tag", proj, image, evil, "-q")[0] == 0
    assert _run(capsys, "tag", proj, image, "@SUM(1)", "-q")[0] == 0
    out = tmp_path / "out"
    assert _run(capsys, "export", proj, "--out", out, "-q")[0] == 0
    for name in ("changes.csv", "tag_stats.csv"):
        text = (out / name).read_text(encoding="utf-8")
        cells = [c for row in csv.reader(text.splitlines()) for c in row]
        assert "'" + evil in cells and "'@SUM(1)" in cells, name
        assert not any(c.startswith(("=", "+", "@")) for c in cells), name


def test_score_csv_escapes_file_names_a_spreadsheet_would_run(tmp_path, capsys):
    gt, res = synth.make_dataset(5, 3, 2, 0.0, True, False, 4)
    gt["images"][0]["file_name"] = "=HYPERLINK(1)"
    g, p = synth.write(tmp_path, gt, res)
    (tmp_path / "img").mkdir()
    proj = tmp_path / "proj"
    assert main(["init", str(proj), "--images", str(tmp_path / "img"), "--gt", str(g),
                 "--pred", str(p), "-q"]) == 0
    out = tmp_path / "scores.csv"
    assert main(["score", str(proj), "--csv", str(out), "-q"]) == 0
    cells = [c for row in csv.reader(out.read_text().splitlines()) for c in row]
    assert "'=HYPERLINK(1)" in cells and "=HYPERLINK(1)" not in cells
