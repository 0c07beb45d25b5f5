"""Fixtures shared by every test package."""

from __future__ import annotations

import uuid

import pytest

from reviewer.io.store_url import StoreLocation
from tests.pg import NO_PG, PG_DSN, drop_schema


@pytest.fixture
def pg_location():
    """A fresh schema in the test database (dropped afterwards); skips without PostgreSQL."""
    if not PG_DSN:
        pytest.skip(NO_PG)
    location = StoreLocation(PG_DSN, f"rv_test_{uuid.uuid4().hex[:12]}")
    yield location
    drop_schema(location.schema)


@pytest.fixture(autouse=True)
def _forget_passwords():
    """Passwords kept in memory (a prompt, a URL on the command line) never leak between tests."""
    yield
    from reviewer.io import store_url
    store_url._PASSWORDS.clear()
