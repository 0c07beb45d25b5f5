"""The project cache (io/task_cache.py): a hit gives exactly what a cold load gives; any change of
an input, a setting or the code is a miss; a damaged cache is rebuilt with a note."""

from __future__ import annotations

import dataclasses
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from reviewer import tasks
from reviewer.cli import main
from reviewer.core import commands as C
from reviewer.core.review import review_keys
from reviewer.io import task_cache
from reviewer.io.project import load_project
from reviewer.io.session import open_session
from reviewer.io.workspace import open_task
from tests import synth

SAMPLE = Path(__file__).resolve().parents[2] / "sample_project"


def same(a, b, path="data") -> None:
    """Deep equality: same types, arrays equal in dtype, shape and values (NaN = NaN)."""
    assert type(a) is type(b), f"{path}: {type(a)} != {type(b)}"
    if isinstance(a, np.ndarray):
        assert (a.dtype, a.shape) == (b.dtype, b.shape), path
        if a.dtype == object:
            assert a.tolist() == b.tolist(), path
            assert [type(x) for x in a.ravel()] == [type(x) for x in b.ravel()], path
        else:
            assert np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"), path
    elif dataclasses.is_dataclass(a):
        for f in dataclasses.fields(a):
            same(getattr(a, f.name), getattr(b, f.name), f"{path}.{f.name}")
    elif isinstance(a, dict):
        assert list(a) == list(b), path
        for k in a:
            same(a[k], b[k], f"{path}[{k!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and np.isnan(a):
        assert np.isnan(b), path
    else:
        assert a == b, path


class Opens:
    """Counts the task plug-ins' loads (a cache hit loads nothing)."""

    def __init__(self, monkeypatch):
        self.n = 0
        for t in tasks.all_tasks():
            original = type(t).open

            def counted(plugin, *args, _original=original, **kwargs):
                self.n += 1
                return _original(plugin, *args, **kwargs)
            monkeypatch.setattr(type(t), "open", counted)


@pytest.fixture()
def coco(tmp_path):
    proj, g, p, gt, res = synth.init_project(tmp_path, 3, 14)
    return proj, g, p


def _cache_files(proj: Path) -> list[Path]:
    return sorted((proj / task_cache.CACHE_DIR).glob("*.cache"))


def _hit_equals_cold(proj, task=None):
    project = load_project(proj)
    cold = open_task(project, task, cache=False)
    open_task(project, task)  # writes (or refreshes) the cache
    hit = open_task(project, task)
    same(cold, hit)
    return cold, hit


def test_init_writes_the_cache_and_a_hit_equals_a_cold_load(coco, monkeypatch):
    proj, g, _ = coco
    assert len(_cache_files(proj)) == 1  # init scored the project once and kept the result
    opens = Opens(monkeypatch)
    project = load_project(proj)
    hit = open_task(project)
    assert opens.n == 0
    cold = open_task(project, cache=False)
    assert opens.n == 1
    same(cold, hit)
    assert hit.notices == []
    assert sorted(p.name for p in g.parent.iterdir()) == ["gt.json", "img", "pred.json",
                                                         "proj"]  # nothing beside the inputs


def test_masks_segmentation_and_classification_round_trip(tmp_path):
    gt, res = synth.make_dataset(5, 8, 3, 0.2, True, True, 5)
    g, p = synth.write(tmp_path, gt, res)
    (tmp_path / "img").mkdir()
    assert main(["init", str(tmp_path / "m"), "--images", str(tmp_path / "img"), "--gt", str(g),
                 "--pred", str(p), "-q"]) == 0
    cold, _ = _hit_equals_cold(tmp_path / "m")
    assert cold.rles is not None and cold.dataset.gt.segmentations is not None
    sample = tmp_path / "sample"
    shutil.copytree(SAMPLE, sample, ignore=shutil.ignore_patterns("*.sqlite*", ".reviewer-*"))
    _hit_equals_cold(sample, "segmentation")
    _hit_equals_cold(sample / "lemons")


def _misses(proj, monkeypatch, change, **open_kwargs) -> int:
    """Loads made by two openings (with ``open_kwargs``) after an opening with the project's
    settings and ``change()``: 1 when the first is a miss and the second a hit."""
    project = load_project(proj)
    open_task(project)
    change()
    opens = Opens(monkeypatch)
    project = load_project(proj)
    first = open_task(project, **open_kwargs)
    assert first.notices == []
    open_task(project, **open_kwargs)
    return opens.n


def test_each_input_change_is_a_miss(coco, monkeypatch):
    proj, g, p = coco
    ns = iter(range(1, 100))

    def touch(path):
        st = path.stat()
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + next(ns) * 1_000_000_000))

    def edit(path):  # new bytes, same size
        text = path.read_text()
        path.write_text(text.replace('"score": 0.', '"score":0.0', 1) if path == p
                        else text.replace('"iscrowd": 0', '"iscrowd":0 ', 1))
        assert path.read_text() != text
    for change in (lambda: touch(g), lambda: touch(p), lambda: edit(p), lambda: edit(g),
                   lambda: (g.parent / "img" / "new.jpg").write_bytes(b"x")):
        assert _misses(proj, monkeypatch, change) == 1


