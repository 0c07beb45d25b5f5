"""Review-store fixtures for both backends.

``store_where`` (parametrized ``sqlite`` / ``postgresql``) gives where a fresh store lives: a
temporary project folder, or a fresh schema in the PostgreSQL database of the tests (tests/pg.py,
dropped after the test); without a server the PostgreSQL cases skip, saying so.
"""

from __future__ import annotations

import pytest

from tests.pg import needs_pg

BACKENDS = ["sqlite", pytest.param("postgresql", marks=needs_pg)]


@pytest.fixture(params=BACKENDS)
def store_where(request, tmp_path):
    """Where a new store of the parametrized backend lives (a folder or a StoreLocation)."""
    if request.param == "sqlite":
        return tmp_path
    return request.getfixturevalue("pg_location")


def where_of(store):
    """The place ``store`` was opened from (to open it again)."""
    return store.location if store.backend == "postgresql" else store.path.parent
