"""How every ``reviewer`` subcommand presents itself: a description, and examples under ``--help``."""

from __future__ import annotations

import argparse
import textwrap


def add_command(sub, name: str, summary: str, description: str, examples: list[str]):
    """A subparser whose ``--help`` shows ``description`` and ``examples`` (one per line)."""
    epilog = "examples:\n" + "\n".join(f"  {e}" for e in examples)
    return sub.add_parser(name, help=summary, description=textwrap.fill(description, 78),
                          epilog=epilog, formatter_class=argparse.RawDescriptionHelpFormatter)