def test_each_setting_change_is_a_miss(coco, monkeypatch):
    proj, _, _ = coco
    assert _misses(proj, monkeypatch, lambda: None, overrides={"iou_threshold": 0.7}) == 1
    assert _misses(proj, monkeypatch, lambda: None, overrides={"score_threshold": 0.2}) == 1
    text = (proj / "reviewer.json").read_text()

    def setting():
        (proj / "reviewer.json").write_text(text.replace('"iou_threshold": 0.5',
                                                         '"iou_threshold": 0.6'))
    assert _misses(proj, monkeypatch, setting) == 1

    def code():
        monkeypatch.setattr(task_cache, "code_fingerprint", lambda: "another build")
    assert _misses(proj, monkeypatch, code) == 1
    assert 1 < len(_cache_files(proj)) <= task_cache._KEEP  # one per setting, pruned


def test_the_cached_data_under_different_thresholds_are_those_thresholds(coco):
    proj, _, _ = coco
    project = load_project(proj)
    for t in (0.3, 0.5, 0.9):
        open_task(project, overrides={"iou_threshold": t})
    for t in (0.9, 0.3):
        same(open_task(project, overrides={"iou_threshold": t}, cache=False),
             open_task(project, overrides={"iou_threshold": t}))


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty", "foreign class"])
def test_a_damaged_cache_is_rebuilt_with_a_note(coco, monkeypatch, damage):
    proj, _, _ = coco
    (path,) = _cache_files(proj)
    data = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        path.write_bytes(os.urandom(4096))
    elif damage == "empty":
        path.write_bytes(b"")
    else:
        path.write_bytes(data.replace(b"reviewer.core.tables:ImageTable",
                                      b"reviewer.core.review:ReviewStatus"))
    project = load_project(proj)
    cold = open_task(project, cache=False)
    rebuilt = open_task(project)
    assert len(rebuilt.notices) == 1 and "unreadable" in rebuilt.notices[0]
    assert "rebuilt" in rebuilt.notices[0] and path.name in rebuilt.notices[0]
    same(dataclasses.replace(rebuilt, notices=[]), cold)
    opens = Opens(monkeypatch)
    same(open_task(project), cold)  # the rebuilt cache is whole again
    assert opens.n == 0


def test_a_cache_that_cannot_be_written_is_a_note_not_a_failure(coco, capsys):
    proj, _, _ = coco
    shutil.rmtree(proj / task_cache.CACHE_DIR)
    (proj / task_cache.CACHE_DIR).write_text("a file where the cache folder goes")
    code = main(["score", str(proj)])
    out = capsys.readouterr()
    assert code == 0 and "image_id" in out.out
    assert "note: the project cache was not written" in out.err


def test_corrections_are_replayed_on_the_cached_original(coco):
    proj, _, _ = coco
    with open_session(proj) as s:
        row = int(np.flatnonzero(np.asarray(s.data.table["gt"]) > 0)[0])
        image = s.data.table["image_id"][row]
        ann = int(s.document.base.gt.ids[s.document.base.gt.image_index == row][0])
        s.history.execute(C.DeleteObject(image, s.document.gt_object(ann)))
        corrected_gt = int(s.document.table["gt"][row])
    original = open_task(load_project(proj), cache=False)
    assert corrected_gt == int(original.table["gt"][row]) - 1
    with open_session(proj, read_only=True) as s:  # the cache: still the original data
        same(s.data, original)
        assert int(s.document.table["gt"][row]) == corrected_gt
    project = load_project(proj)
    cached, keys = task_cache.table(project, "detection", project.inputs["detection"])
    same(cached, original.table)
    assert keys == review_keys(original.table["image_id"], original.table["file_name"])


def test_export_does_not_copy_the_cache(coco, tmp_path, capsys):
    proj, _, _ = coco
    out = tmp_path / "out"
    assert main(["export", str(proj), "--out", str(out), "-q", "--no-report"]) == 0
    assert not [p for p in out.rglob("*") if "reviewer-cache" in str(p) or p.suffix == ".cache"]


def test_no_cache_environment_variable(coco, monkeypatch):
    proj, _, _ = coco
    monkeypatch.setenv("REVIEWER_NO_CACHE", "1")
    opens = Opens(monkeypatch)
    open_task(load_project(proj))
    assert opens.n == 1


def test_the_cli_says_a_damaged_cache_was_rebuilt(coco, capsys):
    proj, _, _ = coco
    (path,) = _cache_files(proj)
    path.write_bytes(path.read_bytes()[:100])
    capsys.readouterr()
    assert main(["score", str(proj), "--top", "2"]) == 0
    err = capsys.readouterr().err
    assert f"note: the project cache .reviewer-cache/{path.name} is unreadable" in err
    assert "Traceback" not in err
    assert main(["score", str(proj), "--top", "2"]) == 0
    assert "project cache" not in capsys.readouterr().err  # rebuilt: whole again


def test_each_model_has_its_own_cache(tmp_path, monkeypatch):
    sample = tmp_path / "sample"
    shutil.copytree(SAMPLE, sample, ignore=shutil.ignore_patterns("*.sqlite*", ".reviewer-*",
                                                                  "lemons"))
    project = load_project(sample)
    for model in ("retrained", "baseline"):
        cold = open_task(project, "detection", model=model, cache=False)
        open_task(project, "detection", model=model)
        opens = Opens(monkeypatch)
        hit = open_task(project, "detection", model=model)
        assert opens.n == 0 and hit.model == model
        same(cold, hit)
    a = open_task(project, "detection", model="retrained")
    b = open_task(project, "detection", model="baseline")
    assert not np.array_equal(a.dataset.pred.scores, b.dataset.pred.scores)
