"""`reviewer tag`, `reviewer status` and `reviewer stats` on generated and sample projects."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from reviewer.cli import main
from reviewer.core import commands as C
from reviewer.io.semantic import read_pair
from reviewer.io.session import open_session
from tests import synth

SAMPLE = Path(__file__).resolve().parents[2] / "sample_project"


@pytest.fixture()
def generated(tmp_path):
    """A detection project from generated COCO data; returns (project, gt, results).

    Images 7, 16, 19 and 31 (img_000, 003, 004, 008) get perfect predictions: error 0.
    """
    gt, res = synth.make_dataset(31, 12, 3, 0.0, True, False, 6)
    perfect = {7, 16, 19, 31}
    res = [r for r in res if r["image_id"] not in perfect]
    res += [{"image_id": a["image_id"], "category_id": a["category_id"], "bbox": a["bbox"],
             "score": 1.0} for a in gt["annotations"] if a["image_id"] in perfect]
    g, p = synth.write(tmp_path, gt, res)
    (tmp_path / "img").mkdir()
    project = tmp_path / "proj"
    assert main(["init", str(project), "--images", str(tmp_path / "img"), "--gt", str(g),
                 "--pred", str(p), "--score-threshold", "0", "-q"]) == 0
    return project, gt, res


def _run(capsys, *argv) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def _stats(capsys, project, *extra) -> dict:
    code, out, _ = _run(capsys, "stats", project, "--json", "-q", *extra)
    assert code == 0
    return json.loads(out)


def _subset(gt, res, keep):
    sub = dict(gt, images=[im for im in gt["images"] if im["id"] in keep],
               annotations=[a for a in gt["annotations"] if a["image_id"] in keep])
    return sub, [r for r in res if r["image_id"] in keep]


def test_stats_json_after_tag_and_status_equals_the_oracle(generated, capsys):
    project, gt, res = generated
    ids = [im["id"] for im in gt["images"]]  # img_000.jpg has id 7, img_003.jpg id 16
    code, out, err = _run(capsys, "tag", project, "img_000.jpg", "night")
    assert code == 0 and "night" in out and "vocabulary" in err
    assert _run(capsys, "tag", project, "16", "Night", "rain")[0] == 0
    assert _run(capsys, "tag", project, "img_005", "rain")[0] == 0  # stem of img_005.jpg
    assert _run(capsys, "status", project, "7", "reviewed")[0] == 0
    assert _run(capsys, "status", project, "img_003.jpg", "reviewed")[0] == 0
    payload = _stats(capsys, project)

    counts = synth.per_image_counts(synth.oracle(gt, res, "bbox", [0.5]))
    error = {i: fp + fn for i, (_, fp, fn) in counts.items()}
    bad = {i for i in ids if error[i] > 0}
    assert bad == set(ids) - {7, 16, 19, 31}
    assert payload["images"] == 12 and payload["reviewed"] == 2
    assert payload["population"] == "all" and payload["erroneous_images"] == len(bad)
    assert payload["metric_overall"] == pytest.approx(synth.oracle(gt, res).stats[0], abs=1e-12)
    for name, members, n_bad in (("night", {7, 16}, 0), ("rain", {16, ids[5]}, 1)):
        tag = payload["tags"][name]
        assert tag["images"] == 2 and tag["share_of_images"] == 2 / 12
        assert tag["erroneous_images"] == len(members & bad) == n_bad
        assert tag["error_rate"] == n_bad / 2
        assert tag["share_of_errors"] == n_bad / len(bad)
        assert tag["mean_error"] == pytest.approx(np.mean([error[i] for i in members]))
        ref = synth.oracle(*_subset(gt, res, members))
        assert tag["metric"] == pytest.approx(ref.stats[0], abs=1e-12)
        assert tag["AP50"] == pytest.approx(ref.stats[1], abs=1e-12)
    assert payload["cooccurrence"]["night"]["rain"] == 1
    assert payload["tags"]["blur"]["images"] == 0  # vocabulary tags are all listed

    strict = _stats(capsys, project, "--error-threshold", "3")
    assert strict["erroneous_images"] == sum(error[i] > 3 for i in ids)
    assert strict["tags"]["rain"]["erroneous_images"] == int(error[ids[5]] > 3)

    reviewed = _stats(capsys, project, "--reviewed-only")
    assert reviewed["population"] == "reviewed" and reviewed["population_images"] == 2
    assert reviewed["tags"]["night"]["share_of_images"] == 1.0
    assert reviewed["tags"]["rain"]["images"] == 1 and reviewed["tags"]["rain"]["images_all"] == 2
    ref = synth.oracle(*_subset(gt, res, {7, 16}))
    assert reviewed["metric_overall"] == pytest.approx(ref.stats[0], abs=1e-12)


def test_tag_survives_a_restart_and_is_undoable(generated, capsys):
    project, _, _ = generated
    assert _run(capsys, "tag", project, "7", "blur", "occlusion")[0] == 0
    assert _run(capsys, "tag", project, "7", "occlusion", "--remove")[0] == 0
    code, _, err = _run(capsys, "tag", project, "7", "glare", "--remove")
    assert code == 0 and "does not carry" in err
    with open_session(project) as s:
        assert s.store.image_tags("7") == {"blur"}
        assert [c.kind for c in s.history.commands()] == ["set_image_tags", "set_image_tags"]
        s.history.undo()  # the removal
        assert s.store.image_tags("7") == {"blur", "occlusion"}
    assert _stats(capsys, project)["tags"]["occlusion"]["images"] == 1


def test_unknown_image_or_bad_tag_exits_2_with_a_clear_message(generated, capsys):
    project, _, _ = generated
    code, _, err = _run(capsys, "tag", project, "no_such.jpg", "blur")
    assert code == 2 and "no image 'no_such.jpg'" in err and "Traceback" not in err
    code, _, err = _run(capsys, "status", project, "12345", "reviewed")
    assert code == 2 and "12345" in err
    assert _run(capsys, "tag", project, "7", "   ")[0] == 2
    assert _run(capsys, "stats", project.parent / "nowhere")[0] == 2
    with pytest.raises(SystemExit):
        main(["status", str(project), "7", "done"])


def test_a_project_open_elsewhere_is_refused_not_crashed(generated, capsys, monkeypatch):
    monkeypatch.setenv("REVIEWER_LOCK_WAIT", "0.2")
    project, _, _ = generated
    with open_session(project):
        code, _, err = _run(capsys, "tag", project, "7", "blur")
        assert code == 2 and "another Reviewer" in err
        assert _run(capsys, "stats", project, "-q")[0] == 0  # stats reads without the lock


def test_corrections_are_counted_per_tag_from_the_journal(generated, capsys):
    project, gt, _ = generated
    assert _run(capsys, "tag", project, "7", "label wrong")[0] == 0
    assert _run(capsys, "tag", project, "10", "label wrong", "blur")[0] == 0
    ann = {a["image_id"]: a for a in gt["annotations"]}
    new = {"id": 9001, "category_id": gt["categories"][0]["id"], "bbox": [1, 1, 5, 5],
           "area": 25.0, "iscrowd": 0}
    with open_session(project) as s:
        s.history.execute(C.DeleteObject(7, s.document.gt_object(ann[7]["id"])))
        s.history.execute(C.Macro(None, "two images", (
            C.AddObject(7, new), C.AddObject(10, dict(new, id=9002)),
            C.SetStatus(10, "unreviewed", "reviewed"))))
        s.history.execute(C.AddObject(10, dict(new, id=9003)))
        s.history.undo()  # an undone correction is not a correction
    payload = _stats(capsys, project)
    assert payload["tags"]["label wrong"]["corrections"] == 3  # image 7: 2, image 10: 1
    assert payload["tags"]["blur"]["corrections"] == 1
    assert payload["cooccurrence"]["blur"]["label wrong"] == 1


def test_text_table_lists_tagged_tags(generated, capsys):
    project, _, _ = generated
    assert _run(capsys, "tag", project, "7", "blur")[0] == 0
    code, out, _ = _run(capsys, "stats", project, "-q")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("detection: 12 images, 0 reviewed")
    assert lines[2].split()[:2] == ["tag", "images"]
    assert lines[3].split()[:3] == ["blur", "1", "8.3%"]
    assert "carry no image" in lines[-1]


def _numpy_iou(pairs, k, ignore):
    """(K,) class IoU over the pairs' pixels, nan for ignore / absent classes."""
    iou = np.full(k, np.nan)
    for c in range(k):
        if c == ignore:
            continue
        inter = union = 0
        for gt, pred in pairs:
            valid = (gt != ignore) & (gt < k)
            g, p = (gt == c) & valid, (pred == c) & valid
            inter += int((g & p).sum())
            union += int((g | p).sum())
        if union:
            iou[c] = inter / union
    return iou


