"""Where a project's review store lives: a PostgreSQL URL and schema, or the local SQLite file.

A server store is named by ``postgresql://user@host:port/database`` plus a schema: one database
holds the stores of many projects, one schema each. The URL is recorded in ``reviewer.json``
*without* a password: libpq finds it in ``PGPASSWORD`` or ``~/.pgpass``, or the window asks for
it (``remember_password`` keeps it in this process's memory only).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

SCHEMES = ("postgresql", "postgres")
LOCAL_WORDS = ("sqlite", "local")
_SCHEMA = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_PASSWORDS: dict[str, str] = {}


@dataclass(frozen=True)
class StoreLocation:
    """A server store: ``url`` (never with a password) and ``schema``."""

    url: str
    schema: str

    def __str__(self) -> str:
        return f"{self.url} (schema {self.schema})"


def is_server_url(text: str) -> bool:
    return urlsplit(str(text)).scheme in SCHEMES


def strip_password(url: str) -> tuple[str, bool]:
    """``postgresql://u:secret@h/db`` -> (``postgresql://u@h/db``, True)."""
    parts = urlsplit(url)
    if parts.password is None and "password=" not in parts.query:
        return url, False
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    query = "&".join(q for q in parts.query.split("&") if q and not q.startswith("password="))
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment)), True


def check_url(url: str) -> str:
    """A usable server URL, or ValueError saying what is wrong."""
    parts = urlsplit(str(url))
    if parts.scheme not in SCHEMES:
        raise ValueError(f"{url!r} is not a PostgreSQL URL (postgresql://user@host:port/database)")
    if not parts.path.strip("/"):
        raise ValueError(f"{url!r} names no database (postgresql://user@host:port/DATABASE)")
    return str(url)


def check_schema(schema: str) -> str:
    if not _SCHEMA.match(str(schema)):
        raise ValueError(f"{schema!r} is not a schema name Reviewer uses (lower-case letters, "
                         "digits and _, at most 63, not starting with a digit)")
    return str(schema)


def schema_for(project_name: str) -> str:
    """A new schema name for a project: ``rv_<name as letters and digits>_<6 random hex>``
    (random, so two projects of the same name never share a store)."""
    text = unicodedata.normalize("NFKD", str(project_name)).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:40] or "project"
    import secrets  # only for a new schema

    return f"rv_{slug}_{secrets.token_hex(3)}"


def redact(url: str) -> str:
    """The URL as shown in messages (a password, if any, is dropped)."""
    return strip_password(url)[0]


def remember_password(url: str, password: str | None) -> None:
    """Keep a password for ``url`` in memory for this process (the window's prompt)."""
    if password:
        _PASSWORDS[redact(url)] = password
    else:
        _PASSWORDS.pop(redact(url), None)


def remembered_password(url: str) -> str | None:
    return _PASSWORDS.get(redact(url))
