"""Splits: no group in two partitions, rare classes in every partition, the newest images last,
k folds; written as one undoable command; the leak check finds planted near-duplicates and
no pair among the sample projects' distinct images."""

from __future__ import annotations

import json
import shutil
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image, ImageEnhance

from reviewer.cli import main
from reviewer.core import splits as sp
from reviewer.core.near_dupes import hamming, near_pairs

ROOT = Path(__file__).resolve().parents[2]
LEMONS = ROOT / "sample_project" / "lemons"
SAMPLE = ROOT / "sample_project"


# --- core.splits ----------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(5))
def test_groups_never_span_partitions_and_shares_are_close(seed):
    rng = np.random.default_rng(seed)
    n = 600
    groups = rng.integers(0, 150, n).astype(object)
    groups[rng.random(n) < 0.1] = None  # images without a group: each one its own
    part = sp.make_split([0.7, 0.2, 0.1], np.ones(n, bool), groups, seed=seed)
    assert (part >= 0).all()
    for g in set(groups[groups != None]):  # noqa: E711 - object array
        assert len(set(part[groups == g])) == 1
    shares = np.bincount(part, minlength=3) / n
    np.testing.assert_allclose(shares, [0.7, 0.2, 0.1], atol=0.05)


@pytest.mark.parametrize("seed", range(5))
def test_stratified_split_puts_rare_classes_in_every_partition(seed):
    rng = np.random.default_rng(seed)
    n, k = 400, 6
    labels = rng.random((n, k)) < [0.6, 0.4, 0.3, 0.2, 0.05, 0.02]  # multi-label
    groups = (np.arange(n) // 2).astype(object)  # pairs of images: one object, two photos
    fractions = [0.6, 0.2, 0.2]
    part = sp.make_split(fractions, np.ones(n, bool), groups, labels, seed=seed)
    for g in range(n // 2):
        assert part[2 * g] == part[2 * g + 1]
    per_class = np.stack([labels[part == p].sum(axis=0) for p in range(3)])  # (P, K)
    want = np.asarray(fractions)[:, None] * labels.sum(axis=0)[None, :]
    group_of_two = labels.reshape(n // 2, 2, k).any(axis=1).sum(axis=0)
    assert (per_class[:, group_of_two >= 3] > 0).all()  # every class with 3+ groups everywhere
    # within two groups' worth of images of each class's target (random would miss by more)
    assert np.abs(per_class - want).max() <= 4
    plain = sp.make_split(fractions, np.ones(n, bool), groups, seed=seed)
    plain_counts = np.stack([labels[plain == p].sum(axis=0) for p in range(3)])
    assert np.abs(per_class - want).sum() <= np.abs(plain_counts - want).sum()


def test_time_ordered_split_holds_out_the_newest_groups():
    rng = np.random.default_rng(0)
    n = 300
    times = rng.uniform(0, 1e6, n)
    groups = rng.integers(0, 60, n).astype(object)
    part = sp.make_split([0.8, 0.2], np.ones(n, bool), groups, times=times)
    latest = {g: times[groups == g].max() for g in set(groups)}
    part_of = {g: part[groups == g][0] for g in set(groups)}
    train = max(latest[g] for g in latest if part_of[g] == 0)
    test = min(latest[g] for g in latest if part_of[g] == 1)
    assert train < test  # every training group ended before every test group
    assert abs((part == 1).mean() - 0.2) < 0.06


def test_kfold_and_fractions_parser():
    part = sp.make_split([0.2] * 5, np.ones(103, bool), seed=1)
    assert sorted(np.bincount(part).tolist()) == [20, 20, 21, 21, 21]
    assert sp.kfold_names(3) == ["fold1", "fold2", "fold3"]
    assert sp.parse_fractions("train=0.8, test=0.2") == {"train": 0.8, "test": 0.2}
    for bad, says in (("train=0.8,test=0.4", "more than 1"), ("train", "NAME=FRACTION"),
                      ("a=x", "not a number"), ("a=0.5,a=0.5", "twice"), ("a=0", "(0, 1]")):
        with pytest.raises(ValueError, match=says.replace("(", r"\(").replace("]", r"\]")):
            sp.parse_fractions(bad)
    part = sp.make_split([0.5, 0.5], np.arange(10) < 6)
    assert (part[6:] == -1).all() and (part[:6] >= 0).all()


# --- core.near_dupes ----------------------------------------------------------------------------
@pytest.mark.parametrize("words,d", [(1, 10), (4, 28), (4, 40)])
def test_near_pairs_equal_brute_force(words, d):
    rng = np.random.default_rng(words * 100 + d)
    base = rng.integers(0, 2**63, (300, words), dtype=np.int64).astype(np.uint64)
    h = base.copy()
    # plant neighbours: copies with a few bits flipped
    for i in range(0, 300, 7):
        j = (i * 13 + 5) % 300
        h[j] = base[i]
        for b in rng.choice(64 * words, rng.integers(0, d + 3), replace=False):
            h[j, b // 64] ^= np.uint64(1) << np.uint64(b % 64)
    pairs, dist = near_pairs(h, d)
    want = {(i, j) for i, j in combinations(range(300), 2)
            if hamming(h[i:i + 1], h[j:j + 1])[0] <= d}
    assert want and {tuple(p) for p in pairs.tolist()} == want
    np.testing.assert_array_equal(dist, hamming(h[pairs[:, 0]], h[pairs[:, 1]]))


# --- the CLI on the lemons --------------------------------------------------------------------
@pytest.fixture()
def lemons(tmp_path):
    proj = tmp_path / "lemons"
    shutil.copytree(LEMONS, proj)
    return proj


def _json(capsys, *args):
    capsys.readouterr()
    assert main([*map(str, args), "--json", "-q"]) == 0
    return json.loads(capsys.readouterr().out)


def test_make_split_by_fruit_writes_the_split_column_and_undoes(lemons, capsys):
    got = _json(capsys, "splits", lemons, "--make", "train=0.7,valid=0.15,test=0.15",
                "--group-by", "fruit_id", "--stratify", "--seed", "3")
    parts = got["partitions"]
    assert sum(p["images"] for p in parts.values()) == 144
    assert sum(p["groups"] for p in parts.values()) == 36
    assert all(p["class_images"]["mold"] > 0 for p in parts.values())
    labels = pd.read_csv(LEMONS / "labels.csv")
    from reviewer.io.metadata import session_metadata
    from reviewer.io.session import open_session
    session = open_session(lemons, read_only=True)
    split = session_metadata(session).column("split").values
    names = session.document.table["file_name"].tolist()
    session.close()
    fruit = dict(zip(labels["image"], labels["fruit_id"], strict=True))
    by_fruit: dict = {}
    for name, value in zip(names, split.tolist(), strict=True):
        by_fruit.setdefault(fruit[name], set()).add(value)
    assert all(len(v) == 1 for v in by_fruit.values())
    assert {v for s in by_fruit.values() for v in s} == {"train", "valid", "test"}
    check = _json(capsys, "splits", lemons, "--check", "--group-by", "fruit_id")
    assert check["leaks"] == [] and check["images_checked"] == 144
    # slices over the new column, --where on it
    sl = _json(capsys, "slices", lemons, "--by", "split", "--bootstrap", "0")
    assert {k: v["images"] for k, v in sl["slices"].items()} == \
        {k: v["images"] for k, v in parts.items()}
    ev = _json(capsys, "eval", lemons, "--where", "split=test")
    assert ev["images"] == sl["slices"]["test"]["images"]
    assert ev["overall"]["accuracy"] == pytest.approx(sl["slices"]["test"]["accuracy"])
    # one command: undo it and the column is gone
    from reviewer.io import team
    session = open_session(lemons)
    team.undo(session)
    assert session_metadata(session).column("split") is None
    team.redo(session)
    assert session_metadata(session).column("split").values.tolist() == split.tolist()
    session.close()


def test_a_random_split_leaks_groups_and_the_check_says_so(lemons, capsys):
    _json(capsys, "splits", lemons, "--make", "train=0.5,test=0.5", "--seed", "1")
    got = _json(capsys, "splits", lemons, "--check", "--group-by", "fruit_id")
    assert got["leaks"] and {e["reason"] for e in got["leaks"]} == {"group"}
    labels = pd.read_csv(LEMONS / "labels.csv").set_index("image")
    for e in got["leaks"]:
        a, b = e["images"]
        assert labels.loc[a, "fruit_id"] == labels.loc[b, "fruit_id"] == e["group"]
        assert e["splits"][0] != e["splits"][1]
    assert sum(got["per_pair"].values()) == len(got["leaks"])


def test_bad_split_options_exit_2(lemons, capsys):
    assert main(["splits", str(lemons), "--make", "train=0.9,test=0.3", "-q"]) == 2
    assert "more than 1" in capsys.readouterr().err
    assert main(["splits", str(lemons), "--make", "a=0.5,b=0.5", "--group-by", "nope",
                 "-q"]) == 2
    assert "'nope'" in capsys.readouterr().err
    assert main(["splits", str(lemons), "--check", "-q"]) == 2  # no split column yet
    assert "split" in capsys.readouterr().err
    assert main(["splits", str(lemons), "--kfold", "1", "-q"]) == 2


# --- the leak check on planted copies ----------------------------------------------------------
def _plant(folder: Path, source: Path) -> dict:
    """Copies of four lemons, changed as people change photos: name -> original."""
    out = {}
    for k, (name, how) in enumerate([("lemon_03_a.jpg", "resized"), ("lemon_07_b.jpg", "jpeg"),
                                     ("lemon_12_c.jpg", "crop"), ("lemon_20_d.jpg", "bright"),
                                     ("lemon_25_a.jpg", "exact")]):
        im = Image.open(source / name).convert("RGB")
        w, h = im.size
        new = folder / f"copy_{k}_{how}.jpg"
        if how == "resized":
            im.resize((w * 3 // 4, h * 3 // 4)).save(new, quality=90)
        elif how == "jpeg":
            im.save(new, quality=50)
        elif how == "crop":
            im.crop((2, 2, w - 2, h - 2)).save(new, quality=90)
        elif how == "bright":
            ImageEnhance.Brightness(im).enhance(1.15).save(new, quality=90)
        else:
            shutil.copyfile(source / name, new)
        out[new.name] = name
    return out


def test_leak_check_finds_planted_near_duplicates(lemons, capsys):
    planted = _plant(lemons / "images", LEMONS / "images")
    labels = pd.read_csv(lemons / "labels.csv")
    extra = pd.DataFrame({"image": list(planted), "label": [labels.set_index("image").loc[
        o, "label"] for o in planted.values()], "fruit_id": "copy", "angle": "x"})
    pd.concat([labels, extra]).to_csv(lemons / "labels.csv", index=False)
    pred = pd.read_csv(lemons / "predictions.csv").set_index("image")
    copies = pred.loc[list(planted.values())].set_axis(list(planted))
    pd.concat([pred, copies]).reset_index(names="image").to_csv(lemons / "predictions.csv",
                                                                 index=False)
    split = {n: "train" for n in labels["image"]} | {n: "test" for n in planted}
    pd.DataFrame({"image": list(split), "split": list(split.values())}).to_csv(
        lemons / "split.csv", index=False)
    assert main(["metadata", str(lemons), "import", str(lemons / "split.csv"), "-q"]) == 0
    got = _json(capsys, "splits", lemons, "--check")
    found = {tuple(sorted(e["images"])): e for e in got["leaks"]}
    assert len(found) == len(planted), found.keys()
    for copy_name, original in planted.items():
        e = found[tuple(sorted([copy_name, original]))]
        want = "exact-duplicate" if copy_name.endswith("exact.jpg") else "near-duplicate"
        assert e["reason"] == want
        assert e["distance"] <= got["max_distance"]
    assert got["per_pair"] == {"test/train": len(planted)}
    # the hashes are cached: a second check reads them and gives the same answer
    assert (lemons / ".reviewer-hashes.parquet").exists()
    assert _json(capsys, "splits", lemons, "--check")["leaks"] == got["leaks"]


@pytest.mark.parametrize("which", ["lemons", "streets"])
def test_no_pair_among_the_sample_projects_distinct_images(which, tmp_path):
    from reviewer.io.image_hashes import image_hashes
    from reviewer.io.leaks import NEAR_DISTANCE
    folder = LEMONS / "images" if which == "lemons" else SAMPLE / "images"
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".jpg", ".png"))
    sha, phash, ok = image_hashes(files, tmp_path / "cache.parquet")
    assert ok.all() and len(set(sha)) == len(files)
    pairs, _ = near_pairs(phash, NEAR_DISTANCE)
    assert len(pairs) == 0
    brute = min(hamming(phash[i:i + 1], phash[j:j + 1])[0]
                for i, j in combinations(range(len(files)), 2))
    assert brute > NEAR_DISTANCE


def test_unreadable_files_are_left_out_not_fatal(tmp_path):
    from reviewer.io.image_hashes import image_hashes
    good = tmp_path / "a.png"
    Image.new("RGB", (40, 30), (200, 10, 10)).save(good)
    bad = tmp_path / "b.jpg"
    bad.write_bytes(b"not an image")
    sha, phash, ok = image_hashes([good, bad, tmp_path / "missing.jpg"], None)
    assert ok.tolist() == [True, False, False] and sha[1] is None and sha[0]
