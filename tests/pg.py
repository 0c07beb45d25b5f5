"""The PostgreSQL server of the tests: ``$REVIEWER_TEST_PG_DSN`` (.ci/run starts a throw-away
server and sets it). Without it, tests that need PostgreSQL skip and say why."""

from __future__ import annotations

import os

import pytest

PG_DSN = os.environ.get("REVIEWER_TEST_PG_DSN", "")
NO_PG = ("no PostgreSQL for the tests: set REVIEWER_TEST_PG_DSN=postgresql://user@host:port/db "
         "(.ci/run starts a server and sets it)")
needs_pg = pytest.mark.skipif(not PG_DSN, reason=NO_PG)


def drop_schema(schema: str) -> None:
    import psycopg
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
