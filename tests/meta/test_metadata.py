"""Metadata: init --metadata / metadata import (CSV, Parquet, JSON lines) with problems named
by file and line; the inputs' own extra fields; the where-expression language; export."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reviewer.cli import main
from reviewer.core.metadata import Column
from reviewer.core.where import WhereError, select
from tests import synth

ROOT = Path(__file__).resolve().parents[2]
LEMONS = ROOT / "sample_project" / "lemons"


def _json(capsys, *args):
    capsys.readouterr()
    assert main([*map(str, args), "--json", "-q"]) == 0
    return json.loads(capsys.readouterr().out)


def _rows():
    return [("lemon_01_a.jpg", "A", 3, "2024-05-01T10:00"),
            ("lemon_01_a.jpg", "B", 4, "2024-05-01"),     # listed twice
            ("nope.jpg", "C", 5, "2024-05-02"),           # not in the project
            ("lemon_02_a", "A", "x", "2024-05-03"),       # no extension; 'x' in a number column
            ("lemon_03_a.jpg", None, 7, None)]


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_init_with_metadata_types_columns_and_names_each_problem(tmp_path, capsys, fmt):
    frame = pd.DataFrame(_rows(), columns=["image", "camera", "hour", "when"])
    file = tmp_path / f"meta.{fmt}"
    if fmt == "csv":
        frame.to_csv(file, index=False)
    elif fmt == "parquet":
        frame.astype({"hour": str}).to_parquet(file)
    else:
        file.write_text("".join(json.dumps({k: v for k, v in r.items() if v is not None}) + "\n"
                                for r in frame.to_dict("records")))
    proj = tmp_path / "p"
    assert main(["init", str(proj), "--images", str(LEMONS / "images"), "--gt",
                 str(LEMONS / "labels.csv"), "--pred", str(LEMONS / "predictions.csv"),
                 "--positive", "mold", "--metadata", str(file)]) == 0
    out = capsys.readouterr()
    text = out.out + out.err
    assert "'lemon_01_a.jpg' is listed again" in text and "'nope.jpg' is not in the project" \
        in text and "'x' is not a number" in text and file.name in text
    got = _json(capsys, "metadata", proj)
    cols = {c["column"]: c for c in got["columns"]}
    # the classification table's extra columns are metadata too
    assert cols["fruit_id"]["source"] == "input" and cols["fruit_id"]["images"] == 144
    assert (cols["camera"]["kind"], cols["hour"]["kind"], cols["when"]["kind"]) == \
        ("text", "number", "datetime")
    assert cols["camera"]["images"] == 2 and cols["hour"]["images"] == 2
    shown = _json(capsys, "metadata", proj, "show", "lemon_02_a.jpg")
    assert shown["metadata"]["camera"] == "A" and shown["metadata"]["hour"] is None
    # --where reads the columns; the day names the whole day
    score = tmp_path / "s.csv"
    assert main(["score", str(proj), "--where", "when=2024-05-01", "--csv", str(score),
                 "-q"]) == 0
    assert pd.read_csv(score)["file_name"].tolist() == ["lemon_01_a.jpg"]


def test_a_file_naming_no_image_exits_2(tmp_path, capsys):
    proj = tmp_path / "lemons"
    shutil.copytree(LEMONS, proj)
    (tmp_path / "m.csv").write_text("image,camera\nzzz.jpg,A\n")
    assert main(["metadata", str(proj), "import", str(tmp_path / "m.csv"), "-q"]) == 2
    assert "m.csv" in capsys.readouterr().err
    (tmp_path / "n.csv").write_text("picture,camera\nlemon_01_a.jpg,A\n")
    assert main(["metadata", str(proj), "import", str(tmp_path / "n.csv"), "-q"]) == 2
    assert "no image column" in capsys.readouterr().err
    assert not (proj / "metadata.parquet").exists()


def test_coco_image_fields_become_metadata_and_export_carries_them(tmp_path, capsys):
    gt, res = synth.make_dataset(2, 12, 3, 0.0, True, False, 6)
    for i, im in enumerate(gt["images"]):
        im["date_captured"] = f"2024-06-{i + 1:02d} {8 + i}:00:00"
        im["site"] = "north" if i % 2 else "south"
    g, p = synth.write(tmp_path, gt, res)
    (tmp_path / "img").mkdir()
    proj = tmp_path / "proj"
    assert main(["init", str(proj), "--images", str(tmp_path / "img"), "--gt", str(g),
                 "--pred", str(p), "-q"]) == 0
    cols = {c["column"]: c for c in _json(capsys, "metadata", proj)["columns"]}
    assert cols["date_captured"]["kind"] == "datetime" and cols["site"]["kind"] == "text"
    ev = _json(capsys, "eval", proj, "--where", "date_captured.hour>=14")
    assert ev["images"] == 6  # hours 8 … 19
    ev_south = _json(capsys, "eval", proj, "--where", "site=south")
    sl = _json(capsys, "slices", proj, "--by", "site", "--bootstrap", "0")
    assert ev_south["overall"]["AP"] == pytest.approx(sl["slices"]["south"]["AP"])
    # set a split, then export one partition: metadata.csv holds it and only it
    assert main(["metadata", str(proj), "set", "split=test", "--where", "site=north",
                 "-q"]) == 0
    assert main(["metadata", str(proj), "set", "split=train", "--where", "site=south",
                 "-q"]) == 0
    out = tmp_path / "out"
    assert main(["export", str(proj), "--out", str(out), "--where", "split=test",
                 "--no-report", "-q"]) == 0
    meta = pd.read_csv(next(out.rglob("metadata.csv")))
    assert len(meta) == 6 and set(meta["split"]) == {"test"} and set(meta["site"]) == {"north"}
    exported = json.loads(next(p for p in out.rglob("*gt.json")).read_text())
    assert sorted(im["file_name"] for im in exported["images"]) == sorted(meta["file_name"])


def _cols():
    n = 6
    hour = np.array([1, 5, 20, np.nan, 23, 12], np.float64)
    cam = np.array(["A", "B", "C", None, "A", "B"], object)
    when = np.array(["2024-05-01T10:00", "2024-05-01T22:00", "2024-05-02T01:00", "NaT",
                     "2024-06-01T00:00", "2024-04-30T23:59"], "datetime64[s]")
    tags = np.empty(n, object)
    tags[:] = [frozenset({"blur"}), frozenset(), frozenset({"blur", "night"}), frozenset(),
               frozenset({"night"}), frozenset()]
    cols = {"hour": Column("hour", "number", hour), "camera": Column("camera", "text", cam),
            "when": Column("when", "datetime", when), "tag": Column("tag", "tags", tags)}
    return n, cols


@pytest.mark.parametrize("expr,want", [
    ("hour>=20", [2, 4]), ("hour<5", [0]), ("hour!=5", [0, 2, 3, 4, 5]),
    ("camera in A,B", [0, 1, 4, 5]), ("camera not in A,B", [2, 3]),
    ("camera is missing", [3]), ("camera is not missing", [0, 1, 2, 4, 5]),
    ("camera=A or hour>=20", [0, 2, 4]), ("not (camera=A or hour>=20)", [1, 3, 5]),
    ("when=2024-05-01", [0, 1]), ("when<2024-05", [5]), ("when>=2024-05-01T20", [1, 2, 4]),
    ("when.hour>=22", [1, 5]), ("when.month=6", [4]), ("when.weekday=3", [0, 1]),
    ("tag=blur", [0, 2]), ("tag in blur,night", [0, 2, 4]), ("tag is missing", [1, 3, 5]),
    ("camera='A' and hour<2", [0]), ("CAMERA", None),
])
def test_where_expressions(expr, want):
    n, cols = _cols()
    if want is None:
        with pytest.raises(WhereError):
            select(expr, n, cols.get, list(cols))
        return
    assert np.flatnonzero(select(expr, n, cols.get, list(cols)).mask).tolist() == want


def test_where_errors_point_at_the_problem_and_typos_warn():
    n, cols = _cols()
    with pytest.raises(WhereError) as err:
        select("hour>=twenty", n, cols.get, list(cols))
    assert "^" in str(err.value) and "twenty" in str(err.value)
    with pytest.raises(WhereError, match="did you mean 'camera'"):
        select("camra=A", n, cols.get, list(cols))
    got = select("camera=D", n, cols.get, list(cols))
    assert not got.mask.any() and got.warnings and "A" in got.warnings[0]
    both = select(["camera in A,B", "hour>3"], n, cols.get, list(cols))
    assert np.flatnonzero(both.mask).tolist() == [1, 4, 5]


def test_an_old_store_is_upgraded_and_keeps_metadata_set_in_the_review(tmp_path):
    """A v1 store (as released) gains the image_metadata table; values set there survive a
    reopen and removing them brings nothing back but the imported value (none here)."""
    import sqlite3

    from reviewer.io.store import SCHEMA_VERSION, open_review_store
    from tests.io.test_store_migrations import V1_DATA, V1_DDL
    path = tmp_path / "review.sqlite"
    conn = sqlite3.connect(path)
    conn.executescript(V1_DDL)
    for sql, rows in V1_DATA:
        conn.executemany(sql, rows)
    conn.commit()
    conn.close()
    with open_review_store(tmp_path, user="bob") as store:
        assert store.metadata_edits() == {}
        store.set_metadata("split", {"10": "test", "11": None})
        assert store.statuses()["10"].value == "reviewed"  # the old data is still there
    with open_review_store(tmp_path, user="bob") as store:
        assert store.metadata_edits("split") == {"split": {"10": "test", "11": None}}
        store.set_metadata("split", {}, remove=["10"])
        assert store.metadata_edits() == {"split": {"11": None}}
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()


def test_metadata_set_in_the_review_on_a_postgresql_store(pg_location):
    """The same table and calls on the shared store (skips without a test server)."""
    from reviewer.io.store import open_review_store
    from reviewer.io.store_postgres_schema import SCHEMA_VERSION
    assert SCHEMA_VERSION >= 2  # version 2 added image_metadata
    with open_review_store(pg_location, user="ann") as store:
        store.set_metadata("split", {"a.jpg": "train", "b.jpg": "test"})
    with open_review_store(pg_location, user="bob") as store:
        assert store.metadata_edits() == {"split": {"a.jpg": "train", "b.jpg": "test"}}
        store.set_metadata("split", {"b.jpg": "valid"}, remove=["a.jpg"])
        assert store.metadata_edits("split") == {"split": {"b.jpg": "valid"}}
