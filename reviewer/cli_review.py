"""Subcommands of `reviewer` for review (see reviewer/cli.py: `register`)."""

from __future__ import annotations


def register(sub, common) -> None:
    """Add this module's subcommands to the `reviewer` parser (none yet)."""
    return None
