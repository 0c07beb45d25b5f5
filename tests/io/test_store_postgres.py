"""The PostgreSQL store's own rules: one schema per project (several in one database), schemas
made by a newer Reviewer or holding someone else's tables are refused untouched, several
processes opening a new project at once, and clear messages when the server is away."""

from __future__ import annotations

import threading

import psycopg
import pytest

from reviewer.core.tags import Tag, TagVocabulary
from reviewer.io.store import StoreLocation, open_review_store
from reviewer.io.store_base import StoreConnectionError, StoreError
from reviewer.io.store_postgres_schema import SCHEMA_VERSION
from tests.pg import PG_DSN, drop_schema, needs_pg

pytestmark = needs_pg
VOCABULARY = TagVocabulary([Tag.make("blur", hotkey="1"), Tag.make("night")])


def test_two_projects_in_one_database_never_see_each_other(pg_location):
    other = StoreLocation(pg_location.url, pg_location.schema + "_b")
    try:
        with open_review_store(pg_location, user="a") as one, \
                open_review_store(other, user="b", vocabulary=VOCABULARY) as two:
            one.set_status(1, "reviewed")
            two.append_command(1, "A", {}, [])
            assert two.statuses() == {} and one.journal() == []
            assert one.vocabulary() != two.vocabulary()
    finally:
        drop_schema(other.schema)


def test_a_schema_from_a_newer_reviewer_is_refused_and_left_alone(pg_location):
    open_review_store(pg_location).close()
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(f"UPDATE {pg_location.schema}.meta SET value = %s"
                     " WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
    for read_only in (False, True):
        with pytest.raises(StoreError, match="made by a newer Reviewer"):
            open_review_store(pg_location, read_only=read_only)
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        assert conn.execute(f"SELECT value FROM {pg_location.schema}.meta WHERE key ="
                            " 'schema_version'").fetchone()[0] == str(SCHEMA_VERSION + 1)


def test_someone_elses_tables_are_refused(pg_location):
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {pg_location.schema}")
        conn.execute(f"CREATE TABLE {pg_location.schema}.photos(id int)")
    with pytest.raises(StoreError, match="not a Reviewer review store; it was left unchanged"):
        open_review_store(pg_location)
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        tables = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s",
                              (pg_location.schema,)).fetchall()
    assert tables == [("photos",)]


def test_several_processes_opening_a_new_project_at_once_make_one_store(pg_location):
    start = threading.Barrier(6)
    stores, errors = [], []

    def open_one(i: int) -> None:
        start.wait()
        try:
            stores.append(open_review_store(pg_location, user=f"u{i}", vocabulary=VOCABULARY))
        except Exception as exc:  # collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=open_one, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    try:
        assert errors == [] and len(stores) == 6
        assert [t.name for t in stores[0].tags()] == ["blur", "night"]  # seeded once
        assert [e.kind for e in stores[0].events()] == ["tag_created", "tag_created"]
    finally:
        for s in stores:
            s.close()


def test_an_unreachable_server_is_named_in_the_message(pg_location):
    host = PG_DSN.split("@", 1)[1].split("/")[0]
    dead = StoreLocation(PG_DSN.replace(host, "127.0.0.1:1"), pg_location.schema)
    with pytest.raises(StoreConnectionError) as caught:
        open_review_store(dead)
    assert str(caught.value).startswith("postgresql://")
    assert "cannot connect to the server" in str(caught.value)


def test_journal_times_are_the_servers_and_in_commit_order(pg_location):
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        server_now = conn.execute("SELECT now()").fetchone()[0]
    with open_review_store(pg_location, user="a", vocabulary=TagVocabulary()) as store:
        for i in range(5):
            store.append_command(i, "A", {}, [])
        events = store.events()
    from datetime import datetime
    times = [datetime.fromisoformat(e.at) for e in events]
    assert times == sorted(times)
    assert abs((times[0] - server_now).total_seconds()) < 30
    assert all(e.at.endswith("+00:00") and len(e.at) == len("2024-01-02T10:00:00.000+00:00")
               for e in events)
