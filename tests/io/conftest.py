"""Review-store fixtures for both backends.

``store_where`` (parametrized ``sqlite`` / ``postgresql``) gives where a fresh store lives: a
temporary project folder, or a fresh schema in the PostgreSQL database named by
``$REVIEWER_TEST_PG_DSN`` (dropped after the test). ``.ci/run`` starts a throw-away server and sets
that variable; without it the PostgreSQL cases skip, saying so.
"""

from __future__ import annotations

import os
import uuid

import pytest

from reviewer.io.store import StoreLocation

PG_DSN = os.environ.get("REVIEWER_TEST_PG_DSN", "")
NO_PG = ("no PostgreSQL for the tests: set REVIEWER_TEST_PG_DSN=postgresql://user@host:port/db "
         "(.ci/run starts a server and sets it)")
needs_pg = pytest.mark.skipif(not PG_DSN, reason=NO_PG)
BACKENDS = ["sqlite", pytest.param("postgresql", marks=needs_pg)]


def drop_schema(schema: str) -> None:
    import psycopg
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def pg_location():
    """A fresh schema name in the test database (dropped afterwards)."""
    if not PG_DSN:
        pytest.skip(NO_PG)
    location = StoreLocation(PG_DSN, f"rv_test_{uuid.uuid4().hex[:12]}")
    yield location
    drop_schema(location.schema)


@pytest.fixture(params=BACKENDS)
def store_where(request, tmp_path):
    """Where a new store of the parametrized backend lives (a folder or a StoreLocation)."""
    if request.param == "sqlite":
        return tmp_path
    return request.getfixturevalue("pg_location")


def where_of(store):
    """The place ``store`` was opened from (to open it again)."""
    return store.location if store.backend == "postgresql" else store.path.parent
