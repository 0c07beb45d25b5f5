"""The bundled lemon-mold sample: byte-identical regeneration and its planted failures.

The planted file names are stated here independently of the generator (they are its README's).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from reviewer.tasks.classification.document import ClassificationDocument
from reviewer.tasks.classification.load import load_classification

ROOT = Path(__file__).resolve().parents[3] / "sample_project" / "lemons"
WRONG_LABEL = ["lemon_05_b.jpg", "lemon_07_c.jpg", "lemon_12_a.jpg", "lemon_18_d.jpg",
               "lemon_27_b.jpg", "lemon_30_a.jpg"]
DARK = ["lemon_02_d.jpg", "lemon_08_b.jpg", "lemon_15_c.jpg", "lemon_21_a.jpg",
        "lemon_31_d.jpg", "lemon_33_b.jpg"]
BRUISED = ["lemon_10_a.jpg", "lemon_10_b.jpg", "lemon_25_c.jpg"]


def _files(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*"))
            if p.is_file() and p.suffix not in (".py", ".md") and "__pycache__" not in p.parts
            and not p.name.startswith("review.sqlite") and ".reviewer-cache" not in p.parts}


@pytest.mark.slow
def test_generator_reproduces_the_committed_files_byte_for_byte(tmp_path):
    subprocess.run([sys.executable, str(ROOT / "generate.py"), "--out", str(tmp_path)],
                   check=True, capture_output=True, timeout=600)
    fresh, committed = _files(tmp_path), _files(ROOT)
    assert sorted(fresh) == sorted(committed)
    assert [k for k in fresh if fresh[k] != committed[k]] == []


@pytest.fixture(scope="module")
def doc():
    project = json.loads((ROOT / "reviewer.json").read_text())
    cfg = project["classification"]
    ds = load_classification(ROOT / cfg["gt"], ROOT / cfg["models"][0]["pred"],
                             ROOT / project["images"],
                             positive=cfg["positive"])
    return ClassificationDocument(ds, cfg["threshold"])


def test_loads_cleanly_with_a_fruit_id_per_photo(doc):
    ds = doc.base
    assert ds.problems == []
    assert ds.class_names.tolist() == ["mold", "no mold"] and ds.is_binary
    assert len(ds) == 144
    fruit = ds.gt_extra["fruit_id"]
    assert len(set(fruit.tolist())) == 36
    assert all(np.sum(fruit == f) == 4 for f in set(fruit.tolist()))
    total = sum(p.stat().st_size for p in ROOT.rglob("*")
                if p.is_file() and ".reviewer-cache" not in p.parts)
    assert total < 2 * 1024 * 1024


def test_wrong_labels_are_the_confidently_wrong_and_flagged(doc):
    t = doc.table
    order = np.argsort(-np.nan_to_num(t["error"], nan=-1), kind="stable")
    top = set(t["file_name"][order[:len(WRONG_LABEL) + len(BRUISED)]].tolist())
    assert top == set(WRONG_LABEL) | set(BRUISED)
    row = doc.base.images.index_of()
    for name in WRONG_LABEL:
        i = row[name]
        assert t["correct"][i] == 0 and t["confidence"][i] > 0.85
        assert t["label_issue"][i] == 1 and t["likely_label"][i] >= 0


def test_dark_photos_are_where_the_model_is_unsure(doc):
    row = doc.base.images.index_of()
    for name in DARK:
        i = row[name]
        assert doc.table["confidence"][i] < 0.8
        pixels = cv2.imread(str(ROOT / "images" / name))
        assert pixels.mean() < 50
    light = [i for n, i in row.items() if n not in DARK]
    assert np.mean(doc.table["confidence"][light]) > 0.85


def test_bruised_lemons_are_confident_model_mistakes_with_right_labels(doc):
    row = doc.base.images.index_of()
    for name in BRUISED:
        i = row[name]
        assert doc.label_of(name) == "no mold" and doc.table["predicted"][i] == 0
        assert doc.table["confidence"][i] > 0.85