def test_segmentation_stats_equal_a_numpy_confusion(tmp_path, capsys):
    project = tmp_path / "sample"
    shutil.copytree(SAMPLE, project,
                    ignore=shutil.ignore_patterns("review.sqlite*", "*.py", "__pycache__"))
    with open_session(project, "segmentation") as s:
        order = np.argsort(s.document.table["error"], kind="stable")
        members = [str(s.document.image_ids[r]) for r in (order[-1], order[-2], order[0])]
    for name in members:
        assert _run(capsys, "tag", project, name, "poor lighting", "--task", "segmentation")[0] == 0
    payload = _stats(capsys, project, "--task", "segmentation")
    assert payload["task"] == "segmentation" and payload["metric_name"] == "mIoU"
    with open_session(project, "segmentation", read_only=True) as s:
        ds = s.data.dataset
        rows = [s.document.image_row(m) for m in members]
        pairs = [read_pair(ds, i)[:2] for i in range(len(ds.images.ids))]
        error = s.document.table["error"]
    k, ignore = len(ds.class_names), ds.ignore_index
    tag = payload["tags"]["poor lighting"]
    pop = _numpy_iou(pairs, k, ignore)
    rest = _numpy_iou([q for r, q in enumerate(pairs) if r not in rows], k, ignore)
    assert tag["metric"] == pytest.approx(np.nanmean(_numpy_iou([pairs[r] for r in rows], k,
                                                                ignore)))
    assert tag["metric_overall"] == pytest.approx(np.nanmean(pop))
    room = np.nanmean(np.where(np.isnan(rest), pop, rest)) - np.nanmean(pop)
    assert tag["room_for_improvement"] == pytest.approx(room) and room > 0
    bad = error > 0.1
    assert payload["error_threshold"] == 0.1 and payload["erroneous_images"] == int(bad.sum())
    assert tag["error_rate"] == pytest.approx(2 / 3) and bad[rows].sum() == 2


