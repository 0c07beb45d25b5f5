"""The hostile-input suite through the command line (issue 9, section 5).

Every case in ``cases.py`` runs init, score, eval and eval --json through ``reviewer.cli.main``
in one subprocess limited to 3 GiB of address space and 30 s per command (``runner.py``): exit 0
or 2, no traceback, the file and the entry named. A representative subset also runs as separate
``python -m reviewer.cli`` processes under the same limit.
"""

from __future__ import annotations

import pytest

from tests.hostile import cases as hostile
from tests.hostile.harness import check, run_batch, run_cli

CASES = {c.name: c for c in hostile.all_cases()}


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    return run_batch(list(CASES.values()), tmp_path_factory.mktemp("hostile"))


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_case(results, name):
    check(CASES[name], results[name])


SUBSET = ["rle_gt_overlong", "rle_pred_negative_run", "image_ids_1_and_text_1",
          "gt_deeply_nested", "pred_other_dataset_overlapping_ids",
          "png_header_claims_60000x60000", "classes_file_of_70000_names"]


@pytest.mark.parametrize("name", SUBSET)
def test_hostile_case_in_its_own_interpreter(tmp_path, name):
    case = CASES[name]
    d = case.write(tmp_path)
    outcomes = []
    init, score, _, eval_json = case.commands(d)[:4]
    for argv in (init, score, eval_json):
        done = run_cli(argv, tmp_path)
        outcomes.append({"argv": argv, "code": done.returncode, "stderr": done.stderr,
                         "seconds": 0.0})
        if done.returncode:
            break
    check(case, outcomes, complete=False)


def test_ids_equal_as_text_tag_stats_and_export_all_work(results):
    """Image ids 1 and "1" used to share one review key: stats and export then crashed."""
    ran = results["image_ids_1_and_text_1"]
    assert [r["argv"][0] for r in ran] == ["init", "score", "eval", "eval", "tag", "stats",
                                           "export"]
    assert all(r["code"] == 0 for r in ran), [r["stderr"] for r in ran]
