"""`reviewer init --store`, `reviewer store info|migrate|set|copy`, `assign`, `next`,
`progress` (a real PostgreSQL; the SQLite-only parts run without one)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from reviewer.cli import main
from reviewer.core import commands as C
from reviewer.io import team
from reviewer.io.session import open_session
from reviewer.io.store import open_review_store, store_location
from reviewer.io.store_copy import dump
from reviewer.io.store_url import StoreLocation
from tests.pg import PG_DSN, drop_schema, needs_pg

SAMPLE = Path(__file__).resolve().parents[2] / "sample_project"


def _run(capsys, *argv) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def project(tmp_path):
    dst = tmp_path / "sample"
    shutil.copytree(SAMPLE, dst, ignore=shutil.ignore_patterns("review.sqlite*", "*.py",
                                                               "__pycache__"))
    return dst


@pytest.fixture
def schemas():
    """Schemas the test creates on the server (dropped afterwards)."""
    made: list[str] = []
    yield made
    for schema in made:
        drop_schema(schema)


def review_a_lot(project) -> None:
    """Review state of every kind, by two people, with undo, a discarded redo tail, renamed,
    merged and removed tags, object tags, notes and assignments."""
    with open_session(project, user="alice") as s:
        ids = [str(k) for k in s.document.table["image_id"].tolist()]
        team.execute(s, C.SetStatus(ids[0], "unreviewed", "reviewed"))
        team.execute(s, C.SetImageTags(ids[0], (), ("blur", "night")))
        team.execute(s, C.EditNote(ids[1], "", "fence hides the dog"))
        ann = int(s.document.gt.ids[0])
        obj = s.document.gt_object(ann)
        team.execute(s, C.SetObjectTags(obj["image_id"], (), ("occlusion",), source="gt",
                                        ann_id=ann))
        team.execute(s, C.MoveBox(obj["image_id"], ann, {"bbox": obj["bbox"]},
                                  {"bbox": [1.0, 2.0, 30.0, 40.0]}))
        team.undo(s)
        team.undo(s)
        team.execute(s, C.SetStatus(ids[2], "unreviewed", "skipped"))  # discards the redo tail
        s.store.rename_tag("night", "dark")
        s.store.add_image_tag(ids[3], "glare")
        s.store.merge_tags("glare", "blur")
        s.store.remove_tag("occlusion")
        s.store.assign(ids[:6], "bob")
    with open_session(project, user="bob") as s:
        team.execute(s, C.SetStatus(ids[4], "unreviewed", "needs-second-look"))
        s.store.allocate_id(10_000)


def test_copy_sqlite_to_postgresql_and_back_loses_nothing(project, capsys, schemas):
    if not PG_DSN:
        pytest.skip("no PostgreSQL (REVIEWER_TEST_PG_DSN)")
    review_a_lot(project)
    with open_review_store(project, read_only=True) as store:
        original = dump(store)
    assert original["journal"] and original["events"] and original["tags"]
    assert any(r[-2] is not None for r in original["tags"])  # a merged tag
    code, out, err = _run(capsys, "store", project, "copy", "--to", PG_DSN)
    assert code == 0, err
    schema = out.split("schema ")[1].split(":")[0]
    schemas.append(schema)
    location = StoreLocation(PG_DSN, schema)
    with open_review_store(location, read_only=True) as server:
        assert dump(server) == original
    code, out, err = _run(capsys, "store", project, "set", PG_DSN, "--schema", schema)
    assert code == 0, err
    assert store_location(project) == location
    assert json.loads((project / "reviewer.json").read_text())["store"] == {
        "url": PG_DSN, "schema": schema}
    (project / "review.sqlite").rename(project / "old.sqlite")
    with open_session(project, user="alice") as s:  # the review goes on on the server
        assert s.history.undo_labels() == ["set status", "set image tags", "edit note",
                                           "set status"]
        assert s.history.redo_labels() == []
        assert s.store.allocate_id(1) >= 10_016  # the id counter came along
    code, _, err = _run(capsys, "store", project, "set", "sqlite", "--copy")
    assert code == 0, err
    with open_review_store(project, read_only=True) as back:
        assert back.backend == "sqlite"
        copied = dump(back)
    assert {t: v for t, v in copied.items() if t != "meta"} == \
        {t: v for t, v in original.items() if t != "meta"}
    assert dict(copied["meta"])["next_ann_id"] == "10032"


def test_copy_refuses_a_target_that_holds_a_review(project, capsys, tmp_path):
    review_a_lot(project)
    other = tmp_path / "other"
    shutil.copytree(project, other)
    code, _, err = _run(capsys, "store", project, "copy", "--to", other / "review.sqlite")
    assert code == 2 and "already holds a review" in err


@needs_pg
def test_init_with_a_server_store_never_records_the_password(tmp_path, capsys, schemas):
    url = PG_DSN.replace("://", "://", 1)
    user_host = url.split("://", 1)[1]
    with_password = f"postgresql://{user_host.split('@')[0]}:not-needed@{user_host.split('@')[1]}"
    code, out, err = _run(capsys, "init", tmp_path / "p", "--images", SAMPLE / "images",
                          "--gt", SAMPLE / "annotations/instances_gt.json",
                          "--pred", SAMPLE / "annotations/predictions.json", "--store",
                          with_password, "-q")
    assert code == 0, err
    assert "not recorded" in err
    text = (tmp_path / "p" / "reviewer.json").read_text()
    assert "not-needed" not in text
    store = json.loads(text)["store"]
    schemas.append(store["schema"])
    assert store["url"] == PG_DSN and store["schema"].startswith("rv_p_")
    assert not (tmp_path / "p" / "review.sqlite").exists()
    code, out, _ = _run(capsys, "status", tmp_path / "p", "street_001", "reviewed", "-q")
    assert code == 0
    code, out, _ = _run(capsys, "store", tmp_path / "p", "info", "--json")
    info = json.loads(out)
    assert info["reviewed"] == 1 and info["access"] == "read and write"
    assert info["store"] == f"PostgreSQL {PG_DSN}, schema {store['schema']}"


@needs_pg
def test_a_read_only_role_reads_but_cannot_write(tmp_path, capsys, schemas):
    import psycopg
    code, _, err = _run(capsys, "init", tmp_path / "p", "--images", SAMPLE / "images",
                        "--gt", SAMPLE / "annotations/instances_gt.json",
                        "--pred", SAMPLE / "annotations/predictions.json", "--store", PG_DSN,
                        "-q")
    assert code == 0, err
    config = json.loads((tmp_path / "p" / "reviewer.json").read_text())
    schema = config["store"]["schema"]
    schemas.append(schema)
    assert _run(capsys, "status", tmp_path / "p", "street_001", "reviewed", "-q")[0] == 0
    viewer = f"viewer_{schema[-6:]}"
    with psycopg.connect(PG_DSN, autocommit=True) as admin:  # README: a read-only role
        admin.execute(f"CREATE ROLE {viewer} LOGIN")
        admin.execute(f"GRANT USAGE ON SCHEMA {schema} TO {viewer}")
        admin.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {viewer}")
    try:
        user, host = PG_DSN.split("://", 1)[1].split("@")
        config["store"]["url"] = f"postgresql://{viewer}@{host}"
        (tmp_path / "p" / "reviewer.json").write_text(json.dumps(config))
        code, out, _ = _run(capsys, "store", tmp_path / "p", "info", "--json")
        assert json.loads(out)["access"] == "read-only" and json.loads(out)["reviewed"] == 1
        with open_review_store(tmp_path / "p") as store:
            assert store.read_only  # opened for writing, the role only reads
        code, _, err = _run(capsys, "status", tmp_path / "p", "street_002", "reviewed", "-q")
        assert code == 2 and "read-only" in err
        code, out, _ = _run(capsys, "stats", tmp_path / "p", "--json", "-q")
        assert code == 0 and json.loads(out)["reviewed"] == 1
    finally:
        with psycopg.connect(PG_DSN, autocommit=True) as admin:
            admin.execute(f"DROP OWNED BY {viewer}")
            admin.execute(f"DROP ROLE {viewer}")


def test_assign_splits_worst_first_and_next_and_progress_follow(project, capsys, monkeypatch):
    code, out, err = _run(capsys, "assign", project, "--to", "alice,bob", "--rank", "1-6", "-q")
    assert code == 0, err
    assert out.startswith("assigned 6 images (alice 3, bob 3)")
    with open_session(project) as s:
        from reviewer.core.reports import rank
        table = s.document.table
        worst = [str(table["image_id"][i]) for i in rank(table, "error", False)[:6]]
        assert s.store.assignments() == {k: ("alice", "bob")[n % 2] for n, k in enumerate(worst)}
    monkeypatch.setenv("REVIEWER_USER", "alice")
    code, out, _ = _run(capsys, "next", project, "-q")
    assert code == 0 and out.split("\t")[0] == worst[0] and "leased to alice" in out
    code, _, _ = _run(capsys, "status", project, worst[0], "reviewed", "-q")
    code, out, _ = _run(capsys, "next", project, "-q")
    assert out.split("\t")[0] == worst[2]  # alice's next assigned image
    code, out, _ = _run(capsys, "progress", project, "--json", "-q")
    people = {p["who"]: p for p in json.loads(out)["people"]}
    assert (people["alice"]["reviewed"], people["alice"]["assigned"],
            people["alice"]["assigned_done"]) == (1, 3, 1)
    assert (people["bob"]["reviewed"], people["bob"]["assigned"]) == (0, 3)
    code, out, _ = _run(capsys, "assign", project, "--clear", "--images",
                        ",".join(worst[:2]), "-q")
    assert code == 0 and out.startswith("unassigned 2 of 2")
    code, _, err = _run(capsys, "assign", project, "--to", "x", "--images", "nope", "-q")
    assert code == 2 and "no image 'nope'" in err


def test_store_migrate_upgrades_an_old_store_and_says_so(tmp_path, capsys):
    import sqlite3

    from reviewer.io.store_schema import SCHEMA_VERSION
    from tests.io.test_store_migrations import V1_DATA, V1_DDL
    project = tmp_path / "old"
    shutil.copytree(SAMPLE, project, ignore=shutil.ignore_patterns("review.sqlite*", "*.py",
                                                                   "__pycache__"))
    conn = sqlite3.connect(project / "review.sqlite")
    conn.executescript(V1_DDL)
    for sql, rows in V1_DATA:
        conn.executemany(sql, rows)
    conn.commit()
    conn.close()
    code, out, err = _run(capsys, "store", project, "migrate")
    assert code == 0, err
    assert out.strip().endswith(f"upgraded from store schema 1 to {SCHEMA_VERSION}")
    code, out, _ = _run(capsys, "store", project, "migrate")
    assert out.strip().endswith(f"already at store schema {SCHEMA_VERSION}")
    assert (project / "review.sqlite.schema1.bak").is_file()
    code, out, _ = _run(capsys, "store", project, "info", "--json")
    info = json.loads(out)
    assert (info["version"], info["reviewed"], info["commands"]) == (SCHEMA_VERSION, 1, 1)