def test_parallel_writers_take_turns_instead_of_failing(generated):
    """Eight `reviewer tag` processes at once: each waits for the writer lock, all succeed."""
    project, gt, _ = generated
    ids = [im["id"] for im in gt["images"]][:8]
    procs = [subprocess.Popen([sys.executable, "-m", "reviewer.cli", "tag", str(project),
                               str(i), f"tag {k}", "-q"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True,
                              env={**os.environ, "REVIEWER_LOCK_WAIT": "60"})
             for k, i in enumerate(ids)]
    results = [(p.wait(timeout=120), p.stderr.read()) for p in procs]
    for p in procs:
        p.stdout.close()
        p.stderr.close()
    assert [code for code, _ in results] == [0] * 8, results
    with open_session(project, read_only=True) as s:
        tags = s.store.all_image_tags()
    assert {k: tags[str(i)] for k, i in enumerate(ids)} == {k: {f"tag {k}"}
                                                           for k in range(8)}


def test_a_new_tag_from_the_command_line_takes_the_next_free_number_key(generated, capsys):
    from reviewer.core.tag_keys import next_free_digit
    project, _, _ = generated
    with open_session(project) as s:  # free one number key: remove a keyed tag
        keyed = next(t for t in s.store.vocabulary() if t.hotkey == "3")
        s.store.remove_tag(keyed.name)
        expected = next_free_digit(s.store.vocabulary())
    assert expected == "3"
    code, _, err = _run(capsys, "tag", project, "7", "fog on the lens")
    assert code == 0 and f"(number key {expected})" in err
    with open_session(project, read_only=True) as s:
        assert s.store.vocabulary()["fog on the lens"].hotkey == expected
